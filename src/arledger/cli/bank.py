"""`arledger bank ...`: import bank statements, see the exceptions queue, and
decide its lines (BankService, through the SDK's BankClient).

    arledger bank import statement.xml --format camt053
    arledger bank import export.csv --format csv --account DE89... --statement-id 2026-02 \\
        --map booking_date=Date --map amount=Amount --map remittance=Purpose ...
    arledger bank queue
    arledger bank show BL-17
    arledger bank confirm BL-17 --rank 1 --actor ann --reason "advice by mail"
    arledger bank confirm BL-18 --customer ACME --invoice INV-1043=119000 --actor ann --reason ..
    arledger bank assign BL-19 --customer ACME --actor ann --reason "known payer"
    arledger bank unapplied BL-20 --customer ACME --actor ann --reason "waiting for advice"
    arledger bank dismiss BL-21 --actor ann --reason "bank interest"
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from arledger.cli import args as A
from arledger.cli import connect
from arledger.cli.output import emit

# The CSV mapping's fields (CsvMapping in proto/arledger/v1/bank.proto).
CSV_FIELDS = ("booking_date", "value_date", "amount", "credit", "debit", "currency",
              "counterparty_name", "counterparty_account", "remittance", "end_to_end_id",
              "bank_reference", "date_format", "decimal_separator", "delimiter",
              "default_currency")
QUEUE_COLUMNS = ["line_id", "value_date", "amount_minor", "currency", "counterparty",
                 "remittance", "status", "score_bp", "best"]
_FORMAT_OF = {".xml": "CAMT053", ".camt": "CAMT053", ".053": "CAMT053", ".sta": "MT940",
              ".mt940": "MT940", ".940": "MT940", ".bai": "BAI2", ".bai2": "BAI2",
              ".csv": "CSV"}


def mapping(text: str) -> tuple[str, str]:
    """--map FIELD=COLUMN."""
    key, sep, value = text.partition("=")
    if not sep or key not in CSV_FIELDS:
        raise argparse.ArgumentTypeError(f"{text!r}: use FIELD=COLUMN with FIELD one of "
                                         f"{', '.join(CSV_FIELDS)}")
    return key, value


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    fmt = args.format_ or _FORMAT_OF.get(path.suffix.lower(), "")
    if not fmt:
        raise A.UsageError("--format", f"say camt053, mt940, bai2 or csv: "
                                       f"{path.suffix or 'no extension'} does not tell")
    with connect.bank(args) as client:
        out = client.import_statement(
            path, format=fmt.upper().replace(".", ""), csv_mapping=dict(args.map or []),
            account=args.account or "", statement_id=args.statement_id or "",
            match=not args.no_match, actor=args.actor)
    if args.format != "json":
        out.pop("line_ids", None)
    emit(out, args.format)
    return 0


def _row(ln: dict) -> dict:
    best = ln["candidates"][0] if ln.get("candidates") else None
    return {"line_id": ln["line_id"], "value_date": ln["value_date"],
            "amount_minor": ln["amount_minor"], "currency": ln["currency"],
            "counterparty": ln["counterparty_name"], "remittance": ln["remittance"][:40],
            "status": ln["status"], "score_bp": ln["score_bp"],
            "best": (f"{best['customer_id']} " + ",".join(
                a["invoice_id"] for a in best.get("allocations", ()))) if best
            else ln["customer_id"]}


def _queue(args: argparse.Namespace) -> int:
    rows = []
    with connect.bank(args) as client:
        for ln in client.lines("" if args.status == "ALL" else args.status, page_size=1000):
            rows.append(ln if args.format == "json" else _row(ln))
            if len(rows) >= args.limit:
                break
    emit(rows, args.format, None if args.format == "json" else QUEUE_COLUMNS)
    return 0


def _show(args: argparse.Namespace) -> int:
    with connect.bank(args) as client:
        emit(client.line(args.line_id), args.format)
    return 0


def _decided(args: argparse.Namespace, result: Any) -> int:
    emit(connect.result_dict(result), args.format)
    return 0


def _person(args: argparse.Namespace) -> dict[str, Any]:
    return {"actor": args.actor, "reason": args.reason, "request_id": args.request_id or None}


def _confirm(args: argparse.Namespace) -> int:
    with connect.bank(args) as client:
        if args.invoice:
            if not args.customer:
                raise A.UsageError("--invoice", "needs --customer")
            return _decided(args, client.apply_to_invoices(
                args.line_id, args.customer, dict(args.invoice), **_person(args)))
        return _decided(args, client.confirm(args.line_id, rank=args.rank, **_person(args)))


def _assign(args: argparse.Namespace) -> int:
    with connect.bank(args) as client:
        return _decided(args, client.assign_customer(args.line_id, args.customer,
                                                     **_person(args)))


def _unapplied(args: argparse.Namespace) -> int:
    with connect.bank(args) as client:
        return _decided(args, client.leave_unapplied(args.line_id, args.customer,
                                                     **_person(args)))


def _dismiss(args: argparse.Namespace) -> int:
    with connect.bank(args) as client:
        return _decided(args, client.dismiss(args.line_id, **_person(args)))


def _match(args: argparse.Namespace) -> int:
    with connect.bank(args) as client:
        emit(client.match(actor=args.actor), args.format)
    return 0


def _rules(args: argparse.Namespace) -> int:
    with connect.bank(args) as client:
        if args.define:
            return _decided(args, client.define_rules(
                args.define, args.effective_date, **_person(args)))
        emit(client.rules(), args.format)
    return 0


def _person_args(q: argparse.ArgumentParser) -> None:
    q.add_argument("--actor", required=True, help="who decides")
    q.add_argument("--reason", required=True, help="why")
    q.add_argument("--request-id", default="", help="idempotency key (default: new)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bank", help="bank statements: import, the exceptions queue, decisions")
    p.add_argument("--timeout", type=float, default=600.0, help=argparse.SUPPRESS)
    ps = p.add_subparsers(dest="action", required=True)
    i = ps.add_parser("import", help="import a statement file (and run the matcher)")
    i.add_argument("file", type=A.readable_file)
    i.add_argument("--format", dest="format_", default="",
                   choices=["camt053", "camt.053", "mt940", "bai2", "csv", "CAMT053",
                            "MT940", "BAI2", "CSV"],
                   help="default: from the extension (.xml camt053, .sta/.940 mt940, "
                   ".bai/.bai2 bai2, .csv csv)")
    i.add_argument("--account", help="CSV: the bank account")
    i.add_argument("--statement-id", help="CSV: the statement's id")
    i.add_argument("--map", action="append", type=mapping, metavar="FIELD=COLUMN",
                   help="CSV column mapping (booking_date, amount, currency, "
                   "counterparty_name, remittance, date_format, delimiter, ...)")
    i.add_argument("--no-match", action="store_true", help="record the lines only")
    i.add_argument("--actor", default="", help="who imports")
    i.set_defaults(func=_import)

    q = ps.add_parser("queue", help="the exceptions queue (or lines of another status)")
    q.add_argument("--status", default="QUEUED",
                   choices=["QUEUED", "NEW", "APPLIED", "DISMISSED", "DEBIT", "ALL"])
    q.add_argument("--limit", type=A.positive, default=1000)
    q.set_defaults(func=_queue)

    s = ps.add_parser("show", help="one line with its candidates or decision")
    s.add_argument("line_id")
    s.set_defaults(func=_show)

    c = ps.add_parser("confirm", help="accept a candidate (--rank) or pick invoices "
                      "(--customer and --invoice INV=AMOUNT ...)")
    c.add_argument("line_id")
    c.add_argument("--rank", type=A.positive, default=1)
    c.add_argument("--customer")
    c.add_argument("--invoice", action="append", type=A.allocation,
                   metavar="INVOICE=AMOUNT_MINOR")
    _person_args(c)
    c.set_defaults(func=_confirm)
    _register_decisions(ps)


def _register_decisions(ps: argparse._SubParsersAction) -> None:
    a = ps.add_parser("assign", help="the money is this customer's (its allocation strategy)")
    a.add_argument("line_id")
    a.add_argument("--customer", required=True)
    _person_args(a)
    a.set_defaults(func=_assign)

    u = ps.add_parser("unapplied", help="the money is this customer's, left unapplied")
    u.add_argument("line_id")
    u.add_argument("--customer", required=True)
    _person_args(u)
    u.set_defaults(func=_unapplied)

    d = ps.add_parser("dismiss", help="not a customer receipt (no money moves)")
    d.add_argument("line_id")
    _person_args(d)
    d.set_defaults(func=_dismiss)

    m = ps.add_parser("match", help="run the matcher over lines not yet decided")
    m.add_argument("--actor", default="")
    m.set_defaults(func=_match)

    r = ps.add_parser("rules", help="the matching rules in force, or --define a new version")
    r.add_argument("--define", metavar="JSON", help='e.g. \'{"auto_apply_bp": 9500}\'')
    r.add_argument("--effective-date", default=dt.date.today().isoformat())
    r.add_argument("--actor", default="")
    r.add_argument("--reason", default="")
    r.add_argument("--request-id", default="")
    r.set_defaults(func=_rules)
