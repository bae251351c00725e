"""`arledger report aging|statement|kpis|exceptions`: the ReportService from a shell.

Every report takes `--as-of` (or a period) and `--known-at` (a recorded time: the report
as it was known then). Output is a table, or JSON / CSV through the global `--format`;
`--plot FILE.png` draws the aging buckets or the KPI trend with matplotlib.
"""

from __future__ import annotations

import argparse
from typing import Any

from arledger.cli import args as A
from arledger.cli import connect
from arledger.cli.output import emit, note


def _emit(args: argparse.Namespace, obj: Any, columns: list[str] | None = None) -> None:
    emit(obj, args.format, columns)


def _limit(rows: list, args: argparse.Namespace) -> list:
    return rows[:args.limit] if args.limit else rows


# ---- aging --------------------------------------------------------------------------------

def _aging_rows(labels: list[str], rows: list[dict], key: str) -> list[dict]:
    out = []
    for r in rows:
        row = {key: r[key]}
        if key == "customer_id":
            row["currency"] = r["currency"]
        row.update(zip(labels, r["buckets_minor"]))
        row.update(unapplied_minor=r["unapplied_minor"], balance_minor=r["balance_minor"],
                   disputed_minor=r["disputed_minor"], items=r["open_item_count"])
        out.append(row)
    return out


def _aging(args: argparse.Namespace) -> int:
    common: dict[str, Any] = dict(known_at=args.known_at, basis=args.basis,
                                  bucket_edges_days=args.edges or [],
                                  customer_id=args.customer or "", currency=args.currency or "")
    with connect.reports(args) as client:
        if args.bucket is not None:
            rep = client.aging_items_report(args.bucket, args.as_of or None, **common)
            if args.format == "table":
                note(f"items in {args.bucket or 'every bucket'} ({rep['total_items']} in all, "
                     f"position {rep['position']})")
            _emit(args, _limit(rep["items"], args))
            return 0
        head = client.customer_aging(args.as_of or None, **common)
    labels = list(head["bucket_labels"])
    if args.format == "json":
        out = dict(head)
        if args.by == "customer":
            out["rows"] = _limit(out["rows"], args)
        else:
            out.pop("rows")
        _emit(args, out)
    else:
        if args.format == "table":
            note(f"aging as of {head['as_of']} ({head['basis']} basis, position "
                 f"{head['position']}, {head['total_rows']} customers); disputed is also "
                 "counted in its bucket; buckets + unapplied = balance")
        rows = (_aging_rows(labels, _limit(head["rows"], args), "customer_id")
                if args.by == "customer" else _aging_rows(labels, head["totals"], "currency"))
        emit(rows, args.format, money_keys=labels)
    if args.plot:
        _plot_aging(args.plot, labels, head)
    return 0


def _plot_aging(path: str, labels: list[str], head: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from arledger.domain.money import MINOR_UNITS

    totals = list(head["totals"])
    fig, axes = plt.subplots(1, max(len(totals), 1), figsize=(4.5 * max(len(totals), 1), 4),
                             squeeze=False)
    cols = ["#4c9a5a", "#c9d26a", "#f0b54a", "#e8793a", "#d2452f", "#8e1b1b"]
    for ax, t in zip(axes[0], totals):
        scale = 10 ** MINOR_UNITS.get(t["currency"], 2)
        vals = [v / scale for v in t["buckets_minor"]] + [t["unapplied_minor"] / scale]
        names = labels + ["unapplied"]
        colors = [cols[min(i, len(cols) - 1)] for i in range(len(labels))] + ["#5b7db1"]
        ax.bar(range(len(vals)), vals, color=colors)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_xticks(range(len(vals)), names, rotation=35, ha="right", fontsize=8)
        ax.set_title(f"{t['currency']}: balance {t['balance_minor'] / scale:,.2f}", fontsize=10)
        ax.set_ylabel(t["currency"])
        ax.ticklabel_format(axis="y", style="plain")
    fig.suptitle(f"Aging as of {head['as_of']} (position {head['position']})", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    note(f"plot written to {path}")


# ---- statement ----------------------------------------------------------------------------

def _statement(args: argparse.Namespace) -> int:
    with connect.reports(args) as client:
        head = client.statement(args.customer_id, args.period_from, args.to or None,
                                args.known_at, bucket_edges_days=args.edges or [])
    head["lines"] = _limit(head["lines"], args)
    if args.format == "json":
        _emit(args, head)
        return 0
    cur = head["currency"]
    if args.format == "table":
        note(f"statement of {head['customer_id']} ({cur}) {head['period_from']} .. "
             f"{head['period_to']}, position {head['position']}")
    lines = [{**ln, "currency": cur} for ln in head["lines"]]
    columns = ["effective_date", "position", "type", "document_id", "debit_minor",
               "credit_minor", "disputed_delta_minor", "balance_minor"]
    if args.format != "table":
        _emit(args, lines, columns + ["currency"])
        return 0
    opening = {"type": "opening balance", "balance_minor": head["opening_balance_minor"]}
    closing = {"type": "closing balance", "balance_minor": head["closing_balance_minor"]}
    emit([opening, *lines, closing], "table", columns, currency=cur)
    footer = dict(zip(head["bucket_labels"], head["aging_buckets_minor"]))
    footer.update(unapplied_minor=head["aging_unapplied_minor"],
                  disputed_minor=head["aging_disputed_minor"])
    print()
    emit([footer], "table", money_keys=list(head["bucket_labels"]), currency=cur)
    return 0


# ---- KPIs ---------------------------------------------------------------------------------

_KPI_COLUMNS = ["scope", "period_from", "period_to", "currency", "credit_sales_minor",
                "receivables_end_minor", "dso_simple", "dso_countback", "best_possible_dso",
                "add", "cei", "cei_variant", "pct_current", "pct_over_90", "disputes_opened",
                "disputes_resolved", "disputes_avg_days_to_resolve", "write_offs_minor"]


def _kpis(args: argparse.Namespace) -> int:
    with connect.reports(args) as client:
        data = client.kpis(args.period_from, args.to or None, args.known_at,
                           customer_id=args.customer or "", currency=args.currency or "",
                           cei_variant=args.cei, cei_months=args.cei_months,
                           monthly=args.monthly or bool(args.plot))
    if args.format == "json":
        _emit(args, data)
    else:
        shown = [dict(d) for d in data if args.monthly or d["scope"] == "period"]
        for d in shown:  # copies: the plot below reads the exact figures
            for k, v in d.items():
                if isinstance(v, float):
                    d[k] = round(v, 2)
        _emit(args, shown, _KPI_COLUMNS if args.format == "table" else None)
    if args.plot:
        _plot_kpis(args.plot, data)
    return 0


def _plot_kpis(path: str, data: list[dict]) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    months = [d for d in data if d["scope"] == "month"]
    curs = sorted({d["currency"] for d in months})
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10.5, 6.5), sharex=True)
    for cur in curs:
        ds = [d for d in months if d["currency"] == cur]
        x = [d["period_from"][:7] for d in ds]

        def ys(key: str, ds: list[dict] = ds) -> list[float]:
            return [float("nan") if d[key] is None else d[key] for d in ds]
        line, = ax1.plot(x, ys("dso_simple"), marker="o", label=f"{cur} DSO (simple)")
        ax1.plot(x, ys("dso_countback"), marker="s", linestyle="--", color=line.get_color(),
                 label=f"{cur} DSO (countback)")
        ax1.plot(x, ys("best_possible_dso"), linestyle=":", color=line.get_color(),
                 label=f"{cur} best possible DSO")
        ax2.plot(x, ys("cei"), marker="o", color=line.get_color(),
                 label=f"{cur} CEI ({ds[0]['cei_variant']})")
    ax1.set_ylabel("days")
    ax1.set_title("DSO by month")
    ax1.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax2.set_ylabel("CEI %")
    ax2.set_title("Collection effectiveness index by month")
    ax2.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax2.tick_params(axis="x", rotation=35)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    note(f"plot written to {path}")


# ---- exceptions ---------------------------------------------------------------------------

def _exceptions(args: argparse.Namespace) -> int:
    with connect.reports(args) as client:
        rows = _limit(client.exceptions(
            args.as_of or None, args.known_at, kinds=args.kind or [],
            past_due_days=args.past_due_days, min_past_due_minor=args.min_amount,
            unapplied_days=args.unapplied_days, dispute_days=args.dispute_days,
            changes_from=args.changes_from or None), args)
    if args.format == "table":
        note(f"exceptions ({len(rows)} rows)")
    _emit(args, rows, ["kind", "customer_id", "currency", "item_id", "amount_minor", "days",
                       "detail"])
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="reports: aging (per currency or customer, drill-down), "
                       "statement, KPIs, exceptions; as of a day, as known at a time")
    rs = p.add_subparsers(dest="report", required=True, metavar="REPORT")

    def report(name: str, help_: str, func) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        r = rs.add_parser(name, help=help_)
        r.add_argument("--known-at", type=A.known_at,
                       help="recorded time (ISO 8601, e.g. 2026-04-02T00:00:00Z): "
                       "the report as it was known then (default now)")
        r.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
        r.set_defaults(func=func)
        return r

    a = report("aging", "aging buckets per currency (or per customer with --by customer; the "
               "items of one bucket with --bucket)", _aging)
    a.add_argument("--as-of", help="YYYY-MM-DD (default today)")
    a.add_argument("--customer", help="one customer")
    a.add_argument("--currency", help="one currency")
    a.add_argument("--basis", choices=("due", "invoice"), default="due",
                   help="days past the due date (default) or the invoice date")
    a.add_argument("--edges", type=A.edges,
                   help="bucket upper edges in days, e.g. 30,60,90 (default "
                   "30,60,90,120)")
    a.add_argument("--by", choices=("currency", "customer"), default="currency",
                   help="rows per currency (default) or per customer")
    a.add_argument("--bucket", help="drill down: the items of one bucket (a label such as "
                   "31-60, 'unapplied', or '' for every open item)")
    a.add_argument("--limit", type=A.non_negative, default=0,
                   help="at most this many rows (default all)")
    a.add_argument("--plot", metavar="FILE.png", help="draw the buckets per currency")

    s = report("statement", "a customer's statement: opening balance, every entry with the "
               "running balance, closing balance, aging footer", _statement)
    s.add_argument("customer_id")
    s.add_argument("--from", dest="period_from", required=True, help="YYYY-MM-DD")
    s.add_argument("--to", help="YYYY-MM-DD (default today)")
    s.add_argument("--edges", type=A.edges, help="aging footer bucket edges, e.g. 30,60,90")
    s.add_argument("--limit", type=A.non_negative, default=0, help="at most this many lines")

    k = report("kpis", "DSO (simple, countback), best possible DSO, ADD, CEI, %% current, "
               "%% over 90, disputes, write-offs for a period", _kpis)
    k.add_argument("--from", dest="period_from", required=True, help="YYYY-MM-DD")
    k.add_argument("--to", help="YYYY-MM-DD (default today)")
    k.add_argument("--customer", help="one customer's figures")
    k.add_argument("--currency", help="one currency")
    k.add_argument("--cei", choices=("total", "monthly_average"), default="total",
                   help="CEI variant: credit sales of the period (total, default) or their "
                        "monthly average")
    k.add_argument("--cei-months", type=A.whole, default=0,
                   help="months the monthly average runs over (default: the period's)")
    k.add_argument("--monthly", action="store_true", help="also one row per calendar month")
    k.add_argument("--plot", metavar="FILE.png", help="draw DSO and CEI month by month")

    e = report("exceptions", "the weekly AR review: over limit, long past due, old unapplied "
               "cash, long disputes, master-data changes", _exceptions)
    e.add_argument("--as-of", help="YYYY-MM-DD (default today)")
    e.add_argument("--kind", action="append", choices=("OVER_LIMIT", "PAST_DUE", "OLD_UNAPPLIED",
                                                       "LONG_DISPUTE", "MASTER_DATA_CHANGED"),
                   help="only these lists (repeatable; default all)")
    e.add_argument("--past-due-days", type=A.whole, help="PAST_DUE: more than N days (default 90)")
    e.add_argument("--min-amount", type=A.whole, default=0,
                   help="PAST_DUE: at least this much past due per customer (minor units)")
    e.add_argument("--unapplied-days", type=A.whole, help="OLD_UNAPPLIED: older than N days "
                   "(default 30)")
    e.add_argument("--dispute-days", type=A.whole, help="LONG_DISPUTE: open longer than N days "
                   "(default 30)")
    e.add_argument("--changes-from", help="MASTER_DATA_CHANGED: from this date (default as-of "
                   "minus 6 days)")
    e.add_argument("--limit", type=A.non_negative, default=0, help="at most this many rows")
