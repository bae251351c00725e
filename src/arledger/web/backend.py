"""The workspace's only way to the engine: the SDK (arledger_client), with the user's
credential on every call. One server, or one per partition (customers routed by the same
hash as the server; listings fanned out and merged by the routing client), writers or
followers alike."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from arledger.web.auth import bearer_channel
from arledger_client import (
    ArledgerClient,
    AuditClient,
    BankClient,
    Credentials,
    PartitionedClient,
    ReportsClient,
    RiskClient,
    SearchClient,
    partition_of,
)
from arledger_client.connection import MAX_MESSAGE_BYTES
from arledger_client.credentials import is_loopback


@dataclass
class Partition:
    ledger: ArledgerClient
    search: SearchClient
    reports: ReportsClient
    risk: RiskClient
    audit: AuditClient
    bank: BankClient  # statements and the exceptions queue


class Servers:
    """Base channels, one per target, made once and shared by every user's calls: TLS when
    `credentials` say so (a CA, a client certificate for mTLS; their token, if any, is never
    used: each user brings their own), else plaintext."""

    def __init__(self, targets: list[str], public_key_pem: str | None = None,
                 credentials: Credentials | None = None) -> None:
        if not targets:
            raise ValueError("the workspace needs at least one server target")
        self.targets = targets
        creds = dataclasses.replace(credentials or Credentials(), token=None)
        self.secure = creds.secure
        self.channels = [creds.channel(t, options=[
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]) for t in targets]
        self.public_key_pem = public_key_pem
        self._lock = threading.Lock()

    def plaintext_beyond_loopback(self) -> list[str]:
        """The targets a token would cross the network to in plaintext (none with TLS)."""
        return [] if self.secure else [t for t in self.targets if not is_loopback(t)]

    def backend(self, token: str = "") -> Backend:
        if token and self.plaintext_beyond_loopback():
            raise ValueError("refusing to send a credential in plaintext to "
                             + ", ".join(self.plaintext_beyond_loopback()))
        return Backend(self, token)

    def trusted_key(self, audit: AuditClient) -> str:
        """The server's public key: the one given at start (--public-key), else the first
        one the server sent (trust on first use, kept for the life of the workspace)."""
        with self._lock:
            if self.public_key_pem is None:
                self.public_key_pem = audit.fetch_public_key_pem()
            return self.public_key_pem

    def close(self) -> None:
        for ch in self.channels:
            ch.close()


class Backend:
    """The SDK clients of one user (their credential on every call)."""

    def __init__(self, servers: Servers, token: str) -> None:
        self.servers = servers
        chans = [bearer_channel(ch, token) for ch in servers.channels]
        self.parts = [Partition(ArledgerClient(t, channel=ch), SearchClient(t, channel=ch),
                                ReportsClient(t, channel=ch), RiskClient(t, channel=ch),
                                AuditClient(t, channel=ch), BankClient(t, channel=ch))
                      for t, ch in zip(servers.targets, chans)]
        self.routing = PartitionedClient(servers.targets, channels=chans) \
            if len(chans) > 1 else None

    @property
    def count(self) -> int:
        return len(self.parts)

    def of(self, customer_id: str) -> Partition:
        """The partition that owns a customer (and all its items)."""
        return self.parts[partition_of(customer_id, self.count)]

    def heads(self) -> list[Any]:
        return [p.ledger.get_log_head() for p in self.parts]

    # ---- listings: one server, or every partition merged -------------------------------------

    def list_page(self, kind: str, **kw: Any) -> Any:
        """SearchClient.list_<kind>_page over every partition (merged in order)."""
        method = f"list_{kind}_page"
        if self.routing is None:
            return getattr(self.parts[0].search, method)(**kw)
        return getattr(self.routing, method)(**kw)

    def worklist_page(self, **kw: Any) -> dict:
        if self.routing is None:
            return self.parts[0].risk.worklist_page(**kw)
        return self.routing.worklist_page(**kw)

    def find(self, kind: str, item_id: str, **kw: Any) -> dict:
        """get_invoice / get_payment: from each partition until one knows it."""
        if self.routing is None:
            return getattr(self.parts[0].search, f"get_{kind}")(item_id, **kw)
        return getattr(self.routing, f"get_{kind}")(item_id, **kw)

    def partition_of_item(self, kind: str, item_id: str, **kw: Any) -> tuple[Partition, dict]:
        """(the partition holding an invoice or payment, its detail)."""
        from arledger_client import NotFound
        last: Exception | None = None
        for p in self.parts:
            try:
                return p, getattr(p.search, f"get_{kind}")(item_id, **kw)
            except NotFound as e:
                last = e
        assert last is not None
        raise last

    def audit_for(self, p: Partition) -> AuditClient:
        """The partition's audit client, holding the trusted public key."""
        a = p.audit
        if a.public_key is None:
            from arledger_client.audit import load_public_key
            a.public_key = load_public_key(self.servers.trusted_key(a))
        return a
