"""Arrays that grow in place: address space reserved up front, memory taken as it is written.

A growable column used to be a numpy array that, when full, was copied into one twice its
size. On these VMs the copy was the small part: every page of the new array is touched
afresh, and a first touch costs 0.3-3 ms per MB (a fault in the guest, often one in the
host too), so a table that doubled from 1 to 64 MB touched 127 MB to hold 64. `zeros(n)`
instead maps n elements of anonymous memory without reserving swap for them
(MAP_NORESERVE): the kernel backs a page only when it is first written, so a column laid
out at a generous *stride* grows by raising its capacity, with no copy and every page
touched once. Unwritten reservation costs address space (of which a 64-bit process has
~128 TB) and no memory.

Where the map cannot be made (a platform without it, an address-space limit, strict
overcommit) `zeros` returns None and the caller lays its arrays out tight, copying on
growth as before.

No huge pages are asked for: advised on these columns (MADV_HUGEPAGE, the machine's
transparent huge pages being `madvise` with `defrag=madvise`), replay of the bench's log
took 0.81-0.85 s instead of 0.53-0.56 s, back to back (compaction to find each 2 MB page at
the fault, probably), although a micro-benchmark touching one large array in reused memory
was faster in them.
"""

from __future__ import annotations

import mmap
import sys

import numpy as np

# The flags mmap does not name on every Python (3.12 added MAP_NORESERVE); Linux's values.
_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000 if sys.platform.startswith("linux") else 0)


def zeros(dtype: str, n: int) -> np.ndarray | None:
    """n zeros of `dtype` in reserved, untouched address space, or None where that cannot be
    had (the caller then allocates as usual)."""
    if not _NORESERVE or not hasattr(mmap, "MAP_ANONYMOUS"):
        return None
    nbytes = max(n * np.dtype(dtype).itemsize, mmap.PAGESIZE)
    try:
        m = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _NORESERVE)
    except (OSError, ValueError, OverflowError, MemoryError):
        return None
    return np.frombuffer(m, dtype, count=n)


def grown(a: np.ndarray, keep: int, need: int, floor: int = 1 << 16) -> np.ndarray:
    """`a` if it holds `need` elements (along its first axis), else a new array, reserved
    at four times `need` (at least `floor`) where it can be and twice otherwise, holding
    `a`'s first `keep` rows: growing a buffer this way copies it a handful of times in its
    life instead of at every doubling."""
    if len(a) >= need:
        return a
    row = int(np.prod(a.shape[1:], dtype=np.int64))
    rows = max(4 * need, floor)
    flat = zeros(a.dtype.str, rows * row)
    b = (np.zeros((max(need, 2 * len(a)),) + a.shape[1:], a.dtype) if flat is None
         else flat.reshape((rows,) + a.shape[1:]))
    b[:keep] = a[:keep]
    return b
