"""The compiled loop refuses an over-allocation itself, worded as the Python decider words
it, and hands every other refusal to the Python decider.

The differential test holds both deciders to the same answers; this one pins which of
them answered, since the loop's own refusal is there for speed (a refusal through the
Python decider rebuilds the command and restarts the loop) and would otherwise fall back
silently.
"""

from __future__ import annotations

import pytest
from google.protobuf import json_format

from arledger.engine.decide import Decider
from arledger.v1 import commands_pb2 as pb


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def _book(ledger) -> None:
    ledger.submit([
        cmd("openCustomer", "o1", customerId="C1", name="C1", currency="EUR",
            paymentTermsNetDays=30, openedDate="2026-01-01"),
        cmd("openCustomer", "o2", customerId="C2", name="C2", currency="EUR",
            paymentTermsNetDays=30, openedDate="2026-01-01"),
        cmd("issueInvoice", "i1", invoiceId="I1", customerId="C1", issueDate="2026-01-02",
            amountMinor=100),
        cmd("issueInvoice", "i2", invoiceId="I2", customerId="C2", issueDate="2026-01-02",
            amountMinor=100)])


@pytest.fixture
def python_decided(monkeypatch) -> list[str]:
    """The request ids the Python decider decided."""
    seen: list[str] = []
    decide = Decider.decide

    def spy(self, c, h=None):  # type: ignore[no-untyped-def]
        seen.append(getattr(c, c.WhichOneof("command")).request_id)
        return decide(self, c, h)
    monkeypatch.setattr(Decider, "decide", spy)
    return seen


def _pay(rid: str, amount: int, **alloc) -> pb.Command:
    return cmd("recordPayment", rid, paymentId=rid.upper(), customerId="C1",
               amountMinor=amount, currency="EUR", method="BANK_TRANSFER",
               valueDate="2026-01-05", strategy="EXPLICIT", allocations=[alloc])


def test_an_over_allocation_is_refused_by_the_loop_in_the_python_deciders_words(
        sqlite_ledger, python_decided) -> None:
    _book(sqlite_ledger)
    head = sqlite_ledger.state.head_position
    python_decided.clear()
    over, fits = sqlite_ledger.submit([_pay("p1", 150, invoiceId="I1", amountMinor=150),
                                       _pay("p2", 60, invoiceId="I1", amountMinor=60)])
    assert over.status == "REJECTED" and over.error is not None
    assert (over.error.reason, over.error.message, type(over.error).__name__) == (
        "ALLOCATION_EXCEEDS_OPEN", "invoice 'I1' has 100 open, 150 allocated",
        "FailedPrecondition")
    assert fits.status == "ACCEPTED" and fits.allocations == [("I1", 60)]
    assert python_decided == []  # both decided in the compiled loop
    assert sqlite_ledger.state.head_position == head + fits.entry_count
    # what is open now counts: 40 left
    (again,) = sqlite_ledger.submit([_pay("p3", 50, invoiceId="I1", amountMinor=50)])
    assert again.error is not None and again.error.message == \
        "invoice 'I1' has 40 open, 50 allocated"
    assert python_decided == []


def test_what_comes_first_in_the_python_deciders_order_is_still_its_to_word(
        sqlite_ledger, python_decided) -> None:
    """Another customer's invoice, over-allocated: INVOICE_OF_OTHER_CUSTOMER comes first."""
    _book(sqlite_ledger)
    python_decided.clear()
    (other,) = sqlite_ledger.submit([_pay("p1", 150, invoiceId="I2", amountMinor=150)])
    assert other.error is not None and other.error.reason == "INVOICE_OF_OTHER_CUSTOMER"
    assert python_decided == ["p1"]
