"""Rejections leave nothing behind: the writer freezes the GC view after each fold, so a
reference cycle kept alive at that moment (an error's traceback) would never be freed."""

import gc

from arledger.v1 import commands_pb2 as pb


def test_rejected_commands_leave_no_objects_behind(ledger):
    bad = [pb.Command(issue_invoice=pb.IssueInvoiceRequest(
        request_id=f"x{i}", invoice_id=f"I{i}", customer_id="NOPE", issue_date="2026-01-01",
        amount_minor=1)) for i in range(2000)]

    def round_(n):
        opened = pb.Command(open_customer=pb.OpenCustomerRequest(
            request_id=f"c{n}", customer_id=f"C{n}", name="n", currency="EUR",
            opened_date="2026-01-01"))
        outs = ledger.submit([opened] + bad)  # one write, so the group folds and freezes
        assert outs[0].status == "ACCEPTED" and outs[1].error.reason == "CUSTOMER_NOT_FOUND"

    round_(0)
    before = gc.get_freeze_count()
    for n in range(1, 11):
        round_(n)
    grown = gc.get_freeze_count() - before
    # 10 accepted customers own a few dozen objects each; 20,000 rejections must own none.
    assert grown < 5_000, f"{grown} objects frozen for 10 writes and 20,000 rejections"
