"""Invoices: issue (terms, lines, the credit check), void, write off."""

from __future__ import annotations

from typing import Any

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import policies as P
from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.engine.decide.context import Ctx, Customer, Invoice
from arledger.engine.decide.customers import live_customer
from arledger.v1 import commands_pb2 as pb


def live_invoice(ctx: Ctx, iid: str) -> Invoice:
    """The invoice `iid`, which must exist and not be voided."""
    r = ctx.D.invoice(ctx.must("invoice", iid, "invoice_id"))
    if r.voided:
        raise error("INVOICE_VOIDED", f"invoice {iid!r} was voided")
    return r


def not_before_reopening(r: Invoice, day: int, invoice_id: str) -> None:
    """Money applied to an invoice may not be dated before a reversal reopened it: as of
    that earlier date less was open, and an as-of view would go below zero."""
    if day < r.reopen_day:
        raise error("DATE_BEFORE_REOPENING", f"invoice {invoice_id!r} was reopened by a reversal "
                    f"effective {day_to_iso(r.reopen_day)}; date this on or after that")


def policy(ctx: Ctx, kind: str, pid: str, version: int, field: str) -> tuple[int, int, Any]:
    """(version index, version number, definition) of a policy id; latest for version 0."""
    pol = ctx.D.policies
    vs: list[tuple[int, P.PaymentTerms | P.DunningPolicy]]
    if kind == "terms":
        vs = [(ix, pol.terms[ix]) for ix in pol.terms_versions.get(pid, ())]
    else:
        vs = [(ix, pol.dunning_policies[ix]) for ix in pol.dunning_versions.get(pid, ())]
    what = "payment terms" if kind == "terms" else "dunning policy"
    if not vs:
        raise error("UNKNOWN_POLICY", f"{field}: no {what} {pid!r}")
    if version < 0 or version > len(vs):
        raise error("UNKNOWN_POLICY_VERSION", f"{field}: {what} {pid!r} has versions "
                    f"1..{len(vs)}, not {version}")
    n = version or len(vs)
    ix, d = vs[n - 1]
    return ix, n, d


def invoice_terms(ctx: Ctx, m: pb.IssueInvoiceRequest, cust: int, issue: int,
                  amount: int) -> tuple[int, list[tuple[int, int]], tuple[int, int]] | None:
    """(terms version index, schedule, (discount, last day)) for an invoice, or None."""
    tid = m.terms_id
    if tid:
        V.ident(tid, "terms_id")
        if m.due_date:
            raise error("DUE_DATE_WITH_TERMS", "give terms_id or due_date, not both")
    elif m.due_date or m.terms_version:
        if m.terms_version:
            raise error("MISSING_FIELD", "terms_version needs terms_id")
        return None
    else:
        tid = ctx.D.policies.customer_terms.get(cust, "")
        if not tid:
            return None
    ix, _, terms = policy(ctx, "terms", tid, m.terms_version, "terms_id")
    terms_currency(terms, ctx.D.customer(cust).currency, tid)
    return ix, terms.schedule(issue, amount), terms.discount(issue, amount)


def terms_currency(terms: P.PaymentTerms, currency: str, tid: str) -> None:
    """Terms with a fixed discount apply only to accounts in the discount's currency."""
    if terms.discount_fixed_minor and terms.discount_currency != currency:
        raise error("CURRENCY_MISMATCH", f"terms {tid!r} give a fixed discount in "
                    f"{terms.discount_currency}; the account is in {currency}")


def credit_check(ctx: Ctx, c: Customer, amount: int) -> tuple[int, int, int] | None:
    """None when within the limit (or no limit: 0 means none is set); else (action,
    exposure before, limit). REJECT refuses here, before anything is written."""
    if not c.credit_limit:
        return None
    exposure = c.balance
    if exposure + amount <= c.credit_limit:
        return None
    action = c.over_limit or P.OVER_LIMIT_ACTIONS.index(ctx.D.credit_policy().over_limit_action)
    if action == P.REJECT:
        raise error("CREDIT_LIMIT_EXCEEDED", f"exposure {exposure} + invoice {amount} "
                    f"exceeds the credit limit {c.credit_limit}", exposure_minor=exposure,
                    invoice_minor=amount, limit_minor=c.credit_limit)
    return action, exposure, c.credit_limit


def issue_invoice(ctx: Ctx, m: pb.IssueInvoiceRequest) -> None:
    iid = V.ident(m.invoice_id, "invoice_id")
    c = live_customer(ctx, m.customer_id)
    if m.currency:
        V.account_currency(m.currency, c.currency, "invoice")
    V.text(m.po_number, "po_number")
    issue = V.day(m.issue_date, "issue_date")
    if issue < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "issue_date is before the account opened")
    due = issue + c.net_days
    if m.due_date:
        due = V.day(m.due_date, "due_date")
        if due < issue:
            raise error("DUE_BEFORE_ISSUE", "due_date is before issue_date")
    if len(m.lines) > limits.lines_per_invoice_max:
        raise error("TOO_MANY_ITEMS", f"at most {limits.lines_per_invoice_max} lines")
    total = 0
    for n, line in enumerate(m.lines):
        V.text(line.description, f"lines[{n}].description")
        if not 0 < line.quantity <= limits.line_quantity_max or line.unit_price_minor < 0:
            raise error("INVALID_QUANTITY", f"lines[{n}]: quantity 1..{limits.line_quantity_max}, "
                        "unit price >= 0")
        total += line.quantity * line.unit_price_minor
    amount = m.amount_minor
    if m.lines:
        if amount and amount != total:
            raise error("LINES_AMOUNT_MISMATCH", f"amount_minor {amount} but lines sum to {total}")
        amount = total
    V.amount(amount, "amount_minor")
    if ctx.find("invoice", iid) >= 0:
        raise error("DUPLICATE_INVOICE_NUMBER", f"invoice {iid!r} already exists")
    if c.on_hold:
        raise error("CUSTOMER_ON_HOLD", f"customer {m.customer_id!r} is on hold: "
                    f"{ctx.D.holds.get(c.ix, 'on hold')}; release the hold before invoicing")
    terms = invoice_terms(ctx, m, c.ix, issue, amount)
    if terms is not None:
        due = terms[1][-1][0]
    check = credit_check(ctx, c, amount)
    ix = ctx.next_index("invoice")
    e = ctx.entry("InvoiceIssued", issue, invoice_ix=ix, invoice_id=iid, customer_ix=c.ix,
                  po_number=m.po_number, amount_minor=amount, issue_day=issue, due_day=due)
    for line in m.lines:
        ctx.child(E.LINES, e, line.description, quantity=line.quantity,
                  unit_price_minor=line.unit_price_minor)
    if terms is not None:
        apply_terms(ctx, ix, terms, issue)
    if check is not None:
        record_credit_check(ctx, c.ix, ix, amount, check, issue)


def apply_terms(ctx: Ctx, inv: int, terms: tuple, issue: int) -> None:
    tix, schedule, (disc, until) = terms
    e = ctx.entry("InvoiceTermsApplied", issue, invoice_ix=inv, terms_ix=tix,
                  discount_minor=disc, discount_until_day=until)
    if len(schedule) > 1:
        for n, (due, amt) in enumerate(schedule, 1):
            ctx.child(E.INSTALLMENTS, e, invoice_ix=inv, number=n, due_day=due,
                      amount_minor=amt)


def record_credit_check(ctx: Ctx, cust: int, inv: int, amount: int, check: tuple,
                        day: int) -> None:
    action, exposure, limit = check
    ctx.entry("CreditCheckDecided", day, customer_ix=cust, invoice_ix=inv,
              over_limit_action=action, exposure_before_minor=exposure, invoice_minor=amount,
              limit_minor=limit)
    if action == P.HOLD:
        ctx.entry("CustomerHoldPlaced", day, customer_ix=cust, hold_source=E.HOLD_OVER_LIMIT)


def void_invoice(ctx: Ctx, m: pb.VoidInvoiceRequest) -> None:
    if not m.reason.strip():
        raise error("REASON_REQUIRED", "voiding an invoice needs a reason")
    r = live_invoice(ctx, m.invoice_id)
    day = V.day(m.effective_date, "effective_date")
    if r.open != r.amount:
        raise error("INVOICE_HAS_APPLIED_MONEY", f"invoice {m.invoice_id!r} has "
                    f"{r.amount - r.open} applied; reverse or credit instead")
    if r.disputed:
        raise error("INVOICE_DISPUTED", f"invoice {m.invoice_id!r} has an open dispute")
    if day < r.issue_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the issue date")
    not_before_reopening(r, day, m.invoice_id)
    ctx.entry("InvoiceVoided", day, invoice_ix=r.ix, amount_minor=r.amount)


def write_off_invoice(ctx: Ctx, m: pb.WriteOffInvoiceRequest) -> None:
    V.person(m.actor, m.reason, "a write-off")
    r = live_invoice(ctx, m.invoice_id)
    day = V.day(m.effective_date, "effective_date")
    if day < r.issue_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the issue date")
    if r.open <= 0:
        raise error("NOTHING_OPEN", f"invoice {m.invoice_id!r} has nothing open")
    amount = m.amount_minor or r.open
    V.amount(amount, "amount_minor")
    if amount > r.open:
        raise error("WRITE_OFF_EXCEEDS_OPEN", f"invoice {m.invoice_id!r} has {r.open} open")
    not_before_reopening(r, day, m.invoice_id)
    ctx.entry("InvoiceWrittenOff", day, invoice_ix=r.ix, amount_minor=amount)


HANDLERS = {"issue_invoice": issue_invoice, "void_invoice": void_invoice,
            "write_off_invoice": write_off_invoice}
