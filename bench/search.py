"""Benchmark: finding things over 1,000,000 customers and 10,000,000 invoices.

Targets: a filtered, ordered page of customers in <= 50 ms; an invoice by number in <= 1 ms.

The State is bench/report_aging.py's synthetic layout (1M customers in 3 currencies, 10M
invoices, 11M journal rows in 1,100 segments; built from columns, not through the engine),
plus what the search reads besides: customer names, invoice and payment ids and their maps.
Measured in one process:

1. `ListCustomers` pages (projections/search.list_customers, the work the RPC does under the
   read lock) on a warm view: filters and orders a collections team uses, page size 50,
   median and p95 of --runs each. The first query of a view builds its table (every
   customer's balance, overdue, oldest past due, limit, hold, dunning, promise, disputes):
   timed separately ("cold"), as are the text index and the name ranks (built once, kept
   as the state grows) and the risk pass that ordering by expected loss needs.
2. `GetInvoice` by number: the servicer's own method (lookup, the invoice's journal rows
   through the journal index, status, installments, allocations, history, the protobuf
   answer), BASIC view, over --lookups random invoices, median and p99; the journal index
   build is timed apart (once per process, then extended as the journal grows). Without
   gRPC's transport, which adds ~0.3-0.5 ms per unary call on this machine
   (bench/unary_commands.py).

Writes bench/results-search.json with the machine. Run:
    .venv/bin/python bench/search.py [--customers 1000000] [--invoices 10000000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "clients"))
sys.path.insert(0, str(HERE))

from ingest_replay import machine  # noqa: E402
from report_aging import build  # noqa: E402

from arledger.projections import search as Q  # noqa: E402

WORDS = ("Acme", "Northwind", "Lakeside", "Granite", "Blue Harbor", "Ironbridge", "Redwood",
         "Silver Oak", "Orchard", "Falcon", "Meridian", "Brightwater")
KINDS = ("Labs", "Foods", "Motors", "Supplies", "Logistics", "Textiles", "Pharma", "Media")
FORMS = ("GmbH", "Ltd", "LLC", "AG", "S.A.", "B.V.", "plc", "Inc.")


def complete(S, rng: np.random.Generator) -> None:
    """The ids, names and maps the synthetic columns lack."""
    n = S.customers.n
    w, k, f = (rng.integers(0, len(x), n) for x in (WORDS, KINDS, FORMS))
    S.master = [[f"{WORDS[a]} {KINDS[b]} {FORMS[c]}", f"ap{i}@c.example", "", "", "", "", "",
                 ""] for i, (a, b, c) in enumerate(zip(w.tolist(), k.tolist(), f.tolist()))]
    S.customer_ix = {c: i for i, c in enumerate(S.customer_ids)}
    ni = S.invoices.n
    S.invoice_ids = [f"INV-{i:08d}" for i in range(ni)]
    S.invoice_ix = {x: i for i, x in enumerate(S.invoice_ids)}
    S.po_numbers = [""] * ni
    S.payment_ix = {x: i for i, x in enumerate(S.payment_ids)}


def timed(fn, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return {"median_ms": round(statistics.median(times) * 1e3, 3),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))] * 1e3, 3),
            "min_ms": round(times[0] * 1e3, 3), "runs": len(times)}


class _Ledger:
    """Just enough of Ledger for the servicer: the state behind a read lock."""

    def __init__(self, S) -> None:
        self.state = S
        self.follower = False

    @contextmanager
    def reading(self):
        yield self.state

    def settle(self, known_at_us: int) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--invoices", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--out", default=str(HERE / "results-search.json"))
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    t = time.perf_counter()
    S = build(args.invoices, args.customers)
    complete(S, rng)
    from arledger.engine import tune_gc
    tune_gc()  # as a server does: the state's objects out of the collector's sight
    build_s = time.perf_counter() - t
    as_of, ks = S.max_effective_day, S.head_seq
    res: dict = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
                 "synthetic_state": True, "customers": S.customers.n, "invoices": S.invoices.n,
                 "journal_rows": S.journal.n, "build_seconds": round(build_s, 1),
                 "targets": {"customer_page_ms": 50, "invoice_by_number_ms": 1}}
    print(f"built {S.customers.n:,} customers, {S.invoices.n:,} invoices in {build_s:.1f} s",
          file=sys.stderr)

    # ---- 1. customers ---------------------------------------------------------------------
    t = time.perf_counter()
    Q.customer_table(S, as_of, ks)
    res["customer_table_cold_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    Q._customer_text(S)
    res["text_index_build_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    Q._customer_text(S).find("c000", prefix=True)
    res["text_prefix_index_build_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    Q._rank(S, "customer_name", S.customers.n, S.master_changes.n, lambda: Q._customer_names(S))
    res["name_rank_build_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    Q.customer_risk(S, Q.customer_table(S, as_of, ks), "default-v1")
    res["risk_pass_cold_s"] = round(time.perf_counter() - t, 3)
    print({k: v for k, v in res.items() if k.endswith("_s")}, file=sys.stderr)
    queries = {
        "EUR, order by balance desc": Q.CustomerQuery(currency="EUR", order_by="balance desc"),
        "past due > 30 days, not on hold, order by overdue desc": Q.CustomerQuery(
            past_due_days_min=30, on_hold=False, order_by="overdue desc"),
        "over limit, order by oldest_past_due desc, 11th page": Q.CustomerQuery(
            over_limit=True, order_by="oldest_past_due desc"),
        "name contains 'harbor foods', order by name": Q.CustomerQuery(
            query="harbor foods", order_by="name"),
        "id prefix 'C00012', order by customer_id": Q.CustomerQuery(
            query="C00012", query_prefix=True, order_by="customer_id"),
        "every customer, order by expected_loss desc (with risk)": Q.CustomerQuery(
            order_by="expected_loss desc", with_risk=True),
        "open dispute, GBP, order by name desc": Q.CustomerQuery(
            disputes=1, currency="GBP", order_by="name desc"),
    }
    pages = {}
    for name, q in queries.items():
        offset = 500 if "11th page" in name else 0
        total, rows = Q.list_customers(S, as_of, ks, q, offset, 50)
        r = timed(lambda q=q, offset=offset: Q.list_customers(S, as_of, ks, q, offset, 50),
                  args.runs)
        r.update(matching=total, rows=len(rows))
        pages[name] = r
        print(name, r, file=sys.stderr)
    res["customer_pages_warm"] = pages
    res["customer_page_worst_median_ms"] = max(p["median_ms"] for p in pages.values())

    # ---- 2. an invoice by number ----------------------------------------------------------
    from arledger.server.search import SearchServicer
    from arledger.v1 import search_pb2 as spb
    svc = SearchServicer(_Ledger(S), clock=lambda: 1_800_000_000_000_000)
    t = time.perf_counter()
    Q.journal_index(S).update(S)
    res["journal_index_build_s"] = round(time.perf_counter() - t, 3)
    picks = rng.integers(0, S.invoices.n, args.lookups)
    day = np.datetime64(int(as_of), "D").astype(str)
    reqs = [spb.GetInvoiceRequest(invoice_id=S.invoice_ids[i], as_of=day) for i in picks.tolist()]
    svc.GetInvoice(reqs[0], None)
    times = []
    for r in reqs:
        t0 = time.perf_counter()
        out = svc.GetInvoice(r, None)
        times.append(time.perf_counter() - t0)
    assert out.invoice.invoice_id == reqs[-1].invoice_id
    times.sort()
    res["invoice_by_number"] = {
        "median_ms": round(statistics.median(times) * 1e3, 3),
        "p99_ms": round(times[int(len(times) * 0.99)] * 1e3, 3),
        "lookups": len(times), "view": "BASIC", "layer": "SearchServicer.GetInvoice in "
        "process (lookup, journal rows, detail, protobuf), without the gRPC transport"}
    proj = []
    for i in picks[:500].tolist():
        t0 = time.perf_counter()
        Q.invoice_detail(S, S.invoice_ids[i], as_of, ks)
        proj.append(time.perf_counter() - t0)
    res["invoice_detail_projection_median_ms"] = round(statistics.median(proj) * 1e3, 3)
    print("invoice_by_number", res["invoice_by_number"], file=sys.stderr)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
