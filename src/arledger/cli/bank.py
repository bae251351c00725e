"""`arledger bank ...` (issue 19): import bank statements, see the exceptions queue, and
decide its lines (BankService).

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
import uuid
from pathlib import Path
from typing import Any

import grpc

from arledger.cli import args as A
from arledger.cli import rpc
from arledger.cli.connect import channel as _channel
from arledger.cli.output import emit
from arledger.domain.money import format_minor
from arledger.v1 import bank_pb2 as bpb
from arledger.v1 import bank_pb2_grpc as bgrpc
from arledger.v1 import commands_pb2 as cpb
from arledger_client import from_rpc_error as _remote

_dict = rpc.data


def _emit(args: argparse.Namespace, obj: Any, columns: list[str] | None = None) -> None:
    emit(obj, args.format, columns)


def _call(args: argparse.Namespace, method: str, request: Any) -> Any:
    stub = bgrpc.BankServiceStub(_channel(args))
    try:
        return getattr(stub, method)(request, timeout=args.timeout)
    except grpc.RpcError as e:
        raise _remote(e) from None


def _money(args: argparse.Namespace, amount: int, currency: str) -> Any:
    return format_minor(amount, currency, code=False) if args.format == "table" else amount


def _import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as e:
        raise SystemExit(f"arledger: cannot read {args.file}: {e.strerror}") from None
    fmt = args.format_ or _FORMAT_OF.get(path.suffix.lower(), "")
    if not fmt:
        raise SystemExit(f"arledger: say --format (camt053, mt940, bai2, csv): "
                         f"{path.suffix or 'no extension'} does not tell")
    req = bpb.ImportStatementRequest(format=fmt.upper().replace(".", ""),
                                     content=content, account=args.account or "",
                                     statement_id=args.statement_id or "",
                                     skip_match=args.no_match, actor=args.actor)
    for m in args.map or []:
        key, sep, value = m.partition("=")
        if not sep or key not in bpb.CsvMapping.DESCRIPTOR.fields_by_name:
            raise SystemExit(f"arledger: --map {m!r}: use FIELD=COLUMN with FIELD one of "
                             f"{', '.join(bpb.CsvMapping.DESCRIPTOR.fields_by_name)}")
        setattr(req.csv_mapping, key, value)
    out = _dict(_call(args, "ImportStatement", req))
    if args.format != "json":
        out.pop("line_ids", None)
    _emit(args, out)
    return 0


_FORMAT_OF = {".xml": "CAMT053", ".camt": "CAMT053", ".053": "CAMT053", ".sta": "MT940",
              ".mt940": "MT940", ".940": "MT940", ".bai": "BAI2", ".bai2": "BAI2",
              ".csv": "CSV"}


def _row(args: argparse.Namespace, ln: Any) -> dict:
    best = ln.candidates[0] if ln.candidates else None
    return {"line_id": ln.line_id, "value_date": ln.value_date,
            "amount": _money(args, ln.amount_minor, ln.currency), "currency": ln.currency,
            "counterparty": ln.counterparty_name, "remittance": ln.remittance[:40],
            "status": ln.status, "score_bp": ln.score_bp,
            "best": (f"{best.customer_id} " + ",".join(a.invoice_id for a in best.allocations)
                     ) if best else ln.customer_id}


def _queue(args: argparse.Namespace) -> int:
    rows, token = [], ""
    while True:
        page = _call(args, "ListLines", bpb.ListLinesRequest(
            status="" if args.status == "ALL" else args.status, page_size=1000,
            page_token=token))
        rows += [(_dict(ln) if args.format == "json" else _row(args, ln)) for ln in page.lines]
        token = page.next_page_token
        if not token or len(rows) >= args.limit:
            break
    _emit(args, rows[:args.limit])
    return 0


def _show(args: argparse.Namespace) -> int:
    _emit(args, _dict(_call(args, "GetLine", bpb.GetLineRequest(line_id=args.line_id))))
    return 0


def _resolve(args: argparse.Namespace, action: int, **more: Any) -> int:
    req = cpb.ResolveBankLineRequest(request_id=args.request_id or uuid.uuid4().hex,
                                     actor=args.actor, reason=args.reason,
                                     line_id=args.line_id, action=action, **more)
    out = _dict(_call(args, "ResolveBankLine", req))
    _emit(args, {k: v for k, v in out.items() if v not in ("", [], "0", 0) or
                 k in ("status", "position")})
    return 0


def _confirm(args: argparse.Namespace) -> int:
    if args.invoice:
        if not args.customer:
            raise SystemExit("arledger: --invoice needs --customer")
        allocs = []
        for spec in args.invoice:
            inv, sep, amt = spec.partition("=")
            if not sep or not amt.lstrip("-").isdigit():
                raise SystemExit(f"arledger: --invoice {spec!r}: use INVOICE=AMOUNT_MINOR")
            allocs.append(cpb.Allocation(invoice_id=inv, amount_minor=int(amt)))
        return _resolve(args, cpb.BANK_LINE_APPLY_TO_INVOICES, customer_id=args.customer,
                        allocations=allocs)
    return _resolve(args, cpb.BANK_LINE_ACCEPT_CANDIDATE, candidate_rank=args.rank)


def _rules(args: argparse.Namespace) -> int:
    if args.define:
        req = cpb.DefineBankMatchRulesRequest(
            request_id=args.request_id or uuid.uuid4().hex, actor=args.actor,
            reason=args.reason, definition_json=args.define,
            effective_date=args.effective_date)
        _emit(args, _dict(_call(args, "DefineBankMatchRules", req)))
        return 0
    _emit(args, _dict(_call(args, "GetMatchRules", bpb.GetMatchRulesRequest())))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bank", help="bank statements: import, the exceptions queue, decisions")
    p.add_argument("--timeout", type=float, default=600.0, help=argparse.SUPPRESS)
    ps = p.add_subparsers(dest="action", required=True)

    def person(q: argparse.ArgumentParser) -> None:
        q.add_argument("--actor", required=True, help="who decides")
        q.add_argument("--reason", required=True, help="why")
        q.add_argument("--request-id", default="", help="idempotency key (default: new)")

    i = ps.add_parser("import", help="import a statement file (and run the matcher)")
    i.add_argument("file", type=A.readable_file)
    i.add_argument("--format", dest="format_", default="",
                   choices=["camt053", "camt.053", "mt940", "bai2", "csv", "CAMT053",
                            "MT940", "BAI2", "CSV"],
                   help="default: from the extension (.xml camt053, .sta/.940 mt940, "
                   ".bai/.bai2 bai2, .csv csv)")
    i.add_argument("--account", help="CSV: the bank account")
    i.add_argument("--statement-id", help="CSV: the statement's id")
    i.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                   help="CSV column mapping (booking_date, amount, currency, "
                   "counterparty_name, remittance, date_format, delimiter, ...)")
    i.add_argument("--no-match", action="store_true", help="record the lines only")
    i.add_argument("--actor", default="", help="who imports")
    i.set_defaults(func=_import)

    q = ps.add_parser("queue", help="the exceptions queue (or lines of another status)")
    q.add_argument("--status", default="QUEUED",
                   choices=["QUEUED", "NEW", "APPLIED", "DISMISSED", "DEBIT", "ALL"])
    q.add_argument("--limit", type=int, default=1000)
    q.set_defaults(func=_queue)

    s = ps.add_parser("show", help="one line with its candidates or decision")
    s.add_argument("line_id")
    s.set_defaults(func=_show)

    c = ps.add_parser("confirm", help="accept a candidate (--rank) or pick invoices "
                      "(--customer and --invoice INV=AMOUNT ...)")
    c.add_argument("line_id")
    c.add_argument("--rank", type=int, default=1)
    c.add_argument("--customer")
    c.add_argument("--invoice", action="append", metavar="INVOICE=AMOUNT_MINOR")
    person(c)
    c.set_defaults(func=_confirm)

    a = ps.add_parser("assign", help="the money is this customer's (its allocation strategy)")
    a.add_argument("line_id")
    a.add_argument("--customer", required=True)
    person(a)
    a.set_defaults(func=lambda args: _resolve(args, cpb.BANK_LINE_ASSIGN_CUSTOMER,
                                              customer_id=args.customer))

    u = ps.add_parser("unapplied", help="the money is this customer's, left unapplied")
    u.add_argument("line_id")
    u.add_argument("--customer", required=True)
    person(u)
    u.set_defaults(func=lambda args: _resolve(args, cpb.BANK_LINE_LEAVE_UNAPPLIED,
                                              customer_id=args.customer))

    d = ps.add_parser("dismiss", help="not a customer receipt (no money moves)")
    d.add_argument("line_id")
    person(d)
    d.set_defaults(func=lambda args: _resolve(args, cpb.BANK_LINE_DISMISS))

    m = ps.add_parser("match", help="run the matcher over lines not yet decided")
    m.add_argument("--actor", default="")
    m.set_defaults(func=lambda args: (_emit(args, _dict(_call(
        args, "MatchLines", bpb.MatchLinesRequest(actor=args.actor)))), 0)[1])

    r = ps.add_parser("rules", help="the matching rules in force, or --define a new version")
    r.add_argument("--define", metavar="JSON", help='e.g. \'{"auto_apply_bp": 9500}\'')
    r.add_argument("--effective-date", default=dt.date.today().isoformat())
    r.add_argument("--actor", default="")
    r.add_argument("--reason", default="")
    r.add_argument("--request-id", default="")
    r.set_defaults(func=_rules)
