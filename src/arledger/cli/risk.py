"""`arledger risk ...`: re-score the portfolio, the expected-loss worklist, calibration,
the provision matrix, one customer's score, and model versions (RiskService, through the
SDK's RiskClient)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from arledger.cli import args as A
from arledger.cli import connect
from arledger.cli.output import emit, emit_sections, note

DISPUTES = ("any", "with", "without")
PROMISES = ("any", "active", "none-active", "broken")


def _emit(args: argparse.Namespace, obj: Any, columns: list[str] | None = None) -> None:
    emit(obj, args.format, columns)


def _plot(path: str, draw) -> None:  # type: ignore[no-untyped-def]
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    draw(ax)
    fig.tight_layout()
    fig.savefig(Path(path))
    plt.close(fig)


def _rescore(args: argparse.Namespace) -> int:
    with connect.risk(args) as client:
        res = client.rescore(model_version=args.model, as_of=args.as_of or None,
                             dry_run=args.dry_run, request_id=args.request_id,
                             actor=args.actor, reason=args.reason)
    summary, pds = res.summary, res.pd
    if args.plot:
        def draw(ax):  # type: ignore[no-untyped-def]
            edges = [0.0] + [10 ** (k / 4) for k in range(-16, 1)]  # log bins 1e-4 .. 1
            ax.hist([max(p, 1e-4) for p in pds], bins=edges, color="#3b6ea5")
            ax.set_xscale("log")
            ax.set_xlabel("probability of default (log scale)")
            ax.set_ylabel("customers")
            ax.set_title(f"Score distribution: {summary.get('model_version')} as of "
                         f"{summary.get('as_of')} ({len(pds):,} customers)")
        _plot(args.plot, draw)
    if args.rows:
        rows = [{"customer_id": c, "currency": cur, "pd": round(p, 6), "exposure_minor": e,
                 "expected_loss_minor": el}
                for c, cur, p, e, el in zip(res.customer_ids, res.currencies, res.pd,
                                            res.exposure_minor, res.expected_loss_minor)]
        _emit(args, rows, ["customer_id", "currency", "pd", "exposure_minor",
                           "expected_loss_minor"])
        return 0
    flat = {k: v for k, v in summary.items() if k not in ("summary_json", "summary")}
    details = summary.get("summary") or {}
    flat["mean_pd"] = details.get("mean_pd")
    if args.format == "json":
        flat["summary"] = details
    else:
        flat["pd_bands"] = json.dumps(details.get("pd_bands", {}))
        flat["expected_loss_minor"] = json.dumps(details.get("expected_loss_minor", {}))
    _emit(args, flat)
    return 0


def _score(args: argparse.Namespace) -> int:
    with connect.risk(args) as client:
        res = client.score(args.customer_id, model_version=args.model,
                           as_of=args.as_of or None)
    if args.format == "json":
        _emit(args, res)
        return 0
    head = {k: v for k, v in res.items() if k not in ("top_features", "features")}
    emit_sections(args.format, [("score", head, None),
                                ("features", res["features"], ["feature", "value",
                                                               "contribution"])])
    return 0


def _worklist(args: argparse.Namespace) -> int:
    with connect.risk(args) as client:
        res = client.worklist_page(
            model_version=args.model, as_of=args.as_of or None, known_at=args.known_at,
            currency=args.currency or "", disputes=args.disputes, page_size=args.limit,
            dunning_level_min=args.dunning_min, promises=args.promises,
            page_token=args.page_token or "")
    rows = res["rows"]
    if res.get("next_page_token"):  # stdout stays the rows (table, JSON or CSV)
        note(f"next page: --page-token {res['next_page_token']} ({res['total_size']:,} rows "
             "in all)")
    if args.format != "json":
        for r in rows:
            r["pd"] = round(r["pd"], 4)
            r["top_features"] = ", ".join(t["feature"] for t in r["top_features"])
    _emit(args, rows, ["rank", "customer_id", "currency", "pd", "exposure_minor",
                       "expected_loss_minor", "open_disputes", "dunning_level",
                       "active_promise", "why"]
          if args.format == "table" else None)
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    with connect.risk(args) as client:
        rep = client.calibrate(
            as_of=args.as_of or None, horizon_days=args.horizon, step_days=args.step,
            history_days=args.history, holdout_share=args.holdout,
            new_version=args.register or "", register=bool(args.register),
            request_id=args.request_id, actor=args.actor, reason=args.reason)
    if args.plot:
        bins = rep["calibration"]

        def draw(ax):  # type: ignore[no-untyped-def]
            # Log axes: most deciles sit below a few percent, the riskiest one near the top.
            lo = max(min(b["mean_pd"] for b in bins) if bins else 1e-4, 1e-4)
            ax.plot([lo, 1], [lo, 1], color="grey", linestyle="--", label="perfect calibration")
            floor = lo / 2  # a decile with no default is drawn on this line
            ax.plot([max(b["mean_pd"], 1e-4) for b in bins],
                    [max(b["observed_rate"], floor) for b in bins],
                    "o-", color="#c0392b", label="held-out deciles")
            ax.axhline(floor, color="#dddddd", linewidth=0.8)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_ylim(floor / 1.5, 1)
            ax.set_xlabel("predicted probability of default (decile mean, log scale)")
            ax.set_ylabel("observed default rate (log; bottom line = none)")
            ax.set_title(f"Calibration on {rep['samples_holdout']:,} held-out samples, "
                         f"AUC {rep['auc_holdout']:.3f}")
            ax.legend()
        _plot(args.plot, draw)
    if args.format == "json":
        _emit(args, rep)
        return 0
    head = {k: v for k, v in rep.items() if k not in ("calibration", "coefficients", "model")}
    emit_sections(args.format, [
        ("calibration", head, None),
        ("coefficients", rep["coefficients"], ["feature", "coefficient", "std_error"]),
        ("deciles", rep["calibration"], ["pd_low", "pd_high", "count", "mean_pd",
                                         "observed_rate"])])
    return 0


def _provision(args: argparse.Namespace) -> int:
    with connect.risk(args) as client:
        res = client.provision_matrix(as_of=args.as_of or None,
                                      bucket_edges_days=tuple(args.edges or ()),
                                      maturity_days=args.maturity, history_days=args.history)
    if args.format == "json":
        _emit(args, res)
        return 0
    rows = []
    for r in res["rows"]:
        for k, label in enumerate(res["bucket_labels"]):
            rate = r["loss_rate"][k]
            rows.append({"currency": r["currency"], "bucket": label,
                         "entered_minor": r["entered_minor"][k],
                         "never_paid_minor": r["never_paid_minor"][k],
                         "loss_rate": f"{rate:.4%}" if isinstance(rate, (int, float))
                         and not math.isnan(rate) else "",
                         "open_minor": r["open_minor"][k], "ecl_minor": r["ecl_minor"][k]})
        rows.append({"currency": r["currency"], "bucket": "total", "entered_minor": None,
                     "never_paid_minor": None, "loss_rate": "", "open_minor": r["total_open_minor"],
                     "ecl_minor": r["total_ecl_minor"]})
    _emit(args, rows, ["currency", "bucket", "entered_minor", "never_paid_minor", "loss_rate",
                       "open_minor", "ecl_minor"])
    return 0


def _models(args: argparse.Namespace) -> int:
    with connect.risk(args) as client:
        models = client.list_models()
    rows = []
    for m in models:
        d = m["model"]
        rows.append({"model_version": m["model_version"], "builtin": m["builtin"],
                     "features": len(d.get("features", [])),
                     "auc_holdout": d.get("fit", {}).get("auc_holdout"),
                     "description": d.get("description", "")} if args.format != "json"
                    else m)
    _emit(args, rows)
    return 0


def _register(args: argparse.Namespace) -> int:
    text = Path(args.file).read_text()
    with connect.risk(args) as client:
        res = client.register_model(text, actor=args.actor, reason=args.reason,
                                    effective_date=args.effective_date or None,
                                    request_id=args.request_id)
    _emit(args, res)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("risk", help="portfolio risk: rescore, worklist, calibrate, provision, "
                       "score, models, register")
    p.add_argument("--timeout", type=float, default=600.0, help=argparse.SUPPRESS)
    rs = p.add_subparsers(dest="action", required=True)

    def action(name: str, help_: str, func, *, model: bool = True,  # type: ignore[no-untyped-def]
               envelope: bool = False) -> argparse.ArgumentParser:
        a = rs.add_parser(name, help=help_)
        a.add_argument("--as-of", help="effective date YYYY-MM-DD (default: today)")
        if model:
            a.add_argument("--model", default="", help="model version (default default-v1)")
        if envelope:
            a.add_argument("--request-id", default="", help="idempotency key (default: new)")
            a.add_argument("--actor", default="", help="who decides")
            a.add_argument("--reason", default="", help="why")
        a.set_defaults(func=func)
        return a

    a = action("rescore", "score every customer, record it in the log, print the summary",
               _rescore, envelope=True)
    a.add_argument("--dry-run", action="store_true", help="do not record the re-score")
    a.add_argument("--rows", action="store_true", help="print every customer's score instead "
                   "of the summary")
    a.add_argument("--plot", help="write the score distribution to this PNG")
    a = action("worklist", "customers ranked by expected loss, each saying why", _worklist)
    a.add_argument("--currency", help="only this currency (ISO 4217)")
    a.add_argument("--disputes", choices=DISPUTES, default="any",
                   help="only customers with / without an open dispute")
    a.add_argument("--dunning-min", type=A.whole, default=0,
                   help="only customers at this dunning level or above (on an open invoice)")
    a.add_argument("--promises", choices=PROMISES, default="any",
                   help="only customers with an active / no active / a broken promise to pay")
    a.add_argument("--limit", type=A.whole, default=20, help="rows per page (default 20, at most "
                   "1000)")
    a.add_argument("--page-token", help="the next page: the token the previous page printed")
    a.add_argument("--known-at", type=A.known_at,
                   help="as known at this recorded time, ISO 8601 (default now)")
    a = action("calibrate", "fit a model on the ledger's history; report AUC and calibration",
               _calibrate, model=False, envelope=True)
    a.add_argument("--horizon", type=A.whole, default=0, help="outcome window in days (default 90)")
    a.add_argument("--step", type=A.whole, default=0, help="days between snapshots (default 30)")
    a.add_argument("--history", type=A.whole, default=0, help="days of snapshots (default 365)")
    a.add_argument("--holdout", type=float, default=0.0,
                   help="share of customers held out (default 0.3)")
    a.add_argument("--register", metavar="VERSION",
                   help="register the fitted model as VERSION (needs --actor, --reason)")
    a.add_argument("--plot", help="write the calibration curve to this PNG")
    a = action("provision", "provision matrix: loss rates per aging bucket from history, "
               "and expected credit loss", _provision, model=False)
    a.add_argument("--edges", type=A.edges,
                   help="bucket edges in days, e.g. 30,60,90 (default 30,60,90,120)")
    a.add_argument("--maturity", type=A.whole, default=0,
                   help="history invoices are due at least this many days ago (default 180)")
    a.add_argument("--history", type=A.whole, default=0, help="days of history (default 365)")
    a = action("score", "one customer's score and what drives it", _score)
    a.add_argument("customer_id")
    rs.add_parser("models", help="model versions (built in and registered)").set_defaults(
        func=_models)
    a = rs.add_parser("register", help="register a model version from a JSON file")
    a.add_argument("file", type=A.readable_file, help="the model as JSON (docs/risk.md)")
    a.add_argument("--effective-date", help="YYYY-MM-DD (default today)")
    a.add_argument("--request-id", default="", help="idempotency key (default: new)")
    a.add_argument("--actor", required=True, help="who decides")
    a.add_argument("--reason", required=True, help="why")
    a.set_defaults(func=_register)
