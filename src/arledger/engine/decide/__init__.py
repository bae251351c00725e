"""Deciding commands: accept (writing entries into the group being built) or refuse.

The volume commands (open customer, issue invoice, record and allocate payments, credit
notes) are decided in a compiled loop (engine/decide/volume.py) over columnar batches; every
other command, and any volume command with something the loop leaves to Python (terms,
non-ASCII text, a refusal to word: every refusal but an over-allocation), is decided
here, at its place in the order, against the same decision state. A handler validates
everything before it writes its first entry, so a refused command leaves the group as it
was; the entries of an accepted one reach the decision book through the compiled apply
(`flush`), the same function the read state's fold uses. Handlers live one module per
concern: customers, invoices, cash, credit, disputes, collections, bad_debt, risk, notes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.errors import LedgerError, error
from arledger.engine import apply as ap
from arledger.engine import columnar as col
from arledger.engine.decide import (
    bad_debt,
    bank,
    cash,
    collections,
    credit,
    customers,
    disputes,
    invoices,
    notes,
    risk,
    valuation,
    volume,
)
from arledger.engine.decide.context import Ctx, DecisionState, Outcome, after_apply, flush
from arledger.engine.records import Recs
from arledger.v1 import commands_pb2 as pb

HANDLERS: dict[str, Callable[[Ctx, Any], None]] = {}
for _m in (customers, invoices, cash, credit, disputes, collections, bad_debt, risk, notes,
           valuation, bank):
    HANDLERS.update(_m.HANDLERS)
assert set(HANDLERS) == {f.name for f in pb.Command.DESCRIPTOR.oneofs_by_name["command"].fields}


def request_hash(cmd: pb.Command) -> int:
    return int.from_bytes(hashlib.blake2b(cmd.SerializeToString(deterministic=True),
                                          digest_size=8).digest(), "little")


class Decider:
    """Decides a group's commands into its entry records (`recs`), against `D`."""

    def __init__(self, D: DecisionState) -> None:
        self.D = D
        self.recs = Recs()
        self.first_position = 1  # of the group being decided
        self.view: Any = None
        self.scratch = volume.scratch()
        # Testing aid: decide every command in Python (the differential test's reference).
        self.python_only = False

    def start(self, first_position: int) -> None:
        self.recs.reset()
        self.first_position = first_position

    @property
    def empty(self) -> bool:
        return self.recs.n == 0

    def savepoint(self) -> tuple[Any, ...]:
        return self.recs.mark(), self.D.mark()

    def rollback(self, sp: tuple[Any, ...]) -> None:
        self.recs.truncate(sp[0])
        self.D.rollback(sp[1])

    def decide_batch(self, batch: col.Batch) -> tuple[volume.Results, dict[int, Outcome]]:
        """Decide a batch in order: runs of the volume kinds in the compiled loop, every
        command it leaves (another kind, something to refuse, terms, new currencies) here,
        and the over-allocations it refuses worded here.
        Returns the loop's results and, by command, the outcomes decided here."""
        D, recs = self.D, self.recs
        n = batch.n
        res = volume.results(n)
        outs: dict[int, Outcome] = {}
        col.resolve(batch, D.currencies, D.partition.owner_check())
        i, grew_at = 0, -1
        while i < n:
            if self.python_only:
                stop, why = i, volume.PYTHON
            else:
                e0 = recs.n
                B = D.book.arrays()
                stop = int(volume.decide(B, ap.NO_JOURNAL, recs.arr, batch.cols, self.scratch,
                                         res, D.book.cap, D.book.ids.cap, D.terms_flag(),
                                         D.policy_scalars(), self.first_position, i))
                why = int(self.scratch.meta[0])
                if recs.n > e0:
                    after_apply(D, recs, e0, recs.n)
            if why == volume.DONE:
                break
            if why == volume.GROW:
                if stop == grew_at:  # room was made for this very command: a bug, not a loop
                    raise AssertionError(f"command {stop} of a batch still has no room")
                self._room_for(batch, stop, *(int(x) for x in self.scratch.meta[1:4]))
                grew_at = i = stop
                continue
            if why != volume.PYTHON:
                raise AssertionError(f"command {stop} of a batch: entry {-1 - why} does not "
                                     "fit the decision book")
            k = int(batch.cols.kind[stop])
            known = len(D.currencies)
            h = int(batch.cols.hash[stop])  # 0: another kind, which Python hashes itself
            o = self.decide(batch.command(stop), h if h or k != col.OTHER else None)
            if len(D.currencies) != known:
                # a first customer in a currency: later rows may now know its index
                col.resolve(batch, D.currencies, D.partition.owner_check())
            outs[stop] = o
            i = stop + 1
        for j in np.flatnonzero(res.status == volume.EXCEEDS_OPEN).tolist():
            outs[j] = _exceeds_open(batch, j, int(res.position[j]), int(res.unapplied[j]))
            res.status[j], res.position[j], res.unapplied[j] = 0, 0, 0
        return res, outs

    def _room_for(self, batch: col.Batch, at: int, kids: int, nbytes: int, undo: int) -> None:
        """Room in the book and the records for the rest of a batch (and then some), and at
        least what the command at `at` asked for (`kids` child rows, `nbytes` string
        bytes, `undo` undo records: what the loop's `_room` found missing)."""
        left = batch.n - at
        c = batch.cols
        children = len(c.ln_n) + len(c.al_n) + 2 * volume.CANDIDATES_MAX + kids
        entries = 4 * left + 2 * children
        self.recs.reserve(entries, 16 * entries + children,
                          (len(c.sbuf) + 256) * 4 + 64 * entries + nbytes,
                          children + 2 * volume.LINES_MAX)
        # Rows and ids for the kinds the rest of the batch holds (room for `left` rows in
        # every table made each table grow with the batch, whatever its commands were;
        # another kind is decided in Python, which reserves for itself).
        kinds = np.bincount(c.kind[at:], minlength=col.ALLOCATE_PAYMENT + 1).tolist()
        rows = {table: kinds[k] for k, (table, _) in _CREATES.items()}
        rows.update(allocs=children, closures=children, requests=left)
        # (every kind gets room for one more id: the loop asks for that before any command)
        ids = {kind: (max(kinds[k], 1), max(64 * kinds[k], volume.ID_MAX))
               for k, (_, kind) in _CREATES.items()}
        ids["request"] = (left, max(64 * left, volume.ID_MAX))
        self.D.book.reserve(rows, ids, undo=64 * left + 24 * children + undo)

    def decide(self, cmd: pb.Command, h: int | None = None) -> Outcome:
        """Decide one command; on refusal nothing of it remains."""
        which = cmd.WhichOneof("command")
        if which is None:
            return Outcome("REJECTED", "", error=error("EMPTY_COMMAND", "the command is empty"))
        msg = getattr(cmd, which)
        rid = msg.request_id
        mark = self.recs.mark()
        try:
            V.ident(rid, "request_id")
            if msg.actor:
                V.text(msg.actor, "actor")
            if msg.reason:
                V.text(msg.reason, "reason")
            if h is None:
                h = request_hash(cmd)
            prior = self.D.request(rid)
            if prior is not None:
                if prior[0] != h:
                    raise error("REQUEST_ID_REUSED", f"request id {rid!r} was used for another "
                                "payload")
                return Outcome("DUPLICATE", rid, position=prior[1], entry_count=prior[2],
                               unapplied_minor=prior[3])
            ctx = Ctx(self.D, self.recs, self.first_position)
            ctx.env = (rid, msg.actor, msg.reason, h)
            ctx.out.request_id = rid
            ctx.view = self.view
            e0 = self.recs.n
            HANDLERS[which](ctx, msg)
        except LedgerError as err:
            self.recs.truncate(mark)
            # Drop the traceback: it would tie the error to this frame in a reference cycle,
            # and the writer freezes the GC's view of long-lived objects after each fold.
            return Outcome("REJECTED", rid, error=err.with_traceback(None))
        out = ctx.out
        n = self.recs.n - e0
        if n == 0:  # a run that found nothing to do records nothing (not even its id), nor
            # does a statement whose every line is known already
            assert which in ("run_dunning", "match_bank_lines", "import_bank_statement"), which
            return out
        before = self.D.mark()
        flush(self.D, self.recs, e0, self.first_position)
        if ap.over_gross(self.D.book.arrays()):
            self.D.rollback(before)
            self.recs.truncate(mark)
            return Outcome("REJECTED", rid, error=error(
                "CURRENCY_TOTAL_EXCEEDED", "this would carry the amounts recorded in the "
                f"account's currency past {limits.currency_gross_minor_max:,} minor units "
                "(limits.currency_gross_minor_max; each partition counts its own)"))
        out.position, out.entry_count = self.first_position + e0, n
        out.unapplied_minor = self.D.request(rid)[3]  # type: ignore[index]
        return out


def _exceeds_open(batch: col.Batch, i: int, alloc: int, open_minor: int) -> Outcome:
    """The refusal of command i, whose allocation row `alloc` asks for more than the
    invoice's `open_minor` (worded as cash.plan words it)."""
    iid = batch.text(batch.cols.al_s[alloc, 0])
    amount = int(batch.cols.al_n[alloc, 0])
    return Outcome("REJECTED", batch.request_id(i), error=error(
        "ALLOCATION_EXCEEDS_OPEN", f"invoice {iid!r} has {open_minor} open, {amount} allocated"))


# What each compiled command kind creates: (book table, id kind).
_CREATES = {col.OPEN_CUSTOMER: ("customers", "customer"),
            col.ISSUE_INVOICE: ("invoices", "invoice"), col.RECORD_PAYMENT: ("payments", "payment"),
            col.ISSUE_CREDIT_NOTE: ("credit_notes", "credit_note")}

__all__ = ["Ctx", "DecisionState", "Decider", "Outcome", "request_hash"]
