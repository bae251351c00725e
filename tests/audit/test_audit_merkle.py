"""The Merkle tree (server side, arledger.audit) against RFC 6962's recursive definitions
written out here, and the SDK's verifiers (arledger_client.audit) against both: every
genuine proof verifies, every altered one is refused without a crash."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arledger import audit as A
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


def mth(d: list[bytes]) -> bytes:
    if not d:
        return H(b"")
    if len(d) == 1:
        return H(b"\x00" + d[0])
    k = k_of(len(d))
    return H(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = k_of(len(d))
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = k_of(n)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


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


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 140), st.data())
def test_sdk_consistency_verifier_accepts_genuine_proofs_and_refuses_altered_ones(n, draw):
    d = data(n)
    m = draw.draw(st.integers(1, n - 1))
    old, new = mth(d[:m]), mth(d)
    proof = subproof(m, d, True)
    C.verify_consistency(m, n, old, new, proof)
    other = mth(data(n, salt=1))  # a different log of the same size
    bad = [(m, n, old, other, proof), (m, n, mth(data(m, 2)), new, proof),
           (m, n, old, new, proof[:-1]), (m, n, old, new, proof + [H(b"x")])]
    if m + 1 < n:
        bad.append((m + 1, n, old, new, proof))
    for i in range(len(proof)):
        q = list(proof)
        q[i] = H(q[i])
        bad.append((m, n, old, new, q))
    for args in bad:
        with pytest.raises(C.VerificationFailed):
            C.verify_consistency(*args)


def test_sdk_refuses_paths_that_are_not_hashes_without_crashing():
    leaf = H(b"\x00a")
    for p in ([b"short"], ["not bytes"], [None]):
        with pytest.raises(C.VerificationFailed):
            C.root_from_path(0, 2, leaf, p)
    with pytest.raises(C.VerificationFailed):
        C.root_from_path(5, 2, leaf, [])
    with pytest.raises(C.VerificationFailed):
        C.verify_consistency(3, 2, leaf, leaf, [])
