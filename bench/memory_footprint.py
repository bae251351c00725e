"""Memory of the served state: bytes per customer and per open invoice.

    .venv/bin/python bench/memory_footprint.py [--customers 1000000] \
        [--invoices 10000000] [--replay]

In a fresh process: open a ledger on a temporary SQLite directory, then open the customers
and issue the invoices through `Ledger.submit` (the engine's real path: decided, stored,
folded into the same state a server holds), in batches. RSS (VmRSS) is read after the
ledger opens (its kernels made ready first, as a server does: a first start's compiler memory
is not the state's), after the customers and after the invoices, each after a full GC; growth is
divided by what was added. Every invoice stays open (nothing is paid), and each carries
what the ledger keeps for it: its id in the id map, its columns, its journal row, its request
id in the idempotency map and its log position. numpy column bytes (capacity, which grows
by doubling) are reported beside RSS: RSS also holds the writer's decision book, a second
copy of the book's core columns. With --replay the log is then replayed in a fresh process
(bench/_replay_child.py; its digest must equal the live one): replay speed at this size.
Results: bench/results-memory-footprint.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from ingest_replay import machine  # noqa: E402

from arledger.engine import open_ledger  # noqa: E402
from arledger.engine.warmup import warm  # noqa: E402
from arledger.v1 import commands_pb2 as pb  # noqa: E402


def rss() -> int:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def numpy_bytes(S) -> int:
    """numpy capacity of the read state: its book's flat columns and id tables, and every
    other column set it keeps (journal, segments, ...)."""
    B = S.book
    total = B.memory_bytes()  # its columns (every table's arrays) and id tables
    for v in vars(S).values():
        cols = getattr(v, "_cols", None)
        if isinstance(cols, dict):
            total += sum(a.nbytes for a in cols.values())
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--invoices", type=int, default=10_000_000)
    ap.add_argument("--batch", type=int, default=8000)
    ap.add_argument("--replay", action="store_true",
                    help="then replay the log in a fresh process: replay speed at this size")
    args = ap.parse_args()
    N, M = args.customers, args.invoices
    data = tempfile.mkdtemp(prefix="arledger-mem-")
    warm()  # as a server does: kernels (and, on a first start, the compiler) before the log
    ledger = open_ledger(data)
    r0, n0 = rss(), numpy_bytes(ledger.state)
    t0 = time.perf_counter()
    for a in range(0, N, args.batch):
        outs = ledger.submit([pb.Command(open_customer=pb.OpenCustomerRequest(
            request_id=f"oc-{i}", customer_id=f"CUST-{i:08d}", name=f"Customer {i}",
            currency="EUR", payment_terms_net_days=30, opened_date="2026-01-01"))
            for i in range(a, min(a + args.batch, N))])
        assert all(o.status == "ACCEPTED" for o in outs), outs[0]
    r1, n1 = rss(), numpy_bytes(ledger.state)
    t1 = time.perf_counter()
    for a in range(0, M, args.batch):
        outs = ledger.submit([pb.Command(issue_invoice=pb.IssueInvoiceRequest(
            request_id=f"ii-{k}", invoice_id=f"INV-{k:09d}", customer_id=f"CUST-{k % N:08d}",
            issue_date=f"2026-{1 + k % 12:02d}-{1 + k % 28:02d}", amount_minor=10_000 + k % 997))
            for k in range(a, min(a + args.batch, M))])
        assert all(o.status == "ACCEPTED" for o in outs), outs[0]
        if a and a % 1_000_000 == 0:
            print(f"{a:,} invoices, {time.perf_counter() - t1:.0f} s", file=sys.stderr)
    r2, n2 = rss(), numpy_bytes(ledger.state)
    t2 = time.perf_counter()
    res = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
           "customers": N, "invoices": M,
           "bytes_per_customer": round((r1 - r0) / N),
           "bytes_per_invoice": round((r2 - r1) / M),
           "numpy_bytes_per_customer": round((n1 - n0) / N),
           "numpy_bytes_per_invoice": round((n2 - n1) / M),
           "rss_bytes": {"opened": r0, "customers": r1, "invoices": r2},
           "build_seconds": {"customers": round(t1 - t0, 1), "invoices": round(t2 - t1, 1)}}
    digest = ledger.state.digest()
    entries = ledger.state.head_position
    ledger.close()
    if args.replay:
        import subprocess
        out = subprocess.run([sys.executable, str(HERE / "_replay_child.py"), data],
                             check=True, capture_output=True, text=True)
        rep = json.loads(out.stdout)
        assert rep["digest"] == digest, "replay differs from the live state"
        res["replay"] = {"entries": entries, "seconds": round(rep["seconds"], 1),
                         "events_per_s": round(rep["entries"] / rep["seconds"])}
    (HERE / "results-memory-footprint.json").write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
