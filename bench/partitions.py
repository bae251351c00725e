"""Ingest across partitions: P writer processes, each fed by its own client process.

    .venv/bin/python bench/partitions.py [--customers 20000] [--partitions 1 2] [--runs 3]
    .venv/bin/python bench/partitions.py --store postgresql://postgres@127.0.0.1:5432/test

The synthetic portfolio is routed the way a billing platform would route it (by customer;
commands that name only an item by the customer the client learnt when the item was made),
each partition's commands are serialised once into Batch messages, and then, for each P,
P `arledger serve --partition I/P` processes on their own SQLite data directories receive
their share through `SubmitBatchStream` from P client processes started together.
Aggregate events/s = all entries / (last client end - first client start). Every command
must be accepted. On this 2-core machine the writers, clients and the OS share two cores,
so the figure shows how partitions add up, not a many-core result.
With --store the writers share one PostgreSQL database (a table per partition).
Results: bench/results-partitions.json (-postgres.json).
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
from pathlib import Path

import grpc

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "clients"))

from arledger import synthetic  # noqa: E402
from arledger.engine import partition_of  # noqa: E402
from arledger.v1 import commands_pb2 as pb  # noqa: E402
from arledger.v1 import ledger_pb2 as lpb  # noqa: E402
from arledger.v1 import ledger_pb2_grpc as lgrpc  # noqa: E402

from ingest_replay import machine  # noqa: E402

_ITEM_FIELDS = ("invoice_id", "payment_id", "credit_note_id", "dispute_id")
_CREATES = {"issue_invoice": "invoice_id", "record_payment": "payment_id",
            "issue_credit_note": "credit_note_id", "open_dispute": "dispute_id"}


class Router:
    """Customer of each command: named, or learnt when its item was created."""

    def __init__(self) -> None:
        self.owner: dict[str, dict[str, str]] = {f: {} for f in _ITEM_FIELDS}

    def customer(self, cmd: pb.Command) -> str:
        kind = cmd.WhichOneof("command")
        m = getattr(cmd, kind)
        cid = getattr(m, "customer_id", "")
        if not cid:
            for f in _ITEM_FIELDS:
                v = getattr(m, f, "")
                if v and v in self.owner[f]:
                    cid = self.owner[f][v]
                    break
        if not cid:
            raise ValueError(f"cannot route {kind} {m.request_id}")
        if kind in _CREATES:
            self.owner[_CREATES[kind]][getattr(m, _CREATES[kind])] = cid
        if kind == "resolve_dispute" and m.credit_note_id:
            self.owner["credit_note_id"][m.credit_note_id] = cid
        return cid


def start_server(where: list[str], part: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "arledger.cli", "serve", *where,
                             "--partition", part, "--listen", "127.0.0.1:0"],
                            stderr=subprocess.PIPE, text=True,
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


def run(P: int, wires: list[Path], work: Path, n_commands: int, pg: str) -> dict:
    tag = time.time_ns()
    if pg:
        where = [["--store", pg, "--namespace", f"partbench{tag}"]] * P
    else:
        where = [["--data-dir", str(work / f"P{P}-{tag}" / f"p{i}")] for i in range(P)]
    servers = [start_server(where[i], f"{i}/{P}") for i in range(P)]
    try:
        clients = [subprocess.Popen([sys.executable, str(HERE / "_stream_client.py"), target,
                                     "/arledger.v1.LedgerService/SubmitBatchStream", str(w)],
                                    stdout=subprocess.PIPE, text=True)
                   for (_, target), w in zip(servers, wires)]
        outs = [json.loads(c.communicate()[0]) for c in clients]
        refused = sum(o["rejected"] + o["duplicates"] for o in outs)
        assert refused == 0 and sum(o["accepted"] for o in outs) == n_commands, outs
        entries = 0
        for _, target in servers:
            with grpc.insecure_channel(target) as ch:
                entries += lgrpc.LogServiceStub(ch).GetLogHead(lpb.GetLogHeadRequest()).position
    finally:
        for proc, _ in servers:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        if pg:
            import psycopg
            with psycopg.connect(pg, autocommit=True) as con:
                for i in range(P):
                    con.execute(f'DROP TABLE IF EXISTS "partbench{tag}_p{i}of{P}"'
                                if P > 1 else f'DROP TABLE IF EXISTS "partbench{tag}_p0"')
    wall = max(o["end_epoch"] for o in outs) - min(o["start_epoch"] for o in outs)
    return {"entries": entries, "seconds": wall, "events_per_s": round(entries / wall)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--partitions", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--store", default="", help="a postgresql:// URL (default: SQLite)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="arledger-parts-"))
    cmds = list(synthetic.generate(synthetic.PortfolioSpec(customers=args.customers,
                                                           seed=args.seed)))
    router = Router()
    owners = [router.customer(c) for c in cmds]
    res = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
           "store": "postgresql" if args.store else "sqlite", "spec": {"customers": args.customers, "batch": args.batch, "seed": args.seed},
           "commands": len(cmds), "by_partitions": {}}
    for P in args.partitions:
        wires = []
        for i in range(P):
            mine = [c for c, o in zip(cmds, owners) if partition_of(o, P) == i]
            w = work / f"wire-{P}-{i}.bin"
            with w.open("wb") as f:
                for k in range(0, len(mine), args.batch):
                    b = pb.Batch(commands=mine[k:k + args.batch]).SerializeToString()
                    f.write(len(b).to_bytes(4, "little") + b)
            wires.append(w)
        runs = [run(P, wires, work, len(cmds), args.store) for _ in range(args.runs)]
        med = sorted(runs, key=lambda r: r["events_per_s"])[len(runs) // 2]
        res["by_partitions"][str(P)] = {"events_per_s": med["events_per_s"],
                                        "runs_events_per_s": [r["events_per_s"] for r in runs],
                                        "entries": med["entries"]}
        print(f"P={P}: {med['events_per_s']:,} events/s (runs "
              f"{[r['events_per_s'] for r in runs]})", file=sys.stderr)
    name = "results-partitions-postgres.json" if args.store else "results-partitions.json"
    (HERE / name).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
