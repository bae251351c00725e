"""Strings without a Python object each: segment string columns and the state's text.

- `StrColumn`: a string column of a segment, kept as the NUL-joined UTF-8 bytes it is
  stored as. Compiled code reads `bounds()` (start/end of each value); Python code may
  treat it as a list of str (materialised once, on first use).
- `TextColumn`: a growable text attribute of the state (an invoice's PO number, a
  customer's name): one byte arena, a start and a length per row. Changing a row's text
  appends the new bytes and repoints the row (master data changes are rare).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from arledger.engine.jit import kernel


@kernel
def nul_bounds(buf, n, starts, ends):
    """Start/end of each of the n NUL-separated values of buf; False if there are not n."""
    if n == 0:
        return len(buf) == 0
    k = 0
    s = 0
    for p in range(len(buf)):
        if buf[p] == 0:
            if k >= n - 1:
                return False
            starts[k] = s
            ends[k] = p
            k += 1
            s = p + 1
    if k != n - 1:
        return False
    starts[k] = s
    ends[k] = len(buf)
    return True


def _u8(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8) if data else np.zeros(0, np.uint8)


class StrColumn(Sequence):
    """A segment's string column: `n` values, NUL-joined UTF-8 (`data`)."""

    __slots__ = ("data", "n", "_bounds", "_list")

    def __init__(self, data: bytes, n: int) -> None:
        self.data = data
        self.n = n
        self._bounds: tuple[np.ndarray, np.ndarray] | None = None
        self._list: list[str] | None = None

    @classmethod
    def of(cls, values: Sequence[str]) -> StrColumn:
        col = cls("\x00".join(values).encode(), len(values))
        col._list = list(values)
        return col

    def buffer(self) -> np.ndarray:
        return _u8(self.data)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(starts, ends) of every value in `buffer()`; ValueError if `data` holds another
        number of values than `n`."""
        if self._bounds is None:
            starts = np.empty(self.n, np.int64)
            ends = np.empty(self.n, np.int64)
            if not nul_bounds(self.buffer(), self.n, starts, ends):
                raise ValueError(f"{self.n} values expected")
            self._bounds = (starts, ends)
        return self._bounds

    def tolist(self) -> list[str]:
        if self._list is None:
            values = self.data.decode().split("\x00") if self.n else []
            if len(values) != self.n:  # checked before it is kept: asked again, it raises again
                raise ValueError(f"{self.n} values expected, found {len(values)}")
            self._list = values
        return self._list

    def take(self, rows: list[int]) -> list[str]:
        """The values of some rows: cut out of the bytes when they are few (a whole
        column's split costs more than a few slices)."""
        if self._list is not None or 8 * len(rows) > self.n:
            values = self.tolist()
            return [values[i] for i in rows]
        starts, ends = self.bounds()
        data = self.data
        return [data[a:b].decode() for a, b in zip(starts[rows].tolist(), ends[rows].tolist())]

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        return self.tolist()[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StrColumn):
            return self.n == other.n and self.data == other.data
        if isinstance(other, (list, tuple)):
            return self.tolist() == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"StrColumn({self.tolist()!r})"


@kernel
def _append_many(arena, used, start, length, row0, buf, starts, ends):
    p = used
    for i in range(len(starts)):
        a, b = starts[i], ends[i]
        start[row0 + i] = p
        length[row0 + i] = b - a
        for k in range(a, b):
            arena[p] = buf[k]
            p += 1
    return p


class TextColumn:
    """Text per row of an entity (see the module docstring)."""

    def __init__(self) -> None:
        self.arena = np.zeros(256, np.uint8)
        self.used = 0
        self.start = np.zeros(64, np.int64)
        self.length = np.zeros(64, np.int32)
        self.n = 0

    def _room(self, rows: int, nbytes: int) -> None:
        if self.n + rows > len(self.start):
            cap = max(self.n + rows, 2 * len(self.start))
            for name in ("start", "length"):
                old = getattr(self, name)
                new = np.zeros(cap, old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
        if self.used + nbytes > len(self.arena):
            new = np.zeros(max(self.used + nbytes, 2 * len(self.arena)), np.uint8)
            new[: self.used] = self.arena[: self.used]
            self.arena = new

    def extend(self, col: StrColumn | Sequence[str]) -> None:
        """Append one row per value."""
        if not isinstance(col, StrColumn):
            col = StrColumn.of(list(col))
        if not col.n:
            return
        starts, ends = col.bounds()
        self._room(col.n, len(col.data))
        self.used = int(_append_many(self.arena, self.used, self.start, self.length, self.n,
                                     col.buffer(), starts, ends))
        self.n += col.n

    def set(self, row: int, value: str) -> None:
        data = value.encode()
        self._room(0, len(data))
        self.arena[self.used:self.used + len(data)] = _u8(data)
        self.start[row] = self.used
        self.length[row] = len(data)
        self.used += len(data)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, row: int) -> str:
        if not 0 <= row < self.n:
            raise IndexError(row)
        a = int(self.start[row])
        return self.arena[a:a + int(self.length[row])].tobytes().decode()

    def values(self) -> list[str]:
        return [self[i] for i in range(self.n)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (TextColumn, list, tuple)):
            return self.values() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> TextColumn:
        c = TextColumn()
        c.arena, c.used = self.arena.copy(), self.used
        c.start, c.length, c.n = self.start.copy(), self.length.copy(), self.n
        return c

    def digest_bytes(self) -> bytes:
        """The rows' current values (not the arena: superseded text does not count)."""
        return "\x00".join(self.values()).encode()
