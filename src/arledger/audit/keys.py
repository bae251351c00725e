"""Signing keys (Ed25519, a PEM file beside the data) and signed digests: (log,
position, segment, head hash, Merkle root, signed time, key id), signed over
``DIGEST_DOMAIN + canonical JSON of those fields``; `Signer` signs a ledger's head."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from arledger.audit.canonical import canonical_bytes
from arledger.audit.nodes import MerkleLog
from arledger.domain.errors import error
from arledger.engine.segment import GENESIS_HASH

DIGEST_DOMAIN = b"arledger-signed-digest-v1\n"
KEY_FILE_NAME = "audit-key.pem"


# ---- keys and signed digests ---------------------------------------------------------------

def load_or_create_key(path: Path):
    """The Ed25519 signing key kept at `path`; created (mode 0600) on first use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        return key
    except OSError as e:
        raise error("KEY_UNAVAILABLE", f"cannot read the signing key {path}: {e}") from None
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise error("KEY_UNAVAILABLE", f"the signing key {path} is readable by others; "
                    "chmod 600 it")
    try:
        loaded = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise error("KEY_UNAVAILABLE", f"{path} is not a PEM private key: {e}") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise error("KEY_UNAVAILABLE", f"{path} is not an Ed25519 key")
    return loaded


def public_pem(key) -> str:
    from cryptography.hazmat.primitives import serialization
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(public_key) -> str:
    """SHA-256 (hex) of the raw 32-byte Ed25519 public key."""
    from cryptography.hazmat.primitives import serialization
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public_key(pem: str | bytes):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    try:
        k = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError) as e:
        raise error("DIGEST_INVALID", f"not a PEM public key: {e}") from None
    if not isinstance(k, Ed25519PublicKey):
        raise error("DIGEST_INVALID", "not an Ed25519 public key")
    return k


DIGEST_FIELDS = ("log", "position", "segment", "head_hash", "merkle_root", "signed_at_us",
                 "key_id")


def digest_message(d: dict) -> bytes:
    """The bytes an Ed25519 digest signature covers."""
    return DIGEST_DOMAIN + canonical_bytes({k: d[k] for k in DIGEST_FIELDS})


def sign_digest(key, fields: dict) -> dict:
    d = {k: fields[k] for k in DIGEST_FIELDS if k != "key_id"}
    d["key_id"] = key_id(key.public_key())
    d["signature"] = key.sign(digest_message(d)).hex()
    return d


def check_digest(d: dict, public_key) -> None:
    """Raise DIGEST_INVALID unless `d` is well formed and signed by `public_key`."""
    from cryptography.exceptions import InvalidSignature
    try:
        msg = digest_message(d)
        sig = bytes.fromhex(d["signature"])
        types_ok = all(isinstance(d[k], int) and not isinstance(d[k], bool)
                       for k in ("position", "segment", "signed_at_us"))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise error("DIGEST_INVALID", f"not a signed digest: {e}") from None
    if not types_ok:
        raise error("DIGEST_INVALID", "position, segment and signed_at_us must be integers")
    if d["key_id"] != key_id(public_key):
        raise error("DIGEST_INVALID", "the digest was signed by another key")
    try:
        public_key.verify(sig, msg)
    except InvalidSignature:
        raise error("DIGEST_INVALID", "the signature does not match the digest") from None


def default_key_file(store) -> Path:
    """Where a ledger's signing key lives unless ARLEDGER_KEY_FILE says otherwise: beside
    a SQLite log; for PostgreSQL, under ~/.config/arledger/keys (one per table)."""
    env = os.environ.get("ARLEDGER_KEY_FILE")
    if env:
        return Path(env)
    if getattr(store, "kind", "") == "postgres":
        # Tied to the database, not only the table: two databases (or servers) with a table
        # of the same name never share a key.
        from psycopg.conninfo import conninfo_to_dict
        p = conninfo_to_dict(store.dsn)
        db = "_".join(_safe_name(str(p.get(k, d))) for k, d in
                      (("host", "localhost"), ("port", 5432), ("dbname", "postgres")))
        keys = Path.home() / ".config" / "arledger" / "keys"
        path = keys / db / f"{store.table}.pem"
        legacy = keys / f"{store.table}.pem"
        if not path.exists() and legacy.exists():
            raise error("KEY_UNAVAILABLE", f"the signing key is now kept per database at "
                        f"{path}; move {legacy} there if it is this database's key (or set "
                        "ARLEDGER_KEY_FILE / --key-file)")
        return path
    return Path(store.recorder.datastore.pool.db_name).parent / KEY_FILE_NAME


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "_" for ch in text)


class Signer:
    """Issues signed digests of one ledger's log."""

    def __init__(self, ledger, key, clock: Callable[[], int],
                 node_cache: Path | None = None) -> None:
        self.ledger = ledger
        self.key = key
        self.clock = clock
        self.merkle = MerkleLog(ledger, node_cache)

    def digest(self, segment: int = 0) -> dict:
        """A signed digest of the log up to `segment` (0 = the head)."""
        n = self.merkle.extend(segment or None)
        node = self.merkle.nodes[n - 1] if n else None
        return sign_digest(self.key, {
            "log": self.ledger.store.stream, "segment": n,
            "position": node.first_position + node.count - 1 if node else 0,
            "head_hash": node.hash if node else GENESIS_HASH,
            "merkle_root": self.merkle.root(n).hex(), "signed_at_us": int(self.clock())})
