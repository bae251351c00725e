"""The server's TOML config file: everything `serve` / `follow` flags set, plus the tables
only a file can hold (principals and API keys). Flags override the environment, which
overrides the file, which overrides the built-in defaults.

    arledger serve --config /etc/arledger/arledger.toml

Unknown sections or keys are refused (a typo must not silently leave a default in
force). Relative paths are relative to the file. docs/deployment.md has an example.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path
from typing import Any

# (section, key) -> (argparse dest, type, environment variable that outranks the file,
# is a path)
KEYS: dict[tuple[str, str], tuple[str, type, str | None, bool]] = {
    ("server", "listen"): ("listen", str, None, False),
    ("server", "insecure"): ("insecure", bool, None, False),
    ("server", "max_workers"): ("max_workers", int, None, False),
    ("server", "max_concurrent_rpcs"): ("max_concurrent_rpcs", int, None, False),
    ("server", "max_streams"): ("max_streams", int, None, False),
    ("server", "max_connection_streams"): ("max_connection_streams", int, None, False),
    ("server", "stream_idle_timeout_s"): ("stream_idle_timeout_s", float, None, False),
    ("server", "shutdown_grace_s"): ("shutdown_grace_s", float, None, False),
    ("server", "reflection"): ("reflection", bool, None, False),
    ("server", "group_linger_us"): ("group_linger_us", int, None, False),
    ("server", "poll_ms"): ("poll_ms", int, None, False),
    ("server", "key_file"): ("key_file", str, "ARLEDGER_KEY_FILE", True),
    ("server", "page_token_key_file"): ("page_token_key_file", str, None, True),
    ("server", "lease_reacquire_s"): ("lease_reacquire_s", float, None, False),
    ("store", "data_dir"): ("data_dir", str, "ARLEDGER_DATA_DIR", True),
    ("store", "url"): ("store", str, "ARLEDGER_STORE", False),
    ("store", "namespace"): ("namespace", str, "ARLEDGER_NAMESPACE", False),
    ("store", "partition"): ("partition", str, "ARLEDGER_PARTITION", False),
    ("tls", "cert"): ("tls_cert", str, None, True),
    ("tls", "key"): ("tls_key", str, None, True),
    ("tls", "client_ca"): ("client_ca", str, None, True),
    ("auth", "jwt_key_file"): ("jwt_key_file", str, None, True),
    ("auth", "jwt_issuer"): ("jwt_issuer", str, None, False),
    ("auth", "jwt_audience"): ("jwt_audience", str, None, False),
    ("auth", "jwt_algorithms"): ("jwt_algorithms", list, None, False),
    ("auth", "jwt_leeway_s"): ("jwt_leeway_s", float, None, False),
    ("auth", "jwt_roles_claim"): ("jwt_roles_claim", str, None, False),
    ("auth", "jwt_partitions_claim"): ("jwt_partitions_claim", str, None, False),
    ("log", "format"): ("log_format", str, "ARLEDGER_LOG_FORMAT", False),
    ("log", "level"): ("log_level", str, "ARLEDGER_LOG_LEVEL", False),
    ("metrics", "listen"): ("metrics_listen", str, None, False),
}
TABLES = {("auth", "principals"), ("auth", "api_keys")}
_GRANT_KEYS = {"roles", "partitions"}


class ConfigError(Exception):
    pass


def load(path: str | Path) -> dict[str, Any]:
    """{"defaults": {dest: value}, "principals": {...}, "api_keys": {...}} from a file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"config {path}: {e}") from None
    base = path.resolve().parent
    defaults: dict[str, Any] = {}
    principals: dict[str, dict] = {}
    api_keys: dict[str, dict] = {}
    for section, body in data.items():
        if not isinstance(body, dict) or section not in {s for s, _ in KEYS}:
            raise ConfigError(f"config {path}: unknown section [{section}]")
        for key, value in body.items():
            if (section, key) in TABLES:
                target = principals if key == "principals" else api_keys
                if not isinstance(value, dict):
                    raise ConfigError(f"config {path}: [{section}.{key}] must be a table")
                for name, grant in value.items():
                    _check_grant(path, f"{section}.{key}.{name}", grant, key == "api_keys")
                    target[name] = grant
                continue
            spec = KEYS.get((section, key))
            if spec is None:
                raise ConfigError(f"config {path}: unknown key {key!r} in [{section}]")
            dest, kind, _env, is_path = spec
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ConfigError(f"config {path}: [{section}] {key} must be {kind.__name__}")
            if is_path and value:
                value = str(base / Path(value).expanduser())
            defaults[dest] = value
    return {"defaults": defaults, "principals": principals, "api_keys": api_keys,
            "path": str(path)}


def _check_grant(path: Path, where: str, grant: Any, api_key: bool) -> None:
    if not isinstance(grant, dict):
        raise ConfigError(f"config {path}: [{where}] must be a table")
    allowed = _GRANT_KEYS | ({"sha256"} if api_key else set())
    unknown = set(grant) - allowed
    if unknown:
        raise ConfigError(f"config {path}: unknown keys {sorted(unknown)} in [{where}]")
    from arledger.server.auth import PRINCIPAL_NAME, ROLE_PERMISSIONS
    name = where.rsplit(".", 1)[-1]
    if not PRINCIPAL_NAME.fullmatch(name):
        raise ConfigError(f"config {path}: [{where}]: {name!r} is not a principal name")
    roles = grant.get("roles", [])
    if not isinstance(roles, list) or not all(r in ROLE_PERMISSIONS for r in roles):
        raise ConfigError(f"config {path}: [{where}] roles must be a list of "
                          f"{sorted(ROLE_PERMISSIONS)}")
    parts = grant.get("partitions")
    if parts is not None:
        from arledger.engine.partition import Partition
        from arledger.domain.errors import LedgerError
        try:
            if not isinstance(parts, list):
                raise ValueError
            for p in parts:
                Partition.parse(p)
        except (LedgerError, ValueError, TypeError):
            raise ConfigError(f"config {path}: [{where}] partitions must be a list of "
                              "\"I/N\"") from None
    if api_key:
        h = grant.get("sha256", "")
        if not (isinstance(h, str) and len(h) == 64 and all(c in "0123456789abcdef" for c in h)):
            raise ConfigError(f"config {path}: [{where}] sha256 must be 64 lowercase hex "
                              "digits (`arledger auth new-api-key` prints one)")


def apply(parser: argparse.ArgumentParser, conf: dict[str, Any]) -> None:
    """Make the file's values the parser's defaults, except where an environment
    variable that outranks the file is set."""
    values = {}
    for (_s, _k), (dest, _kind, env, _p) in KEYS.items():
        if dest in conf["defaults"] and not (env and os.environ.get(env)):
            values[dest] = conf["defaults"][dest]
    known = {a.dest for a in parser._actions}
    parser.set_defaults(**{k: v for k, v in values.items() if k in known})


def auth_settings(args: argparse.Namespace, conf: dict[str, Any] | None) -> Any:
    """AuthSettings from the parsed flags and the file's tables."""
    from arledger.engine.partition import Partition
    from arledger.server.auth import AuthSettings, Grant, load_jwt_key

    def grant(g: dict) -> Grant:
        parts = g.get("partitions")
        return Grant(frozenset(g.get("roles", [])),
                     None if parts is None else frozenset(str(Partition.parse(p))
                                                          for p in parts))
    conf = conf or {"principals": {}, "api_keys": {}}
    s = AuthSettings(mtls=bool(getattr(args, "client_ca", None)))
    s.principals = {name: grant(g) for name, g in conf["principals"].items()}
    s.api_keys = {g["sha256"]: (name, grant(g)) for name, g in conf["api_keys"].items()}
    if getattr(args, "jwt_key_file", None):
        if not (args.jwt_issuer and args.jwt_audience):
            raise ConfigError("JWT authentication needs jwt_issuer and jwt_audience")
        s.jwt_key, s.jwt_algorithms = load_jwt_key(Path(args.jwt_key_file),
                                                   tuple(args.jwt_algorithms or ()))
        s.jwt_issuer, s.jwt_audience = args.jwt_issuer, args.jwt_audience
        s.jwt_leeway_s = args.jwt_leeway_s
        s.jwt_roles_claim = args.jwt_roles_claim
        s.jwt_partitions_claim = args.jwt_partitions_claim
    return s


def server_settings(args: argparse.Namespace, conf: dict[str, Any] | None) -> Any:
    """ServerSettings from the parsed flags (which include the file's values)."""
    from arledger.server.runtime import ServerSettings, load_page_token_key
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ConfigError("TLS needs both --tls-cert and --tls-key")
    if args.client_ca and not args.tls_cert:
        raise ConfigError("--client-ca (mTLS) needs --tls-cert and --tls-key")
    return ServerSettings(
        max_workers=args.max_workers, max_concurrent_rpcs=args.max_concurrent_rpcs,
        max_streams=args.max_streams, max_connection_streams=args.max_connection_streams,
        stream_idle_timeout_s=args.stream_idle_timeout_s,
        shutdown_grace_s=args.shutdown_grace_s, reflection=args.reflection,
        insecure=args.insecure,
        tls_cert=Path(args.tls_cert) if args.tls_cert else None,
        tls_key=Path(args.tls_key) if args.tls_key else None,
        client_ca=Path(args.client_ca) if args.client_ca else None,
        auth=auth_settings(args, conf),
        page_token_key=(load_page_token_key(Path(args.page_token_key_file))
                        if args.page_token_key_file else None),
        lease_reacquire_s=args.lease_reacquire_s)


def add_server_args(p: argparse.ArgumentParser) -> None:
    """The flags of `serve` and `follow` beyond the store's (each has a config key)."""
    g = p.add_argument_group("network, limits and operations (each flag has a config-file key)")
    g.add_argument("--config", default=os.environ.get("ARLEDGER_CONFIG", ""),
                   help="TOML config file (env ARLEDGER_CONFIG); flags and environment "
                        "override it")
    g.add_argument("--insecure", action="store_true", default=False,
                   help="allow listening beyond loopback without TLS and authentication "
                        "(logged as a warning)")
    g.add_argument("--tls-cert", default="", help="server certificate chain (PEM); reloaded "
                   "when the file changes")
    g.add_argument("--tls-key", default="", help="its private key (PEM, mode 0600)")
    g.add_argument("--client-ca", default="", help="CA of client certificates: mTLS "
                   "required, the certificate's CN is the principal")
    g.add_argument("--jwt-key-file", default="", help="JWT verification key: a PEM public "
                   "key (RS256/ES256/EdDSA) or an HMAC secret file (HS256, mode 0600)")
    g.add_argument("--jwt-issuer", default="", help="required `iss` of tokens")
    g.add_argument("--jwt-audience", default="", help="required `aud` of tokens")
    g.add_argument("--jwt-algorithms", type=lambda t: [a for a in t.split(",") if a],
                   default=[], help="pinned algorithms, comma-separated (default: the "
                   "key's own)")
    g.add_argument("--jwt-leeway-s", type=float, default=30.0, help=argparse.SUPPRESS)
    g.add_argument("--jwt-roles-claim", default="roles", help=argparse.SUPPRESS)
    g.add_argument("--jwt-partitions-claim", default="partitions", help=argparse.SUPPRESS)
    g.add_argument("--max-workers", type=int, default=32, help="RPC threads (default 32)")
    g.add_argument("--max-concurrent-rpcs", type=int, default=1024,
                   help="calls beyond this are refused before taking a thread (default 1024)")
    g.add_argument("--max-streams", type=int, default=0, help="concurrent streaming calls "
                   "(default: half the RPC threads)")
    g.add_argument("--max-connection-streams", type=int, default=128, help=argparse.SUPPRESS)
    g.add_argument("--stream-idle-timeout-s", type=float, default=60.0,
                   help="cancel a stream waiting on its client this long (default 60)")
    g.add_argument("--shutdown-grace-s", type=float, default=10.0,
                   help="on SIGTERM, how long calls in flight may take (default 10)")
    g.add_argument("--no-reflection", dest="reflection", action="store_false", default=True,
                   help="turn gRPC reflection off (it is admin-only with authentication)")
    g.add_argument("--page-token-key-file", default="", help="HMAC key of page tokens "
                   "(shared by replicas; default: random per process)")
    g.add_argument("--lease-reacquire-s", type=float, default=30.0,
                   help="PostgreSQL writer: how long to try to take a lost lease again "
                        "before exiting (default 30)")
    g.add_argument("--log-format", choices=("text", "json"),
                   default=os.environ.get("ARLEDGER_LOG_FORMAT", "text"),
                   help="log lines as text or JSON (env ARLEDGER_LOG_FORMAT)")
    g.add_argument("--log-level", default=os.environ.get("ARLEDGER_LOG_LEVEL", "info"),
                   choices=("debug", "info", "warning", "error"), help="(default info)")
    g.add_argument("--metrics-listen", default="", help="serve Prometheus metrics on "
                   "host:port (default: off)")


__all__ = ["load", "apply", "server_settings", "auth_settings", "add_server_args",
           "ConfigError", "KEYS"]
