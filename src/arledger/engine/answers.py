"""What a batch's commands answer, as columns, read off the entries they wrote.

An accepted command and a retry of it (DUPLICATE) answer the same, because both are read
from the command's entries and its request row, never from the decider's working state:
the allocations made (every allocation row of its entries), the unapplied money left on the
payment or credit note it touched last (its request row), an invoice's due date, and the
warnings its entries stand for (a discount taken, a small balance written off, an invoice
over the credit limit, the hold that put on the account).

`BatchOutcome` holds a batch's answers as arrays (the columnar RPC sends them as they are;
the row RPCs turn them into one `Outcome` each), filled in one vectorised pass per group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arledger.domain.errors import LedgerError
from arledger.engine import apply as ap
from arledger.engine import columnar
from arledger.engine.records import (
    C_PARENT,
    C_TABLE,
    CHILD0,
    CT_ALLOCATION,
    F0,
    G0,
    NCHILD,
    TYPE,
    Recs,
)

ACCEPTED, DUPLICATE, REJECTED = 1, 2, 3
STATUS = {ACCEPTED: "ACCEPTED", DUPLICATE: "DUPLICATE", REJECTED: "REJECTED"}
CODE = {v: k for k, v in STATUS.items()}
NO_DATE = -(2**63)
WARNINGS = ((1, "DISCOUNT_TAKEN"), (2, "SMALL_BALANCE_WRITTEN_OFF"),
            (4, "CREDIT_LIMIT_EXCEEDED"), (8, "ON_HOLD_PLACED"))
_BIT = {ap.DISCOUNT_TAKEN: 1, ap.SMALL_BALANCE_WRITTEN_OFF: 2, ap.CREDIT_CHECK_DECIDED: 4,
        ap.HOLD_PLACED: 8}


@dataclass
class BatchOutcome:
    """One batch's answers (see the module docstring); index = the command's."""

    status: np.ndarray            # uint8 ACCEPTED / DUPLICATE / REJECTED
    position: np.ndarray          # int64
    entries: np.ndarray           # int64
    unapplied: np.ndarray         # int64
    due_day: np.ndarray           # int64 (NO_DATE: none)
    warnings: np.ndarray          # uint8 bits (WARNINGS)
    warning_lists: dict[int, list[str]] = field(default_factory=dict)  # in entry order
    alloc_cmd: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alloc_invoice: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alloc_amount: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alloc_names: bytes = b""  # the allocations' invoice ids, NUL-joined, in command order
    errors: dict[int, LedgerError] = field(default_factory=dict)
    details: dict[int, Any] = field(default_factory=dict)

    @classmethod
    def empty(cls, n: int) -> BatchOutcome:
        return cls(np.zeros(n, np.uint8), np.zeros(n, np.int64), np.zeros(n, np.int64),
                   np.zeros(n, np.int64), np.full(n, NO_DATE, np.int64), np.zeros(n, np.uint8))

    @property
    def n(self) -> int:
        return len(self.status)

    def refuse(self, i: int, err: LedgerError) -> None:
        self.status[i] = REJECTED
        self.position[i] = self.entries[i] = self.unapplied[i] = 0
        self.errors[i] = err

    def counts(self) -> tuple[int, int, int]:
        c = np.bincount(self.status, minlength=4)
        return int(c[ACCEPTED]), int(c[DUPLICATE]), int(c[REJECTED])


def fill_from(out: BatchOutcome, rows: np.ndarray, recs: Recs, e0: np.ndarray) -> None:
    """Answer commands `rows` of a batch whose entries start at e0 (indexes into `recs`)
    and number out.entries[rows]: due date, warnings, allocations, in one pass."""
    if not len(rows):
        return
    r, c = recs.arr.r, recs.arr.c
    n = out.entries[rows]
    first_type = r[e0, TYPE]
    out.due_day[rows] = np.where(first_type == ap.INVOICE_ISSUED, r[e0, F0 + 4], NO_DATE)
    # every entry of these commands, and which command it belongs to
    total = int(n.sum())
    cmd = np.repeat(rows, n)
    start = np.repeat(e0 - np.concatenate(([0], np.cumsum(n)[:-1])), n)
    ent = start + np.arange(total)
    types = r[ent, TYPE]
    bits = np.zeros(total, np.uint8)
    for t, b in _BIT.items():
        bits[types == t] = b
    undone = ((types == ap.DISCOUNT_TAKEN) | (types == ap.SMALL_BALANCE_WRITTEN_OFF)) & (
        r[ent, F0 + 2] < 0)  # a reversal taking a closure back warns of nothing
    bits[undone] = 0
    own_hold = np.repeat(first_type == ap.INVOICE_ISSUED, n)
    bits[(types == ap.HOLD_PLACED) & ~own_hold] = 0  # a hold of its own / a dunning run's
    warned = np.flatnonzero(bits)
    if len(warned):
        np.bitwise_or.at(out.warnings, cmd[warned], bits[warned])
        for k in warned.tolist():
            name = dict(WARNINGS)[int(bits[k])]
            out.warning_lists.setdefault(int(cmd[k]), []).append(name)
    # allocation rows of those entries (children follow their entry). A retry decided in
    # the same group as its original names the same entries: attribute each child to the
    # entry range (unique start), then hand every command of that range its rows.
    k0, k1 = int(r[ent.min(), CHILD0]), int(r[ent.max(), CHILD0] + r[ent.max(), NCHILD])
    kids = c[k0:k1]
    kids = kids[kids[:, C_TABLE] == CT_ALLOCATION]
    if not len(kids):
        return
    starts, which = np.unique(e0, return_inverse=True)
    lens = np.zeros(len(starts), np.int64)
    np.maximum.at(lens, which, n)
    owner = np.full(int(ent.max()) + 1, -1, np.int64)
    owner[np.repeat(starts, lens) + _ranges(lens)] = np.repeat(np.arange(len(starts)), lens)
    ku = owner[kids[:, C_PARENT]]
    keep = ku >= 0
    kids, ku = kids[keep], ku[keep]
    order = np.argsort(ku, kind="stable")
    kids, ku = kids[order], ku[order]
    per = np.bincount(ku, minlength=len(starts))
    first = np.concatenate(([0], np.cumsum(per)[:-1]))
    take = per[which]
    pick_rows = np.repeat(first[which], take) + _ranges(take)
    out.alloc_cmd = np.concatenate([out.alloc_cmd, np.repeat(rows, take)])
    out.alloc_invoice = np.concatenate([out.alloc_invoice, kids[pick_rows, G0 + 2]])
    out.alloc_amount = np.concatenate([out.alloc_amount, kids[pick_rows, G0 + 3]])


def _ranges(lens: np.ndarray) -> np.ndarray:
    """0..len-1 for each length, concatenated."""
    total = int(lens.sum())
    if not total:
        return np.zeros(0, np.int64)
    starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
    return np.arange(total) - np.repeat(starts, lens)


def fill_one(out: BatchOutcome, i: int, recs: Recs, e0: int) -> None:
    fill_from(out, np.array([i], np.int64), recs, np.array([e0], np.int64))


def allocations_of(out: BatchOutcome) -> list[list[tuple[str, int]]]:
    """Per command, its allocations as (invoice id, amount), in the order written (the
    invoice ids from `alloc_names`, which the store thread fills)."""
    per: list[list[tuple[str, int]]] = [[] for _ in range(out.n)]
    if len(out.alloc_cmd):
        order = np.argsort(out.alloc_cmd, kind="stable")
        names = out.alloc_names.decode().split("\x00")
        for cmd, name, amt in zip(out.alloc_cmd[order].tolist(), names,
                                  out.alloc_amount[order].tolist()):
            per[cmd].append((name, amt))
    return per


def tally(batch: Any, out: BatchOutcome) -> Counter[tuple[str, str, str]]:
    """A batch's commands counted by (kind, outcome, reason), as the metrics count them:
    accepted and duplicate ones by kind in bulk, refused ones by their reason; another
    kind's name is its Command's (the row, or the message riding along)."""
    kind, status = batch.cols.kind, out.status
    names = {k: s.name for k, s in columnar.SPECS.items()}

    def name(i: int) -> str:
        k = int(kind[i])
        if k != columnar.OTHER:
            return names[k]
        return batch.command(i).WhichOneof("command") or "none"

    counts: Counter[tuple[str, str, str]] = Counter()
    for code in (ACCEPTED, DUPLICATE):
        sel = status == code
        for k, n in enumerate(np.bincount(kind[sel], minlength=len(names) + 1).tolist()):
            if n and k != columnar.OTHER:
                counts[(names[k], STATUS[code], "")] += n
        for i in np.flatnonzero(sel & (kind == columnar.OTHER)).tolist():
            counts[(name(i), STATUS[code], "")] += 1
    for i in np.flatnonzero(status == REJECTED).tolist():
        err = out.errors.get(i)
        counts[(name(i), "REJECTED", err.reason if err is not None else "")] += 1
    return counts
