"""The commands that run the ledger itself, on this machine: `serve` (a partition's
writer), `follow` (a read-only follower), `replay` and `verify --data-dir` (a log no writer
holds), and the demo portfolio `serve --demo` loads. They use the server package through
its public functions; every other command talks to a server through the SDK."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from arledger.cli import args as A
from arledger.cli.output import Progress, emit
from arledger.config import add_server_args

DEFAULT_LISTEN = "127.0.0.1:50051"
DEFAULT_DATA_DIR = "./arledger-data"


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
    ladder) and one dunning run as of the portfolio's last day; returns the steps taken.
    The commands are built with the SDK's builder, as a client would send them."""
    from arledger.domain.dates import day_to_iso
    from arledger_client import command
    env = dict(actor="demo", reason="demo policies")
    last = day_to_iso(ledger.state.max_effective_day)
    first = day_to_iso(int(ledger.state.customers.opened_day.min()))
    ladder = [{"days_past_due": -3, "action": "REMINDER", "text_key": "reminder"},
              {"days_past_due": 14, "action": "SECOND_NOTICE", "fee_fixed_minor": 500,
               "text_key": "second-notice"},
              {"days_past_due": 30, "action": "FINAL_NOTICE", "interest_bp_per_year": 800,
               "text_key": "final-notice"},
              {"days_past_due": 60, "action": "HOLD_ACCOUNT", "text_key": "hold"},
              {"days_past_due": 90, "action": "HAND_TO_AGENCY", "text_key": "agency"}]
    outs = ledger.submit([c.to_proto() for c in (
        command("define_payment_terms", request_id="demo-terms-1", terms_id="2-10-N30",
                basis="NET", days=30, discount_bp=200, discount_days=10, effective_date=first,
                **env),
        command("define_payment_terms", request_id="demo-terms-2", terms_id="EOM30-10TH",
                basis="END_OF_MONTH", days=30, day_of_month=10, effective_date=first, **env),
        command("define_credit_policy", request_id="demo-credit-policy",
                over_limit_action="HOLD", short_pay_tolerance_minor=100,
                effective_date=first, **env),
        command("define_dunning_policy", request_id="demo-ladder", policy_id="STANDARD",
                levels=ladder, effective_date=first, **env))])
    assert all(o.status != "REJECTED" for o in outs), [o.error for o in outs]
    (run,) = ledger.submit([command("run_dunning", request_id="demo-dunning", as_of_date=last,
                                    default_policy_id="STANDARD", **env).to_proto()])
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


def _open_for_serving(args: argparse.Namespace, follower: bool,
                      log) -> tuple:  # type: ignore[no-untyped-def]
    """The compiled kernels made ready (compiled on a first start on this machine, else
    loaded), then the partition's log opened and replayed with a progress bar; returns the
    ledger and where it is (for the log)."""
    from arledger.engine import open_ledger
    from arledger.engine.warmup import warm
    log.info("making the engine's compiled kernels ready (a first start on a new machine "
             "compiles them: a minute or more)")
    log.info(f"kernels ready in {warm():.1f} s")
    where = store_location(args)
    shown = where.resolve() if isinstance(where, Path) else where.split("@")[-1]
    log.info(f"opening {shown} partition {args.partition}"
             f"{' as a follower' if follower else ''}")
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
    return ledger, shown


def cmd_serve(args: argparse.Namespace) -> int:
    """Run a writer (serve) or a follower (follow) until SIGTERM/SIGINT, then stop within
    the grace: health NOT_SERVING first, new calls refused, calls in flight finished,
    stuck ones cancelled; the process exits even if a handler never returns."""
    import logging

    from arledger import audit, observability
    from arledger.config import ConfigError, server_settings
    from arledger.server.files import InsecureFile, check_private
    from arledger.server.runtime import InsecureListen, check_listen

    observability.setup_logging(args.log_format, args.log_level)
    log = logging.getLogger("arledger.server")
    try:
        settings = server_settings(args, getattr(args, "config_data", None))
        check_listen(args.listen, settings)  # before anything is opened
    except (ConfigError, InsecureFile, InsecureListen, ValueError, OSError) as e:
        raise SystemExit(f"arledger: {e}") from None
    A.check_port_free("--listen", args.listen)
    if args.metrics_listen:
        A.check_port_free("--metrics-listen", args.metrics_listen)
    follower = args.command == "follow"
    ledger, shown = _open_for_serving(args, follower, log)
    exit_code = [0]
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before "serving" is said
        signal.signal(sig, lambda *_: stop.set())
    try:
        key_file = audit.default_key_file(ledger.store)
        if key_file.exists():
            check_private(key_file, "the signing key")  # refuse to start on a shared key
        if getattr(args, "demo", False):
            info = load_demo(ledger, args.demo_customers, args.demo_seed)
            log.info(f"demo {info}")
        settings.metrics = observability.Metrics(ledger)
        if args.metrics_listen:
            settings.metrics.serve_http(args.metrics_listen)

        def fatal(why: str) -> None:
            exit_code[0] = 3  # a supervisor restarts the writer, which replays the log
            stop.set()
        settings.on_fatal = fatal
        server = _start(args, ledger, settings, follower, shown, log)
        stop.wait()
        _stop(server, settings, exit_code, log)
    except (InsecureFile, InsecureListen, ConfigError, ValueError) as e:
        raise SystemExit(f"arledger: {e}") from None
    finally:
        ledger.close()
    return exit_code[0]


def _start(args: argparse.Namespace, ledger, settings, follower: bool,  # type: ignore[no-untyped-def]
           shown: object, log):
    """The gRPC server started on --listen (a port taken meanwhile is a usage error)."""
    from arledger.server import create_server
    try:
        server, port = create_server(ledger, args.listen, settings=settings)
    except OSError as e:
        raise A.UsageError("--listen", str(e)) from None
    server.start()
    server.control.watch_lease()
    if follower:
        threading.Thread(target=_log_lag, args=(ledger, log), daemon=True,
                         name="arledger-lag-log").start()
    S = ledger.state
    host = args.listen.rsplit(":", 1)[0]
    log.info(f"{'following' if follower else 'serving'} on {host}:{port} "
             f"({S.head_position:,} entries, {S.customers.n:,} customers); Ctrl-C stops",
             extra={"event": "startup", "address": f"{host}:{port}",
                    "role": "follower" if follower else "writer",
                    "partition": str(ledger.partition), "store": str(shown),
                    "tls": settings.tls, "mtls": settings.client_ca is not None,
                    "auth": ",".join(settings.auth.modes()) or "off",
                    "reflection": settings.reflection,
                    "metrics": args.metrics_listen or "off"})
    return server


def _stop(server, settings, exit_code: list[int], log) -> None:  # type: ignore[no-untyped-def]
    grace = settings.shutdown_grace_s
    # Whatever happens below (a handler that never returns, a store that hangs), the
    # process is gone shortly after the grace; the data-dir lock goes with it.
    hard = threading.Timer(grace + 5.0, _hard_exit, args=(exit_code, log))
    hard.daemon = True
    hard.start()
    log.info(f"stopping (grace {grace:g} s)", extra={"event": "shutdown_begin"})
    figures = server.control.shutdown(grace)
    log.info("stopped", extra={"event": "shutdown_done", **figures})


def _hard_exit(code: list[int], log) -> None:  # type: ignore[no-untyped-def]
    log.error("shutdown overran its grace: exiting now", extra={"event": "forced_exit"})
    for h in log.parent.handlers if log.parent else ():
        try:
            h.flush()
        except Exception:  # noqa: BLE001
            pass
    sys.stderr.flush()
    os._exit(code[0] or 70)


def _log_lag(ledger, log, every_s: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """A follower logs its lag while behind (and once when it has caught up)."""
    was = 0
    while not ledger.wait_closed(every_s):
        behind, ms = ledger.lag()
        if behind or was:
            log.info("follower lag", extra={"event": "follower_lag", "lag_segments": behind,
                                            "lag_ms": ms, "follow_error": ledger.follow_error})
        was = behind


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


def register(sub: argparse._SubParsersAction) -> dict[str, argparse.ArgumentParser]:
    """serve, follow and replay; returns the parsers a config file fills (serve, follow)."""
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
    add_server_args(s)
    s.set_defaults(func=cmd_serve)

    f = sub.add_parser("follow", help="run a read-only follower: tails a partition's log, "
                       "serves queries and the log, reports its lag (GetLogHead, `head`)")
    add_store_args(f)
    f.add_argument("--listen", default="127.0.0.1:50061",
                   help="address (default 127.0.0.1:50061; port 0 picks a free one)")
    f.add_argument("--poll-ms", type=int, default=50,
                   help="longest wait between looks at the store (PostgreSQL wakes the "
                        "follower at once through LISTEN/NOTIFY; default 50)")
    add_server_args(f)
    f.set_defaults(func=cmd_serve)

    r = sub.add_parser("replay", help="rebuild every view from a log no writer holds "
                       "and report digest and events/s")
    add_store_args(r)
    r.set_defaults(func=cmd_replay)

    return {"serve": s, "follow": f}
