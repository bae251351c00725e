"""Every field of a command's request message is a typed argument of the SDK's method for it,
and the ones added for that reach the server: terms with `months` and a fixed discount,
invoices issued under a named version of them (`terms_id`, `terms_version`)."""

import inspect

import pytest

from arledger_client import ArledgerClient, FailedPrecondition, InvalidArgument, SearchClient
from arledger_client.commands import _KINDS, CommandMethods

# Commands sent by other clients' RPCs, not by CommandMethods: the risk model and re-score
# (RiskClient: RegisterModel, RescorePortfolio), bank statements and matching (BankClient:
# ImportStatement, MatchLines, which record these commands server-side).
SENT_ELSEWHERE = {"register_risk_model", "record_portfolio_rescore", "import_bank_statement",
                  "match_bank_lines"}


def test_every_request_field_is_an_argument_of_its_command_method():
    wrong = {}
    for kind, message in _KINDS.items():
        method = getattr(CommandMethods, kind, None)
        if method is None:
            assert kind in SENT_ELSEWHERE, f"{kind}: no CommandMethods method"
            continue
        fields = set(message.DESCRIPTOR.fields_by_name)
        params = set(inspect.signature(method).parameters) - {"self"}
        if fields != params:
            wrong[kind] = {"missing": sorted(fields - params), "unknown": sorted(params - fields)}
    assert not wrong


def test_every_argument_of_a_command_method_is_annotated():
    bare = [f"{kind}.{name}" for kind in _KINDS if hasattr(CommandMethods, kind)
            for name, p in inspect.signature(getattr(CommandMethods, kind)).parameters.items()
            if name != "self" and p.annotation is inspect.Parameter.empty]
    assert not bare


def _detail(search: SearchClient, invoice_id: str) -> dict:
    d = search.get_invoice(invoice_id, as_of="2026-03-05")
    return {"due": d["invoice"]["due_date"], "terms": d.get("terms_id", ""),
            "discount": d.get("discount_minor", 0), "until": d.get("discount_until", "")}


def test_terms_months_fixed_discount_and_a_named_version_reach_the_server(served):
    with ArledgerClient(served.target) as client, SearchClient(served.target) as search:
        client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
        # v1: end of the month after the issue month, 500.00 EUR off within 10 days.
        r = client.define_payment_terms(
            "EOM1", "END_OF_MONTH", 0, "2026-01-01", actor="ann", reason="distributor",
            months=1, discount_fixed_minor=50_000, discount_currency="EUR", discount_days=10)
        assert r.status == "ACCEPTED", r
        # v2: end of the issue month, no discount.
        r = client.define_payment_terms("EOM1", "END_OF_MONTH", 0, "2026-01-01", actor="ann",
                                        reason="shorter")
        assert r.status == "ACCEPTED", r
        for invoice_id, version in (("INV-V1", 1), ("INV-LATEST", 0)):
            r = client.issue_invoice(invoice_id, "ACME", "2026-03-03", amount_minor=1_000_000,
                                     terms_id="EOM1", terms_version=version)
            assert r.status == "ACCEPTED", r
        assert _detail(search, "INV-V1") == {"due": "2026-04-30", "terms": "EOM1 v1",
                                             "discount": 50_000, "until": "2026-03-13"}
        assert _detail(search, "INV-LATEST") == {"due": "2026-03-31", "terms": "EOM1 v2",
                                                 "discount": 0, "until": ""}


def test_a_fixed_discount_in_another_currency_than_the_invoice_is_refused(served):
    with ArledgerClient(served.target) as client:
        client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
        client.define_payment_terms("USD-OFF", "NET", 30, "2026-01-01", actor="ann",
                                    reason="US terms", discount_fixed_minor=1_000,
                                    discount_currency="USD", discount_days=10)
        with pytest.raises((FailedPrecondition, InvalidArgument)) as refused:
            client.issue_invoice("INV-1", "ACME", "2026-03-03", amount_minor=100_000,
                                 terms_id="USD-OFF")
        assert refused.value.reason == "CURRENCY_MISMATCH"


def test_a_terms_version_that_does_not_exist_is_a_typed_error(served):
    with ArledgerClient(served.target) as client:
        client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
        client.define_payment_terms("N30", "NET", 30, "2026-01-01", actor="ann", reason="std")
        with pytest.raises(Exception) as refused:
            client.issue_invoice("INV-1", "ACME", "2026-03-03", amount_minor=100_000,
                                 terms_id="N30", terms_version=7)
        assert type(refused.value).__module__ == "arledger_client.errors"
        assert refused.value.reason  # the stable reason the server gave
