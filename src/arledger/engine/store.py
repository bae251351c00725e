"""The durable log: segments stored through the eventsourcing library's recorders.

A partition's log is one stream (originator id ``arledger-log-<partition>``)
whose version is the segment number. The recorder's primary key on
(originator_id, originator_version) is the fence: a second writer that tries
to append a segment number already taken gets an integrity error, never a
fork.

Two stores, one interface:

- SQLite (the embedded default): ``SQLiteApplicationRecorder`` in WAL mode with
  ``synchronous=FULL`` on every connection, so a segment is on disk before the
  append returns and the writer acknowledges. One file per data directory; the
  writer's lease is an flock on the directory (ledger.py).
- PostgreSQL (scale-out): ``PostgresApplicationRecorder`` (psycopg), one table
  per partition (``<namespace>_<partition>``) so partitions never wait on each
  other's table lock. The writer's lease is a session advisory lock held for the
  life of the process: a second writer for the partition is refused at start
  (PARTITION_LOCKED); if a lease is lost without the writer noticing, the
  primary key still fences it on its next append (WRITER_FENCED). The recorder
  NOTIFYs the table's channel on every insert, which followers LISTEN to.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import select
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteConnectionPool, SQLiteDatastore

from arledger.domain.errors import LedgerError, error
from arledger.engine.partition import Partition

log = logging.getLogger("arledger.store")

TOPIC = "arledger.segment:v1"


class _LeaseClientSettings(TypedDict):  # libpq parameters (psycopg.connect's keywords)
    keepalives: int
    keepalives_idle: int
    keepalives_interval: int
    keepalives_count: int
    tcp_user_timeout: int


# The lease session must notice a dead peer in seconds, both ways: libpq's keepalives and
# TCP_USER_TIMEOUT (the writer sees a dead server), and the server's own settings for the
# session (PostgreSQL sees a dead writer and frees the advisory lock). Without them a
# half-open connection holds the lease for the kernel's default: about two hours.
LEASE_CLIENT_SETTINGS: _LeaseClientSettings = {
    "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
    "tcp_user_timeout": 10_000}
LEASE_SERVER_SETTINGS = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
                         "tcp_keepalives_count": "3", "tcp_user_timeout": "10000",
                         "idle_session_timeout": "0", "statement_timeout": "10s"}
# Parts of a URL the recorder's pool takes as arguments; every other setting of the URL
# (sslmode, sslrootcert, application_name, options, target_session_attrs, ...) is passed
# to every connection as it is.
_POOL_ARGS = ("dbname", "host", "port", "user", "password")
_NAMESPACE = re.compile(r"[a-z][a-z0-9_]{0,31}")  # full match: "$" would let "ns\n" in
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


class _DurablePool(SQLiteConnectionPool):
    """The library's pool, with synchronous=FULL set explicitly on each connection."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn._sqlite_conn.execute("PRAGMA synchronous=FULL")
        return conn


class SegmentStore:
    """Append and read segments of one partition's log."""

    kind = "sqlite"

    # How long close() waits for database calls already running in other threads.
    CLOSE_WAIT_S = 30.0

    # Called after each durable append with (segment bytes, seconds): metrics.
    on_append: Any = None

    def __init__(self, recorder: Any, partition: str = "p0") -> None:
        self.recorder = recorder
        self.stream = f"arledger-log-{partition}"
        # Database calls in flight, so that close() never closes a connection under a call
        # another thread is making (a request handler still streaming when the server stops:
        # SQLite would be freed under it).
        self._calls = 0
        self._closed = False
        self._idle = threading.Condition()

    def _call(self, fn: Any, *args: Any, **kw: Any) -> Any:
        """Run one database call unless the store is closed (STORE_UNAVAILABLE)."""
        with self._idle:
            if self._closed:
                raise error("STORE_UNAVAILABLE", f"the log store {self.stream} is closed")
            self._calls += 1
        try:
            return fn(*args, **kw)
        finally:
            with self._idle:
                self._calls -= 1
                if not self._calls:
                    self._idle.notify_all()

    @classmethod
    def sqlite(cls, path: Path, partition: str = "p0") -> SegmentStore:
        # Created 0600 (SQLite gives its -wal and -shm files the database file's mode).
        if not Path(path).exists():
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        ds = SQLiteDatastore(str(path), originator_id_type="text", pool_size=4)
        old = ds.pool
        ds.pool = _DurablePool(db_name=old.db_name, lock_timeout=old.lock_timeout, pool_size=4)
        old.close()
        rec = SQLiteApplicationRecorder(ds, events_table_name="segments")
        rec.create_table()
        return cls(rec, partition)

    @classmethod
    def postgres(cls, dsn: str, partition: Partition | str = "0/1", *,
                 namespace: str = "arledger", writer: bool = True) -> PostgresSegmentStore:
        return PostgresSegmentStore(dsn, Partition.parse(partition), namespace=namespace,
                                    writer=writer)

    def describe(self) -> str:
        return f"sqlite:{self.recorder.datastore.pool.db_name}"

    def synchronous_setting(self) -> int:
        """The PRAGMA synchronous of a pooled connection (2 = FULL)."""
        def ask() -> int:
            with self.recorder.datastore.transaction(commit=False) as c:
                c.execute("PRAGMA synchronous")
                return int(c.fetchone()[0])
        return self._call(ask)

    def append(self, seq: int, blob: bytes) -> None:
        """Durably store segment `seq`. Raises WRITER_FENCED or STORE_UNAVAILABLE."""
        t0 = time.perf_counter()
        try:
            self._call(self.recorder.insert_events, [StoredEvent(self.stream, seq, TOPIC, blob)])
            if self.on_append is not None:
                self.on_append(blob, time.perf_counter() - t0)
        except IntegrityError:
            # Our own earlier attempt may have committed before its answer was lost (the
            # recorder retries a dropped connection): the same bytes there are a success.
            if self._stored_equals(seq, blob):
                return
            raise error("WRITER_FENCED", f"segment {seq} already exists: another writer "
                        "appended to this log") from None
        except (PersistenceError, sqlite3.Error, OSError) as e:
            raise error("STORE_UNAVAILABLE", f"appending segment {seq} failed: {e}") from None

    def _stored_equals(self, seq: int, blob: bytes) -> bool:
        try:
            return self.get(seq) == blob
        except Exception:  # noqa: BLE001 - an unreadable store cannot prove it was ours
            return False

    def read(self, after_seq: int = 0, page: int = 64) -> Iterator[tuple[int, bytes]]:
        """(seq, bytes) of every segment after `after_seq`, in order."""
        gt = after_seq
        while True:
            rows = self._call(self.recorder.select_events, self.stream, gt=gt, limit=page)
            for r in rows:
                yield r.originator_version, bytes(r.state)
            if len(rows) < page:
                return
            gt = rows[-1].originator_version

    def read_page(self, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        """(seq, bytes) of at most `limit` segments after `after_seq`, in order: one call."""
        rows = self._call(self.recorder.select_events, self.stream, gt=after_seq, limit=limit)
        return [(r.originator_version, bytes(r.state)) for r in rows]

    def get(self, seq: int) -> bytes | None:
        rows = self._call(self.recorder.select_events, self.stream, gt=seq - 1, lte=seq)
        return bytes(rows[0].state) if rows else None

    def head_seq(self) -> int:
        rows = self._call(self.recorder.select_events, self.stream, desc=True, limit=1)
        return rows[0].originator_version if rows else 0

    def wait_for_append(self, timeout: float, stop: threading.Event) -> None:
        """Block until another process may have appended: at most `timeout` seconds, or
        until `stop` is set. SQLite has no notification: this is the polling interval."""
        stop.wait(timeout)

    def close(self) -> None:
        """Refuse new database calls, wait for the ones in flight, then close."""
        with self._idle:
            self._closed = True
            self._idle.wait_for(lambda: not self._calls, timeout=self.CLOSE_WAIT_S)
        self.recorder.datastore.close()


class PostgresSegmentStore(SegmentStore):
    kind = "postgres"

    def __init__(self, dsn: str, partition: Partition, *, namespace: str = "arledger",
                 writer: bool = True) -> None:
        import psycopg
        from eventsourcing.postgres import PostgresDatastore
        from psycopg.conninfo import conninfo_to_dict

        if not isinstance(namespace, str) or not _NAMESPACE.fullmatch(namespace):
            raise error("INVALID_PARTITION", f"namespace must be {_NAMESPACE.pattern}")
        try:
            p = conninfo_to_dict(dsn)
        except psycopg.Error as e:
            raise error("STORE_UNAVAILABLE", f"bad PostgreSQL DSN: {e}") from None
        self.dsn = dsn
        self.table = f"{namespace}_{partition.name}"
        self._psycopg = psycopg
        self._lease: Any = None
        self._listener: Any = None
        self.lease_held = False
        self._lease_stop = threading.Event()
        try:
            ds = PostgresDatastore(
                dbname=str(p.get("dbname", "postgres")), host=str(p.get("host", "127.0.0.1")),
                port=str(p.get("port", 5432)), user=str(p.get("user", "")),
                password=str(p.get("password", "")), originator_id_type="text",
                pool_size=2, max_overflow=6, connect_timeout=5)
            pool_kwargs = ds.pool.kwargs
            assert isinstance(pool_kwargs, dict)  # eventsourcing passes its kwargs as a dict
            pool_kwargs.update({k: v for k, v in p.items() if k not in _POOL_ARGS})
            rec = _binary_recorder_class()(ds, events_table_name=self.table)
            if writer:
                self._take_lease()
            _create_table(rec)
            if writer:
                self._store_uncompressed(rec)
        except LedgerError:
            self.close_lease()
            raise
        except (PersistenceError, psycopg.Error, OSError) as e:
            self.close_lease()
            raise error("STORE_UNAVAILABLE", f"PostgreSQL at {_safe(p)}: {e}") from None
        super().__init__(rec, partition.name)

    def describe(self) -> str:
        from psycopg.conninfo import conninfo_to_dict
        return f"postgresql:{_safe(conninfo_to_dict(self.dsn))} table {self.table}"

    def _store_uncompressed(self, rec: Any) -> None:
        """Keep segment bytes out of TOAST's pglz compression.

        Measured here: appending a 2.4 MB segment took 177 ms compressed, 9 ms stored as is
        (EXTERNAL: out of line, uncompressed). Segments are already compact columns; the
        compressor cost 20x the write for a few tens of percent of space.
        """
        with rec.datastore.transaction(commit=True) as cur:
            cur.execute("SELECT a.attstorage FROM pg_attribute a JOIN pg_class c ON "
                        "c.oid = a.attrelid WHERE c.relname = %s AND a.attname = 'state'",
                        (self.table,))
            row = cur.fetchone()
            if row and row["attstorage"] != "e":
                cur.execute(f'ALTER TABLE "{self.table}" ALTER COLUMN state SET STORAGE EXTERNAL')

    def _lease_key(self) -> int:
        h = hashlib.blake2b(f"arledger-writer:{self.table}".encode(), digest_size=8).digest()
        return int.from_bytes(h, "big", signed=True)

    def _take_lease(self) -> None:
        conn = self._psycopg.connect(self.dsn, autocommit=True, connect_timeout=5,
                                     **LEASE_CLIENT_SETTINGS)
        for name, value in LEASE_SERVER_SETTINGS.items():
            try:
                conn.execute(f"SET {name} = '{value}'")
            except self._psycopg.Error:  # an older server lacks the setting: keep the rest
                pass
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._lease_key(),)).fetchone()
        got = row is not None and row[0]  # one row, always: the lock function's boolean
        if not got:
            conn.close()
            raise error("PARTITION_LOCKED", f"another writer holds {self.table}; start a "
                        "follower to read it, or stop that writer first")
        self._lease = conn
        self.lease_held = True

    def lease_settings(self) -> dict[str, str]:
        """The lease session's keepalive and timeout settings, as the server reports them."""
        return {name: self._lease.execute(f"SHOW {name}").fetchone()[0]
                for name in LEASE_SERVER_SETTINGS}

    @property
    def lease_pid(self) -> int:
        """The backend pid of the lease session (for operators and tests)."""
        return self._lease.info.backend_pid

    def append(self, seq: int, blob: bytes) -> None:
        if self._lease_watched and not self.lease_held:
            raise error("LEASE_LOST", f"the writer lease of {self.table} is lost; segment "
                        f"{seq} not appended")
        super().append(seq, blob)

    _lease_watched = False

    def watch_lease(self, on_change: Any, interval_s: float = 1.0) -> None:
        """Watch the lease session in a thread: its loss is noticed at once (the socket
        turns readable when the backend ends) or within `interval_s` (a ping); then
        appends are refused (LEASE_LOST), `on_change(False)` is called, and the lease is
        tried again every `interval_s`: `on_change(True)` once it is held again."""
        self._lease_watched = True

        def run() -> None:
            while not self._lease_stop.is_set():
                if self.lease_held:
                    if self._lease_alive(interval_s) or self._lease_stop.is_set():
                        continue
                    self.lease_held = False
                    conn, self._lease = self._lease, None
                    try:
                        conn.close()
                    except Exception:  # noqa: BLE001
                        pass
                    log.warning("writer lease lost", extra={"event": "lease_lost",
                                                            "table": self.table})
                    on_change(False)
                else:
                    if self._lease_stop.wait(interval_s):
                        return
                    try:
                        self._take_lease()
                    except (LedgerError, self._psycopg.Error, OSError):
                        continue
                    log.warning("writer lease taken again", extra={"event": "lease_regained",
                                                                   "table": self.table})
                    on_change(True)

        threading.Thread(target=run, daemon=True, name="arledger-lease").start()

    def _lease_alive(self, timeout: float) -> bool:
        conn = self._lease
        if conn is None:
            return False
        try:
            select.select([conn.pgconn.socket], [], [], timeout)
            if self._lease_stop.is_set():
                return True
            conn.execute("SELECT 1")
            return True
        except (self._psycopg.Error, OSError, ValueError):
            return False

    def wait_for_append(self, timeout: float, stop: threading.Event) -> None:
        """LISTEN on the table's channel (the recorder NOTIFYs it on every insert), in
        short slices so that `stop` is honoured promptly."""
        end = time.monotonic() + timeout
        try:
            if self._listener is None:
                self._listener = self._psycopg.connect(self.dsn, autocommit=True,
                                                       connect_timeout=5)
                self._listener.execute(f'LISTEN "{self.recorder.channel_name}"')
            while not stop.is_set() and (left := end - time.monotonic()) > 0:
                for _ in self._listener.notifies(timeout=min(left, 0.25), stop_after=1):
                    return
        except self._psycopg.Error:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            stop.wait(max(end - time.monotonic(), 0))

    def close_lease(self) -> None:
        self._lease_stop.set()
        if self.lease_held and self._lease is not None:
            # Give the lock back before closing: PostgreSQL frees a session's advisory locks
            # only when its backend exits, after the socket closes, so a writer reopened at
            # once (a restart, a replay check) could otherwise find its own lease still held
            # (PARTITION_LOCKED).
            try:
                self._lease.execute("SELECT pg_advisory_unlock(%s)", (self._lease_key(),))
            except Exception:  # noqa: BLE001 - a lost session frees it anyway
                pass
        self.lease_held = False
        for c in (self._lease, self._listener):
            if c is not None:
                try:
                    c.close()
                except Exception:  # noqa: BLE001
                    pass
        self._lease = self._listener = None

    def close(self) -> None:
        super().close()
        self.close_lease()


@functools.cache
def _binary_recorder_class() -> type:
    """The library's PostgresApplicationRecorder, sending a segment as a binary parameter.

    The library inserts events as an array of a composite type, which psycopg dumps as
    text: every byte of a multi-megabyte segment escaped by a Python regex and parsed back
    by the server (measured: 253 ms to append a 4 MB segment, against 39 ms for a plain
    binary INSERT). Same table, same transaction, table lock, NOTIFY and returned
    notification id; only the one-row insert differs.
    """
    from eventsourcing.persistence import InterfaceError, OperationalError
    from eventsourcing.postgres import PostgresApplicationRecorder
    from eventsourcing.utils import retry
    from psycopg.sql import SQL, Identifier

    class BinarySegmentRecorder(PostgresApplicationRecorder):
        def __init__(self, datastore: Any, *, events_table_name: str) -> None:
            super().__init__(datastore, events_table_name=events_table_name)
            table = {"schema": Identifier(datastore.schema),
                     "table": Identifier(events_table_name)}
            self._insert_one = SQL(
                "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
                "VALUES (%s, %s, %s, %b) RETURNING notification_id").format(**table)
            self._select = SQL("SELECT originator_version, topic, state FROM {schema}.{table} "
                               "WHERE originator_id = %s").format(**table)

        # Reading back: the library's select has the segment bytes sent as text (hex), which
        # psycopg parses back: measured here, 0.24-0.32 s to read the bench's 21 segments
        # (59 MB) against 0.055-0.06 s sent as binary, the whole of a PostgreSQL replay's
        # read. Same rows, same retries; results in binary.
        @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
        def select_events(self, originator_id: Any, *, gt: int | None = None,
                          lte: int | None = None, desc: bool = False,
                          limit: int | None = None) -> list[StoredEvent]:
            statement, params = self._select, [originator_id]
            for cond, value in ((" AND originator_version > %s", gt),
                                (" AND originator_version <= %s", lte)):
                if value is not None:
                    statement += SQL(cond)
                    params.append(value)
            statement += SQL(" ORDER BY originator_version DESC" if desc else
                             " ORDER BY originator_version ASC")
            if limit is not None:
                statement += SQL(" LIMIT %s")
                params.append(limit)
            with self.datastore.get_connection() as conn, conn.cursor(binary=True) as curs:
                curs.execute(statement, params, prepare=True)
                return [StoredEvent(originator_id, row["originator_version"], row["topic"],
                                    bytes(row["state"])) for row in curs.fetchall()]

        def _insert_stored_events(self, curs: Any, stored_events: Any, **kwargs: Any) -> None:
            if len(stored_events) != 1:  # not arledger's use: the library's own path
                super()._insert_stored_events(curs, stored_events, **kwargs)
                return
            (e,) = stored_events
            self._lock_table(curs)
            self._notify_channel(curs)
            curs.execute(self._insert_one, (e.originator_id, e.originator_version, e.topic,
                                            e.state))

    return BinarySegmentRecorder


def _safe(p: dict) -> str:
    """host:port/dbname of a connection dict, without the password."""
    return f"{p.get('user', '')}@{p.get('host', '')}:{p.get('port', 5432)}/{p.get('dbname', '')}"


def _create_table(rec: Any) -> None:
    """The recorder's CREATE ... IF NOT EXISTS, retried when another session creates or
    replaces the same catalog rows at the same moment (PostgreSQL then answers "tuple
    concurrently updated"; seen when several servers of one database start together)."""
    import time

    import psycopg
    for attempt in range(5):
        try:
            rec.create_table()
            return
        except Exception as e:  # PersistenceError wraps psycopg's error
            cause = e if isinstance(e, psycopg.Error) else e.__cause__
            if attempt == 4 or "concurrently" not in str(cause or e):
                raise
            time.sleep(0.05 * (attempt + 1))
