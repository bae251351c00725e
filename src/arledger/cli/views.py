"""`arledger balance`, `open-items` and `aging`: a customer's or the portfolio's figures as
of a day (QueryService, through the SDK)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from arledger.cli import args as A
from arledger.cli import connect
from arledger.cli.output import emit, note


def _balance(args: argparse.Namespace) -> int:
    with connect.ledger(args) as client:
        b = client.get_balance(args.customer_id, as_of=args.as_of or None,
                               known_at=args.known_at)
    emit(b, args.format)
    return 0


def _open_items(args: argparse.Namespace) -> int:
    with connect.ledger(args) as client:
        currency = client.get_customer(args.customer_id).currency
        items = [{**dataclasses.asdict(i), "currency": currency} for i in client.list_open_items(
            args.customer_id, as_of=args.as_of or None, known_at=args.known_at, page_size=1000)]
    emit(items, args.format, ["kind", "item_id", "issue_date", "due_date", "currency",
                              "amount_minor", "open_minor", "disputed_minor", "days_past_due"])
    return 0


def aging_rows(labels: list[str], rows: Any) -> list[dict]:
    """One row per currency: each bucket by its label, then unapplied, balance, disputed."""
    out = []
    for r in rows:
        row: dict[str, Any] = {"currency": r.currency}
        row.update(zip(labels, r.buckets_minor))
        row.update(unapplied_minor=r.unapplied_minor, balance_minor=r.balance_minor,
                   disputed_minor=r.disputed_minor, items=r.open_item_count)
        out.append(row)
    return out


def _aging(args: argparse.Namespace) -> int:
    with connect.ledger(args) as client:
        rep = client.get_aging(args.customer or None, as_of=args.as_of or None,
                               basis=args.basis, bucket_edges_days=args.edges,
                               known_at=args.known_at)
    if args.format == "json":
        emit(rep, args.format)
        return 0
    if args.format == "table":
        note(f"aging as of {rep.as_of} ({rep.basis} basis, position {rep.position}); "
             "disputed is also counted in its bucket")
    emit(aging_rows(list(rep.bucket_labels), rep.rows), args.format,
         money_keys=list(rep.bucket_labels))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("balance", help="a customer's balance as of a date")
    b.add_argument("customer_id")
    b.set_defaults(func=_balance)
    oi = sub.add_parser("open-items", help="a customer's open items")
    oi.add_argument("customer_id")
    oi.set_defaults(func=_open_items)
    a = sub.add_parser("aging", help="aging of a customer or the whole portfolio, per "
                       "currency")
    a.add_argument("--customer")
    a.add_argument("--basis", choices=["DUE_DATE", "INVOICE_DATE"], default="DUE_DATE")
    a.add_argument("--edges", type=A.edges, help="bucket upper edges in days, e.g. "
                   "30,60,90,120")
    a.set_defaults(func=_aging)
    for p in (b, oi, a):
        A.clocks(p)
        A.timeout(p, 30.0)
        A.common(p)
