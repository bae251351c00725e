"""Collections: promises to pay (and payment plans), and the dunning run."""

from __future__ import annotations

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine.decide.context import Ctx
from arledger.engine.decide.customers import live_customer
from arledger.engine.decide.invoices import live_invoice, policy
from arledger.v1 import commands_pb2 as pb


def record_promise(ctx: Ctx, m: pb.RecordPromiseRequest) -> None:
    pid = V.ident(m.promise_id, "promise_id")
    c = live_customer(ctx, m.customer_id)
    made = V.day(m.made_date, "made_date")
    if made < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "made_date is before the account opened")
    if not 0 < len(m.installments) <= limits.promise_installments_max:
        raise error("MISSING_FIELD" if not m.installments else "TOO_MANY_ITEMS",
                    f"a promise has 1..{limits.promise_installments_max} installments")
    if len(m.invoice_ids) > limits.invoices_per_promise_max:
        raise error("TOO_MANY_ITEMS", f"at most {limits.invoices_per_promise_max} invoices")
    schedule, last, total = [], made - 1, 0
    for n, inst in enumerate(m.installments):
        due = V.day(inst.due_date, f"installments[{n}].due_date")
        if due < made:
            raise error("PROMISE_DATE_IN_PAST", f"installments[{n}].due_date "
                        f"{inst.due_date} is before the promise was made ({m.made_date})")
        if due <= last:
            raise error("INVALID_PROMISE", "installment dates must be strictly increasing")
        last = due
        total += V.amount(inst.amount_minor, f"installments[{n}].amount_minor")
        schedule.append((due, inst.amount_minor))
    V.amount(total, "the promised total")
    invoices: list[int] = []
    for iid in m.invoice_ids:
        r = live_invoice(ctx, iid)
        if r.customer != c.ix:
            raise error("INVOICE_OF_OTHER_CUSTOMER", f"invoice {iid!r} belongs to another "
                        "customer")
        if r.ix in invoices:
            raise error("DUPLICATE_ALLOCATION", f"invoice {iid!r} appears twice")
        invoices.append(r.ix)
    if ctx.find("promise", pid) >= 0:
        raise error("PROMISE_EXISTS", f"promise {pid!r} already exists")
    ix = ctx.next_index("promise")
    e = ctx.entry("PromiseMade", made, promise_ix=ix, promise_id=pid, customer_ix=c.ix,
                  amount_minor=total)
    for due, amt in schedule:
        ctx.child(E.PROMISE_INSTALLMENTS, e, promise_ix=ix, due_day=due, amount_minor=amt)
    for inv in invoices:
        ctx.child(E.PROMISE_INVOICES, e, promise_ix=ix, invoice_ix=inv)


def run_dunning(ctx: Ctx, m: pb.RunDunningRequest) -> None:
    """One vectorised pass over the read state, which the writer brings level with this
    state first (a run is a group of its own); the Python loop covers only the steps."""
    from arledger.engine.dunning import plan_run
    if ctx.recs.n:
        raise error("DUNNING_RUN_NOT_ALONE", "a dunning run is submitted on its own (its "
                    "RPC, or a batch of one)")
    day = V.day(m.as_of_date, "as_of_date")
    default = None
    if m.default_policy_id:
        default = policy(ctx, "dunning", V.ident(m.default_policy_id, "default_policy_id"), 0,
                         "default_policy_id")
    assert ctx.view is not None, "a dunning run needs the read state, level with this one"
    run = plan_run(ctx.view, day, default, ctx.D.credit_policy())
    ctx.out.detail = run  # counts for the RPC's answer; the notices come from the state
    for p, inst, shortfall in run.broken_promises:
        ctx.entry("PromiseBroken", day, promise_ix=p, installment=inst,
                  shortfall_minor=shortfall)
    for st in run.steps:
        e = ctx.entry("DunningStepTaken", day, invoice_ix=st.invoice,
                      installment=st.installment, level=st.level, policy_ix=st.policy,
                      days_past_due=st.dpd, open_minor=st.open, fee_minor=st.fee,
                      interest_minor=st.interest)
        pos = ctx.first_position + e  # the step's log position names its charges
        if st.fee:
            _charge(ctx, st.customer, E.KIND_FEE, st.invoice, st.fee, day, f"fee:{pos}")
        if st.interest:
            _charge(ctx, st.customer, E.KIND_INTEREST, st.invoice, st.interest, day,
                    f"interest:{pos}")
    for cust, source in run.holds:
        ctx.entry("CustomerHoldPlaced", day, customer_ix=cust, hold_source=source)


def _charge(ctx: Ctx, cust: int, kind: int, on_inv: int, amount: int, day: int,
            iid: str) -> None:
    """A fee or interest: an invoice of its own, due at once, marked by ChargeAssessed."""
    while ctx.find("invoice", iid) >= 0:  # a caller's invoice number took it
        iid += "x"
    ix = ctx.next_index("invoice")
    ctx.entry("InvoiceIssued", day, invoice_ix=ix, invoice_id=iid, customer_ix=cust,
              po_number="", amount_minor=amount, issue_day=day, due_day=day)
    ctx.entry("ChargeAssessed", day, invoice_ix=ix, charge_kind=kind, on_invoice_ix=on_inv)


HANDLERS = {"record_promise": record_promise, "run_dunning": run_dunning}
