"""The id tables (engine/ids.py) behave as a dict per kind under any sequence of adds,
bulk adds, room reservations, truncations and copies.

Each kind grows alone, so the sequences mix kinds that grow at different times, reserve
room ahead of adds (as the compiled loop's callers do), roll back to earlier counts (the
newest ids of several kinds go at once) and copy the set (the decision book does), and
every step compares every kind with a reference model: the index of every id, that
absent ids are absent, the ids by index, the NUL-joined bytes, and the digest bytes.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from arledger.engine.ids import IdSet

KINDS = ("customer", "invoice", "request")

_id = st.text(alphabet="abcXYZ019-_.:é", min_size=0, max_size=24)
_step = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(KINDS), _id),
    st.tuples(st.just("add_many"), st.sampled_from(KINDS), st.lists(_id, max_size=300)),
    st.tuples(st.just("reserve"), st.sampled_from(KINDS),
              st.tuples(st.integers(0, 5000), st.integers(0, 100_000))),
    st.tuples(st.just("truncate"), st.just(""), st.lists(st.integers(0, 400), min_size=3,
                                                         max_size=3)),
    st.tuples(st.just("copy"), st.just(""), st.just(0)),
)


def _bulk(ids: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw = [x.encode() for x in ids]
    buf = np.frombuffer(b"".join(raw) or b"\0", np.uint8)
    ends = np.cumsum([len(r) for r in raw], dtype=np.int64)
    starts = ends - np.array([len(r) for r in raw], np.int64)
    return buf, starts, ends


def _check(ids: IdSet, model: dict[str, list[str]]) -> None:
    for k, kind in enumerate(KINDS):
        t, want = ids[kind], model[kind]
        assert t.n == len(want) == ids.counts()[k]
        for ix, name in enumerate(want):
            assert t.find(name) == ix
        assert t.find("absent-" + kind) == -1
        assert list(t) == want
        assert t.joined(np.arange(len(want))) == "\0".join(want).encode()
        raw = [x.encode() for x in want]
        assert t.digest_bytes() == b"".join(raw) + np.concatenate(
            ([0], np.cumsum([len(r) for r in raw]))).astype(np.int64).tobytes()
        if want:
            buf, s, e = _bulk([*want, "absent"])
            assert t.find_many(buf, s, e).tolist() == [*range(len(want)), -1]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(_step, max_size=40))
def test_id_tables_match_a_dict_per_kind(steps: list) -> None:
    ids = IdSet(KINDS)
    model: dict[str, list[str]] = {k: [] for k in KINDS}
    for op, kind, arg in steps:
        if op == "add":
            if arg not in model[kind]:
                assert ids[kind].add(arg) == len(model[kind])
                model[kind].append(arg)
        elif op == "add_many":
            new = [x for x in dict.fromkeys(arg) if x not in model[kind]]
            if new:
                assert ids[kind].add_many(*_bulk(new)) == len(model[kind])
                model[kind].extend(new)
        elif op == "reserve":
            ids.reserve(kind, *arg)
            n, nbytes = arg
            cap = ids.cap[KINDS.index(kind)]
            assert cap[0] >= len(model[kind]) + n and cap[1] >= 2 * (len(model[kind]) + n)
            assert cap[2] >= sum(len(x.encode()) for x in model[kind]) + nbytes
        elif op == "truncate":
            keep = [min(int(x), len(model[k])) for x, k in zip(arg, KINDS)]
            ids.truncate(tuple(keep))
            for k, n in zip(KINDS, keep):
                del model[k][n:]
        else:
            before = ids
            ids = ids.copy()
            before["customer"].add("only-in-the-original")  # the copy shares nothing
        _check(ids, model)


def test_a_kind_grows_alone() -> None:
    """Growing one kind leaves the others' arrays where they are."""
    ids = IdSet(KINDS)
    ids["customer"].add("c1")
    others = [ids.slots[0], ids.arena[0], ids.starts[0], ids.hashes[0]]
    buf, s, e = _bulk([f"INV-{i}" for i in range(10_000)])
    ids["invoice"].add_many(buf, s, e)
    assert all(a is b for a, b in zip(others, [ids.slots[0], ids.arena[0], ids.starts[0],
                                               ids.hashes[0]]))
    assert ids.cap[1, 1] >= 2 * 10_000 and ids.cap[0, 1] == 64
    assert ids["invoice"].find("INV-9999") == 9999 and ids["customer"].find("c1") == 0
