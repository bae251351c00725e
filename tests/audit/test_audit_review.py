"""Regressions from the audit review (the reviewer's scripts, as tests): positions bound to
the tree, statement and CLI proof checks, verified exports, digests of the segment and log
asked for, typed errors on malformed input, and partitions sharing a data directory."""

import argparse
import hashlib
import itertools
import json
import struct
import types
from concurrent import futures

import grpc
import pytest
from audit_helpers import scenario
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from test_audit_cli import run

from arledger import audit as A
from arledger import synthetic
from arledger.audit import nodes as audit_nodes
from arledger.cli import audit as cli_audit
from arledger.engine import open_ledger
from arledger.v1 import audit_pb2 as apb
from arledger.v1 import audit_pb2_grpc as agrpc
from arledger_client import audit as C

KEY = Ed25519PrivateKey.generate()
PUB = KEY.public_key()
EC_PEM = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def sign(**fields) -> dict:  # type: ignore[no-untyped-def]
    return A.sign_digest(KEY, {"log": "p0", "position": 3, "segment": 1,
                               "head_hash": "00" * 32, "merkle_root": "11" * 32,
                               "signed_at_us": 1, **fields})


# ---- 1. a position is bound to where its entry sits in the tree ------------------------------

def rec(pos: int, seg: int, amount: int) -> dict:
    return {"actor": "", "customer_id": "ACME", "effective_date": "2026-01-05",
            "fields": {"amount_minor": amount, "invoice_id": f"INV-{pos}"}, "position": pos,
            "reason": "", "recorded_at_us": 1, "request_id": f"r{pos}", "segment": seg,
            "type": "InvoiceIssued"}


class Forged:
    """A key-holding server's tree over `segs` (lists of records), each segment's leaf
    built by `leaf(first, count, hash, entries_root)` with the ranges given, joined by
    `join` (the sum tree; the plain RFC 6962 node for the tree before it), and a digest of
    it signed with the ledger's key saying `position` (default: the last range's end)."""

    def __init__(self, segs, ranges, leaf, join=A.sum_node,  # type: ignore[no-untyped-def]
                 position=None) -> None:
        self.segs = segs
        self.hashes = [hashlib.sha256(f"seg{i}".encode()).hexdigest() for i in range(len(segs))]
        self.entries = [A.tree_levels([C.leaf_hash(C.canonical_bytes(r)) for r in s])
                        for s in segs]
        self.ranges = ranges
        leaves = [leaf(f, n, h, A.tree_root(lv)) for (f, n), h, lv
                  in zip(ranges, self.hashes, self.entries)]
        if join is A.sum_node:
            self.top = A.log_tree_levels([(x, n) for x, (_, n) in zip(leaves, ranges)])
            root = A.log_tree_root(self.top)[0]
        else:
            self.top = A.tree_levels(leaves, join)
            root = A.tree_root(self.top)
        if position is None:
            position = ranges[-1][0] + ranges[-1][1] - 1
        self.digest = C.verify_digest(A.sign_digest(KEY, {
            "log": "p0", "position": position, "segment": len(segs),
            "head_hash": self.hashes[-1], "merkle_root": root.hex(),
            "signed_at_us": 1}), PUB)

    def proof(self, si: int, ei: int, **over) -> apb.InclusionProof:  # type: ignore[no-untyped-def]
        r = self.segs[si][ei]
        p = dict(position=r["position"], entry_json=json.dumps(r), segment=si + 1,
                 segment_hash=self.hashes[si], index_in_segment=ei,
                 segment_entries=len(self.segs[si]),
                 entry_path=A.inclusion_path(self.entries[si], ei), segment_index=si,
                 tree_segments=len(self.segs), segment_path=self.segment_path(si))
        p.update(over)
        return apb.InclusionProof(**p)

    def segment_path(self, si: int) -> list:  # type: ignore[type-arg]
        path = A.inclusion_path(self.top, si)
        if path and isinstance(path[0], tuple):
            return [apb.TreeNode(hash=h, entries=c) for h, c in path]
        # the plain tree's path: bare hashes, sent with made-up counts
        return [apb.TreeNode(hash=h, entries=1) for h in path]


HONEST = [[rec(p, 1, 100) for p in range(1, 5)], [rec(p, 2, 100) for p in range(5, 9)]]


def old_leaf(first, count, h, root):  # type: ignore[no-untyped-def]
    return C.leaf_hash(bytes.fromhex(h) + root)  # the leaf before the review: no positions


def test_a_second_record_claiming_an_old_position_is_refused():
    """dup.py: segment 3 holds a second record claiming position 5."""
    segs = HONEST + [[rec(5, 3, 999_999)]]
    # the reviewer's tree (leaves without positions, plain nodes): refused
    t = Forged(segs, [(1, 4), (5, 4), (9, 1)], old_leaf, A.node_hash)
    with pytest.raises(C.VerificationFailed) as e:
        C.verify_inclusion(t.proof(2, 0), t.digest)
    assert e.value.position == 5
    # leaves that bind positions, segment 3 truthfully at 9: position 5 is not its entry
    t = Forged(segs, [(1, 4), (5, 4), (9, 1)], A.segment_leaf)
    assert C.verify_inclusion(t.proof(1, 0), t.digest)["fields"]["amount_minor"] == 100
    with pytest.raises(C.VerificationFailed):
        C.verify_inclusion(t.proof(2, 0), t.digest)
    # ... nor when the proof lies about its index (it must place the entry at 9)
    with pytest.raises(C.VerificationFailed):
        C.verify_inclusion(t.proof(2, 0, index_in_segment=4, segment_entries=5), t.digest)
    # A leaf that claims segment 3 starts at 5 (overlapping segment 2), in a tree signed
    # with the ledger's key saying position 5: refused alone, not only beside segment 2's
    # proof, because the sum tree says 8 entries come before segment 3.
    t = Forged(segs, [(1, 4), (5, 4), (5, 1)], A.segment_leaf, position=5)
    with pytest.raises(C.VerificationFailed) as e:
        C.verify_inclusion(t.proof(2, 0), t.digest)
    assert e.value.position == 5 and "8 entries before its segment" in str(e.value)
    with pytest.raises(C.VerificationFailed) as e:
        C.verify_proofs([t.proof(1, 0), t.proof(2, 0)], t.digest, positions=[5, 5])
    # signed saying the position the tree really holds (9), still refused
    t = Forged(segs, [(1, 4), (5, 4), (5, 1)], A.segment_leaf, position=9)
    with pytest.raises(C.VerificationFailed):
        C.verify_inclusion(t.proof(2, 0), t.digest)
    assert C.verify_inclusion(t.proof(1, 0), t.digest)["fields"]["amount_minor"] == 100
    # a digest that misstates the entries its tree holds is refused with any proof
    t = Forged(HONEST, [(1, 4), (5, 4)], A.segment_leaf, position=9)
    for si, ei in ((0, 0), (1, 3)):
        with pytest.raises(C.VerificationFailed) as e:
            C.verify_inclusion(t.proof(si, ei), t.digest)
        assert "holds 8 entries, the digest says position 9" in str(e.value)
    # a path whose counts were changed to make room for the forged range does not lead to
    # the signed root
    t = Forged(segs, [(1, 4), (5, 4), (5, 1)], A.segment_leaf, position=5)
    p = t.proof(2, 0)
    p.segment_path[0].entries = 4
    with pytest.raises(C.VerificationFailed) as e:
        C.verify_inclusion(p, t.digest)
    assert "signed Merkle root" in str(e.value)


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_no_tree_a_key_holder_builds_proves_two_entries_at_one_position(draw):
    """A key-holding forger builds any tree: segments claiming any first position and
    count (overlapping, gapped, out of order), opaque subtrees of any hash and entry
    count standing in for segments it never opens, and signs any position. Every proof
    the SDK accepts under that digest gives a distinct position (one record per position),
    inside 1..position, with its segment where the counts before it say."""
    n = draw.draw(st.integers(1, 9), "segments")
    kinds = draw.draw(st.lists(st.booleans(), min_size=n, max_size=n), "opened")
    sizes = draw.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n), "sizes")
    firsts = draw.draw(st.lists(st.integers(1, 30), min_size=n, max_size=n), "firsts")
    truthful = draw.draw(st.booleans(), "truthful ranges")
    if truthful:
        firsts = [1 + sum(sizes[:i]) for i in range(n)]
    segs, leaves = [], []
    for i, (opened, size, first) in enumerate(zip(kinds, sizes, firsts)):
        recs = [rec(first + e, i + 1, 1000 * i + e) for e in range(size)]
        segs.append(recs)
        h = hashlib.sha256(f"seg{i}".encode()).hexdigest()
        lv = A.tree_levels([C.leaf_hash(C.canonical_bytes(r)) for r in recs])
        leaves.append((A.segment_leaf(first, size, h, A.tree_root(lv)), size) if opened
                      else (hashlib.sha256(f"opaque{i}".encode()).digest(), size))
    top = A.log_tree_levels(leaves)
    total = A.log_tree_root(top)[1]
    position = draw.draw(st.sampled_from([total, total + 1, max(total - 1, 1),
                                          firsts[-1] + sizes[-1] - 1]), "position")
    head = hashlib.sha256(f"seg{n - 1}".encode()).hexdigest()
    digest = C.verify_digest(A.sign_digest(KEY, {
        "log": "p0", "position": position, "segment": n, "head_hash": head,
        "merkle_root": A.log_tree_root(top)[0].hex(), "signed_at_us": 1}), PUB)
    proven: dict[int, bytes] = {}
    for si, recs in enumerate(segs):
        lv = A.tree_levels([C.leaf_hash(C.canonical_bytes(r)) for r in recs])
        path = [apb.TreeNode(hash=h, entries=c) for h, c in A.inclusion_path(top, si)]
        for ei, r in enumerate(recs):
            p = apb.InclusionProof(
                position=r["position"], entry_json=json.dumps(r), segment=si + 1,
                segment_hash=hashlib.sha256(f"seg{si}".encode()).hexdigest(),
                index_in_segment=ei, segment_entries=len(recs),
                entry_path=A.inclusion_path(lv, ei), segment_index=si, tree_segments=n,
                segment_path=path)
            try:
                got = C.verify_inclusion(p, digest)
            except C.VerificationFailed:
                continue
            pos = got["position"]
            assert pos not in proven, f"two entries proven at position {pos}"
            proven[pos] = C.canonical_bytes(got)
            assert 1 <= pos <= digest["position"]
            assert pos == 1 + sum(sizes[:si]) + ei  # where the counts put it
            assert kinds[si]
    if truthful and position == total:  # the honest tree: every opened entry is proven
        assert len(proven) == sum(s for s, k in zip(sizes, kinds) if k)


def test_the_sdk_and_the_server_build_the_same_segment_leaf():
    root, h = hashlib.sha256(b"r").digest(), "ab" * 32
    assert C.segment_leaf(7, 3, bytes.fromhex(h), root) == A.segment_leaf(7, 3, h, root)
    assert A.segment_leaf(7, 3, h, root) != A.segment_leaf(8, 3, h, root)
    assert A.segment_leaf(7, 3, h, root) != A.segment_leaf(7, 2, h, root)
    # big-endian u64 first position, u32 count, then the hash and the root
    assert A.segment_leaf(7, 3, h, root) == hashlib.sha256(
        b"\x00" + (7).to_bytes(8, "big") + (3).to_bytes(4, "big") + bytes.fromhex(h)
        + root).digest()


def test_an_entry_proven_at_another_index_or_segment_size_is_refused():
    """misc.py: entry 3 of a 3-entry segment proven as index 1 of 2."""
    recs = [{"position": p, "segment": 1, "x": p} for p in (1, 2, 3)]
    t = Forged([recs], [(1, 3)], A.segment_leaf)
    assert C.verify_inclusion(t.proof(0, 2), t.digest)["position"] == 3
    for idx, size in ((1, 2), (1, 3), (2, 4), (0, 3)):
        with pytest.raises(C.VerificationFailed):
            C.verify_inclusion(t.proof(0, 2, index_in_segment=idx, segment_entries=size),
                               t.digest)


@pytest.mark.parametrize("position", [True, 3.0, "3", None])
def test_a_record_whose_position_is_not_an_integer_is_refused(position):
    recs = [{"position": p, "segment": 1} for p in (1, 2, 3)]
    recs[2]["position"] = position
    t = Forged([recs], [(1, 3)], A.segment_leaf)
    with pytest.raises(C.VerificationFailed):
        C.verify_inclusion(t.proof(0, 2, position=3), t.digest)
    # nor a segment that is not an integer
    recs[2].update(position=3, segment=True)
    t = Forged([recs], [(1, 3)], A.segment_leaf)
    with pytest.raises(C.VerificationFailed):
        C.verify_inclusion(t.proof(0, 2), t.digest)


def test_an_old_node_cache_is_rebuilt_never_trusted(served, tmp_path):
    served.submit(scenario()[:4])
    # The key (and its node cache) sits beside a SQLite log; for PostgreSQL the fixture
    # puts it at ARLEDGER_KEY_FILE.
    key_file = (served.location.where / A.KEY_FILE_NAME if served.location.kind == "sqlite"
                else tmp_path / "pg-key.pem")
    with C.AuditClient(served.target) as c:
        pem = c.fetch_public_key_pem()
    with C.AuditClient(served.target, public_key_pem=pem) as c:
        good = c.signed_digest()
    served.stop()
    cache = A.node_cache_path(key_file, served.ledger.store.stream)
    assert cache.read_bytes().startswith(b"arledger-merkle-nodes-v3\n")
    # a file of the first format (no header) with the right length but made-up nodes
    nodes = audit_nodes._load_nodes(cache, served.ledger.store.stream)
    assert len(nodes) == good["segment"]
    cache.write_bytes(struct.pack("<QQI32s32s", 1, 1, 300, b"\x01" * 32, b"\x02" * 32))
    served.start()
    with C.AuditClient(served.target, public_key_pem=pem) as c:
        assert c.signed_digest()["merkle_root"] == good["merkle_root"]
    assert cache.read_bytes().startswith(b"arledger-merkle-nodes-v3\n")
    # the nodes of this log (right hashes, wrong roots) under another log's header, or
    # headerless as the first format was, or under the v2 header (nodes without run
    # roots, made for the tree before the sum tree): never adopted
    pack = audit_nodes._NODE.pack
    wrong = b"".join(pack(n.seq, n.first_position, n.count, bytes.fromhex(n.hash),
                          b"\x07" * 32, 1) + b"\x07" * 32 for n in nodes)
    # this log's nodes whose run roots do not rebuild their entries roots
    runs_off = b"".join(pack(n.seq, n.first_position, n.count, bytes.fromhex(n.hash),
                             n.entries_root, 1) + b"\x08" * 32 for n in nodes)
    v2 = b"".join(struct.pack("<QQI32s32s", n.seq, n.first_position, n.count,
                              bytes.fromhex(n.hash), n.entries_root) for n in nodes)
    other = "x" * len(served.ledger.store.stream)
    name = served.ledger.store.stream.encode()
    v2_head = b"arledger-merkle-nodes-v2\n" + struct.pack("<H", len(name)) + name
    for content in (audit_nodes._nodes_header(other) + wrong, wrong, v2_head + v2,
                    audit_nodes._nodes_header(served.ledger.store.stream) + runs_off):
        served.stop()
        cache.write_bytes(content)
        served.start()
        with C.AuditClient(served.target, public_key_pem=pem) as c:
            assert c.signed_digest()["merkle_root"] == good["merkle_root"]


# ---- 2. statements and `audit prove` -------------------------------------------------------

def test_statement_lines_of_another_customer_or_repeated_are_refused(served):
    served.submit(scenario())
    with C.AuditClient(served.target) as c:
        pem = c.fetch_public_key_pem()
    with C.AuditClient(served.target, public_key_pem=pem) as c:
        lines = c.prove(customer_id="AUD")
        resp = c._rpc("GetInclusionProof", apb.GetInclusionProofRequest(
            customer_id="AUD"))
        d = C.verify_digest(resp.digest, c.public_key)
        assert C.verify_proofs(resp.proofs, d, customer_id="AUD") == lines
        other = c._rpc("GetInclusionProof", apb.GetInclusionProofRequest(positions=[1, 2]))
        assert {r["customer_id"] for r in c.prove([1, 2])} != {"AUD"}
    # a line of another customer slipped into the statement (ascending, so only the customer
    # check can tell), and another customer's statement given as AUD's
    with pytest.raises(C.VerificationFailed) as e:
        C.verify_proofs([other.proofs[1]] + list(resp.proofs), d, customer_id="AUD")
    assert e.value.position == 2 and "belongs to" in str(e.value)
    with pytest.raises(C.VerificationFailed) as e:
        C.verify_proofs(other.proofs, d, customer_id="AUD")
    assert e.value.position == 1
    # a line given twice, or lines out of order
    with pytest.raises(C.VerificationFailed):
        C.verify_proofs(list(resp.proofs) + [resp.proofs[-1]], d, customer_id="AUD")
    with pytest.raises(C.VerificationFailed):
        C.verify_proofs(list(reversed(resp.proofs)), d, customer_id="AUD")
    # a line after the statement date
    last = json.loads(resp.proofs[-1].entry_json)["effective_date"]
    with pytest.raises(C.VerificationFailed):
        C.verify_proofs(resp.proofs, d, customer_id="AUD", as_of="2020-01-01")
    assert C.verify_proofs(resp.proofs, d, customer_id="AUD", as_of=last) == lines
    # positions asked: exactly one proof each, none extra
    with pytest.raises(C.VerificationFailed):
        C.verify_proofs(other.proofs, d, positions=[1])
    with pytest.raises(C.VerificationFailed):
        C.verify_proofs(other.proofs[:1], d, positions=[1, 2])


class FakeClient:
    """`arledger audit prove` in front of a server that answers with `resp` (cliprove.py)."""
    public_key = PUB
    log = None

    def __init__(self, resp) -> None:  # type: ignore[no-untyped-def]
        self.resp = resp

    def inclusion_proof(self, positions, **kw):  # type: ignore[no-untyped-def]
        return self.resp

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *a) -> None:  # type: ignore[no-untyped-def]
        pass


def cli_prove(monkeypatch, resp, **kw) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli_audit, "_client", lambda args, need_key=True: FakeClient(resp))
    args = argparse.Namespace(**{**dict(positions=[2, 3], customer=None, as_of=None, segment=0,
                                        out=None, format="json", log=""), **kw})
    try:
        return cli_audit._prove(args)
    except SystemExit as e:
        return e.code


def test_cli_prove_refuses_an_answer_without_the_positions_asked(monkeypatch, capsys):
    empty = apb.InclusionProofs(digest=apb.SignedDigest(**sign()))
    assert cli_prove(monkeypatch, empty) == 1
    assert "NOT VERIFIED (position 2" in capsys.readouterr().err
    # proofs of the right positions, but under the digest of another segment than asked
    recs = [{"position": p, "segment": 1} for p in (1, 2, 3)]
    t = Forged([recs], [(1, 3)], A.segment_leaf)
    resp = apb.InclusionProofs(digest=apb.SignedDigest(**A.sign_digest(
        KEY, {k: t.digest[k] for k in A.DIGEST_FIELDS if k != "key_id"})),
        proofs=[t.proof(0, 1), t.proof(0, 2)])
    assert cli_prove(monkeypatch, resp) == 0
    assert cli_prove(monkeypatch, resp, segment=2) == 1
    assert "segment 2" in capsys.readouterr().err
    assert cli_prove(monkeypatch, resp, positions=[3, 2]) == 1
    # a statement answer under a customer it is not of
    assert cli_prove(monkeypatch, resp, positions=[], customer="ACME") == 1


# ---- 3. exports and histories ----------------------------------------------------------------

class ExportLiar(agrpc.AuditServiceServicer):
    """Forwards to the real server; alters the exported lines with `alter`."""

    def __init__(self, target: str, alter) -> None:  # type: ignore[no-untyped-def]
        self.real = agrpc.AuditServiceStub(grpc.insecure_channel(target))
        self.alter = alter

    def ExportLog(self, request, context):  # type: ignore[no-untyped-def]
        yield from self.alter(list(self.real.ExportLog(request)))

    def GetHistory(self, request, context):  # type: ignore[no-untyped-def]
        yield from self.alter(list(self.real.GetHistory(request)))

    def GetInclusionProof(self, request, context):  # type: ignore[no-untyped-def]
        return self.real.GetInclusionProof(request)

    def GetSignedDigest(self, request, context):  # type: ignore[no-untyped-def]
        return self.real.GetSignedDigest(request)

    def GetPublicKey(self, request, context):  # type: ignore[no-untyped-def]
        return self.real.GetPublicKey(request)


def _changed_amount(items):  # type: ignore[no-untyped-def]
    for it in items:
        if it.WhichOneof("item") == "entry_json" and '"amount_minor":' in it.entry_json:
            it.entry_json = it.entry_json.replace('"amount_minor":', '"amount_minor":1', 1)
            break
    return items


def _repeated(items):  # type: ignore[no-untyped-def]
    return items[:3] + items[2:]


def _other_customer(items):  # type: ignore[no-untyped-def]
    items[2].entry_json = items[2].entry_json.replace('"customer_id":"AUD"',
                                                      '"customer_id":"AUX"', 1)
    return items


def _other_type(items):  # type: ignore[no-untyped-def]
    items[1].entry_json = items[1].entry_json.replace('"type":"PaymentRecorded"',
                                                      '"type":"InvoiceIssued"', 1)
    return items


@pytest.fixture
def liar(served):  # type: ignore[no-untyped-def]
    servers = []

    def start(alter) -> str:  # type: ignore[no-untyped-def]
        s = grpc.server(futures.ThreadPoolExecutor(2))
        agrpc.add_AuditServiceServicer_to_server(ExportLiar(served.target, alter), s)
        port = s.add_insecure_port("127.0.0.1:0")
        s.start()
        servers.append(s)
        return f"127.0.0.1:{port}"
    yield start
    for s in servers:
        s.stop(0)


def test_exported_lines_are_proven_and_an_altered_line_is_named(served, liar):
    served.submit(scenario())
    with C.AuditClient(served.target) as c:
        pem = c.fetch_public_key_pem()
    with C.AuditClient(served.target, public_key_pem=pem) as c:
        d, recs = c.export(customer_id="AUD")
        recs = list(recs)
        assert c.prove_records(recs, d) == len(recs)
        d, hist = c.history(invoice_id="AUD-1")
        assert c.prove_records(list(hist), d) > 0
    with C.AuditClient(liar(_changed_amount), public_key_pem=pem) as c:
        d, lines = c.export(customer_id="AUD")
        lines = list(lines)
        with pytest.raises(C.VerificationFailed) as e:
            c.prove_records(lines, d)
        assert e.value.position == next(r["position"] for r, g in zip(lines, recs) if r != g)
    with C.AuditClient(liar(_repeated), public_key_pem=pem) as c:
        d, lines = c.history(customer_id="AUD")
        with pytest.raises(C.VerificationFailed):
            list(lines)
    # lines outside the filter asked for are refused while streaming, proofs or not
    with C.AuditClient(liar(_other_customer), public_key_pem=pem) as c:
        for call in (lambda: c.export(customer_id="AUD"),
                     lambda: c.history(customer_id="AUD")):
            d, lines = call()
            with pytest.raises(C.VerificationFailed) as e:
                list(lines)
            assert "not 'AUD'" in str(e.value)
    with C.AuditClient(liar(_other_type), public_key_pem=pem) as c:
        d, lines = c.export(entry_types=["PaymentRecorded"])
        with pytest.raises(C.VerificationFailed) as e:
            list(lines)
        assert "was not asked for" in str(e.value)
    # the SDK never hands back an unverified digest unless told to
    with C.AuditClient(served.target) as c:
        with pytest.raises(C.VerificationFailed):
            c.export()
        d, _ = c.export(unverified=True)
        assert d["verified"] is False


def test_cli_export_warns_without_a_key_and_proves_every_line_with_prove(served, liar,
                                                                          tmp_path, capsys):
    served.submit(scenario())
    t = ["--target", served.target]
    key = tmp_path / "pub.pem"
    key.write_text(run(capsys, *t, "audit", "public-key")[1])
    out = tmp_path / "c.jsonl"
    rc, _, err = run(capsys, *t, "audit", "export", "--customer", "AUD", "--out", str(out))
    assert rc == 0 and "UNVERIFIED" in err
    assert json.loads((tmp_path / "c.jsonl.digest.json").read_text())["verified"] is False
    rc, _, err = run(capsys, *t, "audit", "export", "--customer", "AUD", "--prove", "--out",
                     str(out))
    assert rc != 0 and "--public-key" in err
    rc, _, err = run(capsys, *t, "audit", "export", "--customer", "AUD", "--prove",
                     "--public-key", str(key), "--out", str(out))
    n = len(out.read_text().splitlines())
    assert rc == 0 and n > 0 and f"{n:,} lines proven" in err
    assert "verified" not in json.loads((tmp_path / "c.jsonl.digest.json").read_text())
    rc, out_text, err = run(capsys, *t, "--format", "json", "audit", "history", "--invoice",
                            "AUD-1", "--prove", "--public-key", str(key))
    assert rc == 0 and json.loads(out_text) and "lines proven" in err
    bad = ["--target", liar(_changed_amount)]
    out.unlink()
    rc, _, err = run(capsys, *bad, "audit", "export", "--customer", "AUD", "--prove",
                     "--public-key", str(key), "--out", str(out))
    assert rc == 1 and "NOT VERIFIED" in err and not out.exists()
    rc, _, err = run(capsys, *bad, "audit", "history", "--customer", "AUD", "--prove",
                     "--public-key", str(key))
    assert rc == 1 and "NOT VERIFIED" in err


# ---- 4. the digest asked for, and a newer one -------------------------------------------------

class Canned(C.AuditClient):
    def __init__(self, answers: dict, log=None) -> None:  # type: ignore[no-untyped-def]
        self.public_key, self.log, self.answers = PUB, log, answers

    def _rpc(self, name, req):  # type: ignore[no-untyped-def]
        return self.answers[name]


def test_a_digest_of_another_segment_than_asked_is_refused():
    """stale.py: signed_digest(5) answered with segment 3."""
    d3 = apb.SignedDigest(**sign(segment=3, position=30))
    with pytest.raises(C.VerificationFailed) as e:
        Canned({"GetSignedDigest": d3}).signed_digest(5)
    assert e.value.segment == 5
    assert Canned({"GetSignedDigest": d3}).signed_digest(3)["segment"] == 3
    assert Canned({"GetSignedDigest": d3}).signed_digest()["segment"] == 3


def test_verify_range_refuses_a_head_older_than_the_saved_digest():
    old = sign(segment=7, position=70, signed_at_us=700, merkle_root="07" * 32)
    for stale in (sign(segment=3, position=30, signed_at_us=900),      # an older segment
                  sign(segment=7, position=70, signed_at_us=600, merkle_root="07" * 32),
                  sign(segment=7, position=70, signed_at_us=900, merkle_root="08" * 32),
                  sign(segment=8, position=69, signed_at_us=900)):     # fewer entries
        resp = apb.VerifyRangeResponse(ok=True, to=apb.SignedDigest(**stale))
        with pytest.raises(C.VerificationFailed) as e:
            Canned({"VerifyRange": resp}).verify_range(old)
        assert "older than the one it should extend" in str(e.value) or (
            "two digests of segment 7 disagree" in str(e.value))
    # a `new` digest given: the server must have checked exactly that one
    new = sign(segment=9, position=90, signed_at_us=900)
    other = apb.VerifyRangeResponse(ok=True, to=apb.SignedDigest(**dict(new, position=91)))
    with pytest.raises(C.VerificationFailed):
        Canned({"VerifyRange": other}).verify_range(old, new)


# ---- 5. malformed input raises the SDK's typed error ----------------------------------------

def _proof(**kw):  # type: ignore[no-untyped-def]
    return types.SimpleNamespace(**{**dict(
        position=1, entry_json=json.dumps({"position": 1, "segment": 1}), segment=1,
        segment_hash="aa" * 32, index_in_segment=0, segment_entries=1, entry_path=[],
        segment_index=0, tree_segments=1, segment_path=[]), **kw})


MALFORMED = {
    "deep entry_json": lambda d: C.verify_inclusion(apb.InclusionProof(
        position=1, entry_json="[" * 100_000 + "]" * 100_000, segment=1), d),
    "index 0.5": lambda d: C.verify_inclusion(_proof(index_in_segment=0.5,
                                                     segment_entries=2), d),
    "missing fields": lambda d: C.verify_inclusion(types.SimpleNamespace(
        position=1, entry_json='{"position":1,"segment":1}', segment=1), d),
    "segment_hash null": lambda d: C.verify_inclusion(_proof(segment_hash=None), d),
    "entry_json null": lambda d: C.verify_inclusion(_proof(entry_json=None), d),
    "path not a list": lambda d: C.verify_inclusion(_proof(entry_path=5), d),
    "proof as dict": lambda d: C.verify_inclusion({"position": 1}, d),
    "position '1'": lambda d: C.verify_inclusion(_proof(position="1"), d),
    "position True": lambda d: C.verify_inclusion(_proof(position=True), d),
    "digest signature null": lambda d: C.verify_digest({**d, "signature": None}, PUB),
    "digest log a list": lambda d: C.verify_digest({**d, "log": ["p0"]}, PUB),
    "digest as list": lambda d: C.verify_digest([1, 2], PUB),
    "range new with str position": lambda d: Canned({}).verify_range(d, {**d, "position": "3"}),
    "range new with 2**64": lambda d: Canned({}).verify_range(d, {**d, "position": 2**64}),
    "range old with 2**64, signed": lambda d: Canned({}).verify_range(
        sign(position=2**64), None),
    "range old not a mapping": lambda d: Canned({}).verify_range(None),
    "public key garbage": lambda d: C.load_public_key("nope"),
    "public key bytes garbage": lambda d: C.load_public_key(b"-----BEGIN PUBLIC KEY-----\n"),
    "public key not ed25519": lambda d: C.load_public_key(EC_PEM),
    "consistency sizes str": lambda d: C.verify_consistency("1", 2, b"", b"", [],
                                                            old_entries=1, new_entries=2),
    "consistency entries str": lambda d: C.verify_consistency(1, 2, b"", b"", [],
                                                              old_entries="1", new_entries=2),
    "consistency proof None": lambda d: C.verify_consistency(1, 2, b"a" * 32, b"b" * 32, None,
                                                             old_entries=1, new_entries=2),
    "path None": lambda d: C.root_from_path(0, 2, b"x" * 32, None),
    "proofs None": lambda d: C.verify_proofs(None, d),
    "proofs a string": lambda d: C.verify_proofs("abc", d),
    # counts each within int64 whose sum is not: refused, not a struct.error
    # (4 nodes: the running sum passes 2^64, which a u64 cannot hold)
    "path counts overflow": lambda d: C.log_root_from_path(
        0, 16, (b"x" * 32, 1), [(bytes([i]) * 32, (1 << 63) - 1) for i in range(4)]),
    "consistency counts overflow": lambda d: C.verify_consistency(
        1, 16, b"a" * 32, b"b" * 32, [(bytes([i]) * 32, (1 << 63) - 1) for i in range(4)],
        old_entries=1, new_entries=2),
    # the tree of no segments is the empty root with no entries, whatever the newer one
    "consistency from a non-empty nothing": lambda d: C.verify_consistency(
        0, 5, b"g" * 32, b"b" * 32, [], old_entries=7, new_entries=9),
    "consistency of two non-empty nothings": lambda d: C.verify_consistency(
        0, 0, b"g" * 32, b"g" * 32, [], old_entries=7, new_entries=7),
    "path index str": lambda d: C.root_from_path("0", 2, b"x" * 32, []),
    "statement zero proofs": lambda d: Canned({"GetInclusionProof": apb.InclusionProofs(
        digest=apb.SignedDigest(**sign()))}).prove([1]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_input_raises_verification_failed(case):
    d = C.verify_digest(sign(), PUB)
    with pytest.raises(C.VerificationFailed):
        MALFORMED[case](d)


@pytest.mark.parametrize("digests", [["x"], [{"segment": "abc"}], [None], [{"segment": True}],
                                     [{"segment": 1, "position": 1}], [[1, 2]]])
def test_check_log_reports_a_malformed_digest_instead_of_crashing(digests):
    rep = A.check_log(iter([]), digests, PUB)
    assert not rep.ok and "not a digest" in rep.problem


# ---- 6. partitions sharing a data directory --------------------------------------------------

def test_partitions_in_one_data_directory_keep_their_own_merkle_nodes(tmp_path):
    """parts.py: 0/2, 1/2, 0/2 in one directory, one key."""
    ticks = itertools.count(1_790_000_000_000_000, 1000)
    cmds = list(synthetic.generate(synthetic.PortfolioSpec(customers=10, seed=1)))[:200]
    key_file = tmp_path / A.KEY_FILE_NAME
    seen = {}
    for part in ("0/2", "1/2", "0/2"):
        led = open_ledger(tmp_path, clock=lambda: next(ticks), partition=part)
        try:
            if led.state.head_seq == 0:
                led.submit(cmds)
            assert A.default_key_file(led.store) == key_file  # the key is shared
            cache = A.node_cache_path(key_file, led.store.stream)
            s = A.Signer(led, A.load_or_create_key(key_file), lambda: 1, cache)
            d = s.digest()  # no LOG_CORRUPT from the other partition's nodes
            assert d["log"] == led.store.stream and cache.exists()
            assert cache != A.node_cache_path(key_file, "arledger-log-p1of2" if part == "0/2"
                                              else "arledger-log-p0of2")
            seen.setdefault(part, []).append(d)
        finally:
            led.close()
    assert seen["0/2"][0]["merkle_root"] == seen["0/2"][1]["merkle_root"]
    assert seen["0/2"][0]["log"] != seen["1/2"][0]["log"]
    # a verifier told which log it audits refuses the other partition's digest
    d0, d1 = seen["0/2"][0], seen["1/2"][0]
    pub = C.load_public_key(A.public_pem(A.load_or_create_key(key_file)))
    assert C.verify_digest(d0, pub, d0["log"])["segment"] == d0["segment"]
    with pytest.raises(C.VerificationFailed):
        C.verify_digest(d1, pub, d0["log"])
    led = open_ledger(tmp_path, clock=lambda: next(ticks), partition="0/2")
    try:
        assert A.check_log(led.store.read(), [d0], pub, log=led.store.stream).ok
        rep = A.check_log(led.store.read(), [d1], pub, log=led.store.stream)
        assert not rep.ok and "not 'arledger-log-" in rep.problem
    finally:
        led.close()


def test_cli_refuses_a_digest_of_another_log_than_named(served, tmp_path, capsys):
    served.submit(scenario()[:2])
    t = ["--target", served.target]
    key = tmp_path / "pub.pem"
    key.write_text(run(capsys, *t, "audit", "public-key")[1])
    k = ["--public-key", str(key)]
    log = served.ledger.store.stream
    rc, out, _ = run(capsys, *t, "--format", "json", "audit", "digest", "--log", log, *k)
    assert rc == 0 and json.loads(out)["log"] == log
    cust = served.ledger.state.customer_ids[0]
    for argv in (["digest"], ["prove", "1"], ["export"], ["history", "--customer", cust]):
        rc, _, err = run(capsys, *t, "audit", *argv, "--log", "arledger-log-other", *k)
        assert rc == 1 and "not 'arledger-log-other'" in err, argv


def test_verify_range_refuses_a_head_hash_the_signed_tree_does_not_hold():
    """split.py: the new digest has the honest Merkle root and a rewritten chain's head."""
    segs = HONEST + [[rec(9, 3, 100)]]
    t = Forged(segs, [(1, 4), (5, 4), (9, 1)], A.segment_leaf)
    old = Forged(HONEST, [(1, 4), (5, 4)], A.segment_leaf)
    fields = {k: t.digest[k] for k in A.DIGEST_FIELDS if k != "key_id"}

    def answers(new: dict) -> dict:  # type: ignore[type-arg]
        def proofs(d, f, si, ei):  # type: ignore[no-untyped-def]
            return apb.InclusionProofs(digest=apb.SignedDigest(**d), proofs=[f.proof(si, ei)])
        return {"VerifyRange": apb.VerifyRangeResponse(
                    ok=True, to=apb.SignedDigest(**new),
                    consistency_proof=[apb.TreeNode(hash=h, entries=c) for h, c in
                                       A.consistency_proof(t.top, 2, 3, A.sum_node)]),
                "GetInclusionProof": None, "proofs": {
                    8: proofs(old.digest, old, 1, 3), 9: proofs(new, t, 2, 0)}}

    class Server(Canned):
        def _rpc(self, name, req):  # type: ignore[no-untyped-def]
            if name == "GetInclusionProof":
                return self.answers["proofs"][req.positions[0]]
            return super()._rpc(name, req)

    honest = A.sign_digest(KEY, fields)
    assert Server(answers(honest)).verify_range(old.digest)["segment"] == 3
    forged = A.sign_digest(KEY, {**fields, "head_hash": "ee" * 32})
    with pytest.raises(C.VerificationFailed) as e:
        Server(answers(forged)).verify_range(old.digest)
    assert e.value.position == 9 and "signed head" in str(e.value)
