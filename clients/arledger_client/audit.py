"""Audit client: fetch signed digests, proofs, exports and histories, and verify them here.

Nothing the server says is taken on trust. A digest counts only when its Ed25519
signature verifies with a public key *you* hold (fetched once and stored outside
arledger, e.g. `arledger audit public-key > ledger.pub.pem`). An inclusion proof counts
only when every hash on its path, recomputed here from the entry's canonical record,
leads to the signed Merkle root. A consistency proof counts only when it rebuilds both
signed roots. Any failure raises `VerificationFailed` naming the position or segment,
malformed input included (never a bare TypeError, ValueError or RecursionError). Give
`log=` (the signed `log` field, e.g. "arledger-log-p0") to refuse digests of another log.

    from arledger_client.audit import AuditClient
    pem = open("ledger.pub.pem").read()
    with AuditClient("127.0.0.1:50051", public_key_pem=pem) as audit:
        digest = audit.signed_digest()               # verified
        for rec in audit.prove([1, 2, 3], digest):    # verified records
            print(rec["position"], rec["type"])

The hashing follows RFC 6962 (leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || l || r))
on a two-level tree whose upper level (one leaf per segment) is a sum tree: each node also
commits to the entries below it, so positions are derived here, not taken from the server;
see docs/audit.md. This module needs only hashlib, json and
`cryptography`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeGuard

import grpc

from arledger_client.connection import Connection
from arledger_client.credentials import Credentials
from arledger_client.errors import from_rpc_error
from arledger_client.v1 import audit_pb2 as apb
from arledger_client.v1 import audit_pb2_grpc as agrpc

if TYPE_CHECKING:  # imported where used: a plain import of the SDK does not load it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DIGEST_DOMAIN = b"arledger-signed-digest-v1\n"
DIGEST_FIELDS = ("log", "position", "segment", "head_hash", "merkle_root", "signed_at_us",
                 "key_id")
CSV_COLUMNS = ("position", "segment", "recorded_at_us", "type", "effective_date",
               "request_id", "actor", "reason", "customer_id", "fields")
# The log tree's leaf for a segment starts with its first position (u64) and entry count
# (u32), big endian, then its chain hash and its entries' root (docs/audit.md).
_SEGMENT_LEAF_HEAD = struct.Struct(">QI")
_INT_MAX = (1 << 63) - 1     # the wire's int64
_COUNT_MAX = (1 << 32) - 1   # entries in one segment (u32 in the leaf)
_COUNT = struct.Struct(">Q")
_EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of a tree of nothing (RFC 6962)
PROVE_BATCH = 100_000        # positions per GetInclusionProof request (the server's limit)


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


def _is_count(v: Any, top: int = _INT_MAX) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= top


def segment_leaf(first_position: int, count: int, segment_hash: bytes,
                 entries_root: bytes) -> bytes:
    """The log tree's leaf of a segment: binds the positions it holds, its chain hash and
    its entries' root."""
    return leaf_hash(_SEGMENT_LEAF_HEAD.pack(first_position, count) + segment_hash
                     + entries_root)


def sum_node(left: tuple[bytes, int], right: tuple[bytes, int]) -> tuple[bytes, int]:
    """An inner node of the log's tree (a sum tree): (SHA-256(0x02 || left entries (u64, big
    endian) || left hash || right entries || right hash), left entries + right entries)."""
    (lh, lc), (rh, rc) = left, right
    if lc + rc > _INT_MAX:
        raise VerificationFailed(f"entry counts add up to {lc + rc}, beyond any log")
    return _h(b"\x02" + _COUNT.pack(lc) + lh + _COUNT.pack(rc) + rh), lc + rc


def tree_node(n: Any) -> tuple[bytes, int]:
    """A node of the log's tree as (hash, entries): from a TreeNode message, a mapping with
    `hash` and `entries`, or a (hash, entries) pair. VerificationFailed when it is not one."""
    try:
        if isinstance(n, Mapping):
            h, c = n["hash"], n["entries"]
        elif isinstance(n, (tuple, list)):
            h, c = n
        else:
            h, c = n.hash, n.entries
    except (KeyError, AttributeError, TypeError, ValueError):
        raise VerificationFailed("a path element is not a (hash, entries) node") from None
    if not isinstance(h, (bytes, bytearray)) or len(h) != 32:
        raise VerificationFailed("a path element is not a 32-byte hash")
    if not _is_count(c, _INT_MAX):
        raise VerificationFailed(f"a path element's entry count {c!r} is not a count")
    return bytes(h), c


def _walk_path(index: int, size: int, leaf: Any, path: Sequence[Any],
               combine: Callable[[Any, Any], Any], check: Callable[[Any], Any]
               ) -> tuple[Any, list[Any]]:
    """RFC 9162 section 2.1.3.2: the root an inclusion path leads to, and the path's left
    siblings (the subtrees before the leaf). Raises VerificationFailed when the path cannot
    belong to a tree of `size` leaves (wrong length, index out of range, a bad element)."""
    if not _is_count(index) or not _is_count(size) or not index < size:
        raise VerificationFailed(f"leaf index {index!r} is outside a tree of {size!r}")
    fn, sn, r, left = index, size - 1, leaf, []
    for p in _as_list(path, "the path"):
        p = check(p)
        if sn == 0:
            raise VerificationFailed("the path is longer than the tree is deep")
        if fn & 1 or fn == sn:  # p is a left sibling
            left.append(p)
            r = combine(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = combine(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationFailed("the path is shorter than the tree is deep")
    return r, left


def _as_list(v: Any, what: str) -> list[Any]:
    """A sequence the server sent, as a list; VerificationFailed when it is not one."""
    if isinstance(v, (str, bytes, bytearray, Mapping)):
        raise VerificationFailed(f"{what}: not a list")
    try:
        return list(v)
    except TypeError:
        raise VerificationFailed(f"{what}: not a list") from None


def _hash32(p: Any) -> bytes:
    if not isinstance(p, (bytes, bytearray)) or len(p) != 32:
        raise VerificationFailed("a path element is not a 32-byte hash")
    return bytes(p)


def root_from_path(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root an RFC 6962 inclusion path (of an entries tree: bare hashes) leads to.

    Raises VerificationFailed when the path cannot belong to a tree of `size` leaves
    (wrong length, index out of range, a hash that is not 32 bytes).
    """
    root: bytes = _walk_path(index, size, leaf, path, node_hash, _hash32)[0]
    return root


def log_root_from_path(index: int, size: int, leaf: tuple[bytes, int],
                       path: Sequence[Any]) -> tuple[bytes, int, int]:
    """Walk a segment's path in the log's sum tree: (root hash, entries under the root,
    entries before the segment). The segment's first position is the last plus one: the
    server does not say it, the counts the root commits to do."""
    (root, total), left = _walk_path(index, size, tree_node(leaf), path, sum_node, tree_node)
    return root, total, sum(c for _, c in left)


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[Any], *, old_entries: int, new_entries: int) -> None:
    """Check an RFC 6962 consistency proof between two trees of the log (RFC 9162 section
    2.1.4.2): the tree of m segments, with root hash `old_root` over `old_entries` entries,
    is a prefix of the tree of n segments (`new_root`, `new_entries`). The proof's nodes
    carry entry counts (TreeNode messages, or (hash, entries) pairs), so both roots are
    rebuilt with the entries they hold. Raises VerificationFailed."""
    if not _is_count(m) or not _is_count(n) or not m <= n:
        raise VerificationFailed(f"sizes {m!r} and {n!r} are not in order")
    if not _is_count(old_entries, _INT_MAX) or not _is_count(new_entries, _INT_MAX) \
            or not old_entries <= new_entries:
        raise VerificationFailed(f"entry counts {old_entries!r} and {new_entries!r} are not "
                                 "in order")
    if not isinstance(old_root, (bytes, bytearray)) or not isinstance(new_root,
                                                                    (bytes, bytearray)):
        raise VerificationFailed("a root is not a hash")
    old, new = (bytes(old_root), old_entries), (bytes(new_root), new_entries)
    nodes = [tree_node(p) for p in _as_list(proof, "the consistency proof")]
    if m == 0 and old != (_EMPTY_ROOT, 0):
        raise VerificationFailed("the tree of no segments has the empty root and no entries")
    if m == n:
        if nodes or old != new:
            raise VerificationFailed("equal sizes need equal roots and an empty proof")
        return
    if m == 0:
        if nodes:
            raise VerificationFailed("the empty tree needs an empty proof")
        return
    if not nodes:
        raise VerificationFailed("empty consistency proof")
    if m & (m - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        nodes = [old] + nodes
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise VerificationFailed("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = sum_node(c, fr)
            sr = sum_node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = sum_node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationFailed("the consistency proof is too short")
    if fr != old:
        raise VerificationFailed(f"the proof does not rebuild the old root and its "
                                 f"{old_entries} entries (size {m})", segment=m)
    if sr != new:
        raise VerificationFailed(f"the proof does not rebuild the new root and its "
                                 f"{new_entries} entries (size {n})", segment=n)


# ---- digests ---------------------------------------------------------------------------------

def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM; VerificationFailed for anything else."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    try:
        k = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise VerificationFailed(f"not a PEM public key: {e}") from None
    if not isinstance(k, Ed25519PublicKey):
        raise VerificationFailed("not an Ed25519 public key")
    return k


def key_id(public_key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization
    return hashlib.sha256(public_key.public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)).hexdigest()


def digest_dict(d: Any) -> dict[str, Any]:
    """A digest as a plain dict (from a SignedDigest message or a dict read from JSON)."""
    if isinstance(d, Mapping):
        return {k: d[k] for k in DIGEST_FIELDS + ("signature",)}
    return {k: getattr(d, k) for k in DIGEST_FIELDS + ("signature",)}


def verify_digest(d: Any, public_key: Ed25519PublicKey,
                  log: str | None = None) -> dict[str, Any]:
    """Check a signed digest with a public key you hold; returns it as a dict. With `log`,
    the digest must also be of that log (its signed `log` field)."""
    from cryptography.exceptions import InvalidSignature
    try:
        d = digest_dict(d)
        for k in ("position", "segment", "signed_at_us"):
            if not _is_count(d[k]):
                raise VerificationFailed(f"digest field {k} is not a count")
        for k in ("log", "head_hash", "merkle_root", "key_id", "signature"):
            if not isinstance(d[k], str):
                raise VerificationFailed(f"digest field {k} is not a string")
        msg = DIGEST_DOMAIN + canonical_bytes({k: d[k] for k in DIGEST_FIELDS})
        sig = bytes.fromhex(d["signature"])
        root = bytes.fromhex(d["merkle_root"])
        head = bytes.fromhex(d["head_hash"])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise VerificationFailed(f"not a signed digest: {e}") from None
    if len(head) != 32:
        raise VerificationFailed("the head hash is not a 32-byte hash", segment=d["segment"])
    if log is not None and d["log"] != log:
        raise VerificationFailed(f"the digest is of the log {d['log']!r}, not {log!r}",
                                 segment=d["segment"])
    if d["key_id"] != key_id(public_key):
        raise VerificationFailed("the digest names another signing key", segment=d["segment"])
    try:
        public_key.verify(sig, msg)
    except InvalidSignature:
        raise VerificationFailed("the digest's signature does not verify",
                                 segment=d["segment"]) from None
    if len(root) != 32:
        raise VerificationFailed("the Merkle root is not a 32-byte hash", segment=d["segment"])
    checked: dict[str, Any] = d
    return checked


# ---- inclusion proofs ------------------------------------------------------------------------

_PROOF_INTS = ("position", "segment", "index_in_segment", "segment_entries", "segment_index",
               "tree_segments")
_PROOF_FIELDS = _PROOF_INTS + ("entry_json", "segment_hash", "entry_path", "segment_path")


def _proof_fields(p: Any) -> dict[str, Any]:
    """A proof's fields (an InclusionProof message, or a mapping / object with the same
    names); VerificationFailed when one is missing or of the wrong type."""
    try:
        f = {k: (p[k] if isinstance(p, Mapping) else getattr(p, k)) for k in _PROOF_FIELDS}
    except (KeyError, AttributeError, TypeError) as e:
        raise VerificationFailed(f"not an inclusion proof: missing {e}") from None
    position = f["position"] if _is_count(f["position"]) else 0
    for k in _PROOF_INTS:
        if not _is_count(f[k]):
            raise VerificationFailed(f"entry {position}: proof field {k} is not a count",
                                     position=position)
    for k in ("entry_json", "segment_hash"):
        if not isinstance(f[k], str):
            raise VerificationFailed(f"entry {position}: proof field {k} is not a string",
                                     position=position)
    try:
        f["entry_path"], f["segment_path"] = list(f["entry_path"]), list(f["segment_path"])
    except TypeError:
        raise VerificationFailed(f"entry {position}: a path is not a list",
                                 position=position) from None
    return f


def _check_inclusion(proof: Any, digest: Mapping[str, Any],
                     position: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """verify_inclusion, also returning what the proof says of its segment (segment,
    first_position, count, hash) for the checks across a batch."""
    p = _proof_fields(proof)
    pos = p["position"]

    def fail(msg: str) -> VerificationFailed:
        return VerificationFailed(f"entry {pos}: {msg}", position=pos)

    if position is not None and pos != position:
        raise VerificationFailed(f"asked to prove position {position}, got a proof of {pos}",
                                 position=position)
    try:
        record = json.loads(p["entry_json"])
        data = canonical_bytes(record)
    except (ValueError, TypeError, RecursionError) as e:
        raise fail(f"not a JSON record: {str(e)[:80]}") from None
    if not isinstance(record, dict) or not _is_count(record.get("position")) \
            or not _is_count(record.get("segment")) \
            or record["position"] != pos or record["segment"] != p["segment"]:
        raise fail("the record is not the entry asked for")
    if pos < 1 or p["segment"] < 1:
        raise fail("positions and segments start at 1")
    if p["segment_index"] != p["segment"] - 1 or p["tree_segments"] != digest["segment"]:
        raise fail("the proof is for another tree than the digest's")
    if pos > digest["position"]:
        raise fail(f"it is after the digest's position {digest['position']}")
    count, index = p["segment_entries"], p["index_in_segment"]
    if not 1 <= count <= _COUNT_MAX or not index < count:
        raise fail(f"index {index} is outside a segment of {count} entries")
    first = pos - index  # the position the segment must start at for this entry to be `pos`
    if first < 1:
        raise fail(f"index {index} in its segment puts the segment before position 1")
    try:
        seg_hash = bytes.fromhex(p["segment_hash"])
    except ValueError:
        seg_hash = b""
    if len(seg_hash) != 32:
        raise fail("bad segment hash")
    try:
        entries_root = root_from_path(index, count, leaf_hash(data), p["entry_path"])
        root, total, before = log_root_from_path(
            p["segment_index"], p["tree_segments"],
            (segment_leaf(first, count, seg_hash, entries_root), count), p["segment_path"])
    except VerificationFailed as e:
        raise fail(str(e)) from None
    if root != bytes.fromhex(digest["merkle_root"]):
        raise fail("the path does not lead to the signed Merkle root")
    # The root commits to the entries left of the segment: they, not the leaf's own claim,
    # say where it starts, so under one root no two segments hold one position.
    if before + 1 != first:
        raise fail(f"the signed tree holds {before} entries before its segment, so the "
                   f"segment starts at {before + 1}, not at {first}")
    if total != digest["position"]:
        raise fail(f"the signed tree holds {total} entries, the digest says position "
                   f"{digest['position']}")
    if p["segment"] == digest["segment"]:
        if p["segment_hash"] != digest["head_hash"]:
            raise fail("its segment's hash is not the signed head")
        if first + count - 1 != digest["position"]:
            raise fail("its segment does not end at the signed head position")
    return record, {"segment": p["segment"], "first": first, "count": count,
                    "hash": p["segment_hash"]}


def verify_inclusion(proof: Any, digest: Mapping[str, Any],
                     position: int | None = None) -> dict[str, Any]:
    """Check one entry's proof against a digest already verified with `verify_digest`;
    returns the entry's record (parsed from the proof and re-canonicalised here).

    The entry's leaf is bound to its index in its segment, the segment's leaf to its first
    position and entry count, and the log's tree (a sum tree) to the entries before each
    segment, so the record's position is the one the signed tree gives it, whoever built
    the tree. `position`, when given, is the position asked for.
    """
    return _check_inclusion(proof, digest, position)[0]


def verify_proofs(proofs: Sequence[Any], digest: Mapping[str, Any], *,
                  positions: Sequence[int] = (), customer_id: str = "",
                  as_of: str = "") -> list[dict[str, Any]]:
    """Check a GetInclusionProof answer: one proof per position asked, in the order asked,
    then (with `customer_id`) the statement's lines: each of that customer, effective on or
    before `as_of`, at distinct ascending positions. Proofs of one segment must agree on it,
    and the segments' position ranges must follow each other without overlap. Returns the
    records. An inclusion proof shows a line is in the log; it cannot show that no line of
    the statement was left out."""
    asked = list(positions)
    if not all(_is_count(x) for x in asked):
        raise VerificationFailed("positions must be counts")
    proofs = _as_list(proofs, "the proofs")
    if len(proofs) < len(asked):
        raise VerificationFailed("the server proved fewer positions than asked",
                                 position=asked[len(proofs)])
    if len(proofs) > len(asked) and not customer_id:
        raise VerificationFailed("the server sent more proofs than positions asked")
    records: list[dict[str, Any]] = []
    segments: dict[int, dict[str, Any]] = {}
    last = 0
    for i, p in enumerate(proofs):
        rec, seg = _check_inclusion(p, digest, asked[i] if i < len(asked) else None)
        pos = rec["position"]
        if i >= len(asked):  # a statement line
            if rec.get("customer_id") != customer_id:
                raise VerificationFailed(f"entry {pos}: a line of the statement of "
                                         f"{customer_id!r} belongs to "
                                         f"{rec.get('customer_id')!r}", position=pos)
            if pos <= last:
                raise VerificationFailed(f"entry {pos}: statement lines repeat or are out "
                                         "of order", position=pos)
            eff = rec.get("effective_date")
            if as_of and (not isinstance(eff, str) or eff > as_of):
                raise VerificationFailed(f"entry {pos}: effective {eff!r}, after the "
                                         f"statement date {as_of}", position=pos)
            last = pos
        known = segments.setdefault(seg["segment"], seg)
        if known != seg:
            raise VerificationFailed(f"entry {pos}: proofs disagree on segment "
                                     f"{seg['segment']}", position=pos, segment=seg["segment"])
        records.append(rec)
    # The segments proven must hold consecutive, non-overlapping position ranges.
    prev = None
    for n in sorted(segments):
        seg = segments[n]
        if n == 1 and seg["first"] != 1:
            raise VerificationFailed("segment 1 does not start at position 1", segment=1)
        if prev is not None:
            end = prev["first"] + prev["count"]
            if seg["first"] < end or (n == prev["segment"] + 1 and seg["first"] != end):
                raise VerificationFailed(f"segment {n} starts at position {seg['first']}; "
                                         f"segment {prev['segment']} ends at {end - 1}",
                                         segment=n, position=seg["first"])
        prev = seg
    return records


# ---- the client ------------------------------------------------------------------------------

class AuditClient(Connection):
    """AuditService calls, each answer verified locally against a public key you hold.

    `log`, when given, is the log the digests must be of (their signed `log` field, e.g.
    "arledger-log-p0"): partitions of one data directory share a signing key, so without it
    a digest of another partition's log would verify too.

    The default timeout is long: the first audit call after a server starts builds the
    Merkle tree of the whole log (see docs/audit.md for the time per million entries).
    """

    public_key: Ed25519PublicKey | None = None
    log: str | None = None

    def __init__(self, target: str = "", *, public_key_pem: str | bytes | None = None,
                 channel: grpc.Channel | None = None, timeout_s: float = 300.0,
                 log: str | None = None, credentials: Credentials | None = None) -> None:
        self.public_key = load_public_key(public_key_pem) if public_key_pem else None
        self.log = log
        super().__init__(target, channel, timeout_s, credentials)
        self._stub = agrpc.AuditServiceStub(self._channel)

    def _rpc(self, name: str, request: Any) -> Any:
        return self._unary(self._stub, name, request)

    def _key(self) -> Ed25519PublicKey:
        if self.public_key is None:
            raise VerificationFailed("no trusted public key: pass public_key_pem (fetch it "
                                     "once with fetch_public_key_pem and keep it elsewhere)")
        return self.public_key

    def fetch_public_key_pem(self) -> str:
        """The server's public key, as the server says it (trust on first use: store it)."""
        pem: str = self._rpc("GetPublicKey", apb.GetPublicKeyRequest()).pem
        return pem

    def signed_digest(self, segment: int = 0) -> dict[str, Any]:
        """The head's (or an earlier segment's) digest, signature verified."""
        if not _is_count(segment):
            raise VerificationFailed(f"segment {segment!r} is not a count")
        d = verify_digest(self._rpc("GetSignedDigest", apb.GetSignedDigestRequest(
            segment=segment)), self._key(), self.log)
        if segment and d["segment"] != segment:
            raise VerificationFailed(f"asked for the digest of segment {segment}, got one of "
                                     f"segment {d['segment']}", segment=segment)
        return d

    def unverified_digest(self, segment: int = 0) -> dict[str, Any]:
        """The head's (or an earlier segment's) digest as the server sends it, marked
        `"verified": False`: for showing when no key is held, never for trusting."""
        if not _is_count(segment):
            raise VerificationFailed(f"segment {segment!r} is not a count")
        return dict(digest_dict(self._rpc("GetSignedDigest", apb.GetSignedDigestRequest(
            segment=segment))), verified=False)

    def inclusion_proof(self, positions: Iterable[int] = (), *, customer_id: str = "",
                        as_of: str = "", segment: int = 0) -> apb.InclusionProofs:
        """The server's answer to GetInclusionProof as it came (the digest and one proof per
        position, or per statement line), not verified: for a tool that keeps the proofs
        and checks them itself with verify_digest and verify_proofs."""
        proofs: apb.InclusionProofs = self._rpc("GetInclusionProof", apb.GetInclusionProofRequest(
            positions=list(positions), customer_id=customer_id, as_of=as_of, segment=segment))
        return proofs

    def prove(self, positions: Iterable[int] = (), digest: Mapping[str, Any] | None = None, *,
              customer_id: str = "", as_of: str = "") -> list[dict[str, Any]]:
        """Records of the entries at `positions` (or every line of a customer statement),
        each proven under `digest` (default: a fresh head digest, verified).

        A statement's lines are each proven to be in the log, of that customer, at distinct
        positions; that the server left none out is not something inclusion proofs show."""
        return self.prove_with_digest(positions, digest, customer_id=customer_id,
                                      as_of=as_of)[1]

    def prove_with_digest(self, positions: Iterable[int] = (),
                          digest: Mapping[str, Any] | None = None, *, customer_id: str = "",
                          as_of: str = "") -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """`prove`, and the signed digest the proofs came under (verified): what a caller
        without the admin's GetSignedDigest (an auditor) shows as the proofs' evidence."""
        key = self._key()
        given = verify_digest(digest, key, self.log) if digest is not None else None
        asked = list(positions)
        if not all(_is_count(x) for x in asked):
            raise VerificationFailed("positions must be counts")
        req = apb.GetInclusionProofRequest(positions=asked, customer_id=customer_id,
                                           as_of=as_of,
                                           segment=given["segment"] if given else 0)
        resp = self._rpc("GetInclusionProof", req)
        got = verify_digest(resp.digest, key, given["log"] if given else self.log)
        if given is not None and any(got[k] != given[k] for k in
                                     ("log", "segment", "position", "head_hash",
                                      "merkle_root")):
            raise VerificationFailed("the proofs come under another digest than the one "
                                     "given", segment=given["segment"])
        return got, verify_proofs(resp.proofs, got, positions=asked, customer_id=customer_id,
                                  as_of=as_of)

    def prove_records(self, records: Sequence[Mapping[str, Any]],
                      digest: Mapping[str, Any]) -> int:
        """Prove every record (of an export or a history) under the digest it came with:
        each must be, byte for byte in canonical form, the entry the signed tree holds at
        its position. Returns how many were proven."""
        positions = []
        for r in records:
            if not isinstance(r, Mapping) or not _is_count(r.get("position")):
                raise VerificationFailed("an exported line has no position")
            positions.append(r["position"])
        n = 0
        for lo in range(0, len(positions), PROVE_BATCH):
            chunk = positions[lo:lo + PROVE_BATCH]
            proven = self.prove(chunk, digest)
            for r, p in zip(records[lo:lo + PROVE_BATCH], proven):
                try:
                    same = canonical_bytes(r) == canonical_bytes(p)
                except (TypeError, ValueError, RecursionError):
                    same = False
                if not same:
                    raise VerificationFailed(f"entry {p['position']}: the exported line is "
                                             "not the entry the signed tree holds",
                                             position=p["position"])
                n += 1
        return n

    def verify_range(self, old: Mapping[str, Any],
                     new: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Check that the log under `new` (default: the head) extends the log under `old`:
        both signatures, the server's recheck of the chain, the consistency proof
        (recomputed here), and each digest's head hash, by proving its last entry under it.
        Returns the newer digest."""
        key = self._key()
        old = verify_digest(old, key, self.log)
        newv = verify_digest(new, key, old["log"]) if new is not None else None
        req = apb.VerifyRangeRequest()
        if newv is not None:
            req.to.CopyFrom(apb.SignedDigest(**newv))
        getattr(req, "from").CopyFrom(apb.SignedDigest(**old))
        resp = self._rpc("VerifyRange", req)
        to = verify_digest(resp.to, key, old["log"])
        if newv is not None and to != newv:
            raise VerificationFailed("the server checked another digest than the one given",
                                     segment=newv["segment"])
        if to["segment"] < old["segment"] or to["position"] < old["position"] or (
                newv is None and to["signed_at_us"] < old["signed_at_us"]):
            raise VerificationFailed(f"the newer digest (segment {to['segment']}, position "
                                     f"{to['position']}) is older than the one it should "
                                     f"extend (segment {old['segment']}, position "
                                     f"{old['position']})", segment=to["segment"])
        if to["segment"] == old["segment"] and any(to[k] != old[k] for k in
                                                   ("position", "head_hash", "merkle_root")):
            raise VerificationFailed(f"two digests of segment {old['segment']} disagree",
                                     segment=old["segment"])
        if not resp.ok:
            raise VerificationFailed(f"segment {resp.first_bad_segment}: {resp.problem}",
                                     segment=resp.first_bad_segment,
                                     position=resp.first_bad_position)
        verify_consistency(old["segment"], to["segment"], bytes.fromhex(old["merkle_root"]),
                           bytes.fromhex(to["merkle_root"]), list(resp.consistency_proof),
                           old_entries=old["position"], new_entries=to["position"])
        # The roots are consistent; the head hashes must be the ones the trees hold: the last
        # entry of each digest, proven under it, is in a segment whose hash is its head_hash
        # and which ends at its position (checked in _check_inclusion).
        for d in (old, to) if to["segment"] != old["segment"] else (to,):
            if d["position"]:
                self.prove([d["position"]], d)
        return to

    def _stream(self, name: str, request: Any, unverified: bool = False,
                wanted: Callable[[dict[str, Any]], str] | None = None,
                ) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        key = None if unverified and self.public_key is None else self._key()
        try:
            it = getattr(self._stub, name)(request, timeout=None)
            first = next(it)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None
        except StopIteration:
            raise VerificationFailed("the export does not start with its digest") from None
        if first.WhichOneof("item") != "digest":
            raise VerificationFailed("the export does not start with its digest")
        if key is not None:
            d = verify_digest(first.digest, key, self.log)
        else:
            d = dict(digest_dict(first.digest), verified=False)

        def records() -> Iterator[dict[str, Any]]:
            last = 0
            try:
                for item in it:
                    try:
                        rec = json.loads(item.entry_json)
                    except (ValueError, TypeError, RecursionError) as e:
                        raise VerificationFailed(f"an exported line is not JSON: "
                                                 f"{str(e)[:80]}", position=last) from None
                    pos = rec.get("position") if isinstance(rec, dict) else None
                    if not _is_count(pos) or pos <= last or pos > d["position"]:
                        raise VerificationFailed(
                            f"an exported line has position {pos!r}: lines come in log "
                            f"order, once each, up to the digest's position {d['position']}",
                            position=last)
                    why = wanted(rec) if wanted is not None else ""
                    if why:
                        raise VerificationFailed(f"entry {pos}: exported, but {why}",
                                                 position=pos)
                    last = pos
                    yield rec
            except grpc.RpcError as e:
                raise from_rpc_error(e) from None
        return d, records()

    def export(self, *, customer_id: str = "", entry_types: Sequence[str] = (),
               effective_from: str = "", effective_to: str = "",
               recorded_from_us: int | None = None,
               recorded_to_us: int | None = None,
               unverified: bool = False) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        """(the digest the export was made under, verified, and its records in log order).

        Each line is checked against the filter asked for (customer, types, periods) and
        the log order; its content is the server's until proven (`prove_records`). Without a
        public key this
        raises, unless `unverified=True`: then the digest comes back as the server sent it,
        marked `"verified": False`."""
        req = apb.ExportLogRequest(customer_id=customer_id, entry_types=list(entry_types),
                                   effective_from=effective_from, effective_to=effective_to)
        for name, us in (("recorded_from", recorded_from_us), ("recorded_to", recorded_to_us)):
            if us is not None:
                getattr(req, name).FromMicroseconds(us)
        types = set(entry_types)

        def wanted(r: dict[str, Any]) -> str:
            """What of the filter a line does not meet ("" when it meets all)."""
            eff, rec_us = r.get("effective_date"), r.get("recorded_at_us")
            if customer_id and r.get("customer_id") != customer_id:
                return f"its customer is {r.get('customer_id')!r}, not {customer_id!r}"
            if types and r.get("type") not in types:
                return f"its type {r.get('type')!r} was not asked for"
            if effective_from or effective_to:
                if not isinstance(eff, str):
                    return "it has no effective date"
                if (effective_from and eff < effective_from) or (effective_to
                                                                 and eff > effective_to):
                    return f"effective {eff} is outside the period asked for"
            if recorded_from_us is not None or recorded_to_us is not None:
                if not _is_count(rec_us) or (recorded_from_us is not None
                                             and rec_us < recorded_from_us) or (
                        recorded_to_us is not None and rec_us >= recorded_to_us):
                    return f"recorded at {rec_us!r}, outside the period asked for"
            return ""
        return self._stream("ExportLog", req, unverified, wanted)

    def history(self, *, invoice_id: str = "", customer_id: str = "",
                unverified: bool = False) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        """Every entry that touched an invoice or a customer, in order, under a digest
        (verified as for `export`)."""
        def wanted(r: dict[str, Any]) -> str:
            if customer_id and r.get("customer_id") != customer_id:
                return f"its customer is {r.get('customer_id')!r}, not {customer_id!r}"
            return ""
        return self._stream("GetHistory", apb.GetHistoryRequest(invoice_id=invoice_id,
                                                                customer_id=customer_id),
                            unverified, wanted)


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


def record_from_csv(row: Mapping[str, str]) -> dict[str, Any]:
    rec: dict[str, Any] = {k: row[k] for k in CSV_COLUMNS if k != "fields"}
    for k in ("position", "segment", "recorded_at_us"):
        rec[k] = int(rec[k])
    rec["fields"] = json.loads(row["fields"])
    return rec


__all__ = ["AuditClient", "VerificationFailed", "verify_digest", "verify_inclusion",
           "verify_proofs", "segment_leaf", "verify_consistency", "root_from_path",
           "log_root_from_path", "sum_node", "tree_node",
           "canonical_bytes", "leaf_hash", "node_hash",
           "load_public_key", "key_id", "write_jsonl", "write_csv", "record_from_csv"]
