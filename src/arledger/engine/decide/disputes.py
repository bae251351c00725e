"""Disputes: open one on (part of) an invoice, review it, resolve it (a credit note follows
when it is upheld, in whole or in part)."""

from __future__ import annotations

from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine.decide.cash import credit_note
from arledger.engine.decide.context import Ctx
from arledger.engine.decide.invoices import live_invoice
from arledger.v1 import commands_pb2 as pb


def open_dispute(ctx: Ctx, m: pb.OpenDisputeRequest) -> None:
    did = V.ident(m.dispute_id, "dispute_id")
    r = live_invoice(ctx, m.invoice_id)
    amount = V.amount(m.amount_minor, "amount_minor")
    V.text(m.reason_code, "reason_code", required=True)
    day = V.day(m.opened_date, "opened_date")
    if day < r.issue_day:
        raise error("DATE_BEFORE_ORIGIN", "opened_date is before the invoice's issue date")
    if amount > r.open - r.disputed:
        raise error("DISPUTE_EXCEEDS_OPEN", f"invoice {m.invoice_id!r} has "
                    f"{r.open - r.disputed} open and not yet disputed")
    if ctx.find("dispute", did) >= 0:
        raise error("DISPUTE_EXISTS", f"dispute {did!r} already exists")
    ctx.entry("DisputeOpened", day, dispute_ix=ctx.next_index("dispute"), dispute_id=did,
              invoice_ix=r.ix, amount_minor=amount, reason_code=m.reason_code)


def review_dispute(ctx: Ctx, m: pb.ReviewDisputeRequest) -> None:
    V.person(m.actor, m.reason, "a dispute review")
    d = ctx.D.dispute(ctx.must("dispute", m.dispute_id, "dispute_id"))
    if not d.open:
        raise error("DISPUTE_NOT_OPEN", f"dispute {m.dispute_id!r} is already resolved")
    if d.under_review:
        raise error("DISPUTE_UNDER_REVIEW", f"dispute {m.dispute_id!r} is already under review")
    day = V.day(m.effective_date, "effective_date")
    if day < d.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the dispute opened")
    ctx.entry("DisputeReviewStarted", day, dispute_ix=d.ix)


def resolve_dispute(ctx: Ctx, m: pb.ResolveDisputeRequest) -> None:
    V.person(m.actor, m.reason, "a dispute resolution")
    d = ctx.D.dispute(ctx.must("dispute", m.dispute_id, "dispute_id"))
    if not d.open:
        raise error("DISPUTE_NOT_OPEN", f"dispute {m.dispute_id!r} is already resolved")
    day = V.day(m.resolved_date, "resolved_date")
    if day < d.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "resolved_date is before the dispute opened")
    credited = m.credited_amount_minor
    if m.outcome == pb.DISPUTE_UPHELD:
        if credited not in (0, d.amount):
            raise error("CREDIT_AMOUNT_INVALID", f"upheld credits the disputed {d.amount}")
        credited = d.amount
    elif m.outcome == pb.DISPUTE_PARTIALLY_UPHELD:
        if not 0 < credited < d.amount:
            raise error("CREDIT_AMOUNT_INVALID", f"partially upheld credits 1..{d.amount - 1}")
    elif m.outcome == pb.DISPUTE_REJECTED:
        if credited:
            raise error("CREDIT_AMOUNT_INVALID", "a rejected dispute credits nothing")
    else:
        raise error("INVALID_ENUM", "outcome is required")
    cnid = V.ident(m.credit_note_id, "credit_note_id") if credited else ""
    if credited and ctx.find("credit_note", cnid) >= 0:
        raise error("CREDIT_NOTE_EXISTS", f"credit note {cnid!r} already exists")
    ir = ctx.D.invoice(d.invoice)
    ctx.entry("DisputeResolved", day, dispute_ix=d.ix, outcome=m.outcome,
              credited_minor=credited)
    if credited:
        credit_note(ctx, cnid, ir.customer, credited, day, "DISPUTE", d.ix, d.invoice)


HANDLERS = {"open_dispute": open_dispute, "review_dispute": review_dispute,
            "resolve_dispute": resolve_dispute}
