"""`arledger dispute open|review|resolve`."""

from __future__ import annotations

import argparse
from typing import get_args

from arledger.cli import args as A
from arledger.cli import connect
from arledger_client import DisputeOutcome


def _open(args: argparse.Namespace) -> int:
    return connect.send(args, "open_dispute", dispute_id=args.dispute_id,
                        invoice_id=args.invoice, amount_minor=args.amount,
                        reason_code=args.reason_code, opened_date=args.opened)


def _review(args: argparse.Namespace) -> int:
    return connect.send(args, "review_dispute", dispute_id=args.dispute_id,
                        effective_date=args.effective_date)


def _resolve(args: argparse.Namespace) -> int:
    return connect.send(args, "resolve_dispute", dispute_id=args.dispute_id,
                        outcome=args.outcome, credited_amount_minor=args.credited or 0,
                        credit_note_id=args.credit_note or "", resolved_date=args.resolved)


def register(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("dispute", help="open, review or resolve a dispute")
    A.timeout(d, 30.0)
    ds = d.add_subparsers(dest="action", required=True)
    do = ds.add_parser("open", help="contest (part of) an invoice")
    do.add_argument("dispute_id")
    do.add_argument("--invoice", required=True)
    do.add_argument("--amount", type=A.non_negative, required=True, help="minor units")
    do.add_argument("--reason-code", required=True)
    do.add_argument("--opened", required=True)
    A.envelope(do)
    do.set_defaults(func=_open)
    dv = ds.add_parser("review", help="put an open dispute under review (needs --actor, "
                       "--reason)")
    dv.add_argument("dispute_id")
    dv.add_argument("--effective-date", required=True)
    A.envelope(dv)
    dv.set_defaults(func=_review)
    dr = ds.add_parser("resolve", help="resolve (needs --actor, --reason)")
    dr.add_argument("dispute_id")
    dr.add_argument("--outcome", required=True, choices=list(get_args(DisputeOutcome)))
    dr.add_argument("--credited", type=A.non_negative, help="for DISPUTE_PARTIALLY_UPHELD")
    dr.add_argument("--credit-note", help="credit note id when credit is given")
    dr.add_argument("--resolved", required=True)
    A.envelope(dr)
    dr.set_defaults(func=_resolve)
