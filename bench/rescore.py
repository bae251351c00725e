"""Re-scoring speed against this machine's memory bandwidth, measured in the same run.

    .venv/bin/python bench/rescore.py [--sizes 1000000,10000000] [--runs 5]

For each portfolio size it builds the feature projection the way projections/risk.py
lays it out (float32, one contiguous row per feature, eleven features: 44 bytes per
customer; 58 with exposure, currency, dunning level and flags) from realistic random
distributions, then times:

- bandwidth: numpy reading a buffer as large as the projection (np.sum of float32 through
  np.add.reduce in blocks, read only) and copying it (read + write), best of the runs;
- the re-score kernel `risk.score` (every customer's PD, chunked, float32): bytes read =
  the projection's feature rows, ratio = (bytes read / time) / read bandwidth;
- the whole re-score pass after the features (PD, expected loss, SHA-256 digest of the
  scores), bytes read = features + exposure;
- paired runs: a read of the projection right before each re-score of it, so load from
  other processes weighs on both; the median of (read time / score time);
- the levers: the same score without chunking, and in float64;
- the pass that feeds it: `risk.features` over a synthetic State of 1M customers and 10M
  invoices (bench/report_aging.py's layout), its time and transient memory.

Writes bench/results-risk.json with the machine description.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from ingest_replay import machine  # noqa: E402  (the machine description every bench records)

from arledger.domain.risk_models import DEFAULT_MODEL_JSON, FEATURES  # noqa: E402
from arledger.projections import risk  # noqa: E402


def portfolio(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Features (float32, features x n) and exposure (int64) shaped like a real ledger:
    most customers current, a tail late, a few with reversals and write-offs."""
    rng = np.random.default_rng(seed)
    X = np.empty((len(FEATURES), n), dtype=np.float32)
    late = rng.random(n, dtype=np.float32) < 0.2
    X[0] = np.where(late, rng.random(n, dtype=np.float32), 0)
    X[1] = np.where(late, rng.exponential(25, n).astype(np.float32), 0)
    X[2] = rng.normal(0, 10, n).astype(np.float32)
    X[3] = rng.normal(0, 5, n).astype(np.float32)
    X[4] = rng.poisson(0.05, n)
    X[5] = np.where(X[4] > 0, rng.random(n, dtype=np.float32), 0)
    X[6] = rng.poisson(0.1, n)
    X[7] = rng.poisson(0.03, n)
    X[8] = rng.gamma(2, 0.2, n).astype(np.float32)
    X[9] = rng.exponential(3, n).astype(np.float32)
    X[10] = rng.poisson(0.02, n)
    exposure = rng.integers(0, 5_000_000, n, dtype=np.int64)
    return X, exposure


def best(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def read_bandwidth(buf: np.ndarray, runs: int) -> tuple[float, dict]:
    """Bytes/s numpy reads a buffer: the best of three read-only kernels (max, sum, dot),
    so the ratio below is measured against the fastest read numpy manages here."""
    flat = buf.reshape(-1)
    best_t, per = float("inf"), {}
    for name, fn in (("max", flat.max), ("sum", flat.sum), ("dot", lambda: np.dot(flat, flat))):
        t, ts = best(fn, runs)
        per[name] = [round(x, 4) for x in ts]
        best_t = min(best_t, t)
    return flat.nbytes / best_t, per


def read_bandwidth_threads(buf: np.ndarray, runs: int, threads: int) -> float:
    """The same best read kernel (max) split across `threads` threads."""
    from concurrent.futures import ThreadPoolExecutor
    flat = buf.reshape(-1)
    parts = np.array_split(flat, threads)
    with ThreadPoolExecutor(threads) as ex:
        t, _ = best(lambda: list(ex.map(np.max, parts)), runs)
    return flat.nbytes / t


def copy_bandwidth(buf: np.ndarray, runs: int) -> tuple[float, list[float]]:
    dst = np.empty_like(buf)
    t, ts = best(lambda: np.copyto(dst, buf), runs)
    return 2 * buf.nbytes / t, ts


def features_from_state(n_inv: int, n_cust: int, runs: int) -> dict:
    """The pass that feeds a re-score: every customer's features as of a day, from a State
    laid out as the fold lays it out (bench/report_aging.py builds it), then the score."""
    import tracemalloc

    from report_aging import build
    t0 = time.perf_counter()
    S = build(n_inv, n_cust)
    built = time.perf_counter() - t0
    as_of = S.max_effective_day
    model = risk.Model.from_json(DEFAULT_MODEL_JSON)
    t_feat, feat_runs = best(lambda: risk.features(S, as_of), max(2, runs // 3))
    tracemalloc.start()
    pf = risk.features(S, as_of)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t_score, _ = best(lambda: risk.score(model, pf.X), runs)
    return {"customers": n_cust, "invoices": n_inv, "journal_rows": int(S.journal.n),
            "build_seconds": round(built, 1), "features_seconds": round(t_feat, 3),
            "features_runs": [round(t, 3) for t in feat_runs],
            "projection_bytes_per_customer": pf.nbytes / pf.n,
            "features_peak_traced_bytes": int(peak),
            "features_peak_bytes_per_journal_row": round(peak / S.journal.n, 1),
            "score_seconds": round(t_score, 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=str(HERE / "results-risk.json"))
    ap.add_argument("--state-invoices", type=int, default=10_000_000,
                    help="invoices of the synthetic State for the features pass (0: skip)")
    ap.add_argument("--state-customers", type=int, default=1_000_000)
    args = ap.parse_args()
    model = risk.Model.from_json(DEFAULT_MODEL_JSON)
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        X, exposure = portfolio(n)
        feat_bytes = X.nbytes
        rbw, rbw_runs = read_bandwidth(X, args.runs)
        cbw, cbw_runs = copy_bandwidth(X, args.runs)
        pd = np.empty(n, dtype=np.float32)
        risk.score(model, X, out=pd)  # warm the pages of pd
        t_score, score_runs = best(lambda: risk.score(model, X, out=pd), args.runs)

        def full() -> str:
            risk.score(model, X, out=pd)
            el = risk.expected_loss(model, pd, exposure)
            h = hashlib.sha256(pd.tobytes())
            return h.hexdigest() + str(int(el[-1]))
        t_full, full_runs = best(full, args.runs)
        # Paired runs: a read of X right before each score of X, so that whatever else the
        # machine is doing weighs on both; ratio of a pair = read time / score time.
        flat = X.reshape(-1)
        pairs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            flat.max()
            t1 = time.perf_counter()
            risk.score(model, X, out=pd)
            t2 = time.perf_counter()
            pairs.append((t1 - t0) / (t2 - t1))
        threads = min(2, os.cpu_count() or 1)
        rbw_t = max(rbw, read_bandwidth_threads(X, args.runs, threads))
        t_score_t, score_t_runs = best(lambda: risk.score(model, X, out=pd, threads=threads),
                                       args.runs)
        t_unchunked, _ = best(lambda: risk.score(model, X, out=pd, chunk=n), max(2, args.runs // 2))
        X64 = X.astype(np.float64)
        pd64 = np.empty(n)

        def score64() -> None:  # the same formula without float32: twice the bytes
            w, b = model.linear()
            np.dot(w.astype(np.float64), X64, out=pd64)
            np.add(pd64, float(b), out=pd64)
            np.negative(pd64, out=pd64)
            np.exp(pd64, out=pd64)
            np.add(pd64, 1.0, out=pd64)
            np.reciprocal(pd64, out=pd64)
        t64, _ = best(score64, max(2, args.runs // 2))
        del X64, pd64
        row = {
            "customers": n,
            # features + exposure + currency (i2) + dunning level (i2) + two flags (u1)
            "projection_bytes_per_customer": (X.nbytes + exposure.nbytes + 6 * n) / n,
            "feature_bytes_read": feat_bytes,
            "read_bandwidth_gb_s": round(rbw / 1e9, 2),
            "copy_bandwidth_gb_s": round(cbw / 1e9, 2),
            "score_seconds": round(t_score, 4),
            "score_runs": [round(t, 4) for t in score_runs],
            "score_customers_per_s": round(n / t_score),
            "score_gb_s": round(feat_bytes / t_score / 1e9, 2),
            "score_ratio_to_read_bandwidth": round(feat_bytes / t_score / rbw, 3),
            "threads": threads,
            "read_bandwidth_threads_gb_s": round(rbw_t / 1e9, 2),
            "score_threads_seconds": round(t_score_t, 4),
            "score_threads_runs": [round(t, 4) for t in score_t_runs],
            "score_threads_ratio_to_read_bandwidth": round(feat_bytes / t_score_t / rbw_t, 3),
            "paired_ratio_median": round(statistics.median(pairs), 3),
            "paired_ratios": [round(x, 3) for x in pairs],
            "full_pass_seconds": round(t_full, 4),
            "full_pass_runs": [round(t, 4) for t in full_runs],
            "full_pass_bytes_read": feat_bytes + exposure.nbytes,
            "full_pass_ratio_to_read_bandwidth":
                round((feat_bytes + exposure.nbytes) / t_full / rbw, 3),
            "lever_unchunked_score_seconds": round(t_unchunked, 4),
            "lever_float64_score_seconds": round(t64, 4),
            "read_bandwidth_runs_s": rbw_runs,
            "copy_bandwidth_runs_s": [round(t, 4) for t in cbw_runs],
        }
        results.append(row)
        print(json.dumps(row), flush=True)
        del X, exposure, pd
    state = None
    if args.state_invoices:
        state = features_from_state(args.state_invoices, args.state_customers, args.runs)
        print(json.dumps(state), flush=True)
    out = {"bench": "rescore", "when": time.strftime("%Y-%m-%d %H:%M:%S"),
           "machine": machine(), "chunk_customers": risk.CHUNK, "runs": args.runs,
           "note": "bandwidth and re-score measured in the same process, best of the runs "
                   "(single thread; the threads figures use every core for both); ratio = "
                   "re-score bytes read per second / numpy read bandwidth (best read kernel, "
                   "max over 1 and N threads for the threaded ratio); target >= 0.40 "
                   "at 10M",
           "results": results, "features_from_state": state}
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
