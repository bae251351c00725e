"""`arledger allowance ...`, `arledger fx ...` and `arledger consolidated ...` (issue 18):
allowance rates and the allowance by given rates, exchange rates, and aging, KPIs and
exposure consolidated in a reporting currency (ValuationService).

Tables show money with its currency's decimals (0 for JPY, 3 for KWD); `--format json`
and `csv` keep integer minor units.
"""

from __future__ import annotations

import argparse
import datetime as dt
import uuid
from typing import Any

import grpc

from arledger.cli import args as A
from arledger.cli import rpc
from arledger.cli.connect import channel as _channel
from arledger.cli.output import emit
from arledger.domain.money import format_minor
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import reports_pb2 as rpb
from arledger.v1 import valuation_pb2 as vpb
from arledger.v1 import valuation_pb2_grpc as vgrpc
from arledger_client import from_rpc_error as _remote

_dict = rpc.data


def _emit(args: argparse.Namespace, obj: Any, columns: list[str] | None = None) -> None:
    emit(obj, args.format, columns)

_ROUNDING = {"": 0, "per-bucket": cpb.PER_BUCKET, "total": cpb.TOTAL}


def _call(args: argparse.Namespace, method: str, request: Any) -> Any:
    stub = vgrpc.ValuationServiceStub(_channel(args))
    try:
        return getattr(stub, method)(request, timeout=args.timeout)
    except grpc.RpcError as e:
        raise _remote(e) from None


def _clocks(args: argparse.Namespace, req: Any) -> Any:
    ts = rpc.timestamp(getattr(args, "known_at", None))
    if ts is not None:
        req.known_at.CopyFrom(ts)
    return req


def _money(args: argparse.Namespace, amount: int, currency: str) -> Any:
    """Formatted with the currency's decimals for a table; minor units otherwise."""
    return format_minor(amount, currency, code=False) if args.format == "table" else amount


def _rate(cv: Any) -> str:
    if not cv.HasField("rate"):
        return "1 (reporting currency)"
    r = cv.rate
    pair = f"{r.base_currency}/{r.quote_currency} {r.rate}"
    return f"{pair}{' inverted' if cv.inverted else ''} ({r.rate_date}, {r.source}, #{r.position})"


def _command(args: argparse.Namespace, method: str, request: Any) -> int:
    request.request_id = args.request_id or uuid.uuid4().hex
    request.actor = args.actor
    request.reason = args.reason
    out = _dict(_call(args, method, request))
    _emit(args, {k: v for k, v in out.items() if v not in ("", [], "0", 0) or
                 k in ("status", "position")})
    return 0


def _allowance(args: argparse.Namespace) -> int:
    if args.action == "define":
        return _command(args, "DefineAllowanceRates", cpb.DefineAllowanceRatesRequest(
            allowance_id=args.allowance_id,
            bucket_edges_days=args.edges or [],
            rates_bp=[int(x) for x in args.rates.split(",")], rounding=_ROUNDING[args.rounding],
            effective_date=args.effective_date))
    a = _call(args, "GetAllowance", _clocks(args, vpb.GetAllowanceRequest(
        allowance_id=args.allowance_id, version=args.version, as_of=args.as_of or "",
        rounding=_ROUNDING[args.rounding or ""], currency=args.currency or "",
        customer_id=args.customer or "")))
    if args.format == "json":
        _emit(args, _dict(a))
        return 0
    print(f"allowance {a.allowance_id} v{a.version} (effective {a.effective_date}, "
          f"{a.rounding} rounding) as of {a.as_of}, position {a.position}")
    rows = []
    for r in a.rows:
        for label, rate, o, al in zip(a.bucket_labels, a.rates_bp, r.open_minor,
                                      r.allowance_minor):
            rows.append({"currency": r.currency, "bucket": label, "rate": f"{rate / 100:g} %",
                         "open": _money(args, o, r.currency),
                         "allowance": _money(args, al, r.currency)})
        rows.append({"currency": r.currency, "bucket": "total", "rate": "",
                     "open": _money(args, r.total_open_minor, r.currency),
                     "allowance": _money(args, r.total_allowance_minor, r.currency)})
    _emit(args, rows)
    return 0


def _fx(args: argparse.Namespace) -> int:
    if args.action == "record":
        return _command(args, "RecordFxRate", cpb.RecordFxRateRequest(
            base_currency=args.base, quote_currency=args.quote, rate=args.rate,
            rate_date=args.rate_date, source=args.source))
    resp = _call(args, "ListFxRates", _clocks(args, vpb.ListFxRatesRequest(
        base_currency=args.base or "", quote_currency=args.quote or "",
        from_date=args.from_date or "", to_date=args.to_date or "",
        page_size=args.limit)))
    _emit(args, [{"pair": f"{r.base_currency}/{r.quote_currency}", "rate": r.rate,
                  "rate_date": r.rate_date, "source": r.source, "position": r.position}
                 for r in resp.rates] if args.format != "json" else
          [_dict(r) for r in resp.rates])
    return 0


def _consolidated(args: argparse.Namespace) -> int:
    rep = args.reporting_currency
    if args.view == "aging":
        a = _call(args, "GetConsolidatedAging", _clocks(args, vpb.ConsolidatedAgingRequest(
            reporting_currency=rep, as_of=args.as_of or "",
            basis=lpb.AgingBasis.Value(args.basis),
            bucket_edges_days=args.edges or [])))
        if args.format == "json":
            _emit(args, _dict(a))
            return 0
        print(f"aging in {rep} as of {a.as_of}, position {a.position}: each currency at its "
              "rate, converted once per figure")
        rows = []
        for r in list(a.rows) + [None]:
            src = r if r is not None else a
            bk = r.reporting_buckets_minor if r is not None else a.buckets_minor
            row: dict[str, Any] = {"currency": r.currency if r is not None else "total",
                                   "rate": _rate(r.conversion) if r is not None else ""}
            row.update({lb: _money(args, v, rep) for lb, v in zip(a.bucket_labels, bk)})
            row["unapplied"] = _money(args, src.reporting_unapplied_minor if r is not None
                                      else a.unapplied_minor, rep)
            row["balance"] = _money(args, src.reporting_balance_minor if r is not None
                                    else a.balance_minor, rep)
            rows.append(row)
        _emit(args, rows)
        return 0
    if args.view == "kpis":
        k = _call(args, "GetConsolidatedKpis", _clocks(args, vpb.ConsolidatedKpisRequest(
            reporting_currency=rep, period_from=args.from_date, period_to=args.to_date or "",
            cei_variant=rpb.CEI_MONTHLY_AVERAGE if args.cei == "monthly_average"
            else rpb.CEI_TOTAL)))
        if args.format == "json":
            _emit(args, _dict(k))
            return 0
        out = _dict(k.kpis)
        for f in list(out):
            if f.endswith("_minor"):
                out[f] = _money(args, int(out[f]), rep)
        out["rates"] = "; ".join(f"{c.currency}: {_rate(c)}" for c in k.conversions)
        _emit(args, out)
        return 0
    x = _call(args, "GetConsolidatedExposure", _clocks(args, vpb.ConsolidatedExposureRequest(
        reporting_currency=rep, as_of=args.as_of or "")))
    if args.format == "json":
        _emit(args, _dict(x))
        return 0
    print(f"exposure in {rep} as of {x.as_of}, position {x.position}")
    rows = []
    for r in list(x.rows) + [x.total]:
        rows.append({"currency": r.currency or "total",
                     **{f: _money(args, getattr(r, "reporting_" + f + "_minor"), rep)
                        for f in ("receivables", "unapplied", "balance", "exposure", "past_due",
                                  "disputed", "credit_limit", "over_limit")},
                     "customers": r.customers,
                     "rate": _rate(r.conversion) if r.HasField("conversion") else ""})
    _emit(args, rows)
    return 0


def envelope(p: argparse.ArgumentParser) -> None:
    p.add_argument("--request-id", default="", help="idempotency key (default: new)")
    p.add_argument("--actor", default="", help="who records it")
    p.add_argument("--reason", default="", help="why")


def clocks(p: argparse.ArgumentParser, as_of: bool = True) -> None:
    if as_of:
        p.add_argument("--as-of", help="effective date YYYY-MM-DD (default: today)")
    p.add_argument("--known-at", help="recorded time (ISO 8601): the view as known then")


def register(sub: argparse._SubParsersAction) -> None:
    today = dt.date.today().isoformat()

    p = sub.add_parser("allowance", help="allowance for doubtful accounts by given rates")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    p.set_defaults(func=_allowance)
    ps = p.add_subparsers(dest="action", required=True)
    d = ps.add_parser("define", help="a new version of allowance rates (needs --actor, --reason)")
    d.add_argument("allowance_id")
    d.add_argument("--rates", required=True, help="bp per bucket: current, each edge, over the "
                   "last (e.g. 100,300,1000,2500,5000,10000)")
    d.add_argument("--edges", type=A.edges,
                   help="bucket edges in days past due (default 30,60,90,120)")
    d.add_argument("--rounding", choices=["per-bucket", "total"], default="per-bucket")
    d.add_argument("--effective-date", default=today, help="YYYY-MM-DD (default: today)")
    envelope(d)
    s = ps.add_parser("show", help="the allowance per currency as of a day")
    s.add_argument("allowance_id")
    s.add_argument("--version", type=int, default=0, help="default: the version in force")
    s.add_argument("--rounding", choices=["per-bucket", "total"], help="default: the version's")
    s.add_argument("--currency")
    s.add_argument("--customer")
    clocks(s)

    p = sub.add_parser("fx", help="exchange rates: record one, list them")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    p.set_defaults(func=_fx)
    ps = p.add_subparsers(dest="action", required=True)
    r = ps.add_parser("record", help="1 BASE = RATE QUOTE on a date, from a source "
                      "(needs --actor)")
    r.add_argument("base")
    r.add_argument("quote")
    r.add_argument("rate", help="exact decimal, e.g. 1.0834")
    r.add_argument("--rate-date", default=today, help="YYYY-MM-DD (default: today)")
    r.add_argument("--source", required=True, help="e.g. 'ECB reference rate'")
    envelope(r)
    ls = ps.add_parser("list", help="rates as known at a time, newest first")
    ls.add_argument("--base")
    ls.add_argument("--quote")
    ls.add_argument("--from", dest="from_date")
    ls.add_argument("--to", dest="to_date")
    ls.add_argument("--limit", type=int, default=1000)
    clocks(ls, as_of=False)

    p = sub.add_parser("consolidated", help="aging, KPIs or exposure in a reporting currency")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    p.set_defaults(func=_consolidated)
    ps = p.add_subparsers(dest="view", required=True)
    a = ps.add_parser("aging", help="every currency's aging converted and summed")
    a.add_argument("reporting_currency")
    a.add_argument("--basis", choices=["DUE_DATE", "INVOICE_DATE"], default="DUE_DATE")
    a.add_argument("--edges", type=A.edges, help="bucket edges in days (default 30,60,90,120)")
    clocks(a)
    k = ps.add_parser("kpis", help="KPIs of a period at the closing rates")
    k.add_argument("reporting_currency")
    k.add_argument("--from", dest="from_date", required=True)
    k.add_argument("--to", dest="to_date", help="default: today")
    k.add_argument("--cei", choices=["total", "monthly_average"], default="total")
    clocks(k, as_of=False)
    x = ps.add_parser("exposure", help="balances, past due, disputed and limits, summed")
    x.add_argument("reporting_currency")
    clocks(x)
