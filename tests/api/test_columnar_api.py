"""The volume path over gRPC: columnar batches in, columnar results out (real server)."""

from __future__ import annotations

import grpc
import pytest

from arledger.v1 import columnar_pb2 as colpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client import ArledgerClient, ColumnarBatch, InvalidArgument
from arledger_client.columnar import NO_DATE


def customers(b: ColumnarBatch) -> None:
    b.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01", credit_limit_minor=300_000)
    b.open_customer("BETA", "Beta AG", "CHF", "2026-01-01", payment_terms_net_days=10)


def test_a_columnar_batch_answers_every_command_in_columns_as_the_row_path_would(served):
    b = ColumnarBatch()
    customers(b)
    b.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=119_000, po_number="PO-77")
    b.issue_invoice("INV-2", "ACME", "2026-01-06", lines=[("Work", 2, 25_000)])
    b.issue_invoice("INV-3", "ACME", "2026-01-07", amount_minor=200_000)  # over the limit: WARN
    b.record_payment("PAY-1", "ACME", 140_000, "EUR", "2026-02-01",
                     allocations={"INV-1": 119_000, "INV-2": 11_000})
    b.issue_credit_note("CN-1", "ACME", 5_000, "EUR", "2026-02-02", invoice_id="INV-2",
                        reason_code="GOODWILL")
    b.allocate_payment("PAY-1", "2026-02-03", strategy="OLDEST_DUE_FIRST")
    b.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=1)  # number taken: refused
    with ArledgerClient(served.target) as client:
        r = client.submit_columnar(b)
        assert r.status == ("ACCEPTED",) * 8 + ("REJECTED",)
        assert (r.accepted, r.duplicates, r.rejected) == (8, 0, 1)
        (rej,) = r.rejections
        assert (rej.command_index, rej.request_id, rej.reason) == (
            8, b.request_ids[8], "DUPLICATE_INVOICE_NUMBER")
        assert r.due_date[2] == "2026-02-04" and r.due_date[5] == ""  # 30 net days
        assert r.warnings[4] == ("CREDIT_LIMIT_EXCEEDED",)
        assert r.allocations[5] == (("INV-1", 119_000), ("INV-2", 11_000))
        assert r.allocations[6] == (("INV-2", 5_000),)
        assert r.allocations[7] == (("INV-2", 10_000),)  # oldest due first
        assert r.unapplied_minor[5:8] == (10_000, 0, 0)
        assert r.position[0] == 1 and r.last_position == sum(r.entry_count)
        assert client.get_balance("ACME").balance_minor == 119_000 + 50_000 + 200_000 - 140_000 - 5_000

        # The same batch again: every accepted command answers as it did (DUPLICATE, in full).
        again = client.submit_columnar(b)
        assert again.status[:8] == ("DUPLICATE",) * 8
        assert again.position[:8] == r.position[:8]
        assert again.allocations[:8] == r.allocations[:8]
        assert again.warnings[:8] == r.warnings[:8] and again.due_date[:8] == r.due_date[:8]
        # ... and so does the row path for one of them (the canonical hash is the same).
        row = client.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=119_000,
                                   po_number="PO-77", request_id=b.request_ids[2])
        assert (row.status, row.position) == ("DUPLICATE", r.position[2])


def test_other_commands_ride_along_at_their_place(served):
    b = ColumnarBatch()
    customers(b)
    b.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=10_000)
    b.add(ArledgerClient.commands.open_dispute("D-1", "INV-1", 4_000, "PRICING", "2026-01-09"))
    b.record_payment("PAY-1", "ACME", 6_000, "EUR", "2026-01-10")
    with ArledgerClient(served.target) as client:
        r = client.submit_columnar(b)
        assert r.status == ("ACCEPTED",) * 5
        assert r.allocations[4] == (("INV-1", 6_000),)
        assert client.get_balance("ACME").disputed_minor == 4_000


def test_a_stream_answers_each_batch_in_order_once_it_is_durable(served):
    batches = []
    for k in range(6):
        b = ColumnarBatch()
        if k == 0:
            customers(b)
        for i in range(50):
            b.issue_invoice(f"I{k}-{i}", "BETA", "2026-01-05", amount_minor=100 + i)
        batches.append(b)
    with ArledgerClient(served.target) as client:
        results = list(client.stream_columnar(batches))
        assert [r.accepted for r in results] == [52, 50, 50, 50, 50, 50]
        positions = [r.last_position for r in results]
        assert positions == sorted(positions)
        assert client.get_balance("BETA").open_minor == 6 * sum(100 + i for i in range(50))


def test_an_atomic_batch_with_one_refusal_writes_nothing(served):
    b = ColumnarBatch(atomic=True)
    customers(b)
    b.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=0)
    with ArledgerClient(served.target) as client:
        r = client.submit_columnar(b)
        assert r.status == ("REJECTED",) * 3
        assert {x.reason for x in r.rejections} == {"ATOMIC_BATCH_ABORTED", "AMOUNT_NOT_POSITIVE"}
        assert client.get_log_head().position == 0


@pytest.mark.parametrize("mangle, column", [
    (lambda m: setattr(m.issue_invoice, "amount_minor", m.issue_invoice.amount_minor[:-3]),
     "issue_invoice.amount_minor"),
    (lambda m: setattr(m.open_customer, "customer_id", b"A\x00B\x00C"),
     "open_customer.customer_id"),
    (lambda m: setattr(m, "kinds", m.kinds + b"\x09"), "kinds"),
    (lambda m: setattr(m.record_payment, "allocation_count", (-1).to_bytes(8, "little", signed=True)),
     "record_payment.allocation_count"),
    (lambda m: m.commands.add(), "commands"),
])
def test_a_batch_whose_columns_do_not_add_up_is_refused_whole_naming_the_column(served, mangle,
                                                                               column):
    b = ColumnarBatch()
    customers(b)
    b.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=10_000)
    b.record_payment("PAY-1", "ACME", 6_000, "EUR", "2026-01-10")
    msg = b.message()
    mangle(msg)
    with ArledgerClient(served.target) as client:
        with pytest.raises(InvalidArgument) as e:
            client.submit_columnar(msg)
        assert e.value.reason == "MALFORMED_BATCH" and column in e.value.message
        assert client.get_log_head().position == 0


def test_dates_and_text_the_compiled_loop_leaves_to_python_are_refused_with_the_exact_reason(
        served):
    b = ColumnarBatch()
    customers(b)
    msg = b.message()
    stub_batch = ColumnarBatch()
    stub_batch.issue_invoice("INV-9", "ACME", "2026-01-05", amount_minor=10_000)
    stub_batch.issue_invoice("INV-10", "ACME", "2026-01-05", amount_minor=10_000,
                             po_number="Bestellung für März")
    m2 = stub_batch.message()
    bad_day = (123_456_789).to_bytes(8, "little", signed=True)
    m2.issue_invoice.issue_day = m2.issue_invoice.issue_day[:8].replace(
        m2.issue_invoice.issue_day[:8], bad_day) + m2.issue_invoice.issue_day[8:]
    with ArledgerClient(served.target) as client:
        client.submit_columnar(msg)
        r = client.submit_columnar(m2)
        assert r.status == ("REJECTED", "ACCEPTED")
        assert r.rejections[0].reason == "MALFORMED_DATE"
        assert "123456789" in r.rejections[0].message


def test_no_date_is_the_wire_s_none():
    assert NO_DATE == -(2**63)
    assert colpb.COLUMNAR_ISSUE_INVOICE == 2


def test_the_stream_needs_a_real_channel_and_refuses_garbage(served):
    with grpc.insecure_channel(served.target) as ch:
        stub = lgrpc.LedgerServiceStub(ch)
        bad = colpb.ColumnarBatch(kinds=b"\x02", issue_invoice=colpb.IssueInvoiceColumns(
            amount_minor=b"\x01\x02\x03"))  # one invoice, a column of 3 bytes
        with pytest.raises(grpc.RpcError) as e:
            list(stub.SubmitColumnarStream(iter([bad])))
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
