"""Balances, open items and aging, vectorised over the state's columns.

Every view takes two clocks: `as_of` (effective day) and `known_seq` (the last
segment recorded at or before `known_at`). When both are at the head the live
running sums answer; otherwise the movement journal is masked and summed, so
a past view never re-reads the store. Callers hold `Ledger.reading()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arledger.domain.errors import error
from arledger.engine.state import J_CASH, J_CREDIT, J_DISPUTED, J_INVOICE, State
from arledger.projections.collections import installment_rows

DEFAULT_EDGES_DAYS = (30, 60, 90, 120)
KIND_INVOICE, KIND_PAYMENT, KIND_CREDIT_NOTE = "INVOICE", "PAYMENT", "CREDIT_NOTE"


@dataclass
class OpenAmounts:
    """Non-zero open amounts of one customer (or all), as of a day, as known at a segment."""

    invoices: np.ndarray        # invoice indexes
    invoice_open: np.ndarray    # open minor units (> 0; < 0 only if over-credited)
    invoice_disputed: np.ndarray  # disputed part, 0..open
    payments: np.ndarray
    payment_unapplied: np.ndarray
    credit_notes: np.ndarray
    credit_unapplied: np.ndarray


def known_seq_at(S: State, known_at_us: int | None) -> int:
    """The last segment recorded at or before `known_at_us` (head when None)."""
    if known_at_us is None:
        return S.head_seq
    rec = S.segments.view("recorded_at_us")
    return int(np.searchsorted(rec, known_at_us, side="right"))


def known_position(S: State, known_seq: int) -> int:
    """The last log position of segment `known_seq` (0 before the first segment): what a
    view as known at that segment includes, and what it reports as its position."""
    if known_seq <= 0:
        return 0
    return int(S.segments.first_position[known_seq - 1] + S.segments.count[known_seq - 1] - 1)


def _is_live(S: State, as_of: int, known_seq: int) -> bool:
    return known_seq >= S.head_seq and as_of >= S.max_effective_day


def _live_portfolio(S: State) -> OpenAmounts:
    """The whole portfolio at the head: the live columns indexed once, at their non-zero
    rows (no gather at all when every row is open)."""
    out = []
    for col in (S.invoices.view("open"), S.payments.view("unapplied"),
                S.credit_notes.view("unapplied")):
        if np.count_nonzero(col) == len(col):
            out.append((np.arange(len(col)), col.copy()))
        else:
            ix = np.flatnonzero(col)
            out.append((ix, col[ix]))
    (inv, op), (pay, pu), (cn, cu) = out
    disputed = S.invoices.view("disputed")
    disputed = disputed.copy() if len(inv) == len(disputed) else disputed[inv]
    # A dispute can outlive part of what it contested (paid or credited meanwhile).
    return OpenAmounts(inv, op, np.clip(disputed, 0, np.maximum(op, 0)), pay, pu, cn, cu)


def open_amounts(S: State, as_of: int, known_seq: int, customer: int | None) -> OpenAmounts:
    if _is_live(S, as_of, known_seq):
        if customer is None:
            return _live_portfolio(S)
        inv = S.invoices_of(customer)
        pay = S.payments_of(customer)
        cn = S.credit_notes_of(customer)
        inv_open = S.invoices.open[inv]
        disputed = S.invoices.disputed[inv]
        pay_un = S.payments.unapplied[pay]
        cn_un = S.credit_notes.unapplied[cn]
    else:
        j = S.journal
        m = (j.view("day") <= as_of) & (j.view("seq") <= known_seq)
        if customer is not None:
            m &= j.view("customer") == customer
        kind, item, delta = j.view("kind")[m], j.view("item")[m], j.view("delta")[m]

        def sums(k: int, n: int) -> np.ndarray:
            out = np.zeros(n, dtype=np.int64)
            mk = kind == k
            np.add.at(out, item[mk], delta[mk])  # exact int64 (bincount would go via float)
            return out
        all_open = sums(J_INVOICE, S.invoices.n)
        all_disp = sums(J_DISPUTED, S.invoices.n)
        all_pay = sums(J_CASH, S.payments.n)
        all_cn = sums(J_CREDIT, S.credit_notes.n)
        inv = np.flatnonzero(all_open | all_disp)
        inv_open, disputed = all_open[inv], all_disp[inv]
        pay = np.flatnonzero(all_pay)
        pay_un = all_pay[pay]
        cn = np.flatnonzero(all_cn)
        cn_un = all_cn[cn]
    keep = inv_open != 0
    keep_p = pay_un != 0
    keep_c = cn_un != 0
    inv_open, inv, disputed = inv_open[keep], inv[keep], disputed[keep]
    # A dispute can outlive part of what it contested (paid or credited meanwhile).
    disputed = np.clip(disputed, 0, np.maximum(inv_open, 0))
    return OpenAmounts(inv, inv_open, disputed, pay[keep_p], pay_un[keep_p], cn[keep_c],
                       cn_un[keep_c])


def balance(S: State, customer: int, as_of: int, known_seq: int) -> dict:
    o = open_amounts(S, as_of, known_seq, customer)
    rows = installment_rows(S, o.invoices, o.invoice_open, o.invoice_disputed)
    open_ = int(o.invoice_open.sum())
    cash = int(o.payment_unapplied.sum())
    credit = int(o.credit_unapplied.sum())
    bal = open_ - cash - credit
    limit = int(S.customers.credit_limit[customer])
    return {"open_minor": open_, "overdue_minor": int(rows.open[rows.due_day < as_of].sum()),
            "unapplied_cash_minor": cash, "unapplied_credit_minor": credit,
            "disputed_minor": int(o.invoice_disputed.sum()), "balance_minor": bal,
            "credit_limit_minor": limit, "headroom_minor": limit - bal}


def open_items(S: State, customer: int, as_of: int, known_seq: int) -> list[dict]:
    """Open invoices (oldest due first), then unapplied payments and credit notes."""
    o = open_amounts(S, as_of, known_seq, customer)
    inv = S.invoices
    order = np.lexsort((o.invoices, inv.issue_day[o.invoices], inv.due_day[o.invoices]))
    items = []
    for k in order.tolist():
        ix = int(o.invoices[k])
        items.append({"kind": KIND_INVOICE, "item_id": S.invoice_ids[ix],
                      "issue_day": int(inv.issue_day[ix]), "due_day": int(inv.due_day[ix]),
                      "amount_minor": int(inv.amount[ix]), "open_minor": int(o.invoice_open[k]),
                      "disputed_minor": int(o.invoice_disputed[k]),
                      "days_past_due": as_of - int(inv.due_day[ix])})
    for kind, ids, cols, day_col, idx, amounts in (
            (KIND_PAYMENT, S.payment_ids, S.payments, "value_day", o.payments,
             o.payment_unapplied),
            (KIND_CREDIT_NOTE, S.credit_note_ids, S.credit_notes, "issue_day", o.credit_notes,
             o.credit_unapplied)):
        for ix, amt in zip(idx.tolist(), amounts.tolist()):
            d = int(getattr(cols, day_col)[ix])
            items.append({"kind": kind, "item_id": ids[ix], "issue_day": d, "due_day": d,
                          "amount_minor": int(cols.amount[ix]), "open_minor": -amt,
                          "disputed_minor": 0, "days_past_due": 0})
    return items


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


def aging(S: State, customer: int | None, as_of: int, known_seq: int,
          edges: tuple[int, ...] = DEFAULT_EDGES_DAYS, basis_invoice_date: bool = False) -> dict:
    """Aging per currency: buckets + unapplied (negative) = balance, for each row."""
    o = open_amounts(S, as_of, known_seq, customer)
    inv = S.invoices
    # One row per installment (an invoice without installments is one row).
    rows = installment_rows(S, o.invoices, o.invoice_open, o.invoice_disputed)
    ref = inv.issue_day[rows.invoice] if basis_invoice_date else rows.due_day
    days = as_of - ref.astype(np.int64)
    edges_a = np.asarray(edges, dtype=np.int64)
    bucket = np.where(days <= 0, 0, np.searchsorted(edges_a, days, side="left") + 1)
    nb = len(edges) + 1 + 1
    cur_of = S.customers.currency
    ncur = max(len(S.currencies), 1)
    row_cur = cur_of[inv.customer[rows.invoice]].astype(np.int64)
    grid = np.zeros(ncur * nb, dtype=np.int64)
    np.add.at(grid, row_cur * nb + bucket, rows.open)
    grid = grid.reshape(ncur, nb)
    disputed = np.zeros(ncur, dtype=np.int64)
    np.add.at(disputed, row_cur, rows.disputed)
    count = np.bincount(cur_of[inv.customer[o.invoices]].astype(np.int64), minlength=ncur)
    unapplied = np.zeros(ncur, dtype=np.int64)
    np.add.at(unapplied, cur_of[S.payments.customer[o.payments]].astype(np.int64),
              -o.payment_unapplied)
    np.add.at(unapplied, cur_of[S.credit_notes.customer[o.credit_notes]].astype(np.int64),
              -o.credit_unapplied)
    if customer is not None:
        present = [int(cur_of[customer])]
    else:
        present = [c for c in range(len(S.currencies))
                   if count[c] or unapplied[c] or grid[c].any()]
    rows = []
    for c in sorted(present, key=lambda c: S.currencies[c]):
        b = grid[c].tolist()
        rows.append({"currency": S.currencies[c], "buckets_minor": b,
                     "unapplied_minor": int(unapplied[c]), "disputed_minor": int(disputed[c]),
                     "balance_minor": int(sum(b) + unapplied[c]),
                     "open_item_count": int(count[c])})
    return {"bucket_labels": bucket_labels(edges), "rows": rows}
