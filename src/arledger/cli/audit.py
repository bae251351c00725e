"""`arledger audit ...`: digests, proofs, range checks, offline verification against saved
digests, replay compared with a live server, export and history.

Everything a server sends is verified here with a public key the auditor holds
(`--public-key FILE`, a PEM saved once with `arledger audit public-key`); `--log NAME` also
requires every digest to be of that log. Without a key, `digest` (not saved) and
`export` / `history` still answer, with an UNVERIFIED warning and the saved digest marked
`"verified": false`; `digest --save` refuses.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from arledger.cli import connect
from arledger.cli.args import UsageError, readable_file, whole
from arledger.cli.output import emit


def _emit(args: argparse.Namespace, obj: Any, columns: list[str] | None = None) -> None:
    emit(obj, args.format, columns)


NEED_KEY = ("arledger: --public-key FILE is needed to verify what the server sends (save it "
            "once with `arledger audit public-key > FILE`)")
UNVERIFIED = ("arledger: UNVERIFIED: no --public-key, so the digest is the server's word "
              "(and so is every line); give --public-key FILE to check it")


def _client(args: argparse.Namespace, need_key: bool = True):  # type: ignore[no-untyped-def]
    pem = None
    if args.public_key:
        pem = Path(args.public_key).read_text()
    elif need_key:
        raise SystemExit(NEED_KEY)
    return _verified_or_exit(connect.audit, args, pem, getattr(args, "log", "") or None)


def _read_digests(path: str) -> list[dict]:
    """Digests saved one JSON object per line (`audit digest --save`), or one JSON object."""
    text = Path(path).read_text()
    try:
        one = json.loads(text)
        return [one] if isinstance(one, dict) else list(one)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _not_verified(e) -> NoReturn:  # type: ignore[no-untyped-def]
    print(f"arledger: NOT VERIFIED (position {e.position}, segment {e.segment}): {e}",
          file=sys.stderr)
    raise SystemExit(1) from None


def _verified_or_exit(fn, *a, **kw):  # type: ignore[no-untyped-def]
    from arledger_client.audit import VerificationFailed
    try:
        return fn(*a, **kw)
    except VerificationFailed as e:
        _not_verified(e)


# ---- commands ---------------------------------------------------------------------------------

def _public_key(args: argparse.Namespace) -> int:
    if args.key_file:  # offline: derive it from the private key file
        from arledger import audit as A
        print(A.public_pem(A.load_or_create_key(Path(args.key_file))), end="")
        return 0
    with _client(args, need_key=False) as c:
        print(c.fetch_public_key_pem(), end="")
    return 0


def _digest(args: argparse.Namespace) -> int:
    if args.save and not args.public_key:  # an auditor keeps only digests checked here
        raise SystemExit(NEED_KEY)
    with _client(args, need_key=False) as c:
        if c.public_key is not None:
            d = _verified_or_exit(c.signed_digest, args.segment)
        else:
            d = c.unverified_digest(args.segment)
            print(UNVERIFIED, file=sys.stderr)
    if args.save:
        with open(args.save, "a", encoding="utf-8") as f:
            f.write(json.dumps(d, sort_keys=True) + "\n")
    _emit(args, d)
    return 0


def _proof_json(p: Any) -> dict:
    return {"position": p.position, "entry_json": p.entry_json, "segment": p.segment,
            "segment_hash": p.segment_hash, "index_in_segment": p.index_in_segment,
            "segment_entries": p.segment_entries,
            "entry_path": [h.hex() for h in p.entry_path], "segment_index": p.segment_index,
            "tree_segments": p.tree_segments,
            "segment_path": [{"hash": n.hash.hex(), "entries": n.entries}
                             for n in p.segment_path]}


def _prove(args: argparse.Namespace) -> int:
    from arledger_client.audit import VerificationFailed, verify_digest, verify_proofs
    if not args.positions and not args.customer:
        raise UsageError("positions", "give positions or --customer")
    if args.segment < 0 or any(p < 1 for p in args.positions):
        raise UsageError("positions", "positions start at 1 and --segment is >= 0")
    with _client(args) as c:
        resp = c.inclusion_proof(args.positions, customer_id=args.customer or "",
                                 as_of=args.as_of or "", segment=args.segment)
        d = _verified_or_exit(verify_digest, resp.digest, c.public_key,
                              getattr(c, "log", None))

        def same_segment() -> None:
            if args.segment and d["segment"] != args.segment:
                raise VerificationFailed(f"asked for proofs under the digest of segment "
                                         f"{args.segment}, got segment {d['segment']}",
                                         segment=args.segment)
        _verified_or_exit(same_segment)
        # one proof per position asked, in order; then the statement's lines, each of the
        # customer asked for, at distinct positions
        recs = _verified_or_exit(verify_proofs, resp.proofs, d, positions=args.positions,
                                 customer_id=args.customer or "", as_of=args.as_of or "")
    if args.out:
        Path(args.out).write_text(json.dumps({"digest": d, "proofs": [_proof_json(p) for p in
                                                                       resp.proofs]}, indent=1))
    _emit(args, [{"position": r["position"], "type": r.get("type"),
                  "effective_date": r.get("effective_date"), "request_id": r.get("request_id"),
                  "verified": "yes", "path_nodes": len(p.entry_path) + len(p.segment_path)}
                 for r, p in zip(recs, resp.proofs)])
    print(f"{len(recs)} entries proven under the digest of segment {d['segment']} (position "
          f"{d['position']}, root {d['merkle_root'][:16]}...)", file=sys.stderr)
    if args.customer:
        print("(each statement line is proven to be in the log; inclusion proofs cannot show "
              "that no line was left out)", file=sys.stderr)
    return 0


def _verify_proof(args: argparse.Namespace) -> int:
    """Check a saved proof file offline: no server involved."""
    from types import SimpleNamespace

    from arledger_client.audit import (
        VerificationFailed,
        load_public_key,
        verify_digest,
        verify_proofs,
    )
    if not args.public_key:
        raise UsageError("--public-key", "a public key FILE is needed")
    key = _verified_or_exit(load_public_key, Path(args.public_key).read_text())

    def read() -> tuple[Any, list]:
        try:
            saved = json.loads(Path(args.file).read_text())
            proofs = [SimpleNamespace(**{**p, "entry_path": [bytes.fromhex(h) for h in
                                                             p["entry_path"]],
                                         "segment_path": [(bytes.fromhex(n["hash"]),
                                                           n["entries"])
                                                          for n in p["segment_path"]]})
                      for p in saved["proofs"]]
            return saved["digest"], proofs
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
            raise VerificationFailed(f"not a proof file: {str(e)[:80]}") from None
    digest, proofs = _verified_or_exit(read)
    d = _verified_or_exit(verify_digest, digest, key, getattr(args, "log", "") or None)
    recs = _verified_or_exit(verify_proofs, proofs, d,
                             positions=[getattr(p, "position", None) for p in proofs])
    rows = [{"position": r["position"], "type": r.get("type"), "verified": "yes"} for r in recs]
    _emit(args, rows)
    return 0


def _verify_range(args: argparse.Namespace) -> int:
    old = _read_digests(args.from_file)[-1]
    new = _read_digests(args.to_file)[-1] if args.to_file else None
    with _client(args) as c:
        to = _verified_or_exit(c.verify_range, old, new)
    _emit(args, {"ok": True, "from_segment": old["segment"], "from_position": old["position"],
                 "to_segment": to["segment"], "to_position": to["position"],
                 "to_merkle_root": to["merkle_root"]})
    return 0


def _offline_store(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The log's store, opened read-only without a lease (a live writer may hold it)."""
    from arledger.cli.server import store_location
    from arledger.engine import Partition, SegmentStore
    where = store_location(args)
    part = Partition.parse(args.partition)
    if isinstance(where, Path):
        if not (where / "ledger.db").exists():
            raise SystemExit(f"arledger: no ledger in {where}")
        return SegmentStore.sqlite(where / "ledger.db", part.name)
    return SegmentStore.postgres(where, part, namespace=args.namespace, writer=False)


def _verify(args: argparse.Namespace) -> int:
    """Walk a stored log offline: the chain, and every saved digest against it."""
    from arledger import audit as A
    from arledger.cli.output import Progress
    digests = []
    for f in args.digests or ():
        digests += _read_digests(f)
    key = A.load_public_key(Path(args.public_key).read_text()) if args.public_key else None
    if digests and key is None:
        raise UsageError("--public-key", "checking digests needs a public key FILE")
    store = _offline_store(args)
    try:
        bar = Progress(max(store.head_seq(), 1), "verify", "entries")
        rep = A.check_log(store.read(), digests, key, merkle=args.merkle, progress=bar.update,
                          log=store.stream)
        bar.close()
    finally:
        store.close()
    _emit(args, rep.as_dict())
    return 0 if rep.ok else 1


def _replay(args: argparse.Namespace) -> int:
    """Rebuild the state from the log and compare its digest with a live server's."""
    from arledger.cli.output import Progress
    from arledger.engine.segment import decode, digest
    from arledger.engine.state import State
    live = None
    if args.compare:
        with connect.ledger(args) as client:
            live = client.get_log_head(with_state_digest=True)
    store = _offline_store(args)
    S = State()
    try:
        upto = live.segment if live is not None else store.head_seq()
        bar = Progress(upto, "replay", "segments")
        t0 = time.perf_counter()
        for seq, blob in store.read():
            if seq > upto:
                break
            seg = decode(blob)
            if seg.seq != S.head_seq + 1 or seg.prev_hash != S.head_hash:
                raise SystemExit(f"arledger: segment {seq} does not continue the chain; run "
                                 "`arledger audit verify`")
            S.apply_segment(seg, digest(blob))
            bar.update(1)
        elapsed = time.perf_counter() - t0
        bar.close()
    finally:
        store.close()
    out = {"entries": S.head_position, "segments": S.head_seq, "seconds": round(elapsed, 3),
           "events_per_second": round(S.head_position / max(elapsed, 1e-9)),
           "head_hash": S.head_hash, "state_digest": S.digest()}
    if live is not None:
        out["live_segment"] = live.segment
        out["live_state_digest"] = live.state_digest
        out["match"] = (live.state_digest == out["state_digest"]
                        and live.head_hash == S.head_hash and live.segment == S.head_seq)
    _emit(args, out)
    return 0 if out.get("match", True) else 1


def _parse_time_us(text: str | None, flag: str) -> int | None:
    if not text:
        return None
    import datetime as dt
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(flag, f"{text!r} is not an ISO date/time") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return int(t.timestamp() * 1_000_000)


def _write_records(args: argparse.Namespace, digest: dict,  # type: ignore[no-untyped-def]
                   records) -> int:
    from arledger_client.audit import write_csv, write_jsonl
    write = write_csv if args.as_ == "csv" else write_jsonl
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as f:
            n = write(records, f)
        Path(args.out + ".digest.json").write_text(json.dumps(digest, sort_keys=True) + "\n")
        print(f"{n:,} entries -> {args.out}; exported under the digest of segment "
              f"{digest['segment']} -> {args.out}.digest.json", file=sys.stderr)
    else:
        n = write(records, sys.stdout)
        print(json.dumps(digest, sort_keys=True), file=sys.stderr)
    return n


def _unverified_or_proven(args: argparse.Namespace, c, d: dict,  # type: ignore[no-untyped-def]
                          recs) -> Any:
    """The records as they are (a warning without a key), or, with --prove, each proven
    under the digest (then held in memory) before anything is written."""
    if c.public_key is None:
        print(UNVERIFIED, file=sys.stderr)
        return recs
    if not args.prove:
        return recs
    rows = _verified_or_exit(list, recs)
    n = _verified_or_exit(c.prove_records, rows, d)
    print(f"{n:,} lines proven under the digest of segment {d['segment']}", file=sys.stderr)
    return rows


def _export(args: argparse.Namespace) -> int:
    from arledger_client.audit import VerificationFailed
    with _client(args, need_key=args.prove) as c:
        d, recs = _verified_or_exit(
            c.export, customer_id=args.customer or "", entry_types=args.type or (),
            effective_from=args.effective_from or "", effective_to=args.effective_to or "",
            recorded_from_us=_parse_time_us(args.recorded_from, "--recorded-from"),
            recorded_to_us=_parse_time_us(args.recorded_to, "--recorded-to"),
            unverified=True)
        recs = _unverified_or_proven(args, c, d, recs)
        try:
            _write_records(args, d, recs)
        except VerificationFailed as e:  # a malformed line, found while writing
            if args.out:
                Path(args.out).unlink(missing_ok=True)
            _not_verified(e)
    return 0


def _history(args: argparse.Namespace) -> int:
    if bool(args.invoice) == bool(args.customer):
        raise UsageError("--invoice/--customer", "give one of them")
    with _client(args, need_key=args.prove) as c:
        d, recs = _verified_or_exit(c.history, invoice_id=args.invoice or "",
                                    customer_id=args.customer or "", unverified=True)
        rows = _verified_or_exit(list, _unverified_or_proven(args, c, d, recs))
    if args.format == "json":
        _emit(args, rows)
        return 0
    import datetime as dt
    _emit(args, [{"position": r["position"], "type": r["type"],
                  "effective_date": r["effective_date"],
                  "recorded_at": dt.datetime.fromtimestamp(r["recorded_at_us"] / 1e6,
                                                           dt.UTC).isoformat(
                                                               timespec="milliseconds"),
                  "request_id": r["request_id"], "actor": r["actor"], "reason": r["reason"],
                  "fields": json.dumps(r["fields"], sort_keys=True)[:80]} for r in rows])
    return 0


# ---- parser -----------------------------------------------------------------------------------

def _with_key_file(func):  # type: ignore[no-untyped-def]
    """`serve/follow --key-file`: handed to the audit service through ARLEDGER_KEY_FILE."""
    def run(args: argparse.Namespace) -> int:
        if args.key_file:
            os.environ["ARLEDGER_KEY_FILE"] = args.key_file
        return func(args)
    return run


def _either(plain, audit, use_audit):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace) -> int:
        return audit(args) if use_audit(args) else plain(args)
    return run


def _extend_verify_and_replay(sub: argparse._SubParsersAction) -> None:
    """`arledger verify --digests FILE --public-key PEM` checks saved digests offline and
    `arledger replay --compare` compares with the live server: the same code as
    `arledger audit verify` / `audit replay`, reached from the commands auditors know."""
    v = sub.choices.get("verify")
    if v is not None:
        v.add_argument("--digests", action="append", type=readable_file,
                       help="offline, with --data-dir/--store: also check these saved signed "
                            "digests (repeatable; see `arledger audit digest --save`)")
        v.add_argument("--public-key", default=None, type=readable_file,
                       help="PEM file that signed the digests")
        v.add_argument("--merkle", action="store_true",
                       help="offline: also recompute every Merkle root")

        def offline_audit(args: argparse.Namespace) -> int:
            if not (args.data_dir or args.store):
                raise UsageError("--digests/--merkle", "they check a stored log: give "
                                 "--data-dir or --store")
            return _verify(args)
        v.set_defaults(func=_either(v.get_default("func"), offline_audit,
                                    lambda a: bool(a.digests or a.merkle)))
    r = sub.choices.get("replay")
    if r is not None:
        r.add_argument("--compare", action="store_true",
                       help="compare the rebuilt state digest with the live server's at "
                            "--target (reads the log without its lease, beside the writer)")
        r.set_defaults(timeout=120.0, func=_either(r.get_default("func"), _replay,
                                                   lambda a: a.compare))


def _extend_serve(sub: argparse._SubParsersAction) -> None:
    for name in ("serve", "follow"):
        p = sub.choices.get(name)
        if p is not None:
            p.add_argument("--key-file", default="",
                           help="the audit signing key (Ed25519 PEM; created mode 0600 when first "
                                "needed; env ARLEDGER_KEY_FILE; default: audit-key.pem in the "
                                "data directory, or ~/.config/arledger/keys/<host>_<port>_<db>/"
                                "<table>.pem for PostgreSQL; refused if others can read it)")
            p.set_defaults(func=_with_key_file(p.get_default("func")))


def register(sub: argparse._SubParsersAction) -> None:
    _extend_serve(sub)
    _extend_verify_and_replay(sub)
    a = sub.add_parser("audit", help="signed digests, inclusion proofs, verification against "
                       "saved digests, replay against a live server, export, history")
    acts = a.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    def act(name: str, help_: str, func,  # type: ignore[no-untyped-def]
            *, server: bool = True) -> argparse.ArgumentParser:
        p = acts.add_parser(name, help=help_, description=help_)
        p.add_argument("--format", choices=("table", "json", "csv"), default=argparse.SUPPRESS,
                       help="table (default), json or csv")
        if server:
            p.add_argument("--target", default=argparse.SUPPRESS, help="server address")
            p.add_argument("--timeout", type=float, default=120.0, help=argparse.SUPPRESS)
            p.add_argument("--public-key", default=None, type=readable_file,
                           help="PEM file of the ledger's public key, held by the auditor")
        if server and name not in ("public-key", "replay"):
            p.add_argument("--log", default="", help="refuse digests of any other log than "
                           "this one (their signed `log` field, e.g. arledger-log-p0; "
                           "partitions of one data directory share a key)")
        p.set_defaults(func=func)
        return p

    p = act("public-key", "print the ledger's public key (PEM) from the server, or from "
            "--key-file offline", _public_key)
    p.add_argument("--key-file", default=None, type=readable_file,
                   help="derive it from this private key file")
    p = act("digest", "a signed digest of the log head (verified with --public-key)", _digest)
    p.add_argument("--segment", type=whole, default=0, help="an earlier segment (default: head)")
    p.add_argument("--save", default="", help="append the digest (one JSON line) to this file")
    p = act("prove", "Merkle inclusion proofs of entries, verified here", _prove)
    p.add_argument("positions", nargs="*", type=whole, help="log positions")
    p.add_argument("--customer", help="every line of this customer's statement")
    p.add_argument("--as-of", help="statement date (YYYY-MM-DD; default: all)")
    p.add_argument("--segment", type=whole, default=0, help="prove under the digest of this "
                   "segment (default: head)")
    p.add_argument("--out", help="also save digest and proofs (JSON) for `verify-proof`")
    _register_checks(act)
    for name, func, help_ in (("export", _export, "the log or a filter of it as JSONL or CSV, "
                               "with the signed digest it was exported under"),
                              ("history", _history, "every entry that touched an invoice or "
                               "a customer, in order, with actor, reason, request id, clocks")):
        p = act(name, help_, func)
        p.add_argument("--customer")
        p.add_argument("--prove", action="store_true",
                       help="prove every line under the digest (inclusion proofs, checked "
                            "here; needs --public-key) before writing any")
        if name == "history":
            p.add_argument("--invoice")
            continue
        p.add_argument("--type", action="append", help="entry type (repeatable)")
        p.add_argument("--effective-from")
        p.add_argument("--effective-to")
        p.add_argument("--recorded-from", help="ISO time (UTC unless an offset is given)")
        p.add_argument("--recorded-to", help="ISO time, exclusive")
        p.add_argument("--as", dest="as_", choices=("jsonl", "csv"), default="jsonl")
        p.add_argument("--out", help="file (the digest goes to FILE.digest.json); default "
                       "stdout (the digest to stderr)")


def _register_checks(act) -> None:  # type: ignore[no-untyped-def]
    """verify-proof, verify-range, verify and replay: checks of what was saved or stored."""
    from arledger.cli.server import add_store_args
    p = act("verify-proof", "check a saved proof file offline (no server)", _verify_proof,
            server=False)
    p.add_argument("file", type=readable_file)
    p.add_argument("--public-key", default=None, type=readable_file,
                   help="PEM file of the ledger's public key")
    p.add_argument("--log", default="", help="the log the digest must be of")
    p = act("verify-range", "check that the log under a newer digest (default: the head) "
            "extends the log under a saved one (consistency proof, checked here)", _verify_range)
    p.add_argument("--from", dest="from_file", required=True, type=readable_file,
                   help="saved digest file (the last line of a --save file)")
    p.add_argument("--to", dest="to_file", type=readable_file,
                   help="a later saved digest (default: the head)")
    p = act("verify", "offline: check a stored log's chain, and every saved digest against "
            "it, naming the first segment that does not match", _verify, server=False)
    add_store_args(p)
    p.add_argument("--digests", action="append", type=readable_file,
                   help="file of saved digests (repeatable)")
    p.add_argument("--public-key", default=None, type=readable_file,
                   help="PEM file that signed the digests")
    p.add_argument("--merkle", action="store_true", help="also recompute the Merkle roots "
                   "(folds the log: replay speed)")
    p = act("replay", "rebuild the state from a stored log (a live writer may hold it) and "
            "compare its digest with the live server's (--compare)", _replay)
    add_store_args(p)
    p.add_argument("--compare", action="store_true", help="compare with the server at --target")
