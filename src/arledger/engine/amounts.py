"""Open amounts and open rows as of a day, as known at a segment: the one implementation
every figure of the read side starts from (views, reports, dunning, risk, search,
valuation).

Every reader takes two clocks: `as_of` (effective day) and `known_seq` (the last segment
recorded at or before `known_at`, `known_seq_at`). At the head the live running sums
answer; otherwise the state's movement journal is masked and summed (for the whole
portfolio, from the nearest checkpoint: the live sums minus the rows the view leaves
out), so a past view never re-reads the store. It lives in the engine, next to the read
state, because the dunning run (a decision) reads it too: projections import the engine,
never the other way round. Callers hold `Ledger.reading()`.

An invoice's open amount settles its installments in due order (a payment, credit or
write-off applied to the invoice pays its earliest installment first), so each
installment's open part follows from the invoice's open amount alone; a disputed part
is attributed the same way (to the earliest open installments first), so dunning, which
skips disputed amounts, never duns a disputed installment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arledger.engine.apply import J_CASH, J_CREDIT, J_DISPUTED, J_INVOICE
from arledger.engine.state import State

# ---- the two clocks --------------------------------------------------------------------------


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


def is_live(S: State, as_of: int, known_seq: int) -> bool:
    """Whether the view is the head's: nothing recorded or effective after it."""
    return known_seq >= S.head_seq and as_of >= S.max_effective_day


# ---- open amounts ----------------------------------------------------------------------------

@dataclass
class OpenAmounts:
    """Non-zero open amounts of one customer (or all), as of a day, as known at a segment."""

    invoices: np.ndarray        # invoice indexes, ascending
    invoice_open: np.ndarray    # open minor units (> 0; < 0 only if over-credited)
    invoice_disputed: np.ndarray  # disputed part, 0..open
    payments: np.ndarray
    payment_unapplied: np.ndarray
    credit_notes: np.ndarray
    credit_unapplied: np.ndarray


def open_amounts(S: State, as_of: int, known_seq: int, customer: int | None, *,
                 max_share: float = 0.5) -> OpenAmounts:
    """What is open as of `as_of`, as known at `known_seq`, of one customer or (None) all.

    At the head, the live columns. For the portfolio otherwise: the live columns are the
    running sums of the whole journal, so the view is also the live amounts minus the
    journal rows it leaves out (every row recorded after `known_seq`, the journal's tail,
    and the earlier rows effective after `as_of`). When those are fewer than `max_share`
    of the journal (a recent view: as known an hour ago, as of last week) only they are
    summed; otherwise, and for one customer, the journal rows the view includes are
    (`journal_open_amounts`). tests/reports/test_properties.py checks every way agrees.
    """
    if is_live(S, as_of, known_seq):
        return _live(S, customer)
    if customer is not None:
        return journal_open_amounts(S, as_of, known_seq, customer)
    j = S.journal
    tail = int(np.searchsorted(j.view("seq"), known_seq, side="right"))
    late = np.flatnonzero(j.view("day")[:tail] > as_of)
    if len(late) + j.n - tail > max_share * j.n:
        return journal_open_amounts(S, as_of, known_seq, None)
    rows = np.concatenate([late, np.arange(tail, j.n)])
    kind, item, delta = j.view("kind")[rows], j.view("item")[rows], j.view("delta")[rows]

    def minus(col: np.ndarray, k: int) -> np.ndarray:
        out = col.copy()
        m = kind == k
        np.subtract.at(out, item[m], delta[m])  # exact int64
        return out
    return _nonzero(minus(S.invoices.view("open"), J_INVOICE),
                    minus(S.invoices.view("disputed"), J_DISPUTED),
                    minus(S.payments.view("unapplied"), J_CASH),
                    minus(S.credit_notes.view("unapplied"), J_CREDIT))


def journal_open_amounts(S: State, as_of: int, known_seq: int,
                         customer: int | None) -> OpenAmounts:
    """`open_amounts` by summing the journal rows the view includes (at the head too: the
    live columns are their running sums, and the tests check the two agree)."""
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
    return _nonzero(sums(J_INVOICE, S.invoices.n), sums(J_DISPUTED, S.invoices.n),
                    sums(J_CASH, S.payments.n), sums(J_CREDIT, S.credit_notes.n))


def _nonzero(inv_open: np.ndarray, inv_disputed: np.ndarray, pay_unapplied: np.ndarray,
             credit_unapplied: np.ndarray) -> OpenAmounts:
    """The rows of per-item columns with something open."""
    inv = np.flatnonzero(inv_open)
    pay = np.flatnonzero(pay_unapplied)
    cn = np.flatnonzero(credit_unapplied)
    op = inv_open[inv]
    # A dispute can outlive part of what it contested (paid or credited meanwhile).
    disputed = np.clip(inv_disputed[inv], 0, np.maximum(op, 0))
    return OpenAmounts(inv, op, disputed, pay, pay_unapplied[pay], cn, credit_unapplied[cn])


def _live(S: State, customer: int | None) -> OpenAmounts:
    """The head's open amounts: the live columns, indexed once at their non-zero rows (no
    gather at all when every row of the portfolio is open)."""
    if customer is not None:
        inv, pay, cn = S.invoices_of(customer), S.payments_of(customer), S.credit_notes_of(customer)
        return _nonzero_at(inv, S.invoices.open[inv], S.invoices.disputed[inv],
                           pay, S.payments.unapplied[pay], cn, S.credit_notes.unapplied[cn])
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
    return OpenAmounts(inv, op, np.clip(disputed, 0, np.maximum(op, 0)), pay, pu, cn, cu)


def _nonzero_at(inv: np.ndarray, inv_open: np.ndarray, inv_disputed: np.ndarray,
                pay: np.ndarray, pay_unapplied: np.ndarray, cn: np.ndarray,
                credit_unapplied: np.ndarray) -> OpenAmounts:
    """Open amounts from the rows of given items with something open."""
    k, kp, kc = inv_open != 0, pay_unapplied != 0, credit_unapplied != 0
    op = inv_open[k]
    return OpenAmounts(inv[k], op, np.clip(inv_disputed[k], 0, np.maximum(op, 0)), pay[kp],
                       pay_unapplied[kp], cn[kc], credit_unapplied[kc])


# ---- open rows: installments -----------------------------------------------------------------

@dataclass
class Rows:
    """Receivable rows: one per installment (an invoice without installments is one row)."""

    invoice: np.ndarray
    number: np.ndarray      # 1-based installment number (1: an invoice without installments)
    due_day: np.ndarray
    open: np.ndarray
    disputed: np.ndarray
    inst: np.ndarray | None  # the row in S.installments (-1: the invoice itself); None: all -1

    def column(self, S: State, name: str) -> np.ndarray:
        """`amount`, `dun_mark` or `int_day` per row: the installment's, else the invoice's
        (gathered on demand: most readers need none of them)."""
        own = getattr(S.invoices, name)[self.invoice]
        if self.inst is None:
            return own
        theirs = getattr(S.installments, name)[np.maximum(self.inst, 0)]
        return np.where(self.inst >= 0, theirs, own)

    def at(self, keep: np.ndarray) -> Rows:
        return Rows(self.invoice[keep], self.number[keep], self.due_day[keep], self.open[keep],
                    self.disputed[keep], None if self.inst is None else self.inst[keep])


def group_cumsum(x: np.ndarray, starts: np.ndarray, group_of_row: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum of x within consecutive groups."""
    cs = np.cumsum(x)
    base = np.concatenate(([0], cs))[starts]  # sum before each group's first row
    return cs - base[group_of_row]


def installment_rows(S: State, inv: np.ndarray, inv_open: np.ndarray,
                     inv_disputed: np.ndarray) -> Rows:
    """Expand invoices into their installments' open parts (waterfall in due order); every
    installment is a row, paid ones too."""
    invs = S.invoices
    inv = np.asarray(inv, dtype=np.int64)
    n = invs.inst_n[inv].astype(np.int64)
    single = n == 0
    s_inv = inv[single]
    if single.all():
        return Rows(s_inv, np.ones(len(s_inv), np.int32), invs.due_day[s_inv], inv_open[single],
                    inv_disputed[single], None)
    parts = [Rows(s_inv, np.ones(len(s_inv), np.int32), invs.due_day[s_inv], inv_open[single],
                  inv_disputed[single], np.full(len(s_inv), -1, np.int64))]
    m_inv, m_open, m_disp, reps = inv[~single], inv_open[~single], inv_disputed[~single], n[~single]
    group = np.repeat(np.arange(len(m_inv)), reps)
    starts = np.concatenate(([0], np.cumsum(reps)[:-1]))
    rows = np.repeat(invs.inst_first[m_inv], reps) + (np.arange(len(group)) - starts[group])
    ist = S.installments
    amount = ist.amount[rows]
    applied = (invs.amount[m_inv] - m_open)[group]
    cum = group_cumsum(amount, starts, group)
    open_ = np.clip(cum - applied, 0, amount)
    open_before = group_cumsum(open_, starts, group) - open_
    disputed = np.clip(m_disp[group] - open_before, 0, open_)
    parts.append(Rows(m_inv[group], ist.number[rows], ist.due_day[rows], open_, disputed,
                      rows.astype(np.int64)))
    return Rows(*(np.concatenate([getattr(p, f) for p in parts])
                  for f in ("invoice", "number", "due_day", "open", "disputed", "inst")))


def _gather(col: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """col[idx]; when idx is every row the column itself, so a portfolio with everything
    open skips a copy per column (open amounts' indexes are unique and ascending, so n of
    them running from 0 to n-1 are 0..n-1)."""
    n = len(col)
    if len(idx) == n and n and idx[0] == 0 and idx[-1] == n - 1:
        return col
    return col[idx]


def open_rows(S: State, o: OpenAmounts) -> Rows:
    """The open rows of open amounts: installment_rows without the settled installments."""
    if S.installments.n == 0:
        # No invoice has installments: each open invoice is its row (what installment_rows
        # would return, without its per-row gathers over a 10-million-row portfolio).
        return Rows(o.invoices, np.broadcast_to(np.int32(1), (len(o.invoices),)),
                    _gather(S.invoices.view("due_day"), o.invoices), o.invoice_open,
                    o.invoice_disputed, None)
    r = installment_rows(S, o.invoices, o.invoice_open, o.invoice_disputed)
    return r.at(r.open != 0)
