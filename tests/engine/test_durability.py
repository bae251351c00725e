"""Acknowledged means durable; restart rebuilds the same state; one process per data dir."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from arledger import synthetic
from arledger.domain.errors import LedgerError
from arledger.engine import open_ledger

CHILD = Path(__file__).with_name("_ingest_child.py")


@pytest.mark.slow
def test_sigkill_during_ingest_loses_no_acknowledged_entry_and_retries_duplicate_none(tmp_path):
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, str(CHILD), str(data)], stdout=subprocess.PIPE,
                            text=True)
    acked: list[str] = []
    for line in proc.stdout:  # type: ignore[union-attr]
        assert line.strip() != "DONE", "the child finished before it could be killed"
        acked.extend(x for x in line.strip().split(",") if x)
        if len(acked) >= 3000:
            break
    os.kill(proc.pid, signal.SIGKILL)  # mid-ingest: the writer is deciding or committing
    proc.wait()
    ledger = open_ledger(data)
    try:
        known = ledger.state.requests
        lost = [rid for rid in acked if rid not in known]
        assert not lost, f"{len(lost)} acknowledged commands lost, e.g. {lost[:3]}"
        head = ledger.state.head_position
        # The client retries everything it sent (acknowledged or not): nothing is duplicated.
        cmds = list(synthetic.generate(synthetic.PortfolioSpec(customers=3000, seed=5)))
        sent = cmds[: len(acked) + 400]
        outs = [o for i in range(0, len(sent), 1000) for o in ledger.submit(sent[i:i + 1000])]
        by_status = {o.request_id: o.status for o in outs}
        assert all(by_status[rid] == "DUPLICATE" for rid in acked)
        new = sum(1 for o in outs if o.status == "ACCEPTED")
        assert all(o.status != "REJECTED" for o in outs)
        entries = sum(o.entry_count for o in outs if o.status == "ACCEPTED")
        assert ledger.state.head_position == head + entries
        assert new <= 400 + (head and 0) + len(sent)
        assert ledger.verify().ok
    finally:
        ledger.close()


def test_restart_rebuilds_a_state_with_the_same_digest(tmp_path, clock):
    ledger = open_ledger(tmp_path / "d", clock=clock)
    for batch in synthetic.generate_batches(synthetic.PortfolioSpec(customers=150, seed=2), 500):
        ledger.submit(batch)
    before = ledger.state.digest()
    head = ledger.state.head_position
    ledger.close()
    again = open_ledger(tmp_path / "d", clock=clock)
    try:
        assert again.state.head_position == head > 1000
        assert again.state.digest() == before
    finally:
        again.close()


def test_a_second_ledger_on_the_same_data_directory_fails_loudly(ledger, tmp_path):
    with pytest.raises(LedgerError) as e:
        open_ledger(tmp_path / "data")
    assert e.value.reason == "DATA_DIR_LOCKED"


def test_the_sqlite_store_runs_with_synchronous_full(ledger):
    assert ledger.store.synchronous_setting() == 2


def _ledger_with_segments(path, clock, n=5):
    led = open_ledger(path, clock=clock)
    cmds = list(synthetic.generate(synthetic.PortfolioSpec(customers=20, seed=1)))
    step = len(cmds) // n + 1
    for i in range(0, len(cmds), step):
        led.submit(cmds[i:i + step])
    segments = led.state.head_seq
    led.close()
    return segments


def _db(path):
    return sqlite3.connect(path / "ledger.db")


OFFSETS = {"flip_byte": lambda n: n // 2, "flip_header_byte": lambda n: 40,
           "flip_last_byte": lambda n: n - 1}


@pytest.mark.parametrize("damage", ["flip_byte", "flip_header_byte", "flip_last_byte", "delete",
                                    "swap", "truncate_tail"])
def test_verify_names_the_first_damaged_segment_and_restart_refuses_the_log(tmp_path, clock,
                                                                          damage):
    offset = OFFSETS.get(damage)
    data = tmp_path / "d"
    segments = _ledger_with_segments(data, clock)
    assert segments >= 4
    con = _db(data)
    if offset is not None:
        (blob,) = con.execute("SELECT state FROM segments WHERE originator_version=3").fetchone()
        blob = bytearray(blob)
        blob[offset(len(blob))] ^= 0x01
        con.execute("UPDATE segments SET state=? WHERE originator_version=3", (bytes(blob),))
        first_bad = 3
    elif damage == "delete":
        con.execute("DELETE FROM segments WHERE originator_version=2")
        first_bad = 2
    elif damage == "swap":
        a = con.execute("SELECT state FROM segments WHERE originator_version=2").fetchone()[0]
        b = con.execute("SELECT state FROM segments WHERE originator_version=3").fetchone()[0]
        con.execute("UPDATE segments SET state=? WHERE originator_version=2", (b,))
        con.execute("UPDATE segments SET state=? WHERE originator_version=3", (a,))
        first_bad = 2
    else:
        con.execute("DELETE FROM segments WHERE originator_version=?", (segments,))
        first_bad = None
    con.commit()
    con.close()
    if first_bad is None:
        # A truncated tail is a shorter valid chain: only the acknowledged head can tell.
        from arledger.engine import Ledger, SegmentStore
        ledger = Ledger(SegmentStore.sqlite(data / "ledger.db"), clock)
        ledger.state.head_seq = segments  # what the ledger had acknowledged before
        rep = ledger.verify()
        ledger.store.close()
        assert not rep.ok and rep.first_bad_segment == segments
        return
    from arledger.engine import Ledger, SegmentStore
    ledger = Ledger(SegmentStore.sqlite(data / "ledger.db"), clock)
    rep = ledger.verify()
    ledger.store.close()
    assert not rep.ok
    assert rep.first_bad_segment == first_bad, rep
    with pytest.raises(LedgerError) as e:
        open_ledger(data, clock=clock)
    assert e.value.reason == "LOG_CORRUPT"


def test_a_failed_fold_halts_writes_and_a_restart_recovers_the_stored_segment(tmp_path, clock,
                                                                               monkeypatch):
    from arledger.engine.state import State
    from arledger.v1 import commands_pb2 as pb

    def opened(n):
        return pb.Command(open_customer=pb.OpenCustomerRequest(
            request_id=f"o{n}", customer_id=f"C{n}", name="n", currency="EUR",
            opened_date="2026-01-01"))

    ledger = open_ledger(tmp_path / "d", clock=clock)
    ledger.submit([opened(1)])
    real = State.apply_segment

    def broken(self, seg, h):
        raise RuntimeError("injected fault while folding")

    monkeypatch.setattr(State, "apply_segment", broken)
    with pytest.raises(RuntimeError):
        ledger.submit([opened(2)])  # stored, not folded: the caller is not told ACCEPTED
    monkeypatch.setattr(State, "apply_segment", real)
    (o,) = ledger.submit([opened(3)])
    assert (o.status, o.error.reason) == ("REJECTED", "LEDGER_HALTED")
    ledger.close()
    again = open_ledger(tmp_path / "d", clock=clock)
    try:
        assert set(again.state.customer_ix) == {"C1", "C2"}  # the stored segment is not lost
        assert again.verify().ok
    finally:
        again.close()
