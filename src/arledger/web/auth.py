"""The workspace's login and roles: the one place that knows about principals.

- A user logs in with a credential (a bearer token: a JWT or an API key) and, optionally,
  a name. The workspace keeps both in its signed session cookie and sends the token to the
  server on every call as gRPC metadata `authorization: Bearer <token>` (`bearer_channel`):
  the server decides, the workspace only follows. A login the server refuses
  (UNAUTHENTICATED, or PERMISSION_DENIED: the principal may not read) fails.
- The server says who the token stands for and what it may do: GetLogHead's `principal`,
  `principal_roles` and `principal_permissions` (the SDK's `LogHead.caller`). A server
  without authentication names nobody and allows everything ("*").
- `permissions(heads, read_only=...)` says what the user may do in the workspace, and so
  which buttons and pages show: each workspace permission needs the server permissions of
  every call behind it (`SERVER_NEEDS`), on every server the workspace talks to; a follower
  takes no writes; the workspace's own `--read-only` flag takes writes away for everyone.
  `refusal(...)` says why an action is not allowed, for the message shown when a form is
  posted anyway (the workspace refuses it before any call; the server would too).

Permission names: "read" (every page), "write" (promise, dispute, hold, note, portal
link), "audit" (inclusion proofs on invoice and payment pages, the log entries of a
customer), "risk" (scores, worklist).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from typing import Any

import grpc

READ, WRITE, AUDIT, RISK, BANK = "read", "write", "audit", "risk", "bank"
ALL_PERMISSIONS = frozenset({READ, WRITE, AUDIT, RISK, BANK})
WRITES = frozenset({WRITE, BANK})  # what a follower or a read-only workspace does not do
# What each workspace permission needs of the server's permission table (server/auth.py;
# docs/reference.md#permissions): the permissions of every call the workspace makes for it.
# Pages read the ledger and the reports; actions read the customer and the invoice before
# the command; proofs need the public key (trusted on first use) and GetInclusionProof.
SERVER_NEEDS: dict[str, frozenset[str]] = {
    READ: frozenset({"ledger.read", "report.read"}),
    WRITE: frozenset({"ledger.read", "ledger.command"}),
    AUDIT: frozenset({"ledger.read", "audit.read", "audit.key"}),
    RISK: frozenset({"ledger.read", "risk.read"}),
    BANK: frozenset({"ledger.read", "bank.read", "bank.apply"}),  # the /bank queue's actions
}
# What each of the server's roles (docs/deployment.md) gives here when held with a reader's
# role, which every workspace user needs (an auditor's includes it): SERVER_NEEDS applied to
# the server's role table (a test checks it against server/auth.py). The workspace follows
# the permissions the server reports, not this table; it says what to give a person.
# Admin holds no command or read permission, so it adds nothing here.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "reader": frozenset({READ, RISK}),
    "auditor": frozenset({READ, AUDIT, RISK}),
    "risk": frozenset({READ, RISK}),
    "writer": frozenset({READ, WRITE, RISK, BANK}),
    "admin": frozenset({READ, RISK}),
    "collector": frozenset({READ, RISK, BANK}),
}


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
              grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call's metadata."""

    def __init__(self, token: str) -> None:
        self.header = ("authorization", f"Bearer {token}")

    def _details(self, d: Any) -> Any:
        md = list(d.metadata or ()) + [self.header]
        return _Details(d.method, d.timeout, md, d.credentials, d.wait_for_ready,
                        d.compression)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, it):
        return continuation(self._details(details), it)

    def intercept_stream_stream(self, continuation, details, it):
        return continuation(self._details(details), it)


class _Details(collections.namedtuple("_Details", ("method", "timeout", "metadata",
                                                   "credentials", "wait_for_ready",
                                                   "compression")),
               grpc.ClientCallDetails):
    pass


def bearer_channel(channel: grpc.Channel, token: str) -> grpc.Channel:
    """`channel` with the user's credential on every call (the channel itself unchanged:
    one base channel per server, wrapped per user)."""
    if not token:
        return channel
    return grpc.intercept_channel(channel, _Bearer(token))


def from_server(server_permissions: Iterable[str]) -> frozenset[str]:
    """The workspace permissions that the server permissions (names of its table, "*" for
    all) give."""
    have = frozenset(server_permissions)
    if "*" in have:
        return ALL_PERMISSIONS
    return frozenset(p for p, needs in SERVER_NEEDS.items() if needs <= have)


def _caller(head: Any) -> Any:
    return getattr(head, "caller", None)


def _server_permissions(head: Any) -> frozenset[str]:
    """What the server that answered `head` lets this principal do here: its permissions
    mapped with SERVER_NEEDS, less WRITE on a follower."""
    caller = _caller(head)
    out = from_server(caller.permissions) if caller is not None else ALL_PERMISSIONS
    if getattr(head, "role", "") == "follower":
        out -= WRITES
    return out


def permissions(heads: Iterable[Any], *, read_only: bool = False) -> frozenset[str]:
    """The permissions a user has on every server the workspace talks to (the log heads
    those servers answered with this user's credential), less WRITE when the workspace
    runs read-only."""
    out = ALL_PERMISSIONS
    for h in heads:
        out &= _server_permissions(h)
    if read_only:
        out -= WRITES
    return out


_WHAT = {READ: "read the ledger", WRITE: "act on accounts", AUDIT: "check proofs in the log",
         RISK: "see risk scores", BANK: "decide bank statement lines"}


def refusal(heads: Iterable[Any], permission: str, *, read_only: bool = False) -> str:
    """Why the user may not do what needs `permission` ("" when they may): the
    workspace is read-only, a server is a follower, or the principal's roles do not give
    the server permissions it needs (named, with the principal's roles)."""
    if permission in WRITES and read_only:
        return "this workspace is read-only"
    for h in heads:
        if permission in WRITES and getattr(h, "role", "") == "follower":
            return (f"the server of partition {getattr(h, 'partition', '?')} is a read-only "
                    "follower")
        caller = _caller(h)
        if caller is None or "*" in caller.permissions:
            continue
        missing = sorted(SERVER_NEEDS[permission] - frozenset(caller.permissions))
        if missing:
            roles = ", ".join(sorted(caller.roles)) or "no role"
            return (f"{caller.name} ({roles}) may not {_WHAT[permission]}: the server "
                    f"gives {', '.join(missing)} to other roles")
    return ""


def principal(heads: Iterable[Any]) -> tuple[str, tuple[str, ...]]:
    """(the principal's name, its roles) as the first server that authenticates names
    them; ("", ()) when no server authenticates."""
    for h in heads:
        caller = _caller(h)
        if caller is not None and caller.name:
            return caller.name, tuple(sorted(caller.roles))
    return "", ()


def login_refused(err: Exception) -> bool:
    """Whether a call made with the credential at login says it is not accepted."""
    reason = getattr(err, "code", "")
    return reason in ("UNAUTHENTICATED", "PERMISSION_DENIED")


__all__ = ["READ", "WRITE", "AUDIT", "RISK", "ALL_PERMISSIONS", "SERVER_NEEDS",
           "ROLE_PERMISSIONS", "bearer_channel", "from_server", "permissions", "refusal",
           "principal", "login_refused"]
