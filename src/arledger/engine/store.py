"""The durable log: segments stored through the eventsourcing library's recorders.

A partition's log is one stream (originator id ``arledger-log-<partition>``)
whose version is the segment number. The recorder's primary key on
(originator_id, originator_version) is the fence: a second writer that tries
to append a segment number already taken gets an integrity error, never a
fork. SQLite runs in WAL mode with ``synchronous=FULL`` on every connection, so
a segment is on disk before the append returns and the writer acknowledges.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.sqlite import (SQLiteApplicationRecorder, SQLiteConnectionPool,
                                  SQLiteDatastore)

from arledger.domain.errors import error

TOPIC = "arledger.segment:v1"


class _DurablePool(SQLiteConnectionPool):
    """The library's pool, with synchronous=FULL set explicitly on each connection."""

    def _create_connection(self):  # type: ignore[no-untyped-def]
        conn = super()._create_connection()
        conn._sqlite_conn.execute("PRAGMA synchronous=FULL")
        return conn


class SegmentStore:
    """Append and read segments of one partition's log."""

    def __init__(self, recorder: SQLiteApplicationRecorder, partition: str = "p0") -> None:
        self.recorder = recorder
        self.stream = f"arledger-log-{partition}"

    @classmethod
    def sqlite(cls, path: Path, partition: str = "p0") -> "SegmentStore":
        ds = SQLiteDatastore(str(path), originator_id_type="text", pool_size=4)
        old = ds.pool
        ds.pool = _DurablePool(db_name=old.db_name, lock_timeout=old.lock_timeout, pool_size=4)
        old.close()
        rec = SQLiteApplicationRecorder(ds, events_table_name="segments")
        rec.create_table()
        return cls(rec, partition)

    def synchronous_setting(self) -> int:
        """The PRAGMA synchronous of a pooled connection (2 = FULL)."""
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute("PRAGMA synchronous")
            return int(c.fetchone()[0])

    def append(self, seq: int, blob: bytes) -> None:
        """Durably store segment `seq`. Raises WRITER_FENCED or STORE_UNAVAILABLE."""
        try:
            self.recorder.insert_events([StoredEvent(self.stream, seq, TOPIC, blob)])
        except IntegrityError:
            raise error("WRITER_FENCED", f"segment {seq} already exists: another writer "
                        "appended to this log") from None
        except (PersistenceError, sqlite3.Error, OSError) as e:
            raise error("STORE_UNAVAILABLE", f"appending segment {seq} failed: {e}") from None

    def read(self, after_seq: int = 0, page: int = 256) -> Iterator[tuple[int, bytes]]:
        """(seq, bytes) of every segment after `after_seq`, in order."""
        gt = after_seq
        while True:
            rows = self.recorder.select_events(self.stream, gt=gt, limit=page)
            for r in rows:
                yield r.originator_version, r.state
            if len(rows) < page:
                return
            gt = rows[-1].originator_version

    def get(self, seq: int) -> bytes | None:
        rows = self.recorder.select_events(self.stream, gt=seq - 1, lte=seq)
        return rows[0].state if rows else None

    def head_seq(self) -> int:
        rows = self.recorder.select_events(self.stream, desc=True, limit=1)
        return rows[0].originator_version if rows else 0

    def close(self) -> None:
        self.recorder.datastore.close()
