"""Audit bench: verification of a ~10-million-entry log, Merkle roots, proofs.

    .venv/bin/python bench/verify_log.py [--customers 430000] [--work DIR]

Builds (once; kept in --work and reused) a SQLite log of the synthetic portfolio through the
engine (430,000 customers ~ 10 M entries: minutes), then measures on it, each from the store:

- `chain+digest`: audit.check_log over every stored segment (decode, header and body
  hashes, prev_hash chain, positions) and a signed head digest checked against it: what
  `arledger audit verify --digests` does. Best of 3.
- `ledger_verify`: the existing Ledger.verify (chain only), for comparison.
- `replay`: the state rebuilt (what proofs need for ids).
- `merkle_roots`: every segment's entries root and the log's root from scratch (audit.MerkleLog:
  what a server does once, lazily, on its first audit request), and what a restarted writer
  does instead with the nodes it saved (rehash the log, render nothing).
- proofs: 1,000 inclusion proofs at random positions as one batch (server time each, nodes
  per proof, SDK verification time each), one proof from a segment not cached, every line of
  the statement of the customer with the most lines (caches cold), and one consistency proof
  (half -> head).
- `verify_deep_merkle`: the offline deep check (`audit verify --merkle`): chain, digest and
  every Merkle root recomputed from a fresh fold of the log.

Writes bench/results-verify.json with the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "clients"))

from ingest_replay import machine  # noqa: E402

from arledger import audit as A  # noqa: E402
from arledger import synthetic  # noqa: E402
from arledger.engine import Ledger, SegmentStore, open_ledger  # noqa: E402
from arledger_client import audit as C  # noqa: E402


def build(data: Path, spec: synthetic.PortfolioSpec) -> dict:
    """Submit the portfolio straight to a ledger (no gRPC): the log is what is measured."""
    t = iter(range(1_790_000_000_000_000, 1 << 62, 1000))
    ledger = open_ledger(data, clock=lambda: next(t))
    t0 = time.perf_counter()
    pending = []
    n = 0
    est = synthetic.estimate_commands(spec)
    for batch in synthetic.generate_batches(spec, 8000):
        pending.append(ledger.submit_async(batch))
        if len(pending) >= 4:
            n += len(pending.pop(0).result())
            if n % 400_000 < 8000:
                print(f"  built {n:,}/{est:,} commands", file=sys.stderr, flush=True)
    for f in pending:
        n += len(f.result())
    seconds = time.perf_counter() - t0
    out = {"commands": n, "entries": ledger.state.head_position,
           "segments": ledger.state.head_seq, "build_seconds": round(seconds, 1)}
    ledger.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=430_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--work", default="/tmp/arledger-bench-verify")
    ap.add_argument("--proofs", type=int, default=1000)
    ap.add_argument("--out", default=str(HERE / "results-verify.json"))
    ap.add_argument("--no-deep", dest="deep", action="store_false",
                    help="skip the deep check (chain + digest + every Merkle root, offline)")
    args = ap.parse_args()

    spec = synthetic.PortfolioSpec(customers=args.customers, seed=args.seed)
    data = Path(args.work) / f"c{args.customers}-s{args.seed}"
    built = None
    if not (data / "DONE").exists():
        print(f"building {data} ...", file=sys.stderr, flush=True)
        built = build(data, spec)
        (data / "DONE").write_text(json.dumps(built))
    built = built or json.loads((data / "DONE").read_text())
    db = data / "ledger.db"
    res: dict = {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
                 "store": "sqlite", "spec": {"customers": args.customers, "seed": args.seed},
                 "log": built, "log_bytes": db.stat().st_size}

    def clock() -> int:
        return time.time_ns() // 1000

    # The state (ids) and the Merkle tree, as a server builds them lazily after start.
    ledger = Ledger(SegmentStore.sqlite(db), clock)
    t0 = time.perf_counter()
    entries = ledger.replay()
    res["replay_seconds"] = round(time.perf_counter() - t0, 2)
    from arledger.engine import tune_gc
    tune_gc()  # as open_ledger does for a server: the state out of the GC's sight
    key_file = Path(args.work) / "bench-key.pem"
    key = A.load_or_create_key(key_file)
    cache = A.node_cache_path(key_file)
    cache.unlink(missing_ok=True)
    signer = A.Signer(ledger, key, clock, cache)
    t0 = time.perf_counter()
    signer.merkle.extend()
    res["merkle_roots_seconds"] = round(time.perf_counter() - t0, 2)
    res["merkle_entries_per_s"] = round(entries / res["merkle_roots_seconds"])
    # What a restarted writer does instead: take its saved nodes after rehashing the log.
    again = A.MerkleLog(ledger, cache)
    t0 = time.perf_counter()
    again.extend()
    res["merkle_restart_with_saved_nodes_seconds"] = round(time.perf_counter() - t0, 2)
    assert again.root(ledger.state.head_seq) == signer.merkle.root(ledger.state.head_seq)
    head = signer.digest()
    half = signer.digest(max(ledger.state.head_seq // 2, 1))
    print(f"replay {res['replay_seconds']} s, merkle {res['merkle_roots_seconds']} s",
          file=sys.stderr, flush=True)

    # Proofs: server side (a batch in log order, as GetInclusionProof does; and one entry of
    # a segment whose tree is not cached), then the SDK's own verification.
    rng = random.Random(1)
    positions = sorted(rng.randint(1, entries) for _ in range(args.proofs))
    from arledger.server.audit import proof_to_pb
    t0 = time.perf_counter()
    proofs = [proof_to_pb(signer.merkle.prove(p, head["segment"])) for p in positions]
    res["proof_batch_ms_each"] = round((time.perf_counter() - t0) * 1000 / len(positions), 3)
    signer.merkle.clear_caches()
    t0 = time.perf_counter()
    signer.merkle.prove(entries // 3, head["segment"])
    res["proof_cold_segment_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    # A customer's statement, every line proven (what `audit prove --customer` asks): the
    # customer with the most lines, caches cold.
    S = ledger.state
    cust = int(np.bincount(S.journal.view("customer")[S.journal.view("customer") >= 0]).argmax())
    lines = A.statement_positions(S, cust).tolist()
    signer.merkle.clear_caches()
    t0 = time.perf_counter()
    for p in lines:
        signer.merkle.prove(p, head["segment"])
    res["statement_lines"] = len(lines)
    res["statement_segments"] = len({S.segment_of(p) for p in lines})
    res["statement_prove_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    res["segment_entries_max"] = max(n.count for n in signer.merkle.nodes)
    res["proof_nodes_max"] = max(len(p.entry_path) + len(p.segment_path) for p in proofs)
    pub = key.public_key()
    d = C.verify_digest(head, pub)
    t0 = time.perf_counter()
    for p in proofs:
        C.verify_inclusion(p, d)
    res["sdk_verify_us_each"] = round((time.perf_counter() - t0) * 1e6 / len(proofs), 1)
    lv = signer.merkle.levels(head["segment"])
    cp = A.consistency_proof(lv, half["segment"], head["segment"], A.sum_node)
    C.verify_consistency(half["segment"], head["segment"], bytes.fromhex(half["merkle_root"]),
                         bytes.fromhex(head["merkle_root"]), cp,
                         old_entries=half["position"], new_entries=head["position"])
    res["consistency_proof_nodes"] = len(cp)
    ledger.store.close()

    # Verification of the whole stored log against the signed head digest (best of 3).
    runs = []
    for _ in range(3):
        store = SegmentStore.sqlite(db)
        t0 = time.perf_counter()
        rep = A.check_log(store.read(), [head], pub)
        runs.append(time.perf_counter() - t0)
        store.close()
        assert rep.ok and rep.digests_checked == 1, rep
    res["verify_chain_and_digest_seconds_runs"] = [round(r, 2) for r in runs]
    res["verify_chain_and_digest_seconds"] = round(min(runs), 2)
    res["verify_entries_per_s"] = round(entries / min(runs))
    res["verify_mb_per_s"] = round(res["log_bytes"] / min(runs) / 1e6)
    if args.deep:  # the auditor's deep check: chain, digest and every Merkle root again
        store = SegmentStore.sqlite(db)
        t0 = time.perf_counter()
        rep = A.check_log(store.read(), [head], pub, merkle=True)
        res["verify_deep_merkle_seconds"] = round(time.perf_counter() - t0, 2)
        store.close()
        assert rep.ok and rep.merkle_root == head["merkle_root"], rep
    led = Ledger(SegmentStore.sqlite(db), clock)
    t0 = time.perf_counter()
    assert led.verify().ok
    res["ledger_verify_seconds"] = round(time.perf_counter() - t0, 2)
    led.store.close()
    res["entries"] = entries
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
