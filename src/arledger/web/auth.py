"""The workspace's login and roles: one seam, so the server's principals and roles (issue
16) plug in here and nowhere else.

- A user logs in with a name and a credential (a bearer token). The workspace keeps both in
  its signed session cookie and sends the token to the server on every call as gRPC
  metadata `authorization: Bearer <token>` (`bearer_channel`): the server decides, the
  workspace only follows.
- `permissions(...)` says what the user may do, and decides which buttons show. It asks
  the server (`_server_permissions`): today's server has no authentication, so every call is
  allowed, except writes on a read-only follower (its GetLogHead says role "follower"); the
  workspace's own `--read-only` flag takes writes away for everyone. When issue 16 lands,
  `_server_permissions` maps the principal's roles (writer, reader, auditor, risk, admin) to
  these permission names, and a login the server refuses (UNAUTHENTICATED) fails here.

Permission names: "read" (every page), "write" (promise, dispute, hold, note, portal
link), "audit" (inclusion proofs on invoice and payment pages), "risk" (scores, worklist).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from typing import Any

import grpc

READ, WRITE, AUDIT, RISK = "read", "write", "audit", "risk"
ALL_PERMISSIONS = frozenset({READ, WRITE, AUDIT, RISK})
# How issue 16's roles map to the workspace's permissions (used once the server names them).
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "reader": frozenset({READ}),
    "auditor": frozenset({READ, AUDIT}),
    "risk": frozenset({READ, RISK}),
    "writer": frozenset({READ, WRITE, RISK}),
    "admin": ALL_PERMISSIONS,
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

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, it):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), it)

    def intercept_stream_stream(self, continuation, details, it):  # type: ignore[no-untyped-def]
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


def _server_permissions(head: Any) -> frozenset[str]:
    """What the server lets this principal do. Today: no authentication on the server, so
    everything, but a follower takes no writes. (Issue 16: map the principal's roles with
    ROLE_PERMISSIONS here.)"""
    if getattr(head, "role", "") == "follower":
        return ALL_PERMISSIONS - {WRITE}
    return ALL_PERMISSIONS


def permissions(heads: Iterable[Any], *, read_only: bool = False) -> frozenset[str]:
    """The permissions a user has on every server the workspace talks to (the log heads
    those servers answered with this user's credential), less WRITE when the workspace
    runs read-only."""
    out = ALL_PERMISSIONS
    for h in heads:
        out &= _server_permissions(h)
    if read_only:
        out -= {WRITE}
    return out


def login_refused(err: Exception) -> bool:
    """Whether a call made with the credential at login says it is not accepted."""
    reason = getattr(err, "code", "")
    return reason in ("UNAUTHENTICATED", "PERMISSION_DENIED")


__all__ = ["READ", "WRITE", "AUDIT", "RISK", "ALL_PERMISSIONS", "ROLE_PERMISSIONS",
           "bearer_channel", "permissions", "login_refused"]
