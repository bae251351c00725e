"""Cash application from bank statements: match quality against ground truth, and speed.

    .venv/bin/python bench/bank_match.py [--customers 3000] [--lines 10000]
    .venv/bin/python bench/bank_match.py --scale [--scale-customers 100000] [--scale-lines 100000]

Quality (the default run):
1. Load the synthetic portfolio (src/arledger/synthetic.py) into a ledger on a temporary
   SQLite directory, through the engine.
2. A history statement (plain invoice references, one line per customer at most) is
   imported and matched, so counterparty accounts are learned from applied lines, as they
   would be after the first weeks of use.
3. The evaluated statement (bank/generator.py, the default mix: references, several
   invoices, typos, short, partial and over-payments, no reference, combinations, whole
   statements, other payers, lines of no customer) is scored by the matcher (the pure
   function) and then imported and matched through the ledger (the commands, the log);
   the decisions recorded must equal the pure function's.
4. Reported at the rules' threshold: precision of automatic application (customer and
   every invoice amount right), recall (of lines that belong to a customer), the share
   applied automatically and the share left to the queue; then the same figures for
   thresholds 5,000..10,000 bp (the curve), and per kind of line.

Scale (--scale): a portfolio with about 1M open invoices (many customers, a short
horizon, so most invoices are still open), a statement of 100,000 lines drawn from it;
timed: building the matcher's index over the open items, matching all lines (the pure
function), and the whole ledger path (import commands, match runs: entries durable).

Results: bench/results-bank.json (quality) and bench/results-bank-scale.json, with the
machine; other work may be running on the machine (it is shared), said in the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from ingest_replay import machine  # noqa: E402

from arledger import synthetic  # noqa: E402
from arledger.bank import generator as G  # noqa: E402
from arledger.bank import matcher as M  # noqa: E402
from arledger.bank import ops  # noqa: E402
from arledger.domain import bank as BK  # noqa: E402
from arledger.engine import open_ledger  # noqa: E402


def load(led, spec: synthetic.PortfolioSpec) -> int:
    n = 0
    for batch in synthetic.generate_batches(spec, 2000):
        for o in led.submit(batch):
            if o.status == "REJECTED":
                raise AssertionError(o.error)
        n += len(batch)
    return n


def statement_day(spec: synthetic.PortfolioSpec) -> int:
    return (spec.start - dt.date(1970, 1, 1)).days + spec.days - 1


def run_statement(led, stmt: BK.Statement,
                  prefix: str) -> tuple[int, ops.MatchSummary]:
    cmds = ops.import_commands([stmt], "0" * 64, prefix)
    n = ops.import_statements(led, cmds)
    return n, ops.match_all(led)


def quality(args: argparse.Namespace) -> dict:
    spec = synthetic.PortfolioSpec(customers=args.customers, invoices_per_customer=12.0,
                                   days=args.days, seed=7)
    d = tempfile.mkdtemp(prefix="arledger-bank-bench-")
    led = open_ledger(d)
    t0 = time.perf_counter()
    commands = load(led, spec)
    t_load = time.perf_counter() - t0
    day = statement_day(spec)
    with led.reading() as S:
        hist, _ = G.generate(S, G.StatementSpec(lines=0, seed=1, statement_id="HIST-1"), day,
                             history=args.history)
    run_statement(led, hist, "hist")
    with led.reading() as S:
        stmt, truths = G.generate(S, G.StatementSpec(lines=args.lines, seed=args.seed), day)
        book = M.open_book(S)
        rules = S.bank.current_rules()[1]
    lines = [M.LineInput(ln.value_day, ln.amount_minor, ln.currency, ln.counterparty_name,
                         ln.counterparty_account, ln.remittance, ln.end_to_end_id)
             for ln in stmt.lines]
    t0 = time.perf_counter()
    decisions = M.match_lines(book, rules, lines)
    t_match = time.perf_counter() - t0
    # For the curve: each line's best candidate, its lead, and whether it is right.
    rows = []
    for d_, tr in zip(decisions, truths):
        b = d_.best
        lead = b.score - d_.candidates[1].score if b is not None and len(d_.candidates) > 1 \
            else 10_000
        ok = b is not None and G.correct(tr, book.cust_ids[b.cust],
                                         {book.inv_ids[p]: a for p, a, _, _ in b.plan})
        rows.append((b.score if b is not None else 0, lead, ok, tr))
    # Through the ledger: the recorded decisions must be the pure function's.
    with led.reading() as S:
        first = S.bank.n
    t0 = time.perf_counter()
    run_statement(led, stmt, "eval")
    t_ledger = time.perf_counter() - t0
    with led.reading() as S:
        b = S.bank
        recorded = [b.status[first + k] == BK.APPLIED for k in range(len(lines))]
        ledger_ok = 0
        for k, (auto, tr) in enumerate(zip(recorded, truths)):
            if auto:
                pay = b.payment[first + k]
                allocs = {S.invoice_ids.name(inv): amt
                          for inv, amt in S.payment_allocations(pay).items()}
                ledger_ok += G.correct(tr, S.customer_ids.name(b.customer[first + k]), allocs)
        digest = S.digest()
    agree = [d_.auto for d_ in decisions] == recorded
    led.close()
    # Replay: the rebuilt state equals the live one (every decision reproduced).
    led = open_ledger(d)
    with led.reading() as S:
        replay_equal = S.digest() == digest
    led.close()

    def at(t: int) -> dict:
        auto = [(ok, tr) for s, lead, ok, tr in rows if s >= t and lead >= rules.margin_bp]
        good = sum(ok for ok, _ in auto)
        owned = sum(tr.customer is not None for *_, tr in rows)
        return {"threshold_bp": t, "auto_applied": len(auto),
                "auto_share": round(len(auto) / len(rows), 4),
                "precision": round(good / len(auto), 5) if auto else None,
                "recall": round(good / owned, 4) if owned else None,
                "queued_share": round(1 - len(auto) / len(rows), 4)}

    by_kind: dict[str, dict] = {}
    for s, lead, ok, tr in rows:
        k = by_kind.setdefault(tr.kind, {"lines": 0, "auto": 0, "auto_correct": 0})
        k["lines"] += 1
        if s >= rules.auto_apply_bp and lead >= rules.margin_bp:
            k["auto"] += 1
            k["auto_correct"] += ok
    head = at(rules.auto_apply_bp)
    return {
        "portfolio": {"customers": spec.customers, "days": spec.days, "commands": commands,
                      "open_invoices": len(book.inv_ids), "load_s": round(t_load, 1)},
        "history_lines": len(hist.lines), "lines": len(lines), "rules": json.loads(rules.to_json()),
        "at_threshold": head,
        "ledger_auto_correct": ledger_ok, "ledger_agrees_with_pure_matcher": agree,
        "replay_digest_equal": replay_equal,
        "curve": [at(t) for t in range(5_000, 10_001, 250)],
        "by_kind": by_kind,
        "match_s": round(t_match, 3), "ledger_import_and_match_s": round(t_ledger, 2),
    }


def scale(args: argparse.Namespace) -> dict:
    spec = synthetic.PortfolioSpec(customers=args.scale_customers,
                                   invoices_per_customer=args.scale_invoices, days=40, seed=11)
    d = tempfile.mkdtemp(prefix="arledger-bank-scale-")
    led = open_ledger(d)
    t0 = time.perf_counter()
    commands = load(led, spec)
    t_load = time.perf_counter() - t0
    day = statement_day(spec)
    with led.reading() as S:
        t0 = time.perf_counter()
        stmt, truths = G.generate(S, G.StatementSpec(lines=args.scale_lines, seed=5), day)
        t_gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        book = M.open_book(S)
        t_index = time.perf_counter() - t0
        rules = S.bank.current_rules()[1]
    lines = [M.LineInput(ln.value_day, ln.amount_minor, ln.currency, ln.counterparty_name,
                         ln.counterparty_account, ln.remittance, ln.end_to_end_id)
             for ln in stmt.lines]
    t0 = time.perf_counter()
    decisions = M.match_lines(book, rules, lines)
    t_match = time.perf_counter() - t0
    t0 = time.perf_counter()
    n, summary = run_statement(led, stmt, "scale")
    t_ledger = time.perf_counter() - t0
    led.close()
    return {"portfolio": {"customers": spec.customers, "commands": commands,
                          "open_invoices": len(book.inv_ids), "load_s": round(t_load, 1)},
            "lines": len(lines), "generate_s": round(t_gen, 2),
            "index_open_items_s": round(t_index, 2), "match_s": round(t_match, 2),
            "index_and_match_s": round(t_index + t_match, 2),
            "auto_applied": sum(x.auto for x in decisions),
            "ledger_import_and_match_s": round(t_ledger, 2),
            "ledger_applied": summary.applied, "ledger_queued": summary.queued,
            "target_s": 60}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=3000)
    ap.add_argument("--days", type=int, default=200)
    ap.add_argument("--history", type=int, default=2000)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--scale", action="store_true")
    ap.add_argument("--scale-customers", type=int, default=100_000)
    ap.add_argument("--scale-invoices", type=float, default=16.0)
    ap.add_argument("--scale-lines", type=int, default=100_000)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    res = scale(args) if args.scale else quality(args)
    res["machine"] = machine()
    res["when"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    res["load_average"] = os.getloadavg()
    res["note"] = ("2-core machine shared with other engineers' builds and tests: other work "
                   "was running during this measurement")
    out = Path(args.out or HERE / ("results-bank-scale.json" if args.scale
                                   else "results-bank.json"))
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps({k: v for k, v in res.items() if k not in ("curve", "machine")}, indent=1))


if __name__ == "__main__":
    main()
