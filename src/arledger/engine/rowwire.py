"""Row batches read straight from their wire bytes into columns.

`SubmitBatchStream` carries protobuf `Batch` messages: one `Command` per command. Made
into protobuf objects and then read field by field into columns (`columnar.from_commands`),
a command cost ~9 µs on the rpc thread, which bounded the stream at a fraction of what the
compiled decider takes. `decode` reads the serialized bytes once in compiled code (two
passes: count, then fill) into the same `Cols` that from_commands makes: string references
point into a copy of the message's own bytes, dates become day numbers (NO_DATE, BAD_DATE
exactly as `columnar._day`), ints are truncated as protobuf truncates them.

Only what is certainly read the same way protobuf reads it takes this path: the five
volume kinds' known fields with their declared wire types, valid UTF-8, well-formed
varints and lengths, one field per Command. Anything else (an unknown or misplaced field,
a Command of two kinds, bytes that are not UTF-8, a truncated message) makes `decode`
answer None, and the caller parses the message with protobuf as before, so every message
protobuf refuses is still refused with the same error and every odd one is read as protobuf
reads it. Other commands (disputes, holds, ...) are parsed by protobuf from their own bytes
and ride along as kind OTHER, as in from_commands.

The batch keeps its rows as `WireRows`: command i made a protobuf message from its bytes
only when the Python decider asks for it (a refusal's exact reason, an OTHER command).
The field tables are derived from the message descriptors and `columnar.SPECS`, so a field
added to a message and not to the specs is an unknown field here (the protobuf path), never
a silently dropped one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf.descriptor import FieldDescriptor as FD

from arledger.domain.dates import DAY_MAX, DAY_MIN
from arledger.engine import columnar as col
from arledger.engine.jit import inline, kernel
from arledger.v1 import commands_pb2 as pb

# What a field of a volume message is to the decoder (column of the field table).
A_UNKNOWN, A_ENV, A_STR, A_I64, A_I32, A_DATE, A_ADDRESS, A_CHILD = range(8)
MAX_FIELD = 32  # field numbers at or above it: unknown (the protobuf path)
OK, UNUSUAL = 0, 1
_ENV = ("request_id", "actor", "reason")
# cnt: commands, rows of the five kinds (1..5), lines, allocations, others, atomic
C_COMMANDS, C_LINES, C_ALLOCS, C_OTHERS, C_ATOMIC = 0, 6, 7, 8, 9


def _message(k: int) -> Any:
    return pb.Command.DESCRIPTOR.fields_by_name[col.SPECS[k].name].message_type


def _tables() -> tuple[np.ndarray, ...]:
    """The decoder's field tables, from the descriptors and the column specs:
    act[kind, field] = (what, column); addr[field] = the address column's offset from the
    first address string column (or -1); child[0 lines / 1 allocations, field] = (what,
    column); kids[kind] = (first child column, child count column, which child table);
    cmd_kind[field of Command] = the kind it carries (OTHER for any other)."""
    act = np.zeros((6, MAX_FIELD, 2), np.int64)
    kids = np.full((6, 3), -1, np.int64)
    cmd_kind = np.zeros(MAX_FIELD * 4, np.int64)
    ints = (FD.TYPE_INT32, FD.TYPE_ENUM)
    for k, spec in col.SPECS.items():
        cmd_kind[pb.Command.DESCRIPTOR.fields_by_name[spec.name].number] = k
        nums = {n: j for j, n in enumerate(spec.nums)}
        strs = {n: j for j, n in enumerate(spec.strs)}
        for f in _message(k).fields:
            assert f.number < MAX_FIELD, f.full_name
            if f.name in _ENV:
                a = (A_ENV, _ENV.index(f.name))
            elif f.name in strs:
                a = (A_STR, strs[f.name])
            elif f.name == "address":
                a = (A_ADDRESS, strs["address." + col.ADDRESS[0]])
            elif f.name == spec.child:
                a = (A_CHILD, 0)
                kids[k] = (nums["[child_first]"], nums["[child_count]"],
                           0 if spec.child == "lines" else 1)
            elif f.name in col._DATE_FIELDS:
                a = (A_DATE, nums[f.name])
            elif f.type == FD.TYPE_INT64:
                a = (A_I64, nums[f.name])
            elif f.type in ints:
                a = (A_I32, nums[f.name])
            else:
                raise AssertionError(f"{f.full_name}: not in columnar.SPECS")
            want = FD.TYPE_MESSAGE if a[0] in (A_ADDRESS, A_CHILD) else (
                FD.TYPE_STRING if a[0] in (A_ENV, A_STR, A_DATE) else f.type)
            assert f.type == want and f.is_repeated == (a[0] == A_CHILD), \
                f.full_name
            act[k, f.number] = a
    addr = np.full(MAX_FIELD, -1, np.int64)
    for f in pb.Address.DESCRIPTOR.fields:
        assert f.type == FD.TYPE_STRING, f.full_name
        addr[f.number] = col.ADDRESS.index(f.name)
    child = np.zeros((2, MAX_FIELD, 2), np.int64)
    kid_tables: tuple[tuple[Any, tuple[str, ...], tuple[str, ...]], ...] = (
        (pb.InvoiceLine.DESCRIPTOR, col.LINE_NUMS, col.LINE_STRS),
        (pb.Allocation.DESCRIPTOR, col.ALLOC_NUMS, col.ALLOC_STRS))
    for t, (desc, kid_nums, kid_strs) in enumerate(kid_tables):
        for f in desc.fields:
            if f.name in kid_strs:
                assert f.type == FD.TYPE_STRING, f.full_name
                child[t, f.number] = (A_STR, kid_strs.index(f.name))
            else:
                assert f.type == FD.TYPE_INT64, f.full_name
                child[t, f.number] = (A_I64, kid_nums.index(f.name))
    return act, addr, child, kids, cmd_kind


ACT, ADDR, CHILD, KIDS, CMD_KIND = _tables()


# ---- compiled reading ------------------------------------------------------------------------

@inline
def _varint_upto(buf, p, end, most):
    """(value, position after it, its last byte), the position -1 if it runs past `end` or
    past `most` bytes (as protobuf, bits beyond 64 are dropped)."""
    v = np.uint64(0)
    shift = np.uint64(0)
    for _ in range(most):
        if p >= end:
            return v, -1, np.uint64(0)
        b = np.uint64(buf[p])
        p += 1
        v |= (b & np.uint64(0x7F)) << shift
        if b < np.uint64(0x80):
            return v, p, b
        shift += np.uint64(7)
    return v, -1, np.uint64(0)


@inline
def _varint(buf, p, end):
    """A value: a varint of up to 10 bytes; (value, position after it or -1)."""
    v, q, _ = _varint_upto(buf, p, end, 10)
    return v, q


@inline
def _key(buf, p, end):
    """A tag or a length: a varint of at most 5 bytes, minimally encoded, below 2**32 (as
    protobuf reads them: it refuses longer ones, and an over-long encoding is something
    only a hostile or broken writer sends), or position -1."""
    v, q, last = _varint_upto(buf, p, end, 5)
    if q >= 0 and ((q - p > 1 and last == np.uint64(0)) or v > np.uint64(0xFFFFFFFF)):
        return v, -1
    return v, q


@inline
def _utf8(buf, a, b):
    """Is buf[a:b] well-formed UTF-8 (what protobuf demands of a proto3 string)?"""
    p = a
    while p < b:
        c = buf[p]
        if c < 0x80:
            p += 1
            continue
        if 0xC2 <= c <= 0xDF:
            n, lo, hi = 1, 0x80, 0xBF
        elif c == 0xE0:
            n, lo, hi = 2, 0xA0, 0xBF
        elif 0xE1 <= c <= 0xEC or 0xEE <= c <= 0xEF:
            n, lo, hi = 2, 0x80, 0xBF
        elif c == 0xED:
            n, lo, hi = 2, 0x80, 0x9F  # no surrogates
        elif c == 0xF0:
            n, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= c <= 0xF3:
            n, lo, hi = 3, 0x80, 0xBF
        elif c == 0xF4:
            n, lo, hi = 3, 0x80, 0x8F
        else:
            return False
        if p + n >= b:
            return False
        d = buf[p + 1]
        if d < lo or d > hi:
            return False
        for j in range(2, n + 1):
            d = buf[p + j]
            if d < 0x80 or d > 0xBF:
                return False
        p += n + 1
    return True


@inline
def _digits(buf, a, n):
    v = np.int64(0)
    for j in range(n):
        c = np.int64(buf[a + j])
        if c < 48 or c > 57:
            return np.int64(-1)
        v = v * 10 + (c - 48)
    return v


@inline
def _date(buf, a, b):
    """A date text as columnar._day makes it: "" NO_DATE, a valid YYYY-MM-DD in the
    ledger's years its day number (days since 1970-01-01), anything else BAD_DATE."""
    if a == b:
        return col.NO_DATE
    if b - a != 10 or buf[a + 4] != 45 or buf[a + 7] != 45:
        return col.BAD_DATE
    y = _digits(buf, a, 4)
    m = _digits(buf, a + 5, 2)
    d = _digits(buf, a + 8, 2)
    if y < 0 or m < 1 or m > 12 or d < 1:
        return col.BAD_DATE
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    if m == 2:
        mdays = 29 if leap else 28
    elif m == 4 or m == 6 or m == 9 or m == 11:
        mdays = 30
    else:
        mdays = 31
    if d > mdays:
        return col.BAD_DATE
    yy = y - 1 if m <= 2 else y  # days from civil (H. Hinnant), y >= 1 here
    era = yy // 400
    yoe = yy - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    day = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    if day < DAY_MIN or day > DAY_MAX:
        return col.BAD_DATE
    return day


@inline
def _int32(v):
    x = np.int64(v & np.uint64(0xFFFFFFFF))
    return x - 4294967296 if x >= 2147483648 else x


@inline
def _string(buf, q, e, wt):
    """A length-delimited field's (start, end) at q, or start -1 if it is not one."""
    if wt != 2:
        return -1, -1
    ln, q = _key(buf, q, e)
    if q < 0 or ln > np.uint64(e - q):
        return -1, -1
    return q, q + np.int64(ln)


@inline
def _address(buf, vs, ve, strs, r, c, addr, fill):
    """An Address's fields into the string columns from c on (OK or UNUSUAL)."""
    x = vs
    while x < ve:
        t, x = _key(buf, x, ve)
        if x < 0 or t >> np.uint64(3) >= np.uint64(MAX_FIELD):
            return UNUSUAL
        off = addr[np.int64(t >> np.uint64(3))]
        if off < 0:
            return UNUSUAL
        a, b = _string(buf, x, ve, np.int64(t & np.uint64(7)))
        if a < 0 or not _utf8(buf, a, b):
            return UNUSUAL
        x = b
        if fill:
            strs[r, c + off, 0] = a
            strs[r, c + off, 1] = b
    return OK


@inline
def _child(buf, vs, ve, tab, j, child, kid_n, kid_s, fill):
    """An invoice line or an allocation (child table `tab`) into child row j."""
    x = vs
    while x < ve:
        t, x = _key(buf, x, ve)
        if x < 0 or t >> np.uint64(3) >= np.uint64(MAX_FIELD):
            return UNUSUAL
        f = np.int64(t >> np.uint64(3))
        w = np.int64(t & np.uint64(7))
        a, c = child[tab, f, 0], child[tab, f, 1]
        if a == A_I64:
            if w != 0:
                return UNUSUAL
            v, x = _varint(buf, x, ve)
            if x < 0:
                return UNUSUAL
            if fill:
                kid_n[j, c] = np.int64(v)
        elif a == A_STR:
            cs, ce = _string(buf, x, ve, w)
            if cs < 0 or not _utf8(buf, cs, ce):
                return UNUSUAL
            x = ce
            if fill:
                kid_s[j, c, 0] = cs
                kid_s[j, c, 1] = ce
        else:
            return UNUSUAL
    return OK


@inline
def _scalar(buf, q, e, wt, a, nums, r, c, fill):
    """An int64 or int32 (enum) field at q: the position after it, or -1."""
    if wt != 0:
        return -1
    v, q = _varint(buf, q, e)
    if q >= 0 and fill:
        nums[r, c] = np.int64(v) if a == A_I64 else _int32(v)
    return q


@inline
def _body(buf, q, e, k, i, r, nums, strs, env, act, addr, child, tab, cnt, c_at,
          kid_n, kid_s, fill):
    """A volume command's fields (its message body, q..e) into its row r (OK or UNUSUAL)."""
    addressed = False
    while q < e:
        t, q = _key(buf, q, e)
        if q < 0 or t >> np.uint64(3) >= np.uint64(MAX_FIELD):
            return UNUSUAL
        wt = np.int64(t & np.uint64(7))
        a, c = act[k, np.int64(t >> np.uint64(3)), 0], act[k, np.int64(t >> np.uint64(3)), 1]
        if a == A_UNKNOWN:
            return UNUSUAL
        if a == A_I64 or a == A_I32:
            q = _scalar(buf, q, e, wt, a, nums, r, c, fill)
            if q < 0:
                return UNUSUAL
            continue
        vs, ve = _string(buf, q, e, wt)
        if vs < 0:
            return UNUSUAL
        q = ve
        if a == A_ADDRESS:
            if addressed:  # two address fields merge: the protobuf path
                return UNUSUAL
            addressed = True
            if _address(buf, vs, ve, strs, r, c, addr, fill) != OK:
                return UNUSUAL
        elif a == A_CHILD:
            j = cnt[c_at]
            cnt[c_at] += 1
            if _child(buf, vs, ve, tab, j, child, kid_n, kid_s, fill) != OK:
                return UNUSUAL
        elif not _utf8(buf, vs, ve):
            return UNUSUAL
        elif fill and a == A_ENV:
            env[i, c, 0] = vs
            env[i, c, 1] = ve
        elif fill and a == A_STR:
            strs[r, c, 0] = vs
            strs[r, c, 1] = ve
        elif fill:
            nums[r, c] = _date(buf, vs, ve)
    return OK


@inline
def _command(buf, s, e, cmd_kind):
    """A Command's kind and where its body starts: (kind, body start) with OTHER for any
    other kind or an empty Command, or body start -1 for what protobuf must read."""
    if s == e:
        return col.OTHER, s
    t, q = _key(buf, s, e)
    if q < 0:
        return col.OTHER, -1
    f = t >> np.uint64(3)
    k = cmd_kind[np.int64(f)] if f < np.uint64(len(cmd_kind)) else col.OTHER
    if k == col.OTHER:
        return k, q
    q, qe = _string(buf, q, e, np.int64(t & np.uint64(7)))
    if q < 0 or qe != e:  # not one field spanning the Command
        return k, -1
    return k, q


@kernel
def _walk(buf, fill, cnt, act, addr, child, kids, cmd_kind, kind, row, span, env,
          oc_n, oc_s, ii_n, ii_s, rp_n, rp_s, cn_n, cn_s, ap_n, ap_s, ln_n, ln_s, al_n, al_s):
    """Read a serialized Batch: counts into cnt (fill False) or the columns as well (fill
    True, arrays sized from the counting pass). OK, or UNUSUAL for anything the protobuf
    path must read instead."""
    end = len(buf)
    p = 0
    while p < end:
        tag, p = _key(buf, p, end)
        if p >= 0 and tag == np.uint64(16):  # atomic (2, varint)
            v, p = _varint(buf, p, end)
            if p < 0:
                return UNUSUAL
            cnt[C_ATOMIC] = 1 if v != np.uint64(0) else 0
            continue
        if p < 0 or tag != np.uint64(10):  # a Command (1, length-delimited), nothing else
            return UNUSUAL
        s, e = _string(buf, p, end, 2)
        if s < 0:
            return UNUSUAL
        p = e
        i = cnt[C_COMMANDS]
        cnt[C_COMMANDS] += 1
        k, q = _command(buf, s, e, cmd_kind)
        if q < 0:
            return UNUSUAL
        at = C_OTHERS if k == col.OTHER else k
        if fill:
            kind[i], row[i], span[i, 0], span[i, 1] = k, cnt[at], s, e
        cnt[at] += 1
        if k == col.OTHER:
            continue
        r = cnt[k] - 1
        if k == col.OPEN_CUSTOMER:
            nums, strs = oc_n, oc_s
        elif k == col.ISSUE_INVOICE:
            nums, strs = ii_n, ii_s
        elif k == col.RECORD_PAYMENT:
            nums, strs = rp_n, rp_s
        elif k == col.ISSUE_CREDIT_NOTE:
            nums, strs = cn_n, cn_s
        else:
            nums, strs = ap_n, ap_s
        tab = kids[k, 2]
        c_at = C_LINES if tab == 0 else C_ALLOCS
        first = cnt[c_at]
        kid_n, kid_s = (ln_n, ln_s) if tab == 0 else (al_n, al_s)
        if _body(buf, q, e, k, i, r, nums, strs, env, act, addr, child, tab, cnt, c_at,
                 kid_n, kid_s, fill) != OK:
            return UNUSUAL
        if tab >= 0 and fill:
            nums[r, kids[k, 0]] = first
            nums[r, kids[k, 1]] = cnt[c_at] - first
    return OK


# ---- the batch -----------------------------------------------------------------------------

class WireRows(Sequence):
    """A decoded batch's commands as protobuf messages, each parsed from its own bytes
    when asked for (the Python decider's refusals, OTHER commands), its actor the one in
    the columns (which authorization may have rewritten)."""

    def __init__(self, span: np.ndarray) -> None:
        self.span = span
        self.batch: col.Batch | None = None  # set once the batch is made
        self._made: dict[int, pb.Command] = {}

    def __len__(self) -> int:
        return len(self.span)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("command index out of range")
        assert self.batch is not None
        cols = self.batch.cols  # read each time: authorization replaces its string buffer
        k = int(cols.kind[i])
        if k == col.OTHER:
            return self.batch.others[int(cols.row[i])]
        cmd = self._made.get(i)
        if cmd is None:
            s, e = self.span[i].tolist()
            cmd = pb.Command.FromString(cols.sbuf[s:e].tobytes())
            getattr(cmd, col.SPECS[k].name).actor = self.batch.text(cols.env[i, 1])
            self._made[i] = cmd
        return cmd


@dataclass
class RowBatch:
    """A row Batch message decoded: the engine batch, or (when decode declined) the
    protobuf message the ordinary path takes."""

    atomic: bool
    batch: col.Batch | None = None
    message: pb.Batch | None = None


def _empty(*shape: int) -> np.ndarray:
    return np.zeros(shape, np.int64)


_NONE = (_empty(0), _empty(0), _empty(0, 2), _empty(0, 3, 2),
         *(a for k in col.SPECS for a in (_empty(0, len(col.SPECS[k].nums)),
                                          _empty(0, len(col.SPECS[k].strs), 2))),
         _empty(0, 2), _empty(0, 1, 2), _empty(0, 1), _empty(0, 1, 2))


def decode(data: bytes) -> tuple[col.Batch, bool] | None:
    """A serialized Batch as an engine batch and its atomic flag, or None when it is
    anything but plain (see the module docstring): then parse it with protobuf."""
    buf = np.frombuffer(data, np.uint8)
    cnt = np.zeros(10, np.int64)
    if _walk(buf, False, cnt, ACT, ADDR, CHILD, KIDS, CMD_KIND, *_NONE) != OK:
        return None
    n = int(cnt[C_COMMANDS])
    kind, row, span, env = _empty(n), _empty(n), _empty(n, 2), _empty(n, 3, 2)
    tables = []
    for k, spec in col.SPECS.items():
        nums = _empty(int(cnt[k]), len(spec.nums))
        for j, name in enumerate(spec.nums):
            if name in col._DATE_FIELDS:
                nums[:, j] = col.NO_DATE
        tables += [nums, _empty(int(cnt[k]), len(spec.strs), 2)]
    kids = (_empty(int(cnt[C_LINES]), 2), _empty(int(cnt[C_LINES]), 1, 2),
            _empty(int(cnt[C_ALLOCS]), 1), _empty(int(cnt[C_ALLOCS]), 1, 2))
    cnt[:] = 0
    if _walk(buf, True, cnt, ACT, ADDR, CHILD, KIDS, CMD_KIND, kind, row, span, env,
             *tables, *kids) != OK:
        raise AssertionError("the filling pass read what the counting pass did not")
    others: list[pb.Command] = []
    extra = bytearray()
    for i in np.flatnonzero(kind == col.OTHER).tolist():
        s, e = span[i].tolist()
        try:  # as one command of a Batch: protobuf's nesting limit counts from the Batch
            cmd = pb.Batch.FromString(b"\x0a" + _varint_bytes(e - s) + data[s:e]).commands[0]
        except Exception:  # noqa: BLE001 - DecodeError, RecursionError: the protobuf path
            return None
        which = cmd.WhichOneof("command")
        if which in col.KIND_OF:  # a volume kind after another field: protobuf decides
            return None
        if which:
            body = getattr(cmd, which)
            for j, name in enumerate(_ENV):
                t = getattr(body, name).encode()
                env[i, j] = (len(buf) + len(extra), len(buf) + len(extra) + len(t))
                extra += t
        others.append(cmd)
    sbuf = np.concatenate([buf, np.frombuffer(bytes(extra), np.uint8)])
    cols = col.Cols._make([kind, row, env, np.zeros(n, np.uint64), *tables, *kids, sbuf])
    rows = WireRows(span)
    rows.batch = col.Batch(cols, others, rows)
    return rows.batch, bool(cnt[C_ATOMIC])


def _varint_bytes(v: int) -> bytes:
    out = bytearray()
    while v > 0x7F:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def parse_batch(data: bytes) -> RowBatch:
    """SubmitBatchStream's request deserializer: decode, else protobuf (which raises on
    what it cannot read, as the ordinary deserializer did)."""
    got = decode(data)
    if got is None:
        msg = pb.Batch.FromString(data)
        return RowBatch(msg.atomic, message=msg)
    return RowBatch(got[1], batch=got[0])
