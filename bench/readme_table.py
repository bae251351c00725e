"""Rewrite the README's benchmark table from every results file in bench/.

    .venv/bin/python bench/readme_table.py

Reads results.json (SQLite ingest/replay), results-postgres.json, results-partitions(-postgres).json,
results-unary-commands.json, results-unary-commands-postgres.json and
results-memory-footprint.json, whichever exist, and replaces the text between the README's
`<!-- bench:start -->` and `<!-- bench:end -->` markers. Each figure is shown beside its raw
ceiling from the same run and the target of issue 3.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"


def _load(name: str) -> dict | None:
    p = HERE / name
    return json.loads(p.read_text()) if p.exists() else None


def _runs(xs: list) -> str:
    return ", ".join(f"{x:,}" for x in xs)


def render() -> str:
    rows = []
    machines = {}
    for name, label in (("results.json", "SQLite"), ("results-postgres.json", "PostgreSQL")):
        r = _load(name)
        if not r:
            continue
        machines[r["machine"]["cpu"] + " / " + r["when"][:10]] = r["machine"]
        tgt_ingest = "300,000" if label == "SQLite" else "100,000"
        rows.append(f"| {label}: ingest through `SubmitBatchStream`, durable, views updated "
                    f"(events/s) | {r['ingest_events_per_s']:,} (runs {_runs(r['ingest_runs_events_per_s'])}) "
                    f"| {r['bare_grpc_events_per_s']:,} bare gRPC stream of the same bytes "
                    f"| {r['ingest_ratio']:.3f} | {tgt_ingest} |")
        rows.append(f"| {label}: full replay into the views, fresh process (events/s) "
                    f"| {r['replay_events_per_s']:,} (runs {_runs(r['replay_runs_events_per_s'])}) "
                    f"| {r['bare_store_read_events_per_s']:,} bare read of the same segments "
                    f"| {r['replay_ratio']:.2f} | 2,000,000 |")
    for name, label in (("results-partitions.json", "SQLite"),
                        ("results-partitions-postgres.json", "PostgreSQL")):
        pt = _load(name)
        if not pt:
            continue
        bp = pt["by_partitions"]
        one = bp.get("1", {}).get("events_per_s")
        for P, r in sorted(bp.items(), key=lambda kv: int(kv[0])):
            if P == "1":
                continue
            rows.append(f"| {label}: ingest across {P} partition writer processes, {P} client "
                        f"processes (events/s, all partitions) | {r['events_per_s']:,} "
                        f"(runs {_runs(r['runs_events_per_s'])}) | {one:,} with 1 partition "
                        f"in the same run | {r['events_per_s'] / one:.2f}x | — |")
    for name, label in (("results-unary-commands.json", "SQLite"),
                        ("results-unary-commands-postgres.json", "PostgreSQL")):
        u = _load(name)
        if not u:
            continue
        machines[u["machine"]["cpu"] + " / " + u["when"][:10]] = u["machine"]
        runs = [round(r["calls_per_s"]) for r in u["runs"]["arledger"]]
        rows.append(f"| {label}: unary IssueInvoice, {u['callers']} concurrent callers "
                    f"(commands/s; p50 / p99 ms) | {u['arledger_calls_per_s']:,} "
                    f"({u['arledger_p50_ms']:.1f} / {u['arledger_p99_ms']:.1f}; runs {_runs(runs)}) "
                    f"| {u['bare_calls_per_s']:,} bare unary gRPC "
                    f"({u['bare_p50_ms']:.1f} / {u['bare_p99_ms']:.1f}) "
                    f"| {u['ratio']:.2f} | 0.70 |")
    m = _load("results-memory-footprint.json")
    if m:
        rows.append(f"| memory: RSS bytes per customer / per open invoice "
                    f"({m['customers']:,} customers, {m['invoices']:,} open invoices) "
                    f"| {m['bytes_per_customer']:,} / {m['bytes_per_invoice']:,} "
                    f"| of which numpy columns: {m['numpy_bytes_per_customer']:,} / "
                    f"{m['numpy_bytes_per_invoice']:,} | — | reported |")
    where = "; ".join(f"{k} ({v['cores']} cores, {v['memory_gib']} GiB, Python {v['python']}, "
                      f"grpcio {v['grpcio']}, SQLite {v['sqlite']})" for k, v in machines.items())
    return (f"Measured on {where}. Synthetic portfolio of 20,000 customers (468,570 entries) "
            "sent in batches of 2,000 by a client process; medians of 3 ingests and 5 replays, "
            "every run listed (this VM's timings vary by 10-40 %). Reproduce with "
            "`.venv/bin/python bench/ingest_replay.py [--store postgresql://...]`, "
            "`bench/partitions.py`, `bench/unary_commands.py [--store ...]`, `bench/memory_footprint.py`, "
            "then `bench/readme_table.py`.\n\n"
            "| figure | arledger | raw ceiling (same run) | ratio | target (issue 3) |\n"
            "|---|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n")


def main() -> None:
    text = README.read_text()
    start, end = "<!-- bench:start -->\n", "<!-- bench:end -->"
    a, b = text.index(start) + len(start), text.index(end)
    README.write_text(text[:a] + render() + text[b:])


if __name__ == "__main__":
    main()
