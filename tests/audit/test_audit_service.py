"""AuditService on a real server, checked through the SDK, which verifies every answer with
a public key it was given; and a lying server in front of it, which the SDK catches."""

import csv
import io
import json
import os
import stat
from concurrent import futures

import grpc
import pytest
from audit_helpers import scenario
from test_audit_tamper import Raw, rewrite_and_rechain

from arledger import audit as A
from arledger.v1 import audit_pb2 as apb
from arledger.v1 import audit_pb2_grpc as agrpc
from arledger_client import audit as C
from arledger_client.errors import ArledgerError


def client(served, pem=None) -> C.AuditClient:  # type: ignore[no-untyped-def]
    if pem is None:
        with C.AuditClient(served.target) as c:
            pem = c.fetch_public_key_pem()
    return C.AuditClient(served.target, public_key_pem=pem)


def full_export(c: C.AuditClient) -> tuple[dict, list[dict]]:
    d, recs = c.export()
    return d, list(recs)


# ---- digests and keys -------------------------------------------------------------------

def test_the_signed_digest_names_the_head_and_the_key_is_kept_beside_the_log(served, tmp_path):
    served.submit(scenario())
    c = client(served)
    d = c.signed_digest()
    S = served.ledger.state
    assert (d["position"], d["segment"], d["head_hash"]) == (S.head_position, S.head_seq,
                                                           S.head_hash)
    assert d["signed_at_us"] == 1_790_500_000_000_000  # the server's clock, not the wall
    assert stat.S_IMODE(os.stat(key_file(served, tmp_path)).st_mode) == 0o600
    pem = c.fetch_public_key_pem()
    served.stop()
    served.start()  # a restart keeps the key: old digests still verify
    c2 = client(served, pem)
    assert c2.signed_digest()["merkle_root"] == d["merkle_root"]
    assert c2.verify_range(d)["segment"] == d["segment"]


def test_a_digest_of_an_earlier_segment_is_a_prefix_of_the_head(served):
    batches = scenario()
    served.submit(batches[:3])
    c = client(served)
    old = c.signed_digest()
    served.submit(batches[3:])
    new = c.verify_range(old)
    assert new["segment"] == served.ledger.state.head_seq > old["segment"]
    assert c.signed_digest(old["segment"])["merkle_root"] == old["merkle_root"]
    assert c.verify_range(c.signed_digest(2), new)["segment"] == new["segment"]


def key_file(served, tmp_path):  # type: ignore[no-untyped-def]
    return (served.location.where / "audit-key.pem" if served.location.kind == "sqlite"
            else tmp_path / "pg-key.pem")


def test_a_rechained_rewrite_of_the_stored_log_is_caught_after_a_restart(served, tmp_path):
    served.submit(scenario()[:6])
    c = client(served)
    pem = c.fetch_public_key_pem()
    old = c.signed_digest()
    served.stop()
    rewrite_and_rechain(Raw(served.location))  # segment 3 and everything after it
    served.start()  # the chain is whole: the server starts
    # The writer's saved Merkle nodes remember each segment's hash: it names the segment,
    # on every request (a retry must not get the rewritten history signed), and the file
    # that remembers is left as it was.
    cache = A.node_cache_path(key_file(served, tmp_path), served.ledger.store.stream)
    saved = cache.read_bytes()
    for _ in range(3):
        with pytest.raises(ArledgerError) as e:
            client(served, pem).signed_digest()
        assert (e.value.reason, e.value.metadata["segment"]) == ("LOG_CORRUPT", "3")
    with pytest.raises(ArledgerError) as e:
        client(served, pem).prove([1])
    assert e.value.reason == "LOG_CORRUPT"
    assert cache.read_bytes() == saved
    # Without them (the attacker deleted the cache too) the server signs the new history,
    # and the auditor's saved digest is what catches it.
    served.stop()
    A.node_cache_path(key_file(served, tmp_path), served.ledger.store.stream).unlink()
    served.start()
    with pytest.raises(C.VerificationFailed) as e:
        client(served, pem).verify_range(old)
    assert e.value.segment == old["segment"]


def test_a_restart_takes_the_saved_merkle_nodes_without_rendering_the_log(served, tmp_path,
                                                                          monkeypatch):
    served.submit(scenario())
    pem = client(served).fetch_public_key_pem()
    before = client(served, pem).signed_digest()
    served.stop()
    served.start()

    def no_rendering(*a):  # type: ignore[no-untyped-def]
        raise AssertionError("rendered the log again")
    from arledger.audit import nodes  # where MerkleLog renders entries from
    with monkeypatch.context() as m:
        m.setattr(nodes, "entry_lines", no_rendering)
        after = client(served, pem).signed_digest()
    assert after["merkle_root"] == before["merkle_root"]
    # a truncated cache file is only a shorter cache
    cache = A.node_cache_path(key_file(served, tmp_path), served.ledger.store.stream)
    served.stop()
    cache.write_bytes(cache.read_bytes()[:-10])
    served.start()
    assert client(served, pem).signed_digest()["merkle_root"] == before["merkle_root"]


# ---- inclusion proofs --------------------------------------------------------------------

def test_every_entry_is_proven_and_the_proven_records_are_the_exported_ones(served):
    served.submit(scenario())
    c = client(served)
    d, records = full_export(c)
    assert [r["position"] for r in records] == list(range(1, d["position"] + 1))
    proven = c.prove(range(1, d["position"] + 1), d)
    assert proven == records
    for r in records:  # each exported line is already canonical
        assert C.canonical_bytes(r) == A.canonical_bytes(r)


def test_every_line_of_a_customer_statement_is_proven(served):
    served.submit(scenario())
    c = client(served)
    _, recs = c.history(customer_id="AUD")
    recs = list(recs)
    proven = c.prove(customer_id="AUD", as_of="2026-01-31")
    moving = [r["position"] for r in recs if r["effective_date"] <= "2026-01-31"
              and not r["type"].startswith("Customer")]
    assert [r["position"] for r in proven] == moving
    assert {r["type"] for r in proven} == {"InvoiceIssued", "DisputeOpened", "PaymentRecorded"}


class Liar(agrpc.AuditServiceServicer):
    """Forwards to the real server and alters its answers."""

    def __init__(self, target: str, alter) -> None:  # type: ignore[no-untyped-def]
        self.real = agrpc.AuditServiceStub(grpc.insecure_channel(target))
        self.alter = alter

    def GetInclusionProof(self, request, context):  # type: ignore[no-untyped-def]
        resp = self.real.GetInclusionProof(request)
        self.alter(resp)
        return resp

    def GetSignedDigest(self, request, context):  # type: ignore[no-untyped-def]
        return self.real.GetSignedDigest(request)

    def GetPublicKey(self, request, context):  # type: ignore[no-untyped-def]
        return self.real.GetPublicKey(request)


def _flip(b: bytes) -> bytes:
    return bytes([b[0] ^ 1]) + b[1:]


def _amount(resp) -> None:  # type: ignore[no-untyped-def]
    p = resp.proofs[0]
    rec = json.loads(p.entry_json)
    rec["fields"]["amount_minor"] = rec["fields"].get("amount_minor", 0) + 1
    p.entry_json = json.dumps(rec)


def _actor(resp) -> None:  # type: ignore[no-untyped-def]
    p = resp.proofs[0]
    p.entry_json = p.entry_json.replace('"actor":"', '"actor":"x', 1)


def _path(i):  # type: ignore[no-untyped-def]
    def alter(resp):  # type: ignore[no-untyped-def]
        p = resp.proofs[0]
        path = list(p.entry_path)
        path[i % len(path)] = _flip(path[i % len(path)])
        del p.entry_path[:]
        p.entry_path.extend(path)
    return alter


def _drop(resp) -> None:  # type: ignore[no-untyped-def]
    del resp.proofs[0].segment_path[-1:]


def _other_entry(resp) -> None:  # type: ignore[no-untyped-def]
    a, b = resp.proofs[0], resp.proofs[1]  # a genuine proof, of the wrong position
    a.CopyFrom(b)
    a.position = resp.proofs[2].position


def _segment_hash(resp) -> None:  # type: ignore[no-untyped-def]
    p = resp.proofs[0]
    p.segment_hash = "ab" * 32


def _root(resp) -> None:  # type: ignore[no-untyped-def]
    resp.digest.merkle_root = "cd" * 32


def _resigned(resp) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    d = dict(C.digest_dict(resp.digest), merkle_root="cd" * 32)
    forged = A.sign_digest(Ed25519PrivateKey.generate(), d)
    resp.digest.CopyFrom(apb.SignedDigest(**forged))


def _index(resp) -> None:  # type: ignore[no-untyped-def]
    p = resp.proofs[0]
    p.index_in_segment = (p.index_in_segment + 1) % p.segment_entries


def _tree(resp) -> None:  # type: ignore[no-untyped-def]
    resp.proofs[0].tree_segments += 1


def _garbage(resp) -> None:  # type: ignore[no-untyped-def]
    resp.proofs[0].entry_json = "{not json"


FORGERIES = {f.__name__.strip("_"): f for f in (
    _amount, _actor, _path(0), _path(3), _drop, _other_entry, _segment_hash, _root, _resigned,
    _index, _tree, _garbage)}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_the_sdk_refuses_a_forged_proof_and_names_the_position(served, forgery):
    served.submit(scenario())
    pem = client(served).fetch_public_key_pem()
    liar = grpc.server(futures.ThreadPoolExecutor(2))
    agrpc.add_AuditServiceServicer_to_server(Liar(served.target, FORGERIES[forgery]), liar)
    port = liar.add_insecure_port("127.0.0.1:0")
    liar.start()
    try:
        positions = [40, 7, 90]
        with C.AuditClient(f"127.0.0.1:{port}", public_key_pem=pem) as c:
            with pytest.raises(C.VerificationFailed) as e:
                c.prove(positions)
        assert e.value.position in (40, 0) or e.value.segment
        if forgery not in ("root", "resigned"):  # a bad digest names no entry
            assert e.value.position == 40
        with C.AuditClient(served.target, public_key_pem=pem) as honest:
            assert [r["position"] for r in honest.prove(positions)] == positions
    finally:
        liar.stop(0)


# ---- export and history ------------------------------------------------------------------

def test_filtered_exports_are_the_filter_applied_to_the_full_export(served):
    served.submit(scenario())
    c = client(served)
    d, everything = full_export(c)
    rec_times = sorted({r["recorded_at_us"] for r in everything})
    cases = [
        (dict(customer_id="AUD"), lambda r: r["customer_id"] == "AUD"),
        (dict(entry_types=["PaymentRecorded", "InvoiceWrittenOff"]),
         lambda r: r["type"] in ("PaymentRecorded", "InvoiceWrittenOff")),
        (dict(effective_from="2026-02-01", effective_to="2026-03-31"),
         lambda r: "2026-02-01" <= r["effective_date"] <= "2026-03-31"),
        (dict(recorded_from_us=rec_times[2], recorded_to_us=rec_times[4]),
         lambda r: rec_times[2] <= r["recorded_at_us"] < rec_times[4]),
        (dict(customer_id="AUD", entry_types=["InvoiceIssued"], effective_to="2026-01-05"),
         lambda r: r["customer_id"] == "AUD" and r["type"] == "InvoiceIssued"
         and r["effective_date"] <= "2026-01-05"),
    ]
    for kw, keep in cases:
        d2, recs = c.export(**kw)
        got = list(recs)
        assert got == [r for r in everything if keep(r)], kw
        assert got and d2["merkle_root"] == d["merkle_root"]


def test_every_exported_line_is_the_canonical_form_of_what_it_says(served):
    """The server writes lines from column fragments; an auditor re-canonicalises the parsed
    record with json.dumps: the bytes must be the same for every entry."""
    served.submit(scenario())
    stub = agrpc.AuditServiceStub(grpc.insecure_channel(served.target))
    lines = [m.entry_json for m in stub.ExportLog(apb.ExportLogRequest())][1:]
    assert len(lines) == served.ledger.state.head_position
    for line in lines:
        rec = json.loads(line)
        assert json.dumps(rec, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False) == line
    assert any("Café crème" in x for x in lines)  # non-ASCII kept as is


def test_csv_and_jsonl_exports_round_trip_to_the_canonical_records(served):
    served.submit(scenario())
    c = client(served)
    _, recs = full_export(c)
    buf = io.StringIO()
    C.write_csv(recs, buf)
    back = [C.record_from_csv(row) for row in csv.DictReader(io.StringIO(buf.getvalue()))]
    assert back == recs
    buf = io.StringIO()
    C.write_jsonl(recs, buf)
    assert [json.loads(x) for x in buf.getvalue().splitlines()] == recs


def test_history_of_an_invoice_is_every_entry_that_touched_it_in_order(served):
    served.submit(scenario())
    c = client(served)
    _, everything = full_export(c)
    disputes = {r["fields"]["dispute_id"] for r in everything
                if r["type"] == "DisputeOpened" and r["fields"]["invoice_id"] == "AUD-1"}

    def touches(r):  # type: ignore[no-untyped-def]
        f = r["fields"]
        return (f.get("invoice_id") == "AUD-1" or f.get("dispute_id") in disputes
                or any(a["invoice_id"] == "AUD-1" for a in f.get("allocations", ())))
    _, hist = c.history(invoice_id="AUD-1")
    hist = list(hist)
    assert hist == [r for r in everything if touches(r)]
    assert [r["type"] for r in hist] == ["InvoiceIssued", "DisputeOpened", "PaymentRecorded",
                                         "DisputeResolved", "CreditNoteIssued",
                                         "InvoiceWrittenOff"]
    assert [(r["actor"], r["reason"]) for r in hist[3:]] == [
        ("ann", "price agreed"), ("ann", "price agreed"), ("bob", "uncollectable")]
    _, by_customer = c.history(customer_id="AUD")
    assert list(by_customer) == [r for r in everything if r["customer_id"] == "AUD"]


def test_bad_requests_get_typed_errors(served):
    served.submit(scenario()[:2])
    c = client(served)
    head = served.ledger.state.head_position

    def reason(fn, *a, **kw) -> str:  # type: ignore[no-untyped-def]
        with pytest.raises(ArledgerError) as e:
            r = fn(*a, **kw)
            if isinstance(r, tuple):
                list(r[1])
        return e.value.reason

    assert reason(c.prove, [head + 1]) == "INVALID_POSITION"
    assert reason(c.prove, [0]) == "INVALID_POSITION"
    assert reason(c.signed_digest, 99) == "INVALID_SEGMENT"
    assert reason(c.prove, customer_id="NOPE") == "CUSTOMER_NOT_FOUND"
    assert reason(c.export, entry_types=["NoSuchType"]) == "INVALID_FILTER"
    assert reason(c.export, effective_from="2026-02-01", effective_to="2026-01-01") == \
        "INVALID_FILTER"
    assert reason(c.export, effective_from="2026-13-01") == "MALFORMED_DATE"
    assert reason(c.history) == "INVALID_FILTER"
    assert reason(c.history, invoice_id="I", customer_id="C") == "INVALID_FILTER"
    assert reason(c.history, invoice_id="NOPE") == "INVOICE_NOT_FOUND"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    foreign = A.sign_digest(Ed25519PrivateKey.generate(), {
        "log": "x", "position": 1, "segment": 1, "head_hash": "00" * 32,
        "merkle_root": "00" * 32, "signed_at_us": 1})
    stub = agrpc.AuditServiceStub(grpc.insecure_channel(served.target))
    req = apb.VerifyRangeRequest()
    getattr(req, "from").CopyFrom(apb.SignedDigest(**foreign))
    with pytest.raises(grpc.RpcError) as e:
        stub.VerifyRange(req)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_an_empty_log_has_a_signed_digest_of_the_empty_tree_and_extends_to_any_later_one(
        served):
    c = client(served)
    empty = c.signed_digest()
    assert (empty["position"], empty["segment"]) == (0, 0)
    assert empty["merkle_root"] == A.EMPTY_ROOT.hex()
    d, recs = c.export()
    assert list(recs) == [] and d["segment"] == 0
    served.submit(scenario()[:2])
    assert c.verify_range(empty)["segment"] == 2
