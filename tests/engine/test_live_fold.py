"""The live path folds a group from the column tables it encoded and the writer's records
(ledger._seal / _store_and_fold); replay and followers fold records decoded from the
stored bytes. The two must be the same input: for every group of a mixed stream (the
synthetic portfolio, every kind of the extras, random volume streams with refusals and
retries), the tables equal the decoded tables column for column, dtype included, and the
writer's records equal `Recs.from_tables` of them on everything the fold reads."""

from __future__ import annotations

import numpy as np
import pytest

from arledger.domain import entries as E
from arledger.domain.errors import LedgerError
from arledger.engine import apply as ap
from arledger.engine.ledger import Ledger
from arledger.engine.records import (
    C_STR,
    C_TABLE,
    CHILD0,
    CHILD_NUMERIC,
    CHILD_STRING,
    DAY,
    F0,
    FIELDS_MAX,
    G0,
    HASH,
    NCHILD,
    NSTR,
    NUMERIC,
    STR0,
    TYPE,
    Recs,
)
from arledger.engine.segment import decode
from arledger.engine.text import StrColumn
from tests.engine.test_replay import extras, fill
from tests.property.test_volume_differential import Stream

OPENED = E.BY_NAME["CustomerOpened"].code


def _text(recs: Recs, k: int) -> bytes:
    a, b = recs.arr.s[k]
    return recs.arr.a[a:b].tobytes()


def _children(recs: Recs, e: int) -> list[tuple]:
    r, c = recs.arr.r, recs.arr.c
    out = []
    for k in range(int(r[e, CHILD0]), int(r[e, CHILD0] + r[e, NCHILD])):
        code = int(c[k, C_TABLE])
        nums = c[k, G0:G0 + len(CHILD_NUMERIC[code])].tolist()
        out.append((code, nums, _text(recs, int(c[k, C_STR])) if code in CHILD_STRING else None))
    return out


def _record_problems(live: Recs, ref: Recs) -> list[tuple]:
    if live.n != ref.n:
        return [("entries", live.n, ref.n)]
    out: list[tuple] = []
    rl, rr = live.arr.r, ref.arr.r
    for e in range(live.n):
        t = int(rl[e, TYPE])
        k = len(NUMERIC[t])
        if [int(rl[e, c]) for c in (TYPE, DAY, HASH, NCHILD)] != \
                [int(rr[e, c]) for c in (TYPE, DAY, HASH, NCHILD)]:
            out.append((e, "envelope"))
        if rl[e, F0:F0 + k].tolist() != rr[e, F0:F0 + k].tolist():
            out.append((e, "fields", rl[e, F0:F0 + k].tolist(), rr[e, F0:F0 + k].tolist()))
        # No scratch in the slots past the type's fields (the fold reads F0..F0+7), but the
        # account's currency, which the fold itself writes into an opening.
        spare = [x for j, x in enumerate(rl[e, F0 + k:F0 + FIELDS_MAX].tolist(), F0 + k)
                 if not (t == OPENED and j == ap.CURRENCY_SLOT)]
        if any(spare):
            out.append((e, "spare slots", spare))
        if [_text(live, int(rl[e, STR0]) + s) for s in range(int(NSTR[t]))] != \
                [_text(ref, int(rr[e, STR0]) + s) for s in range(int(NSTR[t]))]:
            out.append((e, "texts"))
        if _children(live, e) != _children(ref, e):
            out.append((e, "children", _children(live, e)[:3], _children(ref, e)[:3]))
    return out


def _table_problems(encoded: dict, decoded: dict) -> list[tuple]:
    if list(encoded) != list(decoded):
        return [("tables", list(encoded), list(decoded))]
    out: list[tuple] = []
    for t, cols in encoded.items():
        if list(cols) != list(decoded[t]):
            out.append((t, "columns"))
            continue
        for c, x in cols.items():
            y = decoded[t][c]
            if isinstance(x, StrColumn):
                same = isinstance(y, StrColumn) and (x.data, x.n) == (y.data, y.n)
            else:
                same = isinstance(y, np.ndarray) and x.dtype == y.dtype and \
                    np.array_equal(x, y)
            if not same:
                out.append((t, c))
    return out


@pytest.fixture
def watched(monkeypatch):
    """Every group the live path stores, checked against its stored bytes decoded."""
    seen: dict[str, list] = {"groups": [], "problems": []}
    seal, store_and_fold = Ledger._seal, Ledger._store_and_fold

    def sealed(self, g):  # type: ignore[no-untyped-def]
        seal(self, g)
        g.encoded_tables = g.segment.tables

    def stored(self, g):  # type: ignore[no-untyped-def]
        err = store_and_fold(self, g)
        if err is None:
            tables = decode(g.blob).tables
            seen["groups"].append(g.seq)
            seen["problems"] += [(g.seq, *p) for p in _table_problems(g.encoded_tables, tables)]
            seen["problems"] += [(g.seq, *p) for p in
                                 _record_problems(g.recs, Recs.from_tables(tables))]
        return err

    monkeypatch.setattr(Ledger, "_seal", sealed)
    monkeypatch.setattr(Ledger, "_store_and_fold", stored)
    return seen


def test_the_live_fold_takes_exactly_what_replay_decodes(location, clock, watched):
    ledger = location.open(clock=clock)
    try:
        fill(ledger)  # the synthetic portfolio (every kind) and the extras
        stream = Stream(20261204)  # volume streams: refusals, retries, reused ids
        stream.ledger = ledger
        for batch, atomic in stream.batches(60):
            stream.learn(batch, ledger.submit(batch, atomic=atomic))
    finally:
        ledger.close()
    assert len(watched["groups"]) > 60 + len(extras())
    assert watched["problems"] == []


def test_records_whose_text_holds_a_nul_are_never_encoded():
    # Every path in refuses control characters. Were one to slip through, the stored column
    # would split into more texts than rows and replay would fail on it: writing the entry
    # refuses it (the command's refusal), and sealing refuses what got into the records
    # some other way (the group is not stored; writes halt).
    recs = Recs()
    code = E.BY_NAME["CustomerClosed"].code
    nums = [0] * len(NUMERIC[code])
    strs = [""] * (int(NSTR[code]) - 3)
    recs.entry(code, 1, ("ok-1", "ann", "", 0), nums, strs)
    with pytest.raises(LedgerError) as refused:
        recs.entry(code, 1, ("bad\x00id", "ann", "", 0), nums, strs)
    assert refused.value.reason == "MALFORMED_TEXT" and recs.n == 1
    assert recs.to_tables()[E.ENVELOPE]["request_id"].n == 1
    a, _ = recs.arr.s[int(recs.arr.r[0, STR0])]
    recs.arr.a[a + 1] = 0  # "ok-1" -> "o\x00-1", behind the entry's back
    with pytest.raises(ValueError, match="NUL"):
        recs.to_tables()


def test_a_nul_past_validation_refuses_its_command_and_nothing_else(sqlite_ledger,
                                                                   monkeypatch):
    from arledger.domain import validate as V
    from tests.unit.test_rules import cmd, customer, invoice
    (o,) = sqlite_ledger.submit([customer("oc", "C")])
    assert o.status == "ACCEPTED"
    monkeypatch.setattr(V, "text", lambda v, *a, **k: v)  # a validation gap, simulated
    note = cmd("addNote", "n1", customerId="C", text="a\x00b", actor="ann",
               effectiveDate="2026-01-02")
    bad, fine = sqlite_ledger.submit([note, invoice("i0", "I0", 100, "2026-01-02")])
    assert (bad.status, bad.error.reason) == ("REJECTED", "MALFORMED_TEXT")
    assert fine.status == "ACCEPTED"
    assert sqlite_ledger.verify().ok
    assert [e["type"] for e in sqlite_ledger.entries(1)] == ["CustomerOpened", "InvoiceIssued"]
