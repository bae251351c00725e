"""Two readers make the decider's columns: `from_commands` reads row commands (the row-wise
RPCs, `Ledger.submit`) and `from_wire` reads a ColumnarBatch (the columnar RPC, built here
by the SDK from the same commands). For the same commands they must give the same columns:
kinds, rows, every number (dates as day numbers, where children start and how many), and
every text each string reference names (the two lay their string buffers out in different
orders, so texts are compared, not offsets). Streams: the synthetic portfolio (every kind,
other kinds riding along as whole commands) and random volume streams of the differential
test (retries, reused ids, odd currencies, non-ASCII text)."""

from __future__ import annotations

import numpy as np
import pytest

from arledger import synthetic
from arledger.engine import columnar as col
from arledger_client.columnar import ColumnarBatch
from tests.property.test_volume_differential import Stream


def _texts(c: col.Cols, refs: np.ndarray) -> list[bytes]:
    raw = c.sbuf.tobytes()
    return [raw[a:b] for a, b in refs.reshape(-1, 2).tolist()]


_KIND_OF_BLOCK = {f"{p}_n": k for k, p in ((col.OPEN_CUSTOMER, "oc"), (col.ISSUE_INVOICE, "ii"),
                                           (col.RECORD_PAYMENT, "rp"),
                                           (col.ISSUE_CREDIT_NOTE, "cn"),
                                           (col.ALLOCATE_PAYMENT, "ap"))}


def _children(c: col.Cols, k: int, nums: np.ndarray) -> list[list[tuple]]:
    """Per row of kind k, its child rows: (numbers, text) each."""
    spec = col.SPECS[k]
    first, count = spec.nums.index("[child_first]"), spec.nums.index("[child_count]")
    kn, ks = (c.ln_n, c.ln_s) if spec.child == "lines" else (c.al_n, c.al_s)
    texts = _texts(c, ks)
    return [[(tuple(kn[j].tolist()), texts[j]) for j in range(f, f + n)]
            for f, n in nums[:, [first, count]].tolist()]


def _same(cmds: list) -> None:
    rows = col.from_commands(cmds)
    cb = ColumnarBatch()
    for c in cmds:
        cb.add(c)
    wire = col.from_wire(cb.message())
    a, b = rows.cols, wire.cols
    assert a.kind.tolist() == b.kind.tolist()
    assert a.row.tolist() == b.row.tolist()
    volume = a.kind != col.OTHER  # another kind's actor and reason ride in its command
    assert _texts(a, a.env[volume]) == _texts(b, b.env[volume])
    assert _texts(a, a.env[:, 0]) == _texts(b, b.env[:, 0])  # every request id
    for name in a._fields:
        x, y = getattr(a, name), getattr(b, name)
        if name in ("kind", "row", "env", "sbuf", "ln_n", "ln_s", "al_n", "al_s"):
            continue  # children: compared below, by the rows that name them
        assert x.dtype == y.dtype and x.shape == y.shape, name
        if name.endswith("_s"):
            assert _texts(a, x) == _texts(b, y), name
        else:
            x, y = x.copy(), y.copy()
            k = _KIND_OF_BLOCK.get(name)
            if k is not None and col.SPECS[k].child:  # where its children sit may differ
                first = col.SPECS[k].nums.index("[child_first]")
                assert _children(a, k, x) == _children(b, k, y), name
                x[:, first], y[:, first] = 0, 0
            assert x.tolist() == y.tolist(), name
    assert [c.SerializeToString() for c in rows.others] == \
        [c.SerializeToString() for c in wire.others]


@pytest.mark.parametrize("stream", ["all", "volume"])
def test_row_and_columnar_readers_agree_on_the_synthetic_portfolio(stream: str) -> None:
    spec = synthetic.PortfolioSpec(customers=400, seed=3)
    n = 0
    for batch in synthetic.generate_batches(spec, 500):
        if stream == "volume":
            batch = [c for c in batch if c.WhichOneof("command") in col.KIND_OF]
        _same(batch)
        n += len(batch)
    assert n > 3_000


@pytest.mark.parametrize("seed", [1, 2, 3, 20261204])
def test_row_and_columnar_readers_agree_on_random_streams(seed: int) -> None:
    n = 0
    for batch, _atomic in Stream(seed).batches(40):
        _same(batch)
        n += len(batch)
    assert n > 300
