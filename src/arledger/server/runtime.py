"""What a networked server needs around its servicers: settings, TLS with reload, the
listening policy, health and drain control, shutdown, and the writer lease's watch."""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import grpc

from arledger.domain import limits
from arledger.server.auth import AuthSettings
from arledger.server.files import check_private

log = logging.getLogger("arledger.server")


class InsecureListen(Exception):
    """The server would listen on a network without TLS and authentication."""


@dataclass
class ServerSettings:
    """Everything create_server takes beyond the ledger and the address (see config.py
    for the TOML keys and flags that set each)."""
    max_workers: int = 32
    max_concurrent_rpcs: int = 1024
    max_streams: int = 0                 # 0: max_workers // 2
    max_connection_streams: int = 128    # HTTP/2 streams per connection
    stream_idle_timeout_s: float = 60.0
    shutdown_grace_s: float = 10.0
    reflection: bool = True
    insecure: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    auth: AuthSettings = field(default_factory=AuthSettings)
    page_token_key: bytes | None = None
    lease_reacquire_s: float = 30.0
    lease_check_s: float = 1.0
    metrics: Any = None                  # observability.Metrics
    on_fatal: Callable[[str], None] | None = None  # e.g. the CLI: exit so a supervisor restarts

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def streams_max(self) -> int:
        return self.max_streams or max(1, self.max_workers // 2)


def is_loopback_address(address: str) -> bool:
    if address.startswith(("unix:", "unix-abstract:")):
        return True
    host = address.rsplit(":", 1)[0] if ":" in address else address
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name, or 0.0.0.0 / [::]: the network


def check_listen(address: str, s: ServerSettings) -> None:
    """Refuse to listen beyond loopback without TLS and authentication, unless told to."""
    if is_loopback_address(address):
        return
    missing = [w for w, ok in (("TLS (--tls-cert/--tls-key)", s.tls),
                               ("authentication (--client-ca, JWT or API keys)",
                                s.auth.enabled)) if not ok]
    if not missing:
        return
    if not s.insecure:
        raise InsecureListen(f"refusing to listen on {address} without {' and '.join(missing)}"
                             "; configure them, or pass --insecure to accept the risk")
    log.warning("listening without %s on %s: anyone who reaches the port can %s",
                " and ".join(missing), address,
                "read and write the ledger" if not s.auth.enabled else "read the traffic",
                extra={"event": "insecure_listen", "address": address})


class CertReloader:
    """TLS server credentials that follow the files: grpc asks on every new connection,
    and a changed certificate, key or client CA (a checked pair) is used from then on;
    connections already open keep theirs. A pair that does not load or match is logged
    and the previous one kept."""

    def __init__(self, cert: Path, key: Path, client_ca: Path | None) -> None:
        self.paths = [Path(cert), Path(key)] + ([Path(client_ca)] if client_ca else [])
        self.client_ca = client_ca
        self._stamp = self._stat()
        self.current = self._load()
        self.reloads = 0
        self._lock = threading.Lock()

    def _stat(self) -> tuple:
        out = []
        for p in self.paths:
            try:
                st = p.stat()
                out.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                out.append(None)
        return tuple(out)

    def _load(self) -> Any:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        cert, key = self.paths[0], self.paths[1]
        check_private(key, "the TLS private key")
        cert_pem, key_pem = cert.read_bytes(), key.read_bytes()
        pub = x509.load_pem_x509_certificate(cert_pem).public_key()
        priv = serialization.load_pem_private_key(key_pem, password=None)
        raw = serialization.PublicFormat.SubjectPublicKeyInfo
        if pub.public_bytes(serialization.Encoding.DER, raw) != \
                priv.public_key().public_bytes(serialization.Encoding.DER, raw):
            raise ValueError(f"{key} is not the key of {cert}")
        ca = self.paths[2].read_bytes() if self.client_ca else None
        return grpc.ssl_server_certificate_configuration([(key_pem, cert_pem)],
                                                         root_certificates=ca)

    def fetch(self) -> Any:
        stamp = self._stat()
        if stamp == self._stamp:
            return None
        with self._lock:
            if stamp == self._stamp:
                return None
            try:
                config = self._load()
            except Exception as e:  # noqa: BLE001 - keep serving with the old pair
                log.warning("TLS files changed but do not load; keeping the previous ones: %s",
                            e, extra={"event": "tls_reload_failed"})
                return None
            self._stamp = stamp
            self.current = config
            self.reloads += 1
            log.info("TLS certificate reloaded", extra={"event": "tls_reload"})
            return config

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.dynamic_ssl_server_credentials(
            self.current, self.fetch, require_client_authentication=self.client_ca is not None)


def health_servicer() -> Any:
    """grpc's health servicer with `List` answered (grpc's raises NotImplementedError,
    which a caller sees as UNKNOWN)."""
    from grpc_health.v1 import health, health_pb2

    class Health(health.HealthServicer):
        def List(self, request, context):
            with self._lock:
                statuses = dict(self._server_status)
            out = health_pb2.HealthListResponse()
            for name, status in statuses.items():
                out.statuses[name].status = status
            return out
    return Health()


class Control:
    """The running server's levers: health, admission, shutdown. Attached to the grpc
    server as `server.control` by create_server."""

    def __init__(self, server: grpc.Server, ledger: Any, health: Any, names: tuple[str, ...],
                 gate: Any, limiter: Any, settings: ServerSettings) -> None:
        self.server = server
        self.ledger = ledger
        self.health = health
        self.names = names
        self.gate = gate
        self.limiter = limiter
        self.settings = settings
        self.fatal = ""
        self._lost_at = 0.0
        self._stopped = threading.Event()

    def set_serving(self, serving: bool) -> None:
        from grpc_health.v1 import health_pb2
        status = (health_pb2.HealthCheckResponse.SERVING if serving
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        for name in ("",) + self.names:
            self.health.set(name, status)
        m = self.settings.metrics
        if m is not None:
            m.serving.set(1 if serving else 0)

    def shutdown(self, grace_s: float | None = None) -> dict:
        """Stop: health NOT_SERVING first, new calls refused (SHUTTING_DOWN), calls in
        flight given `grace_s` to finish, then every remaining call cancelled. Returns
        figures for the log. Never blocks much past the grace."""
        grace = self.settings.shutdown_grace_s if grace_s is None else grace_s
        t0 = time.monotonic()
        self.gate.refusing = "SHUTTING_DOWN"
        self.health.enter_graceful_shutdown()  # every service NOT_SERVING, for good
        m = self.settings.metrics
        if m is not None:
            m.serving.set(0)
        inflight = self.gate.inflight
        finished = self.gate.wait_idle(grace)
        cancelled = 0
        if not finished:
            cancelled = self.limiter.cancel_all("SHUTTING_DOWN: the server stopped after its "
                                                "grace period")
        self.server.stop(0).wait(timeout=5)
        self.limiter.close()
        self._stopped.set()
        return {"inflight_at_stop": inflight, "finished_in_grace": finished,
                "streams_cancelled": cancelled, "seconds": round(time.monotonic() - t0, 3)}

    # ---- the PostgreSQL writer lease --------------------------------------------------

    def watch_lease(self) -> None:
        store = self.ledger.store
        if self.ledger.follower or not hasattr(store, "watch_lease"):
            return
        store.watch_lease(self._lease_changed, self.settings.lease_check_s)

    def _lease_changed(self, held: bool) -> None:
        m = self.settings.metrics
        if m is not None:
            m.lease.set(1 if held else 0)
        if self.fatal or self._stopped.is_set():
            return
        if not held:
            self._lost_at = time.monotonic()
            self.gate.refusing = "LEASE_LOST"
            self.set_serving(False)
            threading.Thread(target=self._give_up_later, args=(self._lost_at,), daemon=True,
                             name="arledger-lease-deadline").start()
            return
        problem = self._stale()
        if problem:
            self._fail(f"lease taken again but {problem}; restart to replay the log")
            return
        self.gate.refusing = ""
        self.set_serving(True)

    def _give_up_later(self, lost_at: float) -> None:
        time.sleep(self.settings.lease_reacquire_s)
        store = self.ledger.store
        if self._lost_at == lost_at and not getattr(store, "lease_held", True):
            self._fail(f"the writer lease was not taken again within "
                       f"{self.settings.lease_reacquire_s:g} s")

    def _stale(self) -> str:
        """Why the state no longer matches the store ('' if it does)."""
        from arledger.engine.segment import digest
        store, S = self.ledger.store, self.ledger.state
        try:
            head = store.head_seq()
            if head != S.head_seq:
                return f"the log has segment {head}, this writer segment {S.head_seq}"
            if head and digest(store.get(head) or b"") != S.head_hash:
                return "the log's last segment differs from this writer's"
        except Exception as e:  # noqa: BLE001
            return f"the log cannot be read: {e}"
        return ""

    def _fail(self, why: str) -> None:
        self.fatal = why
        self.gate.refusing = "LEASE_LOST"
        self.set_serving(False)
        log.critical("writer stops: %s", why, extra={"event": "lease_fatal"})
        if self.settings.on_fatal is not None:
            self.settings.on_fatal(why)


def load_page_token_key(path: Path) -> bytes:
    check_private(path, "the page-token key")
    key = Path(path).read_bytes().strip()
    if len(key) < limits.secret_bytes_min:
        raise ValueError(f"{path}: a page-token key needs at least "
                         f"{limits.secret_bytes_min} bytes")
    return key


def new_secret_file(path: Path, nbytes: int = 32) -> None:
    """Write a random secret (hex) to `path`, mode 0600, refusing to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(os.urandom(nbytes).hex() + "\n")


__all__ = ["ServerSettings", "Control", "CertReloader", "InsecureListen", "check_listen",
           "is_loopback_address", "load_page_token_key"]
