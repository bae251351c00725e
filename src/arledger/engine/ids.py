"""Ids (customers, invoices, request ids, ...): index = order of creation within a kind.

No Python object per id. Each kind has an arena of id bytes (`starts[i]..starts[i+1]`) and
an open-addressing table (linear probing, load <= 1/2) from XXH64(id) to the index. A slot
is one uint64: the hash's high 32 bits and index + 1 (0 = empty), so a probe reads 8 bytes
and the id's bytes are compared only when the high bits match.

Every kind of an `IdSet` lives in the same four flat arrays (slots, hashes, starts, arena),
each kind in its own section (`base`), so compiled code gets all of them as a handful of
arrays and a kind number. Growing one kind lays the sections out again.

Removal is last-in-first-out only (`truncate`: a rolled-back group's new ids). That is
safe with linear probing: any id whose probe passed the removed one's slot was added
after it, so it is gone already. Growing re-inserts in index order, which keeps it so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import xxhash

from arledger.engine.hashing import xxh64
from arledger.engine.jit import inline, kernel

_EMPTY = np.uint64(0)
_LOW = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
# Columns of IdArrays.base, per kind.
SLOTS, SLOTS_SIZE, ROWS, ARENA = 0, 1, 2, 3
# Columns of IdArrays.meta, per kind.
COUNT, USED = 0, 1


class IdArrays(NamedTuple):
    slots: np.ndarray   # uint64: every kind's table
    hashes: np.ndarray  # uint64 per id
    starts: np.ndarray  # int64 per id + 1 (offsets into the kind's arena section)
    arena: np.ndarray   # uint8: the ids' bytes
    base: np.ndarray    # int64 (kinds, 4): SLOTS, SLOTS_SIZE, ROWS, ARENA per kind
    meta: np.ndarray    # int64 (kinds, 2): COUNT, USED per kind


@inline
def _slot_of(h, mask):
    return np.int64(h & np.uint64(mask))


@kernel
def id_probe(tab, kind, buf, s, e, h):
    """Index of the id buf[s:e] (hash h) of `kind`, or -1."""
    sb, size, rb, ab = tab.base[kind, 0], tab.base[kind, 1], tab.base[kind, 2], tab.base[kind, 3]
    mask = size - 1
    hi = h >> _SHIFT
    i = _slot_of(h, mask)
    n = e - s
    while True:
        v = tab.slots[sb + i]
        if v == _EMPTY:
            return -1
        if (v >> _SHIFT) == hi:
            ix = np.int64(v & _LOW) - 1
            a = ab + tab.starts[rb + ix]
            if ab + tab.starts[rb + ix + 1] - a == n:
                same = True
                for k in range(n):
                    if tab.arena[a + k] != buf[s + k]:
                        same = False
                        break
                if same:
                    return ix
        i = (i + 1) & mask


@kernel
def _place(slots, sb, size, ix, h):
    mask = size - 1
    i = _slot_of(h, mask)
    while slots[sb + i] != _EMPTY:
        i = (i + 1) & mask
    slots[sb + i] = ((h >> _SHIFT) << _SHIFT) | np.uint64(ix + 1)


@kernel
def id_add(tab, kind, buf, s, e, h):
    """Append the id buf[s:e] (hash h, not present) to `kind`; its index. Room was
    reserved (IdSet.reserve)."""
    rb, ab = tab.base[kind, 2], tab.base[kind, 3]
    ix = tab.meta[kind, 0]
    a = tab.meta[kind, 1]
    n = e - s
    for k in range(n):
        tab.arena[ab + a + k] = buf[s + k]
    tab.starts[rb + ix + 1] = a + n
    tab.hashes[rb + ix] = h
    _place(tab.slots, tab.base[kind, 0], tab.base[kind, 1], ix, h)
    tab.meta[kind, 0] = ix + 1
    tab.meta[kind, 1] = a + n
    return ix


@kernel
def id_find_many(tab, kind, buf, s, e, out_ix, h):
    """Hash every id first (into h), then probe them all (the table reads overlap)."""
    for i in range(len(s)):
        h[i] = xxh64(buf, s[i], e[i], np.uint64(0))
    for i in range(len(s)):
        out_ix[i] = id_probe(tab, kind, buf, s[i], e[i], h[i])


@kernel
def _add_many(tab, kind, buf, s, e):
    for i in range(len(s)):
        id_add(tab, kind, buf, s[i], e[i], xxh64(buf, s[i], e[i], np.uint64(0)))


@kernel
def _rehash(slots, sb, size, hashes, rb, n):
    for ix in range(n):
        _place(slots, sb, size, ix, hashes[rb + ix])


@kernel
def _unplace_last(tab, kind, keep):
    """Remove indexes >= keep of `kind`, newest first."""
    sb, size, rb = tab.base[kind, 0], tab.base[kind, 1], tab.base[kind, 2]
    mask = size - 1
    for ix in range(tab.meta[kind, 0] - 1, keep - 1, -1):
        h = tab.hashes[rb + ix]
        i = _slot_of(h, mask)
        want = ((h >> _SHIFT) << _SHIFT) | np.uint64(ix + 1)
        while tab.slots[sb + i] != want:
            i = (i + 1) & mask
        tab.slots[sb + i] = _EMPTY
    tab.meta[kind, 0] = keep
    tab.meta[kind, 1] = tab.starts[rb + keep]


@kernel
def gather_joined(arena, starts, ixs, out):
    """The ids of `ixs` (one kind's arena and starts), NUL-separated, into out."""
    p = 0
    for j in range(len(ixs)):
        if j:
            out[p] = 0
            p += 1
        for k in range(starts[ixs[j]], starts[ixs[j] + 1]):
            out[p] = arena[k]
            p += 1


class IdSet:
    """The id kinds of a book (`kinds` order = kind number); see the module docstring."""

    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.kinds = kinds
        k = len(kinds)
        # Capacity per kind: ids (rows), slots (a power of two), arena bytes.
        self.cap = np.zeros((k, 3), np.int64)
        self.cap[:] = (16, 64, 256)
        self.base = np.zeros((k, 4), np.int64)
        self.meta = np.zeros((k, 2), np.int64)
        self.slots = np.zeros(0, np.uint64)
        self.hashes = np.zeros(0, np.uint64)
        self.starts = np.zeros(0, np.int64)
        self.arena = np.zeros(0, np.uint8)
        self._layout(None)
        self.tables = {name: IdTable(self, i) for i, name in enumerate(kinds)}

    def __getitem__(self, kind: str) -> IdTable:
        return self.tables[kind]

    def _layout(self, old: IdArrays | None) -> None:
        """Lay every kind out at its capacity, copying what exists."""
        rows = self.cap[:, 0] + 1
        base = np.zeros_like(self.base)
        base[:, SLOTS_SIZE] = self.cap[:, 1]
        base[1:, SLOTS] = np.cumsum(self.cap[:, 1])[:-1]
        base[1:, ROWS] = np.cumsum(rows)[:-1]
        base[1:, ARENA] = np.cumsum(self.cap[:, 2])[:-1]
        slots = np.zeros(int(self.cap[:, 1].sum()), np.uint64)
        hashes = np.zeros(int(rows.sum()), np.uint64)
        starts = np.zeros(int(rows.sum()), np.int64)
        arena = np.zeros(int(self.cap[:, 2].sum()), np.uint8)
        if old is not None:
            for k in range(len(self.kinds)):
                n, used = int(self.meta[k, 0]), int(self.meta[k, 1])
                ob, nb = old.base[k], base[k]
                hashes[nb[ROWS]:nb[ROWS] + n] = old.hashes[ob[ROWS]:ob[ROWS] + n]
                starts[nb[ROWS]:nb[ROWS] + n + 1] = old.starts[ob[ROWS]:ob[ROWS] + n + 1]
                arena[nb[ARENA]:nb[ARENA] + used] = old.arena[ob[ARENA]:ob[ARENA] + used]
                if nb[SLOTS_SIZE] == ob[SLOTS_SIZE]:
                    slots[nb[SLOTS]:nb[SLOTS] + nb[SLOTS_SIZE]] = \
                        old.slots[ob[SLOTS]:ob[SLOTS] + ob[SLOTS_SIZE]]
                else:
                    _rehash(slots, nb[SLOTS], nb[SLOTS_SIZE], hashes, nb[ROWS], n)
        self.base[:] = base
        self.slots, self.hashes, self.starts, self.arena = slots, hashes, starts, arena

    def arrays(self) -> IdArrays:
        return IdArrays(self.slots, self.hashes, self.starts, self.arena, self.base, self.meta)

    def reserve(self, kind: str, ids: int, nbytes: int) -> bool:
        """Room for `ids` more ids of `kind`, `nbytes` bytes in all; True if laid out again."""
        return self.reserve_many({kind: (ids, nbytes)})

    def reserve_many(self, wanted: dict[str, tuple[int, int]]) -> bool:
        """Room for more ids of several kinds, {kind: (ids, bytes)}, in one layout at most;
        True if laid out again. A layout copies every kind, so when one must grow, every
        kind more than half full grows with it."""
        meta, cap = self.meta, self.cap
        for kind, (ids, nbytes) in wanted.items():  # the common case, in plain ints
            k = self.kinds.index(kind)
            n = int(meta[k, 0]) + ids
            if n > cap[k, 0] or int(meta[k, 1]) + nbytes > cap[k, 2] or 2 * n > cap[k, 1]:
                break
        else:
            return False
        need = np.zeros((len(self.kinds), 2), np.int64)
        need[:, 0], need[:, 1] = self.meta[:, 0], self.meta[:, 1]
        for kind, (ids, nbytes) in wanted.items():
            k = self.kinds.index(kind)
            need[k, 0] += ids
            need[k, 1] += nbytes
        cap = self.cap
        if not ((need[:, 0] > cap[:, 0]) | (need[:, 1] > cap[:, 2])
                | (2 * need[:, 0] > cap[:, 1])).any():
            return False
        for k in range(len(self.kinds)):
            if 2 * need[k, 0] > cap[k, 0]:
                cap[k, 0] = max(need[k, 0], 2 * cap[k, 0])
            if 2 * need[k, 1] > cap[k, 2]:
                cap[k, 2] = max(need[k, 1], 2 * cap[k, 2])
            while 2 * max(need[k, 0], cap[k, 0]) > cap[k, 1]:  # grows when the rows do
                cap[k, 1] *= 2
        self._layout(self.arrays())
        return True

    def counts(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.meta[:, COUNT])

    def truncate(self, counts: tuple[int, ...]) -> None:
        tab = self.arrays()
        for k, n in enumerate(counts):
            if n < self.meta[k, COUNT]:
                _unplace_last(tab, k, n)

    def copy(self) -> IdSet:
        c = IdSet.__new__(IdSet)
        c.kinds = self.kinds
        c.cap, c.base, c.meta = self.cap.copy(), self.base.copy(), self.meta.copy()
        c.slots, c.hashes = self.slots.copy(), self.hashes.copy()
        c.starts, c.arena = self.starts.copy(), self.arena.copy()
        c.tables = {name: IdTable(c, i) for i, name in enumerate(c.kinds)}
        return c

    def memory_bytes(self) -> int:
        return sum(a.nbytes for a in (self.slots, self.hashes, self.starts, self.arena))


class IdTable:
    """One kind of an IdSet: Python access by id (`find`, `get`, `in`) and by index
    (`name`, `names`, `ids[ix]`), and bulk work through compiled kernels."""

    def __init__(self, owner: IdSet | None = None, kind: int = 0) -> None:
        self._set = owner if owner is not None else IdSet(("id",))
        self._k = kind

    @property
    def kind(self) -> str:
        return self._set.kinds[self._k]

    def __len__(self) -> int:
        return int(self._set.meta[self._k, COUNT])

    @property
    def n(self) -> int:
        return int(self._set.meta[self._k, COUNT])

    def reserve(self, ids: int, nbytes: int) -> bool:
        return self._set.reserve(self.kind, ids, nbytes)

    def _arena(self) -> np.ndarray:
        s = self._set
        a = int(s.base[self._k, ARENA])
        return s.arena[a:a + int(s.cap[self._k, 2])]

    def _starts(self) -> np.ndarray:
        s = self._set
        r = int(s.base[self._k, ROWS])
        return s.starts[r:r + int(s.cap[self._k, 0]) + 1]

    def find(self, id_: str) -> int:
        """The index of `id_`, or -1."""
        s = self._set
        key = id_.encode()
        h = xxhash.xxh64_intdigest(key)
        sb, size, rb, ab = (int(x) for x in s.base[self._k])
        slot, start = s.slots.item, s.starts.item
        mask = size - 1
        hi = h >> 32
        i = h & mask
        while True:
            v = slot(sb + i)
            if v == 0:
                return -1
            if v >> 32 == hi:
                ix = (v & 0xFFFFFFFF) - 1
                a, b = start(rb + ix), start(rb + ix + 1)
                if b - a == len(key) and s.arena[ab + a:ab + b].tobytes() == key:
                    return ix
            i = (i + 1) & mask

    def get(self, id_: str) -> int | None:
        ix = self.find(id_)
        return None if ix < 0 else ix

    def __contains__(self, id_: object) -> bool:
        return isinstance(id_, str) and self.find(id_) >= 0

    def add(self, id_: str) -> int:
        """Append one new id (the caller checked it is absent); returns its index."""
        key = id_.encode()
        self.reserve(1, len(key))
        buf = np.frombuffer(key, dtype=np.uint8) if key else np.zeros(1, np.uint8)
        return int(id_add(self._set.arrays(), self._k, buf, 0, len(key),
                          np.uint64(xxhash.xxh64_intdigest(key))))

    def name(self, ix: int) -> str:
        st = self._starts()
        return self._arena()[int(st[ix]):int(st[ix + 1])].tobytes().decode()

    def __getitem__(self, ix: int | slice) -> Any:
        if isinstance(ix, slice):
            return self.names(np.arange(self.n)[ix])
        if not 0 <= ix < self.n:
            raise IndexError(ix)
        return self.name(ix)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names(np.arange(self.n)))

    def names(self, ixs: np.ndarray) -> list[str]:
        """Ids of many indexes at once (one gather, one decode, one split)."""
        if not len(ixs):
            return []
        return self.joined(ixs).decode().split("\x00")

    def joined(self, ixs: np.ndarray) -> bytes:
        """The ids of `ixs` as one NUL-joined bytes object (a segment's string column)."""
        ixs = np.asarray(ixs, dtype=np.int64)
        if not len(ixs):
            return b""
        st = self._starts()
        lens = st[ixs + 1] - st[ixs]
        out = np.empty(int(lens.sum()) + len(ixs) - 1, np.uint8)
        gather_joined(self._arena(), st, ixs, out)
        return out.tobytes()

    def find_many(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Index (or -1) of each id buf[starts[i]:ends[i]]."""
        ix = np.empty(len(starts), np.int64)
        id_find_many(self._set.arrays(), self._k, buf, starts, ends, ix,
                     np.empty(len(starts), np.uint64))
        return ix

    def add_many(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> int:
        """Append ids known to be new; returns the first new index."""
        first = self.n
        self.reserve(len(starts), int((ends - starts).sum()))
        _add_many(self._set.arrays(), self._k, buf, starts, ends)
        return first

    def truncate(self, n: int) -> None:
        """Forget the ids with index >= n (newest first)."""
        if n < self.n:
            _unplace_last(self._set.arrays(), self._k, n)

    def digest_bytes(self) -> bytes:
        """What identifies the ids (their bytes and boundaries; the table follows from them)."""
        n, used = self.n, int(self._set.meta[self._k, USED])
        return self._arena()[:used].tobytes() + self._starts()[: n + 1].tobytes()


class IdIndex:
    """An IdTable seen as a mapping from id to index (`index[id]`, `get`, `in`)."""

    def __init__(self, table: IdTable) -> None:
        self.table = table

    def __getitem__(self, id_: str) -> int:
        ix = self.table.find(id_)
        if ix < 0:
            raise KeyError(id_)
        return ix

    def get(self, id_: str, default: int | None = None) -> int | None:
        ix = self.table.find(id_)
        return default if ix < 0 else ix

    def __contains__(self, id_: object) -> bool:
        return id_ in self.table

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)
