"""The signing key on disk, and digest signatures checked on both sides (server, SDK)."""

import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from arledger import audit as A
from arledger.domain.errors import LedgerError
from arledger_client import audit as C

FIELDS = {"log": "arledger-log-p0", "position": 120, "segment": 3, "head_hash": "ab" * 32,
          "merkle_root": "cd" * 32, "signed_at_us": 1_790_000_000_000_000}


def test_the_key_is_created_private_and_reused(tmp_path):
    path = tmp_path / "keys" / "k.pem"
    k1 = A.load_or_create_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    k2 = A.load_or_create_key(path)
    assert A.key_id(k1.public_key()) == A.key_id(k2.public_key())
    pem = A.public_pem(k1)
    assert C.key_id(C.load_public_key(pem)) == A.key_id(k1.public_key())


@pytest.mark.parametrize("spoil", ["readable_by_others", "garbage", "not_ed25519"])
def test_a_key_file_that_is_not_a_private_ed25519_key_is_refused(tmp_path, spoil):
    path = tmp_path / "k.pem"
    if spoil == "readable_by_others":
        A.load_or_create_key(path)
        path.chmod(0o644)
    elif spoil == "garbage":
        path.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnope\n")
        path.chmod(0o600)
    else:
        path.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        path.chmod(0o600)
    with pytest.raises(LedgerError) as e:
        A.load_or_create_key(path)
    assert e.value.reason == "KEY_UNAVAILABLE"


def test_every_signed_field_is_covered_by_the_signature(tmp_path):
    key = A.load_or_create_key(tmp_path / "k.pem")
    d = A.sign_digest(key, FIELDS)
    A.check_digest(d, key.public_key())
    C.verify_digest(d, key.public_key())
    changed = {"log": "other", "position": 121, "segment": 4, "head_hash": "ac" * 32,
               "merkle_root": "ce" * 32, "signed_at_us": 1, "key_id": "00" * 32,
               "signature": "00" * 64}
    for k, v in changed.items():
        forged = dict(d, **{k: v})
        with pytest.raises(LedgerError) as e:
            A.check_digest(forged, key.public_key())
        assert e.value.reason == "DIGEST_INVALID", k
        with pytest.raises(C.VerificationFailed):
            C.verify_digest(forged, key.public_key())
    for broken in ({}, dict(d, position="120"), dict(d, signature="zz"), dict(d, segment=True)):
        with pytest.raises(LedgerError):
            A.check_digest(broken, key.public_key())
        with pytest.raises(C.VerificationFailed):
            C.verify_digest(broken, key.public_key())
