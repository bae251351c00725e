"""numba, set up once: where its compiled code is cached, and the decorator every kernel uses.

Compiled kernels are cached on disk (`cache=True`): a cold first start compiles them
(measured in bench/ingest_replay.py, `cold_start_compile_s`), later starts load them. The
cache lives in `$ARLEDGER_JIT_CACHE`, else `$XDG_CACHE_HOME/arledger/numba` (by default
`~/.cache/arledger/numba`): a directory the user running arledger can write, whatever
the install location (a system site-packages is often read-only), in a subdirectory named
by a digest of the sources the kernels are built from (`sources_digest`). numba keys a
cached kernel by its own file's timestamp and size only, so after a `git pull` that changed
a callee or a constant in another file (a column's position in book.py, a reason's code in
domain/) it would load the old machine code; a new digest is a new, empty directory
instead (caches of other sources unused for two weeks are removed). numba reads its cache
setting when it is first imported, so this module must be imported before numba is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

_PACKAGE = Path(__file__).resolve().parent.parent  # src/arledger


def sources_digest(package: Path = _PACKAGE) -> str:
    """A digest of every module a kernel is compiled from or takes a constant from: the
    engine (with the decider) and the domain rules, by path and content (~0.5 MB, ~2 ms)."""
    h = hashlib.blake2b(digest_size=8)
    for part in ("engine", "domain"):
        for f in sorted((package / part).rglob("*.py")):
            h.update(f.relative_to(package).as_posix().encode() + b"\0")
            h.update(f.read_bytes())
    return h.hexdigest()


def cache_dir() -> Path:
    explicit = os.environ.get("ARLEDGER_JIT_CACHE")
    if explicit:
        base = Path(explicit)
    else:
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        base = Path(home) / "arledger" / "numba"
    return base / sources_digest()


def prune(current: Path, days: float = 14.0) -> list[Path]:
    """Remove the caches of other sources beside `current` that no process has started
    from for `days` (a start touches its own directory); the ones removed."""
    cutoff = time.time() - days * 86400
    gone = []
    for d in current.parent.iterdir():
        if (d != current and d.is_dir() and len(d.name) == 16
                and all(c in "0123456789abcdef" for c in d.name)
                and d.stat().st_mtime < cutoff):
            shutil.rmtree(d, ignore_errors=True)
            gone.append(d)
    return gone


if "NUMBA_CACHE_DIR" not in os.environ:
    _dir = cache_dir()
    try:
        _dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.utime(_dir)
        os.environ["NUMBA_CACHE_DIR"] = str(_dir)
        prune(_dir)
    except OSError:  # no writable home: numba falls back to __pycache__ beside the source
        pass

import numba  # noqa: E402
import numba.extending  # noqa: E402

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


@numba.extending.intrinsic
def _prefetch(typingctx, arr, ix):
    """Ask the CPU for the cache line of arr[ix] (a hint: it never faults, whatever ix, and
    changes no value), so a loop can request the lines its next entries will read while it
    works on this one. LLVM keeps a prefetch where it would drop a load whose value is
    unused."""
    if not isinstance(arr, numba.types.Array) or not isinstance(ix, numba.types.Integer):
        return None

    def codegen(context, builder, signature, args):
        from llvmlite import ir  # type: ignore[import-untyped]
        from numba.core import cgutils

        ary = context.make_array(signature.args[0])(context, builder, args[0])
        where = builder.gep(ary.data, [context.cast(builder, args[1], signature.args[1],
                                                    numba.types.intp)])
        where = builder.bitcast(where, ir.IntType(8).as_pointer())  # one declaration for all
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [where.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        # read (0), keep in every cache level (3), data (1)
        builder.call(fn, [where, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return numba.types.void(arr, ix), codegen


# Called from kernels as prefetch(array, index) (numba passes the typing context itself).
prefetch = cast(Callable[[Any, Any], None], _prefetch)


__all__ = ["cache_dir", "inline", "kernel", "numba", "prefetch", "prune", "sources_digest"]
