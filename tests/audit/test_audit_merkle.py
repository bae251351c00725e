"""The Merkle trees (server side, arledger.audit) against recursive definitions written out
here: RFC 6962's for a segment's entries, and the same shape with nodes that carry entry
counts (a sum tree) for the log's tree over segments. The SDK's verifiers
(arledger_client.audit) against both: every genuine proof verifies, every altered one
(hash or count) is refused without a crash."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arledger import audit as A
from arledger.v1 import audit_pb2 as apb
from arledger_client import audit as C


# ---- RFC 6962 section 2.1, literally (the independent reference) ----------------------------

def H(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def k_of(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def RFC(left: bytes, right: bytes) -> bytes:
    return H(b"\x01" + left + right)


def RFC_LEAF(x: bytes) -> bytes:
    return H(b"\x00" + x)


def mth(d: list, node=RFC, leaf=RFC_LEAF, empty=H(b"")):  # type: ignore[no-untyped-def]
    """MTH(D[n]) of section 2.1.1; `node`, `leaf` and `empty` are its hashing (the sum tree
    below passes its own)."""
    if not d:
        return empty
    if len(d) == 1:
        return leaf(d[0])
    k = k_of(len(d))
    return node(mth(d[:k], node, leaf, empty), mth(d[k:], node, leaf, empty))


def path(m: int, d: list, node=RFC, leaf=RFC_LEAF) -> list:  # type: ignore[no-untyped-def]
    """PATH(m, D[n]) of section 2.1.3.1."""
    if len(d) == 1:
        return []
    k = k_of(len(d))
    if m < k:
        return path(m, d[:k], node, leaf) + [mth(d[k:], node, leaf)]
    return path(m - k, d[k:], node, leaf) + [mth(d[:k], node, leaf)]


def subproof(m: int, d: list, b: bool, node=RFC, leaf=RFC_LEAF) -> list:  # type: ignore[no-untyped-def]
    """SUBPROOF(m, D[n], b) of section 2.1.4.1."""
    n = len(d)
    if m == n:
        return [] if b else [mth(d, node, leaf)]
    k = k_of(n)
    if m <= k:
        return subproof(m, d[:k], b, node, leaf) + [mth(d[k:], node, leaf)]
    return subproof(m - k, d[k:], False, node, leaf) + [mth(d[:k], node, leaf)]


# ---- the log's tree: RFC 6962's shape, nodes (hash, entries below) -----------------------------

def SN(left: tuple[bytes, int], right: tuple[bytes, int]) -> tuple[bytes, int]:
    (lh, lc), (rh, rc) = left, right
    return H(b"\x02" + lc.to_bytes(8, "big") + lh + rc.to_bytes(8, "big") + rh), lc + rc


def _pair(x: tuple[bytes, int]) -> tuple[bytes, int]:  # a segment's leaf is given hashed
    return x


def msth(d: list[tuple[bytes, int]]) -> tuple[bytes, int]:
    """The sum tree's root over leaves (segment leaf hash, entries)."""
    return mth(d, SN, _pair, (H(b""), 0))


def spath(m: int, d: list) -> list:
    return path(m, d, SN, _pair)


def ssubproof(m: int, d: list, b: bool) -> list:
    return subproof(m, d, b, SN, _pair)


def segs(n: int, salt: int = 0) -> list[tuple[bytes, int]]:
    """n segment leaves with entry counts 1..7."""
    return [(H(b"\x00" + f"segment {salt}/{i}".encode()), 1 + (i * 5 + salt) % 7)
            for i in range(n)]


def data(n: int, salt: int = 0) -> list[bytes]:
    return [f"entry {salt}/{i}".encode() for i in range(n)]


def levels(d: list[bytes]):
    return A.tree_levels([A.leaf_hash(x) for x in d])


# ---- the server's tree is RFC 6962's ------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 140), st.integers(0, 10**6))
def test_root_and_every_inclusion_path_equal_the_rfc_definitions(n, salt):
    d = data(n, salt)
    lv = levels(d)
    assert A.tree_root(lv) == mth(d)
    for m in {0, n - 1, n // 2, (salt % n)}:
        assert A.inclusion_path(lv, m) == path(m, d)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 140), st.data())
def test_consistency_proofs_and_prefix_roots_equal_the_rfc_definitions(n, draw):
    d = data(n)
    lv = levels(d)
    m = draw.draw(st.integers(1, n - 1))
    assert A.prefix_root(lv, m) == mth(d[:m])
    assert A.consistency_proof(lv, m, n) == subproof(m, d, True)


def test_the_empty_tree_is_the_hash_of_nothing():
    assert A.tree_root(A.tree_levels([])) == H(b"") == A.EMPTY_ROOT


# ---- the SDK accepts exactly the genuine proofs ------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 140), st.data())
def test_sdk_inclusion_verifier_accepts_genuine_paths_and_refuses_altered_ones(n, draw):
    d = data(n)
    root = mth(d)
    m = draw.draw(st.integers(0, n - 1))
    p = path(m, d)
    leaf = H(b"\x00" + d[m])
    assert C.root_from_path(m, n, leaf, p) == root
    # any other leaf or index, or a changed / missing / extra path element (a different
    # size may give the same root: the size is bound by the signed digest, not the path)
    forged = [(m, n, H(b"\x00" + b"forged"), p)]
    if n > 1:
        forged.append(((m + 1) % n, n, leaf, p))
    for i in range(len(p)):
        q = list(p)
        q[i] = bytes([q[i][0] ^ 1]) + q[i][1:]
        forged.append((m, n, leaf, q))
        forged.append((m, n, leaf, p[:i] + p[i + 1:]))
    forged.append((m, n, leaf, p + [H(b"x")]))
    for args in forged:
        try:
            got = C.root_from_path(*args)
        except C.VerificationFailed:
            continue
        assert got != root, args


# ---- the log's tree (a sum tree) --------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 140), st.data())
def test_the_log_tree_root_paths_and_consistency_proofs_equal_the_sum_tree_definition(n, draw):
    d = segs(n, draw.draw(st.integers(0, 6)))
    lv = A.log_tree_levels(d)
    assert A.log_tree_root(lv) == msth(d)
    assert msth(d)[1] == sum(c for _, c in d)
    m = draw.draw(st.integers(0, n - 1))
    assert A.inclusion_path(lv, m) == spath(m, d)
    if n > 1:
        m = draw.draw(st.integers(1, n - 1))
        assert A.prefix_root(lv, m, A.sum_node, A.EMPTY_LOG) == msth(d[:m])
        assert A.consistency_proof(lv, m, n, A.sum_node) == ssubproof(m, d, True)
    assert A.log_tree_root(A.log_tree_levels([])) == (H(b""), 0) == A.EMPTY_LOG


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 140), st.data())
def test_sdk_log_path_gives_the_root_the_total_and_the_entries_before_the_segment(n, draw):
    d = segs(n)
    m = draw.draw(st.integers(0, n - 1))
    p = spath(m, d)
    root, total = msth(d)
    assert C.log_root_from_path(m, n, d[m], p) == (root, total, sum(c for _, c in d[:m]))
    # a sibling's count changed (by one, either way) no longer leads to the root and its
    # total; nor does a leaf claiming another count (in the log a leaf's hash binds its
    # count too)
    forged = [(m, n, (d[m][0], d[m][1] + 1), p)]
    for i in range(len(p)):
        for delta in (1, -1):
            q = list(p)
            q[i] = (q[i][0], q[i][1] + delta)
            forged.append((m, n, d[m], q))
    for args in forged:
        try:
            got = C.log_root_from_path(*args)
        except C.VerificationFailed:
            continue
        assert got[:2] != (root, total), args


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 140), st.data())
def test_sdk_consistency_verifier_accepts_genuine_proofs_and_refuses_altered_ones(n, draw):
    d = segs(n)
    m = draw.draw(st.integers(1, n - 1))
    (old, oe), (new, ne) = msth(d[:m]), msth(d)
    proof = ssubproof(m, d, True)
    C.verify_consistency(m, n, old, new, proof, old_entries=oe, new_entries=ne)
    # the proof as TreeNode messages, as the server sends it, verifies too
    C.verify_consistency(m, n, old, new, [apb.TreeNode(hash=h, entries=c) for h, c in proof],
                         old_entries=oe, new_entries=ne)
    other = msth(segs(n, salt=1))[0]  # a different log of the same size
    bad = [(m, n, old, other, proof, oe, ne), (m, n, msth(segs(m, 2))[0], new, proof, oe, ne),
           (m, n, old, new, proof[:-1], oe, ne), (m, n, old, new, proof + [(H(b"x"), 1)], oe, ne),
           # the entries either root holds, misstated
           (m, n, old, new, proof, oe + 1, ne), (m, n, old, new, proof, oe, ne + 1),
           (m, n, old, new, proof, oe - 1, ne)]
    if m + 1 < n:
        bad.append((m + 1, n, old, new, proof, oe, ne))
    for i in range(len(proof)):
        q = list(proof)
        q[i] = (H(q[i][0]), q[i][1])
        bad.append((m, n, old, new, q, oe, ne))
        q = list(proof)
        q[i] = (q[i][0], q[i][1] + 1)
        bad.append((m, n, old, new, q, oe, ne))
    for m_, n_, o, w, pr, oe_, ne_ in bad:
        with pytest.raises(C.VerificationFailed):
            C.verify_consistency(m_, n_, o, w, pr, old_entries=oe_, new_entries=ne_)


def test_sdk_refuses_paths_that_are_not_hashes_without_crashing():
    leaf = H(b"\x00a")
    for p in ([b"short"], ["not bytes"], [None]):
        with pytest.raises(C.VerificationFailed):
            C.root_from_path(0, 2, leaf, p)
    with pytest.raises(C.VerificationFailed):
        C.root_from_path(5, 2, leaf, [])
    with pytest.raises(C.VerificationFailed):
        C.verify_consistency(3, 2, leaf, leaf, [], old_entries=3, new_entries=2)
    for node in ((leaf, -1), (leaf, True), (leaf, 1 << 63), (leaf,), "x", None,
                 {"hash": leaf}, (b"short", 1)):
        with pytest.raises(C.VerificationFailed):
            C.log_root_from_path(0, 2, (leaf, 1), [node])
        with pytest.raises(C.VerificationFailed):
            C.verify_consistency(1, 2, leaf, leaf, [node], old_entries=1, new_entries=2)
