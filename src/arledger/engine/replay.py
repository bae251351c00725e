"""Replay's second thread: the log read, checked and decoded ahead of the fold.

Replay folds stored segments in log order on the calling thread (the compiled fold releases
the GIL). Everything before the fold is done here, one segment ahead of it: the store's read
(a page of segments at a time), each page's layouts (the state is sized from them before its
segments are folded), each segment's decode and hashes, and its records (engine/records.py).

Two measured choices (docs/design.md, "Replay"):
- Records are written into one of two reused `Recs`: the fold returns each when done, so
  at most two decoded segments exist at a time and their records take no fresh memory (a new
  `Recs` per segment was half of making them: first touches of fresh pages on these VMs).
- A segment's body hash (SHA-256 over its columns) is not computed again when the next
  segment of the page names this one's whole-blob hash as its predecessor's: the chain's
  hash, which replay computes anyway, covers every byte the body hash does, and the next
  header's own hash is checked. The last segment of each page, and any whose successor
  does not vouch for it, has its body hash checked as before, so a damaged segment is
  reported as the same error at the same place.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

from arledger.engine.records import Recs
from arledger.engine.segment import (
    Layout,
    Segment,
    SegmentFormatError,
    decode,
    digest,
    layout,
    prev_hash,
)
from arledger.engine.store import SegmentStore

PAGE = 64  # segments read and sized together
BUFFERS = 2  # reused records: the one folding and the one being decoded


class Decoded:
    """One stored segment made ready for the fold."""

    __slots__ = ("seq", "seg", "recs", "blob_hash", "buffer")

    def __init__(self, seq: int, seg: Segment | SegmentFormatError, recs: Recs | None,
                 blob_hash: str, buffer: Recs) -> None:
        self.seq, self.seg, self.recs, self.blob_hash = seq, seg, recs, blob_hash
        self.buffer = buffer  # give back with Feed.done once folded


def decoded(blob: bytes, into: Recs | None = None, vouched: str | None = None
            ) -> tuple[Segment | SegmentFormatError, Recs | None, str]:
    """A stored segment decoded for the fold: (segment or why it is not one, its records,
    its hash). `vouched` is the hash the next segment names as this one's: equal to this
    blob's, the body hash need not be checked. Records that cannot be made are left to the
    fold (None), which then fails on this segment where it always did, after the chain
    checks."""
    blob_hash = digest(blob)
    try:
        seg = decode(blob, check_body=vouched != blob_hash)
    except SegmentFormatError as e:
        return e, None, ""
    try:
        recs: Recs | None = Recs.from_tables(seg.tables, into)
    except Exception:  # noqa: BLE001 - the fold makes them again and reports it in order
        recs = None
    return seg, recs, blob_hash


def _pages(store: SegmentStore, after_seq: int) -> Iterator[list[tuple[int, bytes]]]:
    """The log after `after_seq`, PAGE segments at a time. (Smaller first pages, to start
    folding sooner, were tried and measured: the id tables' rehash as each page grew the
    book cost what the wait for the first page saved.)"""
    while True:
        page = store.read_page(after_seq, PAGE)
        if page:
            yield page
        if len(page) < PAGE:
            return
        after_seq = page[-1][0]


def layouts(page: list[tuple[int, bytes]]) -> list[Layout]:
    """The page's layouts up to the first that cannot be read (reported in order when its
    segment's turn comes)."""
    out = []
    for _, blob in page:
        try:
            out.append(layout(blob))
        except SegmentFormatError:
            break
    return out


class Feed:
    """Iterate for ("page", layouts) before each page's segments, then a `Decoded` for each
    (hand its buffer back with `done`); `close` when finished (or on an error) stops the
    thread. A failure of the store's read is raised where the fold asks for the next item."""

    def __init__(self, store: SegmentStore, after_seq: int) -> None:
        self._out: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._free: queue.SimpleQueue[Recs | None] = queue.SimpleQueue()
        for _ in range(BUFFERS):
            self._free.put(Recs())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(store, after_seq),
                                        name="arledger-replay-feed", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[tuple[str, list[Layout]] | Decoded]:
        while True:
            what, item = self._out.get()
            if what == "end":
                return
            if what == "error":
                raise item
            yield ("page", item) if what == "page" else item

    def done(self, d: Decoded) -> None:
        self._free.put(d.buffer)

    def close(self) -> None:
        self._stop.set()
        self._free.put(None)  # wakes the thread if it waits for a buffer
        self._thread.join()

    def _run(self, store: SegmentStore, after_seq: int) -> None:
        try:
            for page in _pages(store, after_seq):
                if self._stop.is_set():
                    return
                self._out.put(("page", layouts(page)))
                for k, (seq, blob) in enumerate(page):
                    buffer = self._free.get()
                    if buffer is None or self._stop.is_set():
                        return
                    vouched = prev_hash(page[k + 1][1]) if k + 1 < len(page) else None
                    page[k] = (seq, b"")  # the blob is not held once decoded
                    seg, recs, blob_hash = decoded(blob, buffer, vouched)
                    self._out.put(("segment", Decoded(seq, seg, recs, blob_hash, buffer)))
            self._out.put(("end", None))
        except BaseException as e:  # noqa: BLE001 - raised again on the fold's thread
            self._out.put(("error", e))
