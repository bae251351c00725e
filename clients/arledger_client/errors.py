"""Typed errors raised by the client, each with the server's stable `reason`.

Every failed call raises an `ArledgerError` subclass chosen by the gRPC status code.
`reason` comes from the google.rpc.ErrorInfo the server attaches (domain "arledger"),
e.g. CUSTOMER_NOT_FOUND; when a status has no ErrorInfo (a transport failure), the
reason is the status code name, e.g. UNAVAILABLE.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import grpc
from google.protobuf.message import DecodeError

# (googleapis-common-protos ships .pyi stubs without a py.typed marker: pyproject's mypy
# config reads them, follow_untyped_imports.)
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "arledger"
_DETAILS_KEY = "grpc-status-details-bin"


class ArledgerError(Exception):
    """A refused or failed call.

    reason: stable machine-readable string (e.g. ALLOCATION_EXCEEDS_OPEN);
    code: gRPC status code name (e.g. FAILED_PRECONDITION); message: text for people;
    metadata: extra key/value strings from the server (may be empty).
    """

    #: True when sending the same request again (same request id) may succeed.
    retryable: bool = False

    def __init__(self, reason: str, code: str, message: str = "",
                 metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{reason}: {message}" if message and message != reason else reason)
        self.reason = reason
        self.code = code
        self.message = message or reason
        self.metadata: dict[str, str] = dict(metadata or {})

    def __reduce__(self) -> tuple[type[ArledgerError], tuple[str, str, str, dict[str, str]]]:
        return (type(self), (self.reason, self.code, self.message, self.metadata))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(reason={self.reason!r}, code={self.code!r}, "
                f"message={self.message!r}, metadata={self.metadata!r})")


class InvalidArgument(ArledgerError):
    """The request is malformed; fix it before sending again."""


class NotFound(ArledgerError):
    """A customer, invoice, payment, credit note or dispute does not exist."""


class AlreadyExists(ArledgerError):
    """The id is taken, or the request id was used before for another payload."""


class FailedPrecondition(ArledgerError):
    """A ledger rule refuses the command in the current state."""


class Aborted(ArledgerError):
    """A conflict (atomic batch, another writer); nothing was written."""


class ResourceExhausted(ArledgerError):
    """A limit was hit (e.g. a message larger than the gRPC maximum)."""


class Unavailable(ArledgerError):
    """The server or its store is unavailable; sending again with the same request id is safe."""

    retryable = True


class DeadlineExceeded(ArledgerError):
    """No answer in time: the command may or may not be applied; resend with the same request id."""

    retryable = True


class Unauthenticated(ArledgerError):
    """No credentials, or credentials the server does not accept (bad signature, expired,
    wrong audience or issuer, unknown API key)."""


class PermissionDenied(ArledgerError):
    """The principal may not make this call; `permission` names what its roles lack."""

    @property
    def permission(self) -> str:
        return self.metadata.get("permission", "")


class Internal(ArledgerError):
    """A server bug (logged there under metadata["error_id"])."""


_BY_CODE: dict[str, type[ArledgerError]] = {
    "UNAUTHENTICATED": Unauthenticated,
    "PERMISSION_DENIED": PermissionDenied,
    "INTERNAL": Internal,
    "INVALID_ARGUMENT": InvalidArgument,
    "NOT_FOUND": NotFound,
    "ALREADY_EXISTS": AlreadyExists,
    "FAILED_PRECONDITION": FailedPrecondition,
    "ABORTED": Aborted,
    "RESOURCE_EXHAUSTED": ResourceExhausted,
    "UNAVAILABLE": Unavailable,
    "DEADLINE_EXCEEDED": DeadlineExceeded,
}


def make_error(code: str, reason: str = "", message: str = "",
               metadata: Mapping[str, str] | None = None) -> ArledgerError:
    """The error of the class for a gRPC code name (unknown codes give a plain ArledgerError).

    Also turns a REJECTED batch result (reason, code, message) into an exception.
    """
    return _BY_CODE.get(code, ArledgerError)(reason or code, code, message, metadata)


def _error_info(status: status_pb2.Status | None) -> tuple[str, dict[str, str]] | None:
    """(reason, metadata) of the status's ErrorInfo, preferring domain "arledger"."""
    found = None
    for detail in status.details if status is not None else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):  # False when the detail is another message type
            if info.domain == ERROR_DOMAIN:
                return info.reason, dict(info.metadata)
            found = found or (info.reason, dict(info.metadata))
    return found


def _rich_status(metadata: Iterable[Any] | None) -> status_pb2.Status | None:
    """The google.rpc.Status in the trailing metadata ((key, value) pairs), if any."""
    for key, value in metadata or ():
        if key == _DETAILS_KEY and isinstance(value, bytes):
            try:
                return status_pb2.Status.FromString(value)
            except DecodeError:  # a garbled trailer: fall back to the code name
                return None
    return None


def _build(code: grpc.StatusCode, message: str, rich: status_pb2.Status | None) -> ArledgerError:
    found = _error_info(rich)
    reason, metadata = found if found and found[0] else (code.name, {})
    return make_error(code.name, reason, message, metadata)


def from_status(status: grpc.Status) -> ArledgerError:
    """The typed error for a grpc.Status (e.g. one made by grpc_status.rpc_status.to_status)."""
    return _build(status.code, status.details or "", _rich_status(status.trailing_metadata))


def from_rpc_error(err: grpc.RpcError) -> ArledgerError:
    """The typed error for a failed call (reason from google.rpc.ErrorInfo when present)."""
    code = err.code() if callable(getattr(err, "code", None)) else grpc.StatusCode.UNKNOWN
    if not isinstance(code, grpc.StatusCode):
        code = grpc.StatusCode.UNKNOWN
    details = err.details() if callable(getattr(err, "details", None)) else None
    message = details if details is not None else str(err)
    try:
        rich = rpc_status.from_call(err)  # type: ignore[arg-type]
    except ValueError:
        # Code or message disagree with the rich status (e.g. a proxy rewrote the text):
        # the ErrorInfo inside is still the server's.
        rich = _rich_status(err.trailing_metadata())
    except (AttributeError, TypeError):  # not a grpc.Call (no trailing metadata)
        rich = None
    return _build(code, message, rich)


__all__ = [
    "ArledgerError", "InvalidArgument", "NotFound", "AlreadyExists", "FailedPrecondition",
    "Aborted", "ResourceExhausted", "Unavailable", "DeadlineExceeded", "Unauthenticated",
    "PermissionDenied", "Internal", "ERROR_DOMAIN",
    "make_error", "from_status", "from_rpc_error",
]
