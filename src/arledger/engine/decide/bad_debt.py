"""Bad debt: write off a customer's open invoices, record recoveries, sell receivables to
an agency and take recalled ones back."""

from __future__ import annotations

from arledger.domain import limits
from arledger.domain import policies as P
from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine.decide.cash import money_received
from arledger.engine.decide.context import Ctx
from arledger.engine.decide.invoices import live_invoice
from arledger.v1 import commands_pb2 as pb


def write_off_customer(ctx: Ctx, m: pb.WriteOffCustomerRequest) -> None:
    V.person(m.actor, m.reason, "a write-off")
    D = ctx.D
    cust = ctx.must("customer", m.customer_id, "customer_id")
    day = V.day(m.effective_date, "effective_date")
    items = []
    for ix in D.invoices_of(cust):
        r = D.invoice(ix)
        if r.open > 0 and not r.voided:
            if day < max(r.issue_day, r.reopen_day):
                raise error("DATE_BEFORE_ORIGIN", f"invoice {D.book.ids['invoice'].name(ix)!r} "
                            "was issued or reopened after effective_date")
            items.append(r)
    if not items:
        raise error("NOTHING_OPEN", f"customer {m.customer_id!r} has nothing open")
    if len(items) > limits.items_per_sale_max:
        raise error("TOO_MANY_ITEMS", f"{len(items)} open invoices; write off at most "
                    f"{limits.items_per_sale_max} in one command (by invoice)")
    for r in items:
        ctx.entry("InvoiceWrittenOff", day, invoice_ix=r.ix, amount_minor=r.open)


def record_recovery(ctx: Ctx, m: pb.RecordRecoveryRequest) -> None:
    V.person(m.actor, m.reason, "a bad-debt recovery")
    rid = V.ident(m.recovery_id, "recovery_id")
    D = ctx.D
    c = D.customer(ctx.must("customer", m.customer_id, "customer_id"))
    amount = money_received(m, c, "recovery")
    day = V.day(m.value_date, "value_date")
    cu = D.book.customers
    written_off, recovered = cu.written_off.item(c.ix), cu.recovered.item(c.ix)
    if amount > written_off - recovered:
        raise error("RECOVERY_EXCEEDS_WRITTEN_OFF", f"{written_off - recovered} written off and "
                    f"not yet recovered, {amount} recorded")
    if D.book.ids["recovery"].find(rid) >= 0:
        raise error("RECOVERY_EXISTS", f"recovery {rid!r} already exists")
    ctx.entry("BadDebtRecovered", day, recovery_id=rid, customer_ix=c.ix, amount_minor=amount,
              method=m.method, value_day=day)


def sell_receivables(ctx: Ctx, m: pb.SellReceivablesRequest) -> None:
    V.person(m.actor, m.reason, "a sale of receivables")
    sid = V.ident(m.sale_id, "sale_id")
    V.text(m.agency, "agency", required=True)
    if not 0 < m.price_bp <= P.BP:
        raise error("INVALID_PRICE", "price_bp must be 1..10000 (a share of face value)")
    if not 0 < len(m.invoice_ids) <= limits.items_per_sale_max:
        raise error("MISSING_FIELD" if not m.invoice_ids else "TOO_MANY_ITEMS",
                    f"a sale has 1..{limits.items_per_sale_max} invoices")
    day = V.day(m.sale_date, "sale_date")
    D = ctx.D
    items, seen, currency = [], set(), None
    for iid in m.invoice_ids:
        r = live_invoice(ctx, iid)
        if r.ix in seen:
            raise error("DUPLICATE_ALLOCATION", f"invoice {iid!r} appears twice")
        seen.add(r.ix)
        if r.open <= 0:
            raise error("NOTHING_OPEN", f"invoice {iid!r} has nothing open")
        if day < max(r.issue_day, r.reopen_day):
            raise error("DATE_BEFORE_ORIGIN", f"invoice {iid!r} was issued or reopened after "
                        "the sale date")
        cur = D.customer(r.customer).currency
        if currency not in (None, cur):
            raise error("CURRENCY_MISMATCH", "a sale's invoices share one currency")
        currency = cur
        items.append(r)
    if ctx.find("sale", sid) >= 0:
        raise error("SALE_EXISTS", f"sale {sid!r} already exists")
    face = sum(r.open for r in items)
    price = sum(P.percent_of(r.open, m.price_bp) for r in items)
    ix = ctx.next_index("sale")
    ctx.entry("ReceivablesSold", day, sale_ix=ix, sale_id=sid, agency=m.agency,
              currency=currency, face_minor=face, price_minor=price, price_bp=m.price_bp)
    for r in items:
        ctx.entry("InvoiceSold", day, invoice_ix=r.ix, sale_ix=ix, amount_minor=r.open)


def recall_sold_receivables(ctx: Ctx, m: pb.RecallSoldReceivablesRequest) -> None:
    V.person(m.actor, m.reason, "a recall of sold receivables")
    D = ctx.D
    sale = ctx.must("sale", m.sale_id, "sale_id")
    price_bp, sale_day = D.book.sales.price_bp.item(sale), D.book.sales.day.item(sale)
    day = V.day(m.recall_date, "recall_date")
    if day < sale_day:
        raise error("DATE_BEFORE_ORIGIN", "recall_date is before the sale")
    if not 0 < len(m.invoice_ids) <= limits.items_per_sale_max:
        raise error("MISSING_FIELD" if not m.invoice_ids else "TOO_MANY_ITEMS",
                    f"a recall has 1..{limits.items_per_sale_max} invoices")
    items, seen = [], set()
    for iid in m.invoice_ids:
        inv = ctx.must("invoice", iid, "invoice_ids")
        r = D.invoice(inv)
        if r.sale != sale or inv in seen:
            raise error("NOT_SOLD_IN_SALE", f"invoice {iid!r} is not (or no longer) sold in "
                        f"sale {m.sale_id!r}")
        seen.add(inv)
        items.append((inv, r.sold_amount))
    for inv, amt in items:
        ctx.entry("InvoiceRecalled", day, invoice_ix=inv, sale_ix=sale, amount_minor=amt,
                  refund_minor=P.percent_of(amt, price_bp))


HANDLERS = {"write_off_customer": write_off_customer, "record_recovery": record_recovery,
            "sell_receivables": sell_receivables,
            "recall_sold_receivables": recall_sold_receivables}
