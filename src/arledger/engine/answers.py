"""What a command's answer says beyond its status, read off the entries it wrote.

An accepted command and a retry of it (DUPLICATE) answer the same, because both are read
from the command's entries and its row in the requests table, never from the decider's
working state: the allocations made (every allocation row of its entries), the unapplied
money left on the payment or credit note it touched last, an invoice's due date, and the
warnings its entries stand for (a discount taken, a small balance written off, an invoice
over the credit limit, the hold that put on the account).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arledger.engine import apply as ap
from arledger.engine.ids import IdTable
from arledger.engine.records import (C_TABLE, CHILD0, CT_ALLOCATION, F0, G0, NCHILD, TYPE,
                                     Recs)

_WARNING = {ap.DISCOUNT_TAKEN: "DISCOUNT_TAKEN",
            ap.SMALL_BALANCE_WRITTEN_OFF: "SMALL_BALANCE_WRITTEN_OFF",
            ap.CREDIT_CHECK_DECIDED: "CREDIT_LIMIT_EXCEEDED",
            ap.HOLD_PLACED: "ON_HOLD_PLACED"}


def fill(out: Any, recs: Recs, e0: int, n: int, unapplied: int, invoice_ids: IdTable) -> None:
    """Set `out`'s allocations, unapplied_minor, due_day and warnings from entries
    [e0, e0 + n) of `recs` (the command's) and the unapplied figure of its request row."""
    r, c = recs.arr.r, recs.arr.c
    out.allocations = []
    out.warnings = []
    out.unapplied_minor = unapplied
    first = int(r[e0, TYPE])
    out.due_day = int(r[e0, F0 + 4]) if first == ap.INVOICE_ISSUED else None
    for e in range(e0, e0 + n):
        t = int(r[e, TYPE])
        k0, k1 = int(r[e, CHILD0]), int(r[e, CHILD0] + r[e, NCHILD])
        if k1 > k0:
            rows = c[k0:k1]
            rows = rows[rows[:, C_TABLE] == CT_ALLOCATION]
            names = invoice_ids.names(rows[:, G0 + 2]) if len(rows) else []
            out.allocations.extend(zip(names, rows[:, G0 + 3].tolist()))
        w = _WARNING.get(t)
        if w is None:
            continue
        if t in (ap.DISCOUNT_TAKEN, ap.SMALL_BALANCE_WRITTEN_OFF) and r[e, F0 + 2] < 0:
            continue  # a reversal taking it back warns of nothing
        if t == ap.HOLD_PLACED and first != ap.INVOICE_ISSUED:
            continue  # a hold of its own, or a dunning run's: not a warning to an invoice
        out.warnings.append(w)


def allocation_rows(recs: Recs, e0: int, n: int) -> np.ndarray:
    """Child rows (allocations only) of entries [e0, e0 + n)."""
    r, c = recs.arr.r, recs.arr.c
    k0 = int(r[e0, CHILD0])
    k1 = int(r[e0 + n - 1, CHILD0] + r[e0 + n - 1, NCHILD])
    rows = c[k0:k1]
    return rows[rows[:, C_TABLE] == CT_ALLOCATION]
