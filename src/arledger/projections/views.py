"""Balances, open items and aging, vectorised over the state's columns: the one aging
every caller uses (GetAging, the report service, statements, provision, allowance,
valuation).

Every view takes two clocks: `as_of` (effective day) and `known_seq` (the last segment
recorded at or before `known_at`, `known_seq_at`). Open amounts and their rows come
from engine/amounts.py (live sums at the head, masked journal sums otherwise), so a past
view never re-reads the store. Results are typed; the server alone builds messages.
Callers hold `Ledger.reading()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from arledger.domain.errors import error
from arledger.engine.amounts import (
    OpenAmounts,
    _gather,
    is_live,
    known_position,
    known_seq_at,
    open_amounts,
    open_rows,
)
from arledger.engine.state import State

DEFAULT_EDGES_DAYS = (30, 60, 90, 120)
KIND_INVOICE, KIND_PAYMENT, KIND_CREDIT_NOTE = "INVOICE", "PAYMENT", "CREDIT_NOTE"


# ---- limits in force ---------------------------------------------------------------------------

def limits_as_of(S: State, as_of: int, known_seq: int) -> np.ndarray:
    """Every customer's credit limit in force as of a day, as known at a segment: the
    change effective last by then among those recorded by then (kept, with old and new
    values, in `S.credit_events`), else the limit before the first change, else the limit
    the account has now (it never changed)."""
    lim = S.customers.view("credit_limit").copy()
    ev = [(c, e[1], e[2], e[5], e[6]) for c, evs in S.credit_events.items() for e in evs
          if e[0] == "LIMIT"]  # sparse: only customers whose limit ever changed
    if not ev:
        return lim
    cust, day, pos, old, new = (np.asarray(x, dtype=np.int64) for x in zip(*ev))
    known_pos = known_position(S, known_seq)
    order = np.lexsort((pos, cust))  # each customer's changes in log order
    first = order[np.append(True, cust[order][1:] != cust[order][:-1])]
    lim[cust[first]] = old[first]            # before any change: the first recorded's old
    # In force on as_of: the change effective last on or before it (ties: recorded last),
    # among those recorded by known_seq; a back-dated change recorded later counts from
    # its effective date, not from when it was recorded.
    order = np.lexsort((pos, day, cust))
    cust, day, pos, new = cust[order], day[order], pos[order], new[order]
    idx = np.flatnonzero((day <= as_of) & (pos <= known_pos))
    last = idx[np.append(cust[idx][1:] != cust[idx][:-1], True)] if len(idx) else idx
    lim[cust[last]] = new[last]
    return lim


def limit_as_of(S: State, customer: int, as_of: int, known_seq: int) -> int:
    """One customer's credit limit in force as of a day, as known at a segment (what
    `limits_as_of` answers for every customer, from that customer's few events)."""
    known_pos = known_position(S, known_seq)
    changes = [e for e in S.credit_events.get(customer, ()) if e[0] == "LIMIT"]
    shown = [e for e in changes if e[1] <= as_of and e[2] <= known_pos]
    if shown:  # effective last (ties: recorded last)
        return int(max(shown, key=lambda e: (e[1], e[2]))[6])
    return int(changes[0][5]) if changes else int(S.customers.credit_limit[customer])


# ---- balance and open items -------------------------------------------------------------------

@dataclass(frozen=True)
class Balance:
    """A customer's balance = open invoices - unapplied cash - unapplied credit."""

    open_minor: int
    overdue_minor: int          # open installments due before as_of
    unapplied_cash_minor: int
    unapplied_credit_minor: int
    disputed_minor: int         # open disputed part (capped by what is still open)
    balance_minor: int
    credit_limit_minor: int     # in force as of the view
    headroom_minor: int         # limit - balance


def balance(S: State, customer: int, as_of: int, known_seq: int) -> Balance:
    o = open_amounts(S, as_of, known_seq, customer)
    rows = open_rows(S, o)
    open_ = int(o.invoice_open.sum())
    cash = int(o.payment_unapplied.sum())
    credit = int(o.credit_unapplied.sum())
    bal = open_ - cash - credit
    limit = limit_as_of(S, customer, as_of, known_seq)
    return Balance(open_, int(rows.open[rows.due_day < as_of].sum()), cash, credit,
                   int(o.invoice_disputed.sum()), bal, limit, limit - bal)


@dataclass(frozen=True)
class OpenItem:
    kind: str                   # KIND_INVOICE, KIND_PAYMENT or KIND_CREDIT_NOTE
    item_id: str
    issue_day: int              # value day of a payment
    due_day: int
    amount_minor: int
    open_minor: int             # negative for unapplied cash and credit
    disputed_minor: int
    days_past_due: int


def open_items(S: State, customer: int, as_of: int, known_seq: int) -> list[OpenItem]:
    """Open invoices (oldest due first), then unapplied payments and credit notes."""
    o = open_amounts(S, as_of, known_seq, customer)
    inv = S.invoices
    order = np.lexsort((o.invoices, inv.issue_day[o.invoices], inv.due_day[o.invoices]))
    items = []
    for k in order.tolist():
        ix = int(o.invoices[k])
        items.append(OpenItem(KIND_INVOICE, S.invoice_ids[ix], int(inv.issue_day[ix]),
                              int(inv.due_day[ix]), int(inv.amount[ix]),
                              int(o.invoice_open[k]), int(o.invoice_disputed[k]),
                              as_of - int(inv.due_day[ix])))
    for kind, ids, cols, day_col, idx, amounts in (
            (KIND_PAYMENT, S.payment_ids, S.payments, "value_day", o.payments,
             o.payment_unapplied),
            (KIND_CREDIT_NOTE, S.credit_note_ids, S.credit_notes, "issue_day", o.credit_notes,
             o.credit_unapplied)):
        for ix, amt in zip(idx.tolist(), amounts.tolist()):
            d = int(getattr(cols, day_col)[ix])
            items.append(OpenItem(kind, ids[ix], d, d, int(cols.amount[ix]), -amt, 0, 0))
    return items


# ---- aging ----------------------------------------------------------------------------------

def bucket_labels(edges: tuple[int, ...]) -> list[str]:
    labels = ["current"]
    lo = 1
    for e in edges:
        labels.append(f"{lo}-{e}")
        lo = e + 1
    labels.append(f"over {edges[-1]}")
    return labels


def check_edges(edges: tuple[int, ...]) -> tuple[int, ...]:
    if not edges:
        return DEFAULT_EDGES_DAYS
    if len(edges) > 32 or edges[0] < 1 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise error("INVALID_BUCKET_EDGES", "bucket edges must be 1..32 strictly increasing "
                    "positive day counts")
    return tuple(edges)


def bucket_of(days: np.ndarray, edges: tuple[int, ...]) -> np.ndarray:
    """Bucket index per row: 0 = current (days <= 0), then the first edge >= days, then over.

    One `searchsorted` against (0, *edges): a row belongs to the first bucket whose upper
    edge is >= its days (docs/design.md, "State and views"), so `side="left"`.
    """
    return np.searchsorted(np.asarray((0,) + tuple(edges), dtype=np.int64), days, side="left")


@dataclass
class CustomerAging:
    """Per-customer aging: row k is customer `customers[k]`; buckets + unapplied = balance."""

    labels: list[str]
    customers: np.ndarray   # customer indexes, ascending
    currency: np.ndarray    # currency code index per row
    buckets: np.ndarray     # (rows, len(labels)) minor units
    unapplied: np.ndarray   # unapplied cash and credit, negative
    disputed: np.ndarray    # disputed part of the buckets (also counted in them)
    balance: np.ndarray
    count: np.ndarray       # open invoices


def customer_aging(S: State, as_of: int, known_seq: int,
                   edges: tuple[int, ...] = DEFAULT_EDGES_DAYS,
                   basis_invoice_date: bool = False, customer: int | None = None,
                   currency: int | None = None) -> CustomerAging:
    """Aging of every customer with anything open (or of one), as of a day, as known at a
    segment: due-date basis (or invoice-date), one row per installment's open part.
    Customers with nothing open and nothing unapplied are left out."""
    o = open_amounts(S, as_of, known_seq, customer)
    inv = S.invoices
    r = open_rows(S, o)
    ref = _gather(inv.view("issue_day"), r.invoice) if basis_invoice_date else r.due_day
    b = bucket_of(np.subtract(as_of, ref, dtype=np.int64), edges)
    cust = _gather(inv.view("customer"), r.invoice).astype(np.int64)
    nb = len(edges) + 2
    nc = S.customers.n
    grid: npt.NDArray[np.int64] = np.zeros(nc * nb, dtype=np.int64)  # reshaped below
    np.add.at(grid, cust * nb + b, r.open)
    grid = grid.reshape(nc, nb)
    disputed = np.zeros(nc, dtype=np.int64)
    np.add.at(disputed, cust, r.disputed)
    # Open invoices (not installments).
    count = (np.bincount(cust, minlength=nc) if r.invoice is o.invoices else
             np.bincount(inv.customer[o.invoices], minlength=nc))
    unapplied = np.zeros(nc, dtype=np.int64)
    np.add.at(unapplied, S.payments.customer[o.payments], -o.payment_unapplied)
    np.add.at(unapplied, S.credit_notes.customer[o.credit_notes], -o.credit_unapplied)
    present = (count > 0) | (unapplied != 0)
    if customer is not None:
        present = np.zeros(nc, dtype=bool)
        present[customer] = True
    cur = S.customers.view("currency")
    if currency is not None:
        present &= cur == currency
    rows = np.flatnonzero(present)
    g = _gather(grid, rows)
    u = _gather(unapplied, rows)
    return CustomerAging(bucket_labels(edges), rows, _gather(cur, rows), g, u,
                         _gather(disputed, rows), g.sum(axis=1) + u, _gather(count, rows))


@dataclass(frozen=True)
class AgingTotals:
    """One currency's aging: buckets + unapplied (negative) = balance."""

    currency: str
    buckets_minor: list[int]
    unapplied_minor: int
    disputed_minor: int         # also counted in the buckets
    balance_minor: int
    open_item_count: int        # open invoices
    customers: int


def currency_totals(S: State, a: CustomerAging) -> list[AgingTotals]:
    """Per-currency totals of a per-customer aging (sums of its rows), by currency code."""
    cur = a.currency.astype(np.int64)
    grid = np.zeros((max(len(S.currencies), 1), a.buckets.shape[1]), dtype=np.int64)
    np.add.at(grid, cur, a.buckets)
    out = []
    for c in sorted(np.unique(cur).tolist(), key=lambda c: S.currencies[c]):
        m = cur == c
        out.append(AgingTotals(S.currencies[c], grid[c].tolist(), int(a.unapplied[m].sum()),
                               int(a.disputed[m].sum()), int(a.balance[m].sum()),
                               int(a.count[m].sum()), int(m.sum())))
    return out


@dataclass(frozen=True)
class Aging:
    labels: list[str]
    rows: list[AgingTotals]     # one per currency, by code


def aging(S: State, customer: int | None, as_of: int, known_seq: int,
          edges: tuple[int, ...] = DEFAULT_EDGES_DAYS, basis_invoice_date: bool = False
          ) -> Aging:
    """Aging per currency of one customer or the portfolio: the totals of customer_aging."""
    a = customer_aging(S, as_of, known_seq, edges, basis_invoice_date, customer=customer)
    return Aging(a.labels, currency_totals(S, a))


__all__ = ["Aging", "AgingTotals", "Balance", "CustomerAging", "DEFAULT_EDGES_DAYS",
           "OpenAmounts", "OpenItem", "aging", "balance", "bucket_labels", "bucket_of",
           "check_edges", "currency_totals", "customer_aging", "is_live", "known_position",
           "known_seq_at", "limit_as_of", "limits_as_of", "open_amounts", "open_items"]
