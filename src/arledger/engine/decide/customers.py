"""Customers: open an account, change its master data, close it."""

from __future__ import annotations

from typing import Any

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine.apply import CURRENCY_SLOT
from arledger.engine.decide.context import Ctx, Customer, wrong_partition
from arledger.engine.records import F0
from arledger.v1 import commands_pb2 as pb


def master(m: Any) -> dict[str, str]:
    """The master-data text of an open or update request, validated."""
    a = m.address
    out = {"name": V.text(m.name, "name"), "billing_contact": V.text(m.billing_contact,
                                                                      "billing_contact")}
    for col, val in zip(E.ADDRESS_COLUMNS, (a.line1, a.line2, a.city, a.region, a.postal_code,
                                            a.country)):
        out[col] = V.text(val, col)
    return out


def _net_days(days: int) -> int:
    if not 0 <= days <= limits.net_days_max:
        raise error("INVALID_NET_DAYS", f"payment_terms_net_days must be 0..{limits.net_days_max}")
    return days


def _limit(limit: int, field: str) -> int:
    if not 0 <= limit <= limits.credit_limit_minor_max:
        raise error("INVALID_CREDIT_LIMIT", f"{field} must be 0..10^15")
    return limit


def live_customer(ctx: Ctx, cid: str) -> Customer:
    """The account of `cid`, which must exist and be open."""
    c = ctx.D.customer(ctx.must("customer", cid, "customer_id"))
    if c.closed:
        raise error("CUSTOMER_CLOSED", f"customer {cid!r} is closed")
    return c


def open_customer(ctx: Ctx, m: pb.OpenCustomerRequest) -> None:
    cid = V.ident(m.customer_id, "customer_id")
    V.text(m.name, "name", required=True)
    cur = V.currency(m.currency)
    text = master(m)
    _net_days(m.payment_terms_net_days)
    _limit(m.credit_limit_minor, "credit_limit_minor")
    day = V.day(m.opened_date, "opened_date")
    if not ctx.D.partition.owns(cid):
        raise wrong_partition(cid, ctx.D.partition)
    if ctx.find("customer", cid) >= 0:
        raise error("CUSTOMER_EXISTS", f"customer {cid!r} already exists")
    e = ctx.entry("CustomerOpened", day, customer_ix=ctx.next_index("customer"),
                  customer_id=cid, currency=cur, payment_terms_net_days=m.payment_terms_net_days,
                  credit_limit_minor=m.credit_limit_minor, **text)
    ctx.recs.arr.r[e, CURRENCY_SLOT] = ctx.D.currency_index(cur)


def update_customer(ctx: Ctx, m: pb.UpdateCustomerRequest) -> None:
    V.person(m.actor, m.reason, "a master-data change")
    c = live_customer(ctx, m.customer_id)
    day = V.day(m.effective_date, "effective_date")
    changed = 0
    cols: dict[str, Any] = {"name": "", "billing_contact": "", "payment_terms_net_days": 0,
                            "credit_limit_minor": 0}
    cols.update({a: "" for a in E.ADDRESS_COLUMNS})
    if m.HasField("name"):
        cols["name"] = V.text(m.name, "name", required=True)
        changed |= E.CHANGED_NAME
    if m.HasField("billing_contact"):
        cols["billing_contact"] = V.text(m.billing_contact, "billing_contact")
        changed |= E.CHANGED_CONTACT
    if m.HasField("address"):
        cols.update({k: v for k, v in master(m).items() if k.startswith("address_")})
        changed |= E.CHANGED_ADDRESS
    if m.HasField("payment_terms_net_days"):
        cols["payment_terms_net_days"] = _net_days(m.payment_terms_net_days)
        changed |= E.CHANGED_NET_DAYS
    if m.HasField("credit_limit_minor"):
        cols["credit_limit_minor"] = _limit(m.credit_limit_minor, "credit_limit_minor")
        changed |= E.CHANGED_LIMIT
    if not changed:
        raise error("NOTHING_TO_CHANGE", "set at least one field to change")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
    ctx.entry("CustomerUpdated", day, customer_ix=c.ix, changed=changed, **cols)


def close_customer(ctx: Ctx, m: pb.CloseCustomerRequest) -> None:
    c = live_customer(ctx, m.customer_id)
    day = V.day(m.effective_date, "effective_date")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
    D = ctx.D
    open_ = sum(D.invoice(i).open for i in D.invoices_of(c.ix))
    held = sum(D.payment(p).unapplied for p in D.payments_of(c.ix)) + \
        sum(D.credit_note(n).unapplied for n in D.credit_notes_of(c.ix))
    if open_ or held:
        raise error("CUSTOMER_HAS_OPEN_BALANCE", f"customer {m.customer_id!r} still has "
                    f"{open_} open and {held} unapplied (minor units)")
    ctx.entry("CustomerClosed", day, customer_ix=c.ix)


HANDLERS = {"open_customer": open_customer, "update_customer": update_customer,
            "close_customer": close_customer}
__all__ = ["HANDLERS", "F0", "live_customer", "master"]
