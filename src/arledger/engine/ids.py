"""Ids (customers, invoices, request ids, ...): index = order of creation within a kind.

No Python object per id. Each kind has an arena of id bytes (`starts[i]..starts[i+1]`) and
an open-addressing table (linear probing, load <= 1/2) from XXH64(id) to the index. A slot
is one uint64: the hash's high 32 bits and index + 1 (0 = empty), so a probe reads 8 bytes
and the id's bytes are compared only when the high bits match.

Each kind has its own four arrays (slots, hashes, starts, arena); compiled code gets each
of them as a tuple indexed by kind number. A kind that runs out of room grows alone, to
what it needs or twice what it had, whichever is more (its slots to a power of two at
least twice its ids): the others are not copied, and its table is rehashed only when its
slots double (a layout of every kind at once, as before, copied and rehashed the idle
kinds too, and its memory was touched afresh each time: first touches of fresh pages are
the dearest part of growing on a VM).

Removal is last-in-first-out only (`truncate`: a rolled-back group's new ids). That is
safe with linear probing: any id whose probe passed the removed one's slot was added
after it, so it is gone already. Growing re-inserts in index order, which keeps it so.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np
import xxhash

from arledger.engine import room
from arledger.engine.hashing import xxh64
from arledger.engine.jit import inline, kernel, prefetch

_EMPTY = np.uint64(0)
_LOW = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
# Columns of IdSet.cap, per kind: capacity in ids, slots (a power of two), arena bytes.
ROWS_CAP, SLOTS_SIZE, ARENA_CAP = 0, 1, 2
# Columns of IdArrays.meta, per kind.
COUNT, USED = 0, 1
_START_CAP = (16, 64, 256)


class IdArrays(NamedTuple):
    slots: tuple[np.ndarray, ...]   # per kind, uint64: its table
    hashes: tuple[np.ndarray, ...]  # per kind, uint64 per id
    starts: tuple[np.ndarray, ...]  # per kind, int64 per id + 1 (offsets into its arena)
    arena: tuple[np.ndarray, ...]   # per kind, uint8: the ids' bytes
    meta: np.ndarray                # int64 (kinds, 2): COUNT, USED per kind


@inline
def slot_of(h, mask):
    """The first slot an id of hash h is probed at, in a table of mask + 1 slots."""
    return np.int64(h & np.uint64(mask))


@inline
def id_probe(tab, kind, buf, s, e, h):
    """Index of the id buf[s:e] (hash h) of `kind`, or -1."""
    return _probe(tab.slots[kind], tab.starts[kind], tab.arena[kind], buf, s, e, h)


@kernel
def _probe(slots, starts, arena, buf, s, e, h):
    # A kernel of its own over one kind's arrays: a compiled call passes its arguments by
    # value, and the whole id tables (every kind's) are some 300 machine words.
    mask = len(slots) - 1
    hi = h >> _SHIFT
    i = slot_of(h, mask)
    n = e - s
    while True:
        v = slots[i]
        if v == _EMPTY:
            return -1
        if (v >> _SHIFT) == hi:
            ix = np.int64(v & _LOW) - 1
            a = starts[ix]
            if starts[ix + 1] - a == n:
                same = True
                for k in range(n):
                    if arena[a + k] != buf[s + k]:
                        same = False
                        break
                if same:
                    return ix
        i = (i + 1) & mask


@inline
def want_id(tab, kind, buf, s, e):
    """Request the cache line where the id buf[s:e] of `kind` is probed first (a hint for
    a loop about to look it up: see apply.PREFETCH_MIN)."""
    slots = tab.slots[kind]
    prefetch(slots, slot_of(xxh64(buf, s, e, np.uint64(0)), len(slots) - 1))


@inline
def peek_id(tab, kind, buf, s, e):
    """The index the id buf[s:e] of `kind` most likely has (the first slot whose high hash
    bits match; its bytes are not compared), or -1: only to choose rows to prefetch."""
    slots = tab.slots[kind]
    mask = len(slots) - 1
    h = xxh64(buf, s, e, np.uint64(0))
    hi = h >> _SHIFT
    i = slot_of(h, mask)
    while True:
        v = slots[i]
        if v == _EMPTY:
            return np.int64(-1)
        if (v >> _SHIFT) == hi:
            return np.int64(v & _LOW) - 1
        i = (i + 1) & mask


@kernel
def _place(slots, ix, h):
    mask = len(slots) - 1
    i = slot_of(h, mask)
    while slots[i] != _EMPTY:
        i = (i + 1) & mask
    slots[i] = ((h >> _SHIFT) << _SHIFT) | np.uint64(ix + 1)


@inline
def id_add(tab, kind, buf, s, e, h):
    """Append the id buf[s:e] (hash h, not present) to `kind`; its index. Room was
    reserved (IdSet.reserve)."""
    return _add(tab.slots[kind], tab.hashes[kind], tab.starts[kind], tab.arena[kind],
                tab.meta, kind, buf, s, e, h)


@kernel
def _add(slots, hashes, starts, arena, meta, kind, buf, s, e, h):
    ix = meta[kind, 0]
    a = meta[kind, 1]
    n = e - s
    for k in range(n):
        arena[a + k] = buf[s + k]
    starts[ix + 1] = a + n
    hashes[ix] = h
    _place(slots, ix, h)
    meta[kind, 0] = ix + 1
    meta[kind, 1] = a + n
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
def _rehash(slots, hashes, n):
    for ix in range(n):
        _place(slots, ix, hashes[ix])


@kernel
def _unplace_last(tab, kind, keep):
    """Remove indexes >= keep of `kind`, newest first."""
    slots, hashes = tab.slots[kind], tab.hashes[kind]
    mask = len(slots) - 1
    for ix in range(tab.meta[kind, 0] - 1, keep - 1, -1):
        h = hashes[ix]
        i = slot_of(h, mask)
        want = ((h >> _SHIFT) << _SHIFT) | np.uint64(ix + 1)
        while slots[i] != want:
            i = (i + 1) & mask
        slots[i] = _EMPTY
    tab.meta[kind, 0] = keep
    tab.meta[kind, 1] = tab.starts[kind][keep]


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
        self.cap = np.zeros((k, 3), np.int64)
        self.cap[:] = _START_CAP
        self.meta = np.zeros((k, 2), np.int64)
        self.slots = [np.zeros(_START_CAP[SLOTS_SIZE], np.uint64) for _ in kinds]
        self.hashes = [np.zeros(_START_CAP[ROWS_CAP] + 1, np.uint64) for _ in kinds]
        self.starts = [np.zeros(_START_CAP[ROWS_CAP] + 1, np.int64) for _ in kinds]
        self.arena = [np.zeros(_START_CAP[ARENA_CAP], np.uint8) for _ in kinds]
        self._arrays: IdArrays | None = None
        self.tables = {name: IdTable(self, i) for i, name in enumerate(kinds)}

    def __getitem__(self, kind: str) -> IdTable:
        return self.tables[kind]

    def _grow(self, k: int, ids: int, nbytes: int) -> None:
        """Lay kind k out again with room for `ids` ids of `nbytes` bytes in all: each
        array that is short grows to what is asked or twice what it had, whichever is more
        (geometric growth)."""
        n, used = int(self.meta[k, COUNT]), int(self.meta[k, USED])
        cap = self.cap[k]
        # Each capacity is raised only once its arrays exist (compiled code trusts it).
        if ids > cap[ROWS_CAP]:
            rows = max(ids, 2 * int(cap[ROWS_CAP]))
            hashes = room.grown(self.hashes[k], n, rows + 1)
            starts = room.grown(self.starts[k], n + 1, rows + 1)
            self.hashes[k], self.starts[k] = hashes, starts
            cap[ROWS_CAP] = rows
            self._arrays = None
        if nbytes > cap[ARENA_CAP]:
            size = max(nbytes, 2 * int(cap[ARENA_CAP]))
            self.arena[k] = room.grown(self.arena[k], used, size)
            cap[ARENA_CAP] = size
            self._arrays = None
        if 2 * ids > cap[SLOTS_SIZE]:
            size = int(cap[SLOTS_SIZE])
            while 2 * ids > size:
                size *= 2
            slots = np.zeros(size, np.uint64)
            _rehash(slots, self.hashes[k], n)
            self.slots[k] = slots
            cap[SLOTS_SIZE] = size
        self._arrays = None

    def arrays(self) -> IdArrays:
        """The tuples compiled code works on (rebuilt only after a kind grew)."""
        if self._arrays is None:
            self._arrays = IdArrays(tuple(self.slots), tuple(self.hashes), tuple(self.starts),
                                    tuple(self.arena), self.meta)
        return self._arrays

    def reserve(self, kind: str, ids: int, nbytes: int) -> bool:
        """Room for `ids` more ids of `kind`, `nbytes` bytes in all; True if laid out again."""
        return self.reserve_many({kind: (ids, nbytes)})

    def reserve_many(self, wanted: dict[str, tuple[int, int]]) -> bool:
        """Room for more ids of several kinds, {kind: (ids, bytes)}; True if any kind was
        laid out again (only the kinds that ask for more than they have are)."""
        meta, cap = self.meta, self.cap
        grew = False
        for kind, (ids, nbytes) in wanted.items():
            k = self.kinds.index(kind)
            n = int(meta[k, COUNT]) + ids
            used = int(meta[k, USED]) + nbytes
            if n > cap[k, ROWS_CAP] or used > cap[k, ARENA_CAP] or 2 * n > cap[k, SLOTS_SIZE]:
                self._grow(k, n, used)
                grew = True
        return grew

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
        c.cap, c.meta = self.cap.copy(), self.meta.copy()
        # (up to each capacity: past it an array may be address space reserved, room.py)
        rows, nbytes = self.cap[:, ROWS_CAP] + 1, self.cap[:, ARENA_CAP]
        c.slots = [a.copy() for a in self.slots]
        c.hashes = [a[:r].copy() for a, r in zip(self.hashes, rows)]
        c.starts = [a[:r].copy() for a, r in zip(self.starts, rows)]
        c.arena = [a[:b].copy() for a, b in zip(self.arena, nbytes)]
        c._arrays = None
        c.tables = {name: IdTable(c, i) for i, name in enumerate(c.kinds)}
        return c

    def memory_bytes(self) -> int:
        """Bytes at capacity (reserved address space past it holds no memory, room.py)."""
        rows = int(self.cap[:, ROWS_CAP].sum()) + len(self.kinds)
        return (8 * int(self.cap[:, SLOTS_SIZE].sum()) + 16 * rows
                + int(self.cap[:, ARENA_CAP].sum()))


class IdTable:
    """One kind of an IdSet: Python access by id (`find`, `get`, `in`) and by index
    (`name`, `names`, `ids[ix]`), and bulk work through compiled kernels."""

    def __init__(self, owner: IdSet | None = None, kind: int = 0) -> None:
        # The set's tables refer to it weakly (no cycle: a dropped set is freed at once,
        # even while the GC's permanent generation is frozen); a table made alone owns
        # its set.
        self._own = IdSet(("id",)) if owner is None else None
        self._set_ref = weakref.ref(owner if owner is not None else self._own)
        self._k = kind

    @property
    def _set(self) -> IdSet:
        s = self._set_ref()
        assert s is not None, "an id table outlived its set"
        return s

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
        return self._set.arena[self._k]

    def _starts(self) -> np.ndarray:
        return self._set.starts[self._k]

    def find(self, id_: str) -> int:
        """The index of `id_`, or -1."""
        s, k = self._set, self._k
        key = id_.encode()
        h = xxhash.xxh64_intdigest(key)
        slots, starts, arena = s.slots[k], s.starts[k], s.arena[k]
        slot, start = slots.item, starts.item
        mask = len(slots) - 1
        hi = h >> 32
        i = h & mask
        while True:
            v = slot(i)
            if v == 0:
                return -1
            if v >> 32 == hi:
                ix = (v & 0xFFFFFFFF) - 1
                a, b = start(ix), start(ix + 1)
                if b - a == len(key) and arena[a:b].tobytes() == key:
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
