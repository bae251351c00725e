"""Entries as fixed-width records: what deciders write and compiled folds read.

A segment is stored as one column table per entry type (engine/segment.py). Inside the
engine, the entries of a segment - decoded from the store, or being decided - are records
in log order, one int64 row each:

    TYPE  DAY  STR0  HASH  CHILD0  NCHILD  F0 .. F7

`F0..F7` are the entry type's numeric columns in schema order (domain/entries.py; no type
has more than 8), `HASH` the request hash (its uint64 bits), `STR0` the first of its string
references (the envelope's request_id, actor, reason, then the type's string columns, in
order) and `CHILD0`/`NCHILD` its rows in the child table (allocations, lines,
installments, promise installments, promise invoices), which follow their entry:

    TABLE  PARENT  STR  G0 .. G3

A string reference is (start, end) into one byte arena. So compiled code reads a segment
through five arrays whatever entry types it holds, and `to_tables` / `from_tables` turn
records into the stored columns and back (tests/engine/test_live_fold.py holds the
writer's records to `from_tables` of their stored bytes, group by group).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from arledger.domain import entries as E
from arledger.domain.errors import error
from arledger.engine import room
from arledger.engine.jit import kernel
from arledger.engine.text import StrColumn

TYPE, DAY, STR0, HASH, CHILD0, NCHILD, F0 = 0, 1, 2, 3, 4, 5, 6
FIELDS_MAX = 8
RW = F0 + FIELDS_MAX
C_TABLE, C_PARENT, C_STR, G0 = 0, 1, 2, 3
CHILD_FIELDS_MAX = 4
CW = G0 + CHILD_FIELDS_MAX
ENV_STRINGS = 3  # request_id, actor, reason

# Child tables by code (1-based: 0 = none).
CHILDREN = (E.ALLOCATIONS, E.LINES, E.INSTALLMENTS, E.PROMISE_INSTALLMENTS, E.PROMISE_INVOICES)
CHILD_CODE = {name: k + 1 for k, name in enumerate(CHILDREN)}
CT_ALLOCATION = CHILD_CODE[E.ALLOCATIONS]
_CHILD_COLUMNS = {E.ALLOCATIONS: E.ALLOCATION_COLUMNS, E.LINES: E.LINE_COLUMNS,
                  E.INSTALLMENTS: E.INSTALLMENT_COLUMNS,
                  E.PROMISE_INSTALLMENTS: E.PROMISE_INSTALLMENT_COLUMNS,
                  E.PROMISE_INVOICES: E.PROMISE_INVOICE_COLUMNS}


def _split(cols: tuple[tuple[str, str], ...]) -> tuple[tuple[tuple[str, str], ...],
                                                        tuple[str, ...]]:
    cols = tuple(c for c in cols if c[0] != "_e")
    return tuple(c for c in cols if c[1] != E.STR), tuple(c[0] for c in cols if c[1] == E.STR)


# Per entry type code: numeric (name, dtype) in field order, string column names.
NUMERIC: dict[int, tuple[tuple[str, str], ...]] = {}
STRINGS: dict[int, tuple[str, ...]] = {}
for _t in E.ENTRY_TYPES:
    NUMERIC[_t.code], STRINGS[_t.code] = _split(_t.columns)
    assert len(NUMERIC[_t.code]) <= FIELDS_MAX, _t.name
CHILD_NUMERIC: dict[int, tuple[tuple[str, str], ...]] = {}
CHILD_STRING: dict[int, str] = {}
for _name, _cols in _CHILD_COLUMNS.items():
    _num, _strs = _split(_cols)
    assert len(_num) <= CHILD_FIELDS_MAX and len(_strs) <= 1, _name
    CHILD_NUMERIC[CHILD_CODE[_name]] = _num
    if _strs:
        CHILD_STRING[CHILD_CODE[_name]] = _strs[0]
# Strings per entry, by type code (envelope's included).
NSTR = np.zeros(256, np.int64)
for _code, _s in STRINGS.items():
    NSTR[_code] = ENV_STRINGS + len(_s)


def field(type_name: str, column: str) -> int:
    """The record column holding `column` of `type_name` (F0 + its numeric position)."""
    cols = NUMERIC[E.BY_NAME[type_name].code]
    return F0 + [c for c, _ in cols].index(column)


def string_slot(type_name: str, column: str) -> int:
    """Offset from STR0 of a string column of `type_name`."""
    return ENV_STRINGS + STRINGS[E.BY_NAME[type_name].code].index(column)


class RecArrays(NamedTuple):
    r: np.ndarray      # int64 (capacity, RW): entries
    s: np.ndarray      # int64 (capacity, 2): string references (start, end) into `a`
    a: np.ndarray      # uint8: string bytes
    c: np.ndarray      # int64 (capacity, CW): child rows
    m: np.ndarray      # int64 [entries, string refs, bytes, child rows]


@kernel
def _join(arena, sref, idx, out):
    """The texts `idx` NUL-joined into `out`; returns how many NUL bytes the texts held
    (none may: the stored column would split into more texts than it has rows)."""
    p = 0
    nul = 0
    for j in range(len(idx)):
        if j:
            out[p] = 0
            p += 1
        a, b = sref[idx[j], 0], sref[idx[j], 1]
        for k in range(a, b):
            v = arena[k]
            nul += v == 0
            out[p] = v
            p += 1
    return nul


def _no_nul(texts: list[str]) -> None:
    if any("\x00" in t for t in texts):
        raise error("MALFORMED_TEXT", "a text field holds a NUL character")


@kernel
def _place(buf, n, idx, p, arena, sref):
    """Copy a stored string column (`n` NUL-separated values in `buf`) into `arena` at `p`
    and point string references `idx` at its values; False if it holds another number."""
    if n == 0:
        return len(buf) == 0
    k = 0
    s = 0
    for q in range(len(buf)):
        v = buf[q]
        arena[p + q] = v
        if v == 0:
            if k >= n - 1:
                return False
            sref[idx[k], 0] = p + s
            sref[idx[k], 1] = p + q
            k += 1
            s = q + 1
    if k != n - 1:
        return False
    sref[idx[k], 0] = p + s
    sref[idx[k], 1] = p + len(buf)
    return True


def _stored(col: Any) -> StrColumn:
    return col if isinstance(col, StrColumn) else StrColumn.of(list(col))


def _placed(col: StrColumn, idx: np.ndarray, p: int, arena: np.ndarray,
            sref: np.ndarray) -> int:
    """`col` placed at `p` of the arena for references `idx`; where the next one goes."""
    if not _place(col.buffer(), col.n, idx, p, arena, sref):
        raise ValueError(f"{col.n} values expected")
    return p + len(col.data)


def _children(r: np.ndarray, sref: np.ndarray, arena: np.ndarray, c: np.ndarray, n: int,
              ns: int, p: int, kids: list[tuple[int, dict[str, Any], StrColumn | None]]) -> int:
    """The child tables' rows, in entry order, and their strings (from reference `ns`, byte
    `p` of the arena); returns where the strings ended."""
    nkids = sum(len(t["_e"]) for _, t, _ in kids)
    parent = np.concatenate([np.asarray(t["_e"], np.int64) for _, t, _ in kids])
    order = np.argsort(parent, kind="stable")
    block = np.zeros((nkids, CW), np.int64)
    k0 = 0
    for code, t, col in kids:
        k1 = k0 + len(t["_e"])
        block[k0:k1, C_TABLE] = code
        block[k0:k1, C_PARENT] = t["_e"]
        block[k0:k1, C_STR] = -1
        for k, (cname, _dt) in enumerate(CHILD_NUMERIC[code]):
            block[k0:k1, G0 + k] = t[cname]
        if col is not None:
            refs = np.arange(ns, ns + col.n)
            p = _placed(col, refs, p, arena, sref)
            block[k0:k1, C_STR] = refs
            ns += col.n
        k0 = k1
    block = block[order]
    c[:nkids] = block
    counts = np.bincount(block[:, C_PARENT], minlength=n)
    first = np.zeros(n, np.int64)
    if n:
        first[1:] = np.cumsum(counts)[:-1]
    r[:n, CHILD0] = first
    r[:n, NCHILD] = counts
    return p


class Recs:
    """Records of one segment (see the module docstring); growable, truncatable."""

    def __init__(self, entries: int = 256) -> None:
        self.arr = RecArrays(np.zeros((entries, RW), np.int64),
                             np.zeros((entries * 4, 2), np.int64),
                             np.zeros(entries * 32, np.uint8),
                             np.zeros((max(entries // 2, 16), CW), np.int64),
                             np.zeros(4, np.int64))

    # ---- sizes ---------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return int(self.arr.m[0])

    def mark(self) -> tuple[int, int, int, int]:
        return tuple(int(x) for x in self.arr.m)  # type: ignore[return-value]

    def truncate(self, mark: tuple[int, int, int, int]) -> None:
        self.arr.m[:] = mark

    def reset(self) -> None:
        self.arr.m[:] = 0

    def reserve(self, entries: int, strings: int, nbytes: int, children: int) -> None:
        r, s, a, c, m = self.arr
        n0, n1, n2, n3 = (int(x) for x in m)
        r = room.grown(r, n0, n0 + entries)
        s = room.grown(s, n1, n1 + strings)
        a = room.grown(a, n2, n2 + nbytes)
        c = room.grown(c, n3, n3 + children)
        if r is not self.arr.r or s is not self.arr.s or a is not self.arr.a \
                or c is not self.arr.c:
            self.arr = RecArrays(r, s, a, c, m)

    # ---- writing from Python (deciders of the rarer commands) ------------------------------

    def _str(self, value: str) -> int:
        data = value.encode()
        m = self.arr.m
        k, p = int(m[1]), int(m[2])
        self.arr.a[p:p + len(data)] = np.frombuffer(data, np.uint8)
        self.arr.s[k] = (p, p + len(data))
        m[1], m[2] = k + 1, p + len(data)
        return k

    def entry(self, code: int, day: int, env: tuple[str, str, str, int], nums: list[int],
              strs: list[str]) -> int:
        """Append an entry; `env` = (request_id, actor, reason, request hash). A text holding
        NUL is refused here, as the command's refusal (validation refuses control characters
        on every path in: this is the last place one could be caught before a segment holds
        it, and the store thread's seal would otherwise have to halt the ledger)."""
        texts = [env[0], env[1], env[2], *strs]
        _no_nul(texts)
        self.reserve(1, len(texts), sum(len(t) * 4 for t in texts), 0)
        m = self.arr.m
        e = int(m[0])
        row = self.arr.r[e]
        row[:] = 0
        row[TYPE], row[DAY] = code, day
        row[STR0] = m[1]
        row[HASH] = np.uint64(env[3]).view(np.int64)
        row[CHILD0] = m[3]
        row[F0:F0 + len(nums)] = nums
        for t in texts:
            self._str(t)
        m[0] = e + 1
        return e

    def child(self, table: str, parent: int, nums: list[int], text: str | None = None) -> int:
        """Append a child row of the newest entry (`parent` must be it)."""
        code = CHILD_CODE[table]
        if text:
            _no_nul([text])
        self.reserve(0, 1, len(text) * 4 if text else 0, 1)
        m = self.arr.m
        assert parent == m[0] - 1, "child rows follow their entry"
        k = int(m[3])
        row = self.arr.c[k]
        row[:] = 0
        row[C_TABLE], row[C_PARENT] = code, parent
        row[C_STR] = self._str(text) if text is not None else -1
        row[G0:G0 + len(nums)] = nums
        self.arr.r[parent, NCHILD] += 1
        m[3] = k + 1
        return k

    # ---- reading ---------------------------------------------------------------------------

    def text(self, e: int, slot: int) -> str:
        k = int(self.arr.r[e, STR0]) + slot
        a, b = self.arr.s[k]
        return self.arr.a[a:b].tobytes().decode()

    def env(self, e: int) -> tuple[str, str, str, int]:
        return (self.text(e, 0), self.text(e, 1), self.text(e, 2),
                int(self.arr.r[e, HASH:HASH + 1].view(np.uint64)[0]))

    # ---- to and from the stored column tables ---------------------------------------------

    def _joined(self, idx: np.ndarray) -> StrColumn:
        if not len(idx):
            return StrColumn(b"", 0)
        lens = self.arr.s[idx, 1] - self.arr.s[idx, 0]
        out = np.empty(int(lens.sum()) + len(idx) - 1, np.uint8)
        if _join(self.arr.a, self.arr.s, idx, out):
            # Validation refuses control characters on every path in; were one to get
            # through, the segment must not be stored (replay could not split it).
            raise ValueError("a text holds a NUL byte; the segment cannot be stored")
        return StrColumn(out.tobytes(), len(idx))

    def to_tables(self) -> dict[str, dict[str, Any]]:
        """The stored form: one column table per entry type present, the envelope, and the
        child tables (rows in entry order)."""
        n = self.n
        r = self.arr.r[:n]
        types = r[:, TYPE]
        s0 = r[:, STR0]
        row = np.zeros(n, np.int64)
        tables: dict[str, dict[str, Any]] = {}
        for code in np.unique(types).tolist():
            t = E.BY_CODE[code]
            es = np.flatnonzero(types == code)
            row[es] = np.arange(len(es))
            cols: dict[str, Any] = {"_e": es.astype(np.int32)}
            for k, (name, dt) in enumerate(NUMERIC[code]):
                cols[name] = r[es, F0 + k].astype(dt)
            for k, name in enumerate(STRINGS[code]):
                cols[name] = self._joined(s0[es] + ENV_STRINGS + k)
            tables[t.name] = {c: cols[c] for c, _ in t.all_columns}
        env = {"type": types.astype(np.uint8), "effective_day": r[:, DAY].astype(np.int32),
               "request_id": self._joined(s0), "actor": self._joined(s0 + 1),
               "reason": self._joined(s0 + 2),
               "request_hash": r[:, HASH].view(np.uint64).copy(),
               "row": row.astype(np.int32)}
        out = {E.ENVELOPE: env}
        out.update(tables)
        c = self.arr.c[: self.arr.m[3]]
        for code, name in enumerate(CHILDREN, 1):
            rows = np.flatnonzero(c[:, C_TABLE] == code)
            if not len(rows):
                continue
            cols = {"_e": c[rows, C_PARENT].astype(np.int32)}
            for k, (cname, dt) in enumerate(CHILD_NUMERIC[code]):
                cols[cname] = c[rows, G0 + k].astype(dt)
            if code in CHILD_STRING:
                cols[CHILD_STRING[code]] = self._joined(c[rows, C_STR])
            out[name] = {cn: cols[cn] for cn, _ in _CHILD_COLUMNS[name]}
        return out

    @classmethod
    def from_tables(cls, tables: dict[str, dict[str, Any]], into: Recs | None = None) -> Recs:
        """Records of a decoded segment (string bytes copied once per column), written
        `into` a Recs given (emptied first: replay reuses two, so a segment's records take
        no fresh memory) or a new one."""
        env = tables[E.ENVELOPE]
        types = np.asarray(env["type"], dtype=np.int64)
        n = len(types)
        nstr = NSTR[types]
        s0 = np.zeros(n, np.int64)
        if n:
            s0[1:] = np.cumsum(nstr)[:-1]
        typed = [(E.BY_NAME[name].code, np.asarray(cols["_e"], dtype=np.int64), cols)
                 for name, cols in tables.items() if name != E.ENVELOPE and name in E.BY_NAME]
        str_cols = [(s0 + k, env[c]) for k, c in enumerate(("request_id", "actor", "reason"))]
        str_cols += [(s0[es] + ENV_STRINGS + k, cols[sname])
                     for code, es, cols in typed for k, sname in enumerate(STRINGS[code])]
        str_cols = [(idx, _stored(col)) for idx, col in str_cols]
        kids = [(code, t, _stored(t[CHILD_STRING[code]]) if code in CHILD_STRING else None)
                for code, t in ((CHILD_CODE[name], tables[name])
                                for name in CHILDREN if name in tables)]
        nkids = sum(len(t["_e"]) for _, t, _ in kids)
        nbytes = sum(len(col.data) for _, col in str_cols) + \
            sum(len(col.data) for _, _, col in kids if col is not None)
        nsrefs = int(nstr.sum()) + sum(col.n for _, _, col in kids if col is not None)
        out = cls(max(n, 1)) if into is None else into
        out.reset()
        out.reserve(n, nsrefs, nbytes, nkids)
        r, sref, arena, c, m = out.arr
        r[:n] = 0
        r[:n, TYPE] = types
        r[:n, DAY] = env["effective_day"]
        r[:n, STR0] = s0
        r[:n, HASH] = np.asarray(env["request_hash"], dtype=np.uint64).view(np.int64)
        p = 0
        for idx, col in str_cols:
            p = _placed(col, idx, p, arena, sref)
        for code, es, cols in typed:
            for k, (cname, _dt) in enumerate(NUMERIC[code]):
                r[es, F0 + k] = cols[cname]
        if nkids:
            p = _children(r, sref, arena, c, n, int(nstr.sum()), p, kids)
        m[:] = (n, nsrefs, p, nkids)
        return out
