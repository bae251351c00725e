"""The whole AR story through the client SDK against a real server on a free port."""

import datetime as dt

import grpc
import pytest

from arledger_client import (AlreadyExists, ArledgerClient, Command, FailedPrecondition,
                             InvalidArgument, NotFound, call_with_retries)


@pytest.fixture
def client(served):
    with ArledgerClient(served.target) as c:
        yield c


def setup_acme(client):
    client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01", payment_terms_net_days=30,
                         credit_limit_minor=500_000, billing_contact="ap@acme.example",
                         address={"line1": "1 Main St", "city": "Berlin", "country": "DE"})
    client.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=100_000, po_number="PO-1")
    client.issue_invoice("INV-2", "ACME", dt.date(2026, 2, 1),
                         lines=[("Widgets", 3, 10_000), ("Setup", 1, 20_000)])


def test_invoices_resolve_due_dates_and_lines_and_the_account_keeps_its_master_data(client):
    setup_acme(client)
    c = client.get_customer("ACME")
    assert (c.currency, c.payment_terms_net_days, c.address["city"]) == ("EUR", 30, "Berlin")
    r = client.issue_invoice("INV-3", "ACME", "2026-03-01", amount_minor=5, due_date="2026-03-15")
    assert r.due_date == "2026-03-15"
    b = client.get_balance("ACME", as_of="2026-03-01")
    assert (b.open_minor, b.balance_minor, b.headroom_minor) == (150_005, 150_005, 349_995)
    # As of the day before, INV-3 did not exist yet.
    assert client.get_balance("ACME", as_of="2026-02-28").open_minor == 150_000


def test_a_payment_goes_oldest_due_first_and_the_rest_is_unapplied_cash_allocatable_later(client):
    setup_acme(client)
    r = client.record_payment("PAY-1", "ACME", 170_000, "EUR", "2026-03-10")
    assert [(a.invoice_id, a.amount_minor) for a in r.allocations] == [("INV-1", 100_000),
                                                                       ("INV-2", 50_000)]
    assert r.unapplied_minor == 20_000
    b = client.get_balance("ACME", as_of="2026-03-10")
    assert (b.open_minor, b.unapplied_cash_minor, b.balance_minor) == (0, 20_000, -20_000)
    client.issue_invoice("INV-4", "ACME", "2026-03-11", amount_minor=30_000)
    a = client.allocate_payment("PAY-1", "2026-03-12", allocations={"INV-4": 20_000})
    assert a.unapplied_minor == 0
    assert client.get_balance("ACME", as_of="2026-03-12").balance_minor == 10_000


def test_a_reversal_reopens_what_the_payment_settled(client):
    setup_acme(client)
    client.record_payment("PAY-1", "ACME", 100_000, "EUR", "2026-02-10",
                          allocations=[("INV-1", 100_000)], method="CHEQUE")
    assert client.get_balance("ACME", as_of="2026-02-10").open_minor == 50_000
    r = client.reverse_payment("PAY-1", "2026-02-14", "RETURNED_CHEQUE")
    assert [(a.invoice_id, a.amount_minor) for a in r.allocations] == [("INV-1", -100_000)]
    assert client.get_balance("ACME", as_of="2026-02-14").open_minor == 150_000
    # As of a day before the reversal, the payment still counts.
    assert client.get_balance("ACME", as_of="2026-02-12").open_minor == 50_000
    with pytest.raises(FailedPrecondition) as e:
        client.reverse_payment("PAY-1", "2026-02-15", "CHARGEBACK")
    assert e.value.reason == "PAYMENT_REVERSED"


def test_disputes_credit_notes_and_write_offs_change_the_balance_as_the_domain_says(client):
    setup_acme(client)
    client.open_dispute("D-1", "INV-2", 20_000, "PRICING", "2026-02-05")
    assert client.get_balance("ACME", as_of="2026-02-05").disputed_minor == 20_000
    with pytest.raises(FailedPrecondition) as e:
        client.void_invoice("INV-2", "2026-02-06", reason="wrong")
    assert e.value.reason == "INVOICE_DISPUTED"
    r = client.resolve_dispute("D-1", "DISPUTE_UPHELD", "2026-02-20", actor="ann",
                               reason="price error confirmed", credit_note_id="CN-D-1")
    assert r.entry_count == 2  # DisputeResolved + CreditNoteIssued
    b = client.get_balance("ACME", as_of="2026-02-20")
    assert (b.open_minor, b.disputed_minor) == (130_000, 0)
    client.issue_credit_note("CN-2", "ACME", 5_000, "EUR", "2026-02-21")  # account credit
    client.write_off_invoice("INV-1", "2026-06-30", actor="ann", reason="insolvent")
    b = client.get_balance("ACME", as_of="2026-06-30")
    assert (b.open_minor, b.unapplied_credit_minor, b.balance_minor) == (30_000, 5_000, 25_000)
    with pytest.raises(InvalidArgument) as e:
        client.write_off_invoice("INV-2", "2026-07-01", actor="", reason="x")
    assert e.value.reason == "ACTOR_REQUIRED"
    with pytest.raises(FailedPrecondition) as e:
        client.close_customer("ACME", "2026-07-01")
    assert e.value.reason == "CUSTOMER_HAS_OPEN_BALANCE"


def test_errors_are_typed_with_stable_reasons(client):
    with pytest.raises(NotFound) as e:
        client.get_balance("NOPE")
    assert (e.value.reason, e.value.code) == ("CUSTOMER_NOT_FOUND", "NOT_FOUND")
    setup_acme(client)
    with pytest.raises(AlreadyExists) as e:
        client.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=1)
    assert e.value.reason == "DUPLICATE_INVOICE_NUMBER"
    with pytest.raises(FailedPrecondition) as e:
        client.record_payment("P", "ACME", 10, "EUR", "2026-03-01", allocations={"INV-1": 200_000})
    assert e.value.reason == "ALLOCATION_EXCEEDS_OPEN"
    with pytest.raises(InvalidArgument) as e:
        client.record_payment("P", "ACME", 10, "USD", "2026-03-01")
    assert e.value.reason == "CURRENCY_MISMATCH"


def test_a_retry_with_the_same_request_id_returns_the_original_result(client):
    setup_acme(client)
    first = client.record_payment("PAY-9", "ACME", 1_000, "EUR", "2026-02-02", request_id="req-9")
    again = client.record_payment("PAY-9", "ACME", 1_000, "EUR", "2026-02-02", request_id="req-9")
    assert (first.status, again.status) == ("ACCEPTED", "DUPLICATE")
    assert again.position == first.position
    assert client.get_balance("ACME", as_of="2026-02-02").open_minor == 149_000
    with pytest.raises(AlreadyExists) as e:
        client.record_payment("PAY-9", "ACME", 2_000, "EUR", "2026-02-02", request_id="req-9")
    assert e.value.reason == "REQUEST_ID_REUSED"


def test_batches_and_streams_take_sdk_commands_and_json_mapping_dicts(client):
    setup_acme(client)
    cmds = [Command.from_dict({"issueInvoice": {"requestId": f"b-{i}", "invoiceId": f"B-{i}",
                                                "customerId": "ACME", "issueDate": "2026-02-02",
                                                "amountMinor": 100}}) for i in range(3)]
    cmds.append(client.commands.issue_invoice(invoice_id="B-x", customer_id="NOPE",
                                              issue_date="2026-02-02", amount_minor=1))
    r = client.submit_batch(cmds)
    assert [x.status for x in r.results] == ["ACCEPTED"] * 3 + ["REJECTED"]
    assert r.results[3].reason == "CUSTOMER_NOT_FOUND"
    s = client.submit_stream([cmds[:2], cmds[2:]])
    assert (s.duplicates, s.rejected, s.rejections[0].batch_index) == (3, 1, 1)


def test_open_items_aging_and_the_log_read_back_what_was_written(client, served):
    setup_acme(client)
    client.record_payment("PAY-1", "ACME", 120_000, "EUR", "2026-02-10",
                          allocations=[("INV-1", 100_000)])
    items = list(client.list_open_items("ACME", as_of="2026-04-01", page_size=1))
    assert [(i.kind, i.item_id, i.open_minor) for i in items] == [
        ("INVOICE", "INV-2", 50_000), ("PAYMENT", "PAY-1", -20_000)]
    assert items[0].days_past_due == 29  # due 2026-03-03 (issued 02-01, net 30)
    rep = client.get_aging("ACME", as_of="2026-04-01")
    (row,) = rep.rows
    assert row.buckets_minor == (0, 50_000, 0, 0, 0, 0)
    assert row.balance_minor == 30_000 == sum(row.buckets_minor) + row.unapplied_minor
    entries = list(client.stream_entries())
    assert [e.type for e in entries] == ["CustomerOpened", "InvoiceIssued", "InvoiceIssued",
                                         "PaymentRecorded"]
    assert entries[3].fields["allocations"] == [{"invoice_id": "INV-1", "amount_minor": 100_000}]
    assert entries[2].fields["lines"][0] == {"description": "Widgets", "quantity": 3,
                                             "unit_price_minor": 10_000}
    head = client.get_log_head()
    assert head.position == 4 and head.state_digest == "" and client.verify_log().ok
    assert client.get_log_head(with_state_digest=True).state_digest == \
        served.ledger.state.digest()


class _Unavailable(grpc.RpcError):
    def code(self):
        return grpc.StatusCode.UNAVAILABLE

    def details(self):
        return "down"


def test_retries_resend_the_same_request_and_give_up_with_a_typed_error():
    sent = []

    def flaky(request="same-request"):
        sent.append(request)
        if len(sent) < 3:
            raise _Unavailable()
        return "ok"

    assert call_with_retries(flaky, retries=5, backoff_s=0, sleep=lambda s: None) == "ok"
    assert sent == ["same-request"] * 3
    sent.clear()
    with pytest.raises(Exception) as e:
        call_with_retries(lambda: flaky() and (_ for _ in ()).throw(_Unavailable()),
                          retries=1, backoff_s=0, sleep=lambda s: None)
    assert getattr(e.value, "reason", "") == "UNAVAILABLE"
