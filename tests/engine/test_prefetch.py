"""Prefetch hints (jit.prefetch, ids.peek_id): the fold and the decide loop ask for the
cache lines of the entries ahead (apply.PREFETCH_MIN, volume.AHEAD). A hint must never
fault, whatever index it is given, nor change a value; and it must reach the machine code
(a hint LLVM dropped would make the loops slower by its index arithmetic, silently).
`peek_id` picks rows to prefetch without comparing bytes: it must name the index a
present id has, and nothing for an absent one in a table without a colliding hash.

That the hints change no decision and no state is what the differential and replay tests
check already (tests/property, tests/engine/test_replay.py): a replay or live fold of a
segment of PREFETCH_MIN entries or more takes the prefetching path, and every batch of
more than one command the decide loop's.
"""

from __future__ import annotations

import numpy as np

from arledger.engine.ids import IdSet, peek_id
from arledger.engine.jit import numba, prefetch


# Not cached (unlike the engine's kernels): numba shows the code of what it compiled in
# this process only, and the test reads it.
@numba.njit(nogil=True)
def _hinted_sum(a, ixs):
    """Prefetch a[i] for every i given (in range or not), then sum the in-range ones."""
    for i in ixs:
        prefetch(a, i)
    total = 0
    for i in ixs:
        if 0 <= i < len(a):
            total += a[i]
    return total


def test_prefetch_never_faults_nor_changes_a_value():
    a = np.arange(1_000, dtype=np.int64)
    before = a.copy()
    far = np.array([0, 999, -1, 1_000, -(1 << 40), 1 << 40, np.iinfo(np.int64).max,
                    np.iinfo(np.int64).min, 17], np.int64)
    assert _hinted_sum(a, far) == 0 + 999 + 17
    assert np.array_equal(a, before)


def test_prefetch_reaches_the_machine_code():
    _hinted_sum(np.zeros(1, np.int64), np.zeros(1, np.int64))  # compiled, whatever ran before
    llvm = next(iter(_hinted_sum.inspect_llvm().values()))
    assert "llvm.prefetch" in llvm
    asm = next(iter(_hinted_sum.inspect_asm().values()))
    assert "prefetch" in asm


def test_peek_id_names_present_ids_and_not_absent_ones():
    ids = IdSet(("invoice",))
    table = ids["invoice"]
    present = [f"INV-{k:05d}" for k in range(3_000)]  # grows the table several times
    for name in present:
        table.add(name)
    absent = [f"NOPE-{k:05d}" for k in range(3_000)]
    buf = np.frombuffer("".join(present + absent).encode(), np.uint8).copy()
    arrays = ids.arrays()
    at = 0
    for k, name in enumerate(present + absent):
        got = peek_id(arrays, 0, buf, at, at + len(name))
        want = table.find(name)
        if want >= 0:
            assert got == want, name
        else:
            # a hint may name a row of a colliding hash (never compared); none here
            assert got == -1, name
        at += len(name)
