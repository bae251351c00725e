"""Replay's second thread (engine/replay.py): records written into reused buffers equal fresh
ones, a body hash is skipped only where the next segment vouches for the whole blob, and
pages, damage and store failures behave as they did on one thread."""
import sqlite3

import numpy as np
import pytest
from test_replay import extras

from arledger import synthetic
from arledger.domain.errors import LedgerError
from arledger.engine import Ledger, SegmentStore, open_ledger, replay
from arledger.engine.records import Recs
from arledger.engine.segment import SegmentFormatError, decode, digest, prev_hash


def _filled(path, clock, customers=60, batch=80):  # type: ignore[no-untyped-def]
    """A closed ledger on `path` whose log has many segments of every shape (children,
    texts, rejections, an aborted batch); returns its digest and segment count."""
    ledger = open_ledger(path, clock=clock)
    for b in synthetic.generate_batches(synthetic.PortfolioSpec(customers=customers, seed=5),
                                        batch):
        ledger.submit(b)
    for n, b in enumerate(extras()):
        ledger.submit(b, atomic=n == 2)
    out = ledger.state.digest(), ledger.state.head_seq
    ledger.close()
    return out


def _blobs(path) -> list[bytes]:  # type: ignore[no-untyped-def]
    store = SegmentStore.sqlite(path / "ledger.db")
    try:
        return [b for _, b in store.read()]
    finally:
        store.close()


def _same(a: Recs, b: Recs) -> None:
    assert a.arr.m.tolist() == b.arr.m.tolist()
    n, ns, p, nk = a.arr.m.tolist()
    for x, y, k in ((a.arr.r, b.arr.r, n), (a.arr.s, b.arr.s, ns), (a.arr.a, b.arr.a, p),
                    (a.arr.c, b.arr.c, nk)):
        np.testing.assert_array_equal(x[:k], y[:k])


def test_records_written_into_a_used_buffer_equal_fresh_ones(tmp_path, clock):
    _filled(tmp_path / "d", clock)
    segs = [decode(b) for b in _blobs(tmp_path / "d")]
    assert len(segs) > 15
    used = Recs()
    # In log order and reversed: each segment lands on what a larger or smaller one left.
    for seg in segs + segs[::-1]:
        fresh = Recs.from_tables(seg.tables)
        again = Recs.from_tables(seg.tables, used)
        assert again is used
        _same(fresh, again)


def test_the_body_hash_is_skipped_only_for_a_blob_the_next_segment_names(tmp_path, clock,
                                                                          monkeypatch):
    _filled(tmp_path / "d", clock, customers=20, batch=100)
    blobs = _blobs(tmp_path / "d")
    checked = []
    real = replay.decode
    monkeypatch.setattr(replay, "decode",
                        lambda blob, check_body=True: checked.append(check_body) or
                        real(blob, check_body=check_body))
    seg, recs, h = replay.decoded(blobs[2], Recs(), prev_hash(blobs[3]))
    assert (checked, h, seg.seq, recs.n) == ([False], digest(blobs[2]), 3, seg.count)
    seg, _, _ = replay.decoded(blobs[2], Recs(), None)
    assert checked[-1] is True and seg.seq == 3
    # A flipped body byte: the next segment's hash no longer matches, so the body hash is
    # checked and names the damage.
    bad = bytearray(blobs[2])
    bad[len(bad) // 2] ^= 1
    seg, recs, _ = replay.decoded(bytes(bad), Recs(), prev_hash(blobs[3]))
    assert checked[-1] is True
    assert isinstance(seg, SegmentFormatError) and "body hash" in str(seg) and recs is None


@pytest.mark.parametrize("page", [1, 3, 64])
def test_replay_over_any_page_size_rebuilds_the_live_state(tmp_path, clock, monkeypatch,
                                                           page):
    live, segments = _filled(tmp_path / "d", clock)
    monkeypatch.setattr(replay, "PAGE", page)
    again = Ledger(SegmentStore.sqlite(tmp_path / "d" / "ledger.db"), clock)
    try:
        folded = []
        assert again.replay(lambda seq, total: folded.append(seq)) > 0
        assert folded == list(range(1, segments + 1))
        assert again.state.digest() == live
    finally:
        again.store.close()


# Segment 3 is the last of a page of 3 (no successor read with it: its body hash is checked)
# and segment 5 the middle of the next (its successor vouches): both stop replay exactly there.
@pytest.mark.parametrize("bad", [3, 5])
def test_a_damaged_body_stops_replay_at_its_segment_on_either_side_of_a_page(
        tmp_path, clock, monkeypatch, bad):
    _filled(tmp_path / "d", clock, customers=20, batch=100)
    with sqlite3.connect(tmp_path / "d" / "ledger.db") as con:
        blob = bytearray(con.execute("SELECT state FROM segments WHERE originator_version=?",
                                     (bad,)).fetchone()[0])
        blob[len(blob) // 2] ^= 1
        con.execute("UPDATE segments SET state=? WHERE originator_version=?",
                    (bytes(blob), bad))
    con.close()
    monkeypatch.setattr(replay, "PAGE", 3)
    offline = Ledger(SegmentStore.sqlite(tmp_path / "d" / "ledger.db"), clock)
    try:
        with pytest.raises(LedgerError) as e:
            offline.replay()
        assert e.value.reason == "LOG_CORRUPT"
        assert f"segment {bad}:" in str(e.value) and "body hash" in str(e.value)
        assert offline.state.head_seq == bad - 1
    finally:
        offline.store.close()


def test_a_store_failure_while_reading_is_raised_by_replay(tmp_path, clock, monkeypatch):
    _filled(tmp_path / "d", clock, customers=20, batch=100)
    store = SegmentStore.sqlite(tmp_path / "d" / "ledger.db")
    real = store.read_page

    def failing(after_seq: int, limit: int):  # type: ignore[no-untyped-def]
        if after_seq >= 4:
            raise sqlite3.OperationalError("disk I/O error")
        return real(after_seq, limit)
    monkeypatch.setattr(store, "read_page", failing)
    monkeypatch.setattr(replay, "PAGE", 2)
    offline = Ledger(store, clock)
    try:
        with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
            offline.replay()
        assert offline.state.head_seq == 4  # what was read before the failure is folded
    finally:
        store.close()
