"""The provision matrix reproduces a published worked example of the IFRS 9 simplified
approach: loss rates from how a past month's sales were paid, applied to today's aging.

The example (IFRScommunity.com, "IFRS 9 example: lifetime ECL for trade receivables using a
provision matrix"): January sales of 100,000 were 50,000 paid on time, 27,000 paid 1-30
days late, 15,000 paid 31-60 days late, 6,000 paid 61-90 days late, and 2,000 never paid.
On 31 December the receivables are 300,000 not overdue, 140,000 1-30 days, 60,000 31-60
days, 23,000 61-90 days and 5,000 over 90 days overdue; the published allowance is 6,000,
5,600, 5,217, 5,750 and 5,000: 27,567 in all.
"""

from fractions import Fraction

from google.protobuf import json_format

from arledger.domain.dates import parse_day
from arledger.projections import risk
from arledger.v1 import commands_pb2 as pb

UNIT = 100  # EUR minor units per unit of the example
HISTORY = [("on time", 50_000, 0), ("1-30 late", 27_000, 15), ("31-60 late", 15_000, 45),
           ("61-90 late", 6_000, 75)]
NEVER_PAID = 2_000
TODAY = [("not overdue", 300_000, -20), ("1-30", 140_000, 16), ("31-60", 60_000, 46),
         ("61-90", 23_000, 77), ("over 90", 5_000, 107)]
PUBLISHED_ECL = [6_000, 5_600, 5_217, 5_750, 5_000]
PUBLISHED_TOTAL = 27_567


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def iso(day: int) -> str:
    from arledger.domain.dates import day_to_iso
    return day_to_iso(day)


def build(ledger) -> int:  # type: ignore[no-untyped-def]
    """The example's history and today's receivables; returns as_of (31 December)."""
    as_of = parse_day("2026-12-31", "as_of")
    jan_issue, jan_due = parse_day("2026-01-15", "d"), parse_day("2026-02-14", "d")
    cmds = [cmd("openCustomer", "c", customerId="T", name="Company T", currency="EUR",
                paymentTermsNetDays=30, openedDate="2025-12-01"),
            cmd("issueInvoice", "h", invoiceId="JAN", customerId="T", issueDate=iso(jan_issue),
                dueDate=iso(jan_due), amountMinor=100_000 * UNIT),
            # A voided invoice of the same month is no sale: it must not count.
            cmd("issueInvoice", "hv", invoiceId="JAN-VOID", customerId="T",
                issueDate=iso(jan_issue), dueDate=iso(jan_due), amountMinor=900_000 * UNIT),
            cmd("voidInvoice", "hvv", invoiceId="JAN-VOID", effectiveDate=iso(jan_issue + 1),
                reason="issued twice")]
    for n, (_, amount, late) in enumerate(HISTORY):
        cmds.append(cmd("recordPayment", f"p{n}", paymentId=f"P{n}", customerId="T",
                        currency="EUR", amountMinor=amount * UNIT, method="BANK_TRANSFER",
                        valueDate=iso(jan_due + late), strategy="EXPLICIT",
                        allocations=[{"invoiceId": "JAN", "amountMinor": amount * UNIT}]))
    cmds.append(cmd("writeOffInvoice", "w", invoiceId="JAN", actor="cfo", reason="insolvent",
                    effectiveDate=iso(jan_due + 200)))
    for n, (_, amount, dpd) in enumerate(TODAY):
        due = as_of - dpd
        cmds.append(cmd("issueInvoice", f"t{n}", invoiceId=f"NOW-{n}", customerId="T",
                        issueDate=iso(due - 30), dueDate=iso(due), amountMinor=amount * UNIT))
    outs = ledger.submit(cmds)
    assert all(o.status == "ACCEPTED" for o in outs), [o.error for o in outs]
    return as_of


def expected() -> tuple[list[Fraction], list[int]]:
    """Loss rates and ECL in minor units, computed here from the example's own figures."""
    open_ = 100_000
    entered = [open_]
    for _, amount, _ in HISTORY:
        open_ -= amount
        entered.append(open_)
    assert entered[-1] == NEVER_PAID
    rates = [Fraction(NEVER_PAID, e) for e in entered]
    ecl = [amount * UNIT * r for (_, amount, _), r in zip(TODAY, rates)]
    return rates, [int(x + Fraction(1, 2)) for x in ecl]  # half up, in minor units


def test_the_provision_matrix_reproduces_the_published_example(ledger):
    as_of = build(ledger)
    with ledger.reading() as S:
        pm = risk.provision_matrix(S, as_of, edges=(30, 60, 90), maturity=180, history=365)
    assert pm.bucket_labels == ["current", "1-30", "31-60", "61-90", "over 90"]
    (row,) = pm.rows
    rates, ecl = expected()
    assert [Fraction(lo, e) for lo, e in zip(row.never_paid_minor, row.entered_minor)] == rates
    assert row.loss_rate == [float(r) for r in rates]
    assert row.open_minor == [amount * UNIT for _, amount, _ in TODAY]
    assert row.ecl_minor == ecl
    # ... and, in whole units, the published table.
    assert [round(x / UNIT) for x in row.ecl_minor] == PUBLISHED_ECL
    assert round(row.total_ecl_minor / UNIT) == PUBLISHED_TOTAL
    assert pm.cohort_invoices == 1  # the voided invoice is not history


def test_invoices_too_young_to_have_an_outcome_are_not_history(ledger):
    as_of = build(ledger)
    with ledger.reading() as S:
        # Nothing is due 330+ days before as_of: no history, no rate, no allowance.
        pm = risk.provision_matrix(S, as_of, edges=(30, 60, 90), maturity=330, history=30)
    (row,) = pm.rows
    assert pm.cohort_invoices == 0
    assert row.loss_rate == [None] * 5 and row.total_ecl_minor == 0
