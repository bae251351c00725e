"""Page tokens: opaque to clients, integrity-protected (HMAC-SHA256) and validated.

A token is base64url(JSON) "." base64url(first 16 bytes of HMAC-SHA256(key, JSON)). The
key is random per process unless the operator sets one (`page_token_key_file`), which lets
tokens survive a restart and work on every replica that shares it. Anything that is not a
token this key made, or whose fields are not what the server wrote, is INVALID_PAGE_TOKEN,
never an exception.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading

from arledger.domain import limits
from arledger.domain.errors import error

_MAC_BYTES = 16
_key = secrets.token_bytes(32)
_lock = threading.Lock()
# Field -> type every token carries: c (what query), a (as_of day), k (known segment),
# o (offset). `c` is a string, the rest non-negative integers.
_FIELDS = {"c": str, "a": int, "k": int, "o": int}


def set_key(key: bytes) -> None:
    """Use `key` (at least 32 bytes) from now on; earlier tokens stop being valid."""
    global _key
    if len(key) < limits.secret_bytes_min:
        raise ValueError(f"a page-token key needs at least {limits.secret_bytes_min} bytes")
    with _lock:
        _key = bytes(key)


def _mac(body: bytes) -> bytes:
    return hmac.new(_key, body, hashlib.sha256).digest()[:_MAC_BYTES]


def make(fields: dict) -> str:
    body = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    return (base64.urlsafe_b64encode(body).decode().rstrip("=") + "."
            + base64.urlsafe_b64encode(_mac(body)).decode().rstrip("="))


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def read(token: str) -> dict:
    """The fields of a token this server made; INVALID_PAGE_TOKEN otherwise."""
    bad = error("INVALID_PAGE_TOKEN", "not a page token this server issued")
    if not isinstance(token, str) or len(token) > limits.page_token_length_max or \
            not token.isascii():
        raise bad
    body_text, dot, mac_text = token.partition(".")
    if not dot:
        raise bad
    try:
        body, mac = _b64(body_text), _b64(mac_text)
    except (binascii.Error, ValueError):
        raise bad from None
    if not hmac.compare_digest(mac, _mac(body)):
        raise bad
    try:
        d = json.loads(body)
    except ValueError:
        raise bad from None
    if not isinstance(d, dict) or set(d) != set(_FIELDS):
        raise bad
    for name, kind in _FIELDS.items():
        v = d[name]
        if type(v) is not kind or (kind is int and v < 0):
            raise bad
    return d


__all__ = ["make", "read", "set_key"]
