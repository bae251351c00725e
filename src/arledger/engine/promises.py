"""Promises to pay, vectorised over the portfolio: read by the views and by the dunning run
(which marks broken promises), so it lives in the engine like open amounts.

A promise (or payment plan) is kept when the customer's payments dated from the day it
  was made reach each installment's running total by that installment's date, broken when
  one does not, and active until then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arledger.domain import entries as E
from arledger.engine.amounts import group_cumsum
from arledger.engine.state import J_CASH, State

PROMISE_ACTIVE, PROMISE_KEPT, PROMISE_BROKEN = 0, 1, 2
PROMISE_STATUS = ("ACTIVE", "KEPT", "BROKEN")
_DAY_BITS = 20  # day numbers stay below 2**17 (year 2200); customer index above them


@dataclass
class Promises:
    status: np.ndarray          # PROMISE_* per promise
    broken_installment: np.ndarray  # 1-based first installment found short (0 = none)
    shortfall: np.ndarray       # how much that installment's running total was short
    paid: np.ndarray            # paid from the day it was made to as_of
    promised: np.ndarray
    known: np.ndarray           # made by as_of and recorded by the known segment
    broken_due_day: np.ndarray  # due day of the installment found short (0 = none)
    last_due_day: np.ndarray    # due day of its last installment


def promise_status(S: State, as_of: int, known_seq: int | None = None) -> Promises:
    """Status of every promise as of `as_of`, as known at segment `known_seq` (head when
    None). Payments count by their value date, less reversals dated by then, as the
    journal (J_CASH rows of PaymentRecorded / PaymentReversed) records them: a promise
    kept by its date stays kept when its payment is reversed later."""
    P, PI = S.promises, S.promise_installments
    n = P.n
    if known_seq is None:
        known_seq = S.head_seq
    if n == 0:
        z = np.zeros(0, np.int64)
        return Promises(z.astype(np.uint8), z, z, z, z, z.astype(bool), z, z)
    j = S.journal
    et, dl = j.view("etype"), j.view("delta")
    # The money itself: a payment's +amount row and its reversal's -amount row (the
    # allocation rows of the same entries move cash to invoices, not in or out).
    m = (j.view("kind") == J_CASH) & (j.view("seq") <= known_seq) & (
        ((et == E.BY_NAME["PaymentRecorded"].code) & (dl > 0)) |
        ((et == E.BY_NAME["PaymentReversed"].code) & (dl < 0)))
    keys = (j.view("customer")[m].astype(np.int64) << _DAY_BITS) + j.view("day")[m]
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    cs = np.concatenate(([0], np.cumsum(j.view("delta")[m][order])))

    def paid(cust: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        c = cust.astype(np.int64) << _DAY_BITS
        return (cs[np.searchsorted(keys, c + hi, "right")]
                - cs[np.searchsorted(keys, c + lo, "left")])

    cust, made = P.view("customer"), P.view("made_day")
    first, cnt = P.view("inst_first"), P.view("inst_n").astype(np.int64)
    promised = P.view("amount")
    group = np.repeat(np.arange(n), cnt)
    starts = np.concatenate(([0], np.cumsum(cnt)[:-1]))
    rows = np.repeat(first, cnt) + (np.arange(len(group)) - starts[group])
    due = PI.due_day[rows].astype(np.int64)
    cum = group_cumsum(PI.amount[rows], starts, group)
    judged = due <= as_of
    got = paid(cust[group], made[group].astype(np.int64), due)
    short = judged & (got < cum)
    # The first short installment of each promise.
    idx = np.flatnonzero(short)
    first_short_row = np.full(n, len(group), np.int64)
    np.minimum.at(first_short_row, group[idx], idx)
    broken = first_short_row < len(group)
    paid_now = paid(cust, made.astype(np.int64), np.full(n, as_of, np.int64))
    last_due = np.zeros(n, np.int64)
    np.maximum.at(last_due, group, due)
    kept = ~broken & ((last_due <= as_of) | (paid_now >= promised))
    status = np.where(broken, PROMISE_BROKEN, np.where(kept, PROMISE_KEPT, PROMISE_ACTIVE))
    bi = np.where(broken, first_short_row - starts + 1, 0)
    safe = np.minimum(first_short_row, len(group) - 1)
    shortfall = np.where(broken, cum[safe] - got[safe], 0)
    return Promises(status.astype(np.uint8), bi, shortfall, paid_now, promised.copy(),
                    (P.view("seq") <= known_seq) & (made <= as_of),
                    np.where(broken, due[safe], 0), last_due)
