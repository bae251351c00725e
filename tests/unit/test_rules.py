"""Worked examples of the ledger rules, decided by the engine, with exact reasons."""

import re
from pathlib import Path

import pytest
from google.protobuf import json_format

from arledger.domain.dates import parse_day
from arledger.domain.errors import REASONS
from arledger.projections import views
from arledger.v1 import commands_pb2 as pb

SRC = Path(__file__).resolve().parents[2] / "src" / "arledger"


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def run(ledger, *cmds):
    return ledger.submit(list(cmds))


def base(ledger):
    outs = run(ledger,
               cmd("openCustomer", "o", customerId="C", name="C", currency="EUR",
                   paymentTermsNetDays=30, openedDate="2026-01-01"),
               cmd("issueInvoice", "i1", invoiceId="I1", customerId="C", issueDate="2026-01-10",
                   amountMinor=1000),                                       # due 02-09
               cmd("issueInvoice", "i2", invoiceId="I2", customerId="C", issueDate="2026-01-05",
                   dueDate="2026-03-01", amountMinor=500),                  # due 03-01
               cmd("issueInvoice", "i3", invoiceId="I3", customerId="C", issueDate="2026-01-20",
                   amountMinor=300))                                        # due 02-19
    assert all(o.status == "ACCEPTED" for o in outs)


def test_oldest_due_first_pays_by_due_date_not_by_issue_date(ledger):
    base(ledger)
    (o,) = run(ledger, cmd("recordPayment", "p", paymentId="P", customerId="C", amountMinor=1200,
                           currency="EUR", method="CARD", valueDate="2026-02-20"))
    assert o.allocations == [("I1", 1000), ("I3", 200)]
    assert o.unapplied_minor == 0


def test_newest_due_first_and_leave_unapplied_are_honoured(ledger):
    base(ledger)
    (o,) = run(ledger, cmd("recordPayment", "p", paymentId="P", customerId="C", amountMinor=600,
                           currency="EUR", method="CARD", valueDate="2026-02-20",
                           strategy="NEWEST_DUE_FIRST"))
    assert o.allocations == [("I2", 500), ("I3", 100)]
    (o,) = run(ledger, cmd("recordPayment", "q", paymentId="Q", customerId="C", amountMinor=70,
                           currency="EUR", method="CASH", valueDate="2026-02-20",
                           strategy="LEAVE_UNAPPLIED"))
    assert (o.allocations, o.unapplied_minor) == ([], 70)


def test_a_partial_payment_leaves_the_remainder_open_and_overdue(ledger):
    base(ledger)
    run(ledger, cmd("recordPayment", "p", paymentId="P", customerId="C", amountMinor=400,
                    currency="EUR", method="CARD", valueDate="2026-02-01",
                    allocations=[{"invoiceId": "I1", "amountMinor": 400}]))
    with ledger.reading() as S:
        b = views.balance(S, 0, parse_day("2026-02-10", "d"), S.head_seq)
    assert (b["open_minor"], b["overdue_minor"]) == (1400, 600)  # I1 due 02-09 is overdue


def test_aging_bucket_edges_follow_the_domain_page(ledger):
    run(ledger, cmd("openCustomer", "o", customerId="C", name="C", currency="EUR",
                    openedDate="2026-01-01"))
    as_of = "2026-06-30"
    # days past due: 0, 1, 30, 31, 120, 121
    for n, days in enumerate((0, 1, 30, 31, 120, 121)):
        due = parse_day(as_of, "d") - days
        from arledger.domain.dates import day_to_iso
        run(ledger, cmd("issueInvoice", f"i{n}", invoiceId=f"I{n}", customerId="C",
                        issueDate="2026-01-01", dueDate=day_to_iso(due), amountMinor=10 ** n))
    with ledger.reading() as S:
        rep = views.aging(S, 0, parse_day(as_of, "d"), S.head_seq)
    (row,) = rep["rows"]
    assert row["buckets_minor"] == [1, 10 + 100, 1000, 0, 10_000, 100_000]
    assert sum(row["buckets_minor"]) + row["unapplied_minor"] == row["balance_minor"]


@pytest.mark.parametrize("kind,fields,reason", [
    ("issueInvoice", dict(invoiceId="bad id!", customerId="C", issueDate="2026-01-02",
                          amountMinor=1), "MALFORMED_ID"),
    ("issueInvoice", dict(invoiceId="X", customerId="C", issueDate="2026-13-01", amountMinor=1),
     "MALFORMED_DATE"),
    ("issueInvoice", dict(invoiceId="X", customerId="C", issueDate="2026-01-02", amountMinor=0),
     "AMOUNT_NOT_POSITIVE"),
    ("issueInvoice", dict(invoiceId="X", customerId="C", issueDate="2026-01-02",
                          amountMinor=10 ** 16), "AMOUNT_TOO_LARGE"),
    ("issueInvoice", dict(invoiceId="X", customerId="C", issueDate="2026-01-02", currency="XXX",
                          amountMinor=1), "UNKNOWN_CURRENCY"),
    ("issueInvoice", dict(invoiceId="X", customerId="C", issueDate="2026-01-02", currency="USD",
                          amountMinor=1), "CURRENCY_MISMATCH"),
    ("issueInvoice", dict(invoiceId="I1", customerId="C", issueDate="2026-01-02", amountMinor=1),
     "DUPLICATE_INVOICE_NUMBER"),
    ("issueInvoice", dict(invoiceId="X", customerId="C", issueDate="2026-01-02",
                          dueDate="2026-01-01", amountMinor=1), "DUE_BEFORE_ISSUE"),
    ("issueInvoice", dict(invoiceId="X", customerId="C", issueDate="2025-12-31", amountMinor=1),
     "DATE_BEFORE_ORIGIN"),
    ("issueInvoice", dict(invoiceId="X", customerId="C", issueDate="2026-01-02", amountMinor=5,
                          lines=[{"description": "a", "quantity": 2, "unitPriceMinor": 3}]),
     "LINES_AMOUNT_MISMATCH"),
    ("issueInvoice", dict(invoiceId="X", customerId="NOPE", issueDate="2026-01-02",
                          amountMinor=1), "CUSTOMER_NOT_FOUND"),
    ("recordPayment", dict(paymentId="P", customerId="C", amountMinor=10, currency="EUR",
                           method="CARD", valueDate="2026-02-01",
                           allocations=[{"invoiceId": "I1", "amountMinor": 1001}]),
     "ALLOCATION_EXCEEDS_OPEN"),
    ("recordPayment", dict(paymentId="P", customerId="C", amountMinor=10, currency="EUR",
                           method="CARD", valueDate="2026-02-01",
                           allocations=[{"invoiceId": "I1", "amountMinor": 11}]),
     "ALLOCATION_EXCEEDS_AMOUNT"),
    ("recordPayment", dict(paymentId="P", customerId="C", amountMinor=10, currency="EUR",
                           method="CARD", valueDate="2026-02-01",
                           allocations=[{"invoiceId": "I1", "amountMinor": 1},
                                        {"invoiceId": "I1", "amountMinor": 1}]),
     "DUPLICATE_ALLOCATION"),
    ("recordPayment", dict(paymentId="P", customerId="C", amountMinor=10, currency="EUR",
                           valueDate="2026-02-01"), "INVALID_ENUM"),
    ("recordPayment", dict(paymentId="P", customerId="C", amountMinor=10, currency="EUR",
                           method="CARD", valueDate="2026-01-06",
                           allocations=[{"invoiceId": "I1", "amountMinor": 1}]),
     "DATE_BEFORE_ORIGIN"),
    ("issueCreditNote", dict(creditNoteId="N", customerId="C", invoiceId="I1", amountMinor=1001,
                             currency="EUR", issueDate="2026-01-11"), "CREDIT_EXCEEDS_OPEN"),
    ("openDispute", dict(disputeId="D", invoiceId="I1", amountMinor=1001, reasonCode="PRICING",
                         openedDate="2026-01-11"), "DISPUTE_EXCEEDS_OPEN"),
    ("writeOffInvoice", dict(invoiceId="I1", amountMinor=1001, effectiveDate="2026-03-01",
                             actor="a", reason="r"), "WRITE_OFF_EXCEEDS_OPEN"),
    ("writeOffInvoice", dict(invoiceId="I1", effectiveDate="2026-03-01", actor="a"),
     "REASON_REQUIRED"),
    ("updateCustomer", dict(customerId="C", effectiveDate="2026-03-01", reason="r", name="N"),
     "ACTOR_REQUIRED"),
    ("updateCustomer", dict(customerId="C", effectiveDate="2026-03-01", actor="a", reason="r"),
     "NOTHING_TO_CHANGE"),
    ("closeCustomer", dict(customerId="C", effectiveDate="2026-03-01"),
     "CUSTOMER_HAS_OPEN_BALANCE"),
    ("voidInvoice", dict(invoiceId="I1", effectiveDate="2026-03-01"), "REASON_REQUIRED"),
])
def test_bad_commands_are_refused_with_their_reason_and_write_nothing(ledger, kind, fields,
                                                                      reason):
    base(ledger)
    head = ledger.state.head_position
    (o,) = run(ledger, cmd(kind, "bad", **fields))
    assert (o.status, o.error.reason) == ("REJECTED", reason), o.error
    assert ledger.state.head_position == head


def test_a_reversed_payment_cannot_be_reversed_or_allocated_again(ledger):
    base(ledger)
    run(ledger, cmd("recordPayment", "p", paymentId="P", customerId="C", amountMinor=100,
                    currency="EUR", method="CHEQUE", valueDate="2026-02-01",
                    strategy="LEAVE_UNAPPLIED"),
        cmd("reversePayment", "r", paymentId="P", effectiveDate="2026-02-03",
            reversalReason="RETURNED_CHEQUE"))
    outs = run(ledger, cmd("reversePayment", "r2", paymentId="P", effectiveDate="2026-02-04",
                           reversalReason="RETURNED_CHEQUE"),
               cmd("allocatePayment", "a", paymentId="P", effectiveDate="2026-02-04"))
    assert [o.error.reason for o in outs] == ["PAYMENT_REVERSED", "PAYMENT_REVERSED"]


def test_a_voided_invoice_leaves_the_balance_and_takes_no_money(ledger):
    base(ledger)
    outs = run(ledger, cmd("voidInvoice", "v", invoiceId="I3", effectiveDate="2026-01-21",
                           reason="duplicate"),
               cmd("recordPayment", "p", paymentId="P", customerId="C", amountMinor=10,
                   currency="EUR", method="CARD", valueDate="2026-02-01",
                   allocations=[{"invoiceId": "I3", "amountMinor": 10}]))
    assert outs[0].status == "ACCEPTED" and outs[1].error.reason == "INVOICE_VOIDED"
    with ledger.reading() as S:
        assert views.balance(S, 0, parse_day("2026-01-21", "d"), S.head_seq)["open_minor"] == 1500
        assert views.balance(S, 0, parse_day("2026-01-20", "d"), S.head_seq)["open_minor"] == 1800


def test_every_reason_raised_in_the_code_is_registered_and_every_registered_one_is_used():
    text = "\n".join(p.read_text() for p in SRC.rglob("*.py") if "v1" not in p.parts)
    raised = set(re.findall(r'error\(\s*"([A-Z_]+)"', text))
    raised |= set(re.findall(r'f"\{kind\.upper\(\)\}_NOT_FOUND"', text) and
                  {"CUSTOMER_NOT_FOUND", "INVOICE_NOT_FOUND", "PAYMENT_NOT_FOUND",
                   "CREDIT_NOTE_NOT_FOUND", "DISPUTE_NOT_FOUND"})
    raised |= set(re.findall(r'(?:InvalidArgument|NotFound)\(\s*"([A-Z_]+)"', text))
    assert raised <= set(REASONS), raised - set(REASONS)
    unused = set(REASONS) - raised
    assert not unused, f"registered but never raised: {sorted(unused)}"


def test_a_refusal_before_any_write_does_not_fail_the_rest_of_the_batch(ledger):
    """An accepted command followed by one refused on its envelope (malformed or reused
    request id): the refusal is per command, the accepted one stays accepted."""
    outs = run(ledger,
               cmd("openCustomer", "r1", customerId="C", name="C", currency="EUR",
                   openedDate="2026-01-01"),
               cmd("openCustomer", "bad id!", customerId="D", name="D", currency="EUR",
                   openedDate="2026-01-01"),
               cmd("openCustomer", "r3", customerId="E", name="E", currency="EUR",
                   openedDate="2026-01-01"),
               cmd("openCustomer", "r3", customerId="F", name="F", currency="EUR",
                   openedDate="2026-01-01"))
    assert [(o.status, o.error and o.error.reason) for o in outs] == [
        ("ACCEPTED", None), ("REJECTED", "MALFORMED_ID"), ("ACCEPTED", None),
        ("REJECTED", "REQUEST_ID_REUSED")]
