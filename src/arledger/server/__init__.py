"""gRPC interface: servicers over one Ledger, one error table, `create_server`."""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import TYPE_CHECKING

import grpc
import numpy as np
from google.protobuf import struct_pb2, timestamp_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.dates import date_to_day, day_to_iso
from arledger.domain.errors import LedgerError, error
from arledger.engine import Ledger, Outcome, system_clock_us
from arledger.projections import views
from arledger.server import auth, tokens
from arledger.engine import columnar
from arledger.v1 import columnar_pb2 as colpb
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc

if TYPE_CHECKING:
    from arledger.server.runtime import ServerSettings

ERROR_DOMAIN = "arledger"
# Requests per stream batch kept in flight so decoding overlaps the writer.
STREAM_INFLIGHT_MAX = 16
_COMMAND_FIELD = {f.message_type.name: f.name
                  for f in cpb.Command.DESCRIPTOR.oneofs_by_name["command"].fields}
_STATUS = {"ACCEPTED": lpb.ACCEPTED, "DUPLICATE": lpb.DUPLICATE, "REJECTED": lpb.REJECTED}


def to_status(err: LedgerError) -> grpc.Status:
    """The one place a domain error becomes a gRPC status (+ google.rpc.ErrorInfo).

    Message and metadata are cut to a size: they often quote the caller's input, and a
    trailer past the client's metadata limit (16 KiB) would break its connection."""
    info = error_details_pb2.ErrorInfo(
        reason=err.reason, domain=ERROR_DOMAIN,
        metadata={k[:64]: v[:256] for k, v in list(err.metadata.items())[:16]})
    message = err.message if len(err.message) <= 1024 else err.message[:1000] + " ...(cut)"
    st = status_pb2.Status(code=getattr(code_pb2, err.code), message=message)
    st.details.add().Pack(info)
    return rpc_status.to_status(st)


def _abort(context: grpc.ServicerContext, err: LedgerError) -> None:
    # Drop the traceback first: a handler frame holding the error (an Outcome's, raised
    # again) makes a cycle error -> traceback -> frame -> error that keeps the call, and
    # its HTTP/2 stream, alive until the cyclic GC runs (rarely, under tune_gc): 128 such
    # refusals on one connection used to leave it refusing every new call.
    err.__traceback__ = None
    context.abort_with_status(to_status(err))


def _result(o: Outcome) -> lpb.CommandResult:
    r = lpb.CommandResult(status=_STATUS[o.status], request_id=o.request_id,
                          position=o.position, entry_count=o.entry_count,
                          unapplied_minor=o.unapplied_minor)
    if o.error is not None:
        r.reason, r.code, r.message = o.error.reason, o.error.code, o.error.message
    for inv, amt in o.allocations:
        r.allocations.add(invoice_id=inv, amount_minor=amt)
    if o.due_day is not None:
        r.due_date = day_to_iso(o.due_day)
    r.warnings.extend(o.warnings)
    return r


def _guard(fn: Callable) -> Callable:
    """Map LedgerError raised by a handler to its status; nothing else leaks."""
    def wrapper(self, request, context):  # type: ignore[no-untyped-def]
        try:
            return fn(self, request, context)
        except LedgerError as e:
            _abort(context, e)
    wrapper.__name__ = fn.__name__
    return wrapper


def _ts(us: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=us // 1_000_000, nanos=(us % 1_000_000) * 1000)


class LedgerServicer(lgrpc.LedgerServiceServicer):
    def __init__(self, ledger: Ledger, metrics=None) -> None:  # type: ignore[no-untyped-def]
        self.ledger = ledger
        self.metrics = metrics  # observability.Metrics: commands by kind and outcome

    def _one(self, request, context):  # type: ignore[no-untyped-def]
        cmd = cpb.Command(**{_COMMAND_FIELD[type(request).__name__]: request})
        try:
            auth.authorize_commands(auth.current(), (cmd,))  # the actor is the principal
            (o,) = self.ledger.submit([cmd])
        except LedgerError as e:
            _abort(context, e)
        if self.metrics is not None:
            self.metrics.observe_commands((cmd,), (o,))
        if o.status == "REJECTED":
            _abort(context, o.error)
        return _result(o)

    OpenCustomer = UpdateCustomer = CloseCustomer = IssueInvoice = VoidInvoice = _one
    RecordPayment = AllocatePayment = ReversePayment = IssueCreditNote = _one
    AllocateCreditNote = OpenDispute = ResolveDispute = WriteOffInvoice = _one
    DefinePaymentTerms = DefineCreditPolicy = SetCustomerPolicies = ChangeCreditLimit = _one
    PlaceHold = ReleaseHold = ReviewDispute = RecordPromise = DefineDunningPolicy = _one
    WriteOffCustomer = RecordRecovery = SellReceivables = RecallSoldReceivables = _one
    RefundUnapplied = _one
    AddNote = _one  # issue 17

    @_guard
    def RunDunning(self, request, context):  # type: ignore[no-untyped-def]
        from arledger.engine.dunning import notices
        cmd = cpb.Command(run_dunning=request)
        auth.authorize_commands(auth.current(), (cmd,))
        (o,) = self.ledger.submit([cmd])
        if o.status == "REJECTED":
            raise o.error
        res = lpb.DunningRunResult(result=_result(o), as_of=request.as_of_date)
        with self.ledger.reading() as S:
            for n in notices(S, o.position, o.entry_count):
                items = n.pop("items")
                n.pop("level")
                note = res.notices.add(**n)
                for it in items:
                    it["due_date"] = day_to_iso(it.pop("due_day"))
                    note.items.add(**it)
        run = o.detail  # counts of this decision (a DUPLICATE answers with the notices only)
        if run is not None:
            res.steps, res.holds_placed = len(run.steps), len(run.holds)
            res.promises_broken = len(run.broken_promises)
            res.skipped_disputed, res.skipped_promised = run.skipped_disputed, run.skipped_promised
            res.more = run.more
        return res

    @_guard
    def SubmitBatch(self, request, context):  # type: ignore[no-untyped-def]
        auth.authorize_commands(auth.current(), request.commands, "SubmitBatch")
        outs = self.ledger.submit(request.commands, atomic=request.atomic)
        if self.metrics is not None:
            self.metrics.observe_commands(request.commands, outs)
        res = lpb.BatchResult(results=[_result(o) for o in outs])
        for o in outs:
            if o.status == "ACCEPTED":
                res.accepted += 1
            elif o.status == "DUPLICATE":
                res.duplicates += 1
            else:
                res.rejected += 1
        return res

    @_guard
    def SubmitBatchStream(self, request_iterator, context):  # type: ignore[no-untyped-def]
        summary = lpb.SubmitBatchStreamResponse()
        inflight: list[tuple[int, futures.Future, object]] = []
        counts = {"ACCEPTED": 0, "DUPLICATE": 0, "REJECTED": 0}
        last = 0

        principal = auth.current()

        def settle(bi: int, fut: futures.Future, cmds) -> None:  # type: ignore[no-untyped-def]
            # Plain ints here: a protobuf field update per command costs more than the count.
            nonlocal last
            outs = fut.result()
            if self.metrics is not None:
                self.metrics.observe_commands(cmds, outs)
            statuses = [o.status for o in outs]
            for status in counts:
                counts[status] += statuses.count(status)
            for ci, o in enumerate(outs):
                if o.status == "ACCEPTED":
                    last = max(last, o.position + o.entry_count - 1)
                elif o.status == "REJECTED" and len(summary.rejections) < limits.batch_commands_max:
                    summary.rejections.add(batch_index=bi, command_index=ci,
                                           request_id=o.request_id, reason=o.error.reason,
                                           code=o.error.code, message=o.error.message)

        batches = 0
        for bi, batch in enumerate(request_iterator):
            auth.authorize_commands(principal, batch.commands, "SubmitBatchStream")
            inflight.append((bi, self.ledger.submit_async(batch.commands, batch.atomic),
                             batch.commands))
            batches += 1
            if len(inflight) >= STREAM_INFLIGHT_MAX:
                settle(*inflight.pop(0))
        for item in inflight:
            settle(*item)
        summary.batches = batches
        summary.commands = sum(counts.values())
        summary.accepted = counts["ACCEPTED"]
        summary.duplicates = counts["DUPLICATE"]
        summary.rejected = counts["REJECTED"]
        summary.last_position = last
        return summary


    # ---- the volume path: columnar batches ----------------------------------------------

    def _columnar(self, msg, method: str):  # type: ignore[no-untyped-def]
        """A wire batch, its actors made the principal's, as the engine's Batch."""
        principal = auth.current()
        if principal.via != "none":
            if any(msg.kinds):  # the five columnar kinds are all ordinary commands
                auth.check(principal, auth.COMMAND_PERMISSIONS["issue_invoice"], method)
            n = len(msg.kinds)
            actors = msg.actors.decode(errors="replace").split("\x00") if msg.actors \
                else [""] * n
            if len(actors) == n:
                mapped: dict[str, str] = {}
                msg.actors = "\x00".join(
                    mapped.setdefault(a, auth.actor_for(principal, a)) for a in actors
                ).encode()
            auth.authorize_commands(principal, msg.commands, method)
        return columnar.from_wire(msg)

    @_guard
    def SubmitColumnar(self, request, context):  # type: ignore[no-untyped-def]
        batch = self._columnar(request, "SubmitColumnar")
        out = self.ledger.submit_columnar_async(batch, request.atomic).result()
        return columnar_result(batch, out)

    def SubmitColumnarStream(self, request_iterator, context):  # type: ignore[no-untyped-def]
        """Batches in, one result per batch out, in order, each once it is durable: a
        reader thread takes batches as they come (at most STREAM_INFLIGHT_MAX waiting)."""
        pending: queue.Queue = queue.Queue()
        room = threading.Semaphore(STREAM_INFLIGHT_MAX)
        principal = auth.current()

        def read() -> None:
            token = auth.bind(principal)
            try:
                for bi, msg in enumerate(request_iterator):
                    room.acquire()
                    try:
                        batch = self._columnar(msg, "SubmitColumnarStream")
                        fut = self.ledger.submit_columnar_async(batch, msg.atomic)
                    except LedgerError as e:
                        pending.put((bi, None, None, e))
                        return
                    pending.put((bi, batch, fut, None))
            except Exception as e:  # noqa: BLE001 - the client went away: end the stream
                pending.put((-1, None, None, e))
                return
            finally:
                auth.unbind(token)
                pending.put(None)

        reader = threading.Thread(target=read, name="arledger-columnar-reader", daemon=True)
        reader.start()
        while True:
            item = pending.get()
            if item is None:
                return
            bi, batch, fut, err = item
            if err is not None:
                if isinstance(err, LedgerError):
                    _abort(context, err)
                return
            try:
                out = fut.result()
            except LedgerError as e:
                _abort(context, e)
                return
            finally:
                room.release()
            yield columnar_result(batch, out, bi)


def columnar_result(batch, out, batch_index: int = 0):  # type: ignore[no-untyped-def]
    """The wire answer to a columnar batch (columns as they are, refusals listed)."""
    order = np.argsort(out.alloc_cmd, kind="stable")
    res = colpb.ColumnarResult(
        status=out.status.tobytes(), position=out.position.astype("<i8").tobytes(),
        entry_count=out.entries.astype("<i8").tobytes(),
        unapplied_minor=out.unapplied.astype("<i8").tobytes(),
        due_day=out.due_day.astype("<i8").tobytes(), warnings=out.warnings.tobytes(),
        allocation_command=out.alloc_cmd[order].astype("<i8").tobytes(),
        allocation_invoice_id=out.alloc_names,
        allocation_amount_minor=out.alloc_amount[order].astype("<i8").tobytes())
    accepted, duplicates, rejected = out.counts()
    res.accepted, res.duplicates, res.rejected = accepted, duplicates, rejected
    done = out.status == 1
    if done.any():
        res.last_position = int((out.position + out.entries - 1)[done].max())
    for i in sorted(out.errors)[: limits.batch_commands_max]:
        e = out.errors[i]
        res.rejections.add(batch_index=batch_index, command_index=i,
                           request_id=batch.request_id(i), reason=e.reason, code=e.code,
                           message=e.message)
    return res


class QueryServicer(lgrpc.QueryServiceServicer):
    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self.clock = clock

    def _as_of(self, text: str) -> int:
        if text:
            return V.day(text, "as_of")
        return date_to_day(dt.datetime.fromtimestamp(self.clock() / 1e6, dt.timezone.utc).date())

    def _known_at(self, request) -> int | None:  # type: ignore[no-untyped-def]
        """The request's known_at (µs), final: a time later than the server's clock is
        answered as of now, and a segment recorded by then but still being stored is
        waited for, so an answer as known at K never changes afterwards. Call it before
        taking the read lock."""
        if not request.HasField("known_at"):
            return None
        ts = request.known_at
        if ts.seconds < 0 or not 0 <= ts.nanos < 1_000_000_000:
            raise error("INVALID_TIMESTAMP", "known_at must be a valid time after 1970")
        now = max(self.clock(), self.ledger.state.head_recorded_at_us)
        known = min(ts.seconds * 1_000_000 + ts.nanos // 1000, now)
        self.ledger.settle(known)
        return known

    @staticmethod
    def _customer(S, customer_id: str) -> int:  # type: ignore[no-untyped-def]
        V.ident(customer_id, "customer_id")
        ix = S.customer_ix.get(customer_id)
        if ix is None:
            raise error("CUSTOMER_NOT_FOUND", f"no customer {customer_id!r}")
        return ix

    @_guard
    def GetCustomer(self, request, context):  # type: ignore[no-untyped-def]
        with self.ledger.reading() as S:
            ix = self._customer(S, request.customer_id)
            m = S.master[ix]
            c = S.customers
            return lpb.Customer(
                customer_id=request.customer_id, name=m[0], currency=S.currencies[c.currency[ix]],
                billing_contact=m[1],
                address=cpb.Address(line1=m[2], line2=m[3], city=m[4], region=m[5],
                                    postal_code=m[6], country=m[7]),
                payment_terms_net_days=int(c.net_days[ix]),
                credit_limit_minor=int(c.credit_limit[ix]),
                status="CLOSED" if c.closed[ix] else "OPEN",
                opened_date=day_to_iso(int(c.opened_day[ix])))

    @_guard
    def GetBalance(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self._as_of(request.as_of)
        known_at = self._known_at(request)
        with self.ledger.reading() as S:
            ix = self._customer(S, request.customer_id)
            ks = views.known_seq_at(S, known_at)
            b = views.balance(S, ix, as_of, ks)
            return lpb.Balance(customer_id=request.customer_id,
                               currency=S.currencies[S.customers.currency[ix]],
                               as_of=day_to_iso(as_of), position=_position(S, ks), **b)

    @_guard
    def ListOpenItems(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self._as_of(request.as_of)
        known_at = self._known_at(request)
        size = request.page_size or limits.page_size_default
        if not 0 < size <= limits.page_size_max:
            raise error("INVALID_PAGE_SIZE", f"page_size must be 1..{limits.page_size_max}")
        with self.ledger.reading() as S:
            ix = self._customer(S, request.customer_id)
            ks = views.known_seq_at(S, known_at)
            offset = 0
            if request.page_token:
                # The token pins the view (as known at segment ks), so pages stay consistent
                # while new entries arrive.
                tok = _read_token(request.page_token)
                if tok.get("c") != request.customer_id or tok.get("a") != as_of:
                    raise error("INVALID_PAGE_TOKEN", "the token belongs to another query")
                ks, offset = int(tok["k"]), int(tok["o"])
                if ks > S.head_seq:
                    raise error("INVALID_PAGE_TOKEN", "not a page token this server issued")
            items = views.open_items(S, ix, as_of, ks)
        page = items[offset:offset + size]
        resp = lpb.ListOpenItemsResponse()
        for it in page:
            resp.items.add(kind=it["kind"], item_id=it["item_id"],
                           issue_date=day_to_iso(it["issue_day"]), due_date=day_to_iso(it["due_day"]),
                           amount_minor=it["amount_minor"], open_minor=it["open_minor"],
                           disputed_minor=it["disputed_minor"], days_past_due=it["days_past_due"])
        if offset + size < len(items):
            resp.next_page_token = _make_token({"c": request.customer_id, "a": as_of, "k": ks,
                                                "o": offset + size})
        return resp

    @_guard
    def GetAging(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self._as_of(request.as_of)
        known_at = self._known_at(request)
        edges = views.check_edges(tuple(request.bucket_edges_days))
        basis = request.basis or lpb.DUE_DATE
        if basis not in (lpb.DUE_DATE, lpb.INVOICE_DATE):
            raise error("INVALID_ENUM", "basis must be DUE_DATE or INVOICE_DATE")
        with self.ledger.reading() as S:
            ix = self._customer(S, request.customer_id) if request.customer_id else None
            ks = views.known_seq_at(S, known_at)
            rep = views.aging(S, ix, as_of, ks, edges, basis == lpb.INVOICE_DATE)
            position = _position(S, ks)
        out = lpb.AgingReport(as_of=day_to_iso(as_of), basis=basis,
                              bucket_labels=rep["bucket_labels"], position=position)
        for r in rep["rows"]:
            out.rows.add(**r)
        return out


    @_guard
    def GetAccount(self, request, context):  # type: ignore[no-untyped-def]
        from arledger.projections.collections import account
        as_of = self._as_of(request.as_of)
        known_at = self._known_at(request)
        with self.ledger.reading() as S:
            ix = self._customer(S, request.customer_id)
            return lpb.Account(**account(S, ix, as_of, views.known_seq_at(S, known_at)))


_position = views.known_position  # the log position a view as known at a segment reports


def _make_token(d: dict) -> str:
    return tokens.make(d)  # opaque and HMAC-protected (server/tokens.py)


def _read_token(tok: str) -> dict:
    return tokens.read(tok)


def log_entry(e: dict) -> lpb.LogEntry:
    fields = struct_pb2.Struct()
    fields.update(e["fields"])
    return lpb.LogEntry(position=e["position"], segment=e["segment"], type=e["type"],
                        effective_date=e["effective_date"], recorded_at=_ts(e["recorded_at_us"]),
                        request_id=e["request_id"], actor=e["actor"], reason=e["reason"],
                        fields=fields)


class LogServicer(lgrpc.LogServiceServicer):
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def StreamEntries(self, request, context) -> Iterator[lpb.LogEntry]:  # type: ignore[no-untyped-def]
        try:
            for e in self.ledger.entries(request.from_position or 1, request.limit):
                yield log_entry(e)
        except LedgerError as err:
            _abort(context, err)

    @_guard
    def GetLogHead(self, request, context):  # type: ignore[no-untyped-def]
        led = self.ledger
        behind, age_ms = led.lag()  # asks the store: outside the lock the follower folds under
        with led.reading() as S:
            return lpb.LogHead(position=S.head_position, segment=S.head_seq,
                               head_hash=S.head_hash, recorded_at=_ts(S.head_recorded_at_us),
                               state_digest=S.digest() if request.with_state_digest else "",
                               role="follower" if led.follower else "writer",
                               partition=str(led.partition),
                               store_segment=max(led.store_head_seq, S.head_seq),
                               lag_segments=behind, lag_ms=age_ms,
                               follow_error=led.follow_error)

    @_guard
    def VerifyLog(self, request, context):  # type: ignore[no-untyped-def]
        r = self.ledger.verify()
        return lpb.VerifyLogResponse(ok=r.ok, segments_checked=r.segments_checked,
                                     entries_checked=r.entries_checked,
                                     first_bad_segment=r.first_bad_segment, problem=r.problem,
                                     head_hash=r.head_hash)


def _follower_health(ledger: Ledger, hs: health.HealthServicer, names: tuple[str, ...]) -> None:
    """A follower that stopped following (a segment that does not verify) or cannot reach
    the store reports NOT_SERVING, so a load balancer stops sending it reads."""
    last = None
    while not ledger.wait_closed(0.2):
        status = (health_pb2.HealthCheckResponse.NOT_SERVING if ledger.follow_error
                  else health_pb2.HealthCheckResponse.SERVING)
        if status != last:
            for name in ("",) + names:
                hs.set(name, status)
            last = status


SERVICE_NAMES = tuple(lpb.DESCRIPTOR.services_by_name[s].full_name
                      for s in ("LedgerService", "QueryService", "LogService"))


def _add_more_services(server: grpc.Server, ledger: Ledger,
                       clock: Callable[[], int]) -> tuple[str, ...]:
    """Register the services that live in their own modules (one per concern); returns
    their full names for health and reflection. Each module has
    `add_to_server(server, ledger, clock) -> full service name`."""
    import importlib  # imported here: those modules import this one
    return tuple(importlib.import_module(f"arledger.server.{name}").add_to_server(server, ledger,
                                                                                 clock)
                 for name in _SERVICE_MODULES)


# Names of further service modules (arledger.server.<name>). Each has
# `add_to_server(server, ledger, clock) -> full service name`, `SERVICE` (the service's
# descriptor) and `ERRORS_DOC` (the reasons its RPCs can return, for docs/reference.md).
_SERVICE_MODULES: tuple[str, ...] = ("reports", "audit", "risk", "search", "valuation",
                                     "bank")


def create_server(ledger: Ledger, address: str = "127.0.0.1:50051", *,
                  clock: Callable[[], int] | None = None,
                  max_workers: int | None = None,
                  settings: "ServerSettings | None" = None) -> tuple[grpc.Server, int]:
    """A gRPC server (not yet started) serving `ledger`; returns it and the bound port.

    Port 0 picks a free port. SO_REUSEPORT is off, so a second server on a port
    in use fails here instead of silently sharing it. `settings` (server/runtime.py):
    TLS, authentication, limits, reflection; the default is a plaintext server without
    authentication, which refuses (InsecureListen) to listen beyond loopback. The
    server's levers (health, drain, shutdown, lease watch) are `server.control`.
    """
    from arledger.server.interceptor import Gate, Interceptor
    from arledger.server.streams import StreamLimiter
    from arledger.server.runtime import (CertReloader, Control, ServerSettings, check_listen,
                                         health_servicer)

    s = settings or ServerSettings()
    if max_workers is not None:
        s.max_workers = max_workers
    check_listen(address, s)
    if s.page_token_key is not None:
        tokens.set_key(s.page_token_key)
    gate = Gate()
    limiter = StreamLimiter(s.streams_max(), s.stream_idle_timeout_s)
    interceptor = Interceptor(auth.Authenticator(s.auth), str(ledger.partition), limiter, gate,
                              s.metrics)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=s.max_workers, thread_name_prefix="arledger-rpc"),
        interceptors=[interceptor], maximum_concurrent_rpcs=s.max_concurrent_rpcs,
        options=[("grpc.so_reuseport", 0),
                 ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                 ("grpc.max_send_message_length", 64 * 1024 * 1024),
                 ("grpc.max_concurrent_streams", s.max_connection_streams),
                 # Find dead clients (and free their calls) instead of waiting on them.
                 ("grpc.keepalive_time_ms", 30_000), ("grpc.keepalive_timeout_ms", 10_000),
                 ("grpc.http2.min_ping_interval_without_data_ms", 10_000)])
    clock = clock or system_clock_us
    lgrpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger, s.metrics), server)
    lgrpc.add_QueryServiceServicer_to_server(QueryServicer(ledger, clock), server)
    lgrpc.add_LogServiceServicer_to_server(LogServicer(ledger), server)
    names = SERVICE_NAMES + _add_more_services(server, ledger, clock)
    hs = health_servicer()
    health_pb2_grpc.add_HealthServicer_to_server(hs, server)
    for name in ("",) + names:
        hs.set(name, health_pb2.HealthCheckResponse.SERVING)
    if ledger.follower:
        threading.Thread(target=_follower_health, args=(ledger, hs, names), daemon=True,
                         name="arledger-health").start()
    if s.reflection:  # admin-only when authentication is on (auth.PERMISSIONS)
        reflection.enable_server_reflection(
            names + (health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                     reflection.SERVICE_NAME), server)
    try:
        if s.tls:
            reloader = CertReloader(s.tls_cert, s.tls_key, s.client_ca)
            port = server.add_secure_port(address, reloader.credentials())
            server.tls_reloader = reloader  # type: ignore[attr-defined]
        else:
            port = server.add_insecure_port(address)
    except RuntimeError as e:
        raise OSError(f"cannot listen on {address}: {e}") from None
    if port == 0:
        raise OSError(f"cannot listen on {address} (in use?)")
    server.control = Control(server, ledger, hs, names, gate, limiter, s)  # type: ignore[attr-defined]
    if s.metrics is not None:
        s.metrics.serving.set(1)
    return server, port


__all__ = ["create_server", "to_status", "log_entry"]
