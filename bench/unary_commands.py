"""Unary commands under concurrent callers, beside the raw unary gRPC rate, in one run.

    .venv/bin/python bench/unary_commands.py [--callers 16] [--calls 1500] [--runs 3]

Ceiling: a bare server process with arledger's gRPC settings (thread pool of 32, same
options) whose IssueInvoice handler only parses the request and returns an ACCEPTED
CommandResult. arledger: `arledger serve` on a fresh SQLite data directory; each unary
IssueInvoice is decided, stored durably and folded before it is answered, and concurrent
callers share group commits. The same client process (bench/_unary_client.py: CALLERS
threads, blocking calls one after another) drives both; every arledger call must be
ACCEPTED. Runs alternate bare/arledger; medians reported with every run.
With --store postgresql://... the ledger runs on PostgreSQL.
Results: bench/results-unary-commands.json (-postgres.json).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "clients"))


def bare_server_main() -> None:
    import grpc

    from arledger.v1 import commands_pb2 as cpb
    from arledger.v1 import ledger_pb2 as lpb

    def issue(raw, context):
        req = cpb.IssueInvoiceRequest.FromString(raw)
        return lpb.CommandResult(status=lpb.ACCEPTED, request_id=req.request_id, position=1,
                                 entry_count=1).SerializeToString()

    handler = grpc.method_handlers_generic_handler("arledger.v1.LedgerService", {
        "IssueInvoice": grpc.unary_unary_rpc_method_handler(issue)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32),
                         options=[("grpc.so_reuseport", 0),
                                  ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                                  ("grpc.max_send_message_length", 64 * 1024 * 1024)])
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"bare serving on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(0)


def start(argv: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stderr], daemon=True).start()
    while True:
        line = lines.get(timeout=120)
        m = re.search(r"serving on ([\d.]+:\d+)", line)
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            raise RuntimeError(line)


def drive(target: str, callers: int, calls: int, tag: str, customers: int) -> dict:
    out = subprocess.run([sys.executable, str(HERE / "_unary_client.py"), target, str(callers),
                          str(calls), tag, str(customers)], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--callers", type=int, default=16)
    ap.add_argument("--calls", type=int, default=1500, help="calls per caller per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--store", default="", help="a postgresql:// URL to measure PostgreSQL "
                    "(table unarybench_p0, dropped afterwards)")
    ap.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_server:
        return bare_server_main()

    from arledger_client import ArledgerClient
    from ingest_replay import machine

    work = Path(tempfile.mkdtemp(prefix="arledger-unary-"))
    bare, bare_t = start([sys.executable, __file__, "--bare-server"])
    where = (["--store", args.store, "--namespace", "unarybench"] if args.store
             else ["--data-dir", str(work / "data")])
    if args.store:
        from ingest_replay import drop_pg
        drop_pg(args.store, "unarybench")
    led, led_t = start([sys.executable, "-m", "arledger.cli", "serve", *where, "--listen",
                        "127.0.0.1:0"])
    try:
        with ArledgerClient(led_t) as client:  # the customers the invoices are for
            client.submit_batch([client.commands.open_customer(f"C{i}", f"C{i}", "EUR",
                                                               "2026-01-01")
                                 for i in range(args.customers)])
        runs = {"bare": [], "arledger": []}
        for k in range(args.runs):
            runs["bare"].append(drive(bare_t, args.callers, args.calls, f"b{k}", args.customers))
            r = drive(led_t, args.callers, args.calls, f"r{k}", args.customers)
            assert r["not_accepted"] == 0, r
            runs["arledger"].append(r)
    finally:
        for p in (bare, led):
            p.send_signal(signal.SIGTERM)
            p.wait(60)
        if args.store:
            drop_pg(args.store, "unarybench")

    def med(rs: list[dict]) -> dict:
        return sorted(rs, key=lambda r: r["calls_per_s"])[len(rs) // 2]

    b, a = med(runs["bare"]), med(runs["arledger"])
    res = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
           "store": "postgresql" if args.store else "sqlite", "callers": args.callers, "calls_per_caller": args.calls,
           "arledger_calls_per_s": round(a["calls_per_s"]),
           "arledger_p50_ms": round(a["p50_ms"], 2), "arledger_p99_ms": round(a["p99_ms"], 2),
           "bare_calls_per_s": round(b["calls_per_s"]),
           "bare_p50_ms": round(b["p50_ms"], 2), "bare_p99_ms": round(b["p99_ms"], 2),
           "ratio": round(a["calls_per_s"] / b["calls_per_s"], 3),
           "runs": runs}
    name = "results-unary-commands-postgres.json" if args.store else "results-unary-commands.json"
    (HERE / name).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps({k: v for k, v in res.items() if k != "runs"}, indent=2))


if __name__ == "__main__":
    main()
