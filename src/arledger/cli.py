"""The `arledger` command: run the server, load a demo, and work the ledger from a shell.

Server-side commands (serve, replay, verify --data-dir) live here; the commands
that talk to a running server through the client SDK are in cli_ops.py.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

DEFAULT_LISTEN = "127.0.0.1:50051"
DEFAULT_DATA_DIR = "./arledger-data"


class Progress:
    """A one-line progress bar on stderr (a final summary line when not a terminal)."""

    def __init__(self, total: int, label: str, unit: str = "events") -> None:
        self.total = max(total, 1)
        self.label = label
        self.unit = unit
        self.done = 0
        self.t0 = time.perf_counter()
        self._last = 0.0
        self.tty = sys.stderr.isatty()

    def update(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.tty and now - self._last > 0.1:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        frac = min(self.done / self.total, 1.0)
        bar = "#" * int(frac * 30)
        rate = self.done / max(now - self.t0, 1e-9)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {frac:6.1%} {self.done:,}/{self.total:,} "
                         f"{self.unit} {rate:,.0f}/s ")
        sys.stderr.flush()

    def close(self) -> float:
        now = time.perf_counter()
        self._draw(now) if self.tty else None
        elapsed = now - self.t0
        sys.stderr.write(("\n" if self.tty else "") + f"{self.label}: {self.done:,} {self.unit} in "
                         f"{elapsed:.2f} s ({self.done / max(elapsed, 1e-9):,.0f}/s)\n")
        return elapsed


def emit(obj: object, fmt: str, columns: Sequence[str] | None = None) -> None:
    """Print a dict or a list of dicts as JSON or as a readable table."""
    if fmt == "json":
        print(json.dumps(obj, indent=2, default=str))
        return
    rows = obj if isinstance(obj, list) else [obj]
    if fmt == "csv":
        import csv
        if rows:
            cols = list(columns or rows[0].keys())
            w = csv.DictWriter(sys.stdout, cols, extrasaction="ignore", lineterminator="\n")
            w.writeheader()
            w.writerows({c: r.get(c, "") for c in cols} for r in rows)
        return
    if not rows:
        print("(none)")
        return
    if not isinstance(obj, list) and columns is None:
        width = max(len(k) for k in obj)  # type: ignore[union-attr]
        for k, v in obj.items():  # type: ignore[union-attr]
            print(f"{k:<{width}}  {v}")
        return
    cols = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    right = [all(isinstance(r.get(c), int) for r in rows) for c in cols]
    print("  ".join(c.upper().ljust(w) for c, w in zip(cols, widths)))
    for row in cells:
        print("  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(row, widths, right)))


def _cell(v: object) -> str:
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return str(v)


# ---- server-side commands ----------------------------------------------------------------

def load_demo(ledger, customers: int, seed: int) -> dict:  # type: ignore[no-untyped-def]
    """Submit the synthetic demo portfolio straight to the ledger (skipped if not empty)."""
    from arledger import synthetic

    if ledger.state.head_position:
        return {"loaded": 0, "note": "the ledger already has entries; demo not loaded"}
    spec = synthetic.PortfolioSpec(customers=customers, seed=seed)
    bar = Progress(synthetic.estimate_commands(spec), "demo", "commands")
    accepted = rejected = 0
    pending = []
    for batch in synthetic.generate_batches(spec, 2000):
        pending.append(ledger.submit_async(batch))
        if len(pending) >= 4:
            outs = pending.pop(0).result()
            accepted += sum(o.status != "REJECTED" for o in outs)
            rejected += sum(o.status == "REJECTED" for o in outs)
            bar.update(len(outs))
    for f in pending:
        outs = f.result()
        accepted += sum(o.status != "REJECTED" for o in outs)
        rejected += sum(o.status == "REJECTED" for o in outs)
        bar.update(len(outs))
    bar.close()
    steps = _demo_collections(ledger)
    return {"loaded": accepted, "rejected": rejected, "customers": customers,
            "dunning_steps": steps}


def _demo_collections(ledger) -> int:  # type: ignore[no-untyped-def]
    """Give the demo the policies a collections team runs (terms, a credit policy, a dunning
    ladder) and one dunning run as of the portfolio's last day; returns the steps taken."""
    from arledger.domain.dates import day_to_iso
    from arledger.v1 import commands_pb2 as pb
    env = dict(actor="demo", reason="demo policies")
    last = day_to_iso(ledger.state.max_effective_day)
    first = day_to_iso(int(ledger.state.customers.opened_day.min()))
    ladder = [pb.DunningLevelSpec(days_past_due=-3, action=pb.REMINDER, text_key="reminder"),
              pb.DunningLevelSpec(days_past_due=14, action=pb.SECOND_NOTICE, fee_fixed_minor=500,
                                  text_key="second-notice"),
              pb.DunningLevelSpec(days_past_due=30, action=pb.FINAL_NOTICE,
                                  interest_bp_per_year=800, text_key="final-notice"),
              pb.DunningLevelSpec(days_past_due=60, action=pb.HOLD_ACCOUNT, text_key="hold"),
              pb.DunningLevelSpec(days_past_due=90, action=pb.HAND_TO_AGENCY, text_key="agency")]
    outs = ledger.submit([
        pb.Command(define_payment_terms=pb.DefinePaymentTermsRequest(
            request_id="demo-terms-1", terms_id="2-10-N30", basis=pb.NET, days=30,
            discount_bp=200, discount_days=10, effective_date=first, **env)),
        pb.Command(define_payment_terms=pb.DefinePaymentTermsRequest(
            request_id="demo-terms-2", terms_id="EOM30-10TH", basis=pb.END_OF_MONTH, days=30,
            day_of_month=10, effective_date=first, **env)),
        pb.Command(define_credit_policy=pb.DefineCreditPolicyRequest(
            request_id="demo-credit-policy", over_limit_action=pb.HOLD,
            short_pay_tolerance_minor=100, effective_date=first, **env)),
        pb.Command(define_dunning_policy=pb.DefineDunningPolicyRequest(
            request_id="demo-ladder", policy_id="STANDARD", levels=ladder,
            effective_date=first, **env))])
    assert all(o.status != "REJECTED" for o in outs), [o.error for o in outs]
    (run,) = ledger.submit([pb.Command(run_dunning=pb.RunDunningRequest(
        request_id="demo-dunning", as_of_date=last, default_policy_id="STANDARD", **env))])
    return len(run.detail.steps) if run.detail is not None else 0


def add_store_args(p: argparse.ArgumentParser, *, partition: bool = True) -> None:
    """Where the log lives: a SQLite data directory, or PostgreSQL (--store URL)."""
    p.add_argument("--data-dir", default=os.environ.get("ARLEDGER_DATA_DIR", DEFAULT_DATA_DIR),
                   help="SQLite data directory of the log (env ARLEDGER_DATA_DIR; default "
                        f"{DEFAULT_DATA_DIR}); ignored with --store")
    p.add_argument("--store", default=os.environ.get("ARLEDGER_STORE", ""),
                   help="PostgreSQL URL, e.g. postgresql://user@127.0.0.1:5432/db (env "
                        "ARLEDGER_STORE; a password is better kept in PGPASSWORD or ~/.pgpass)")
    p.add_argument("--namespace", default=os.environ.get("ARLEDGER_NAMESPACE", "arledger"),
                   help="PostgreSQL table prefix, to keep several ledgers in one database "
                        "(env ARLEDGER_NAMESPACE; default arledger)")
    if partition:
        p.add_argument("--partition", default=os.environ.get("ARLEDGER_PARTITION", "0/1"),
                       help="the partition I/N served: customers are split across N writers "
                            "by a hash of their id (env ARLEDGER_PARTITION; default 0/1)")


def store_location(args: argparse.Namespace) -> str | Path:
    if args.store:
        from arledger.engine import is_postgres
        if not is_postgres(args.store):
            raise SystemExit("arledger: --store takes a postgresql:// URL; use --data-dir "
                             "for SQLite")
        return args.store
    return Path(args.data_dir)


def cmd_serve(args: argparse.Namespace) -> int:
    from arledger.engine import open_ledger
    from arledger.server import create_server

    follower = args.command == "follow"
    where = store_location(args)
    shown = where.resolve() if isinstance(where, Path) else where.split("@")[-1]
    print(f"arledger: opening {shown} partition {args.partition}"
          f"{' as a follower' if follower else ''}", file=sys.stderr)
    bar: list[Progress] = []

    def progress(seq: int, total: int) -> None:
        if not bar:
            bar.append(Progress(total, "replay", "segments"))
        bar[0].update(1)

    ledger = open_ledger(where, progress=progress, partition=args.partition,
                         namespace=args.namespace, follower=follower,
                         **({"poll_interval": args.poll_ms / 1000} if follower
                            else {"group_linger_us": args.group_linger_us}))
    if bar:
        bar[0].close()
    try:
        if getattr(args, "demo", False):
            info = load_demo(ledger, args.demo_customers, args.demo_seed)
            print(f"arledger: demo {info}", file=sys.stderr)
        server, port = create_server(ledger, args.listen)
        server.start()
        S = ledger.state
        print(f"arledger: {'following' if follower else 'serving'} on "
              f"{args.listen.rsplit(':', 1)[0]}:{port} "
              f"({S.head_position:,} entries, {S.customers.n:,} customers); Ctrl-C stops",
              file=sys.stderr, flush=True)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        print("arledger: stopping (finishing in-flight calls)", file=sys.stderr)
        server.stop(grace=5).wait()
    finally:
        ledger.close()
    return 0


def _offline(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """A read-only view of a log no writer is using (a SQLite directory is locked)."""
    from arledger.engine import Ledger, Partition, SegmentStore, lock_data_dir, system_clock_us

    where = store_location(args)
    part = Partition.parse(args.partition)
    if isinstance(where, Path):
        fd = lock_data_dir(where)
        return Ledger(SegmentStore.sqlite(where / "ledger.db", part.name), system_clock_us, fd,
                      partition=part)
    return Ledger(SegmentStore.postgres(where, part, namespace=args.namespace, writer=False),
                  system_clock_us, partition=part)


def cmd_replay(args: argparse.Namespace) -> int:
    """Rebuild every view from the log and report the state digest and events/s."""
    ledger = _offline(args)
    try:
        total = ledger.store.head_seq()
        bar = Progress(total, "replay", "segments")
        t0 = time.perf_counter()
        n = ledger.replay(lambda seq, tot: bar.update(1))
        elapsed = time.perf_counter() - t0
        bar.close()
        S = ledger.state
        emit({"entries": n, "segments": S.head_seq, "seconds": round(elapsed, 3),
              "events_per_second": round(n / max(elapsed, 1e-9)), "head_hash": S.head_hash,
              "state_digest": S.digest()}, args.format)
    finally:
        ledger.close()
    return 0


def cmd_verify_offline(args: argparse.Namespace) -> int:
    """Recompute the hash chain of a data directory no server holds."""
    from dataclasses import asdict

    ledger = _offline(args)
    try:
        rep = asdict(ledger.verify())
    finally:
        ledger.close()
    emit(rep, args.format)
    return 0 if rep["ok"] else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="arledger",
        description="Event-sourced accounts-receivable ledger: gRPC server and command line.")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table",
                   help="output: readable table (default), JSON for scripts, or CSV")
    p.add_argument("--target", default=os.environ.get("ARLEDGER_TARGET", DEFAULT_LISTEN),
                   help="server address for client commands (env ARLEDGER_TARGET; "
                        f"default {DEFAULT_LISTEN})")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="run the gRPC server: the partition's writer, on SQLite "
                       "(default) or PostgreSQL (--store)")
    add_store_args(s)
    s.add_argument("--listen", default=DEFAULT_LISTEN, help=f"address (default {DEFAULT_LISTEN}; "
                   "port 0 picks a free one)")
    s.add_argument("--group-linger-us", type=int, default=2000,
                   help="how long a small group commit waits for more commands once the writer "
                        "has seen concurrent callers, in microseconds (default 2000; 0 = never)")
    s.add_argument("--demo", action="store_true",
                   help="load the synthetic demo portfolio first (only into an empty ledger)")
    s.add_argument("--demo-customers", type=int, default=500, help="demo size (default 500)")
    s.add_argument("--demo-seed", type=int, default=7, help="demo seed (default 7)")
    s.set_defaults(func=cmd_serve)

    f = sub.add_parser("follow", help="run a read-only follower: tails a partition's log, "
                       "serves queries and the log, reports its lag (GetLogHead, `head`)")
    add_store_args(f)
    f.add_argument("--listen", default="127.0.0.1:50061",
                   help="address (default 127.0.0.1:50061; port 0 picks a free one)")
    f.add_argument("--poll-ms", type=int, default=50,
                   help="longest wait between looks at the store (PostgreSQL wakes the "
                        "follower at once through LISTEN/NOTIFY; default 50)")
    f.set_defaults(func=cmd_serve)

    r = sub.add_parser("replay", help="rebuild every view from a log no writer holds "
                       "and report digest and events/s")
    add_store_args(r)
    r.set_defaults(func=cmd_replay)

    import importlib
    for name in ("cli_ops",) + CLI_MODULES:
        importlib.import_module(f"arledger.{name}").register(sub)
    return p


# Modules with more subcommands (arledger.<name>), each with `register(subparsers)`.
CLI_MODULES: tuple[str, ...] = ("cli_reports", "cli_audit", "cli_credit", "cli_risk",
                                "cli_search", "cli_web")


def main(argv: Iterable[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    from arledger.domain.errors import LedgerError
    from arledger_client.errors import ArledgerError
    try:
        return int(args.func(args) or 0)
    except (LedgerError, ArledgerError) as e:
        print(f"arledger: {e.reason}: {e.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
