"""Cash application: payments (record, allocate, reverse), credit notes (issue, allocate),
refunds of unapplied money; the allocation strategies, discounts and short-pay tolerance."""

from __future__ import annotations

from typing import Any

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine.book import CLOSURE_DISCOUNT, CLOSURE_SMALL_BALANCE
from arledger.engine.decide.context import Ctx, Customer
from arledger.engine.decide.customers import live_customer
from arledger.engine.decide.invoices import live_invoice, not_before_reopening
from arledger.v1 import commands_pb2 as pb

METHODS = frozenset(pb.PaymentMethod.values()) - {0}
_STRATEGIES = frozenset(pb.AllocationStrategy.values())
_REVERSAL_REASONS = frozenset(pb.ReversalReason.values()) - {0}
_CLOSURE_TYPES = ((CLOSURE_DISCOUNT, "DiscountTaken"),
                  (CLOSURE_SMALL_BALANCE, "SmallBalanceWrittenOff"))

# A plan line: (invoice index, amount applied, invoice id if the caller named it, discount
# taken with it, the invoice's open amount before).
Plan = list[tuple[int, int, str | None, int, int]]


def money_received(m: Any, c: Customer, what: str) -> int:
    """Currency (the account's), amount and method of money received; the amount."""
    V.account_currency(m.currency, c.currency, what)
    amount = V.amount(m.amount_minor, "amount_minor")
    if m.method not in METHODS:
        raise error("INVALID_ENUM", "method is required (BANK_TRANSFER, CHEQUE, CARD, ...)")
    return amount


def plan(ctx: Ctx, cust: int, available: int, day: int, strategy: int, given: Any,
         required: bool) -> Plan:
    """Where `available` goes, effective `day`. Without a strategy or allocations, the
    customer's own strategy applies (oldest due first by default)."""
    D = ctx.D
    if not given and strategy == pb.ALLOCATION_STRATEGY_UNSPECIFIED:
        strategy = D.customer(cust).strategy or pb.OLDEST_DUE_FIRST
    if given and strategy not in (pb.ALLOCATION_STRATEGY_UNSPECIFIED, pb.EXPLICIT):
        raise error("ALLOCATIONS_NOT_ALLOWED", "allocations are only for the EXPLICIT strategy")
    if strategy not in _STRATEGIES:
        raise error("INVALID_ENUM", f"unknown allocation strategy {strategy}")
    if given or strategy == pb.EXPLICIT:
        if not given:
            raise error("MISSING_FIELD", "EXPLICIT needs allocations")
        if len(given) > limits.allocations_per_command_max:
            raise error("TOO_MANY_ITEMS",
                        f"at most {limits.allocations_per_command_max} allocations")
        out: Plan = []
        seen: set[int] = set()
        total = 0
        for n, a in enumerate(given):
            r = live_invoice(ctx, a.invoice_id)
            amt = a.amount_minor
            if not 0 < amt <= limits.amount_minor_max:
                V.amount(amt, f"allocations[{n}].amount_minor")
            if r.ix in seen:
                raise error("DUPLICATE_ALLOCATION", f"invoice {a.invoice_id!r} appears twice")
            seen.add(r.ix)
            if r.customer != cust:
                raise error("INVOICE_OF_OTHER_CUSTOMER", f"invoice {a.invoice_id!r} belongs to "
                            "another customer")
            if r.issue_day > day:
                raise error("DATE_BEFORE_ORIGIN", f"invoice {a.invoice_id!r} is issued after "
                            "the allocation's date")
            if amt > r.open:
                raise error("ALLOCATION_EXCEEDS_OPEN", f"invoice {a.invoice_id!r} has {r.open} "
                            f"open, {amt} allocated")
            not_before_reopening(r, day, a.invoice_id)
            total += amt
            # Paying the discounted amount within the window settles the invoice.
            disc = r.open - amt if (r.disc and day <= r.disc_until
                                    and r.open - r.disc <= amt < r.open) else 0
            out.append((r.ix, amt, a.invoice_id, disc, r.open))
        if total > available:
            raise error("ALLOCATION_EXCEEDS_AMOUNT", f"allocations sum to {total}, "
                        f"{available} available")
        return out
    if strategy == pb.LEAVE_UNAPPLIED:
        if required:
            raise error("INVALID_ENUM", "LEAVE_UNAPPLIED allocates nothing")
        return []
    by_kind = strategy == pb.FEES_INTEREST_PRINCIPAL
    cands = []
    for ix in D.open_invoices_of(cust):
        r = D.invoice(ix)
        if r.open > 0 and not r.voided and r.issue_day <= day and r.reopen_day <= day:
            disc = r.disc if r.disc and day <= r.disc_until and r.disc < r.open else 0
            # Fees (kind 1), then interest (2), then principal (0), by due date within each.
            cands.append(((r.kind - 1) % 3 if by_kind else 0, r.due_day, r.issue_day, ix,
                          r.open, disc))
    cands.sort(reverse=strategy == pb.NEWEST_DUE_FIRST)
    out = []
    left = available
    for _, _, _, ix, open_, disc in cands:
        if not left:
            break
        if disc and left >= open_ - disc:
            out.append((ix, open_ - disc, None, disc, open_))
            left -= open_ - disc
            continue
        a = min(open_, left)
        out.append((ix, a, None, 0, open_))
        left -= a
    if required and not out:
        raise error("NOTHING_TO_ALLOCATE", "no open invoice issued on or before the date")
    return out


def apply_plan(ctx: Ctx, e: int, kind: int, src: int, p: Plan, day: int,
               unapplied_after: int) -> None:
    """Write a plan's allocations under entry e, the discounts it takes and (payments that
    used all their cash) the small balances it closes."""
    for inv, a, _, _, _ in p:
        ctx.allocation(e, kind, src, inv, a)
    for inv, _, _, disc, _ in p:
        if disc:
            ctx.entry("DiscountTaken", day, invoice_ix=inv, payment_ix=src, amount_minor=disc)
    if kind == E.SOURCE_PAYMENT and unapplied_after == 0:
        pol = ctx.D.credit_policy()
        if pol.short_pay_tolerance_minor or pol.short_pay_tolerance_bp:
            for inv, a, _, disc, open_before in p:
                left = open_before - a - disc
                if 0 < left <= pol.tolerance(ctx.D.invoice(inv).amount):
                    ctx.entry("SmallBalanceWrittenOff", day, invoice_ix=inv, payment_ix=src,
                              amount_minor=left)


def record_payment(ctx: Ctx, m: pb.RecordPaymentRequest) -> None:
    pid = V.ident(m.payment_id, "payment_id")
    c = live_customer(ctx, m.customer_id)
    amount = money_received(m, c, "payment")
    day = V.day(m.value_date, "value_date")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "value_date is before the account opened")
    V.text(m.remittance_reference, "remittance_reference")
    if ctx.find("payment", pid) >= 0:
        raise error("PAYMENT_EXISTS", f"payment {pid!r} already exists")
    p = plan(ctx, c.ix, amount, day, m.strategy, m.allocations, required=False)
    ix = ctx.next_index("payment")
    unapplied = amount - sum(x[1] for x in p)
    e = ctx.entry("PaymentRecorded", day, payment_ix=ix, payment_id=pid, customer_ix=c.ix,
                  amount_minor=amount, method=m.method, value_day=day,
                  remittance_reference=m.remittance_reference, unapplied_minor=unapplied)
    apply_plan(ctx, e, E.SOURCE_PAYMENT, ix, p, day, unapplied)


def allocate_payment(ctx: Ctx, m: pb.AllocatePaymentRequest) -> None:
    r = ctx.D.payment(ctx.must("payment", m.payment_id, "payment_id"))
    if r.reversed:
        raise error("PAYMENT_REVERSED", f"payment {m.payment_id!r} was reversed")
    day = V.day(m.effective_date, "effective_date")
    if day < r.value_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the payment's value date")
    if r.unapplied <= 0:
        raise error("NOTHING_UNAPPLIED", f"payment {m.payment_id!r} has nothing unapplied")
    p = plan(ctx, r.customer, r.unapplied, day, m.strategy, m.allocations, required=True)
    e = ctx.entry("PaymentAllocated", day, payment_ix=r.ix)
    left = r.unapplied - sum(x[1] for x in p)
    apply_plan(ctx, e, E.SOURCE_PAYMENT, r.ix, p, day, left)


def reverse_payment(ctx: Ctx, m: pb.ReversePaymentRequest) -> None:
    D = ctx.D
    r = D.payment(ctx.must("payment", m.payment_id, "payment_id"))
    if r.reversed:
        raise error("PAYMENT_REVERSED", f"payment {m.payment_id!r} was already reversed")
    if m.reversal_reason not in _REVERSAL_REASONS:
        raise error("INVALID_ENUM", "reversal_reason is required (RETURNED_CHEQUE, ...)")
    day = V.day(m.effective_date, "effective_date")
    if day < max(r.value_day, r.alloc_day):
        raise error("DATE_BEFORE_ORIGIN", "a reversal cannot precede the payment or its "
                    "allocations")
    allocs = D.payment_allocations(r.ix)
    refunded = r.amount - r.unapplied - sum(allocs.values())
    if refunded:
        raise error("PAYMENT_HAS_REFUNDS", f"{refunded} of payment {m.payment_id!r} was "
                    "refunded; a reversal would take back money already paid out")
    e = ctx.entry("PaymentReversed", day, payment_ix=r.ix, reversal_reason=m.reversal_reason,
                  amount_minor=r.amount)
    for inv, a in sorted(allocs.items()):
        ctx.allocation(e, E.SOURCE_PAYMENT, r.ix, inv, -a)
    # What it closed without money (discounts, small balances) reopens with it.
    for kind, type_name in _CLOSURE_TYPES:
        for inv, amt in sorted(D.payment_closures(r.ix, kind).items()):
            ctx.entry(type_name, day, invoice_ix=inv, payment_ix=r.ix, amount_minor=-amt)


def credit_note(ctx: Ctx, cnid: str, cust: int, amount: int, day: int, reason_code: str,
                dispute: int, invoice: int | None) -> None:
    """Issue a credit note; applied to `invoice` (up to what is open) when given."""
    if ctx.find("credit_note", cnid) >= 0:
        raise error("CREDIT_NOTE_EXISTS", f"credit note {cnid!r} already exists")
    ix = ctx.next_index("credit_note")
    e = ctx.entry("CreditNoteIssued", day, credit_note_ix=ix, credit_note_id=cnid,
                  customer_ix=cust, amount_minor=amount, issue_day=day, reason_code=reason_code,
                  dispute_ix=dispute)
    if invoice is not None:
        ir = ctx.D.invoice(invoice)
        # Dated before a reversal reopened the invoice: kept as account credit.
        applied = min(amount, ir.open) if day >= ir.reopen_day else 0
        if applied:
            apply_plan(ctx, e, E.SOURCE_CREDIT_NOTE, ix, [(invoice, applied, None, 0, ir.open)],
                       day, amount - applied)


def issue_credit_note(ctx: Ctx, m: pb.IssueCreditNoteRequest) -> None:
    cnid = V.ident(m.credit_note_id, "credit_note_id")
    c = live_customer(ctx, m.customer_id)
    V.account_currency(m.currency, c.currency, "credit note")
    amount = V.amount(m.amount_minor, "amount_minor")
    day = V.day(m.issue_date, "issue_date")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "issue_date is before the account opened")
    V.text(m.reason_code, "reason_code")
    invoice = None
    if m.invoice_id:
        r = live_invoice(ctx, m.invoice_id)
        if r.customer != c.ix:
            raise error("INVOICE_OF_OTHER_CUSTOMER", f"invoice {m.invoice_id!r} belongs to "
                        "another customer")
        if r.issue_day > day:
            raise error("DATE_BEFORE_ORIGIN", "the credit note predates the invoice")
        if amount > r.open:
            raise error("CREDIT_EXCEEDS_OPEN", f"invoice {m.invoice_id!r} has {r.open} open")
        not_before_reopening(r, day, m.invoice_id)
        invoice = r.ix
    credit_note(ctx, cnid, c.ix, amount, day, m.reason_code, -1, invoice)


def allocate_credit_note(ctx: Ctx, m: pb.AllocateCreditNoteRequest) -> None:
    r = ctx.D.credit_note(ctx.must("credit_note", m.credit_note_id, "credit_note_id"))
    day = V.day(m.effective_date, "effective_date")
    if day < r.issue_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the credit note's date")
    if r.unapplied <= 0:
        raise error("NOTHING_UNAPPLIED", f"credit note {m.credit_note_id!r} has nothing "
                    "unapplied")
    p = plan(ctx, r.customer, r.unapplied, day, m.strategy, m.allocations, required=True)
    e = ctx.entry("CreditNoteAllocated", day, credit_note_ix=r.ix)
    apply_plan(ctx, e, E.SOURCE_CREDIT_NOTE, r.ix, p, day, r.unapplied - sum(x[1] for x in p))


def refund_unapplied(ctx: Ctx, m: pb.RefundUnappliedRequest) -> None:
    V.person(m.actor, m.reason, "a refund")
    rid = V.ident(m.refund_id, "refund_id")
    if bool(m.payment_id) == bool(m.credit_note_id):
        raise error("REFUND_SOURCE_REQUIRED", "name exactly one of payment_id and "
                    "credit_note_id")
    amount = V.amount(m.amount_minor, "amount_minor")
    if m.method not in METHODS:
        raise error("INVALID_ENUM", "method is required (BANK_TRANSFER, CHEQUE, CARD, ...)")
    day = V.day(m.refund_date, "refund_date")
    D = ctx.D
    if m.payment_id:
        p = D.payment(ctx.must("payment", m.payment_id, "payment_id"))
        if p.reversed:
            raise error("PAYMENT_REVERSED", f"payment {m.payment_id!r} was reversed")
        # Only the money's own date, as for a credit note: the refund takes at
        # most what is unapplied now, after every allocation whatever its date, and
        # allocations and refunds only ever lower a payment's unapplied cash (a payment
        # with refunds cannot be reversed), so no as-of view of it goes below zero.
        src, unapplied, origin = p.ix, p.unapplied, p.value_day
    else:
        n = D.credit_note(ctx.must("credit_note", m.credit_note_id, "credit_note_id"))
        src, unapplied, origin = n.ix, n.unapplied, n.issue_day
    if amount > unapplied:
        raise error("REFUND_EXCEEDS_UNAPPLIED", f"{unapplied} unapplied, {amount} refunded")
    if day < origin:
        raise error("DATE_BEFORE_ORIGIN", "refund_date is before the money it refunds")
    if D.book.ids["refund"].find(rid) >= 0:
        raise error("REFUND_EXISTS", f"refund {rid!r} already exists")
    ctx.entry("UnappliedRefunded", day, refund_id=rid,
              payment_ix=src if m.payment_id else -1,
              credit_note_ix=-1 if m.payment_id else src, amount_minor=amount, method=m.method)


HANDLERS = {"record_payment": record_payment, "allocate_payment": allocate_payment,
            "reverse_payment": reverse_payment, "issue_credit_note": issue_credit_note,
            "allocate_credit_note": allocate_credit_note, "refund_unapplied": refund_unapplied}
