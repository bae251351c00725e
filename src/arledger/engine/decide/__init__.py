"""Deciding commands: accept (writing entries into the group being built) or refuse.

The volume commands (open customer, issue invoice, record and allocate payments, credit
notes) are decided in a compiled loop (engine/decide/volume.py) over columnar batches; every
other command, and any volume command with something the loop leaves to Python (terms,
non-ASCII text, a refusal to word), is decided here, at its place in the order, against the
same decision state. A handler validates everything before it writes its first entry, so
a refused command leaves the group as it was; the entries of an accepted one reach the
decision book through the compiled apply (`flush`), the same function the read state's fold
uses. Handlers live one module per concern: customers, invoices, cash, credit, disputes,
collections, bad_debt, risk, notes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from arledger.domain import validate as V
from arledger.domain.errors import LedgerError, error
from arledger.engine.decide import (bad_debt, cash, collections, credit, customers, disputes,
                                    invoices, notes, risk)
from arledger.engine.decide.context import Ctx, DecisionState, Outcome, flush
from arledger.engine.records import Recs
from arledger.v1 import commands_pb2 as pb

HANDLERS: dict[str, Callable[[Ctx, Any], None]] = {}
for _m in (customers, invoices, cash, credit, disputes, collections, bad_debt, risk, notes):
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
                return Outcome("DUPLICATE", rid, position=prior[1], entry_count=prior[2])
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
        if n == 0:  # a run that found nothing to do records nothing (not even its id)
            assert which == "run_dunning", which
            return out
        flush(self.D, self.recs, e0, self.first_position)
        out.position, out.entry_count = self.first_position + e0, n
        return out


__all__ = ["Ctx", "DecisionState", "Decider", "Outcome", "request_hash"]
