"""Ingest and replay throughput beside their raw ceilings, measured in one run.

    .venv/bin/python bench/ingest_replay.py [--customers 20000] [--batch 2000]
    .venv/bin/python bench/ingest_replay.py --store postgresql://postgres@127.0.0.1:5432/test

1. Generate a synthetic portfolio (src/arledger/synthetic.py) and serialise it once
   as row-wise `Batch` messages (--batch commands each) and once as `ColumnarBatch`
   messages built by the SDK's `ColumnarBatch` (--columnar-batch commands each; the
   portfolio's disputes, promises and other kinds ride along in `commands` at their
   place in the order, as they would from a billing platform).
2. Ceilings: the same bytes through a bare gRPC stream whose server only parses each
   message (no ledger): client streaming for `Batch`, bidi for `ColumnarBatch`
   (answering each with a status column, as arledger does).
3. arledger, the volume path: the columnar bytes through `SubmitColumnarStream` of a
   real server on the store (SQLite synchronous=FULL, views updated before each batch
   is acknowledged), the client in its own process as a billing platform's would be.
   The time runs to the last acknowledgement. Three runs, the median reported.
4. arledger, row-wise: the `Batch` bytes through `SubmitBatchStream` (for clients that
   cannot build columns); its state digest must equal the columnar run's.
5. Replay: rebuild the state from the columnar run's store (`Ledger.replay`, in a fresh
   process as a restart does, after loading the kernels as `arledger serve` does first;
   its digest must equal the live one), beside its ceiling:
   a bare read of the same stored segments (no decoding, no fold). A bare append of the
   same segment bytes (one transaction each) is reported as the store's write ceiling.
6. Cold start: the compiled kernels built into an empty JIT cache in a fresh process
   (what a first start on a new machine pays), and loaded from that cache again.

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
from arledger.v1 import columnar_pb2 as colpb  # noqa: E402
from arledger.v1 import commands_pb2 as pb  # noqa: E402

sys.path.insert(0, str(HERE.parent / "clients"))
from arledger_client.columnar import ColumnarBatch  # noqa: E402

BARE_METHOD = "/bench.Bare/Stream"
BARE_COLUMNAR = "/bench.Bare/Columnar"


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


def stream_from_subprocess(target: str, method: str, path: Path,
                           client: str = "_stream_client.py") -> float:
    """Run a bench client (bench/_stream_client.py or _columnar_client.py) in its own
    process; returns the seconds it reports."""
    out = subprocess.run([sys.executable, str(HERE / client), target, method, str(path)],
                         check=True, capture_output=True, text=True)
    rep = json.loads(out.stdout)
    if rep.get("rejected"):
        print(f"note: {rep['rejected']:,} commands refused in this run", file=sys.stderr)
    return float(rep["seconds"])


def write_wire(path: Path, msgs: list[bytes]) -> None:
    with path.open("wb") as f:
        for b in msgs:
            f.write(len(b).to_bytes(4, "little") + b)


VOLUME_KINDS = frozenset(("open_customer", "issue_invoice", "record_payment",
                          "issue_credit_note", "allocate_payment"))


def portfolio(spec: synthetic.PortfolioSpec, size: int, stream: str):
    """The portfolio's commands in batches of `size`: all of them, or (stream "volume")
    only the five volume kinds, as a billing platform's feed of invoices, payments and
    credit notes would be (later commands may then be refused: a payment for an invoice
    whose void was left out, say; the results count them)."""
    if stream == "all":
        yield from synthetic.generate_batches(spec, size)
        return
    batch: list = []
    for c in synthetic.generate(spec):
        if c.WhichOneof("command") in VOLUME_KINDS:
            batch.append(c)
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def columnar_batches(spec: synthetic.PortfolioSpec, size: int, stream: str = "all") -> list[bytes]:
    out = []
    for cmds in portfolio(spec, size, stream):
        cb = ColumnarBatch()
        for c in cmds:
            cb.add(c)
        out.append(cb.message().SerializeToString())
    return out


def cold_compile() -> dict:
    """Seconds for a first start into an empty JIT cache (kernels compiled), then for a
    start that loads them from it, each in a fresh process (bench/_cold_child.py)."""
    env = dict(os.environ, ARLEDGER_JIT_CACHE=tempfile.mkdtemp(prefix="arledger-jit-"))
    env.pop("NUMBA_CACHE_DIR", None)
    runs = [json.loads(subprocess.run([sys.executable, str(HERE / "_cold_child.py")], env=env,
                                      check=True, capture_output=True, text=True).stdout)
            ["seconds"] for _ in range(2)]
    return {"cold_start_compile_s": round(runs[0], 1), "cached_start_s": round(runs[1], 2)}


def bare_server() -> tuple[grpc.Server, int]:
    def stream(request_iterator, context):
        n = 0
        for raw in request_iterator:
            n += len(pb.Batch.FromString(raw).commands)
        return n.to_bytes(8, "little")

    def columnar(request_iterator, context):
        for raw in request_iterator:
            n = len(colpb.ColumnarBatch.FromString(raw).kinds)
            yield colpb.ColumnarResult(status=bytes(n)).SerializeToString()

    handler = grpc.method_handlers_generic_handler("bench.Bare", {
        "Stream": grpc.stream_unary_rpc_method_handler(stream),
        "Columnar": grpc.stream_stream_rpc_method_handler(columnar)})
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


def ingest(pg: str, work: Path, ns: str, method: str, wire: Path,
           client: str) -> tuple:
    """One ingest into a fresh store through a real server; (seconds, data, ns, entries,
    segments, digest, accepted)."""
    data = pg or work / f"data-{ns}"
    if pg:
        drop_pg(pg, ns)
    ledger = open_ledger(data, namespace=ns)
    server, port = create_server(ledger, "127.0.0.1:0")
    server.start()
    seconds = stream_from_subprocess(f"127.0.0.1:{port}", method, wire, client)
    server.stop(0)
    S = ledger.state
    import hashlib
    book = hashlib.sha256(b"".join(bytes(x) for x in S.book.digest_bytes())).hexdigest()
    out = (seconds, data, ns, S.head_position, S.head_seq, S.digest(), S.book.requests.n, book)
    del S
    ledger.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=2000, help="commands per row-wise Batch")
    ap.add_argument("--columnar-batch", type=int, default=5000,
                    help="commands per ColumnarBatch")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--stream", choices=("all", "volume"), default="all",
                    help="every command of the portfolio, or only the five volume kinds")
    ap.add_argument("--runs", type=int, default=3, help="ingest runs per path (median kept)")
    ap.add_argument("--replays", type=int, default=5, help="replay runs (median kept)")
    ap.add_argument("--no-rows", action="store_true", help="skip the row-wise stream")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-start compile")
    ap.add_argument("--store", default="",
                    help="a postgresql:// URL to measure PostgreSQL instead of SQLite")
    ap.add_argument("--out", default="")
    ap.add_argument("--note", default="", help="what else was running, for the record")
    ap.add_argument("--readme", action="store_true",
                    help="also rewrite the results table in README.md (bench/readme_table.py)")
    args = ap.parse_args()
    pg = args.store
    out = Path(args.out or HERE / ("results-postgres.json" if pg else "results.json"))

    from arledger.engine.warmup import warm
    warm()  # kernels compiled or loaded first, as `arledger serve` does: no run pays for them
    work = Path(tempfile.mkdtemp(prefix="arledger-bench-"))
    spec = synthetic.PortfolioSpec(customers=args.customers, seed=args.seed)
    t0 = time.perf_counter()
    rows = [pb.Batch(commands=b).SerializeToString()
            for b in portfolio(spec, args.batch, args.stream)]
    commands = sum(len(pb.Batch.FromString(b).commands) for b in rows)
    cols = columnar_batches(spec, args.columnar_batch, args.stream)
    gen_s = time.perf_counter() - t0
    row_wire, col_wire = work / "batches.bin", work / "columnar.bin"
    write_wire(row_wire, rows)
    write_wire(col_wire, cols)
    print(f"generated {commands:,} commands: {len(rows)} Batch messages "
          f"({sum(map(len, rows)) / commands:.0f} bytes/command), {len(cols)} ColumnarBatch "
          f"messages ({sum(map(len, cols)) / commands:.0f} bytes/command) in {gen_s:.1f} s",
          file=sys.stderr)

    server, port = bare_server()
    bare_s = stream_from_subprocess(f"127.0.0.1:{port}", BARE_METHOD, row_wire)
    bare_col_s = stream_from_subprocess(f"127.0.0.1:{port}", BARE_COLUMNAR, col_wire,
                                        "_columnar_client.py")
    server.stop(0)

    # Each path ingests --runs times into fresh stores; the median run is reported.
    col_runs = [ingest(pg, work, f"benchc{k}", "/arledger.v1.LedgerService/"
                       "SubmitColumnarStream", col_wire, "_columnar_client.py")
                for k in range(args.runs)]
    row_runs = [] if args.no_rows else [
        ingest(pg, work, f"benchr{k}", "/arledger.v1.LedgerService/SubmitBatchStream",
               row_wire, "_stream_client.py") for k in range(args.runs)]
    ingest_s, data, ns, entries, segments, digest_live, accepted, book = \
        sorted(col_runs)[len(col_runs) // 2]
    for r in col_runs + row_runs:  # every run, either path, decided the same (the segments'
        # clocks and grouping differ from run to run; the book of balances may not)
        assert (r[3], r[6], r[7]) == (entries, accepted, book), "an ingest run differs"
    if pg:
        for r in row_runs:
            drop_pg(pg, r[2])

    # Replay in a fresh process, as a restart does (the digest must equal the live one);
    # the median of --replays runs is reported (this VM's timings vary by tens of percent).
    runs = []
    os.sync()  # let the ingests' writeback finish first: replay is measured, not the disk flush
    time.sleep(2)
    for _ in range(args.replays):
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
        for r in col_runs:
            drop_pg(pg, r[2])
    read_s = sorted(r["read_seconds"] for r in runs)[len(runs) // 2]

    res = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
        "note": args.note,
        "store": "postgresql" if pg else "sqlite",
        "stream": args.stream,
        "spec": {"customers": args.customers, "batch": args.batch,
                 "columnar_batch": args.columnar_batch, "seed": args.seed},
        "commands": commands, "accepted_commands": accepted, "entries": entries,
        "segments": segments, "bytes_per_command": round(sum(map(len, rows)) / commands),
        "columnar_bytes_per_command": round(sum(map(len, cols)) / commands),
        "columnar_events_per_s": round(entries / ingest_s),
        "columnar_runs_events_per_s": [round(entries / r[0]) for r in col_runs],
        "bare_columnar_events_per_s": round(entries / bare_col_s),
        "columnar_ratio": round(bare_col_s / ingest_s, 4),
        "replay_events_per_s": round(replayed / replay_s),
        "replay_runs_events_per_s": [round(r["entries"] / r["seconds"]) for r in runs],
        # Loading the kernels from numba's cache, before the replay as at every start (not
        # in the replay rate; the README's cached start).
        "replay_kernels_load_s": round(rep["kernels_seconds"], 2),
        "bare_store_read_events_per_s": round(replayed / read_s),
        "replay_ratio": round(read_s / replay_s, 3),
        "bare_append_events_per_s": round(entries / append_s),
        "store_read_mb_per_s": round(rep["read_bytes"] / read_s / 1e6),
        "bare_grpc_events_per_s": round(entries / bare_s),
    }
    if row_runs:
        row_s = sorted(r[0] for r in row_runs)[len(row_runs) // 2]
        res.update({"ingest_events_per_s": round(entries / row_s),
                    "ingest_runs_events_per_s": [round(entries / r[0]) for r in row_runs],
                    "ingest_ratio": round(bare_s / row_s, 4)})
    if not args.no_cold:
        res.update(cold_compile())
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))
    if args.readme:
        import readme_table
        readme_table.main()


if __name__ == "__main__":
    main()
