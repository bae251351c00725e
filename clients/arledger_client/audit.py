"""Audit client: fetch signed digests, proofs, exports and histories, and verify them here.

Nothing the server says is taken on trust. A digest counts only when its Ed25519
signature verifies with a public key *you* hold (fetched once and stored outside
arledger, e.g. `arledger audit public-key > ledger.pub.pem`). An inclusion proof counts
only when every hash on its path, recomputed here from the entry's canonical record,
leads to the signed Merkle root. A consistency proof counts only when it rebuilds both
signed roots. Any failure raises `VerificationFailed` naming the position or segment.

    from arledger_client.audit import AuditClient
    pem = open("ledger.pub.pem").read()
    with AuditClient("127.0.0.1:50051", public_key_pem=pem) as audit:
        digest = audit.signed_digest()               # verified
        for rec in audit.prove([1, 2, 3], digest):    # verified records
            print(rec["position"], rec["type"])

The hashing follows RFC 6962 (leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r))
on a two-level tree; see docs/audit.md. This module needs only hashlib, json and
`cryptography`.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Self

import grpc

from arledger.v1 import audit_pb2 as apb
from arledger.v1 import audit_pb2_grpc as agrpc
from arledger_client.errors import from_rpc_error

DIGEST_DOMAIN = b"arledger-signed-digest-v1\n"
DIGEST_FIELDS = ("log", "position", "segment", "head_hash", "merkle_root", "signed_at_us",
                 "key_id")
CSV_COLUMNS = ("position", "segment", "recorded_at_us", "type", "effective_date",
               "request_id", "actor", "reason", "customer_id", "fields")


class VerificationFailed(Exception):
    """A digest, proof or export did not verify. `position` / `segment` name where (0 when
    the failure is not about one entry or segment)."""

    def __init__(self, message: str, *, position: int = 0, segment: int = 0) -> None:
        super().__init__(message)
        self.position = position
        self.segment = segment


# ---- hashing (RFC 6962) ----------------------------------------------------------------------

def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(data: bytes) -> bytes:
    return _h(b"\x00" + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return _h(b"\x01" + left + right)


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    """An entry record's canonical bytes: UTF-8 JSON, keys sorted, no whitespace."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def root_from_path(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root an RFC 6962 inclusion path leads to (RFC 9162 section 2.1.3.2).

    Raises VerificationFailed when the path cannot belong to a tree of `size` leaves
    (wrong length, index out of range, a hash that is not 32 bytes).
    """
    if not 0 <= index < size:
        raise VerificationFailed(f"leaf index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if not isinstance(p, (bytes, bytearray)) or len(p) != 32:
            raise VerificationFailed("a path element is not a 32-byte hash")
        if sn == 0:
            raise VerificationFailed("the path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationFailed("the path is shorter than the tree is deep")
    return r


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check an RFC 6962 consistency proof: the tree of m leaves is a prefix of the tree of
    n leaves (RFC 9162 section 2.1.4.2). Raises VerificationFailed."""
    if not 0 <= m <= n:
        raise VerificationFailed(f"sizes {m} and {n} are not in order")
    if any(not isinstance(p, (bytes, bytearray)) or len(p) != 32 for p in proof):
        raise VerificationFailed("a proof element is not a 32-byte hash")
    if m == n:
        if proof or old_root != new_root:
            raise VerificationFailed("equal sizes need equal roots and an empty proof")
        return
    if m == 0:
        if proof:
            raise VerificationFailed("the empty tree needs an empty proof")
        return
    if not proof:
        raise VerificationFailed("empty consistency proof")
    proof = list(proof)
    if m & (m - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        proof = [old_root] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise VerificationFailed("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationFailed("the consistency proof is too short")
    if fr != old_root:
        raise VerificationFailed(f"the proof does not rebuild the old root (size {m})",
                                 segment=m)
    if sr != new_root:
        raise VerificationFailed(f"the proof does not rebuild the new root (size {n})",
                                 segment=n)


# ---- digests ---------------------------------------------------------------------------------

def load_public_key(pem: str | bytes):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    k = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(k, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return k


def key_id(public_key) -> str:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    return hashlib.sha256(public_key.public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)).hexdigest()


def digest_dict(d: Any) -> dict:
    """A digest as a plain dict (from a SignedDigest message or a dict read from JSON)."""
    if isinstance(d, Mapping):
        return {k: d[k] for k in DIGEST_FIELDS + ("signature",)}
    return {k: getattr(d, k) for k in DIGEST_FIELDS + ("signature",)}


def verify_digest(d: Any, public_key) -> dict:  # type: ignore[no-untyped-def]
    """Check a signed digest with a public key you hold; returns it as a dict."""
    from cryptography.exceptions import InvalidSignature
    try:
        d = digest_dict(d)
        for k in ("position", "segment", "signed_at_us"):
            if not isinstance(d[k], int) or isinstance(d[k], bool) or d[k] < 0:
                raise VerificationFailed(f"digest field {k} is not a count")
        msg = DIGEST_DOMAIN + canonical_bytes({k: d[k] for k in DIGEST_FIELDS})
        sig = bytes.fromhex(d["signature"])
        root = bytes.fromhex(d["merkle_root"])
        bytes.fromhex(d["head_hash"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise VerificationFailed(f"not a signed digest: {e}") from None
    if d["key_id"] != key_id(public_key):
        raise VerificationFailed("the digest names another signing key", segment=d["segment"])
    try:
        public_key.verify(sig, msg)
    except InvalidSignature:
        raise VerificationFailed("the digest's signature does not verify",
                                 segment=d["segment"]) from None
    if len(root) != 32:
        raise VerificationFailed("the Merkle root is not a 32-byte hash", segment=d["segment"])
    return d


# ---- inclusion proofs ------------------------------------------------------------------------

def verify_inclusion(proof: Any, digest: Mapping[str, Any]) -> dict:
    """Check one entry's proof against a digest already verified with `verify_digest`;
    returns the entry's record (parsed from the proof and re-canonicalised here)."""
    p = proof
    position = int(p.position)
    try:
        record = json.loads(p.entry_json)
        data = canonical_bytes(record)
    except (ValueError, TypeError) as e:
        raise VerificationFailed(f"entry {position}: not a JSON record: {e}",
                                 position=position) from None
    if not isinstance(record, dict) or record.get("position") != position \
            or record.get("segment") != p.segment:
        raise VerificationFailed(f"entry {position}: the record is not the entry asked for",
                                 position=position)
    if p.segment_index != p.segment - 1 or p.tree_segments != digest["segment"]:
        raise VerificationFailed(f"entry {position}: the proof is for another tree than the "
                                 "digest's", position=position)
    if position > digest["position"]:
        raise VerificationFailed(f"entry {position} is after the digest's position "
                                 f"{digest['position']}", position=position)
    try:
        seg_hash = bytes.fromhex(p.segment_hash)
    except ValueError:
        seg_hash = b""
    if len(seg_hash) != 32:
        raise VerificationFailed(f"entry {position}: bad segment hash", position=position)
    try:
        entries_root = root_from_path(p.index_in_segment, p.segment_entries, leaf_hash(data),
                                      list(p.entry_path))
        root = root_from_path(p.segment_index, p.tree_segments,
                              leaf_hash(seg_hash + entries_root), list(p.segment_path))
    except VerificationFailed as e:
        raise VerificationFailed(f"entry {position}: {e}", position=position) from None
    if root != bytes.fromhex(digest["merkle_root"]):
        raise VerificationFailed(f"entry {position}: the path does not lead to the signed "
                                 "Merkle root", position=position)
    if p.segment == digest["segment"] and p.segment_hash != digest["head_hash"]:
        raise VerificationFailed(f"entry {position}: its segment's hash is not the signed head",
                                 position=position)
    return record


# ---- the client ------------------------------------------------------------------------------

class AuditClient:
    """AuditService calls, each answer verified locally against a public key you hold.

    The default timeout is long: the first audit call after a server starts builds the
    Merkle tree of the whole log (see docs/audit.md for the time per million entries).
    """

    def __init__(self, target: str = "", *, public_key_pem: str | bytes | None = None,
                 channel: grpc.Channel | None = None, timeout_s: float = 300.0) -> None:
        self._owns_channel = channel is None
        self._channel = channel if channel is not None else grpc.insecure_channel(
            target, options=[("grpc.max_receive_message_length", 64 << 20)])
        self._stub = agrpc.AuditServiceStub(self._channel)
        self.timeout_s = timeout_s
        self.public_key = load_public_key(public_key_pem) if public_key_pem else None

    def close(self) -> None:
        if self._owns_channel:
            self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rpc(self, name: str, request: Any) -> Any:
        try:
            return getattr(self._stub, name)(request, timeout=self.timeout_s)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None

    def _key(self):  # type: ignore[no-untyped-def]
        if self.public_key is None:
            raise VerificationFailed("no trusted public key: pass public_key_pem (fetch it "
                                     "once with fetch_public_key_pem and keep it elsewhere)")
        return self.public_key

    def fetch_public_key_pem(self) -> str:
        """The server's public key, as the server says it (trust on first use: store it)."""
        return self._rpc("GetPublicKey", apb.GetPublicKeyRequest()).pem

    def signed_digest(self, segment: int = 0) -> dict:
        """The head's (or an earlier segment's) digest, signature verified."""
        return verify_digest(self._rpc("GetSignedDigest",
                                       apb.GetSignedDigestRequest(segment=segment)), self._key())

    def prove(self, positions: Iterable[int] = (), digest: Mapping[str, Any] | None = None, *,
              customer_id: str = "", as_of: str = "") -> list[dict]:
        """Records of the entries at `positions` (or every line of a customer statement),
        each proven under `digest` (default: a fresh head digest, verified)."""
        req = apb.GetInclusionProofRequest(positions=list(positions), customer_id=customer_id,
                                           as_of=as_of,
                                           segment=int(digest["segment"]) if digest else 0)
        resp = self._rpc("GetInclusionProof", req)
        got = verify_digest(resp.digest, self._key())
        if digest is not None and got["merkle_root"] != digest["merkle_root"]:
            raise VerificationFailed("the proofs come under another root than the digest "
                                     "given", segment=int(digest["segment"]))
        asked = list(req.positions)
        got_positions = [p.position for p in resp.proofs]
        if len(got_positions) < len(asked):
            raise VerificationFailed("the server proved fewer positions than asked",
                                     position=asked[len(got_positions)])
        for want, have in zip(asked, got_positions):
            if want != have:
                raise VerificationFailed(f"asked to prove position {want}, got a proof of "
                                         f"{have}", position=want)
        return [verify_inclusion(p, got) for p in resp.proofs]

    def verify_range(self, old: Mapping[str, Any], new: Mapping[str, Any] | None = None) -> dict:
        """Check that the log under `new` (default: the head) extends the log under `old`:
        both signatures, the server's recheck of the chain, and the consistency proof
        (recomputed here). Returns the newer digest."""
        key = self._key()
        old = verify_digest(old, key)
        req = apb.VerifyRangeRequest()
        if new is not None:
            req.to.CopyFrom(apb.SignedDigest(**digest_dict(new)))
        getattr(req, "from").CopyFrom(apb.SignedDigest(**digest_dict(old)))
        resp = self._rpc("VerifyRange", req)
        to = verify_digest(resp.to, key)
        if new is not None and to["merkle_root"] != verify_digest(new, key)["merkle_root"]:
            raise VerificationFailed("the server checked another digest than the one given")
        if not resp.ok:
            raise VerificationFailed(f"segment {resp.first_bad_segment}: {resp.problem}",
                                     segment=resp.first_bad_segment,
                                     position=resp.first_bad_position)
        verify_consistency(old["segment"], to["segment"], bytes.fromhex(old["merkle_root"]),
                           bytes.fromhex(to["merkle_root"]), list(resp.consistency_proof))
        return to

    def _stream(self, name: str, request: Any) -> tuple[dict, Iterator[dict]]:
        try:
            it = getattr(self._stub, name)(request, timeout=None)
            first = next(it)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None
        if first.WhichOneof("item") != "digest":
            raise VerificationFailed("the export does not start with its digest")
        d = verify_digest(first.digest, self._key()) if self.public_key else \
            digest_dict(first.digest)

        def records() -> Iterator[dict]:
            try:
                for item in it:
                    yield json.loads(item.entry_json)
            except grpc.RpcError as e:
                raise from_rpc_error(e) from None
        return d, records()

    def export(self, *, customer_id: str = "", entry_types: Sequence[str] = (),
               effective_from: str = "", effective_to: str = "",
               recorded_from_us: int | None = None,
               recorded_to_us: int | None = None) -> tuple[dict, Iterator[dict]]:
        """(the digest the export was made under, its records in log order)."""
        req = apb.ExportLogRequest(customer_id=customer_id, entry_types=list(entry_types),
                                   effective_from=effective_from, effective_to=effective_to)
        for name, us in (("recorded_from", recorded_from_us), ("recorded_to", recorded_to_us)):
            if us is not None:
                getattr(req, name).FromMicroseconds(us)
        return self._stream("ExportLog", req)

    def history(self, *, invoice_id: str = "", customer_id: str = "") -> tuple[dict,
                                                                                Iterator[dict]]:
        """Every entry that touched an invoice or a customer, in order, under a digest."""
        return self._stream("GetHistory", apb.GetHistoryRequest(invoice_id=invoice_id,
                                                                customer_id=customer_id))


# ---- export files ------------------------------------------------------------------------------

def write_jsonl(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """One canonical record per line (each line is the entry's canonical bytes)."""
    n = 0
    for r in records:
        out.write(canonical_bytes(r).decode("utf-8") + "\n")
        n += 1
    return n


def write_csv(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """Envelope columns, then `fields` as canonical JSON text (record_from_csv inverts it)."""
    w = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    n = 0
    for r in records:
        row = {k: r[k] for k in CSV_COLUMNS if k != "fields"}
        row["fields"] = json.dumps(r["fields"], sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False)
        w.writerow(row)
        n += 1
    return n


def record_from_csv(row: Mapping[str, str]) -> dict:
    rec: dict[str, Any] = {k: row[k] for k in CSV_COLUMNS if k != "fields"}
    for k in ("position", "segment", "recorded_at_us"):
        rec[k] = int(rec[k])
    rec["fields"] = json.loads(row["fields"])
    return rec


__all__ = ["AuditClient", "VerificationFailed", "verify_digest", "verify_inclusion",
           "verify_consistency", "root_from_path", "canonical_bytes", "leaf_hash", "node_hash",
           "load_public_key", "key_id", "write_jsonl", "write_csv", "record_from_csv"]
