"""`arledger events|head|verify|submit|demo`: the log (read, verified) and bulk loading."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator

from arledger.cli import args as A
from arledger.cli import connect
from arledger.cli.output import Progress, emit, emit_sections, note, plain
from arledger_client import ArledgerError, ColumnarBatch, Command, InvalidArgument


def _events(args: argparse.Namespace) -> int:
    rows = []
    with connect.ledger(args) as client:
        for e in client.stream_entries(args.from_position, args.limit):
            d = plain(e)
            if args.format == "json":
                print(json.dumps(d), flush=True)  # JSON Lines: one entry a line, as it comes
            else:
                rows.append({k: d[k] for k in ("position", "type", "effective_date",
                                               "request_id", "actor")}
                            | {"fields": json.dumps(d["fields"])[:100]
                               if args.format == "table" else d["fields"]})
    if args.format != "json":
        emit(rows, args.format, ["position", "type", "effective_date", "request_id", "actor",
                                 "fields"])
    return 0


def _verify(args: argparse.Namespace) -> int:
    if args.data_dir or args.store:
        from arledger.cli.server import cmd_verify_offline
        return cmd_verify_offline(args)
    with connect.ledger(args) as client:
        rep = client.verify_log()
    emit(rep, args.format)
    return 0 if rep.ok else 1


def _head(args: argparse.Namespace) -> int:
    with connect.ledger(args) as client:
        emit(client.get_log_head(with_state_digest=args.digest), args.format)
    return 0


def _read_jsonl(path: str) -> Iterator[tuple[int, Command]]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield n, Command.from_json(line)
                except ArledgerError as e:  # not JSON, or not a command
                    raise InvalidArgument("MALFORMED_JSON", "INVALID_ARGUMENT",
                                          f"line {n}: {e.message}") from None


def _batches(args: argparse.Namespace, lines: list[list[int]]) -> Iterator[ColumnarBatch]:
    b, nums = ColumnarBatch(atomic=args.atomic), []
    for n, cmd in _read_jsonl(args.file):
        b.add(cmd)
        nums.append(n)
        if len(b) >= args.batch_size:
            lines.append(nums)
            yield b
            b, nums = ColumnarBatch(atomic=args.atomic), []
    if len(b):
        lines.append(nums)
        yield b


def _submit(args: argparse.Namespace) -> int:
    """Stream a JSONL file of commands through the columnar path (SubmitColumnarStream):
    the five volume kinds as columns, any other command at its place."""
    # A malformed line anywhere stops the submit before anything is sent.
    bar = Progress(sum(1 for _ in _read_jsonl(args.file)), "submit", "commands")
    lines: list[list[int]] = []
    counts = {"commands": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "last_position": 0}
    rej = []
    with connect.ledger(args) as client:
        for res in client.stream_columnar(_batches(args, lines)):
            bar.update(len(res.status))
            counts["commands"] += len(res.status)
            for k in ("accepted", "duplicates", "rejected"):
                counts[k] += getattr(res, k)
            counts["last_position"] = max(counts["last_position"], res.last_position)
            rej += [{"line": lines[r.batch_index][r.command_index], "request_id": r.request_id,
                     "reason": r.reason, "message": r.message} for r in res.rejections]
    bar.close()
    _report(args, counts, rej)
    return 0 if not counts["rejected"] else 3


def _report(args: argparse.Namespace, counts: dict, rej: list[dict]) -> None:
    """JSON: the counts, then the rejections (two documents); CSV: the rejections (the
    counts on stderr); a table: both."""
    columns = ["line", "request_id", "reason", "message"]
    if args.format == "json":
        emit(counts, "json")
        if rej:
            emit(rej, "json")
    elif args.format == "csv":
        note(" ".join(f"{k}={v}" for k, v in counts.items()))
        emit(rej, "csv", columns)
    else:
        emit_sections("table", [("submitted", counts, None)]
                      + ([("rejected", rej, columns)] if rej else []))


def _demo(args: argparse.Namespace) -> int:
    """Stream the synthetic demo portfolio into a running server."""
    from arledger import synthetic
    spec = synthetic.PortfolioSpec(customers=args.customers, seed=args.seed)
    bar = Progress(synthetic.estimate_commands(spec), "demo", "commands")

    def batches() -> Iterator[list[Command]]:
        for b in synthetic.generate_batches(spec, 2000):
            bar.update(len(b))
            yield [Command.from_proto(c) for c in b]

    with connect.ledger(args) as client:
        s = client.submit_stream(batches(), timeout_s=None)
    bar.close()
    emit({"commands": s.commands, "accepted": s.accepted, "duplicates": s.duplicates,
          "rejected": s.rejected}, args.format)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("events", help="stream log entries from a position (JSON Lines with "
                       "--format json)")
    e.add_argument("--from", dest="from_position", type=A.non_negative, default=1,
                   help="first position (default 1)")
    e.add_argument("--limit", type=A.non_negative, default=0, help="0 = to the head")
    e.set_defaults(func=_events)
    h = sub.add_parser("head", help="the log head (position, segment, hash)")
    h.add_argument("--digest", action="store_true", help="also the state digest (slow on a big "
                   "ledger: it reads the whole state)")
    h.set_defaults(func=_head)
    v = sub.add_parser("verify", help="recompute the hash chain (server, or --data-dir offline)")
    v.add_argument("--data-dir", help="verify a data directory no server holds")
    v.add_argument("--store", default="", help="verify a PostgreSQL log (postgresql:// URL) "
                   "offline, with --namespace and --partition")
    v.add_argument("--namespace", default="arledger", help="PostgreSQL table prefix")
    v.add_argument("--partition", default="0/1", help="partition I/N (default 0/1)")
    v.set_defaults(func=_verify)
    s = sub.add_parser("submit", help="stream commands from a JSONL file (protobuf JSON "
                       "mapping); --format csv prints the rejections only")
    s.add_argument("file", type=A.readable_file,
                   help="one Command per line (every line is checked before any is sent)")
    s.add_argument("--batch-size", type=A.positive, default=1000)
    s.add_argument("--atomic", action="store_true", help="each batch all-or-nothing")
    s.set_defaults(func=_submit)
    dm = sub.add_parser("demo", help="load the synthetic demo portfolio into a running server")
    dm.add_argument("--customers", type=A.positive, default=500)
    dm.add_argument("--seed", type=int, default=7)
    dm.set_defaults(func=_demo)
    for p in (e, h, v, s, dm):
        A.timeout(p, 30.0)
        A.common(p)
