"""`arledger payment record|allocate|reverse` and `arledger credit-note issue|allocate`:
money received and credit given, and how they are applied to invoices."""

from __future__ import annotations

import argparse
from typing import get_args

from arledger.cli import args as A
from arledger.cli import connect
from arledger_client import PaymentMethod, ReversalReason

METHODS = list(get_args(PaymentMethod))
# Not given (ALLOCATION_STRATEGY_UNSPECIFIED): EXPLICIT with --allocate, else the account's.
STRATEGIES = ["ALLOCATION_STRATEGY_UNSPECIFIED", "OLDEST_DUE_FIRST", "EXPLICIT",
              "LEAVE_UNAPPLIED", "NEWEST_DUE_FIRST", "FEES_INTEREST_PRINCIPAL"]


def strategy(args: argparse.Namespace) -> str | None:
    return None if args.strategy == STRATEGIES[0] else args.strategy


def _record(args: argparse.Namespace) -> int:
    return connect.send(
        args, "record_payment", payment_id=args.payment_id, customer_id=args.customer,
        amount_minor=args.amount, currency=args.currency, method=args.method,
        value_date=args.value_date, remittance_reference=args.remittance or "",
        strategy=strategy(args), allocations=args.allocate or [])


def _allocate(args: argparse.Namespace) -> int:
    return connect.send(args, "allocate_payment", payment_id=args.payment_id,
                        effective_date=args.effective_date, strategy=strategy(args),
                        allocations=args.allocate or [])


def _reverse(args: argparse.Namespace) -> int:
    return connect.send(args, "reverse_payment", payment_id=args.payment_id,
                        effective_date=args.effective_date,
                        reversal_reason=args.reversal_reason)


def _credit_issue(args: argparse.Namespace) -> int:
    return connect.send(
        args, "issue_credit_note", credit_note_id=args.credit_note_id,
        customer_id=args.customer, invoice_id=args.invoice or "", amount_minor=args.amount,
        currency=args.currency, issue_date=args.issue_date,
        reason_code=args.reason_code or "")


def _credit_allocate(args: argparse.Namespace) -> int:
    return connect.send(args, "allocate_credit_note", credit_note_id=args.credit_note_id,
                        effective_date=args.effective_date, strategy=strategy(args),
                        allocations=args.allocate or [])


def allocation_args(p: argparse.ArgumentParser, help_: str = "") -> None:
    p.add_argument("--strategy", choices=STRATEGIES, default=STRATEGIES[0], help=help_ or None)
    p.add_argument("--allocate", action="append", type=A.allocation,
                   metavar="INVOICE=AMOUNT", help="repeat: minor units to each invoice")


def _register_payment(sub: argparse._SubParsersAction) -> None:
    pmt = sub.add_parser("payment", help="record, allocate or reverse a payment")
    A.timeout(pmt, 30.0)
    ps = pmt.add_subparsers(dest="action", required=True)
    pr = ps.add_parser("record", help="record money received")
    pr.add_argument("payment_id")
    A.money_received(pr, METHODS)
    pr.add_argument("--remittance")
    allocation_args(pr, "default: EXPLICIT with --allocate, else OLDEST_DUE_FIRST")
    A.envelope(pr)
    pr.set_defaults(func=_record)
    pa = ps.add_parser("allocate", help="allocate unapplied cash")
    pa.add_argument("payment_id")
    pa.add_argument("--effective-date", required=True)
    allocation_args(pa)
    A.envelope(pa)
    pa.set_defaults(func=_allocate)
    pv = ps.add_parser("reverse", help="reverse a payment (reopens what it settled)")
    pv.add_argument("payment_id")
    pv.add_argument("--effective-date", required=True)
    pv.add_argument("--reversal-reason", choices=list(get_args(ReversalReason)),
                    default="RETURNED_CHEQUE")
    A.envelope(pv)
    pv.set_defaults(func=_reverse)


def _register_credit_note(sub: argparse._SubParsersAction) -> None:
    cn = sub.add_parser("credit-note", help="issue or allocate a credit note")
    A.timeout(cn, 30.0)
    cns = cn.add_subparsers(dest="action", required=True)
    ci = cns.add_parser("issue", help="against --invoice, or as account credit")
    ci.add_argument("credit_note_id")
    ci.add_argument("--customer", required=True)
    ci.add_argument("--invoice")
    ci.add_argument("--amount", type=A.non_negative, required=True, help="minor units")
    ci.add_argument("--currency", required=True)
    ci.add_argument("--issue-date", required=True)
    ci.add_argument("--reason-code")
    A.envelope(ci)
    ci.set_defaults(func=_credit_issue)
    ca = cns.add_parser("allocate", help="allocate unapplied credit")
    ca.add_argument("credit_note_id")
    ca.add_argument("--effective-date", required=True)
    allocation_args(ca)
    A.envelope(ca)
    ca.set_defaults(func=_credit_allocate)


def register(sub: argparse._SubParsersAction) -> None:
    _register_payment(sub)
    _register_credit_note(sub)
