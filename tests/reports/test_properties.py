"""Random histories (back-dated entries included): buckets + unapplied always sum to the
balance; statements add up to it; and every report as known at a segment K, computed
later, equals the report computed when K was the head (a report as known at K never
changes after K)."""

import datetime as dt
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arledger.engine import amounts, open_ledger
from arledger.projections import reports as R
from arledger.projections import views

from _report_helpers import cmd, snapshot

START = dt.date(2026, 1, 1)
CUSTOMERS = (("C0", "EUR", 30), ("C1", "EUR", 0), ("C2", "USD", 14))


def iso(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def d0(offset: int) -> int:
    return (START - dt.date(1970, 1, 1)).days + offset


op = st.tuples(st.sampled_from(["inv", "inv", "inv", "pay", "pay", "leave", "alloc", "cn",
                                "cn_acct", "dispute", "dispute", "resolve", "resolve",
                                "writeoff", "reverse", "rename", "void"]),
               st.integers(0, 2), st.integers(0, 30), st.integers(0, 150),
               st.integers(1, 5000), st.booleans())


def commands(ops: list) -> list[list]:
    """Batches of commands (a batch is one segment). Later commands act on earlier items
    of the same customer, dated on or after them; dates jump back and forth, so later
    segments hold back-dated entries."""
    batches, cur = [], []
    invs: list[tuple[str, int, int]] = []   # (id, customer, issue offset)
    pays: list[tuple[str, int]] = []        # (id, value offset)
    dsps: list[tuple[str, int]] = []        # (id, opened offset)
    n_cn = 0
    for kind, c, ref, off, amount, cut in ops:
        cid, ccy, _ = CUSTOMERS[c]
        mine = [i for i in invs if i[1] == c] or invs or [("I-none", c, 0)]
        inv, _, inv_day = mine[ref % len(mine)]
        later = inv_day + off % 90  # a date on or after the invoice's
        if kind == "inv":
            invs.append((f"I{len(invs)}", c, off))
            cur.append(cmd("issueInvoice", invoiceId=invs[-1][0], customerId=cid,
                           issueDate=iso(off), amountMinor=amount))
        elif kind in ("pay", "leave"):
            pays.append((f"P{len(pays)}", off))
            cur.append(cmd("recordPayment", paymentId=pays[-1][0], customerId=cid,
                           amountMinor=amount, currency=ccy, method="BANK_TRANSFER",
                           valueDate=iso(off),
                           strategy="LEAVE_UNAPPLIED" if kind == "leave" else "OLDEST_DUE_FIRST"))
        elif kind in ("alloc", "reverse") and pays:
            pid, pday = pays[ref % len(pays)]
            if kind == "alloc":
                cur.append(cmd("allocatePayment", paymentId=pid, effectiveDate=iso(pday + off % 60),
                               strategy="OLDEST_DUE_FIRST"))
            else:
                cur.append(cmd("reversePayment", paymentId=pid, effectiveDate=iso(pday + off % 60),
                               reversalReason="CHARGEBACK"))
        elif kind in ("cn", "cn_acct"):
            f = {"invoiceId": inv} if kind == "cn" else {}
            cur.append(cmd("issueCreditNote", creditNoteId=f"N{n_cn}", customerId=cid,
                           amountMinor=amount % 900 + 1, currency=ccy,
                           issueDate=iso(later if kind == "cn" else off), reasonCode="GOODWILL",
                           **f))
            n_cn += 1
        elif kind == "dispute":
            dsps.append((f"D{len(dsps)}", later))
            cur.append(cmd("openDispute", disputeId=dsps[-1][0], invoiceId=inv,
                           amountMinor=amount % 200 + 1, reasonCode="PRICING",
                           openedDate=iso(later)))
        elif kind == "resolve" and dsps:
            did, dday = dsps[ref % len(dsps)]
            cur.append(cmd("resolveDispute", disputeId=did, outcome="DISPUTE_REJECTED",
                           resolvedDate=iso(dday + off % 40), actor="a", reason="r"))
        elif kind == "writeoff":
            cur.append(cmd("writeOffInvoice", invoiceId=inv, effectiveDate=iso(later), actor="a",
                           reason="r"))
        elif kind == "rename":
            cur.append(cmd("updateCustomer", customerId=cid, name=f"N{off}",
                           effectiveDate=iso(off), actor="a", reason="r"))
        elif kind == "void":
            cur.append(cmd("voidInvoice", invoiceId=inv, effectiveDate=iso(later), reason="dup"))
        if cut and cur:
            batches.append(cur)
            cur = []
    return batches + ([cur] if cur else [])


AS_OFS = (-1, 20, 45, 75, 200)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(op, min_size=5, max_size=45), picks=st.lists(st.integers(0, 4), min_size=1,
                                                              max_size=2, unique=True))
def test_buckets_sum_to_the_balance_and_reports_known_at_k_never_change(ops, picks):
    with tempfile.TemporaryDirectory() as tmp:
        clock = iter(range(1_790_000_000_000_000, 1_800_000_000_000_000, 1000))
        led = open_ledger(tmp, clock=lambda: next(clock))
        try:
            opens = [cmd("openCustomer", customerId=c, name=c, currency=ccy,
                         paymentTermsNetDays=net, creditLimitMinor=4000,
                         openedDate="2025-12-01") for c, ccy, net in CUSTOMERS]
            led.submit(opens)
            seen = []  # (known segment, as_of, reports computed while it was the head)
            for batch in commands(ops):
                led.submit(batch)
                with led.reading() as S:
                    for p in picks:
                        seen.append((S.head_seq, d0(AS_OFS[p]), snapshot(S, d0(AS_OFS[p]),
                                                                         S.head_seq)))
            with led.reading() as S:
                for ks, as_of, then in seen:
                    assert snapshot(S, as_of, ks) == then
                    # known_at = the segment's recorded time selects the same segment.
                    rec = int(S.segments.recorded_at_us[ks - 1])
                    assert views.known_seq_at(S, rec) == ks
                for as_of in map(d0, AS_OFS):
                    for ks in range(1, S.head_seq + 1):
                        check_sums(S, as_of, ks)
                check_sums(S, S.max_effective_day, S.head_seq)  # the live path
                live = views.open_amounts(S, S.max_effective_day, S.head_seq, None)
                summed = journal_open_amounts(S, S.max_effective_day, S.head_seq)
                for f in ("invoices", "invoice_open", "invoice_disputed", "payments",
                          "payment_unapplied", "credit_notes", "credit_unapplied"):
                    assert getattr(live, f).tolist() == getattr(summed, f).tolist(), f
        finally:
            led.close()


def journal_open_amounts(S, as_of: int, ks: int):  # type: ignore[no-untyped-def]
    """views.open_amounts by summing the journal even at the head (the live columns are
    its running sums: the two must agree)."""
    return amounts.journal_open_amounts(S, as_of, ks, None)


def check_sums(S, as_of: int, ks: int) -> None:  # type: ignore[no-untyped-def]
    # The checkpoint path (live amounts minus the rows the view leaves out) and the
    # journal path of views.open_amounts agree, whichever the report would pick.
    want = amounts.journal_open_amounts(S, as_of, ks, None)
    for share in (0.0, 0.5, 1.0):
        got = amounts.open_amounts(S, as_of, ks, None, max_share=share)
        for f in ("invoices", "invoice_open", "invoice_disputed", "payments",
                  "payment_unapplied", "credit_notes", "credit_unapplied"):
            assert getattr(got, f).tolist() == getattr(want, f).tolist(), (f, share)
    a = views.customer_aging(S, as_of, ks)
    assert (a.buckets.sum(axis=1) + a.unapplied == a.balance).all()
    shown = dict(zip(a.customers.tolist(), a.balance.tolist()))
    for c in range(S.customers.n):
        b = views.balance(S, c, as_of, ks)
        assert shown.get(c, 0) == b.balance_minor
        if c in shown:
            k = a.customers.tolist().index(c)
            assert int(a.disputed[k]) == b.disputed_minor
            assert int(a.unapplied[k]) == -(b.unapplied_cash_minor + b.unapplied_credit_minor)
        s = R.statement(S, c, as_of - 30, as_of, ks)
        assert s.opening_balance_minor == views.balance(S, c, as_of - 31, ks).balance_minor
        assert s.closing_balance_minor == b.balance_minor == s.aging.rows[0].balance_minor
        running = s.opening_balance_minor
        for line in s.lines:
            running += line.debit_minor - line.credit_minor
            assert line.balance_minor == running
        assert running == s.closing_balance_minor
    # Per-currency totals equal the existing portfolio aging view.
    totals = views.currency_totals(S, a)
    rows = {r.currency: r for r in views.aging(S, None, as_of, ks).rows}
    assert sorted(rows) == [t.currency for t in totals]
    for t in totals:
        r = rows[t.currency]
        assert (t.buckets_minor, t.unapplied_minor, t.balance_minor) == (
            r.buckets_minor, r.unapplied_minor, r.balance_minor)
