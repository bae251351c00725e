"""Reports auditors and controllers sign: aging drill-down, statements, KPIs, exceptions.

Every report takes the two clocks: `as_of` (effective day; for period reports the
period's last day) and `known_seq` (the last segment recorded at or before `known_at`,
see `views.known_seq_at`). Open amounts and their installment rows are the engine's
(`engine/amounts.py`), and aging is `views.customer_aging`, so whatever those count as
open carries through. Flows in a period (credit sales, write-offs,
disputes, statement lines) are masked sums over the state's movement journal. Every
portfolio path is numpy over the columns: no Python loop per customer or item.
Callers hold `Ledger.reading()`.

KPIs are defined in docs/reports.md (the KPI table); each result names its variant. Money is
integer minor units, per currency; ratios are floats (`None` when the denominator is 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arledger.domain import entries as E
from arledger.domain.errors import error
from arledger.engine.amounts import OpenAmounts, open_amounts, open_rows
from arledger.engine.promises import PROMISE_ACTIVE, PROMISE_BROKEN, PROMISE_KEPT, promise_status
from arledger.engine.state import J_CASH, J_CREDIT, J_DISPUTED, J_INVOICE, State
from arledger.projections import views
from arledger.projections.views import limits_as_of

# Entry type codes this module reads from the journal's `etype`.
_T = {t.name: t.code for t in E.ENTRY_TYPES}
T_INVOICE_ISSUED, T_INVOICE_VOIDED = _T["InvoiceIssued"], _T["InvoiceVoided"]
T_WRITTEN_OFF, T_SMALL_BALANCE_WRITTEN_OFF = _T["InvoiceWrittenOff"], _T["SmallBalanceWrittenOff"]
T_DISPUTE_OPENED, T_DISPUTE_RESOLVED = _T["DisputeOpened"], _T["DisputeResolved"]
# How a journal row moves the customer's balance (open invoices - unapplied cash - credit).
_BALANCE_SIGN = np.array([1, -1, -1, 0], dtype=np.int64)  # by kind J_INVOICE..J_DISPUTED
# Which journal kind names an entry's document on a statement line.
_PRIMARY_KIND = {_T[name]: kind for kind, names in (
    (J_INVOICE, ("InvoiceIssued", "InvoiceVoided", "InvoiceWrittenOff", "DiscountTaken",
                 "SmallBalanceWrittenOff", "InvoiceSold", "InvoiceRecalled")),
    (J_CASH, ("PaymentRecorded", "PaymentAllocated", "PaymentReversed")),
    (J_CREDIT, ("CreditNoteIssued", "CreditNoteAllocated")),
    (J_DISPUTED, ("DisputeOpened", "DisputeResolved"))) for name in names}

EXCEPTION_KINDS = ("OVER_LIMIT", "PAST_DUE", "BROKEN_PROMISE", "OLD_UNAPPLIED", "LONG_DISPUTE",
                   "MASTER_DATA_CHANGED")
CEI_VARIANTS = ("total", "monthly_average")
COUNTBACK_MONTHS = 120  # how far back countback DSO looks for sales


def _period(from_day: int, to_day: int) -> None:
    if to_day < from_day:
        raise error("INVALID_PERIOD", "the period ends before it starts")


# ---- aging per customer, and drill-down ---------------------------------------------------

@dataclass(frozen=True)
class AgingItem:
    """One item behind an aging cell: an invoice installment's open part, or unapplied
    cash or credit (open_minor negative)."""

    kind: str               # views.KIND_INVOICE, KIND_PAYMENT or KIND_CREDIT_NOTE
    item_id: str
    installment: int        # 1-based; 0 for an invoice without installments and for money
    customer_id: str
    currency: str
    issue_day: int          # value day of a payment
    due_day: int
    amount_minor: int
    open_minor: int
    disputed_minor: int
    days: int               # as_of - due day (or issue day on the invoice-date basis)


def aging_items(S: State, as_of: int, known_seq: int,
                edges: tuple[int, ...] = views.DEFAULT_EDGES_DAYS,
                basis_invoice_date: bool = False, bucket: str = "",
                customer: int | None = None, currency: int | None = None) -> list[AgingItem]:
    """Drill-down: the items behind one aging cell (a bucket label, "unapplied", or "" for
    every open item), oldest first; invoices then unapplied payments and credit notes."""
    return aging_items_page(S, as_of, known_seq, edges, basis_invoice_date, bucket, customer,
                            currency)[1]


def aging_items_page(S: State, as_of: int, known_seq: int,
                     edges: tuple[int, ...] = views.DEFAULT_EDGES_DAYS,
                     basis_invoice_date: bool = False, bucket: str = "",
                     customer: int | None = None, currency: int | None = None,
                     offset: int = 0, limit: int = 0) -> tuple[int, list[AgingItem]]:
    """(how many items the cell has, items offset..offset+limit of them; limit 0 = all).

    The cell is selected and ordered with numpy; only the page becomes objects, so a page
    of a 10-million-item drill-down costs one sort, not 10 million objects."""
    labels = views.bucket_labels(edges)
    if bucket and bucket != "unapplied" and bucket not in labels:
        raise error("INVALID_BUCKET", f"bucket must be one of {labels + ['unapplied']}")
    o = open_amounts(S, as_of, known_seq, customer)
    inv = S.invoices
    cur = S.customers.view("currency")
    # (ordered positions into that group's arrays, builder of item k)
    groups: list[tuple[np.ndarray, Callable[[int], AgingItem]]] = []
    if bucket != "unapplied":
        r = open_rows(S, o)
        ref = inv.issue_day[r.invoice] if basis_invoice_date else r.due_day
        days = as_of - ref.astype(np.int64)
        keep = np.ones(len(days), dtype=bool)
        if bucket:
            keep &= views.bucket_of(days, edges) == labels.index(bucket)
        if currency is not None:
            keep &= cur[inv.customer[r.invoice]] == currency
        sel = np.flatnonzero(keep)
        order = sel[np.lexsort((r.number[sel], r.invoice[sel], -days[sel]))]

        def invoice_item(k: int, r=r, days=days) -> AgingItem:
            i = int(r.invoice[k])
            c = int(inv.customer[i])
            return AgingItem(views.KIND_INVOICE, S.invoice_ids[i],
                             int(r.number[k]) if inv.inst_n[i] else 0, S.customer_ids[c],
                             S.currencies[cur[c]], int(inv.issue_day[i]), int(r.due_day[k]),
                             int(inv.amount[i]), int(r.open[k]), int(r.disputed[k]),
                             int(days[k]))
        groups.append((order, invoice_item))
    if bucket in ("", "unapplied"):
        for kind, ids, cols, day_col, idx, amounts in (
                (views.KIND_PAYMENT, S.payment_ids, S.payments, "value_day", o.payments,
                 o.payment_unapplied),
                (views.KIND_CREDIT_NOTE, S.credit_note_ids, S.credit_notes, "issue_day",
                 o.credit_notes, o.credit_unapplied)):
            d = getattr(cols, day_col)[idx].astype(np.int64)
            keep = np.ones(len(idx), dtype=bool)
            if currency is not None:
                keep &= cur[cols.customer[idx]] == currency
            order = np.lexsort((idx, d))
            order = order[keep[order]]

            def unapplied_item(k: int, kind=kind, ids=ids, cols=cols, idx=idx, d=d,
                               amounts=amounts) -> AgingItem:
                i = int(idx[k])
                c = int(cols.customer[i])
                return AgingItem(kind, ids[i], 0, S.customer_ids[c], S.currencies[cur[c]],
                                 int(d[k]), int(d[k]), int(cols.amount[i]), -int(amounts[k]),
                                 0, as_of - int(d[k]))
            groups.append((order, unapplied_item))
    total = sum(len(g) for g, _ in groups)
    stop = total if not limit else min(total, offset + limit)
    items: list[AgingItem] = []
    start = 0  # where the current group starts in the whole list
    for order, build in groups:
        lo, hi = max(offset - start, 0), min(stop - start, len(order))
        if lo < hi:
            items.extend(build(k) for k in order[lo:hi].tolist())
        start += len(order)
    return total, items


# ---- customer statement -------------------------------------------------------------------

def _journal_mask(S: State, known_seq: int) -> np.ndarray:
    return S.journal.view("seq") <= known_seq


def _balance_at(S: State, customer: int, day: int, known_seq: int) -> int:
    o = open_amounts(S, day, known_seq, customer)
    return int(o.invoice_open.sum() - o.payment_unapplied.sum() - o.credit_unapplied.sum())


@dataclass(frozen=True)
class StatementLine:
    day: int                # effective day
    position: int           # the entry's log position
    type: str               # the entry type's name
    document_id: str        # the invoice, payment or credit note it is about
    debit_minor: int
    credit_minor: int
    disputed_delta_minor: int
    balance_minor: int      # running balance after the line


@dataclass(frozen=True)
class Statement:
    """closing = opening + the lines = the aging footer's balance as of to_day."""

    customer_id: str
    currency: str
    from_day: int
    to_day: int
    opening_balance_minor: int
    lines: list[StatementLine]
    closing_balance_minor: int
    aging: views.Aging      # the customer's aging as of to_day (one row)


def statement(S: State, customer: int, from_day: int, to_day: int, known_seq: int,
              edges: tuple[int, ...] = views.DEFAULT_EDGES_DAYS,
              basis_invoice_date: bool = False) -> Statement:
    """A customer's statement for [from_day, to_day] as known at `known_seq`.

    One line per ledger entry effective in the period (by effective day, then log
    position) with its effect on the balance (debit > 0, credit < 0) and the running
    balance; allocations and disputes move no balance and show 0 (disputes show their
    `disputed_delta`). closing = opening + sum of the lines = the balance as of to_day.
    """
    _period(from_day, to_day)
    j = S.journal
    m = (j.view("customer") == customer) & _journal_mask(S, known_seq)
    day = j.view("day")
    m &= (day >= from_day) & (day <= to_day)
    kind = j.view("kind")[m].astype(np.int64)
    item, delta, pos = j.view("item")[m], j.view("delta")[m], j.view("pos")[m]
    etype, dday = j.view("etype")[m], day[m]
    upos, first, inv_ix = np.unique(pos, return_index=True, return_inverse=True)
    effect = np.zeros(len(upos), dtype=np.int64)
    np.add.at(effect, inv_ix, delta * _BALANCE_SIGN[kind])
    dispute = np.zeros(len(upos), dtype=np.int64)
    np.add.at(dispute, inv_ix, np.where(kind == J_DISPUTED, delta, 0))
    # The document an entry is about: its first row of the entry type's own kind.
    prim = np.array([_PRIMARY_KIND.get(int(t), -1) for t in range(256)], dtype=np.int64)
    own = (prim[etype] == kind) | (prim[etype] == -1)
    doc_row = np.full(len(upos), len(pos), dtype=np.int64)
    rows_own = np.flatnonzero(own)
    np.minimum.at(doc_row, inv_ix[rows_own], rows_own)  # the first own row
    doc_row = np.where(doc_row == len(pos), first, doc_row)
    order = np.lexsort((upos, dday[first]))
    opening = _balance_at(S, customer, from_day - 1, known_seq)
    running = opening + np.cumsum(effect[order])
    ids = {J_INVOICE: S.invoice_ids, J_DISPUTED: S.invoice_ids, J_CASH: S.payment_ids,
           J_CREDIT: S.credit_note_ids}
    lines = []
    for n, k in enumerate(order.tolist()):
        r = int(doc_row[k])
        t = int(etype[r])
        eff = int(effect[k])
        lines.append(StatementLine(int(dday[r]), int(upos[k]),
                                   E.BY_CODE[t].name if t in E.BY_CODE else str(t),
                                   ids[int(kind[r])][int(item[r])], max(eff, 0), max(-eff, 0),
                                   int(dispute[k]), int(running[n])))
    closing = opening + int(effect.sum())
    return Statement(S.customer_ids[customer], S.currencies[S.customers.currency[customer]],
                     from_day, to_day, opening, lines, closing,
                     views.aging(S, customer, to_day, known_seq, edges, basis_invoice_date))


# ---- disputes as of a day, as known at a segment ------------------------------------------

@dataclass(frozen=True)
class DisputeLifecycle:
    """Per dispute (by index), int64: the day and segment of its opening and of its
    resolution (-1: never resolved)."""

    open_day: np.ndarray
    open_seq: np.ndarray
    resolved_day: np.ndarray
    resolved_seq: np.ndarray


def dispute_lifecycle(S: State) -> DisputeLifecycle:
    """Per dispute (by index): opened (day, seq) and resolved (day, seq; -1 if never).

    The journal names a resolution's invoice and amount, not its dispute: the k-th
    resolution of a given (invoice, amount) is matched to the k-th dispute opened with
    that (invoice, amount), both in log order. This is exact unless one invoice has two
    disputes of the very same amount open at once, when only which of the two is named
    resolved may differ; counts, amounts and open-day sums never do.
    """
    j = S.journal
    kind, et = j.view("kind"), j.view("etype")
    ro = np.flatnonzero((kind == J_DISPUTED) & (et == T_DISPUTE_OPENED))
    rr = np.flatnonzero((kind == J_DISPUTED) & (et == T_DISPUTE_RESOLVED))
    n = len(ro)
    assert n == S.disputes.n
    out = DisputeLifecycle(j.view("day")[ro].astype(np.int64),
                           j.view("seq")[ro].astype(np.int64), np.full(n, -1, dtype=np.int64),
                           np.full(n, -1, dtype=np.int64))
    if len(rr) == 0:
        return out
    inv = np.concatenate([j.view("item")[ro], j.view("item")[rr]])
    amt = np.concatenate([j.view("delta")[ro], -j.view("delta")[rr]])
    flag = np.concatenate([np.zeros(n, np.int64), np.ones(len(rr), np.int64)])
    src = np.concatenate([np.arange(n), rr])
    # Rank within (invoice, amount, opened-or-resolved), in log order.
    order = np.lexsort((np.arange(len(inv)), flag, amt, inv))
    si, sa, sf = inv[order], amt[order], flag[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (si[1:] != si[:-1]) | (sa[1:] != sa[:-1]) | (sf[1:] != sf[:-1])
    starts = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - starts
    # Each opened dispute precedes the resolution of the same (invoice, amount, rank).
    o2 = np.lexsort((flag, rank, amt, inv))
    is_res = flag[o2] == 1
    k = np.flatnonzero(is_res)
    d_ix = src[o2[k - 1]]
    r_row = src[o2[k]]
    out.resolved_day[d_ix] = j.view("day")[r_row]
    out.resolved_seq[d_ix] = j.view("seq")[r_row]
    return out


def _state_at(day: np.ndarray, seq: np.ndarray, as_of: int, known_seq: int) -> np.ndarray:
    return (day >= 0) & (day <= as_of) & (seq >= 0) & (seq <= known_seq)


# ---- KPIs ---------------------------------------------------------------------------------

def _month(days: np.ndarray | int) -> np.ndarray:
    """Months since 1970-01 of day numbers."""
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_start(month: int) -> int:
    return int(np.datetime64(int(month), "M").astype("datetime64[D]").astype(np.int64))


def _receivables(S: State, day: int, known_seq: int, customer: int | None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per currency: open invoice receivables, the part not past due, the part over 90 days."""
    r = open_rows(S, open_amounts(S, day, known_seq, customer))
    ncur = max(len(S.currencies), 1)
    cur = S.customers.currency[S.invoices.customer[r.invoice]].astype(np.int64)
    dpd = day - r.due_day.astype(np.int64)
    out = []
    for m in (None, dpd <= 0, dpd > 90):
        a = np.zeros(ncur, dtype=np.int64)
        if m is None:
            np.add.at(a, cur, r.open)
        else:
            np.add.at(a, cur[m], r.open[m])
        out.append(a)
    return out[0], out[1], out[2]


def _sales_rows(S: State, to_day: int, known_seq: int, customer: int | None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Credit sales as known: (day, currency, amount) of every invoice issued on or before
    to_day and not voided on or before it (fee and interest charges are not sales)."""
    j = S.journal
    seq_ok = _journal_mask(S, known_seq)
    et, kind, day = j.view("etype"), j.view("kind"), j.view("day")
    base = seq_ok & (kind == J_INVOICE) & (day <= to_day)
    if customer is not None:
        base &= j.view("customer") == customer
    iss = np.flatnonzero(base & (et == T_INVOICE_ISSUED))
    voided = np.zeros(S.invoices.n, dtype=bool)
    voided[j.view("item")[base & (et == T_INVOICE_VOIDED)]] = True
    # Fee and interest charges are receivables but not sales.
    iss = iss[~voided[j.view("item")[iss]] &
              (S.invoices.kind[j.view("item")[iss]] == E.KIND_PRINCIPAL)]
    cur = S.customers.currency[j.view("customer")[iss]].astype(np.int64)
    return day[iss].astype(np.int64), cur, j.view("delta")[iss]


def _sum_by(cur: np.ndarray, amt: np.ndarray, m: np.ndarray, ncur: int) -> np.ndarray:
    a = np.zeros(ncur, dtype=np.int64)
    np.add.at(a, cur[m], amt[m])
    return a


def countback_dso(receivables: int, month_sales: list[tuple[int, int]]) -> float | None:
    """Countback DSO: exhaust `receivables` against sales month by month backwards.

    `month_sales` is [(sales, days in month), ...] newest first (the newest month may be
    cut at the period end). Each month fully exhausted adds its days; the month that is
    not adds the fraction left / its sales of its days. Sales run out -> None."""
    left, days = receivables, 0.0
    if not any(sales > 0 for sales, _ in month_sales):
        return None  # no credit sales to count back against: undefined, like DSO simple
    if left <= 0:
        return 0.0
    for sales, ndays in month_sales:
        if sales <= 0:
            days += ndays
            continue
        if left > sales:
            left -= sales
            days += ndays
        else:
            return days + left / sales * ndays
    return None


@dataclass(frozen=True)
class Kpis:
    """One currency's KPIs of a period, as docs/reports.md defines them (each names its
    variant). Money in minor units; a ratio or an average is None when its denominator
    is 0 (no credit sales, no receivables, nothing resolved...), never a made-up 0."""

    currency: str
    from_day: int
    to_day: int
    period_days: int                    # to_day - from_day + 1
    receivables_begin_minor: int        # open invoices (gross) the day before the period
    receivables_end_minor: int          # ... at its last day
    current_end_minor: int              # the part of those not past due
    over_90_end_minor: int              # the part over 90 days past due
    credit_sales_minor: int             # invoices issued in the period, less those voided
    dso_simple_days: float | None
    dso_countback_days: float | None
    best_possible_dso_days: float | None
    add_days: float | None              # average days delinquent: DSO simple - best possible
    cei_pct: float | None               # collection effectiveness index
    cei_variant: str                    # one of CEI_VARIANTS
    cei_months: int                     # months the monthly average ran over (0: total)
    current_pct: float | None           # current / receivables at the end
    over_90_pct: float | None
    disputes_opened: int
    disputes_resolved: int
    disputes_resolve_avg_days: float | None
    disputes_open_end: int
    disputes_open_age_avg_days: float | None
    write_offs_minor: int
    write_off_count: int
    promises_kept_pct: float | None     # of the promises whose last installment fell due
    promises_judged: int                # in the period: how many that is
    recoveries_minor: int


def ratio(a: float, b: float) -> float | None:
    """a / b, or None when b is 0 (a KPI without a denominator is absent)."""
    return a / b if b else None


def countback_month_days(to_day: int) -> list[int]:
    """The days of each month countback DSO walks, newest first: the period's last month
    cut at to_day, then whole months, up to COUNTBACK_MONTHS back (never before 1970)."""
    m_to = int(_month(to_day))
    return [to_day - _month_start(m_to) + 1] + [
        _month_start(mo + 1) - _month_start(mo)
        for mo in range(m_to - 1, m_to - COUNTBACK_MONTHS, -1) if _month_start(mo) >= 0]


def cei_average_months(from_day: int, to_day: int, cei_months: int) -> int:
    """How many months the monthly-average CEI runs over: `cei_months`, or (0) the
    calendar months the period touches."""
    return cei_months or int(_month(to_day)) - int(_month(from_day)) + 1


def cei_average_from(to_day: int, months: int) -> int:
    """The first day of the `months` calendar months ending with to_day's."""
    return max(_month_start(int(_month(to_day)) - months + 1), 0)


@dataclass(frozen=True)
class _Sales:
    """Credit sales per currency (index = the state's currency code)."""

    in_period_minor: np.ndarray
    by_month_minor: np.ndarray          # (currency, month) newest month first
    month_days: list[int]               # countback_month_days
    average_base_minor: np.ndarray      # over the monthly-average CEI's months


def _sales(S: State, from_day: int, to_day: int, known_seq: int, customer: int | None,
           ncur: int, average_months: int) -> _Sales:
    sday, scur, samt = _sales_rows(S, to_day, known_seq, customer)
    month_days = countback_month_days(to_day)
    by_month = np.zeros((ncur, len(month_days)), dtype=np.int64)
    back = int(_month(to_day)) - _month(sday)
    mb = back < len(month_days)
    np.add.at(by_month, (scur[mb], back[mb]), samt[mb])
    return _Sales(_sum_by(scur, samt, sday >= from_day, ncur), by_month, month_days,
                  _sum_by(scur, samt, sday >= cei_average_from(to_day, average_months), ncur))


@dataclass(frozen=True)
class _Flows:
    """A period's write-offs, judged promises and recoveries per currency."""

    write_offs_minor: np.ndarray
    write_off_count: np.ndarray
    promises_kept: np.ndarray
    promises_judged: np.ndarray
    recoveries_minor: np.ndarray


def _flows(S: State, from_day: int, to_day: int, known_seq: int, customer: int | None,
           ncur: int) -> _Flows:
    j = S.journal
    jd = j.view("day")
    per = _journal_mask(S, known_seq) & (jd >= from_day) & (jd <= to_day)
    if customer is not None:
        per &= j.view("customer") == customer
    et_ = j.view("etype")
    wo = per & ((et_ == T_WRITTEN_OFF) | (et_ == T_SMALL_BALANCE_WRITTEN_OFF)) & (
        j.view("kind") == J_INVOICE)
    wo_cur = S.customers.currency[j.view("customer")[wo]].astype(np.int64)
    wo_amt = np.zeros(ncur, dtype=np.int64)
    np.add.at(wo_amt, wo_cur, -j.view("delta")[wo])
    # Promises whose last installment fell due in the period, judged at its end.
    ps = promise_status(S, to_day, known_seq)
    p_cust = S.promises.view("customer").astype(np.int64)
    p_sel = ps.known & (ps.last_due_day >= from_day) & (ps.last_due_day <= to_day)
    if customer is not None:
        p_sel &= p_cust == customer
    p_cur = S.customers.currency[p_cust].astype(np.int64)
    rc = S.recoveries
    r_sel = (rc.view("seq") <= known_seq) & (rc.view("day") >= from_day) & (
        rc.view("day") <= to_day)
    if customer is not None:
        r_sel &= rc.view("customer") == customer
    return _Flows(wo_amt, np.bincount(wo_cur, minlength=ncur),
                  np.bincount(p_cur[p_sel & (ps.status == PROMISE_KEPT)], minlength=ncur),
                  np.bincount(p_cur[p_sel & (ps.status != PROMISE_ACTIVE)], minlength=ncur),
                  _sum_by(S.customers.currency[rc.view("customer")].astype(np.int64),
                          rc.view("amount"), r_sel, ncur))


@dataclass(frozen=True)
class _Disputes:
    """Per dispute: its currency, open and resolved days, and which the period counts."""

    currency: np.ndarray
    open_day: np.ndarray
    resolved_day: np.ndarray
    opened: np.ndarray                  # opened in the period
    resolved: np.ndarray                # resolved in the period
    open_end: np.ndarray                # still open at its end


def _disputes(S: State, from_day: int, to_day: int, known_seq: int,
              customer: int | None) -> _Disputes:
    dl = dispute_lifecycle(S)
    d_inv = S.disputes.view("invoice")
    d_cust = S.invoices.customer[d_inv].astype(np.int64)
    d_sel = np.ones(len(d_inv), dtype=bool) if customer is None else d_cust == customer
    known_open = d_sel & (dl.open_seq <= known_seq)
    opened = known_open & (dl.open_day >= from_day) & (dl.open_day <= to_day)
    res_known = known_open & (dl.resolved_seq >= 0) & (dl.resolved_seq <= known_seq)
    resolved = res_known & (dl.resolved_day >= from_day) & (dl.resolved_day <= to_day)
    open_end = known_open & (dl.open_day <= to_day) & ~(
        res_known & (dl.resolved_day <= to_day))
    return _Disputes(S.customers.currency[d_cust].astype(np.int64), dl.open_day,
                     dl.resolved_day, opened, resolved, open_end)


def kpis(S: State, from_day: int, to_day: int, known_seq: int, customer: int | None = None,
         cei_variant: str = "total", cei_months: int = 0) -> list[Kpis]:
    """KPIs of the period [from_day, to_day] per currency, as known at `known_seq`.

    Receivables are open invoice amounts (gross: unapplied cash and credits are not
    netted, as in the aging buckets); credit sales are invoices issued in the period,
    less those voided by its end. `cei_months` (monthly_average): how many calendar
    months ending with the period's last one the average runs over (0 = the months the
    period touches)."""
    _period(from_day, to_day)
    if cei_variant not in CEI_VARIANTS:
        raise error("INVALID_ENUM", f"cei variant must be one of {CEI_VARIANTS}")
    if not 0 <= cei_months <= 120:
        raise error("INVALID_PERIOD", "cei_months must be 0..120")
    ncur = max(len(S.currencies), 1)
    end = _receivables(S, to_day, known_seq, customer)
    begin = _receivables(S, from_day - 1, known_seq, customer)[0]
    n_avg = cei_average_months(from_day, to_day, cei_months)
    sales = _sales(S, from_day, to_day, known_seq, customer, ncur, n_avg)
    flows = _flows(S, from_day, to_day, known_seq, customer, ncur)
    disputes = _disputes(S, from_day, to_day, known_seq, customer)
    present = set(np.flatnonzero(end[0] | begin | sales.in_period_minor |
                                 flows.write_offs_minor | flows.recoveries_minor |
                                 flows.promises_judged).tolist())
    present |= set(disputes.currency[disputes.opened | disputes.resolved |
                                     disputes.open_end].tolist())
    if customer is not None:
        present = {int(S.customers.currency[customer])}
    return [_kpi_row(S.currencies[c], c, from_day, to_day, cei_variant, n_avg, begin, end,
                     sales, flows, disputes)
            for c in sorted(present, key=lambda c: S.currencies[c])]


def _kpi_row(code: str, c: int, from_day: int, to_day: int, cei_variant: str, n_avg: int,
             begin: np.ndarray, end: tuple[np.ndarray, np.ndarray, np.ndarray], sales: _Sales,
             flows: _Flows, d: _Disputes) -> Kpis:
    """Currency c's row of `kpis`, from the period's figures per currency."""
    days = to_day - from_day + 1
    ar_begin, ar_end, cur_end, over90 = int(begin[c]), int(end[0][c]), int(end[1][c]), \
        int(end[2][c])
    s = int(sales.in_period_minor[c])
    dso = ratio(ar_end * days, s)
    best = ratio(cur_end * days, s)
    months = [(int(sales.by_month_minor[c, b]), sales.month_days[b])
              for b in range(len(sales.month_days))]
    cei_sales = s if cei_variant == "total" else int(sales.average_base_minor[c]) / n_avg
    num = ar_begin + cei_sales - ar_end
    den = ar_begin + cei_sales - cur_end
    mine = d.currency == c
    dres, dend = d.resolved & mine, d.open_end & mine
    return Kpis(
        currency=code, from_day=from_day, to_day=to_day, period_days=days,
        receivables_begin_minor=ar_begin, receivables_end_minor=ar_end,
        current_end_minor=cur_end, over_90_end_minor=over90, credit_sales_minor=s,
        dso_simple_days=dso, dso_countback_days=countback_dso(ar_end, months),
        best_possible_dso_days=best,
        add_days=None if dso is None or best is None else dso - best,
        cei_pct=None if den == 0 else num / den * 100, cei_variant=cei_variant,
        cei_months=n_avg if cei_variant == "monthly_average" else 0,
        current_pct=ratio(cur_end * 100, ar_end), over_90_pct=ratio(over90 * 100, ar_end),
        disputes_opened=int((d.opened & mine).sum()), disputes_resolved=int(dres.sum()),
        disputes_resolve_avg_days=ratio(
            int((d.resolved_day[dres] - d.open_day[dres]).sum()), int(dres.sum())),
        disputes_open_end=int(dend.sum()),
        disputes_open_age_avg_days=ratio(int((to_day - d.open_day[dend]).sum()),
                                         int(dend.sum())),
        write_offs_minor=int(flows.write_offs_minor[c]),
        write_off_count=int(flows.write_off_count[c]),
        promises_kept_pct=ratio(int(flows.promises_kept[c]) * 100,
                                int(flows.promises_judged[c])),
        promises_judged=int(flows.promises_judged[c]),
        recoveries_minor=int(flows.recoveries_minor[c]))


def monthly_periods(from_day: int, to_day: int) -> list[tuple[int, int]]:
    """The calendar months [from_day, to_day] touches, each cut to the period."""
    _period(from_day, to_day)
    out = []
    for mo in range(int(_month(from_day)), int(_month(to_day)) + 1):
        out.append((max(_month_start(mo), from_day), min(_month_start(mo + 1) - 1, to_day)))
    return out


# ---- exceptions (the weekly AR review) ----------------------------------------------------

@dataclass(frozen=True)
class ExceptionRow:
    kind: str               # one of EXCEPTION_KINDS
    customer_id: str
    currency: str
    item_id: str            # the promise, payment, credit note or dispute ("" for accounts)
    amount_minor: int
    days: int
    detail: str


def exceptions(S: State, as_of: int, known_seq: int, **kw: Any) -> list[ExceptionRow]:
    """Every row of `exceptions_page` (same arguments, no paging)."""
    return exceptions_page(S, as_of, known_seq, **kw)[1]


@dataclass(frozen=True)
class _Group:
    """One kind's exception rows, selected and ordered with numpy; `item` and `detail`
    name row k of the group, called only for the rows of the page."""

    kind: str
    order: np.ndarray                   # rows of the group in output order
    customer: np.ndarray                # int64 customer index per row
    item: Callable[[int], str]
    amount_minor: np.ndarray
    days: np.ndarray
    detail: Callable[[int], str]


def _group(kind: str, cust: Any, item: Callable[[int], str], amount: Any, days: Any,
           detail: Callable[[int], str], order_key: Any) -> _Group:
    # Largest first (then by customer); materialised later, only for the page.
    return _Group(kind, np.lexsort((cust, -np.asarray(order_key))),
                  np.asarray(cust, dtype=np.int64), item, np.asarray(amount, dtype=np.int64),
                  np.asarray(days, dtype=np.int64), detail)


def _no_item(k: int) -> str:
    return ""


def _over_limit(S: State, o: OpenAmounts, as_of: int, known_seq: int) -> list[_Group]:
    bal = np.zeros(S.customers.n, dtype=np.int64)
    np.add.at(bal, S.invoices.customer[o.invoices], o.invoice_open)
    np.add.at(bal, S.payments.customer[o.payments], -o.payment_unapplied)
    np.add.at(bal, S.credit_notes.customer[o.credit_notes], -o.credit_unapplied)
    lim = limits_as_of(S, as_of, known_seq)
    over = np.flatnonzero((lim > 0) & (bal > lim))  # a limit of 0: none is set
    b_l, l_l = bal[over].tolist(), lim[over].tolist()
    return [_group("OVER_LIMIT", over, _no_item, bal[over] - lim[over], np.zeros(len(over)),
                   lambda k: f"balance {b_l[k]} over limit {l_l[k]}", bal[over] - lim[over])]


def _past_due(S: State, o: OpenAmounts, as_of: int, past_due_days: int,
              min_past_due_minor: int) -> list[_Group]:
    nc = S.customers.n
    r = open_rows(S, o)
    dpd = as_of - r.due_day.astype(np.int64)
    m = dpd > past_due_days
    cust = S.invoices.customer[r.invoice[m]].astype(np.int64)
    amt = np.zeros(nc, dtype=np.int64)
    np.add.at(amt, cust, r.open[m])
    oldest = np.zeros(nc, dtype=np.int64)
    np.maximum.at(oldest, cust, dpd[m])
    cnt = np.bincount(cust, minlength=nc)
    hit = np.flatnonzero((cnt > 0) & (amt >= max(min_past_due_minor, 1)))
    c_l = cnt[hit].tolist()
    return [_group("PAST_DUE", hit, _no_item, amt[hit], oldest[hit],
                   lambda k: f"{c_l[k]} invoices/installments over {past_due_days} days "
                             "past due", amt[hit])]


def _broken_promises(S: State, as_of: int, known_seq: int) -> list[_Group]:
    ps = promise_status(S, as_of, known_seq)
    b = np.flatnonzero(ps.known & (ps.status == PROMISE_BROKEN))
    inst, short = ps.broken_installment[b].tolist(), ps.shortfall[b].tolist()
    return [_group("BROKEN_PROMISE", S.promises.customer[b],
                   lambda k: S.promise_ids[int(b[k])], ps.shortfall[b],
                   as_of - ps.broken_due_day[b],
                   lambda k: f"installment {inst[k]} short by {short[k]}", ps.shortfall[b])]


def _old_unapplied(S: State, o: OpenAmounts, as_of: int, unapplied_days: int) -> list[_Group]:
    out = []
    for label, cols, idx, un, day_col, ids in (
            ("cash", S.payments, o.payments, o.payment_unapplied, "value_day", S.payment_ids),
            ("credit", S.credit_notes, o.credit_notes, o.credit_unapplied, "issue_day",
             S.credit_note_ids)):
        age = as_of - getattr(cols, day_col)[idx].astype(np.int64)
        m = (age > unapplied_days) & (un > 0)
        sel, a, u = idx[m], age[m], un[m]
        out.append(_group("OLD_UNAPPLIED", cols.customer[sel], _id_of(ids, sel.tolist()), -u,
                          a, _text(f"unapplied {label}"), u))
    return out


def _id_of(ids: Sequence[str], rows: list[int]) -> Callable[[int], str]:
    return lambda k: ids[rows[k]]


def _text(text: str) -> Callable[[int], str]:
    return lambda k: text


def _long_disputes(S: State, as_of: int, known_seq: int, dispute_days: int) -> list[_Group]:
    dl = dispute_lifecycle(S)
    op = _state_at(dl.open_day, dl.open_seq, as_of, known_seq)
    rs = _state_at(dl.resolved_day, dl.resolved_seq, as_of, known_seq)
    age = as_of - dl.open_day
    d = np.flatnonzero(op & ~rs & (age > dispute_days))
    dinv = S.disputes.invoice[d]
    return [_group("LONG_DISPUTE", S.invoices.customer[dinv],
                   lambda k: S.dispute_ids[int(d[k])], S.disputes.amount[d], age[d],
                   lambda k: f"invoice {S.invoice_ids[int(dinv[k])]}", age[d])]


_MASTER_FIELDS = ("name", "billing_contact", "address", "payment_terms_net_days",
                  "credit_limit")  # by bit of a master change's `changed`


def _master_changes(S: State, as_of: int, known_seq: int,
                    changes_from_day: int | None) -> list[_Group]:
    lo = as_of - 6 if changes_from_day is None else changes_from_day
    mc = S.master_changes
    m = np.flatnonzero((mc.view("day") >= lo) & (mc.view("day") <= as_of)
                       & (mc.view("seq") <= known_seq))
    ch = mc.view("changed")[m]
    return [_group("MASTER_DATA_CHANGED", mc.view("customer")[m], _no_item, np.zeros(len(m)),
                   as_of - mc.view("day")[m].astype(np.int64),
                   lambda k: ",".join(n for b, n in enumerate(_MASTER_FIELDS)
                                      if int(ch[k]) >> b & 1),
                   -mc.view("day")[m].astype(np.int64))]


def exceptions_page(S: State, as_of: int, known_seq: int, *, past_due_days: int = 90,
                    min_past_due_minor: int = 1, unapplied_days: int = 30,
                    dispute_days: int = 30, changes_from_day: int | None = None,
                    kinds: tuple[str, ...] = (), offset: int = 0,
                    limit: int = 0) -> tuple[int, list[ExceptionRow]]:
    """The weekly review's exception list as of a day, as known at a segment.

    OVER_LIMIT: balance above the credit limit in force as of the view. PAST_DUE: open
    amount (per installment) more
    than `past_due_days` past due of at least `min_past_due_minor`. OLD_UNAPPLIED: cash or
    credit unapplied for more than `unapplied_days`. LONG_DISPUTE: open for more than
    `dispute_days`. MASTER_DATA_CHANGED: changes effective in [changes_from_day, as_of]
    (default: the 7 days ending as_of). BROKEN_PROMISE: a promise or plan with an
    installment not paid by its date, as known at the segment. Returns (rows in all, rows
    offset..offset+limit; limit 0 = all): each kind is selected and ordered with numpy, and
    only the page becomes objects."""
    for k in kinds:
        if k not in EXCEPTION_KINDS:
            raise error("INVALID_ENUM", f"exception kinds are {EXCEPTION_KINDS}")
    if min(past_due_days, unapplied_days, dispute_days, min_past_due_minor) < 0:
        raise error("INVALID_THRESHOLD", "thresholds must be >= 0")
    want = set(kinds or EXCEPTION_KINDS)
    o = open_amounts(S, as_of, known_seq, None)
    groups: list[_Group] = []  # in output order
    if "OVER_LIMIT" in want:
        groups += _over_limit(S, o, as_of, known_seq)
    if "PAST_DUE" in want:
        groups += _past_due(S, o, as_of, past_due_days, min_past_due_minor)
    if "BROKEN_PROMISE" in want:
        groups += _broken_promises(S, as_of, known_seq)
    if "OLD_UNAPPLIED" in want:
        groups += _old_unapplied(S, o, as_of, unapplied_days)
    if "LONG_DISPUTE" in want:
        groups += _long_disputes(S, as_of, known_seq, dispute_days)
    if "MASTER_DATA_CHANGED" in want:
        groups += _master_changes(S, as_of, known_seq, changes_from_day)
    return _materialise(S, groups, offset, limit)


def _materialise(S: State, groups: list[_Group], offset: int,
                 limit: int) -> tuple[int, list[ExceptionRow]]:
    """(rows in all, the rows offset..offset+limit) of exception groups."""
    cids, curs, ccur = S.customer_ids, S.currencies, S.customers.view("currency")
    total = sum(len(g.order) for g in groups)
    stop = total if not limit else min(total, offset + limit)
    rows: list[ExceptionRow] = []
    start = 0
    for g in groups:
        lo, hi = max(offset - start, 0), min(stop - start, len(g.order))
        start += len(g.order)
        if lo >= hi:
            continue
        page = g.order[lo:hi]
        cs = g.customer[page]
        cur_names = [curs[x] for x in ccur[cs].tolist()]
        for k, c, cu, a, dd in zip(page.tolist(), cs.tolist(), cur_names,
                                   g.amount_minor[page].tolist(), g.days[page].tolist()):
            rows.append(ExceptionRow(g.kind, cids[c], cu, g.item(k), a, dd, g.detail(k)))
    return total, rows
