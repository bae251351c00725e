"""What is particular to the PostgreSQL store: the writer's lease, a lost answer to a commit
that did happen, and tampering caught by the hash chain. (Everything else runs on both stores
through the parametrised `location` fixture.)"""

import pytest
from google.protobuf import json_format

from arledger.domain.errors import LedgerError
from arledger.engine import SegmentStore, open_ledger
from arledger.v1 import commands_pb2 as pb
from tests.conftest import PG_DSN, pg_connect

pytestmark = pytest.mark.postgres


def customer(cid: str) -> pb.Command:
    return json_format.ParseDict({"openCustomer": {
        "requestId": f"o-{cid}", "customerId": cid, "name": cid, "currency": "EUR",
        "openedDate": "2026-01-01"}}, pb.Command())


def test_one_writer_per_partition_the_lease_is_released_on_close(pg_namespace, clock):
    a = open_ledger(PG_DSN, namespace=pg_namespace, clock=clock)
    try:
        with pytest.raises(LedgerError) as e:
            open_ledger(PG_DSN, namespace=pg_namespace)
        assert e.value.reason == "PARTITION_LOCKED"
        # Another partition of the same database has its own lease and table.
        other = open_ledger(PG_DSN, namespace=pg_namespace, partition="1/2")
        other.close()
        a.submit([customer("A")])
    finally:
        a.close()
    b = open_ledger(PG_DSN, namespace=pg_namespace, clock=clock)
    try:
        assert set(b.state.customer_ix) == {"A"}
        assert b.submit([customer("B")])[0].status == "ACCEPTED"
    finally:
        b.close()


def test_each_partition_is_its_own_table_and_appends_are_durable_commits(pg_namespace, clock):
    led = open_ledger(PG_DSN, namespace=pg_namespace, clock=clock, partition="1/3")
    try:
        led.submit([customer(c) for c in ("A", "B", "C", "D", "E", "F") if led.partition.owns(c)])
        with pg_connect() as conn:
            tables = {t for (t,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE %s",
                (pg_namespace + "%",))}
            assert tables == {f"{pg_namespace}_p1of3"}
            (n,) = conn.execute(f'SELECT count(*) FROM "{pg_namespace}_p1of3"').fetchone()
            assert n == led.state.head_seq == 1
            assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
            # Segments are stored as they are: TOAST compression cost 20x the write.
            (storage,) = conn.execute(
                "SELECT a.attstorage FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relname = %s AND a.attname = 'state'", (f"{pg_namespace}_p1of3",)
            ).fetchone()
            assert storage == "e"
        # Written through the library's application recorder (a subclass that binds the
        # segment as a binary parameter): its notification ids and NOTIFY still work.
        from eventsourcing.postgres import PostgresApplicationRecorder
        assert isinstance(led.store.recorder, PostgresApplicationRecorder)
        assert led.store.recorder.max_notification_id() == 1
        assert led.store.get(1) == led.store.recorder.select_notifications(1, 1)[0].state
    finally:
        led.close()


def test_an_append_whose_answer_was_lost_after_it_committed_counts_as_done(pg_namespace, clock,
                                                                          monkeypatch):
    led = open_ledger(PG_DSN, namespace=pg_namespace, clock=clock)
    try:
        rec = led.store.recorder
        real = rec.insert_events

        def commit_then_lose_the_answer(events, **kw):
            real(events, **kw)  # committed ...
            return real(events, **kw)  # ... and the recorder's retry finds the key taken

        monkeypatch.setattr(rec, "insert_events", commit_then_lose_the_answer)
        (o,) = led.submit([customer("A")])
        assert o.status == "ACCEPTED"
        monkeypatch.undo()
        assert led.verify().ok and led.store.head_seq() == 1
        assert led.submit([customer("B")])[0].status == "ACCEPTED"
    finally:
        led.close()


def test_a_changed_segment_row_is_named_by_verify_and_refused_at_restart(pg_namespace, clock):
    led = open_ledger(PG_DSN, namespace=pg_namespace, clock=clock)
    for c in "ABCDE":
        led.submit([customer(c)])
    led.close()
    with pg_connect() as conn:  # one byte of segment 3's body changes, nothing else
        cur = conn.execute(f'UPDATE "{pg_namespace}_p0" SET state = set_byte(state, '
                           "length(state) - 4, get_byte(state, length(state) - 4) # 1) "
                           "WHERE originator_version = 3")
        assert cur.rowcount == 1
    offline = SegmentStore.postgres(PG_DSN, namespace=pg_namespace, writer=False)
    try:
        from arledger.engine import Ledger
        rep = Ledger(offline, clock).verify()
    finally:
        offline.close()
    assert not rep.ok and rep.first_bad_segment == 3, rep
    with pytest.raises(LedgerError) as e:
        open_ledger(PG_DSN, namespace=pg_namespace, clock=clock)
    assert e.value.reason == "LOG_CORRUPT"


def test_an_unreachable_server_is_a_typed_error():
    with pytest.raises(LedgerError) as e:
        open_ledger("postgresql://nobody@127.0.0.1:1/none")
    assert e.value.reason == "STORE_UNAVAILABLE"


def test_a_writer_whose_lease_was_lost_is_fenced_by_the_store_not_forked(pg_namespace, clock):
    """The lease session dies unnoticed (say, a network blip); a new writer takes the
    partition and appends. The old writer's next append finds its segment number taken:
    WRITER_FENCED, nothing acknowledged, and the log holds only the new writer's segments."""
    old = open_ledger(PG_DSN, namespace=pg_namespace, clock=clock)
    try:
        old.submit([customer("A")])
        lease_pid = old.store._lease.info.backend_pid
        with pg_connect() as conn:
            assert conn.execute("SELECT pg_terminate_backend(%s)", (lease_pid,)).fetchone()[0]
        new = open_ledger(PG_DSN, namespace=pg_namespace, clock=clock)  # the lease is free
        try:
            assert new.submit([customer("B")])[0].status == "ACCEPTED"
            (o,) = old.submit([customer("C")])
            assert (o.status, o.error.reason) == ("REJECTED", "WRITER_FENCED")
            (o,) = old.submit([customer("D")])  # and it stays fenced
            assert o.error.reason == "WRITER_FENCED"
            assert new.verify().ok
            assert set(new.state.customer_ix) == {"A", "B"}
            assert new.store.head_seq() == 2
        finally:
            new.close()
    finally:
        old.close()


def test_segments_read_in_binary_are_the_rows_the_library_reads(pg_namespace, clock):
    # The store reads segments as binary (engine/store.py, select_events): the same rows,
    # in the same order, as the library's own select (which sends bytea as text), for every
    # way the store asks.
    from eventsourcing.postgres import PostgresApplicationRecorder
    ledger = open_ledger(PG_DSN, namespace=pg_namespace, clock=clock)
    try:
        for k in range(6):
            ledger.submit([customer(f"C{k}{j}") for j in range(k + 1)])
        store = ledger.store
        rec = store.recorder
        assert type(rec).select_events is not PostgresApplicationRecorder.select_events
        asks = [{}, {"gt": 2}, {"gt": 1, "lte": 4}, {"desc": True, "limit": 1},
                {"gt": 0, "limit": 3}, {"gt": 6}, {"lte": 0}]
        for ask in asks:
            ours = rec.select_events(store.stream, **ask)
            theirs = PostgresApplicationRecorder.select_events(rec, store.stream, **ask)
            assert [(e.originator_id, e.originator_version, e.topic, e.state) for e in ours] \
                == [(e.originator_id, e.originator_version, e.topic, e.state)
                    for e in theirs], ask
            assert all(type(e.state) is bytes for e in ours)
        assert [s for s, _ in store.read_page(1, 3)] == [2, 3, 4]
        assert store.get(6) == PostgresApplicationRecorder.select_events(
            rec, store.stream, gt=5, lte=6)[0].state
    finally:
        ledger.close()
