"""Fixtures of the security tests: a PKI and tokens made here, servers with TLS and
authentication (helpers in security_helpers.py)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization

from arledger.server.auth import ROLES, new_api_key
from arledger.server.runtime import ServerSettings
from security_helpers import CA, Pki, _key, start, stop, write_private


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca = CA.make()
    cert, key = ca.issue("localhost", server=True)
    (d / "server.pem").write_bytes(cert)
    write_private(d / "server.key", key)
    (d / "ca.pem").write_bytes(ca.pem)
    jk = _key()
    (d / "jwt.pub").write_bytes(jk.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    p = Pki(d, ca, d / "server.pem", d / "server.key", jk, d / "jwt.pub")
    p.api_keys = {r: new_api_key() for r in ROLES}
    p.client_certs = {r: ca.issue(f"cert-{r}") for r in ROLES}
    p.client_certs["nobody"] = ca.issue("cert-nobody")
    return p


@pytest.fixture
def tls_server(tmp_path, pki):
    """TLS; principals by JWT or API key (certificates not required)."""
    s = start(tmp_path, ServerSettings(tls_cert=pki.server_cert, tls_key=pki.server_key,
                                       auth=pki.auth()), pki)
    yield s
    stop(s)


@pytest.fixture
def mtls_server(tmp_path, pki):
    """mTLS required; the certificate's CN is the principal (and tokens also work)."""
    s = start(tmp_path, ServerSettings(tls_cert=pki.server_cert, tls_key=pki.server_key,
                                       client_ca=pki.dir / "ca.pem", auth=pki.auth(mtls=True)),
              pki)
    yield s
    stop(s)


@pytest.fixture
def served(location, tmp_path):
    """A plaintext loopback server without authentication, on each store."""
    s = start(tmp_path, ServerSettings(), location=location)
    yield s
    stop(s)
