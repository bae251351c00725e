"""Credentials for a server that authenticates: TLS (CA, client certificate) and a bearer
token (a JWT or an API key), from arguments, the environment or a config file.

    creds = Credentials.load(ca="ca.pem", token_file="token.jwt")
    with ArledgerClient("ledger.example:50051", credentials=creds) as client: ...

Where each value comes from, first found wins: the argument; the environment
(ARLEDGER_CA, ARLEDGER_CLIENT_CERT, ARLEDGER_CLIENT_KEY, ARLEDGER_TOKEN,
ARLEDGER_TOKEN_FILE, ARLEDGER_SERVER_NAME, ARLEDGER_TLS=1); the `[client]` table of the
TOML file named by `config_file`, ARLEDGER_CLIENT_CONFIG, or ~/.config/arledger/client.toml:

    [client]
    target = "ledger.example:50051"
    ca = "/etc/arledger/ca.pem"          # trust these roots (TLS); none: the system's
    cert = "/etc/arledger/me.pem"        # client certificate (mTLS) ...
    key = "/etc/arledger/me.key"         # ... and its key
    token_file = "/run/secrets/arledger.jwt"
    tls = true                           # TLS with the system's roots, no other setting

Relative paths in the file are relative to the file. A token is never sent over a
plaintext channel to anything but a loopback address.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

DEFAULT_CONFIG = Path("~/.config/arledger/client.toml")
_KEYS = {"target", "ca", "cert", "key", "token", "token_file", "server_name", "tls"}


@dataclass(frozen=True)
class Credentials:
    """What a client presents. Empty credentials make a plaintext channel, as before."""

    ca_pem: bytes | None = None
    cert_pem: bytes | None = None
    key_pem: bytes | None = None
    token: str | None = field(default=None, repr=False)  # never printed
    server_name: str | None = None
    tls: bool = False
    target: str | None = None  # the config file's target, for callers that want it

    @property
    def secure(self) -> bool:
        return self.tls or self.ca_pem is not None or self.cert_pem is not None

    @property
    def empty(self) -> bool:
        return not self.secure and not self.token

    @classmethod
    def load(cls, *, ca: str | None = None, cert: str | None = None, key: str | None = None,
             token: str | None = None, token_file: str | None = None,
             server_name: str | None = None, tls: bool | None = None,
             config_file: str | os.PathLike[str] | None = None,
             env: Mapping[str, str] | None = None) -> Credentials:
        """Arguments first, then the environment, then the config file (see the module)."""
        env = os.environ if env is None else env
        conf, base = _config(config_file or env.get("ARLEDGER_CLIENT_CONFIG") or None)

        def pick(arg: Any, var: str, name: str) -> Any:
            if arg not in (None, ""):
                return arg, None
            if env.get(var):
                return env[var], None
            if conf.get(name) not in (None, ""):
                return conf[name], base
            return None, None

        def read(arg: Any, var: str, name: str) -> bytes | None:
            value, rel = pick(arg, var, name)
            if value is None:
                return None
            path = Path(value).expanduser()
            if rel is not None and not path.is_absolute():
                path = rel / path
            return path.read_bytes()

        tok, _ = pick(token, "ARLEDGER_TOKEN", "token")
        if tok is None:
            raw = read(token_file, "ARLEDGER_TOKEN_FILE", "token_file")
            tok = raw.decode().strip() if raw is not None else None
        cert_pem = read(cert, "ARLEDGER_CLIENT_CERT", "cert")
        key_pem = read(key, "ARLEDGER_CLIENT_KEY", "key")
        if (cert_pem is None) != (key_pem is None):
            raise ValueError("a client certificate needs its key, and a key its certificate")
        name, _ = pick(server_name, "ARLEDGER_SERVER_NAME", "server_name")
        want_tls, _ = pick(tls, "ARLEDGER_TLS", "tls")
        target, _ = pick(None, "ARLEDGER_TARGET", "target")
        return cls(ca_pem=read(ca, "ARLEDGER_CA", "ca"), cert_pem=cert_pem, key_pem=key_pem,
                   token=tok or None, server_name=name,
                   tls=str(want_tls).lower() in ("1", "true", "yes"), target=target)

    def channel(self, target: str, options: list[tuple[str, Any]] | None = None) -> grpc.Channel:
        """A channel to `target` presenting these credentials."""
        opts = list(options or [])
        if self.server_name:
            opts.append(("grpc.ssl_target_name_override", self.server_name))
        if self.secure:
            ch = grpc.secure_channel(target, grpc.ssl_channel_credentials(
                root_certificates=self.ca_pem, private_key=self.key_pem,
                certificate_chain=self.cert_pem), options=opts)
        else:
            if self.token and not is_loopback(target):
                raise ValueError(f"refusing to send a token in plaintext to {target}: give a CA "
                                 "(ca=, ARLEDGER_CA) or tls=True")
            ch = grpc.insecure_channel(target, options=opts)
        if self.token:
            ch = grpc.intercept_channel(ch, _BearerToken(self.token))
        return ch


def is_loopback(target: str) -> bool:
    """True for 127.0.0.0/8, ::1, localhost and unix: targets."""
    if target.startswith(("unix:", "unix-abstract:")):
        return True
    host = target.rsplit(":", 1)[0] if ":" in target else target
    host = host.removeprefix("ipv4:").removeprefix("ipv6:").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _config(path: str | os.PathLike[str] | None) -> tuple[dict[str, Any], Path | None]:
    explicit = path is not None
    p = Path(path if path is not None else DEFAULT_CONFIG).expanduser()
    if not explicit and not p.exists():
        return {}, None
    try:
        data = tomllib.loads(p.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"client config {p}: {e}") from None
    conf = data.get("client", {})
    unknown = set(conf) - _KEYS
    if unknown:
        raise ValueError(f"client config {p}: unknown keys {sorted(unknown)}")
    return conf, p.parent


# The interceptor bases (plain classes in grpcio and in types-grpcio, the stubs pinned in the
# test extras).
_UnaryUnary = grpc.UnaryUnaryClientInterceptor
_UnaryStream = grpc.UnaryStreamClientInterceptor
_StreamUnary = grpc.StreamUnaryClientInterceptor
_StreamStream = grpc.StreamStreamClientInterceptor


class _BearerToken(_UnaryUnary, _UnaryStream, _StreamUnary, _StreamStream):
    """Adds `authorization: Bearer <token>` to every call."""

    def __init__(self, token: str) -> None:
        self._md = ("authorization", f"Bearer {token}")

    def _details(self, d: Any) -> Any:
        md = [m for m in (d.metadata or ()) if m[0] != "authorization"] + [self._md]
        return _Details(d.method, d.timeout, md, d.credentials, d.wait_for_ready,
                        d.compression)

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), requests)


class _Details(grpc.ClientCallDetails):
    def __init__(self, method, timeout, metadata, credentials, wait_for_ready,  # type: ignore[no-untyped-def]
                 compression) -> None:
        self.method, self.timeout, self.metadata = method, timeout, metadata
        self.credentials, self.wait_for_ready, self.compression = (credentials, wait_for_ready,
                                                                   compression)


__all__ = ["Credentials", "is_loopback"]
