"""Random mixes of terms, payments, holds, limits, promises, dunning runs, write-offs, sales
and refunds keep the ledger consistent.

After every batch: the running balance the credit check uses equals the balance the
journal gives; buckets plus unapplied equal the balance as of any day; installments add up
to their invoice and stay within their amounts; nothing is open below zero; each payment's
amount is accounted for (applied + unapplied + refunded). A refused command writes
nothing; a dunning run repeated for the same day writes nothing; a replay of the log
rebuilds the same state.
"""

from __future__ import annotations

import datetime as dt
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arledger.engine import open_ledger
from arledger.engine import amounts
from arledger.projections import views
from tests.unit.test_rules import cmd

START = dt.date(2026, 1, 1)
PERSON = dict(actor="ann", reason="property test")
CUSTOMERS = ("C0", "C1", "C2")
TERMS = ("NET10", "EOM15", "THIRDS", "2-10", "DEOM10", "MIXED", "FIX")


def iso(d: int) -> str:
    return (START + dt.timedelta(days=d)).isoformat()


def setup() -> list:
    return [
        cmd("definePaymentTerms", "t1", termsId="NET10", basis="NET", days=10,
            effectiveDate=iso(0), **PERSON),
        cmd("definePaymentTerms", "t2", termsId="EOM15", basis="END_OF_MONTH", days=15,
            effectiveDate=iso(0), **PERSON),
        cmd("definePaymentTerms", "t3", termsId="THIRDS", basis="NET", days=0, installments=[
            {"percentBp": 3333, "days": 15}, {"percentBp": 3333, "days": 45},
            {"percentBp": 3334, "days": 75}], effectiveDate=iso(0), **PERSON),
        cmd("definePaymentTerms", "t4", termsId="2-10", basis="NET", days=30, discountBp=200,
            discountDays=10, effectiveDate=iso(0), **PERSON),
        # Also the other end-of-month reading, lines with rules of their own (which
        # can fall due out of their defined order), a fixed discount.
        cmd("definePaymentTerms", "t5", termsId="DEOM10", basis="DAYS_THEN_END_OF_MONTH",
            days=10, dayOfMonth=5, effectiveDate=iso(0), **PERSON),
        cmd("definePaymentTerms", "t6", termsId="MIXED", basis="NET", days=0, installments=[
            {"percentBp": 3000, "days": 0},
            {"percentBp": 4000, "days": 40},
            {"percentBp": 3000, "days": 0, "basis": "END_OF_MONTH", "months": 1}],
            effectiveDate=iso(0), **PERSON),
        cmd("definePaymentTerms", "t7", termsId="FIX", basis="NET", days=20,
            discountFixedMinor=700, discountCurrency="EUR", discountDays=8,
            effectiveDate=iso(0), **PERSON),
        cmd("defineDunningPolicy", "dp", policyId="STD", effectiveDate=iso(0), levels=[
            {"daysPastDue": -2, "action": "REMINDER"},
            {"daysPastDue": 10, "action": "SECOND_NOTICE", "feeFixedMinor": 250, "feeBp": 100},
            {"daysPastDue": 30, "action": "FINAL_NOTICE", "interestBpPerYear": 1200},
            {"daysPastDue": 60, "action": "HOLD_ACCOUNT"}], **PERSON),
        cmd("defineCreditPolicy", "cp", overLimitAction="WARN", shortPayToleranceMinor=50,
            effectiveDate=iso(0), **PERSON),
    ] + [cmd("openCustomer", f"o{c}", customerId=c, name=c, currency="EUR",
             paymentTermsNetDays=30, creditLimitMinor=[0, 50_000, 200_000][i],
             openedDate=iso(0)) for i, c in enumerate(CUSTOMERS)]


customer = st.sampled_from(CUSTOMERS)
when = st.integers(0, 20)  # days after the batch's "today" (which moves on 9 days a batch)
amount = st.integers(1, 40_000)
ops = st.one_of(
    st.tuples(st.just("invoice"), customer, when, amount, st.sampled_from(TERMS + ("",))),
    st.tuples(st.just("pay"), customer, when, amount,
              st.sampled_from(["", "OLDEST_DUE_FIRST", "NEWEST_DUE_FIRST",
                               "FEES_INTEREST_PRINCIPAL", "LEAVE_UNAPPLIED"])),
    st.tuples(st.just("reverse"), st.integers(0, 30), when),
    st.tuples(st.just("hold"), customer, when, st.booleans()),
    st.tuples(st.just("limit"), customer, when, st.sampled_from([0, 30_000, 100_000])),
    st.tuples(st.just("policy"), customer, st.sampled_from(["REJECT", "HOLD", "WARN"]),
              st.sampled_from(["OLDEST_DUE_FIRST", "FEES_INTEREST_PRINCIPAL"])),
    st.tuples(st.just("promise"), customer, when, amount),
    st.tuples(st.just("dunning"), when),
    st.tuples(st.just("writeoff"), customer, when),
    st.tuples(st.just("sell"), st.integers(0, 30), when),
    st.tuples(st.just("recall"), st.integers(0, 10), when),
    st.tuples(st.just("refund"), st.integers(0, 30), when, amount),
    st.tuples(st.just("dispute"), st.integers(0, 30), when, amount),
)


def to_command(op: tuple, n: int, made: dict[str, list[str]],  # type: ignore[no-untyped-def]
               today: int = 0):
    """The command of an op; references pick among the ids made so far (by index), days
    are counted from `today`."""
    kind, rid = op[0], f"r{n}"
    op = tuple(today + x if i == {"dunning": 1, "policy": -1, "invoice": 2, "pay": 2,
                                  "promise": 2}.get(kind, 2) and isinstance(x, int)
               and not isinstance(x, bool) else x for i, x in enumerate(op))

    def ref(k: str, i: int) -> str:
        return made[k][i % len(made[k])] if made[k] else f"{k}-none"
    if kind in ("invoice", "pay"):
        made[kind[0].upper()].append(f"{kind[0].upper()}{n}")
    if kind == "invoice":
        _, c, d, a, t = op
        return cmd("issueInvoice", rid, invoiceId=f"I{n}", customerId=c, issueDate=iso(d),
                   amountMinor=a, **({"termsId": t} if t else {}))
    if kind == "pay":
        _, c, d, a, s = op
        return cmd("recordPayment", rid, paymentId=f"P{n}", customerId=c, amountMinor=a,
                   currency="EUR", method="BANK_TRANSFER", valueDate=iso(d),
                   **({"strategy": s} if s else {}))
    if kind == "reverse":
        return cmd("reversePayment", rid, paymentId=ref("P", op[1]), effectiveDate=iso(op[2]),
                   reversalReason="CHARGEBACK")
    if kind == "hold":
        return cmd("placeHold" if op[3] else "releaseHold", rid, customerId=op[1],
                   effectiveDate=iso(op[2]), **PERSON)
    if kind == "limit":
        return cmd("changeCreditLimit", rid, customerId=op[1], newLimitMinor=op[3],
                   effectiveDate=iso(op[2]), **PERSON)
    if kind == "policy":
        return cmd("setCustomerPolicies", rid, customerId=op[1], overLimitAction=op[2],
                   allocationStrategy=op[3], effectiveDate=iso(0), **PERSON)
    if kind == "promise":
        return cmd("recordPromise", rid, promiseId=f"PR{n}", customerId=op[1],
                   madeDate=iso(op[2]), installments=[{"dueDate": iso(op[2] + 14),
                                                       "amountMinor": op[3]}])
    if kind == "dunning":
        return cmd("runDunning", rid, asOfDate=iso(op[1]), defaultPolicyId="STD")
    if kind == "writeoff":
        return cmd("writeOffCustomer", rid, customerId=op[1], effectiveDate=iso(op[2]),
                   **PERSON)
    if kind == "sell":
        made["S"].append(f"S{n}")
        made["sold"].append(ref("I", op[1]))
        return cmd("sellReceivables", rid, saleId=f"S{n}", agency="A",
                   invoiceIds=[made["sold"][-1]], priceBp=6_200, saleDate=iso(op[2]),
                   **PERSON)
    if kind == "recall":
        k = op[1] % len(made["S"]) if made["S"] else 0
        return cmd("recallSoldReceivables", rid, saleId=ref("S", k),
                   invoiceIds=[made["sold"][k] if made["S"] else "I-none"],
                   recallDate=iso(op[2]), **PERSON)
    if kind == "refund":
        return cmd("refundUnapplied", rid, refundId=f"RF{n}", paymentId=ref("P", op[1]),
                   amountMinor=op[3], method="CASH", refundDate=iso(op[2]), **PERSON)
    return cmd("openDispute", rid, disputeId=f"D{n}", invoiceId=ref("I", op[1]), amountMinor=op[3],
               reasonCode="PRICING", openedDate=iso(op[2]))


def check(S) -> None:  # type: ignore[no-untyped-def]
    head = S.head_seq
    inv, pay = S.invoices, S.payments
    assert (inv.view("open") >= 0).all() and (pay.view("unapplied") >= 0).all()
    assert (S.credit_notes.view("unapplied") >= 0).all()
    for ix in range(S.customers.n):
        b = views.balance(S, ix, 10**6, head)
        assert b.balance_minor == int(S.customers.balance[ix])
        for as_of in (0, 20, 45, 90, 200):
            b = views.balance(S, ix, as_of, head)
            (row,) = views.aging(S, ix, as_of, head).rows
            assert sum(row.buckets_minor) + row.unapplied_minor == b.balance_minor
            assert row.balance_minor == b.balance_minor
    o = views.open_amounts(S, 10**6, head, None)
    rows = amounts.installment_rows(S, o.invoices, o.invoice_open, o.invoice_disputed)
    per_invoice = np.zeros(inv.n, dtype=np.int64)
    np.add.at(per_invoice, rows.invoice, rows.open)
    assert (per_invoice[o.invoices] == o.invoice_open).all()
    assert ((rows.open >= 0) & (rows.open <= rows.column(S, "amount"))).all()
    assert ((rows.disputed >= 0) & (rows.disputed <= rows.open)).all()
    # Installments (mixed rules too) are numbered in due order, add up to their invoice, and
    # the invoice is due when its last one is.
    ist = S.installments
    for i in np.flatnonzero(inv.view("inst_n") > 0).tolist():
        f, k = int(inv.inst_first[i]), int(inv.inst_n[i])
        dues = ist.due_day[f:f + k]
        assert (np.diff(dues) >= 0).all() and int(dues[-1]) == int(inv.due_day[i])
        assert int(ist.amount[f:f + k].sum()) == int(inv.amount[i])
        assert ist.number[f:f + k].tolist() == list(range(1, k + 1))
    # Each payment's money: applied (allocations net of reversals) + unapplied + refunded.
    refunded = np.zeros(pay.n, dtype=np.int64)
    j = S.journal
    m = (j.view("kind") == 1) & (j.view("etype") == 34)  # J_CASH moved by UnappliedRefunded
    np.add.at(refunded, j.view("item")[m], -j.view("delta")[m])
    for p in range(pay.n):
        applied = sum(S.payment_allocations(p).values())
        if pay.reversed[p]:
            assert applied == 0 and pay.unapplied[p] == 0
        else:
            assert applied + int(pay.unapplied[p]) + int(refunded[p]) == int(pay.amount[p])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream=st.lists(st.lists(ops, min_size=1, max_size=6), min_size=1, max_size=12))
def test_random_mixes_keep_balances_allocations_and_aging_consistent(stream):
    with tempfile.TemporaryDirectory() as tmp:
        ticks = iter(range(1_790_000_000_000_000, 1_800_000_000_000_000, 1_000))
        led = open_ledger(tmp, clock=lambda: next(ticks))
        try:
            outs = led.submit(setup())
            assert all(o.status == "ACCEPTED" for o in outs), [o.error for o in outs]
            n, made = 0, {"I": [], "P": [], "S": [], "sold": []}
            for b, batch in enumerate(stream):
                cmds = []
                for op in batch:
                    n += 1
                    cmds.append(to_command(op, n, made, today=9 * b))
                runs = [c for c in cmds if c.WhichOneof("command") == "run_dunning"]
                rest = [c for c in cmds if c.WhichOneof("command") != "run_dunning"]
                if rest:
                    before = led.state.head_position
                    outs = led.submit(rest)
                    if all(o.status == "REJECTED" for o in outs):
                        assert led.state.head_position == before
                for c in runs:
                    (o,) = led.submit([c])
                    assert o.status == "ACCEPTED", o.error
                    again = c.__class__()
                    again.CopyFrom(c)
                    again.run_dunning.request_id += "-again"
                    (o2,) = led.submit([again])
                    assert o2.status == "ACCEPTED" and o2.entry_count == 0
                with led.reading() as S:
                    check(S)
            digest = led.state.digest()
            # Every entry renders (ids, versions, dates, currency) for the log stream.
            assert sum(1 for _ in led.entries(1, 0)) == led.state.head_position
        finally:
            led.close()
        again = open_ledger(tmp, clock=lambda: next(ticks))
        try:
            assert again.state.digest() == digest
        finally:
            again.close()
