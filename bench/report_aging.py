"""Benchmark: portfolio aging over 10 million open invoices, and reports as known at a
past time over a journal of ~10 million entries, each beside a bare numpy kernel on the
same arrays, in one run.

The State's columns are built synthetically (no log, no fold): 1,000,000 customers in 3
currencies, 10,000,000 invoices issued over two years (due 14-60 days later), 250,000
payments allocated to one invoice each, 250,000 unapplied payments; the journal holds one
row per movement (11,000,000 rows) in 1,100 segments of 10,000 rows, effective days
mostly rising with the segment, 2 % back-dated up to 90 days. This is the layout
`State.apply_segment` produces; building it through the engine would take ~10 minutes of
ingest and measures nothing the report adds.

Figures (median of --runs, every run listed):
1. `views.customer_aging` at the head (as of the last effective day, known now): the
   live path, `engine.amounts.open_amounts` on the live columns, then per-customer buckets,
   disputed, unapplied and counts; beside the bare kernel computing the same
   per-customer buckets/disputed/unapplied/counts straight from the raw columns with
   the same numpy calls (no filtering of closed items, no report structure).
2. The same report as of a past day (180 days back), known now; as known at a past
   recorded time (the middle segment); both; and a recent view (7 days back, known 5
   segments ago). `engine.amounts.open_amounts` sums the journal rows the view includes, or
   subtracts the rows it leaves out from the live columns (the nearest checkpoint) when
   those are fewer; beside the bare kernel that masks the whole journal (exact sums per
   invoice, then the kernel of 1): the cost without a checkpoint.
3. KPIs and the exception list as known at the middle segment (whole portfolio).

Writes bench/results-reports.json with the machine. Run:
    .venv/bin/python bench/report_aging.py [--invoices 10000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from arledger.engine import amounts as A  # noqa: E402
from arledger.engine.state import J_CASH, J_INVOICE, State  # noqa: E402
from arledger.projections import reports as R  # noqa: E402
from arledger.projections import views  # noqa: E402
from ingest_replay import machine  # noqa: E402

EDGES = (30, 60, 90, 120)
DAY0 = 20454  # 2026-01-01


def build(n_inv: int, n_cust: int, seed: int = 1) -> State:
    """A State with synthetic columns laid out as the fold lays them out."""
    rng = np.random.default_rng(seed)
    S = State()
    S.currencies = ["EUR", "GBP", "USD"]
    S.customers.append(n_cust, currency=rng.integers(0, 3, n_cust).astype(np.int16),
                       net_days=30, credit_limit=rng.integers(5 * 10**6, 6 * 10**7, n_cust),
                       opened_day=DAY0 - 800)
    S.customer_ids = [f"C{i:07d}" for i in range(n_cust)]
    # Invoices in issue order over two years; the customer is random.
    issue = np.sort(rng.integers(DAY0 - 730, DAY0, n_inv)).astype(np.int32)
    due = (issue + rng.choice([14, 30, 45, 60], n_inv)).astype(np.int32)
    cust = rng.integers(0, n_cust, n_inv).astype(np.int32)
    amount = rng.integers(1_000, 5_000_000, n_inv)
    S.invoices.append(n_inv, customer=cust, amount=amount, issue_day=issue, due_day=due,
                      open=amount, disputed=0)
    n_pay = n_inv // 40
    paid_inv = rng.choice(n_inv, n_pay, replace=False)
    pay_amt = amount[paid_inv] // 2
    pay_day = (issue[paid_inv] + rng.integers(0, 60, n_pay)).astype(np.int32)
    n_un = n_inv // 40
    un_cust = rng.integers(0, n_cust, n_un).astype(np.int32)
    un_amt = rng.integers(100, 100_000, n_un)
    un_day = rng.integers(DAY0 - 730, DAY0, n_un).astype(np.int32)
    S.payments.append(n_pay + n_un, customer=np.concatenate([cust[paid_inv], un_cust]),
                      amount=np.concatenate([pay_amt, un_amt]),
                      value_day=np.concatenate([pay_day, un_day]),
                      unapplied=np.concatenate([np.zeros(n_pay, np.int64), un_amt]))
    S.invoices.open[paid_inv] -= pay_amt
    S.payment_ids = [f"P{i}" for i in range(n_pay + n_un)]
    disputed = rng.choice(n_inv, n_inv // 200, replace=False)
    S.invoices.disputed[disputed] = S.invoices.open[disputed] // 3
    # Journal: issues, payments recorded, allocations (invoice and cash rows), unapplied
    # payments; ordered by effective day with 2 % back-dated, then cut into segments.
    pay_ix = np.arange(n_pay)
    kind = np.concatenate([np.full(n_inv, J_INVOICE), np.full(n_pay, J_CASH),
                           np.full(n_pay, J_INVOICE), np.full(n_pay, J_CASH),
                           np.full(n_un, J_CASH)]).astype(np.uint8)
    item = np.concatenate([np.arange(n_inv), pay_ix, paid_inv, pay_ix,
                           n_pay + np.arange(n_un)]).astype(np.int64)
    jcust = np.concatenate([cust, cust[paid_inv], cust[paid_inv], cust[paid_inv], un_cust])
    day = np.concatenate([issue, pay_day, pay_day, pay_day, un_day]).astype(np.int32)
    delta = np.concatenate([amount, pay_amt, -pay_amt, -pay_amt, un_amt]).astype(np.int64)
    etype = np.concatenate([np.full(n_inv, 4), np.full(3 * n_pay, 6),
                            np.full(n_un, 6)]).astype(np.uint8)
    recorded_day = day.astype(np.int64).copy()
    late = rng.random(len(day)) < 0.02
    recorded_day[late] += rng.integers(1, 90, late.sum())  # arrives later: back-dated
    order = np.argsort(recorded_day, kind="stable")
    rows = len(order)
    seg_rows = 10_000
    seq = (np.arange(rows) // seg_rows + 1).astype(np.int32)
    S.journal.append(rows, kind=kind[order], item=item[order], customer=jcust[order],
                     day=day[order], seq=seq, delta=delta[order], etype=etype[order],
                     pos=np.arange(1, rows + 1))
    n_seg = int(seq[-1])
    S.segments.append(n_seg, first_position=np.arange(n_seg) * seg_rows + 1,
                      count=np.minimum(seg_rows, rows - np.arange(n_seg) * seg_rows),
                      recorded_at_us=1_790_000_000_000_000 + np.arange(n_seg) * 1_000_000)
    S.head_seq = n_seg
    S.head_position = rows
    S.max_effective_day = int(day.max())
    return S


def kernel(open_: np.ndarray, disputed: np.ndarray, due: np.ndarray, cust: np.ndarray,
           pay_cust: np.ndarray, pay_un: np.ndarray, as_of: int, n_cust: int) -> tuple:
    """The bare numpy kernel: per-customer buckets, disputed, counts, unapplied."""
    nb = len(EDGES) + 2
    b = np.searchsorted(np.asarray((0,) + EDGES, dtype=np.int64),
                        np.subtract(as_of, due, dtype=np.int64))
    c = cust.astype(np.int64)
    grid = np.zeros(n_cust * nb, dtype=np.int64)
    np.add.at(grid, c * nb + b, open_)
    dis = np.zeros(n_cust, dtype=np.int64)
    np.add.at(dis, c, disputed)
    cnt = np.bincount(c, minlength=n_cust)
    un = np.zeros(n_cust, dtype=np.int64)
    np.add.at(un, pay_cust, -pay_un)
    return grid.reshape(n_cust, nb), dis, cnt, un


def journal_kernel(S: State, as_of: int, ks: int) -> tuple:
    """Bare: mask the journal, exact sums per invoice / payment, then the kernel."""
    j = S.journal
    m = (j.view("day") <= as_of) & (j.view("seq") <= ks)
    kind, item, delta = j.view("kind")[m], j.view("item")[m], j.view("delta")[m]
    inv = kind == J_INVOICE
    op = np.zeros(S.invoices.n, dtype=np.int64)
    np.add.at(op, item[inv], delta[inv])
    ca = kind == J_CASH
    un = np.zeros(S.payments.n, dtype=np.int64)
    np.add.at(un, item[ca], delta[ca])
    inv_ = S.invoices
    return kernel(op, np.zeros(S.invoices.n, np.int64), inv_.view("due_day"),
                  inv_.view("customer"), S.payments.view("customer"), un, as_of, S.customers.n)


def paired(report, bare, runs: int) -> dict:
    """Alternate report and bare kernel `runs` times (other load on the machine hits
    both alike); medians, every run, and the median of the per-run ratios."""
    rt, bt = [], []
    for _ in range(runs):
        t = time.perf_counter()
        rep = report()
        rt.append(time.perf_counter() - t)
        t = time.perf_counter()
        ker = bare()
        bt.append(time.perf_counter() - t)
    ratios = sorted(r / b for r, b in zip(rt, bt))
    return {"report_s": round(sorted(rt)[runs // 2], 4), "report_runs": [round(x, 4) for x in rt],
            "bare_kernel_s": round(sorted(bt)[runs // 2], 4),
            "bare_runs": [round(x, 4) for x in bt], "ratio": round(ratios[runs // 2], 3),
            "_out": (rep, ker)}


def timed(fn, runs: int) -> tuple[float, list[float], object]:
    out, times = None, []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2], [round(x, 4) for x in times], out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--invoices", type=int, default=10_000_000)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", default=str(HERE / "results-reports.json"))
    args = ap.parse_args()
    t = time.perf_counter()
    S = build(args.invoices, args.customers)
    build_s = time.perf_counter() - t
    head = S.max_effective_day
    inv, pay = S.invoices, S.payments
    res: dict = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
                 "synthetic_state": True, "customers": S.customers.n, "invoices": inv.n,
                 "open_invoices": int((inv.view("open") != 0).sum()),
                 "journal_rows": S.journal.n, "segments": S.head_seq,
                 "build_seconds": round(build_s, 1), "runs": args.runs}
    print(f"built {inv.n:,} invoices, {S.journal.n:,} journal rows in {build_s:.1f} s",
          file=sys.stderr)

    # 1. Head: report vs bare kernel on the live columns (alternating, same process).
    def report_head():
        return views.customer_aging(S, head, S.head_seq, EDGES)

    def bare_head():
        return kernel(inv.view("open"), inv.view("disputed"), inv.view("due_day"),
                      inv.view("customer"), pay.view("customer"), pay.view("unapplied"),
                      head, S.customers.n)
    bare_head()
    report_head()  # both warmed up once (first-touch page faults are not the report's)
    h = paired(report_head, bare_head, args.runs)
    rep, bare = h.pop("_out")
    assert (rep.buckets == bare[0][rep.customers]).all(), "report and kernel disagree"
    res["head"] = dict(h, target_ratio=1.2)
    # Where the gap goes: the open amounts alone (the live columns indexed once).
    oa_s, oa_runs, _ = timed(lambda: A.open_amounts(S, head, S.head_seq, None), args.runs)
    res["head"].update(open_amounts_s=round(oa_s, 4), open_amounts_runs=oa_runs)
    print("head", res["head"], file=sys.stderr)
    own = views.open_amounts
    # The report's own part: the open amounts answered from a cache.
    cached = own(S, head, S.head_seq, None)
    views.open_amounts = lambda *a, **k: cached
    try:
        h = paired(report_head, bare_head, args.runs)
    finally:
        views.open_amounts = own
    h.pop("_out")
    res["head_report_part_without_open_amounts"] = h
    print("head_report_part_without_open_amounts", h, file=sys.stderr)

    # 2. Past: as of 180 days back (known now) and as known at the middle segment.
    for name, as_of, ks in (("as_of_180_days_back", head - 180, S.head_seq),
                            ("known_at_middle_segment", head, S.head_seq // 2),
                            ("both_clocks_past", head - 180, S.head_seq // 2),
                            ("recent_as_of_7_days_back_known_5_segments_ago", head - 7,
                             S.head_seq - 5)):
        p = paired(lambda: views.customer_aging(S, as_of, ks, EDGES),
                   lambda: journal_kernel(S, as_of, ks), args.runs)
        rep, bare = p.pop("_out")
        assert (rep.buckets == bare[0][rep.customers]).all(), "report and kernel disagree"
        res[name] = dict(p, as_of_days_back=head - as_of, known_segment=ks)
        print(name, res[name], file=sys.stderr)

    # The open amounts alone for the recent view: from the checkpoint vs the journal.
    p = paired(lambda: A.open_amounts(S, head - 7, S.head_seq - 5, None),
               lambda: A.journal_open_amounts(S, head - 7, S.head_seq - 5, None), args.runs)
    p.pop("_out")
    res["recent_open_amounts_checkpoint_vs_journal"] = p
    print("recent_open_amounts_checkpoint_vs_journal", p, file=sys.stderr)

    # 3. Period reports as known at the middle segment.
    mid = S.head_seq // 2
    mid_day = int(np.median(S.journal.view("day")))
    ks_s, ks_r, _ = timed(lambda: R.kpis(S, mid_day - 89, mid_day, mid), max(args.runs // 2, 1))
    ex_s, ex_r, ex = timed(lambda: R.exceptions(S, mid_day, mid), max(args.runs // 2, 1))
    res["kpis_quarter_known_at_middle_s"] = round(ks_s, 3)
    res["kpis_runs"] = ks_r
    res["exceptions_known_at_middle_s"] = round(ex_s, 3)
    res["exceptions_runs"] = ex_r
    res["exception_rows"] = len(ex)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
