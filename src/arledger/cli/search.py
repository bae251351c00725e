"""`arledger customers list|search`, `invoices list|show`, `payments list|show`: find
things on a running server (SearchService, through the SDK's SearchClient)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from arledger.cli import connect
from arledger.cli.args import known_at, whole
from arledger.cli.output import emit, emit_sections
from arledger_client.search import INVOICE_STATUSES, PAYMENT_STATUSES, Page, SearchClient

_CUSTOMER_COLUMNS = ["customer_id", "name", "currency", "balance_minor", "overdue_minor",
                     "oldest_past_due_days", "credit_limit_minor", "on_hold", "dunning_level",
                     "promise_status", "open_disputes"]
_INVOICE_COLUMNS = ["invoice_id", "customer_id", "currency", "issue_date", "due_date",
                    "amount_minor", "open_minor", "disputed_minor", "status", "days_past_due"]
_PAYMENT_COLUMNS = ["payment_id", "customer_id", "currency", "value_date", "amount_minor",
                    "unapplied_minor", "status"]


def _client(args: argparse.Namespace) -> SearchClient:
    return connect.search(args)


def _emit(args: argparse.Namespace, obj: Any, columns: list[str] | None = None) -> None:
    emit(obj, args.format, columns)


def _pages(args: argparse.Namespace, fetch) -> None:  # type: ignore[no-untyped-def]
    """One page (or every page with --all); the next page's token goes to stderr."""
    rows: list[dict] = []
    token = args.page_token or ""
    while True:
        page: Page = fetch(token)
        rows += page.items
        token = page.next_page_token
        if not args.all or not token:
            break
    if args.format == "json":
        _emit(args, {"rows": rows, "next_page_token": token, "total_size": page.total_size,
                     "as_of": page.as_of, "position": page.position})
        return
    _emit(args, rows, args.columns if args.format == "table" else None)
    if args.format == "table":
        print(f"{len(rows):,} of {page.total_size:,} (as of {page.as_of}, log position "
              f"{page.position:,})", file=sys.stderr)
    if token:
        print(f"next page: --page-token {token}", file=sys.stderr)


def _customers(args: argparse.Namespace) -> int:
    tri = {"yes": True, "no": False, None: None}
    with _client(args) as s:
        _pages(args, lambda t: s.list_customers_page(
            as_of=args.as_of, known_at=args.known_at,
            query=getattr(args, "text", "") or args.query or "", query_prefix=args.prefix,
            currency=args.currency or "", on_hold=tri[args.on_hold],
            over_limit=tri[args.over_limit], past_due_days_min=args.past_due_days,
            dunning_level_min=args.dunning_min, promise=args.promise, disputes=args.disputes,
            include_closed=args.include_closed, order_by=args.order_by or "",
            with_risk=args.with_risk, page_size=args.page_size, page_token=t))
    return 0


def _invoices(args: argparse.Namespace) -> int:
    with _client(args) as s:
        _pages(args, lambda t: s.list_invoices_page(
            as_of=args.as_of, known_at=args.known_at, customer_id=args.customer or "",
            query=args.query or "", statuses=args.status or (), currency=args.currency or "",
            issued_from=args.issued_from, issued_to=args.issued_to, due_from=args.due_from,
            due_to=args.due_to, disputed_only=args.disputed, order_by=args.order_by or "",
            page_size=args.page_size, page_token=t))
    return 0


def _payments(args: argparse.Namespace) -> int:
    with _client(args) as s:
        _pages(args, lambda t: s.list_payments_page(
            as_of=args.as_of, known_at=args.known_at, customer_id=args.customer or "",
            query=args.query or "", statuses=args.status or (), currency=args.currency or "",
            value_from=args.value_from, value_to=args.value_to, order_by=args.order_by or "",
            page_size=args.page_size, page_token=t))
    return 0


_SECTIONS = [("installments", ["number", "due_date", "amount_minor", "open_minor",
                              "disputed_minor", "days_past_due"]),
             ("applied", ["invoice_id", "amount_minor"]),
             ("allocations", ["effective_date", "source_kind", "source_id", "invoice_id",
                              "amount_minor", "position"]),
             ("history", ["position", "effective_date", "entry_type", "delta_minor",
                          "balance_after_minor", "detail"])]


def _show(args: argparse.Namespace) -> int:
    with _client(args) as s:
        get = s.get_invoice if args.thing == "invoice" else s.get_payment
        d = get(args.item_id, as_of=args.as_of, known_at=args.known_at, full=args.full)
    if args.format == "json":
        _emit(args, d)
        return 0
    head = d[args.thing]
    parts: list[tuple[str, Any, list[str] | None]] = [(args.thing, head, None)]
    parts += [(name, d[name], cols) for name, cols in _SECTIONS if d.get(name)]
    if d.get("entries"):
        parts.append(("entries", [{k: e[k] for k in ("position", "type", "effective_date",
                                                     "recorded_at", "actor", "reason")}
                                  for e in d["entries"]], None))
    emit_sections(args.format, parts, currency=head.get("currency", ""))
    return 0


def _clock_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", help="effective date YYYY-MM-DD (default: the server's today)")
    p.add_argument("--known-at", type=known_at,
                   help="as known at this recorded time, ISO 8601 (e.g. "
                   "2026-11-30T08:44:00Z; default now)")


def _page_args(p: argparse.ArgumentParser, columns: list[str], orders: str) -> None:
    _clock_args(p)
    p.add_argument("--order-by", help=f"{orders}, optionally followed by ' desc' (quote it)")
    p.add_argument("--page-size", type=whole, default=50, help="rows per page (1..1000; "
                   "default 50)")
    p.add_argument("--page-token", help="the next page: the token the previous page printed")
    p.add_argument("--all", action="store_true", help="follow every page")
    p.set_defaults(columns=columns)


def _register_customers(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("customers", help="list or search customers with their balance, "
                       "overdue, limit, hold, dunning and promise figures")
    c.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    cs = c.add_subparsers(dest="action", required=True)
    for name, help_ in (("list", "customers matching filters, in an order, a page at a time"),
                        ("search", "customers whose id or name contains TEXT")):
        a = cs.add_parser(name, help=help_)
        if name == "search":
            a.add_argument("text", help="text the id or name contains (any case)")
        else:
            a.add_argument("--query", help="text the id or name contains (any case)")
        a.add_argument("--prefix", action="store_true", help="only ids or names starting "
                       "with the text")
        a.add_argument("--currency", help="only this currency (ISO 4217)")
        a.add_argument("--on-hold", choices=("yes", "no"), help="on hold or not")
        a.add_argument("--over-limit", choices=("yes", "no"), help="balance over the limit")
        a.add_argument("--past-due-days", type=whole, default=0,
                       help="only with an installment more than N days past due")
        a.add_argument("--dunning-min", type=whole, default=0, help="dunning level at least N")
        a.add_argument("--promise", choices=("any", "active", "none-active", "broken"),
                       default="any", help="promise-to-pay status")
        a.add_argument("--disputes", choices=("any", "with", "without"), default="any",
                       help="with or without an open dispute")
        a.add_argument("--include-closed", action="store_true", help="closed accounts too")
        a.add_argument("--with-risk", action="store_true",
                       help="also PD and expected loss (a whole-portfolio risk pass)")
        _page_args(a, _CUSTOMER_COLUMNS, "balance (default, desc), overdue, oldest_past_due, "
                   "expected_loss, name, customer_id")
        a.set_defaults(func=_customers)


def register(sub: argparse._SubParsersAction) -> None:
    _register_customers(sub)
    i = sub.add_parser("invoices", help="list invoices, or show one with its installments, "
                       "allocations and history")
    i.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    iss = i.add_subparsers(dest="action", required=True)
    a = iss.add_parser("list", help="invoices of a customer or of the partition")
    a.add_argument("--customer", help="one customer's invoices")
    a.add_argument("--query", help="text the invoice number contains")
    a.add_argument("--status", action="append", choices=INVOICE_STATUSES,
                   help="repeatable: only these statuses")
    a.add_argument("--currency")
    a.add_argument("--issued-from")
    a.add_argument("--issued-to")
    a.add_argument("--due-from")
    a.add_argument("--due-to")
    a.add_argument("--disputed", action="store_true", help="only with an open disputed part")
    _page_args(a, _INVOICE_COLUMNS, "due_date (default), issue_date, amount, open, "
               "days_past_due, invoice_id")
    a.set_defaults(func=_invoices)
    a = iss.add_parser("show", help="one invoice: amounts, installments, allocations, history")
    a.add_argument("item_id", metavar="invoice_id")
    _clock_args(a)
    a.add_argument("--full", action="store_true", help="also every history entry as logged "
                   "(actor, reason)")
    a.set_defaults(func=_show, thing="invoice")

    p = sub.add_parser("payments", help="list payments, or show one with its allocations and "
                       "history")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    ps = p.add_subparsers(dest="action", required=True)
    a = ps.add_parser("list", help="payments of a customer or of the partition")
    a.add_argument("--customer", help="one customer's payments")
    a.add_argument("--query", help="text the payment id contains")
    a.add_argument("--status", action="append", choices=PAYMENT_STATUSES,
                   help="repeatable: only these statuses")
    a.add_argument("--currency")
    a.add_argument("--value-from")
    a.add_argument("--value-to")
    _page_args(a, _PAYMENT_COLUMNS, "value_date (default, desc), amount, unapplied, payment_id")
    a.set_defaults(func=_payments)
    a = ps.add_parser("show", help="one payment: amounts, allocations, history")
    a.add_argument("item_id", metavar="payment_id")
    _clock_args(a)
    a.add_argument("--full", action="store_true", help="also every history entry as logged")
    a.set_defaults(func=_show, thing="payment")
