"""Acknowledged means durable: a SIGKILL mid-ingest loses nothing that was acknowledged, a new
writer takes over the partition, and a client that retries everything duplicates nothing. One
writer per partition (a data directory, or a PostgreSQL table)."""

import collections
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from arledger import synthetic
from arledger.domain.errors import LedgerError
from arledger.engine import open_ledger

CHILD = Path(__file__).with_name("_ingest_child.py")
CUSTOMERS, SEED, BATCH = 3000, 5, 200
WAIT_S = 120  # only a guard against a hung child; nothing asserts on time


def _lines(stream, out: queue.Queue) -> None:
    for line in stream:
        if line.endswith("\n"):  # a line cut short by the kill was never fully printed
            out.put(line.strip())
    out.put(None)


@pytest.mark.slow
def test_sigkill_mid_ingest_loses_nothing_acknowledged_a_new_writer_takes_over_and_a_full_retry_duplicates_none(  # noqa: E501
        tmp_path, location):
    with open(tmp_path / "child.err", "w") as err:
        proc = subprocess.Popen([sys.executable, str(CHILD), str(location.where),
                                 location.namespace, str(CUSTOMERS), str(SEED), str(BATCH)],
                                stdout=subprocess.PIPE, stderr=err, text=True)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True)
    reader.start()
    acked: list[str] = []
    follower = None
    try:
        while len(acked) < 12:
            line = lines.get(timeout=WAIT_S)
            assert line is not None and line != "DONE" and not line.startswith("REFUSED"), \
                (line, (tmp_path / "child.err").read_text()[-2000:])
            acked.append(line)
            if len(acked) == 1:  # while the child holds the partition, no other writer may
                with pytest.raises(LedgerError) as e:
                    location.open()
                assert e.value.reason == ("DATA_DIR_LOCKED" if location.kind == "sqlite"
                                          else "PARTITION_LOCKED")
                # ... but any number of followers may read it.
                follower = location.open(follower=True, poll_interval=0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # mid-ingest: deciding, appending or folding
        proc.wait()
    reader.join(WAIT_S)
    # Lines already in the pipe were printed after their submit returned: acknowledged too.
    while (line := lines.get_nowait()) is not None:
        acked.append(line)
    assert acked[-1] != "DONE", "the child finished before it was killed"

    batches = list(synthetic.generate_batches(
        synthetic.PortfolioSpec(customers=CUSTOMERS, seed=SEED), BATCH))
    last = int(acked[-1].split()[0])
    assert [ln.split() for ln in acked] == [
        [str(n), getattr(b[-1], b[-1].WhichOneof("command")).request_id]
        for n, b in enumerate(batches[:last + 1])]
    rid = [[getattr(c, c.WhichOneof("command")).request_id for c in b] for b in batches]
    acknowledged = [r for b in rid[:last + 1] for r in b]

    ledger = location.open()  # the new writer: the dead one's lease went with its process
    try:
        assert ledger.verify().ok
        in_log = collections.Counter(e["request_id"] for e in ledger.entries(1))
        lost = [r for r in acknowledged if r not in ledger.state.requests or r not in in_log]
        assert not lost, f"{len(lost)} acknowledged commands lost, e.g. {lost[:3]}"
        # At most the batch in flight when the child died is in the log beyond that.
        assert set(in_log) <= set(acknowledged) | set(rid[last + 1])
        head = ledger.state.head_position

        # The client retries everything it sent: the acknowledged batches and the one in flight.
        resent = batches[:last + 2]
        outs = [o for b in resent for o in ledger.submit(b)]
        status = {o.request_id: o.status for o in outs}
        assert all(status[r] == "DUPLICATE" for r in acknowledged)
        accepted = [o for o in outs if o.status == "ACCEPTED"]
        assert {o.request_id for o in accepted} <= set(rid[last + 1])
        assert not [o for o in outs if o.status == "REJECTED"]
        assert ledger.state.head_position == head + sum(o.entry_count for o in accepted)
        # Every command is in the log exactly once (a command writes 1 or 2 entries in a row).
        entries = list(ledger.entries(1))
        runs = [e["request_id"] for i, e in enumerate(entries)
                if i == 0 or entries[i - 1]["request_id"] != e["request_id"]]
        assert len(runs) == len(set(runs)) == sum(len(b) for b in resent)
        assert ledger.verify().ok
        # The follower that watched the first writer die follows the new one to the same state.
        deadline = time.monotonic() + WAIT_S
        while follower.state.head_seq < ledger.state.head_seq:
            assert time.monotonic() < deadline, follower.follow_error
            time.sleep(0.01)
        assert follower.state.digest() == ledger.state.digest()
    finally:
        ledger.close()


def test_a_second_ledger_on_the_same_data_directory_fails_with_data_dir_locked(sqlite_ledger,
                                                                             tmp_path):
    with pytest.raises(LedgerError) as e:
        open_ledger(tmp_path / "data")
    assert e.value.reason == "DATA_DIR_LOCKED"
    sqlite_ledger.close()
    open_ledger(tmp_path / "data").close()  # closing releases the directory


def test_the_store_commits_with_synchronous_full_in_wal_mode(sqlite_ledger, tmp_path):
    assert sqlite_ledger.store.synchronous_setting() == 2  # FULL
    with sqlite3.connect(tmp_path / "data" / "ledger.db") as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_a_writer_that_finds_its_next_segment_taken_is_fenced_and_writes_nothing_more(
        sqlite_ledger, tmp_path):
    ledger = sqlite_ledger
    from google.protobuf import json_format

    from arledger.v1 import commands_pb2 as pb

    def opened(n):
        return json_format.ParseDict({"openCustomer": {
            "requestId": f"o{n}", "customerId": f"C{n}", "name": "n", "currency": "EUR",
            "openedDate": "2026-01-01"}}, pb.Command())

    ledger.submit([opened(1)])
    head = ledger.state.head_position
    # Another writer (say, a second process that ignored the lock) appends segment 2 first.
    with sqlite3.connect(tmp_path / "data" / "ledger.db") as con:
        con.execute("INSERT INTO segments VALUES (?, 2, 'arledger.segment:v1', ?)",
                    (ledger.store.stream, b"someone else's segment"))
    con.close()
    for n in (2, 3):
        (o,) = ledger.submit([opened(n)])
        assert (o.status, o.error.reason) == ("REJECTED", "WRITER_FENCED")
    assert ledger.state.head_position == head
    assert set(ledger.state.customer_ix) == {"C1"}
