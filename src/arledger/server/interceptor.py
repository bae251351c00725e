"""The one server interceptor: every call passes here before any servicer runs.

In order: health checks go straight through (and are the only calls without
credentials); a draining or lease-less server refuses with a reason; the caller is
authenticated and its permission checked against the one table (auth.PERMISSIONS);
streaming calls are admitted under the stream cap and watched for idleness; the principal
is bound for the servicer (auth.current()); a request that does not decode is
INVALID_ARGUMENT (MALFORMED_MESSAGE), never grpc's INTERNAL; an exception that is not a
LedgerError becomes INTERNAL_ERROR with an id in the log and no detail on the wire.
Every call is logged (principal, method, status, reason, latency, request id) and timed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from arledger.domain import limits
from arledger.domain.errors import LedgerError, error
from arledger.server import auth
from arledger.server.streams import StreamLimiter

log = logging.getLogger("arledger.rpc")
logging.getLogger("arledger").addHandler(logging.NullHandler())  # a library until serve sets one
_DETAILS_KEY = "grpc-status-details-bin"


class _Malformed:
    """What a request that does not decode becomes (grpc would answer INTERNAL)."""


MALFORMED = _Malformed()


def _safe(deserializer: Callable | None) -> Callable | None:
    if deserializer is None:
        return None

    def decode(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception:  # noqa: BLE001 - DecodeError, RecursionError, ...
            return MALFORMED
    return decode


class Gate:
    """Server-wide admission: serving, draining (shutdown) or waiting for the lease; and
    the count of calls in flight, which shutdown waits for."""

    def __init__(self) -> None:
        self.refusing = ""  # "" or the reason new calls get (SHUTTING_DOWN, LEASE_LOST)
        self._inflight = 0
        self._cv = threading.Condition()

    def enter(self) -> None:
        with self._cv:
            self._inflight += 1

    def leave(self) -> None:
        with self._cv:
            self._inflight -= 1
            if not self._inflight:
                self._cv.notify_all()

    @property
    def inflight(self) -> int:
        return self._inflight

    def wait_idle(self, timeout: float) -> bool:
        with self._cv:
            return self._cv.wait_for(lambda: not self._inflight, timeout=timeout)


_MESSAGES = {"SHUTTING_DOWN": "the server is shutting down; retry on another replica or "
                              "after it restarts (same request id)",
             "LEASE_LOST": "the writer lost its lease and is taking it again; retry with the "
                           "same request id"}


class Interceptor(grpc.ServerInterceptor):
    def __init__(self, authenticator: auth.Authenticator, partition: str,
                 limiter: StreamLimiter, gate: Gate, metrics: Any = None,
                 decoders: dict[str, Callable] | None = None) -> None:
        self.authn = authenticator
        # Per method, a request deserializer in place of the generated one (the row
        # stream's compiled reader, engine/rowwire.py).
        self.decoders = decoders or {}
        self.partition = partition
        self.limiter = limiter
        self.gate = gate
        self.metrics = metrics
        self.auth_on = authenticator.s.enabled

    # ---- admission --------------------------------------------------------------------

    def _admit(self, method: str, context: grpc.ServicerContext) -> auth.Principal:
        if self.gate.refusing:
            raise error(self.gate.refusing, _MESSAGES.get(self.gate.refusing, ""))
        md: dict[str, str] = {}
        for k, v in context.invocation_metadata() or ():
            if k == "authorization" and k in md:
                raise error("CREDENTIALS_INVALID", "more than one authorization header",
                            check="format")
            md[k] = v if isinstance(v, str) else ""
        principal = self.authn.authenticate(md, context.auth_context() if self.auth_on else {})
        perm = auth.permission_of(method)
        if perm is None:
            if self.auth_on:
                raise auth.denied("(none defined)", principal, method)
            return principal
        auth.check(principal, perm, method, self.partition)
        return principal

    # ---- wrapping ---------------------------------------------------------------------

    def intercept_service(self, continuation: Callable, details: Any) -> Any:
        handler = continuation(details)
        if handler is None:
            return None  # grpc answers UNIMPLEMENTED
        method = details.method
        if auth.permission_of(method) == auth.PUBLIC:
            return _public(handler)  # health: always answers, never counted as in flight
        streaming = handler.request_streaming or handler.response_streaming
        kind = (("stream" if handler.request_streaming else "unary") + "_"
                + ("stream" if handler.response_streaming else "unary"))
        behavior = getattr(handler, kind)
        wrap = getattr(self, "_" + kind)
        new = {"unary_unary": grpc.unary_unary_rpc_method_handler,
               "unary_stream": grpc.unary_stream_rpc_method_handler,
               "stream_unary": grpc.stream_unary_rpc_method_handler,
               "stream_stream": grpc.stream_stream_rpc_method_handler}[kind]
        return new(wrap(method, behavior, streaming),
                   request_deserializer=_safe(self.decoders.get(
                       method, handler.request_deserializer)),
                   response_serializer=handler.response_serializer)

    def _call(self, method: str, context: Any, streaming: bool,
              run: Callable[[Any], Any], request: Any = None) -> Any:
        """Admit, bind, run `run(stream)`, map errors, log; for unary responses."""
        rec = _Record(method, request)
        self.gate.enter()
        sid = token = None
        try:
            try:
                principal = self._admit(method, context)
                rec.principal = principal
                if request is MALFORMED:
                    raise error("MALFORMED_MESSAGE", "the request is not a valid message of "
                                "its type")
                stream = None
                if streaming:
                    sid, stream = self.limiter.enter(method, context)
                token = auth.bind(principal)
                return run(stream)
            except LedgerError as e:
                rec.reason = e.reason
                e.__traceback__ = None  # no cycle holding the call (see server/requests.abort)
                context.abort_with_status(_status(e))
            except Exception as e:  # noqa: BLE001
                raise self._unexpected(e, context, rec) from None
        finally:
            if token is not None:
                auth.unbind(token)
            if sid is not None:
                self.limiter.leave(sid)
            self.gate.leave()
            self._done(rec, context)

    def _unexpected(self, e: Exception, context: Any, rec: "_Record") -> Exception:
        """A status set by the servicer (abort) passes; a client cancel passes; anything
        else is a bug: logged with an id, answered INTERNAL_ERROR without detail."""
        if _aborted(context) or isinstance(e, grpc.RpcError):
            return e
        eid = uuid.uuid4().hex[:12]
        rec.reason = "INTERNAL_ERROR"
        log.error("unexpected error", exc_info=e, extra={"event": "internal_error",
                                                         "error_id": eid, "method": rec.method})
        try:
            context.abort_with_status(_status(error(
                "INTERNAL_ERROR", f"internal error {eid}; the server logged it", error_id=eid)))
        except Exception as aborted:  # noqa: BLE001 - abort raises by design
            return aborted
        return e

    def _unary_unary(self, method: str, behavior: Callable, streaming: bool) -> Callable:
        def handle(request: Any, context: Any) -> Any:
            return self._call(method, context, False, lambda _s: behavior(request, context),
                              request)
        return handle

    def _stream_unary(self, method: str, behavior: Callable, streaming: bool) -> Callable:
        def handle(request_iterator: Iterator, context: Any) -> Any:
            return self._call(method, context, True, lambda s: behavior(
                _requests(request_iterator, s, context), context))
        return handle

    def _unary_stream(self, method: str, behavior: Callable, streaming: bool) -> Callable:
        def handle(request: Any, context: Any) -> Iterator:
            return self._responses(method, context, request,
                                   lambda: behavior(request, context))
        return handle

    def _stream_stream(self, method: str, behavior: Callable, streaming: bool) -> Callable:
        def handle(request_iterator: Iterator, context: Any) -> Iterator:
            holder: list = []
            return self._responses(method, context, None, lambda: behavior(
                _requests(request_iterator, holder[0], context), context), holder)
        return handle

    def _responses(self, method: str, context: Any, request: Any,
                   start: Callable[[], Iterator], holder: list | None = None) -> Iterator:
        """A response stream: admitted and bound for its whole iteration."""
        rec = _Record(method, request)
        self.gate.enter()
        sid = token = None
        try:
            try:
                principal = self._admit(method, context)
                rec.principal = principal
                if request is MALFORMED:
                    raise error("MALFORMED_MESSAGE", "the request is not a valid message of "
                                "its type")
                sid, stream = self.limiter.enter(method, context)
                if holder is not None:
                    holder.append(stream)
                token = auth.bind(principal)
                for item in start():
                    stream.wait_on_client()  # grpc sends it, then resumes us
                    yield item
                    stream.working()
            except LedgerError as e:
                rec.reason = e.reason
                e.__traceback__ = None  # no cycle holding the call (see server/requests.abort)
                context.abort_with_status(_status(e))
            except GeneratorExit:
                raise
            except Exception as e:  # noqa: BLE001
                raise self._unexpected(e, context, rec) from None
        finally:
            if token is not None:
                auth.unbind(token)
            if sid is not None:
                self.limiter.leave(sid)
            self.gate.leave()
            self._done(rec, context)

    # ---- accounting -------------------------------------------------------------------

    def _done(self, rec: "_Record", context: Any) -> None:
        seconds = time.perf_counter() - rec.t0
        code = _code(context)
        if not rec.reason and code != "OK":
            rec.reason = _reason(context) or code
        short = rec.method.rsplit(".", 1)[-1]
        if self.metrics is not None:
            self.metrics.rpc_seconds.labels(short, code).observe(seconds)
            if code != "OK":
                self.metrics.refusals.labels(short, rec.reason).inc()
            self.metrics.streams.set(self.limiter.active)
        p = rec.principal
        level = logging.INFO if code == "OK" or code not in _WARN else logging.WARNING
        if log.isEnabledFor(level):
            log.log(level, "rpc %s %s", rec.method, code, extra={
                "event": "rpc", "method": rec.method, "principal": p.name if p else "",
                "via": p.via if p else "", "code": code, "reason": rec.reason,
                "latency_ms": round(seconds * 1000, 3), "request_id": rec.request_id(),
                "peer": context.peer()})


_WARN = {"UNAUTHENTICATED", "PERMISSION_DENIED", "INTERNAL", "UNKNOWN", "RESOURCE_EXHAUSTED"}


class _Record:
    __slots__ = ("method", "request", "principal", "reason", "t0")

    def __init__(self, method: str, request: Any) -> None:
        self.method = method
        self.request = request
        self.principal: auth.Principal | None = None
        self.reason = ""
        self.t0 = time.perf_counter()

    def request_id(self) -> str:
        r = self.request
        if r is None or r is MALFORMED:
            return ""
        try:
            return str(getattr(r, "request_id", ""))[:limits.log_request_id_length_max]
        except Exception:  # noqa: BLE001
            return ""


def _public(handler: Any) -> Any:
    """Health: no admission, only a request that does not decode answered
    INVALID_ARGUMENT instead of grpc's INTERNAL."""
    if handler.request_streaming:
        return handler

    def check(request: Any, context: Any) -> None:
        if request is MALFORMED:
            context.abort_with_status(_status(error(
                "MALFORMED_MESSAGE", "the request is not a valid message of its type")))
    if handler.response_streaming:
        def stream(request: Any, context: Any) -> Iterator:
            check(request, context)
            yield from handler.unary_stream(request, context)
        return grpc.unary_stream_rpc_method_handler(
            stream, request_deserializer=_safe(handler.request_deserializer),
            response_serializer=handler.response_serializer)

    def unary(request: Any, context: Any) -> Any:
        check(request, context)
        return handler.unary_unary(request, context)
    return grpc.unary_unary_rpc_method_handler(
        unary, request_deserializer=_safe(handler.request_deserializer),
        response_serializer=handler.response_serializer)


def _requests(it: Iterator, stream: Any, context: Any) -> Iterator:
    """The request stream, marked idle while it waits on the client; a message that does
    not decode ends the call with MALFORMED_MESSAGE."""
    while True:
        stream.wait_on_client()
        try:
            r = next(it)
        except StopIteration:
            stream.working()
            return
        stream.working()
        if r is MALFORMED:
            context.abort_with_status(_status(error(
                "MALFORMED_MESSAGE", "a streamed request is not a valid message of its type")))
        yield r


def _status(err: LedgerError) -> grpc.Status:
    from arledger.server.requests import to_status
    return to_status(err)


def _aborted(context: Any) -> bool:
    try:
        code = context.code()
    except Exception:  # noqa: BLE001
        return False
    return code is not None and code != grpc.StatusCode.OK


def _code(context: Any) -> str:
    try:
        code = context.code()
    except Exception:  # noqa: BLE001
        code = None
    if code is None:
        return "CANCELLED" if not context.is_active() and _cancelled(context) else "OK"
    return code.name if isinstance(code, grpc.StatusCode) else str(code)


def _cancelled(context: Any) -> bool:
    try:
        from grpc._server import _CANCELLED
        return context._state.client is _CANCELLED
    except Exception:  # noqa: BLE001
        return False


def _reason(context: Any) -> str:
    try:
        md = context.trailing_metadata() or ()
    except Exception:  # noqa: BLE001
        return ""
    for k, v in md:
        if k == _DETAILS_KEY and isinstance(v, bytes):
            st = status_pb2.Status.FromString(v)
            for d in st.details:
                info = error_details_pb2.ErrorInfo()
                if d.Unpack(info):
                    return info.reason
    return ""


__all__ = ["Interceptor", "Gate", "MALFORMED"]
