"""Keys, certificates and tokens made by the tests (nothing secret is committed), and
servers with TLS and authentication on a free loopback port."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from arledger.engine import open_ledger
from arledger.server import create_server
from arledger.server.auth import ROLES, AuthSettings, Grant, hash_api_key
from arledger.server.runtime import ServerSettings

PG_DSN = __import__("os").environ.get("ARLEDGER_TEST_PG_DSN",
                                    "postgresql://postgres@127.0.0.1:5432/test")
ISSUER, AUDIENCE = "https://idp.test", "arledger-test"
T0 = 1_790_000_000_000_000


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(k) -> bytes:
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class CA:
    key: object
    cert: object

    @classmethod
    def make(cls, name: str = "arledger test CA") -> "CA":
        k = _key()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                .public_key(k.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(k, hashes.SHA256()))
        return cls(k, cert)

    def issue(self, cn: str, *, server: bool = False) -> tuple[bytes, bytes]:
        """(certificate PEM, key PEM) signed by this CA."""
        import ipaddress
        k = _key()
        now = dt.datetime.now(dt.timezone.utc)
        b = (x509.CertificateBuilder()
             .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
             .issuer_name(self.cert.subject).public_key(k.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(days=1))
             .not_valid_after(now + dt.timedelta(days=30)))
        if server:
            b = b.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
        return _pem(b.sign(self.key, hashes.SHA256())), _pem_key(k)

    @property
    def pem(self) -> bytes:
        return _pem(self.cert)


def write_private(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o600)
    return path


@dataclass
class Pki:
    """A CA, the server's pair, a JWT signing key, and credentials for every role."""
    dir: Path
    ca: CA
    server_cert: Path
    server_key: Path
    jwt_private: object
    jwt_public: Path
    api_keys: dict[str, str] = field(default_factory=dict)  # role -> key
    client_certs: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # role -> pair

    def token(self, sub: str, roles: list[str] | tuple = (), *, exp_s: float = 300,
              aud: str = AUDIENCE, iss: str = ISSUER, key=None, **claims) -> str:
        now = int(time.time())
        return jwt.encode({"sub": sub, "iss": iss, "aud": aud, "iat": now,
                           "exp": now + exp_s, "roles": list(roles), **claims},
                          key or self.jwt_private, algorithm="ES256")

    def auth(self, *, mtls: bool = False) -> AuthSettings:
        from arledger.server.auth import load_jwt_key
        key, algs = load_jwt_key(self.jwt_public)
        s = AuthSettings(mtls=mtls, jwt_key=key, jwt_algorithms=algs, jwt_issuer=ISSUER,
                         jwt_audience=AUDIENCE)
        s.api_keys = {hash_api_key(k): (f"key-{r}", Grant(frozenset({r})))
                      for r, k in self.api_keys.items()}
        s.principals = {f"cert-{r}": Grant(frozenset({r})) for r in ROLES}
        return s


@dataclass
class Secure:
    target: str
    ledger: object
    server: object
    pki: Pki

    def channel(self, *, cert_role: str | None = None, ca: bytes | None = None,
                token: str | None = None) -> grpc.Channel:
        pair = self.pki.client_certs.get(cert_role) if cert_role else None
        creds = grpc.ssl_channel_credentials(
            root_certificates=ca or self.pki.ca.pem, private_key=pair[1] if pair else None,
            certificate_chain=pair[0] if pair else None)
        ch = grpc.secure_channel(self.target, creds)
        if token:
            from arledger_client.credentials import _BearerToken
            ch = grpc.intercept_channel(ch, _BearerToken(token))
        return ch


def start(tmp_path: Path, settings: ServerSettings, pki: Pki | None = None, *,
          location=None, address: str = "127.0.0.1:0") -> Secure:
    ticks = itertools.count(T0, 1_000)
    ledger = (location.open(clock=lambda: next(ticks)) if location is not None
              else open_ledger(tmp_path / "data", clock=lambda: next(ticks)))
    server, port = create_server(ledger, address, clock=lambda: T0, settings=settings)
    server.start()
    return Secure(f"localhost:{port}", ledger, server, pki)


def stop(s: Secure) -> None:
    s.server.stop(0)
    s.ledger.close()




# ---- calling any RPC by its descriptor ---------------------------------------------------

TIMEOUT = 20


def served_methods(target: str, creds: grpc.ChannelCredentials | None = None,
                   token: str | None = None) -> list:
    """(path, method descriptor) of every method of every service the server lists."""
    from google.protobuf import descriptor_pool
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    import arledger.v1.audit_pb2  # noqa: F401  (descriptors into the default pool)
    import arledger.v1.ledger_pb2  # noqa: F401
    import arledger.v1.reports_pb2  # noqa: F401
    import arledger.v1.risk_pb2  # noqa: F401
    ch = grpc.secure_channel(target, creds) if creds else grpc.insecure_channel(target)
    md = [("authorization", f"Bearer {token}")] if token else None
    refl = reflection_pb2_grpc.ServerReflectionStub(ch)
    resp = next(refl.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(
        list_services="")]), metadata=md, timeout=TIMEOUT))
    ch.close()
    pool = descriptor_pool.Default()
    out = []
    for s in resp.list_services_response.service:
        svc = pool.FindServiceByName(s.name)
        out += [(f"/{svc.full_name}/{m.name}", m) for m in svc.methods]
    return sorted(out, key=lambda x: x[0])


def call(ch: grpc.Channel, path: str, m, metadata=None, requests=None,
         raw: bool = False, timeout: float = TIMEOUT) -> tuple[str, str, dict]:
    """(status code name, ErrorInfo reason, ErrorInfo metadata) of one call: an empty
    request, or `requests` (messages, or bytes when `raw`)."""
    from google.protobuf import message_factory
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status
    resp_cls = message_factory.GetMessageClass(m.output_type)
    kw = ({} if raw else dict(request_serializer=lambda r: r.SerializeToString()))
    kw["response_deserializer"] = resp_cls.FromString
    reqs = requests if requests is not None else [message_factory.GetMessageClass(
        m.input_type)()]
    try:
        if not m.client_streaming and not m.server_streaming:
            ch.unary_unary(path, **kw)(reqs[0], timeout=timeout, metadata=metadata)
        elif not m.client_streaming:  # the first answer decides (health Watch never ends)
            it = ch.unary_stream(path, **kw)(reqs[0], timeout=timeout, metadata=metadata)
            if "Watch" in path:
                next(it, None)
                it.cancel()
            else:
                for _ in it:
                    pass
        elif not m.server_streaming:
            ch.stream_unary(path, **kw)(iter(reqs if requests is not None else ()),
                                        timeout=timeout, metadata=metadata)
        else:
            for _ in ch.stream_stream(path, **kw)(iter(reqs), timeout=timeout,
                                                  metadata=metadata):
                pass
    except grpc.RpcError as e:
        reason, info_md = "", {}
        try:
            st = rpc_status.from_call(e)
        except ValueError:
            st = None
        for d in st.details if st is not None else ():
            info = error_details_pb2.ErrorInfo()
            if d.Unpack(info):
                reason, info_md = info.reason, dict(info.metadata)
        return e.code().name, reason, info_md
    return "OK", "", {}
