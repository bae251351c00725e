"""Rewrite the README's benchmark table from every results file in bench/.

    .venv/bin/python bench/readme_table.py

Reads results.json and results-volume.json (SQLite ingest/replay), results-postgres.json, results-partitions(-postgres).json,
results-unary-commands.json, results-unary-commands-postgres.json and
results-memory-footprint.json, and the figures of dunning, reports, risk, audit, search and bank
matching (results-dunning.json, results-reports.json, results-risk.json, results-verify.json,
results-search.json), whichever exist, and replaces the text between the README's
`<!-- bench:start -->` and `<!-- bench:end -->` markers. Each figure is shown beside its raw
ceiling from the same run and its target.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"


def _load(name: str) -> dict | None:
    p = HERE / name
    return json.loads(p.read_text()) if p.exists() else None


def _tag(r: dict) -> str:
    """Which machine and day a row was measured on (sessions here get different VMs)."""
    cpu = r["machine"]["cpu"]
    short = "Xeon" if "Xeon" in cpu else "EPYC" if "EPYC" in cpu else cpu.split()[0]
    return f"{short}, {r['when'][:10]}"


def _runs(xs: list) -> str:
    return ", ".join(f"{x:,}" for x in xs)


def render() -> str:
    rows = []
    machines = {}
    for name, label in (("results.json", "SQLite"), ("results-volume.json", "SQLite"),
                        ("results-postgres.json", "PostgreSQL")):
        r = _load(name)
        if not r:
            continue
        machines[r["machine"]["cpu"] + " / " + r["when"][:10]] = r["machine"]
        pg = label == "PostgreSQL"
        what = ("the portfolio's invoices, payments and credit notes only"
                if r.get("stream") == "volume" else "the whole portfolio, every command kind")
        if "columnar_events_per_s" in r:
            rows.append(f"| {label} ({_tag(r)}): ingest through `SubmitColumnarStream`, {what}, "
                        f"durable, views updated (events/s) | {r['columnar_events_per_s']:,} "
                        f"(runs {_runs(r['columnar_runs_events_per_s'])}) "
                        f"| {r['bare_columnar_events_per_s']:,} bare gRPC stream of the same bytes "
                        f"| {r['columnar_ratio']:.3f} | {'150,000' if pg else '300,000'} |")
        if "ingest_events_per_s" in r:
            rows.append(f"| {label} ({_tag(r)}): ingest through `SubmitBatchStream` (rows), {what}, "
                        f"durable, views updated (events/s) | {r['ingest_events_per_s']:,} "
                        f"(runs {_runs(r['ingest_runs_events_per_s'])}) "
                        f"| {r['bare_grpc_events_per_s']:,} bare gRPC stream of the same bytes "
                        f"| {r['ingest_ratio']:.3f} | 100,000 |")
        rows.append(f"| {label} ({_tag(r)}): full replay of {r['entries']:,} entries into the "
                    f"views, fresh process (events/s) "
                    f"| {r['replay_events_per_s']:,} (runs {_runs(r['replay_runs_events_per_s'])}) "
                    f"| {r['bare_store_read_events_per_s']:,} bare read of the same segments "
                    f"| {r['replay_ratio']:.2f} | {'1,000,000' if pg else '2,000,000'} |")
        if "cold_start_compile_s" in r:
            rows.append(f"| {label} ({_tag(r)}): first start on a new machine, kernels compiled "
                        f"into an empty cache (s) | {r['cold_start_compile_s']} "
                        f"| {r['cached_start_s']} from the cache | — | — |")
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
            rows.append(f"| {label} ({_tag(pt)}): ingest across {P} partition writer processes, {P} client "
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
        rows.append(f"| {label} ({_tag(u)}): unary IssueInvoice, {u['callers']} concurrent callers "
                    f"(commands/s; p50 / p99 ms) | {u['arledger_calls_per_s']:,} "
                    f"({u['arledger_p50_ms']:.1f} / {u['arledger_p99_ms']:.1f}; runs {_runs(runs)}) "
                    f"| {u['bare_calls_per_s']:,} bare unary gRPC "
                    f"({u['bare_p50_ms']:.1f} / {u['bare_p99_ms']:.1f}) "
                    f"| {u['ratio']:.2f} | 0.70 |")
    m = _load("results-memory-footprint.json")
    if m:
        rows.append(f"| memory ({_tag(m)}): RSS bytes per customer / per open invoice "
                    f"({m['customers']:,} customers, {m['invoices']:,} open invoices) "
                    f"| {m['bytes_per_customer']:,} / {m['bytes_per_invoice']:,} "
                    f"| of which numpy columns: {m['numpy_bytes_per_customer']:,} / "
                    f"{m['numpy_bytes_per_invoice']:,} | — | reported |")
        if "replay" in m:
            rp = m["replay"]
            rows.append(f"| SQLite ({_tag(m)}): full replay of that log, {rp['entries']:,} "
                        f"entries, fresh process (events/s) | {rp['events_per_s']:,} "
                        f"({rp['seconds']} s) | — | — | 2,000,000, not falling with size |")
    where = "; ".join(f"{k} ({v['cores']} cores, {v['memory_gib']} GiB, Python {v['python']}, "
                      f"grpcio {v['grpcio']}, SQLite {v['sqlite']})" for k, v in machines.items())
    said = dict.fromkeys(f" On {_tag(r)}: {r['note']}." for r in (
        _load(n) for n in ("results.json", "results-volume.json", "results-postgres.json"))
        if r and r.get("note"))  # one line for runs of one machine, day and note
    notes = "".join(said)
    return (f"Measured on {where}. Synthetic portfolio of 20,000 customers (src/arledger/"
            "synthetic.py) sent by a client process in its own process, in `ColumnarBatch`es of "
            "5,000 or `Batch`es of 2,000 commands; medians of 3 ingests and 5 replays, every run "
            f"listed (this VM's timings vary by 10-40 %).{notes} Reproduce with "
            "`.venv/bin/python bench/ingest_replay.py [--stream volume] [--store postgresql://...]`, "
            "`bench/partitions.py`, `bench/unary_commands.py [--store ...]`, `bench/memory_footprint.py`, "
            "then `bench/readme_table.py`.\n\n"
            "| figure | arledger | raw ceiling (same run) | ratio | target |\n"
            "|---|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n")


def render_features() -> str:
    """The second table: figures of dunning, reports, risk, audit, search and bank matching."""
    rows, machines = [], {}

    def seen(r: dict) -> str:
        key = f"{r['machine']['cpu']} / {r['when'][:10]}"
        machines[key] = r["machine"]
        return key

    d = _load("results-dunning.json")
    if d:
        w = seen(d)
        rows.append(f"| dunning run over {d['customers']:,} customers, {d['invoices']:,} invoices "
                    f"({d['open_installment_rows']:,} open installments): the vectorised scan "
                    f"| {d['plan_only']['seconds']:.2f} s ({d['plan_only']['ns_per_open_row']:.0f} "
                    f"ns per open installment) | a run that finds nothing new: "
                    f"{d['second_run_same_day']['seconds']:.2f} s, writes nothing | {w} |")
        u = d["until_done"]
        rows.append(f"| dunning: recording steps (step + fee/interest charge invoices) "
                    f"| {u['steps_per_s']:,} steps/s ({u['steps']:,} steps in {u['runs']} runs "
                    f"of at most 10,000) | first run {d['first_run']['seconds']:.2f} s | {w} |")
    r = _load("results-reports.json")
    if r:
        w = seen(r)
        h = r["head"]
        rows.append(f"| portfolio aging at the head, {r['open_invoices']:,} open invoices "
                    f"(synthetic state) | {h['report_s']:.2f} s, {h['ratio']:.2f}x the bare numpy "
                    f"kernel on the same arrays (target 1.2x) | the report's own part "
                    f"{r['head_report_part_without_open_amounts']['ratio']:.2f}x | {w} |")
    k = _load("results-risk.json")
    if k:
        w = seen(k)
        for x in k["results"]:
            rows.append(f"| re-score {x['customers']:,} customers (float32, chunked) "
                        f"| {x['score_seconds'] * 1000:.1f} ms, "
                        f"{x['score_ratio_to_read_bandwidth']:.2f} of the read bandwidth measured "
                        f"in the same run (paired median {x['paired_ratio_median']:.2f}; target "
                        f"0.40) | {x['projection_bytes_per_customer']:.0f} bytes of projection "
                        f"per customer | {w} |")
    v = _load("results-verify.json")
    if v:
        w = seen(v)
        rows.append(f"| audit: verify a {v['entries']:,}-entry SQLite log "
                    f"({v['log_bytes'] / 1e9:.1f} GB) against a signed digest "
                    f"| {v['verify_chain_and_digest_seconds']:.1f} s "
                    f"({v['verify_entries_per_s']:,} entries/s) | a proof: "
                    f"{v.get('proof_nodes_max', v.get('proof_hashes_max'))} nodes at most, "
                    f"{v['proof_batch_ms_each']:.1f} ms to make at a random position, "
                    f"{v['sdk_verify_us_each']:.0f} us to check in the SDK | {w} |")
    s = _load("results-search.json")
    if s:
        w = seen(s)
        pages = s["customer_pages_warm"]
        slowest = max(pages, key=lambda k: pages[k]["median_ms"])
        rows.append(f"| a filtered, ordered page of 50 customers over {s['customers']:,} "
                    f"customers ({len(pages)} filters and orders, warm view; target 50 ms) "
                    f"| {s['customer_page_worst_median_ms']:.1f} ms median for the slowest "
                    f"({slowest}), {min(p['median_ms'] for p in pages.values()):.1f} ms the "
                    f"fastest | the view's table built once: {s['customer_table_cold_s']:.1f} s "
                    f"(+ {s['risk_pass_cold_s']:.1f} s for expected loss) | {w} |")
        i = s["invoice_by_number"]
        rows.append(f"| an invoice by number, {s['invoices']:,} invoices (GetInvoice in process, "
                    f"without gRPC's transport; target 1 ms) | {i['median_ms']:.2f} ms median, "
                    f"{i['p99_ms']:.2f} ms p99 | journal index built once: "
                    f"{s['journal_index_build_s']:.1f} s | {w} |")
    for name, label in (("results-bank.json", "accounts learned from a history statement"),
                        ("results-bank-cold.json", "cold start: no account learned yet")):
        q = _load(name)
        if q and "when" in q:
            w = seen(q)
            t = q["at_threshold"]
            rows.append(f"| cash application: {q['lines']:,} generated statement lines against "
                        f"{q['portfolio']['open_invoices']:,} open invoices ({label}), at the "
                        f"threshold {t['threshold_bp']:,} bp (target: 90 % applied at 99.5 % "
                        f"precision) | {t['auto_share'] * 100:.1f} % applied automatically, "
                        f"precision {t['precision'] * 100:.2f} %, recall "
                        f"{t['recall'] * 100:.1f} % | queued {t['queued_share'] * 100:.1f} %; "
                        f"the ledger's decisions equal the pure matcher's: "
                        f"{'yes' if q['ledger_agrees_with_pure_matcher'] else 'NO'} | {w} |")
    q = _load("results-bank-scale.json")
    if q and "when" in q:
        w = seen(q)
        rows.append(f"| cash application: {q['lines']:,} statement lines against "
                    f"{q['portfolio']['open_invoices']:,} open invoices (target 60 s) "
                    f"| {q['index_and_match_s']:.1f} s to index the open items and match every "
                    f"line ({q['match_s']:.1f} s matching) | through the ledger (import and "
                    f"match runs, durable): {q['ledger_import_and_match_s']:.1f} s | {w} |")
    if not rows:
        return ""
    return ("\n| figure | measured | beside it | machine / date |\n"
            "|---|---:|---:|---|\n" + "\n".join(rows) + "\n\nReproduce with "
            "`bench/dunning_run.py`, `bench/report_aging.py`, `bench/rescore.py`, "
            "`bench/verify_log.py`, `bench/search.py`, `bench/bank_match.py [--scale]`.\n")


def main() -> None:
    text = README.read_text()
    start, end = "<!-- bench:start -->\n", "<!-- bench:end -->"
    a, b = text.index(start) + len(start), text.index(end)
    README.write_text(text[:a] + render() + render_features() + text[b:])


if __name__ == "__main__":
    main()
