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

Reservation is for what grows large: a buffer under RESERVE_BYTES is an ordinary array,
doubled by copying (cheap at that size), so a small ledger reserves nothing. Where address
space is budgeted (a finite RLIMIT_AS or RLIMIT_DATA, or strict overcommit,
vm.overcommit_memory = 2, under which the kernel counts a MAP_NORESERVE map in full) or the map
cannot be made (another platform), `zeros` returns None and the caller lays its arrays out
tight, copying on growth as before.

Each map is advised against huge pages: with transparent huge pages `always`, a column's
first write would take a whole 2 MB page; and asked for (MADV_HUGEPAGE, this VM being
`madvise` with `defrag=madvise`), they made replay of the bench's log 0.81-0.85 s instead of
0.53-0.56 s, back to back, although a micro-benchmark touching one large array of reused
memory was faster in them.
"""

from __future__ import annotations

import mmap
import sys

import numpy as np

# The flags mmap does not name on every Python (3.12 added MAP_NORESERVE); Linux's values.
_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000 if sys.platform.startswith("linux") else 0)
_NO_HUGE = getattr(mmap, "MADV_NOHUGEPAGE", None)
# A buffer smaller than this is an ordinary array (grown by copying).
RESERVE_BYTES = 1 << 20


def _budgeted() -> bool:
    """True where reserved address space would count against a budget: a finite
    RLIMIT_AS or RLIMIT_DATA (private writable maps count against it, MAP_NORESERVE or
    not), or strict overcommit (mode 2 ignores MAP_NORESERVE)."""
    try:
        import resource
        for limit in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
            if resource.getrlimit(limit)[0] != resource.RLIM_INFINITY:
                return True
    except (ImportError, OSError, ValueError, AttributeError):
        pass
    try:
        with open("/proc/sys/vm/overcommit_memory") as f:
            return f.read().strip() == "2"
    except OSError:
        return False


# Read once: both are set for the machine (or the process) before it starts.
ENABLED = bool(_NORESERVE) and hasattr(mmap, "MAP_ANONYMOUS") and not _budgeted()


def zeros(dtype: str, n: int) -> np.ndarray | None:
    """n zeros of `dtype` in reserved, untouched address space, or None where that cannot be
    had (the caller then allocates as usual)."""
    if not ENABLED:
        return None
    nbytes = max(n * np.dtype(dtype).itemsize, mmap.PAGESIZE)
    try:
        m = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _NORESERVE)
    except (OSError, ValueError, OverflowError, MemoryError):
        return None
    if _NO_HUGE is not None:
        try:
            m.madvise(_NO_HUGE)
        except OSError:
            pass  # a kernel without transparent huge pages: nothing to advise against
    return np.frombuffer(m, dtype, count=n)


def grown(a: np.ndarray, keep: int, need: int) -> np.ndarray:
    """`a` if it holds `need` rows (its first axis), else a new array holding `a`'s first
    `keep` rows: reserved at four times `need` once that is RESERVE_BYTES or more (and
    reservation is had), else twice what `a` had (or `need`). Growing a large buffer this
    way copies it a handful of times in its life instead of at every doubling."""
    if len(a) >= need:
        return a
    row = int(np.prod(a.shape[1:], dtype=np.int64))
    rows = 4 * need
    flat = zeros(a.dtype.str, rows * row) if rows * row * a.itemsize >= RESERVE_BYTES else None
    b = (np.zeros((max(need, 2 * len(a)),) + a.shape[1:], a.dtype) if flat is None
         else flat.reshape((rows,) + a.shape[1:]))
    b[:keep] = a[:keep]
    return b
