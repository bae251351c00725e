"""One partition's ledger: the writer (group commit, pipelined), replay, reads, log access.

Callers (gRPC threads) hand command lists to `submit`. The writer thread takes everything
queued, decides it into one group of entries against the decision state (which runs ahead of
the read state by the groups still being stored) and hands the group's records to the store
thread; while that seals them into one segment (encoded, hashed, chained to the last segment
stored), appends it durably (one transaction) and folds it into the read state, the writer
decides the next group. Callers' futures complete only after their group is durable *and*
folded, so an acknowledged command is durable and visible, and a refused one wrote nothing.
A failed append fails that group and every group decided after it, and rolls the decision
state back to where the failed group began.
"""

from __future__ import annotations

import fcntl
import gc
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arledger.domain import limits
from arledger.domain.errors import LedgerError, error
from arledger.engine import answers, render, replay
from arledger.engine import columnar as col
from arledger.engine.decide import Decider, DecisionState, Outcome, volume
from arledger.engine.partition import Partition
from arledger.engine.records import Recs
from arledger.engine.segment import (
    GENESIS_HASH,
    Segment,
    SegmentFormatError,
    decode,
    decode_header,
    digest,
    encode,
)
from arledger.engine.state import State
from arledger.engine.store import SegmentStore
from arledger.v1 import commands_pb2 as pb

# Commands decided into one group commit (each writes at most 2 entries).
GROUP_COMMANDS_MAX = limits.segment_entries_max // 2
# A group smaller than this waits up to Ledger.linger_s for more submissions.
GROUP_LINGER_BELOW = 64


# Commands a submission of one gets a group commit of its own, decided against the read
# state: a dunning run and a bank match run (one vectorised pass each), and a bank
# statement's lines (up to 10,000 entries: kept out of other callers' groups).
_ALONE = frozenset({"run_dunning", "match_bank_lines", "import_bank_statement"})


class RowAnswers(Future):
    """A row batch's future. The store thread answers every batch as columns (a
    BatchOutcome); `result()` makes them one Outcome per command in the thread that asks,
    not in the store thread, which every batch waits for. A stream that only counts and
    lists refusals reads `columns()` and builds no Outcome at all."""

    def __init__(self, batch: col.Batch) -> None:
        super().__init__()
        self.batch = batch
        self._outcomes: list[Outcome] | None = None

    def columns(self, timeout: float | None = None) -> answers.BatchOutcome:
        return super().result(timeout)

    def result(self, timeout: float | None = None) -> list[Outcome]:
        if self._outcomes is None:
            self._outcomes = outcomes(self.batch, self.columns(timeout))
        return self._outcomes


@dataclass
class _Submission:
    batch: col.Batch
    atomic: bool
    columnar: bool = False  # a columnar batch (else row commands, answered to RowAnswers)
    future: Future = field(default_factory=Future)

    def dunning_run_alone(self) -> bool:
        # (kind first: a row of the five kinds is parsed from its bytes only when asked for)
        return (self.batch.n == 1 and self.batch.rows is not None
                and int(self.batch.cols.kind[0]) == col.OTHER
                and self.batch.rows[0].WhichOneof("command") in _ALONE)


@dataclass
class _Group:
    """A decided group on its way to the store thread."""

    subs: list[_Submission]
    results: list[answers.BatchOutcome]
    recs: Recs
    generation: int
    seq: int = 0            # 0: nothing to append (every command refused or a retry)
    first_position: int = 0
    recorded_us: int = 0
    blob: bytes = b""       # the segment, encoded by the store thread (`_seal`)
    blob_hash: str = ""
    segment: Segment | None = None  # what `blob` encodes, folded once it is durable


@dataclass
class VerifyReport:
    ok: bool
    segments_checked: int = 0
    entries_checked: int = 0
    first_bad_segment: int = 0
    problem: str = ""
    head_hash: str = GENESIS_HASH


class Ledger:
    """Use `open_ledger` (engine/__init__.py) to build one."""

    def __init__(self, store: SegmentStore, clock: Callable[[], int],
                 lock_fd: int | None = None, *, partition: Partition | str = "0/1",
                 follower: bool = False, poll_interval: float = 0.05,
                 group_linger_us: int = 2000) -> None:
        self.store = store
        self.clock = clock
        self.state = State()
        self.partition = Partition.parse(partition)
        self.follower = follower
        self.poll_interval = poll_interval
        # How long a small group waits for more submissions under concurrent callers
        # (measured: 16 unary callers, 0 -> 2 ms: 1,655 -> 2,111 commands/s, p99 20 -> 13 ms).
        self.linger_s = group_linger_us / 1e6
        self._lock_fd = lock_fd
        self._read_lock = threading.Lock()
        # Recorded times of the groups handed to the store thread and not yet folded,
        # oldest first: a view as known at K waits for those recorded by K (settle).
        self._inflight_us: deque[int] = deque()
        self._inflight_cv = threading.Condition()
        self._q: queue.Queue[_Submission | None] = queue.Queue()
        self._closed = False
        self._stop = threading.Event()
        self._fenced: LedgerError | None = None
        # The writer's side: its decision state (made after replay), the groups it handed
        # to the store thread and not yet heard back about, and where the next segment goes.
        self._D: DecisionState | None = None
        self._decider: Decider | None = None
        self._sent: deque[tuple[int, tuple[Any, ...]]] = deque()  # (generation, mark)
        self._store_q: queue.Queue[_Group | None] = queue.Queue(maxsize=1)
        self._done_q: queue.Queue[tuple[int, LedgerError | None]] = queue.Queue()
        # Record buffers the store thread is done with, for the writer's next groups: a
        # group's records are tens of MB at volume, and fresh memory is dear to touch.
        # Two spares: with a group deciding, one queued and one being stored, that is
        # five buffers at most, each as large as the largest group it has held.
        self._spare_recs: deque[Recs] = deque(maxlen=2)
        self._generation = 0
        self._failed_generation = -1  # the store thread fails groups of it and older
        self._next_seq = 1
        self._next_position = 1
        self._last_recorded_us = 0
        # A follower's view of the store: the newest segment seen there, and when (clock
        # time) the state last held everything the store had.
        self.store_head_seq = 0
        self.caught_up_at_us = 0
        self.follow_error = ""
        self._writer = threading.Thread(target=self._follow if follower else self._run,
                                         name="arledger-follower" if follower
                                         else "arledger-writer", daemon=True)
        self._storer = threading.Thread(target=self._store_loop, name="arledger-store",
                                        daemon=True)

    # ---- lifecycle ------------------------------------------------------------------------

    def replay(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Fold every stored segment after the state's head into it; returns entries folded.

        At open this rebuilds the state from the whole log; a follower calls it again
        to catch up with what the writer appended since.
        """
        total = self.store.head_seq()
        n = 0
        was_enabled = gc.isenabled()
        gc.disable()  # replay allocates only long-lived objects: nothing for the GC to find
        # The log is read, checked and decoded on a second thread, one segment ahead of
        # the fold (engine/replay.py); the compiled fold releases the GIL.
        feed = replay.Feed(self.store, self.state.head_seq)
        try:
            for item in feed:
                if isinstance(item, tuple):
                    # A page's layouts: the book is sized once for the page from the
                    # segments' headers (a layout per large segment was a quarter of a
                    # replay), then its segments are folded one at a time, in order (fresh
                    # memory is dear: a page decoded at once doubled what replay touched),
                    # and a damaged segment stops the fold exactly where it is.
                    with self._read_lock:
                        self.state.reserve_layouts(item[1])
                    continue
                seq, seg = item.seq, item.seg
                if isinstance(seg, SegmentFormatError):
                    raise error("LOG_CORRUPT", f"segment {seq}: {seg}; run `arledger verify`")
                problem = self._check(seq, seg)
                if problem:
                    raise error("LOG_CORRUPT",
                                f"segment {seq}: {problem}; run `arledger verify`")
                with self._read_lock:
                    self.state.apply_segment(seg, item.blob_hash, item.recs)
                n += seg.count
                feed.done(item)
                del seg, item
                if progress:
                    progress(seq, total)
        finally:
            feed.close()
            if was_enabled:
                gc.enable()
        self.store_head_seq = max(total, self.state.head_seq)
        if self.state.head_seq >= total:
            self.caught_up_at_us = self.clock()
        return n

    def _follow(self) -> None:
        """A follower's loop: wait for the writer to append, then fold it. (Opening the
        follower replayed the log just before; the first look is after the first wait.)"""
        while True:
            self.store.wait_for_append(self.poll_interval, self._stop)
            if self._stop.is_set():
                return
            try:
                if self.replay():
                    gc.freeze()
                self.follow_error = ""
            except LedgerError as e:  # a corrupt log stops following; reads keep the last state
                self.follow_error = str(e)
                return
            except Exception as e:  # noqa: BLE001 - store down: report it, keep trying
                self.follow_error = f"store unreachable: {e}"

    def wait_closed(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True once the ledger is closed."""
        return self._stop.wait(timeout)

    def lag(self) -> tuple[int, int]:
        """(segments the store has that the state lacks, ms the state has been behind).

        Asks the store for its head now, so a follower that has not looked for a while
        reports it. Behind, the age is the time since the follower last knew it held
        everything the store had. For a writer both are 0: it is the store's only author.
        """
        if not self.follower:
            return 0, 0
        try:
            self.store_head_seq = max(self.store_head_seq, self.store.head_seq())
        except Exception:  # noqa: BLE001 - the last known head, and follow_error says why
            pass
        behind = max(self.store_head_seq - self.state.head_seq, 0)
        if not behind:
            return 0, 0
        return behind, max(self.clock() - self.caught_up_at_us, 0) // 1000

    def _check(self, seq: int, seg: Segment) -> str:
        """Why segment `seq` does not continue the state's chain ('' if it does)."""
        S = self.state
        if seg.seq != seq or seq != S.head_seq + 1:
            return f"sequence {seg.seq} stored as {seq}, expected {S.head_seq + 1}"
        if seg.prev_hash != S.head_hash:
            return "prev_hash does not match the previous segment's hash"
        if seg.first_position != S.head_position + 1:
            return f"first position {seg.first_position}, expected {S.head_position + 1}"
        return ""

    def start(self) -> Ledger:
        if not self.follower:
            self._level_with_state()
            self._storer.start()
        self._writer.start()
        return self

    def _level_with_state(self) -> None:
        """Make the decision state equal to the read state (at start)."""
        S = self.state
        self._D = DecisionState.of(S)
        self._D.partition = self.partition
        self._decider = Decider(self._D)
        self._next_seq = S.head_seq + 1
        self._next_position = S.head_position + 1
        self._last_recorded_us = S.head_recorded_at_us

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._stop.set()
            self._q.put(None)
            if self._writer.is_alive():
                self._writer.join()
            if self._storer.is_alive():
                self._store_q.put(None)
                self._storer.join()
            self.store.close()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writes ---------------------------------------------------------------------------

    def submit_async(self, commands: Sequence[pb.Command], atomic: bool = False) -> RowAnswers:
        """Decide, store durably, apply; the future's result is one Outcome per command
        (its `columns()` the same answers as one BatchOutcome)."""
        _sized(len(commands))
        batch = col.from_commands(list(commands))  # in the caller's thread, not the writer's
        return self._enqueue(batch, atomic, columnar=False)

    def submit_rows_async(self, batch: col.Batch, atomic: bool = False) -> RowAnswers:
        """submit_async for row commands already read into columns (engine/rowwire.py:
        the row stream's compiled reader; the batch keeps its rows)."""
        _sized(batch.n)
        return self._enqueue(batch, atomic, columnar=False)

    def submit_columnar_async(self, batch: col.Batch, atomic: bool = False) -> Future:
        """The volume path: a columnar batch; the future's result is its BatchOutcome."""
        _sized(batch.n)
        return self._enqueue(batch, atomic, columnar=True)

    def _enqueue(self, batch: col.Batch, atomic: bool, columnar: bool) -> Any:
        col.canonical_hashes(batch)
        sub = _Submission(batch, atomic, columnar, Future() if columnar else RowAnswers(batch))
        if self.follower:
            sub.future.set_exception(error("READ_ONLY_FOLLOWER", "this server follows partition "
                                           f"{self.partition}; send commands to its writer"))
        elif self._closed:
            sub.future.set_exception(error("SHUTTING_DOWN", "the ledger is closed"))
        else:
            self._q.put(sub)
        return sub.future

    def submit(self, commands: Sequence[pb.Command], atomic: bool = False) -> list[Outcome]:
        """Decide, store durably, and apply; one Outcome per command, in order."""
        return self.submit_async(commands, atomic).result()

    def _run(self) -> None:
        stop = False
        concurrent = False
        while not stop:
            sub = self._q.get()
            if sub is None:
                break
            group = [sub]
            n = sub.batch.n
            linger_until = 0.0
            while n < GROUP_COMMANDS_MAX:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    # Under concurrent callers (the last group had several submissions) a small
                    # group waits a moment for company: the per-group cost (durable append,
                    # fold, ~1 ms) is then shared by more commands. A lone caller never waits.
                    if n >= GROUP_LINGER_BELOW or not concurrent or self.linger_s <= 0:
                        break
                    now = time.monotonic()
                    if not linger_until:
                        linger_until = now + self.linger_s
                    if now >= linger_until:
                        break
                    try:
                        nxt = self._q.get(timeout=linger_until - now)
                    except queue.Empty:
                        break
                if nxt is None:
                    stop = True
                    break
                group.append(nxt)
                n += nxt.batch.n
            concurrent = len(group) > 1
            try:
                self._commit(group)
            except BaseException as e:  # a bug: fail the callers, keep serving
                for s in group:
                    if not s.future.done():
                        s.future.set_exception(e)
        self._drain()
        # Anything queued after close was requested is refused, not lost silently.
        while True:
            try:
                sub = self._q.get_nowait()
            except queue.Empty:
                break
            if sub is not None:
                sub.future.set_exception(error("SHUTTING_DOWN", "the ledger is closed"))

    def _commit(self, group: list[_Submission]) -> None:
        """Decide a group; a dunning run (a submission of that one command) gets a group of
        its own, decided against the read state level with the decision state, in one
        vectorised pass."""
        part: list[_Submission] = []
        for sub in group:
            if sub.dunning_run_alone():
                if part:
                    self._decide_group(part)
                    part = []
                self._drain()
                self._decide_group([sub], view=self.state)
            else:
                part.append(sub)
        if part:
            self._decide_group(part)

    def _decide_group(self, subs: list[_Submission], view: State | None = None) -> None:
        self._take_news()
        D, d = self._D, self._decider
        assert D is not None and d is not None
        first = self._next_position
        mark = D.mark()
        d.start(first)
        d.view = view
        sp0 = d.savepoint()  # where the group began (mark, with no records yet)
        results: list[answers.BatchOutcome] = []
        failed: list[_Submission] = []
        for sub in subs:
            n = sub.batch.n
            if self._fenced is not None:
                out = answers.BatchOutcome.empty(n)
                for i in range(n):
                    out.refuse(i, self._fenced)
                results.append(out)
                continue
            sp = d.savepoint()
            try:
                out = _batch_outcome(sub.batch, *d.decide_batch(sub.batch))
            except Exception as e:  # noqa: BLE001 - a bug: this submission fails, alone
                d.rollback(sp)  # whatever it decided goes; the rest of the group stands
                failed.append(sub)
                if sub.future.set_running_or_notify_cancel():  # (a caller may have cancelled)
                    sub.future.set_exception(e)
                continue
            if sub.atomic and (out.status == answers.REJECTED).any():
                d.rollback(sp)
                aborted = error("ATOMIC_BATCH_ABORTED", "another command of this atomic batch "
                                "was rejected; nothing was written")
                # A duplicate of a command decided earlier in this same batch goes too.
                here = first + sp[0][0]
                for i in np.flatnonzero((out.status == answers.ACCEPTED) | (
                        (out.status == answers.DUPLICATE) & (out.position >= here))).tolist():
                    out.refuse(i, aborted)
            results.append(out)
        if failed:
            subs = [s for s in subs if not any(s is f for f in failed)]
            if not subs:
                return
        try:
            self._send_group(subs, results, first, mark)
        except BaseException:
            # Nothing of the group went to the store: its decisions must not stay in the
            # decision state (the next command would be decided against them).
            d.rollback(sp0)
            raise

    def _send_group(self, subs: list[_Submission], results: list[answers.BatchOutcome],
                    first: int, mark: Any) -> None:
        """A decided group to the store thread (positions, sequence and clock given)."""
        D, d = self._D, self._decider
        assert D is not None and d is not None
        recs = d.recs
        d.recs = self._spare_recs.pop() if self._spare_recs else Recs()
        g = _Group(subs, results, recs, self._generation)
        if recs.n:
            recorded = max(self.clock(), self._last_recorded_us)
            g.seq, g.first_position, g.recorded_us = self._next_seq, first, recorded
            self._next_seq += 1
            self._next_position += recs.n
            self._last_recorded_us = recorded
            D.head_position = self._next_position - 1
            # Readers asking "as known at K" with K >= recorded wait for this fold (settle),
            # so an answer as known at K never changes once given.
            with self._inflight_cv:
                self._inflight_us.append(recorded)
        self._sent.append((g.generation, mark))
        self._store_q.put(g)

    def _take_news(self, block: bool = False) -> None:
        """What the store thread reports: groups durable (their undo records go) or a group
        that failed (the decision state rolls back to where it began; later ones failed)."""
        D = self._D
        assert D is not None
        while self._sent:
            try:
                generation, err = self._done_q.get(block=block)
            except queue.Empty:
                return
            if generation < self._generation:
                continue  # a group decided before a failure, failed with it: rolled back
            gen, mark = self._sent.popleft()
            assert gen == generation
            if err is None:
                nxt = self._sent[0][1] if self._sent else D.mark()
                dropped = D.forget(nxt)
                self._sent = deque((g, D.rebase(m, dropped)) for g, m in self._sent)
                continue
            # This group and every later one are lost: roll back to where it began.
            D.rollback(mark)
            self._failed_generation = self._generation
            self._generation += 1
            self._sent.clear()
            S = self.state
            with self._read_lock:
                self._next_seq = S.head_seq + 1
                self._next_position = S.head_position + 1
                self._last_recorded_us = max(S.head_recorded_at_us, self._last_recorded_us)
            D.head_position = self._next_position - 1
            return

    def _drain(self) -> None:
        """Wait until every group handed to the store thread is durable (or failed)."""
        if self._D is not None:
            while self._sent:
                self._take_news(block=True)

    def _store_loop(self) -> None:
        while True:
            g = self._store_q.get()
            if g is None:
                return
            err: LedgerError | None = None
            lost = False  # an earlier group failed: this one was decided against lost state
            bug: BaseException | None = None
            try:
                if g.generation <= self._failed_generation:
                    lost = True
                    # Decided against a group that failed: a retry helps unless writes
                    # have stopped (halted, or another writer holds the partition).
                    err = self._fenced or error(
                        "STORE_UNAVAILABLE", "an earlier group could not be stored; nothing "
                        "of this one was written (retry with the same request ids)")
                elif self._fenced is not None:
                    err = self._fenced
                elif g.seq:
                    err = self._store_and_fold(g)
                if err is None:
                    self._answer(g)
            except BaseException as e:  # a bug: the callers get it; writes stop
                bug = e
                err = self._fenced or error("LEDGER_HALTED", f"storing group {g.seq} failed "
                                            f"({e!r}); restart the server")
                self._fenced = err
            finally:
                if g.seq:
                    with self._inflight_cv:
                        if self._inflight_us:
                            self._inflight_us.popleft()
                        self._inflight_cv.notify_all()
            if err is not None:
                self._failed_generation = max(self._failed_generation, g.generation)
                durable = self.state.head_position
                for out in g.results:
                    # A refusal stands (it wrote nothing) unless its group was decided
                    # against groups now lost, and so does a retry of a command stored
                    # before; nothing else of the group is acknowledged.
                    stands = (out.status == answers.DUPLICATE) & (
                        out.position + out.entries - 1 <= durable)
                    if not lost:
                        stands |= out.status == answers.REJECTED
                    for i in np.flatnonzero(~stands).tolist():
                        out.refuse(i, err)
                if bug is None:
                    self._answer(g)
            for sub, out in zip(g.subs, g.results):
                if sub.future.done():
                    continue
                if bug is not None:
                    sub.future.set_exception(bug)
                else:
                    if len(out.alloc_cmd):  # ids read here, where the state is not moving
                        order = np.argsort(out.alloc_cmd, kind="stable")
                        out.alloc_names = self.state.invoice_ids.joined(out.alloc_invoice[order])
                    sub.future.set_result(out)
            if bug is None:
                self._spare_recs.append(g.recs)  # answered: nothing reads them any more
            self._done_q.put((g.generation, err))

    def _seal(self, g: _Group) -> None:
        """Encode a group's segment, chained to the last segment stored: the one this
        thread folded last (a group after a failed one is never sealed). Done here, not
        in the writer, so the writer decides the next group meanwhile."""
        S = self.state
        g.segment = Segment(g.seq, g.first_position, g.recs.n, g.recorded_us, S.head_hash,
                            g.recs.to_tables())
        g.blob = encode(g.segment)
        g.blob_hash = digest(g.blob)

    def _store_and_fold(self, g: _Group) -> LedgerError | None:
        """Append a group's segment durably, then fold it: the column tables it was encoded
        from and the writer's records of them, not the bytes decoded again (that was a
        sixth of this thread's time). Replay and followers fold the stored bytes; that the
        two agree is the encoding's round trip (records <-> tables <-> bytes), which tests
        hold to, and the live digest's equality with the replayed one."""
        self._seal(g)
        try:
            self.store.append(g.seq, g.blob)
        except LedgerError as err:
            if err.reason == "WRITER_FENCED":
                self._fenced = err
            return err
        seg, g.segment = g.segment, None
        assert seg is not None
        try:
            with self._read_lock:
                self.state.apply_segment(seg, g.blob_hash, g.recs)
        except BaseException:
            # Stored but not folded: the state no longer matches the log. Refuse every write
            # from now on; a restart rebuilds the state from the log.
            self._fenced = error("LEDGER_HALTED", f"folding segment {g.seq} failed; restart "
                                 "the server (the log is intact)")
            raise
        # What the state now holds lives as long as the process: keep it out of the cyclic
        # GC's scans (gc.freeze is O(1)).
        gc.freeze()
        return None

    def _answer(self, g: _Group) -> None:
        """Fill every accepted or repeated command's answer from the entries it wrote (a
        retry answers as the original did): one vectorised pass for what this group wrote,
        the stored segment for a retry of something older."""
        for out in g.results:
            here = (out.status != answers.REJECTED) & (out.entries > 0)
            if g.seq:
                mine = here & (out.position >= g.first_position)
                rows = np.flatnonzero(mine)
                answers.fill_from(out, rows, g.recs, out.position[rows] - g.first_position)
                here &= ~mine
            for i in np.flatnonzero(here).tolist():
                recs, e0 = self._stored_records(int(out.position[i]))
                answers.fill_one(out, i, recs, e0)

    def _stored_records(self, position: int) -> tuple[Recs, int]:
        """The records of the stored segment holding `position`, and its entry there."""
        seq = self.state.segment_of(position)
        for _s, blob in self.store.read(after_seq=seq - 1):
            seg = decode(blob)
            return Recs.from_tables(seg.tables), position - seg.first_position
        raise error("LOG_CORRUPT", f"segment {seq} is not in the store")

    # ---- reads ----------------------------------------------------------------------------

    def settle(self, known_at_us: int, timeout_s: float = 30.0) -> None:
        """Wait until no segment recorded at or before `known_at_us` is still being stored
        or folded: then a view as known at that time is final. Call it before `reading()`
        (the fold it waits for takes the read lock)."""
        with self._inflight_cv:
            self._inflight_cv.wait_for(
                lambda: not self._inflight_us or self._inflight_us[0] > known_at_us,
                timeout=timeout_s)

    @contextmanager
    def reading(self) -> Iterator[State]:
        """The state, consistent (no segment half-applied) while the block runs."""
        with self._read_lock:
            yield self.state

    def entries(self, from_position: int = 1, limit: int = 0) -> Iterator[dict]:
        """Log entries from a position, in order, up to the head as of the call."""
        S = self.state
        with self._read_lock:
            head = S.head_position
            if from_position > head + 1:
                raise error("INVALID_POSITION", f"position {from_position} is beyond the head "
                            f"{head}")
            if from_position < 1:
                from_position = 1
            seq0 = S.segment_of(from_position) if head else 1
        last = head if not limit else min(head, from_position + limit - 1)
        if from_position > last:
            return
        for _seq, blob in self.store.read(after_seq=seq0 - 1):
            seg = decode(blob)
            for entry in render.entries(S, seg):
                if entry["position"] < from_position:
                    continue
                if entry["position"] > last:
                    return
                yield entry

    def entry_at(self, position: int) -> dict:
        return next(self.entries(position, 1))

    def verify(self) -> VerifyReport:
        """Recompute the hash chain over the stored segments."""
        rep = VerifyReport(ok=True)
        prev, seq_expected, pos_expected = GENESIS_HASH, 1, 1
        try:
            for seq, blob in self.store.read():
                where = seq_expected
                try:
                    seg = decode_header(blob)  # every byte hashed; strings left unsplit
                except SegmentFormatError as e:
                    return _bad(rep, where, f"undecodable: {e}")
                if seq != seq_expected or seg.seq != seq:
                    return _bad(rep, where, f"segment {seq_expected} missing or out of order "
                                f"(found {seg.seq} stored as {seq})")
                if seg.prev_hash != prev:
                    # The chain breaks here: the previous segment's bytes changed (or, for
                    # the first segment, the chain does not start at genesis).
                    return _bad(rep, max(where - 1, 1), f"segment {where - 1 if where > 1 else 1}"
                                f" does not hash to the prev_hash segment {where} recorded")
                if seg.first_position != pos_expected:
                    return _bad(rep, where, f"first position {seg.first_position}, expected "
                                f"{pos_expected}")
                prev = digest(blob)
                seq_expected += 1
                pos_expected += seg.count
                rep.segments_checked += 1
                rep.entries_checked += seg.count
                rep.head_hash = prev
        except Exception as e:  # an unreadable store is a finding, not a crash
            return _bad(rep, seq_expected, f"store unreadable: {e}")
        with self._read_lock:
            live_seq, live_hash = self.state.head_seq, self.state.head_hash
        if rep.segments_checked < live_seq:
            return _bad(rep, rep.segments_checked + 1, f"the store ends at segment "
                        f"{rep.segments_checked}, the ledger acknowledged {live_seq}")
        if rep.segments_checked == live_seq and rep.head_hash != live_hash:
            return _bad(rep, live_seq, "the last stored segment differs from the acknowledged one")
        return rep


def _bad(rep: VerifyReport, seq: int, problem: str) -> VerifyReport:
    rep.ok = False
    rep.first_bad_segment = seq
    rep.problem = problem
    return rep


def _batch_outcome(batch: col.Batch, res: volume.Results,
                   py: dict[int, Outcome]) -> answers.BatchOutcome:
    """A batch's answers: the compiled loop's columns, and the Python decider's outcomes."""
    out = answers.BatchOutcome.empty(batch.n)
    out.status[:] = res.status
    out.position[:] = res.position
    out.entries[:] = res.entries
    out.unapplied[:] = res.unapplied
    for i, o in py.items():
        if o.status == "REJECTED":
            out.refuse(i, o.error)  # type: ignore[arg-type]
            continue
        out.status[i] = answers.CODE[o.status]
        out.position[i], out.entries[i] = o.position, o.entry_count
        out.unapplied[i] = o.unapplied_minor
        if o.detail is not None:
            out.details[i] = o.detail
    return out


def _sized(n: int) -> None:
    if not n:
        raise error("EMPTY_BATCH", "a batch needs at least one command")
    if n > limits.batch_commands_max:
        raise error("BATCH_TOO_LARGE", f"at most {limits.batch_commands_max} commands per batch")


def outcomes(batch: col.Batch, out: answers.BatchOutcome) -> list[Outcome]:
    """One Outcome per command (the row RPCs' answer)."""
    allocs = answers.allocations_of(out)
    result = []
    status, pos, n, un, due = (a.tolist() for a in (out.status, out.position, out.entries,
                                                     out.unapplied, out.due_day))
    for i in range(out.n):
        rid = batch.request_id(i)
        if status[i] == answers.REJECTED:
            result.append(Outcome("REJECTED", rid, error=out.errors[i]))
            continue
        result.append(Outcome(answers.STATUS[status[i]], rid, position=pos[i],
                              entry_count=n[i], allocations=allocs[i], unapplied_minor=un[i],
                              due_day=None if due[i] == answers.NO_DATE else due[i],
                              warnings=out.warning_lists.get(i, []),
                              detail=out.details.get(i)))
    return result


def lock_data_dir(data_dir: Path) -> int:
    """Hold an exclusive lock on the data directory for this process's lifetime."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise error("DATA_DIR_LOCKED", f"another arledger process holds {data_dir}") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd
