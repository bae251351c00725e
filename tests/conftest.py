"""Fixtures shared by the tiers: a fixed clock, and a ledger on each store.

`store` is parametrised: every test that takes `ledger` (or `location`) runs once on
the embedded SQLite store and once on PostgreSQL. The PostgreSQL runs need the
server (ARLEDGER_TEST_PG_DSN, default postgresql://postgres@127.0.0.1:5432/test);
when it is down they FAIL, they never skip: deselect them explicitly with
``-m "not postgres"`` on a machine without one. Each PostgreSQL test gets its own
namespace (its own tables), dropped afterwards.
"""

import itertools
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from arledger.engine import open_ledger

T0_US = 1_790_000_000_000_000  # 2026-09-21, an arbitrary fixed start of recorded time
PG_DSN = os.environ.get("ARLEDGER_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session", autouse=True)
def kernels_ready():
    """The compiled kernels made ready once, before any test, as `arledger serve` does
    before it listens: on a clean machine (CI) they compile here, not inside the first
    test that happens to call one under a gRPC deadline."""
    from arledger.engine.warmup import warm
    warm()


@pytest.fixture
def clock():
    ticks = itertools.count(T0_US, 1_000)
    return lambda: next(ticks)


@dataclass
class Location:
    """Where a test's ledger lives: a SQLite data directory or a PostgreSQL namespace."""

    kind: str
    where: str | Path
    namespace: str = "arledger"
    opened: list = field(default_factory=list)

    def open(self, **kw):  # type: ignore[no-untyped-def]
        where = self.where
        if self.kind == "sqlite" and "partition" in kw:  # a SQLite partition is a directory
            where = Path(where) / kw["partition"].replace("/", "of")
        led = open_ledger(where, namespace=self.namespace, **kw)
        self.opened.append(led)
        return led

    def insert_raw(self, seq: int, blob: bytes, partition: str = "p0") -> None:
        """Write a segment row behind the ledger's back (another writer, or an attacker)."""
        if self.kind == "sqlite":
            import sqlite3
            con = sqlite3.connect(Path(self.where) / "ledger.db")
            with con:
                con.execute("INSERT INTO segments VALUES (?, ?, 'arledger.segment:v1', ?)",
                            (f"arledger-log-{partition}", seq, blob))
            con.close()
        else:
            with pg_connect() as conn:
                conn.execute(f'INSERT INTO "{self.namespace}_{partition}" (originator_id, '
                             "originator_version, topic, state) VALUES (%s, %s, "
                             "'arledger.segment:v1', %s)", (f"arledger-log-{partition}", seq, blob))

    def store(self):  # type: ignore[no-untyped-def]
        """The log's store opened directly (no lease, no state), as offline tools do."""
        from arledger.engine import SegmentStore
        if self.kind == "sqlite":
            return SegmentStore.sqlite(Path(self.where) / "ledger.db")
        return SegmentStore.postgres(str(self.where), namespace=self.namespace, writer=False)


def pg_connect():  # type: ignore[no-untyped-def]
    import psycopg
    try:
        return psycopg.connect(PG_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL tests need the server at {PG_DSN} ({e}). Start it "
                    "(.ci/run does), set ARLEDGER_TEST_PG_DSN, or deselect them with "
                    "-m 'not postgres'.", pytrace=False)


def drop_namespace(ns: str) -> None:
    with pg_connect() as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                            "AND tablename LIKE %s", (ns.replace("_", r"\_") + r"\_%",)).fetchall()
        for (t,) in rows:
            conn.execute(f'DROP TABLE IF EXISTS "{t}"')


@pytest.fixture
def pg_namespace():
    ns = "t" + uuid.uuid4().hex[:12]
    pg_connect().close()
    yield ns
    drop_namespace(ns)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def location(request, tmp_path):
    if request.param == "sqlite":
        loc = Location("sqlite", tmp_path / "data")
    else:
        loc = Location("postgres", PG_DSN, request.getfixturevalue("pg_namespace"))
    try:
        yield loc
    finally:
        for led in loc.opened:
            led.close()


@pytest.fixture
def ledger(location, clock):
    return location.open(clock=clock)


@pytest.fixture
def sqlite_ledger(tmp_path, clock):
    """A ledger on the SQLite store only, for tests of what is particular to it."""
    led = open_ledger(tmp_path / "data", clock=clock)
    try:
        yield led
    finally:
        led.close()
