"""Ingest and replay throughput beside their raw ceilings, measured in one run.

    .venv/bin/python bench/ingest_replay.py [--customers 20000] [--batch 2000]
    .venv/bin/python bench/ingest_replay.py --store postgresql://postgres@127.0.0.1:5432/test

1. Generate a synthetic portfolio (src/arledger/synthetic.py) and serialise it once
   into `Batch` messages.
2. Ceiling: the same bytes through a bare gRPC client stream whose server only
   parses each Batch (no ledger).
3. arledger: the same bytes through `SubmitBatchStream` of a real server on the
   SQLite store (synchronous=FULL, views updated before each batch is acknowledged).
   The client runs in its own process, as a billing platform would.
4. Replay: rebuild the state from that store (`Ledger.replay`, in a fresh process as
   a restart does; its digest must equal the live one), beside its ceiling: a bare
   read of the same stored segments (no decoding, no fold). A bare append of the same
   segment bytes (one transaction each) is reported as the store's write ceiling.

With --store postgresql://... the same runs go to PostgreSQL (tables bench<k>_p0,
dropped afterwards). Results go to bench/results.json (SQLite) or
bench/results-postgres.json, machine description included; bench/readme_table.py
turns every results file into the README's table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent import futures
from pathlib import Path

import grpc

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from arledger import synthetic  # noqa: E402
from arledger.engine import SegmentStore, open_ledger  # noqa: E402
from arledger.server import create_server  # noqa: E402
from arledger.v1 import commands_pb2 as pb  # noqa: E402

BARE_METHOD = "/bench.Bare/Stream"


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        mem_kb = 0
    import numpy
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "grpcio": grpc.__version__,
            "numpy": numpy.__version__, "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform()}


def stream_from_subprocess(target: str, method: str, path: Path) -> float:
    """Run bench/_stream_client.py; returns the seconds it reports."""
    out = subprocess.run([sys.executable, str(HERE / "_stream_client.py"), target, method,
                          str(path)], check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout)["seconds"])


def bare_server() -> tuple[grpc.Server, int]:
    def stream(request_iterator, context):  # type: ignore[no-untyped-def]
        n = 0
        for raw in request_iterator:
            n += len(pb.Batch.FromString(raw).commands)
        return n.to_bytes(8, "little")

    handler = grpc.method_handlers_generic_handler("bench.Bare", {
        "Stream": grpc.stream_unary_rpc_method_handler(stream)})
    server = grpc.server(futures.ThreadPoolExecutor(4), options=[
        ("grpc.max_receive_message_length", 64 * 1024 * 1024)])
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def bare_pg_append(blobs: list[bytes], dsn: str) -> float:
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS bench_bare")
        con.execute("CREATE TABLE bench_bare (id text, v bigint, topic text, state bytea, "
                    "PRIMARY KEY (id, v))")
        t0 = time.perf_counter()
        for i, b in enumerate(blobs, 1):
            with con.transaction():
                con.execute("INSERT INTO bench_bare VALUES (%s, %s, %s, %s)", ("p0", i, "t", b))
        dt = time.perf_counter() - t0
        con.execute("DROP TABLE bench_bare")
    return dt


def drop_pg(dsn: str, namespace: str) -> None:
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f'DROP TABLE IF EXISTS "{namespace}_p0"')


def bare_sqlite_append(blobs: list[bytes], path: Path) -> float:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE s (id TEXT, v INTEGER, topic TEXT, state BLOB, PRIMARY KEY (id, v))")
    t0 = time.perf_counter()
    for i, b in enumerate(blobs, 1):
        con.execute("BEGIN")
        con.execute("INSERT INTO s VALUES (?,?,?,?)", ("p0", i, "t", b))
        con.execute("COMMIT")
    dt = time.perf_counter() - t0
    con.close()
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--store", default="",
                    help="a postgresql:// URL to measure PostgreSQL instead of SQLite")
    ap.add_argument("--out", default="")
    ap.add_argument("--readme", action="store_true",
                    help="also rewrite the results table in README.md (bench/readme_table.py)")
    args = ap.parse_args()
    pg = args.store
    out = Path(args.out or HERE / ("results-postgres.json" if pg else "results.json"))

    work = Path(tempfile.mkdtemp(prefix="arledger-bench-"))
    spec = synthetic.PortfolioSpec(customers=args.customers, seed=args.seed)
    t0 = time.perf_counter()
    batches = [pb.Batch(commands=b).SerializeToString()
               for b in synthetic.generate_batches(spec, args.batch)]
    commands = sum(len(pb.Batch.FromString(b).commands) for b in batches)
    gen_s = time.perf_counter() - t0
    wire = work / "batches.bin"
    with wire.open("wb") as f:
        for b in batches:
            f.write(len(b).to_bytes(4, "little") + b)
    print(f"generated {commands:,} commands in {len(batches)} batches ({gen_s:.1f} s, "
          f"{sum(map(len, batches)) / commands:.0f} bytes/command)", file=sys.stderr)

    server, port = bare_server()
    bare_s = stream_from_subprocess(f"127.0.0.1:{port}", BARE_METHOD, wire)
    server.stop(0)

    # Ingest three times into fresh data directories; the median run is reported and its
    # log is the one replayed.
    ingests = []
    for k in range(3):
        data = pg or work / f"data{k}"
        ns = f"bench{k}"
        if pg:
            drop_pg(pg, ns)
        ledger = open_ledger(data, namespace=ns)
        server, port = create_server(ledger, "127.0.0.1:0")
        server.start()
        seconds = stream_from_subprocess(f"127.0.0.1:{port}",
                                         "/arledger.v1.LedgerService/SubmitBatchStream", wire)
        server.stop(0)
        S = ledger.state
        ingests.append((seconds, data, ns, S.head_position, S.head_seq, S.digest(),
                        S.book.requests.n))
        del S
        ledger.close()
    ingest_s, data, ns, entries, segments, digest_live, accepted = sorted(ingests)[1]

    # Replay in a fresh process, as a restart does (the digest must equal the live one);
    # five runs, the median reported (this VM's timings vary by tens of percent).
    runs = []
    os.sync()  # let the ingests' writeback finish first: replay is measured, not the disk flush
    time.sleep(2)
    for _ in range(5):
        proc = subprocess.run([sys.executable, str(HERE / "_replay_child.py"), str(data), ns],
                              check=True, capture_output=True, text=True)
        rep = json.loads(proc.stdout)
        assert rep["digest"] == digest_live, "replay differs from the live state"
        runs.append(rep)
    rep = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    replayed, replay_s = rep["entries"], rep["seconds"]

    store = (SegmentStore.postgres(pg, namespace=ns, writer=False) if pg
             else SegmentStore.sqlite(data / "ledger.db"))
    blobs = [b for _, b in store.read()]
    store.close()
    append_s = bare_pg_append(blobs, pg) if pg else bare_sqlite_append(blobs, work / "bare.db")
    if pg:
        for k in range(3):
            drop_pg(pg, f"bench{k}")
    read_s = sorted(r["read_seconds"] for r in runs)[len(runs) // 2]

    res = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
        "store": "postgresql" if pg else "sqlite",
        "spec": {"customers": args.customers, "batch": args.batch, "seed": args.seed},
        "commands": commands, "accepted_commands": accepted, "entries": entries,
        "segments": segments, "bytes_per_command": round(sum(map(len, batches)) / commands),
        "ingest_events_per_s": round(entries / ingest_s),
        "ingest_runs_events_per_s": [round(entries / r[0]) for r in ingests],
        "bare_grpc_events_per_s": round(entries / bare_s),
        "ingest_ratio": round(bare_s / ingest_s, 4),
        "replay_events_per_s": round(replayed / replay_s),
        "replay_runs_events_per_s": [round(r["entries"] / r["seconds"]) for r in runs],
        "bare_store_read_events_per_s": round(replayed / read_s),
        "replay_ratio": round(read_s / replay_s, 3),
        "bare_append_events_per_s": round(entries / append_s),
        "store_read_mb_per_s": round(rep["read_bytes"] / read_s / 1e6),
    }
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))
    if args.readme:
        import readme_table
        readme_table.main()


if __name__ == "__main__":
    main()
