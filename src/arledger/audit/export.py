"""Export and history: which entries a filter selects (`select_entries`) and the log
positions behind a customer's statement (`statement_positions`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from arledger.audit.canonical import _customers_of, entry_lines
from arledger.domain import entries as E
from arledger.domain.errors import error
from arledger.engine.segment import Segment, SegmentFormatError, decode
from arledger.engine.state import State

# ---- export and history --------------------------------------------------------------------

@dataclass
class ExportFilter:
    customer_id: str = ""
    entry_types: tuple[str, ...] = ()
    effective_from: int | None = None   # day numbers, inclusive
    effective_to: int | None = None
    recorded_from_us: int | None = None  # inclusive
    recorded_to_us: int | None = None    # exclusive
    invoice_id: str = ""                 # history of an invoice
    extra: dict = field(default_factory=dict)


def check_filter(S: State, f: ExportFilter) -> None:
    for name in f.entry_types:
        if name not in E.BY_NAME:
            raise error("INVALID_FILTER", f"no entry type {name!r}; known: "
                        f"{', '.join(E.BY_NAME)}")
    if f.customer_id and f.customer_id not in S.customer_ix:
        raise error("CUSTOMER_NOT_FOUND", f"no customer {f.customer_id!r}")
    if f.invoice_id and f.invoice_id not in S.invoice_ix:
        raise error("INVOICE_NOT_FOUND", f"no invoice {f.invoice_id!r}")
    if (f.effective_from is not None and f.effective_to is not None
            and f.effective_from > f.effective_to):
        raise error("INVALID_FILTER", "the effective period ends before it starts")
    if (f.recorded_from_us is not None and f.recorded_to_us is not None
            and f.recorded_from_us >= f.recorded_to_us):
        raise error("INVALID_FILTER", "the recorded period ends before it starts")


def _entry_mask(S: State, seg: Segment, f: ExportFilter) -> np.ndarray:
    """Which entries of a segment pass the filter, decided column-wise."""
    env = seg.tables[E.ENVELOPE]
    types = np.asarray(env["type"])
    m = np.ones(seg.count, dtype=bool)
    if f.entry_types:
        m &= np.isin(types, [E.BY_NAME[n].code for n in f.entry_types])
    day = np.asarray(env["effective_day"])
    if f.effective_from is not None:
        m &= day >= f.effective_from
    if f.effective_to is not None:
        m &= day <= f.effective_to
    rows = np.asarray(env["row"])
    if f.customer_id:
        want = S.customer_ix[f.customer_id]
        cust = np.full(seg.count, -1, dtype=np.int64)
        for code in np.unique(types).tolist():
            et = E.BY_CODE[code]
            sel = types == code
            cols = seg.tables[et.name]
            cust[sel] = _customers_of(S, cols, len(next(iter(cols.values()))))[rows[sel]]
        m &= cust == want
    if f.invoice_id:
        m &= _touches_invoice(S, seg, types, rows, S.invoice_ix[f.invoice_id])
    return m


def _touches_invoice(S: State, seg: Segment, types: np.ndarray, rows: np.ndarray,
                     inv: int) -> np.ndarray:
    """Entries naming the invoice: its own columns, an allocation to it, or its disputes."""
    t = seg.tables
    hit = np.zeros(seg.count, dtype=bool)
    for code in np.unique(types).tolist():
        et = E.BY_CODE[code]
        cols = t[et.name]
        sel = np.flatnonzero(types == code)
        r = rows[sel]
        m = np.zeros(len(sel), dtype=bool)
        if "invoice_ix" in cols:
            m |= np.asarray(cols["invoice_ix"])[r] == inv
        if "dispute_ix" in cols:
            d = np.asarray(cols["dispute_ix"])[r]
            ok = d >= 0
            m[ok] |= S.disputes.invoice[d[ok]] == inv
        hit[sel] |= m
    if E.ALLOCATIONS in t:
        a = t[E.ALLOCATIONS]
        es = np.asarray(a["_e"])[np.asarray(a["invoice_ix"]) == inv]
        hit[es] = True
    return hit


def select_entries(S: State, segments: Iterable[tuple[int, bytes]],
                   f: ExportFilter) -> Iterator[str]:
    """Canonical lines of the stored segments that pass `f`, in log order.

    Segments outside the recorded period are skipped whole; inside one, the filter is
    decided on the columns and only the selected entries are rendered.
    """
    for seq, blob in segments:
        try:
            seg = decode(blob)
        except SegmentFormatError as e:
            raise error("LOG_CORRUPT", f"segment {seq}: {e}; run `arledger verify`",
                        segment=str(seq)) from None
        if f.recorded_from_us is not None and seg.recorded_at_us < f.recorded_from_us:
            continue
        if f.recorded_to_us is not None and seg.recorded_at_us >= f.recorded_to_us:
            continue
        m = _entry_mask(S, seg, f)
        if not m.any():
            continue
        recs = entry_lines(S, seg)
        for i in np.flatnonzero(m).tolist():
            yield recs[i]


def statement_positions(S: State, customer_ix: int, as_of_day: int | None = None) -> np.ndarray:
    """Log positions of every line of a customer's statement (every entry that moved one
    of its amounts, effective on or before `as_of_day`), ascending."""
    J = S.journal
    cust = J.view("customer")
    m = cust == customer_ix
    if as_of_day is not None:
        m &= J.view("day") <= as_of_day
    return np.unique(J.view("pos")[m])
