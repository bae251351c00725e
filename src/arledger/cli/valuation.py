"""`arledger allowance ...`, `arledger fx ...` and `arledger consolidated ...`:
allowance rates and the allowance by given rates, exchange rates, and aging, KPIs and
exposure consolidated in a reporting currency (ValuationService, through the SDK).

Tables show money with its currency's decimals (0 for JPY, 3 for KWD); `--format json`
and `csv` keep integer minor units.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from arledger.cli import args as A
from arledger.cli import connect
from arledger.cli.output import emit, money, note

_ROUNDING = {None: "", "": "", "per-bucket": "PER_BUCKET", "total": "TOTAL"}


def _money(args: argparse.Namespace, amount: int, currency: str) -> Any:
    """Major units with the currency in a table; minor units otherwise."""
    return money(int(amount), currency) if args.format == "table" else int(amount)


def _rate(cv: dict) -> str:
    r = cv.get("rate")
    if not r:
        return "1 (reporting currency)"
    pair = f"{r['base_currency']}/{r['quote_currency']} {r['rate']}"
    return (f"{pair}{' inverted' if cv.get('inverted') else ''} ({r['rate_date']}, "
            f"{r['source']}, #{r['position']})")


def _person(args: argparse.Namespace) -> dict[str, Any]:
    return {"actor": args.actor, "reason": args.reason, "request_id": args.request_id or None}


def _allowance(args: argparse.Namespace) -> int:
    with connect.valuation(args) as client:
        if args.action == "define":
            emit(connect.result_dict(client.define_allowance_rates(
                args.allowance_id, args.rates, args.effective_date,
                bucket_edges_days=args.edges or [], rounding=_ROUNDING[args.rounding],
                **_person(args))), args.format)
            return 0
        a = client.allowance(args.allowance_id, as_of=args.as_of or None,
                             known_at=args.known_at, version=args.version,
                             rounding=_ROUNDING[args.rounding], currency=args.currency or "",
                             customer_id=args.customer or "")
    if args.format == "json":
        emit(a, "json")
        return 0
    note(f"allowance {a['allowance_id']} v{a['version']} (effective {a['effective_date']}, "
         f"{a['rounding']} rounding) as of {a['as_of']}, position {a['position']}")
    rows = []
    for r in a["rows"]:
        cur = r["currency"]
        for label, rate, o, al in zip(a["bucket_labels"], a["rates_bp"], r["open_minor"],
                                      r["allowance_minor"]):
            rows.append({"currency": cur, "bucket": label, "rate_bp": rate,
                         "open_minor": o, "allowance_minor": al})
        rows.append({"currency": cur, "bucket": "total", "rate_bp": None,
                     "open_minor": r["total_open_minor"],
                     "allowance_minor": r["total_allowance_minor"]})
    emit(rows, args.format)
    return 0


def _fx(args: argparse.Namespace) -> int:
    with connect.valuation(args) as client:
        if args.action == "record":
            emit(connect.result_dict(client.record_fx_rate(
                args.base, args.quote, args.rate, args.rate_date, args.source,
                **_person(args))), args.format)
            return 0
        rates = client.fx_rates(base_currency=args.base or "", quote_currency=args.quote or "",
                                from_date=args.from_date or None, to_date=args.to_date or None,
                                known_at=args.known_at)[:args.limit]
    emit(rates if args.format == "json" else
         [{"pair": f"{r['base_currency']}/{r['quote_currency']}", "rate": r["rate"],
           "rate_date": r["rate_date"], "source": r["source"], "position": r["position"]}
          for r in rates], args.format)
    return 0


def _consolidated_aging(args: argparse.Namespace, a: dict, rep: str) -> None:
    note(f"aging in {rep} as of {a['as_of']}, position {a['position']}: each currency at "
         "its rate, converted once per figure")
    rows = []
    for r in list(a["rows"]) + [None]:
        bk = r["reporting_buckets_minor"] if r is not None else a["buckets_minor"]
        row: dict[str, Any] = {"currency": r["currency"] if r is not None else "total",
                               "rate": _rate(r["conversion"]) if r is not None else ""}
        row.update({lb: _money(args, v, rep) for lb, v in zip(a["bucket_labels"], bk)})
        row["unapplied"] = _money(args, r["reporting_unapplied_minor"] if r is not None
                                  else a["unapplied_minor"], rep)
        row["balance"] = _money(args, r["reporting_balance_minor"] if r is not None
                                else a["balance_minor"], rep)
        rows.append(row)
    emit(rows, args.format)


_EXPOSURE = ("receivables", "unapplied", "balance", "exposure", "past_due", "disputed",
             "credit_limit", "over_limit")


def _consolidated(args: argparse.Namespace) -> int:
    rep = args.reporting_currency
    with connect.valuation(args) as client:
        if args.view == "aging":
            out = client.consolidated_aging(rep, as_of=args.as_of or None,
                                            known_at=args.known_at,
                                            basis=args.basis.lower(),
                                            bucket_edges_days=args.edges or [])
        elif args.view == "kpis":
            out = client.consolidated_kpis(rep, args.from_date, args.to_date or None,
                                           known_at=args.known_at, cei_variant=args.cei)
        else:
            out = client.consolidated_exposure(rep, as_of=args.as_of or None,
                                               known_at=args.known_at)
    if args.format == "json":
        emit(out, "json")
    elif args.view == "aging":
        _consolidated_aging(args, out, rep)
    elif args.view == "kpis":
        k = {f: (_money(args, int(v), rep) if f.endswith("_minor") else v)
             for f, v in out["kpis"].items()}
        k["rates"] = "; ".join(f"{c['currency']}: {_rate(c)}" for c in out["conversions"])
        emit(k, args.format)
    else:
        note(f"exposure in {rep} as of {out['as_of']}, position {out['position']}")
        emit([{"currency": r.get("currency") or "total",
               **{f: _money(args, r["reporting_" + f + "_minor"], rep) for f in _EXPOSURE},
               "customers": r["customers"],
               "rate": _rate(r["conversion"]) if r.get("conversion") else ""}
              for r in list(out["rows"]) + [out["total"]]], args.format)
    return 0


def rates(text: str) -> list[int]:
    """--rates BP,BP,...: one rate per bucket."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not basis points like 100,300,1000")
    return [int(p) for p in parts]


def envelope(p: argparse.ArgumentParser) -> None:
    p.add_argument("--request-id", default="", help="idempotency key (default: new)")
    p.add_argument("--actor", default="", help="who records it")
    p.add_argument("--reason", default="", help="why")


def clocks(p: argparse.ArgumentParser, as_of: bool = True) -> None:
    if as_of:
        p.add_argument("--as-of", help="effective date YYYY-MM-DD (default: today)")
    p.add_argument("--known-at", type=A.known_at,
                   help="recorded time (ISO 8601): the view as known then")


def register(sub: argparse._SubParsersAction) -> None:
    today = dt.date.today().isoformat()

    p = sub.add_parser("allowance", help="allowance for doubtful accounts by given rates")
    p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
    p.set_defaults(func=_allowance)
    ps = p.add_subparsers(dest="action", required=True)
    d = ps.add_parser("define", help="a new version of allowance rates (needs --actor, --reason)")
    d.add_argument("allowance_id")
    d.add_argument("--rates", required=True, type=rates,
                   help="bp per bucket: current, each edge, over the "
                   "last (e.g. 100,300,1000,2500,5000,10000)")
    d.add_argument("--edges", type=A.edges,
                   help="bucket edges in days past due (default 30,60,90,120)")
    d.add_argument("--rounding", choices=["per-bucket", "total"], default="per-bucket")
    d.add_argument("--effective-date", default=today, help="YYYY-MM-DD (default: today)")
    envelope(d)
    s = ps.add_parser("show", help="the allowance per currency as of a day")
    s.add_argument("allowance_id")
    s.add_argument("--version", type=A.whole, default=0, help="default: the version in force")
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
    ls.add_argument("--limit", type=A.whole, default=1000)
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
