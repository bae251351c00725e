"""AuditService: signed digests, inclusion and consistency proofs, export, history.

The Merkle tree is built lazily from the stored segments (audit.MerkleLog) on the first
request that needs it and cached per segment; nothing here runs on the writer's path.
The signing key is loaded (or created, mode 0600) on the first request that needs it: beside
a SQLite log, or where ARLEDGER_KEY_FILE / `serve --key-file` says (audit.default_key_file);
a server whose clients never audit writes no key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc

from arledger import audit as A
from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine import Ledger
from arledger.server.requests import guard, streamed
from arledger.v1 import audit_pb2 as apb
from arledger.v1 import audit_pb2_grpc as agrpc

SERVICE = apb.DESCRIPTOR.services_by_name["AuditService"]
ERRORS_DOC = ("INVALID_ARGUMENT (DIGEST_INVALID, INVALID_POSITION, INVALID_SEGMENT, "
              "INVALID_FILTER, TOO_MANY_POSITIONS, MALFORMED_DATE, MALFORMED_ID, "
              "INVALID_TIMESTAMP), NOT_FOUND (CUSTOMER_NOT_FOUND, INVOICE_NOT_FOUND), "
              "FAILED_PRECONDITION (LOG_CORRUPT, KEY_UNAVAILABLE)")


def digest_to_pb(d: dict) -> apb.SignedDigest:
    return apb.SignedDigest(**d)


def digest_from_pb(m: apb.SignedDigest) -> dict:
    return {k: getattr(m, k) for k in A.DIGEST_FIELDS + ("signature",)}


def nodes_to_pb(nodes: list[tuple[bytes, int]]) -> list[apb.TreeNode]:
    """Nodes of the log's tree (hash, entries) as TreeNode messages."""
    return [apb.TreeNode(hash=h, entries=c) for h, c in nodes]


def proof_to_pb(p: dict) -> apb.InclusionProof:
    return apb.InclusionProof(
        position=p["position"], entry_json=p["line"],
        segment=p["segment"], segment_hash=p["segment_hash"],
        index_in_segment=p["index_in_segment"], segment_entries=p["segment_entries"],
        entry_path=p["entry_path"], segment_index=p["segment_index"],
        tree_segments=p["tree_segments"], segment_path=nodes_to_pb(p["segment_path"]))


class AuditServicer(agrpc.AuditServiceServicer):
    def __init__(self, ledger: Ledger, clock: Callable[[], int], key_file: Path) -> None:
        self.ledger = ledger
        self.clock = clock
        self.key_file = key_file
        self._signer: A.Signer | None = None
        self._lock = threading.Lock()

    @property
    def signer(self) -> A.Signer:
        with self._lock:
            if self._signer is None:
                # Only the log's writer keeps the node cache (one author per file), one file
                # per log: partitions of one data directory share the key, not the nodes.
                cache = None if self.ledger.follower else A.node_cache_path(
                    self.key_file, self.ledger.store.stream)
                self._signer = A.Signer(self.ledger, A.load_or_create_key(self.key_file),
                                        self.clock, cache)
            return self._signer

    @property
    def key(self):
        return self.signer.key

    @property
    def public_key(self):
        return self.signer.key.public_key()

    def _segment(self, n: int) -> int:
        if n < 0:
            raise error("INVALID_SEGMENT", "segment must be >= 0")
        return n

    @guard
    def GetSignedDigest(self, request, context):
        return digest_to_pb(self.signer.digest(self._segment(request.segment)))

    @guard
    def GetPublicKey(self, request, context):
        return apb.PublicKey(pem=A.public_pem(self.key), key_id=A.key_id(self.public_key),
                             algorithm="Ed25519")

    @guard
    def VerifyRange(self, request, context):
        if not request.HasField("from"):
            raise error("DIGEST_INVALID", "`from` needs a digest saved earlier")
        old = digest_from_pb(getattr(request, "from"))
        A.check_digest(old, self.public_key)
        if request.HasField("to"):
            new = digest_from_pb(request.to)
            A.check_digest(new, self.public_key)
        else:
            new = self.signer.digest(0)
        if old["segment"] > new["segment"]:
            raise error("DIGEST_INVALID", f"`from` (segment {old['segment']}) is newer than "
                        f"`to` (segment {new['segment']})")
        with self.ledger.reading() as S:
            head = S.head_seq
        if new["segment"] > head:
            raise error("INVALID_SEGMENT", f"the digest covers segment {new['segment']}; the "
                        f"log head is {head}")
        # The stored bytes between the two digests (from the older digest's segment on).
        rep = A.check_log(self.ledger.store.read(after_seq=max(old["segment"] - 1, 0)),
                          [d for d in (old, new) if d["segment"]], merkle=False,
                          upto_segment=new["segment"],
                          start=(old["segment"], old["position"]) if old["segment"] else None,
                          log=self.ledger.store.stream)
        resp = apb.VerifyRangeResponse(ok=rep.ok, first_bad_segment=rep.first_bad_segment,
                                       first_bad_position=rep.first_bad_position,
                                       problem=rep.problem,
                                       segments_checked=rep.segments_checked,
                                       to=digest_to_pb(new))
        if not rep.ok:
            return resp
        # The Merkle roots this server computes for both sizes must be the signed ones.
        for d in (old, new):
            if self.signer.merkle.root(d["segment"]).hex() != d["merkle_root"]:
                resp.ok = False
                resp.first_bad_segment = d["segment"]
                resp.problem = (f"the Merkle root of the log up to segment {d['segment']} "
                                "differs from the signed one")
                return resp
        resp.consistency_proof.extend(nodes_to_pb(A.consistency_proof(
            self.signer.merkle.levels(new["segment"]), old["segment"], new["segment"],
            A.sum_node)))
        return resp

    @guard
    def GetInclusionProof(self, request, context):
        positions = list(request.positions)
        if request.customer_id:
            V.ident(request.customer_id, "customer_id")
            as_of = V.day(request.as_of, "as_of") if request.as_of else None
            with self.ledger.reading() as S:
                ix = S.customer_ix.get(request.customer_id)
                if ix is None:
                    raise error("CUSTOMER_NOT_FOUND", f"no customer {request.customer_id!r}")
                positions += A.statement_positions(S, ix, as_of).tolist()
        if len(positions) > limits.audit_positions_max:
            raise error("TOO_MANY_POSITIONS",
                        f"at most {limits.audit_positions_max:,} positions per request")
        d = self.signer.digest(self._segment(request.segment))
        out = apb.InclusionProofs(digest=digest_to_pb(d))
        # In log order, so that each segment's tree is built once (the answer keeps the
        # order asked).
        proven = {p: proof_to_pb(self.signer.merkle.prove(p, d["segment"]))
                  for p in sorted(set(int(p) for p in positions))}
        out.proofs.extend(proven[int(p)] for p in positions)
        return out

    def _filter(self, request) -> A.ExportFilter:
        f = A.ExportFilter(customer_id=request.customer_id,
                           entry_types=tuple(request.entry_types))
        if request.customer_id:
            V.ident(request.customer_id, "customer_id")
        if request.effective_from:
            f.effective_from = V.day(request.effective_from, "effective_from")
        if request.effective_to:
            f.effective_to = V.day(request.effective_to, "effective_to")
        for name in ("recorded_from", "recorded_to"):
            if request.HasField(name):
                ts = getattr(request, name)
                if ts.seconds < 0 or not 0 <= ts.nanos < 1_000_000_000:
                    raise error("INVALID_TIMESTAMP", f"{name} must be a valid time after 1970")
                setattr(f, name + "_us", ts.seconds * 1_000_000 + ts.nanos // 1000)
        return f

    def _export(self, f: A.ExportFilter) -> Iterator[apb.ExportItem]:
        with self.ledger.reading() as S:
            A.check_filter(S, f)
        d = self.signer.digest(0)
        yield apb.ExportItem(digest=digest_to_pb(d))
        nodes = self.signer.merkle.nodes
        segs = _checked(self.ledger.store.read(), nodes, d["segment"])
        for line in A.select_entries(self.ledger.state, segs, f):
            yield apb.ExportItem(entry_json=line)

    @streamed
    def ExportLog(self, request, context):
        yield from self._export(self._filter(request))

    @streamed
    def GetHistory(self, request, context):
        if bool(request.invoice_id) == bool(request.customer_id):
            raise error("INVALID_FILTER", "give exactly one of invoice_id and customer_id")
        V.ident(request.invoice_id or request.customer_id,
                "invoice_id" if request.invoice_id else "customer_id")
        yield from self._export(A.ExportFilter(customer_id=request.customer_id,
                                               invoice_id=request.invoice_id))


def _checked(segments: Iterator[tuple[int, bytes]], nodes: list[A.SegmentNode],
             upto: int) -> Iterator[tuple[int, bytes]]:
    """Stored segments up to `upto`, each required to be the bytes the digest covers."""
    from arledger.engine.segment import digest
    for seq, blob in segments:
        if seq > upto:
            return
        if seq > len(nodes) or digest(blob) != nodes[seq - 1].hash:
            raise error("LOG_CORRUPT", f"segment {seq}: the stored bytes differ from the ones "
                        "the digest covers; run `arledger verify`", segment=str(seq))
        yield seq, blob


def add_to_server(server: grpc.Server, ledger: Ledger, clock: Callable[[], int]) -> str:
    agrpc.add_AuditServiceServicer_to_server(
        AuditServicer(ledger, clock, A.default_key_file(ledger.store)), server)
    return SERVICE.full_name


__all__ = ["AuditServicer", "add_to_server", "SERVICE", "ERRORS_DOC", "digest_to_pb",
           "digest_from_pb"]
