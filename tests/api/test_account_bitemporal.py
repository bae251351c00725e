"""GetAccount as known at a time: every figure of the account is what was recorded by then."""

import datetime as dt

from arledger_client import ArledgerClient

PERSON = dict(actor="ann", reason="credit committee")
LADDER = [{"days_past_due": 10, "action": "REMINDER", "text_key": "remind"}]


def _at(us: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=us)


def test_an_account_as_known_at_k_never_shows_what_was_recorded_after_k(served):
    as_of = "2026-03-31"
    with ArledgerClient(served.target) as client:
        client.define_payment_terms("N30", "NET", 30, "2026-01-01", **PERSON)
        client.define_dunning_policy("STD", LADDER, "2026-01-01", **PERSON)
        client.open_customer("C", "C AG", "EUR", "2026-01-01", credit_limit_minor=500_000)
        client.set_customer_policies("C", "2026-01-01", payment_terms_id="N30",
                                     over_limit_action="WARN", dunning_policy_id="STD",
                                     **PERSON)
        client.issue_invoice("I-1", "C", "2026-01-10", amount_minor=100_000)
        client.issue_invoice("I-2", "C", "2026-01-11", amount_minor=50_000)
        client.issue_invoice("I-3", "C", "2026-01-12", amount_minor=30_000)
        client.open_dispute("D-1", "I-1", 20_000, "PRICING", "2026-01-20")
        k = served.ledger.state.head_recorded_at_us
        then = client.get_account("C", as_of=as_of)
        balance_then = client.get_balance("C", as_of=as_of)

        # Everything below is recorded after K, most of it effective before as_of.
        client.review_dispute("D-1", "2026-01-21", **PERSON)
        client.resolve_dispute("D-1", "DISPUTE_REJECTED", "2026-01-22", **PERSON)
        client.open_dispute("D-2", "I-1", 5_000, "QUALITY", "2026-01-23")
        client.write_off_invoice("I-2", "2026-01-25", **PERSON)
        client.sell_receivables("S-1", "Agency", ["I-3"], 5_000, "2026-01-26", **PERSON)
        client.define_payment_terms("N30", "NET", 45, "2026-01-01", **PERSON)
        client.set_customer_policies("C", "2026-01-02", over_limit_action="REJECT",
                                     allocation_strategy="NEWEST_DUE_FIRST",
                                     payment_terms_id="N30", **PERSON)
        client.change_credit_limit("C", 100_000, "2026-01-05", **PERSON)
        now = client.get_account("C", as_of=as_of)
        known = client.get_account("C", as_of=as_of, known_at=_at(k))
        balance_now = client.get_balance("C", as_of=as_of)
        balance_known = client.get_balance("C", as_of=as_of, known_at=_at(k))

    # What the later entries changed, read now ...
    assert [(d["dispute_id"], d["state"]) for d in now["disputes"]] == [
        ("D-1", "REJECTED"), ("D-2", "OPEN")]
    assert now["written_off_minor"] == 50_000 and now["sold_minor"] == 30_000
    assert now["terms"]["version"] == 2 and now["over_limit_action"] == "REJECT"
    assert now["credit_limit_minor"] == balance_now.credit_limit_minor == 100_000
    # ... is absent as known at K: the account is the one read at K, figure for figure.
    assert [(d["dispute_id"], d["state"], d["resolved_date"]) for d in known["disputes"]] == [
        ("D-1", "OPEN", "")]
    assert known["written_off_minor"] == 0 and known["sold_minor"] == 0
    assert known["terms"]["version"] == 1
    assert (known["over_limit_action"], known["allocation_strategy"]) == (
        then["over_limit_action"], then["allocation_strategy"])
    assert known == then
    assert balance_known == balance_then and balance_known.credit_limit_minor == 500_000
