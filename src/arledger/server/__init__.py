"""gRPC interface: servicers over one Ledger, one error table, `create_server`."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import TYPE_CHECKING, Any

import grpc
import numpy as np
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from arledger.domain import limits
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import LedgerError, error
from arledger.engine import Ledger, answers, rowwire, system_clock_us
from arledger.engine.ledger import RowAnswers
from arledger.projections import views
from arledger.projections.account import Account, account
from arledger.engine import columnar
from arledger.server import audit as audit_service
from arledger.server import bank as bank_service
from arledger.server import auth, tokens
from arledger.server import reports as report_service
from arledger.server import risk as risk_service
from arledger.server import search as search_service
from arledger.server import valuation as valuation_service
from arledger.server.requests import (Clocks, abort, command_result, customer, guard,
                                      log_entry, next_token, page, to_status, ts)
from arledger.v1 import columnar_pb2 as colpb
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc

log = logging.getLogger("arledger.server")

if TYPE_CHECKING:
    from arledger.server.runtime import ServerSettings

_COMMAND_FIELD = {f.message_type.name: f.name
                  for f in cpb.Command.DESCRIPTOR.oneofs_by_name["command"].fields}


def _caller(p: auth.Principal) -> dict:
    """The LogHead fields that tell a caller who the server took it for and what it may
    do: its name, roles and permissions; with authentication off, no name and "*"."""
    if p.via == "none":
        return {"principal": "", "principal_roles": [], "principal_permissions": ["*"]}
    return {"principal": p.name, "principal_roles": sorted(p.roles),
            "principal_permissions": sorted(p.permissions)}


class LedgerServicer(lgrpc.LedgerServiceServicer):
    def __init__(self, ledger: Ledger, metrics=None) -> None:
        self.ledger = ledger
        self.metrics = metrics  # observability.Metrics: commands by kind and outcome

    def _one(self, request, context):
        cmd = cpb.Command(**{_COMMAND_FIELD[type(request).__name__]: request})
        try:
            auth.authorize_commands(auth.current(), (cmd,))  # the actor is the principal
            (o,) = self.ledger.submit([cmd])
        except LedgerError as e:
            abort(context, e)
        if self.metrics is not None:
            self.metrics.observe_commands((cmd,), (o,))
        if o.status == "REJECTED":
            abort(context, o.error)
        return command_result(o)

    OpenCustomer = UpdateCustomer = CloseCustomer = IssueInvoice = VoidInvoice = _one
    RecordPayment = AllocatePayment = ReversePayment = IssueCreditNote = _one
    AllocateCreditNote = OpenDispute = ResolveDispute = WriteOffInvoice = _one
    DefinePaymentTerms = DefineCreditPolicy = SetCustomerPolicies = ChangeCreditLimit = _one
    PlaceHold = ReleaseHold = ReviewDispute = RecordPromise = DefineDunningPolicy = _one
    WriteOffCustomer = RecordRecovery = SellReceivables = RecallSoldReceivables = _one
    RefundUnapplied = _one
    AddNote = _one  # a note on a customer: the collections workspace writes them

    @guard
    def RunDunning(self, request, context):
        from arledger.engine.dunning import notices
        cmd = cpb.Command(run_dunning=request)
        auth.authorize_commands(auth.current(), (cmd,))
        (o,) = self.ledger.submit([cmd])
        if o.status == "REJECTED":
            raise o.error
        res = lpb.DunningRunResult(result=command_result(o), as_of=request.as_of_date)
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

    @guard
    def SubmitBatch(self, request, context):
        auth.authorize_commands(auth.current(), request.commands, "SubmitBatch")
        outs = self.ledger.submit(request.commands, atomic=request.atomic)
        if self.metrics is not None:
            self.metrics.observe_commands(request.commands, outs)
        res = lpb.BatchResult(results=[command_result(o) for o in outs])
        for o in outs:
            if o.status == "ACCEPTED":
                res.accepted += 1
            elif o.status == "DUPLICATE":
                res.duplicates += 1
            else:
                res.rejected += 1
        return res

    @guard
    def SubmitBatchStream(self, request_iterator, context):
        summary = lpb.SubmitBatchStreamResponse()
        inflight: list[tuple[int, RowAnswers]] = []
        counts = [0, 0, 0]  # accepted, duplicates, rejected
        last = 0

        principal = auth.current()

        def settle(bi: int, fut: RowAnswers) -> None:
            # The answers as columns: a stream answers with counts and its refusals, so no
            # per-command Outcome is made (that was most of a row batch's answering).
            nonlocal last
            out = fut.columns()
            self._count(fut.batch, out)
            for j, c in enumerate(out.counts()):
                counts[j] += c
            ok = out.status == answers.ACCEPTED
            if ok.any():
                last = max(last, int((out.position[ok] + out.entries[ok]).max()) - 1)
            room = limits.batch_commands_max - len(summary.rejections)
            for ci in np.flatnonzero(out.status == answers.REJECTED)[:max(room, 0)].tolist():
                e = out.errors[ci]
                summary.rejections.add(batch_index=bi, command_index=ci,
                                       request_id=fut.batch.request_id(ci), reason=e.reason,
                                       code=e.code, message=e.message)

        batches = 0
        for bi, batch in enumerate(request_iterator):
            inflight.append((bi, self._row_batch(principal, batch)))
            batches += 1
            if len(inflight) >= limits.stream_batches_inflight_max:
                settle(*inflight.pop(0))
        for item in inflight:
            settle(*item)
        summary.batches = batches
        summary.commands = sum(counts)
        summary.accepted, summary.duplicates, summary.rejected = counts
        summary.last_position = last
        return summary


    # ---- the volume path: columnar batches ----------------------------------------------

    def _row_batch(self, principal: auth.Principal, msg: Any) -> RowAnswers:
        """One of SubmitBatchStream's batches submitted: as the compiled reader made it
        columns (rowwire.RowBatch.batch), else as protobuf commands (a Batch message)."""
        if isinstance(msg, rowwire.RowBatch):
            if msg.batch is not None:
                auth.authorize_batch(principal, msg.batch, "SubmitBatchStream")
                return self.ledger.submit_rows_async(msg.batch, msg.atomic)
            msg = msg.message
        auth.authorize_commands(principal, msg.commands, "SubmitBatchStream")
        return self.ledger.submit_async(msg.commands, msg.atomic)

    def _count(self, batch: columnar.Batch, out: answers.BatchOutcome) -> None:
        """A batch answered as columns, counted in the metrics (when they are on)."""
        if self.metrics is not None:
            self.metrics.observe_tally(answers.tally(batch, out), batch.n)

    def _columnar(self, msg, method: str):
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

    @guard
    def SubmitColumnar(self, request, context):
        batch = self._columnar(request, "SubmitColumnar")
        out = self.ledger.submit_columnar_async(batch, request.atomic).result()
        self._count(batch, out)
        return columnar_result(batch, out)

    def SubmitColumnarStream(self, request_iterator, context):
        """Batches in, one result per batch out, in order, each once it is durable: a
        reader thread takes batches as they come (at most
        limits.stream_batches_inflight_max waiting)."""
        pending: queue.Queue = queue.Queue()
        room = threading.Semaphore(limits.stream_batches_inflight_max)
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
                    except Exception:  # noqa: BLE001 - never end the stream as if all was well
                        log.exception("a columnar batch could not be taken")
                        pending.put((bi, None, None, error(
                            "INTERNAL_ERROR", f"batch {bi} could not be taken; nothing of "
                            "it was written")))
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
                    abort(context, err)
                return
            try:
                out = fut.result()
            except LedgerError as e:
                abort(context, e)
                return
            finally:
                room.release()
            self._count(batch, out)
            yield columnar_result(batch, out, bi)


def columnar_result(batch, out, batch_index: int = 0):
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
        self.clocks = Clocks(ledger, clock)

    @guard
    def GetCustomer(self, request, context):
        with self.ledger.reading() as S:
            ix = customer(S, request.customer_id)
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

    @guard
    def GetBalance(self, request, context):
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ix = customer(S, request.customer_id)
            ks = views.known_seq_at(S, known_at)
            b = views.balance(S, ix, as_of, ks)
            return lpb.Balance(customer_id=request.customer_id,
                               currency=S.currencies[S.customers.currency[ix]],
                               as_of=day_to_iso(as_of), position=views.known_position(S, ks),
                               open_minor=b.open_minor, overdue_minor=b.overdue_minor,
                               unapplied_cash_minor=b.unapplied_cash_minor,
                               unapplied_credit_minor=b.unapplied_credit_minor,
                               disputed_minor=b.disputed_minor, balance_minor=b.balance_minor,
                               credit_limit_minor=b.credit_limit_minor,
                               headroom_minor=b.headroom_minor)

    @guard
    def ListOpenItems(self, request, context):
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ix = customer(S, request.customer_id)
            # The token pins the view (as known at segment ks), so pages stay consistent
            # while new entries arrive.
            ks, offset, size = page(request, S, as_of, known_at,
                                    default=limits.page_size_default,
                                    maximum=limits.page_size_max)
            items = views.open_items(S, ix, as_of, ks)
        resp = lpb.ListOpenItemsResponse()
        for it in items[offset:offset + size]:
            resp.items.add(kind=it.kind, item_id=it.item_id, issue_date=day_to_iso(it.issue_day),
                           due_date=day_to_iso(it.due_day), amount_minor=it.amount_minor,
                           open_minor=it.open_minor, disputed_minor=it.disputed_minor,
                           days_past_due=it.days_past_due)
        resp.next_page_token = next_token(request, as_of, ks, offset, size, len(items))
        return resp

    @guard
    def GetAging(self, request, context):
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        edges = views.check_edges(tuple(request.bucket_edges_days))
        basis = request.basis or lpb.DUE_DATE
        if basis not in (lpb.DUE_DATE, lpb.INVOICE_DATE):
            raise error("INVALID_ENUM", "basis must be DUE_DATE or INVOICE_DATE")
        with self.ledger.reading() as S:
            ix = customer(S, request.customer_id) if request.customer_id else None
            ks = views.known_seq_at(S, known_at)
            rep = views.aging(S, ix, as_of, ks, edges, basis == lpb.INVOICE_DATE)
            position = views.known_position(S, ks)
        out = lpb.AgingReport(as_of=day_to_iso(as_of), basis=basis, bucket_labels=rep.labels,
                              position=position)
        for r in rep.rows:
            out.rows.add(currency=r.currency, buckets_minor=r.buckets_minor,
                         unapplied_minor=r.unapplied_minor, disputed_minor=r.disputed_minor,
                         balance_minor=r.balance_minor, open_item_count=r.open_item_count)
        return out


    @guard
    def GetAccount(self, request, context):
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ix = customer(S, request.customer_id)
            a = account(S, ix, as_of, views.known_seq_at(S, known_at))
        return account_message(a)


def _iso(day: int) -> str:
    return day_to_iso(day) if day else ""


def account_message(a: Account) -> lpb.Account:
    """The wire form of projections/account.Account (days become ISO dates)."""
    out = lpb.Account(
        customer_id=a.customer_id, currency=a.currency, as_of=day_to_iso(a.as_of),
        over_limit_action=a.over_limit_action, allocation_strategy=a.allocation_strategy,
        dunning_policy_id=a.dunning_policy_id, credit_limit_minor=a.credit_limit_minor,
        exposure_minor=a.exposure_minor, on_hold=a.on_hold,
        written_off_minor=a.written_off_minor, recovered_minor=a.recovered_minor,
        sold_minor=a.sold_minor)
    if a.terms is not None:
        out.terms.CopyFrom(lpb.TermsVersion(terms_id=a.terms.terms_id, version=a.terms.version,
                                            definition_json=a.terms.definition_json))
    for h in a.holds:
        out.holds.add(date=day_to_iso(h.day), event=h.event, source=h.source, actor=h.actor,
                      reason=h.reason)
    for lc in a.limit_changes:
        out.limit_changes.add(date=day_to_iso(lc.day), old_limit_minor=lc.old_limit_minor,
                              new_limit_minor=lc.new_limit_minor, actor=lc.actor,
                              reason=lc.reason)
    for c in a.credit_checks:
        out.credit_checks.add(date=day_to_iso(c.day), invoice_id=c.invoice_id, action=c.action,
                              exposure_before_minor=c.exposure_before_minor,
                              invoice_minor=c.invoice_minor, limit_minor=c.limit_minor)
    for d in a.disputes:
        out.disputes.add(dispute_id=d.dispute_id, invoice_id=d.invoice_id,
                         amount_minor=d.amount_minor, reason_code=d.reason_code,
                         opened_date=day_to_iso(d.opened_day), state=d.state,
                         resolved_date=_iso(d.resolved_day))
    for p in a.promises:
        pv = out.promises.add(promise_id=p.promise_id, made_date=day_to_iso(p.made_day),
                              invoice_ids=p.invoice_ids, status=p.status,
                              promised_minor=p.promised_minor, paid_minor=p.paid_minor)
        for due, amount in p.installments:
            pv.installments.add(due_date=day_to_iso(due), amount_minor=amount)
    for st in a.dunning:
        out.dunning.add(date=day_to_iso(st.day), invoice_id=st.invoice_id,
                        installment=st.installment, level=st.level, action=st.action,
                        policy_id=st.policy_id, policy_version=st.policy_version,
                        fee_minor=st.fee_minor, interest_minor=st.interest_minor)
    return out


class LogServicer(lgrpc.LogServiceServicer):
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def StreamEntries(self, request, context) -> Iterator[lpb.LogEntry]:
        try:
            for e in self.ledger.entries(request.from_position or 1, request.limit):
                yield log_entry(e)
        except LedgerError as err:
            abort(context, err)

    @guard
    def GetLogHead(self, request, context):
        led = self.ledger
        behind, age_ms = led.lag()  # asks the store: outside the lock the follower folds under
        with led.reading() as S:
            if led.store_head_seq <= S.head_seq:  # it folded the rest since: one snapshot
                behind, age_ms = 0, 0
            return lpb.LogHead(position=S.head_position, segment=S.head_seq,
                               head_hash=S.head_hash, recorded_at=ts(S.head_recorded_at_us),
                               state_digest=S.digest() if request.with_state_digest else "",
                               role="follower" if led.follower else "writer",
                               partition=str(led.partition),
                               store_segment=max(led.store_head_seq, S.head_seq),
                               lag_segments=behind, lag_ms=age_ms,
                               follow_error=led.follow_error, **_caller(auth.current()))

    @guard
    def VerifyLog(self, request, context):
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


# The services that live in their own modules (one per concern). Each module has
# `add_to_server(server, ledger, clock) -> full service name`, `SERVICE` (the service's
# descriptor) and `ERRORS_DOC` (the reasons its RPCs can return, for docs/reference.md).
SERVICE_MODULES = (report_service, audit_service, risk_service, search_service,
                   valuation_service, bank_service)


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
                              s.metrics, {"/arledger.v1.LedgerService/SubmitBatchStream":
                                          rowwire.parse_batch})
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=s.max_workers, thread_name_prefix="arledger-rpc"),
        interceptors=[interceptor], maximum_concurrent_rpcs=s.max_concurrent_rpcs,
        options=[("grpc.so_reuseport", 0),
                 ("grpc.max_receive_message_length", limits.grpc_message_bytes_max),
                 ("grpc.max_send_message_length", limits.grpc_message_bytes_max),
                 ("grpc.max_concurrent_streams", s.max_connection_streams),
                 # Find dead clients (and free their calls) instead of waiting on them.
                 ("grpc.keepalive_time_ms", 30_000), ("grpc.keepalive_timeout_ms", 10_000),
                 ("grpc.http2.min_ping_interval_without_data_ms", 10_000)])
    clock = clock or system_clock_us
    lgrpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger, s.metrics), server)
    lgrpc.add_QueryServiceServicer_to_server(QueryServicer(ledger, clock), server)
    lgrpc.add_LogServiceServicer_to_server(LogServicer(ledger), server)
    names = SERVICE_NAMES + tuple(m.add_to_server(server, ledger, clock)
                                  for m in SERVICE_MODULES)
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
