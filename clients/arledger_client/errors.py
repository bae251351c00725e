"""Typed errors raised by the client, each with the server's stable reason."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


class ArledgerError(Exception):
    """A refused call: `reason` is stable and machine-readable (e.g. CUSTOMER_NOT_FOUND)."""

    def __init__(self, reason: str, code: str, message: str = "",
                 metadata: dict[str, str] | None = None) -> None:
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason
        self.code = code
        self.message = message
        self.metadata = metadata or {}


class InvalidArgument(ArledgerError):
    """The request is malformed; fix it before sending again."""


class NotFound(ArledgerError):
    """A customer, invoice, payment, credit note or dispute does not exist."""


class AlreadyExists(ArledgerError):
    """The id is taken, or the request id was used for another payload."""


class FailedPrecondition(ArledgerError):
    """A ledger rule refuses the command in the current state."""


class Aborted(ArledgerError):
    """A conflict (atomic batch, another writer); nothing was written."""


class ResourceExhausted(ArledgerError):
    """A limit was hit."""


class Unavailable(ArledgerError):
    """The server or its store is unavailable; retrying with the same request id is safe."""


class DeadlineExceeded(ArledgerError):
    """No answer in time; the command may or may not have been applied: retry with the same id."""


_BY_CODE: dict[grpc.StatusCode, type[ArledgerError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
}


def from_rpc_error(err: grpc.RpcError) -> ArledgerError:
    """The typed error for a failed call (reason from google.rpc.ErrorInfo when present)."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    message = err.details() if hasattr(err, "details") else str(err)
    reason, metadata = code.name, {}
    try:
        status = rpc_status.from_call(err)  # type: ignore[arg-type]
    except (ValueError, AttributeError):
        status = None
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            reason, metadata = info.reason, dict(info.metadata)
    return _BY_CODE.get(code, ArledgerError)(reason, code.name, message or "", metadata)
