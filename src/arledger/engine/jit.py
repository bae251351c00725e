"""numba, set up once: where its compiled code is cached, and the decorator every kernel uses.

Compiled kernels are cached on disk (`cache=True`): a cold first start compiles them
(measured in bench/ingest_replay.py, `cold_start_compile_s`), later starts load them. The
cache lives in `$ARLEDGER_JIT_CACHE`, else `$XDG_CACHE_HOME/arledger/numba` (by default
`~/.cache/arledger/numba`): a directory the user running arledger can write, whatever
the install location (a system site-packages is often read-only). numba reads its cache
setting when it is first imported, so this module must be imported before numba is.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    explicit = os.environ.get("ARLEDGER_JIT_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "arledger" / "numba"


if "NUMBA_CACHE_DIR" not in os.environ:
    _dir = cache_dir()
    try:
        _dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["NUMBA_CACHE_DIR"] = str(_dir)
    except OSError:  # no writable home: numba falls back to __pycache__ beside the source
        pass

import numba  # noqa: E402

# Every kernel: compiled on first use, cached on disk, releasing the GIL (so the writer's
# decide and the store thread's fold run on both cores), and without numba's reference
# counting (`_nrt=False`). Kernels never allocate or return arrays: they work on arrays
# their Python caller owns for the length of the call, so counting references buys
# nothing, and it costs: with it, every helper that reads a column of the book tuple
# increfs and decrefs the array (measured: 45 ns per column access against 1 ns). The
# option is numba's own, not public API, so pyproject pins numba below its next major.
# (`_nrt` is missing from numba's typed signature of njit, hence the two ignores.)
kernel = numba.njit(  # type: ignore[call-overload]  # _nrt: private, untyped (above)
    cache=True, nogil=True, boundscheck=False, _nrt=False)
# Small helpers (a column read, a logged write) are inlined into their callers at numba's
# level: every call site of a separately compiled function costs compile time. And a call
# from one kernel into another passes its arguments by value: the book's arrays
# (BookArrays, some 90 arrays with the id tables: ~5 KB of machine words) are copied onto
# the stack at every such call, so what runs once per entry or per command takes the book
# inline (apply._apply_one, _request, volume.find, _entry, _room ...), or a kernel of its
# own over the few arrays it needs (ids._probe, ids._add). Inlining costs compile time
# more than in proportion (numba types an inlined body again in its caller): the
# handlers of one entry type or one command kind stay kernels, one call (one copy) each.
inline = numba.njit(  # type: ignore[call-overload]  # _nrt: private, untyped (above)
    cache=True, nogil=True, boundscheck=False, _nrt=False, inline="always")

__all__ = ["cache_dir", "inline", "kernel", "numba"]
