"""SearchService over a real server, on both stores: every list and get RPC, as
known at a past time (each differs from now exactly by what was recorded since), filters,
orders and pages, notes, and the worklist's page token."""

import datetime as dt

import pytest

from arledger_client import (ArledgerClient, InvalidArgument, NotFound, RiskClient,
                             SearchClient)

AS_OF = "2026-06-30"


def _history(c: ArledgerClient) -> None:
    """Three customers in two currencies: invoices, a payment, a credit note, a dispute."""
    c.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01", payment_terms_net_days=30,
                    credit_limit_minor=100_000)
    c.open_customer("BOLT", "Bolt Ltd", "GBP", "2026-01-01", payment_terms_net_days=14)
    c.open_customer("CORA", "Cora Handels AG", "EUR", "2026-01-01", payment_terms_net_days=30)
    c.issue_invoice("A-1", "ACME", "2026-01-10", amount_minor=60_000)
    c.issue_invoice("A-2", "ACME", "2026-03-01", amount_minor=50_000)
    c.issue_invoice("B-1", "BOLT", "2026-02-01", amount_minor=30_000)
    c.issue_invoice("C-1", "CORA", "2026-05-20", amount_minor=10_000)
    c.record_payment("P-1", "ACME", 20_000, "EUR", "2026-02-15", method="BANK_TRANSFER")
    c.issue_credit_note("N-1", "CORA", 2_000, "EUR", "2026-06-01", reason_code="PRICING")
    c.open_dispute("D-1", "B-1", 5_000, "PRICING", "2026-03-10")


def _head_time(c: ArledgerClient) -> dt.datetime:
    return c.get_log_head().recorded_at


@pytest.fixture
def clients(served):
    with ArledgerClient(served.target) as c, SearchClient(served.target) as s, \
            RiskClient(served.target) as r:
        _history(c)
        yield c, s, r


def test_list_customers_figures_filters_and_order(clients):
    c, s, _ = clients
    page = s.list_customers_page(as_of=AS_OF, order_by="balance desc")
    assert page.total_size == 3
    rows = {r["customer_id"]: r for r in page.items}
    acme = rows["ACME"]
    # 60,000 + 50,000 - 20,000 paid (oldest due first: A-1)
    assert acme["balance_minor"] == 90_000 and acme["open_minor"] == 90_000
    assert acme["overdue_minor"] == 90_000  # A-1 due 02-09, A-2 due 03-31
    assert acme["oldest_past_due_days"] == (dt.date(2026, 6, 30) - dt.date(2026, 2, 9)).days
    assert acme["over_limit"] is False and acme["credit_limit_minor"] == 100_000
    assert rows["BOLT"]["disputed_minor"] == 5_000 and rows["BOLT"]["open_disputes"] == 1
    assert rows["CORA"]["unapplied_minor"] == 2_000 and rows["CORA"]["balance_minor"] == 8_000
    # Money orders rank within each currency, currencies by code.
    assert [r["customer_id"] for r in page.items] == ["ACME", "CORA", "BOLT"]
    assert [r["customer_id"] for r in s.list_customers(as_of=AS_OF, order_by="name")] == \
        ["ACME", "BOLT", "CORA"]
    assert [r["customer_id"] for r in s.list_customers(as_of=AS_OF, query="GMBH")] == ["ACME"]
    assert [r["customer_id"] for r in s.list_customers(as_of=AS_OF, query="ag",
                                                       query_prefix=True)] == []
    assert [r["customer_id"] for r in s.list_customers(as_of=AS_OF, query="co",
                                                       query_prefix=True)] == ["CORA"]
    assert [r["customer_id"] for r in s.list_customers(as_of=AS_OF, currency="GBP")] == ["BOLT"]
    assert [r["customer_id"] for r in s.list_customers(as_of=AS_OF, disputes="with")] == ["BOLT"]
    assert {r["customer_id"] for r in s.list_customers(as_of=AS_OF, past_due_days_min=100)} == \
        {"ACME", "BOLT"}
    assert [r["customer_id"] for r in s.list_customers(as_of=AS_OF,
                                                       order_by="oldest_past_due desc")][:1] == \
        ["ACME"]
    risky = s.list_customers_page(as_of=AS_OF, order_by="expected_loss desc")
    assert all(r["has_risk"] for r in risky.items)
    # The figures agree with the balance every view gives.
    for r in page.items:
        assert c.get_balance(r["customer_id"], AS_OF).balance_minor == r["balance_minor"]


def test_list_customers_pages_are_one_view(clients):
    c, s, _ = clients
    first = s.list_customers_page(as_of=AS_OF, order_by="customer_id", page_size=2)
    assert [r["customer_id"] for r in first.items] == ["ACME", "BOLT"] and first.next_page_token
    # Something arrives between pages: the token keeps the first page's view.
    c.open_customer("AAAA", "Aardvark", "EUR", "2026-01-01")
    second = s.list_customers_page(as_of=AS_OF, order_by="customer_id", page_size=2,
                                   page_token=first.next_page_token)
    assert [r["customer_id"] for r in second.items] == ["CORA"] and not second.next_page_token
    assert s.list_customers_page(as_of=AS_OF).total_size == 4
    with pytest.raises(InvalidArgument) as e:  # a token belongs to its query
        s.list_customers_page(as_of=AS_OF, order_by="name", page_token=first.next_page_token)
    assert e.value.reason == "INVALID_PAGE_TOKEN"
    with pytest.raises(InvalidArgument) as e:
        s.list_customers_page(as_of=AS_OF, page_token="bm90IGEgdG9rZW4=")
    assert e.value.reason == "INVALID_PAGE_TOKEN"
    with pytest.raises(InvalidArgument) as e:
        s.list_customers_page(order_by="size desc")
    assert e.value.reason == "INVALID_ORDER_BY"


def test_list_customers_as_known_at(clients):
    c, s, _ = clients
    k = _head_time(c)
    c.record_payment("P-2", "BOLT", 30_000, "GBP", "2026-04-01", method="CARD")  # back-dated
    c.open_customer("DORA", "Dora", "EUR", "2026-02-01")
    c.place_hold("CORA", "2026-03-01", actor="ann", reason="late")
    then = {r["customer_id"]: r for r in s.list_customers(as_of=AS_OF, known_at=k)}
    now = {r["customer_id"]: r for r in s.list_customers(as_of=AS_OF)}
    assert set(then) == {"ACME", "BOLT", "CORA"} and set(now) == set(then) | {"DORA"}
    assert then["BOLT"]["balance_minor"] == 30_000 and now["BOLT"]["balance_minor"] == 0
    assert then["CORA"]["on_hold"] is False and now["CORA"]["on_hold"] is True
    assert [r["customer_id"] for r in s.list_customers(as_of=AS_OF, known_at=k,
                                                       on_hold=True)] == []
    # As of a day before the hold, even as known now, it was not on hold.
    assert [r["customer_id"] for r in s.list_customers(as_of="2026-02-28", on_hold=True)] == []


def test_list_invoices_as_known_at_and_filters(clients):
    c, s, _ = clients
    k = _head_time(c)
    c.write_off_invoice("A-2", "2026-06-01", actor="ann", reason="insolvent")
    c.issue_invoice("A-3", "ACME", "2026-04-01", amount_minor=7_000)  # back-dated
    then = {r["invoice_id"]: r for r in s.list_invoices(as_of=AS_OF, known_at=k)}
    now = {r["invoice_id"]: r for r in s.list_invoices(as_of=AS_OF)}
    assert set(then) == {"A-1", "A-2", "B-1", "C-1"} and set(now) == set(then) | {"A-3"}
    assert then["A-2"]["status"] == "OPEN" and now["A-2"]["status"] == "WRITTEN_OFF"
    assert then["A-1"]["open_minor"] == 40_000 and then["A-1"]["po_number"] == ""
    assert [r["invoice_id"] for r in s.list_invoices(as_of=AS_OF, customer_id="ACME",
                                                     order_by="issue_date")] == \
        ["A-1", "A-2", "A-3"]
    assert [r["invoice_id"] for r in s.list_invoices(as_of=AS_OF, statuses=["WRITTEN_OFF"])] \
        == ["A-2"]
    assert [r["invoice_id"] for r in s.list_invoices(as_of=AS_OF, query="b-")] == ["B-1"]
    assert [r["invoice_id"] for r in s.list_invoices(as_of=AS_OF, disputed_only=True)] == ["B-1"]
    assert [r["invoice_id"] for r in s.list_invoices(
        as_of=AS_OF, issued_from="2026-03-01", issued_to="2026-04-30",
        order_by="invoice_id desc")] == ["A-3", "A-2"]
    # As of a day before an invoice's issue date, it is not there yet.
    assert "C-1" not in {r["invoice_id"] for r in s.list_invoices(as_of="2026-05-01")}
    with pytest.raises(InvalidArgument) as e:
        s.list_invoices_page(issued_from="2026-05-01", issued_to="2026-04-01")
    assert e.value.reason == "INVALID_PERIOD"
    with pytest.raises(NotFound):
        s.list_invoices_page(customer_id="NOPE")


def test_payments_and_credit_notes_as_known_at(clients):
    c, s, _ = clients
    c.record_payment("P-9", "CORA", 3_000, "EUR", "2026-05-01", method="CASH",
                     strategy="LEAVE_UNAPPLIED")
    k = _head_time(c)
    c.allocate_payment("P-9", "2026-06-10", allocations={"C-1": 3_000})
    c.reverse_payment("P-1", "2026-06-15", "RETURNED_CHEQUE")
    c.issue_credit_note("N-2", "ACME", 1_000, "EUR", "2026-05-05")
    then = {r["payment_id"]: r for r in s.list_payments(as_of=AS_OF, known_at=k)}
    now = {r["payment_id"]: r for r in s.list_payments(as_of=AS_OF)}
    assert then["P-9"]["status"] == "UNAPPLIED" and then["P-9"]["unapplied_minor"] == 3_000
    assert now["P-9"]["status"] == "APPLIED" and now["P-9"]["unapplied_minor"] == 0
    assert then["P-1"]["status"] == "APPLIED" and now["P-1"]["status"] == "REVERSED"
    assert [r["payment_id"] for r in s.list_payments(as_of=AS_OF,
                                                     statuses=["UNAPPLIED"])] == []
    assert [r["credit_note_id"] for r in s.list_credit_notes(as_of=AS_OF, known_at=k)] == ["N-1"]
    assert [r["credit_note_id"] for r in s.list_credit_notes(
        as_of=AS_OF, order_by="credit_note_id")] == ["N-1", "N-2"]
    assert [r["credit_note_id"] for r in s.list_credit_notes(as_of="2026-05-31")] == ["N-2"]


def test_get_invoice_and_payment(clients):
    c, s, _ = clients
    k = _head_time(c)
    c.record_payment("P-3", "ACME", 45_000, "EUR", "2026-04-02", method="BANK_TRANSFER")
    d = s.get_invoice("A-1", as_of=AS_OF, full=True)
    inv = d["invoice"]
    assert inv["status"] == "PAID" and inv["open_minor"] == 0 and inv["customer_id"] == "ACME"
    assert [(a["source_id"], a["amount_minor"]) for a in d["allocations"]] == \
        [("P-1", 20_000), ("P-3", 40_000)]
    assert [h["entry_type"] for h in d["history"]] == \
        ["InvoiceIssued", "PaymentRecorded", "PaymentRecorded"]
    assert [h["balance_after_minor"] for h in d["history"]] == [60_000, 40_000, 0]
    assert [e["position"] for e in d["entries"]] == [h["position"] for h in d["history"]]
    assert d["installments"][0]["open_minor"] == 0
    then = s.get_invoice("A-1", as_of=AS_OF, known_at=k)
    assert then["invoice"]["status"] == "OPEN" and then["invoice"]["open_minor"] == 40_000
    assert then["entries"] == [] and len(then["history"]) == 2
    # As of a day before it was issued, the invoice is not known.
    with pytest.raises(NotFound) as e:
        s.get_invoice("C-1", as_of="2026-05-01")
    assert e.value.reason == "INVOICE_NOT_FOUND"
    p = s.get_payment("P-3", as_of=AS_OF, full=True)
    assert p["payment"]["status"] == "APPLIED"
    assert {a["invoice_id"]: a["amount_minor"] for a in p["applied"]} == {"A-1": 40_000,
                                                                          "A-2": 5_000}
    assert p["entries"][0]["type"] == "PaymentRecorded"
    with pytest.raises(NotFound) as e:
        s.get_payment("P-3", as_of=AS_OF, known_at=k)
    assert e.value.reason == "PAYMENT_NOT_FOUND"
    c.reverse_payment("P-3", "2026-06-20", "CHARGEBACK")
    p = s.get_payment("P-3", as_of=AS_OF)
    assert p["payment"]["status"] == "REVERSED" and p["applied"] == []
    assert [h["entry_type"] for h in p["history"]] == ["PaymentRecorded", "PaymentReversed"]


def test_notes_are_ledger_entries_and_views_honour_both_clocks(served, clients):
    c, s, _ = clients
    r = c.add_note("ACME", "called, promised to pay Friday", "2026-06-10", actor="ann")
    assert r.status == "ACCEPTED"
    k = _head_time(c)
    c.add_note("ACME", "paid nothing", "2026-06-20", actor="bob", reason="follow-up")
    c.add_note("ACME", "back-dated remark", "2026-06-01", actor="bob")
    notes = s.list_notes("ACME", as_of=AS_OF).items
    assert [(n["actor"], n["text"]) for n in notes] == [
        ("bob", "paid nothing"), ("ann", "called, promised to pay Friday"),
        ("bob", "back-dated remark")]
    assert [n["text"] for n in s.list_notes("ACME", as_of=AS_OF, known_at=k).items] == \
        ["called, promised to pay Friday"]
    assert [n["text"] for n in s.list_notes("ACME", as_of="2026-06-15").items] == \
        ["called, promised to pay Friday", "back-dated remark"]
    entry = next(e for e in c.stream_entries() if e.type == "NoteAdded")
    assert entry.actor == "ann" and entry.fields["customer_id"] == "ACME"
    with pytest.raises(InvalidArgument) as e:
        c.add_note("ACME", "anonymous", "2026-06-10", actor="")
    assert e.value.reason == "ACTOR_REQUIRED"
    with pytest.raises(InvalidArgument) as e:
        c.add_note("ACME", "", "2026-06-10", actor="ann")
    assert e.value.reason == "MISSING_FIELD"
    with pytest.raises(NotFound):
        c.add_note("NOPE", "x", "2026-06-10", actor="ann")
    # A replay of the stored segments folds the notes the same way.
    from arledger.engine.segment import decode, digest
    from arledger.engine.state import State
    S2 = State()
    for _, blob in served.ledger.store.read():
        S2.apply_segment(decode(blob), digest(blob))
    with served.ledger.reading() as S:
        assert (S2.notes.view("pos").tolist(), S2.note_texts, S2.note_actors) == \
            (S.notes.view("pos").tolist(), S.note_texts, S.note_actors)
        assert S2.digest() == S.digest()


def test_dunning_notices_as_known_at(clients):
    c, s, _ = clients
    c.define_dunning_policy("STD", [{"days_past_due": 10, "action": "REMINDER",
                                     "text_key": "reminder"}], "2026-01-01", actor="ann",
                            reason="ladder")
    assert s.dunning_notices(as_of=AS_OF)["run_date"] == ""
    c.run_dunning("2026-03-01", default_policy_id="STD")
    k = _head_time(c)
    c.run_dunning("2026-04-15", default_policy_id="STD")
    now = s.dunning_notices(as_of=AS_OF)
    assert now["run_date"] == "2026-04-15"
    then = s.dunning_notices(as_of=AS_OF, known_at=k)
    assert then["run_date"] == "2026-03-01"
    assert {n["customer_id"] for n in then["notices"]} == {"ACME", "BOLT"}
    assert then["notices"][0]["items"][0]["action"] == "REMINDER"
    assert s.dunning_notices(as_of="2026-03-31")["run_date"] == "2026-03-01"


def test_worklist_pages_and_known_at(clients):
    c, _, r = clients
    first = r.worklist_page(as_of=AS_OF, page_size=1)
    assert first["total_size"] == 3 and len(first["rows"]) == 1 and first["next_page_token"]
    k = _head_time(c)
    c.record_payment("P-7", "CORA", 8_000, "EUR", "2026-06-02", method="CARD")
    rest = r.worklist_page(as_of=AS_OF, page_size=5, page_token=first["next_page_token"])
    # The token pins the first page's view: CORA still has exposure there.
    assert len(rest["rows"]) == 2 and not rest["next_page_token"]
    ids = [x["customer_id"] for x in first["rows"] + rest["rows"]]
    assert sorted(ids) == ["ACME", "BOLT", "CORA"]
    eur = [x for x in first["rows"] + rest["rows"] if x["currency"] == "EUR"]
    assert [x["rank"] for x in eur] == [1, 2]
    assert r.worklist_page(as_of=AS_OF)["total_size"] == 2  # CORA paid up
    assert r.worklist_page(as_of=AS_OF, known_at=k)["total_size"] == 3
    assert r.score("CORA", as_of=AS_OF, known_at=k)["exposure_minor"] == 8_000
    assert r.score("CORA", as_of=AS_OF)["exposure_minor"] == 0
