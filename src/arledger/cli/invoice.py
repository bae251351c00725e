"""`arledger invoice issue|void|write-off`."""

from __future__ import annotations

import argparse

from arledger.cli import args as A
from arledger.cli import connect


def _issue(args: argparse.Namespace) -> int:
    return connect.send(
        args, "issue_invoice", invoice_id=args.invoice_id, customer_id=args.customer,
        po_number=args.po or "", issue_date=args.issue_date, due_date=args.due_date or "",
        currency=args.currency or "", amount_minor=args.amount or 0, lines=args.line or [])


def _void(args: argparse.Namespace) -> int:
    return connect.send(args, "void_invoice", invoice_id=args.invoice_id,
                        effective_date=args.effective_date)


def _write_off(args: argparse.Namespace) -> int:
    return connect.send(args, "write_off_invoice", invoice_id=args.invoice_id,
                        amount_minor=args.amount or 0, effective_date=args.effective_date)


def register(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser("invoice", help="issue, void or write off an invoice")
    A.timeout(i, 30.0)
    isub = i.add_subparsers(dest="action", required=True)
    ii = isub.add_parser("issue", help="issue an invoice (amount or --line DESC:QTY:PRICE)")
    ii.add_argument("invoice_id")
    ii.add_argument("--customer", required=True)
    ii.add_argument("--amount", type=A.non_negative, help="minor units")
    ii.add_argument("--line", action="append", type=A.invoice_line,
                    help="DESCRIPTION:QUANTITY:UNIT_PRICE_MINOR")
    ii.add_argument("--issue-date", required=True)
    ii.add_argument("--due-date", help="default: issue date + the account's net days")
    ii.add_argument("--currency", help="default: the account's")
    ii.add_argument("--po", help="PO / order number")
    A.envelope(ii)
    ii.set_defaults(func=_issue)
    for name, help_, func in (
            ("void", "void an invoice with nothing applied (needs --reason)", _void),
            ("write-off", "write off the open remainder (needs --actor, --reason)",
             _write_off)):
        v = isub.add_parser(name, help=help_)
        v.add_argument("invoice_id")
        v.add_argument("--effective-date", required=True)
        if name == "write-off":
            v.add_argument("--amount", type=A.non_negative,
                           help="minor units (default: all open)")
        A.envelope(v)
        v.set_defaults(func=func)
