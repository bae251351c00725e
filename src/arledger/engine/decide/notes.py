"""Notes on customer accounts: what a collector writes down (no money moves)."""

from __future__ import annotations

from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine.decide.context import Ctx
from arledger.engine.decide.customers import live_customer
from arledger.v1 import commands_pb2 as pb


def add_note(ctx: Ctx, m: pb.AddNoteRequest) -> None:
    if not m.actor.strip():
        raise error("ACTOR_REQUIRED", "a note needs an actor (who wrote it)")
    V.text(m.text, "text", required=True)
    c = live_customer(ctx, m.customer_id)
    day = V.day(m.effective_date, "effective_date")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
    ctx.entry("NoteAdded", day, customer_ix=c.ix, text=m.text)


HANDLERS = {"add_note": add_note}
