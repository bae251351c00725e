"""`arledger customer open|update|close|show`: a customer account's master data."""

from __future__ import annotations

import argparse
import dataclasses

from arledger.cli import args as A
from arledger.cli import connect
from arledger.cli.output import emit


def _open(args: argparse.Namespace) -> int:
    return connect.send(
        args, "open_customer", customer_id=args.customer_id, name=args.name,
        currency=args.currency, billing_contact=args.contact or "",
        payment_terms_net_days=args.net_days, credit_limit_minor=args.credit_limit,
        opened_date=args.opened,
        address={"line1": args.line1 or "", "city": args.city or "",
                 "postal_code": args.postal_code or "", "country": args.country or ""})


def _update(args: argparse.Namespace) -> int:
    return connect.send(
        args, "update_customer", customer_id=args.customer_id,
        effective_date=args.effective_date, name=args.name, billing_contact=args.contact,
        payment_terms_net_days=args.net_days, credit_limit_minor=args.credit_limit)


def _close(args: argparse.Namespace) -> int:
    return connect.send(args, "close_customer", customer_id=args.customer_id,
                        effective_date=args.effective_date)


def _show(args: argparse.Namespace) -> int:
    with connect.ledger(args) as client:
        c = client.get_customer(args.customer_id)
    emit(dataclasses.asdict(c), args.format)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("customer", help="open, update, close or show a customer account")
    A.timeout(c, 30.0)
    cs = c.add_subparsers(dest="action", required=True)
    o = cs.add_parser("open", help="open an account")
    o.add_argument("customer_id")
    o.add_argument("--name", required=True)
    o.add_argument("--currency", required=True, help="ISO 4217, e.g. EUR")
    o.add_argument("--net-days", type=A.non_negative, default=30,
                   help="default payment terms (net days)")
    o.add_argument("--credit-limit", type=A.non_negative, default=0, help="minor units")
    o.add_argument("--opened", required=True, help="YYYY-MM-DD")
    for flag in ("--contact", "--line1", "--city", "--postal-code", "--country"):
        o.add_argument(flag)
    A.envelope(o)
    o.set_defaults(func=_open)
    u = cs.add_parser("update", help="change master data (needs --actor and --reason)")
    u.add_argument("customer_id")
    u.add_argument("--effective-date", required=True)
    u.add_argument("--name")
    u.add_argument("--contact")
    u.add_argument("--net-days", type=A.non_negative)
    u.add_argument("--credit-limit", type=A.non_negative)
    A.envelope(u)
    u.set_defaults(func=_update)
    cl = cs.add_parser("close", help="close an account with nothing open")
    cl.add_argument("customer_id")
    cl.add_argument("--effective-date", required=True)
    A.envelope(cl)
    cl.set_defaults(func=_close)
    sh = cs.add_parser("show", help="master data of an account")
    sh.add_argument("customer_id")
    A.common(sh)
    sh.set_defaults(func=_show)
