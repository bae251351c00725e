"""PostgreSQL: a lost writer lease is noticed at once (NOT_SERVING, LEASE_LOST), taken
again or given up (exit); the lease session has keepalives; every setting of the --store
URL reaches every connection."""

from __future__ import annotations

import time
import uuid

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from arledger.engine import open_ledger
from arledger.server.runtime import ServerSettings
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client.errors import from_rpc_error
from security_helpers import PG_DSN, start, stop

pytestmark = pytest.mark.postgres


class Loc:
    def __init__(self, ns: str) -> None:
        self.ns = ns

    def open(self, **kw):  # type: ignore[no-untyped-def]
        return open_ledger(PG_DSN, namespace=self.ns, **kw)


def wait_for(pred, timeout: float = 10.0) -> float:  # type: ignore[no-untyped-def]
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def status(ch) -> int:  # type: ignore[no-untyped-def]
    return health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=2).status


def open_customer(stub, rid: str) -> None:  # type: ignore[no-untyped-def]
    stub.OpenCustomer(cpb.OpenCustomerRequest(request_id=rid, customer_id=rid, name="A",
                                              currency="EUR", opened_date="2026-01-01"),
                      timeout=5)


def test_a_lost_lease_is_noticed_at_once_and_taken_again(tmp_path, pg_namespace):
    fatal: list[str] = []
    s = start(tmp_path, ServerSettings(lease_check_s=0.2, lease_reacquire_s=10,
                                       on_fatal=fatal.append), location=Loc(pg_namespace))
    try:
        s.server.control.watch_lease()
        store = s.ledger.store
        assert store.lease_settings() == {
            "tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
            "tcp_keepalives_count": "3", "tcp_user_timeout": "10000",
            "idle_session_timeout": "0", "statement_timeout": "10s"}
        ch = grpc.insecure_channel(s.target)
        led = lgrpc.LedgerServiceStub(ch)
        open_customer(led, "A1")
        with psycopg.connect(PG_DSN, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (store.lease_pid,))
        noticed = wait_for(lambda: status(ch) == health_pb2.HealthCheckResponse.NOT_SERVING)
        assert noticed < 1.0, noticed
        # Taken again (no one else wanted it): serving, and writing, again.
        wait_for(lambda: status(ch) == health_pb2.HealthCheckResponse.SERVING)
        open_customer(led, "A2")
        assert not fatal
        print(f"\nlease loss noticed after {noticed * 1000:.0f} ms")
        ch.close()
    finally:
        stop(s)


def test_a_lease_another_writer_took_stops_this_writer(tmp_path, pg_namespace):
    fatal: list[str] = []
    s = start(tmp_path, ServerSettings(lease_check_s=0.2, lease_reacquire_s=1.5,
                                       on_fatal=fatal.append), location=Loc(pg_namespace))
    thief = psycopg.connect(PG_DSN, autocommit=True)
    try:
        s.server.control.watch_lease()
        store = s.ledger.store
        ch = grpc.insecure_channel(s.target)
        led = lgrpc.LedgerServiceStub(ch)
        q = lgrpc.LogServiceStub(ch)
        thief.execute("SELECT pg_terminate_backend(%s)", (store.lease_pid,))
        wait_for(lambda: thief.execute("SELECT pg_try_advisory_lock(%s)",
                                       (store._lease_key(),)).fetchone()[0], 5)
        wait_for(lambda: status(ch) == health_pb2.HealthCheckResponse.NOT_SERVING)
        # Neither stale reads as 'writer' nor writes while the lease is someone else's.
        for call in (lambda: q.GetLogHead(lpb.GetLogHeadRequest(), timeout=2),
                     lambda: open_customer(led, "B1")):
            with pytest.raises(grpc.RpcError) as e:
                call()
            err = from_rpc_error(e.value)
            assert (err.code, err.reason) == ("UNAVAILABLE", "LEASE_LOST")
        wait_for(lambda: bool(fatal), 5)
        assert "not taken again" in fatal[0]
        ch.close()
    finally:
        thief.close()
        stop(s)


def test_every_store_url_setting_reaches_every_connection(pg_namespace):
    app = f"arledger-url-{uuid.uuid4().hex[:8]}"
    url = f"{PG_DSN}?application_name={app}&options=-c%20statement_timeout%3D12345"
    led = open_ledger(url, namespace=pg_namespace)
    follower = open_ledger(url, namespace=pg_namespace, follower=True, poll_interval=0.05)
    try:
        led.submit([cpb.Command(open_customer=cpb.OpenCustomerRequest(
            request_id="o", customer_id="C", name="C", currency="EUR",
            opened_date="2026-01-01"))])
        wait_for(lambda: follower.state.head_seq == led.state.head_seq)
        for store in (led.store, follower.store):
            with store.recorder.datastore.get_connection() as conn:  # the data pool
                assert conn.execute("SHOW application_name").fetchone()["application_name"] == app
                assert conn.execute("SHOW statement_timeout").fetchone()[
                    "statement_timeout"] == "12345ms"
        assert led.store._lease.execute("SHOW application_name").fetchone()[0] == app
        assert follower.store._listener.execute("SHOW application_name").fetchone()[0] == app
        with psycopg.connect(PG_DSN, autocommit=True) as admin:
            n = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                              (app,)).fetchone()[0]
        assert n >= 4  # lease, writer pool, follower pool, follower listener
    finally:
        follower.close()
        led.close()


def test_a_closed_writer_gives_its_lease_back_before_close_returns():
    # Closing only the lease connection left the server to notice the disconnect in its
    # own time: a writer opened right after (a restart; a test reopening the ledger under
    # load) sometimes found the partition still locked (PARTITION_LOCKED).
    ns = "lease_" + uuid.uuid4().hex[:10]
    held = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = %s")
    with psycopg.connect(PG_DSN, autocommit=True) as watcher:
        for _ in range(10):
            led = open_ledger(PG_DSN, namespace=ns)
            key = led.store._lease_key()
            assert watcher.execute(held, (key,)).fetchone()[0] == 1  # the query sees it held
            led.close()
            assert watcher.execute(held, (key,)).fetchone()[0] == 0
        watcher.execute(f'DROP TABLE IF EXISTS "{ns}_p0"')
