"""ArledgerClient: the typed Python client of the arledger gRPC API."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from google.protobuf import json_format, timestamp_pb2

from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client.errors import ArledgerError, from_rpc_error

T = TypeVar("T")
DateLike = str | dt.date
# Codes after which the same request may be sent again: the server's idempotency
# (same request id, same payload -> the original result) makes it safe.
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


@dataclass(frozen=True)
class Allocation:
    invoice_id: str
    amount_minor: int


@dataclass(frozen=True)
class CommandResult:
    """status is ACCEPTED, DUPLICATE (a retry: the original result) or REJECTED (batches)."""

    status: str
    request_id: str
    position: int
    entry_count: int
    allocations: tuple[Allocation, ...] = ()
    unapplied_minor: int = 0
    due_date: str = ""
    reason: str = ""
    message: str = ""


@dataclass(frozen=True)
class BatchResult:
    results: tuple[CommandResult, ...]
    accepted: int
    duplicates: int
    rejected: int


@dataclass(frozen=True)
class Rejection:
    batch_index: int
    command_index: int
    request_id: str
    reason: str
    message: str


@dataclass(frozen=True)
class StreamSummary:
    batches: int
    commands: int
    accepted: int
    duplicates: int
    rejected: int
    rejections: tuple[Rejection, ...]
    last_position: int


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    currency: str
    billing_contact: str
    address: dict[str, str]
    payment_terms_net_days: int
    credit_limit_minor: int
    status: str
    opened_date: str


@dataclass(frozen=True)
class Balance:
    customer_id: str
    currency: str
    as_of: str
    open_minor: int
    overdue_minor: int
    unapplied_cash_minor: int
    unapplied_credit_minor: int
    disputed_minor: int
    balance_minor: int
    credit_limit_minor: int
    headroom_minor: int
    position: int


@dataclass(frozen=True)
class OpenItem:
    kind: str
    item_id: str
    issue_date: str
    due_date: str
    amount_minor: int
    open_minor: int
    disputed_minor: int
    days_past_due: int


@dataclass(frozen=True)
class AgingRow:
    currency: str
    buckets_minor: tuple[int, ...]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int
    open_item_count: int


@dataclass(frozen=True)
class AgingReport:
    as_of: str
    basis: str
    bucket_labels: tuple[str, ...]
    rows: tuple[AgingRow, ...]
    position: int


@dataclass(frozen=True)
class LogEntry:
    position: int
    segment: int
    type: str
    effective_date: str
    recorded_at: dt.datetime
    request_id: str
    actor: str
    reason: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogHead:
    position: int
    segment: int
    head_hash: str
    recorded_at: dt.datetime
    state_digest: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    segments_checked: int
    entries_checked: int
    first_bad_segment: int
    problem: str
    head_hash: str


class Command:
    """One command for a batch, built without protobuf: `Command.issue_invoice(...)`."""

    __slots__ = ("message",)

    def __init__(self, message: cpb.Command) -> None:
        self.message = message

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Command":
        """From protobuf's JSON mapping, e.g. {"issueInvoice": {"invoiceId": "I-1", ...}}."""
        return cls(json_format.ParseDict(data, cpb.Command()))

    @classmethod
    def from_json(cls, line: str) -> "Command":
        return cls(json_format.Parse(line, cpb.Command()))

    @property
    def request_id(self) -> str:
        which = self.message.WhichOneof("command")
        return getattr(self.message, which).request_id if which else ""


def _build(kind: str, fields: dict[str, Any]) -> cpb.Command:
    """A Command from keyword fields (dates, enums by name, allocations, lines, address)."""
    msg_cls = cpb.Command.DESCRIPTOR.fields_by_name[kind].message_type._concrete_class
    data: dict[str, Any] = {}
    for k, v in fields.items():
        if v is None:
            continue
        if isinstance(v, dt.date):
            v = v.isoformat()
        elif k == "allocations":
            items = v.items() if isinstance(v, Mapping) else v
            v = [{"invoice_id": a.invoice_id, "amount_minor": a.amount_minor}
                 if isinstance(a, Allocation) else {"invoice_id": a[0], "amount_minor": a[1]}
                 for a in items]
        elif k == "lines":
            v = [{"description": d, "quantity": q, "unit_price_minor": p} for d, q, p in v]
        data[k] = v
    data.setdefault("request_id", uuid.uuid4().hex)
    msg = json_format.ParseDict(data, msg_cls(), ignore_unknown_fields=False)
    return cpb.Command(**{kind: msg})


def _commands(kinds: Iterable[str]) -> type:
    def maker(kind: str) -> Callable[..., Command]:
        def make(**fields: Any) -> Command:
            return Command(_build(kind, fields))
        make.__name__ = kind
        make.__doc__ = f"A {kind} command (fields as in arledger.v1.{kind} request)."
        return staticmethod(make)  # type: ignore[return-value]
    return type("Commands", (), {k: maker(k) for k in kinds})


Commands = _commands(f.name for f in cpb.Command.DESCRIPTOR.oneofs_by_name["command"].fields)


def _ts(d: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    if d is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(d.astimezone(dt.timezone.utc) if d.tzinfo else d)
    return ts


def _dt(ts: timestamp_pb2.Timestamp) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.timezone.utc)


def _result(r: lpb.CommandResult) -> CommandResult:
    return CommandResult(lpb.CommandStatus.Name(r.status), r.request_id, r.position, r.entry_count,
                         tuple(Allocation(a.invoice_id, a.amount_minor) for a in r.allocations),
                         r.unapplied_minor, r.due_date, r.reason, r.message)


def _iso(d: DateLike | None) -> str:
    return "" if d is None else d.isoformat() if isinstance(d, dt.date) else d


class ArledgerClient:
    """A connection to an arledger server.

    Every mutating method takes an optional `request_id` (a new one is made when
    omitted) and is retried on UNAVAILABLE / DEADLINE_EXCEEDED with the *same*
    request id, so a retry can never apply a command twice. Refusals raise
    `ArledgerError` subclasses carrying the server's stable `reason`.
    """

    commands = Commands

    def __init__(self, target: str, *, timeout_s: float = 10.0, retries: int = 5,
                 backoff_s: float = 0.05, channel: grpc.Channel | None = None) -> None:
        self._channel = channel or grpc.insecure_channel(target, options=[
            ("grpc.max_send_message_length", 64 << 20),
            ("grpc.max_receive_message_length", 64 << 20)])
        self._ledger = lgrpc.LedgerServiceStub(self._channel)
        self._query = lgrpc.QueryServiceStub(self._channel)
        self._log = lgrpc.LogServiceStub(self._channel)
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "ArledgerClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- plumbing ---------------------------------------------------------------------

    def _call(self, fn: Callable[..., T], request: Any, *, retry: bool = True) -> T:
        return call_with_retries(lambda: fn(request, timeout=self.timeout_s),
                                 self.retries if retry else 0, self.backoff_s)

    def _command(self, kind: str, fields: dict[str, Any]) -> CommandResult:
        fields.pop("self", None)
        cmd = _build(kind, fields)
        request = getattr(cmd, kind)
        rpc = "".join(p.capitalize() for p in kind.split("_"))
        return _result(self._call(getattr(self._ledger, rpc), request))

    # ---- commands -----------------------------------------------------------------------

    def open_customer(self, customer_id: str, name: str, currency: str, opened_date: DateLike, *,
                      payment_terms_net_days: int = 30, credit_limit_minor: int = 0,
                      billing_contact: str = "", address: Mapping[str, str] | None = None,
                      request_id: str | None = None, actor: str = "",
                      reason: str = "") -> CommandResult:
        return self._command("open_customer", dict(locals()))

    def update_customer(self, customer_id: str, effective_date: DateLike, *, actor: str,
                        reason: str, name: str | None = None, billing_contact: str | None = None,
                        address: Mapping[str, str] | None = None,
                        payment_terms_net_days: int | None = None,
                        credit_limit_minor: int | None = None,
                        request_id: str | None = None) -> CommandResult:
        return self._command("update_customer", dict(locals()))

    def close_customer(self, customer_id: str, effective_date: DateLike, *,
                       request_id: str | None = None, actor: str = "",
                       reason: str = "") -> CommandResult:
        return self._command("close_customer", dict(locals()))

    def issue_invoice(self, invoice_id: str, customer_id: str, issue_date: DateLike, *,
                      amount_minor: int | None = None,
                      lines: Sequence[tuple[str, int, int]] | None = None,
                      due_date: DateLike | None = None, currency: str | None = None,
                      po_number: str = "", request_id: str | None = None, actor: str = "",
                      reason: str = "") -> CommandResult:
        """Give amount_minor, lines (description, quantity, unit_price_minor), or both."""
        return self._command("issue_invoice", dict(locals()))

    def void_invoice(self, invoice_id: str, effective_date: DateLike, *, reason: str,
                     request_id: str | None = None, actor: str = "") -> CommandResult:
        return self._command("void_invoice", dict(locals()))

    def record_payment(self, payment_id: str, customer_id: str, amount_minor: int, currency: str,
                       value_date: DateLike, *, method: str = "BANK_TRANSFER",
                       allocations: Sequence[tuple[str, int]] | Mapping[str, int] | None = None,
                       strategy: str | None = None, remittance_reference: str = "",
                       request_id: str | None = None, actor: str = "",
                       reason: str = "") -> CommandResult:
        """Allocations are explicit when given, else oldest due first (or `strategy`)."""
        return self._command("record_payment", dict(locals()))

    def allocate_payment(self, payment_id: str, effective_date: DateLike, *,
                         allocations: Sequence[tuple[str, int]] | Mapping[str, int] | None = None,
                         strategy: str | None = None, request_id: str | None = None,
                         actor: str = "", reason: str = "") -> CommandResult:
        return self._command("allocate_payment", dict(locals()))

    def reverse_payment(self, payment_id: str, effective_date: DateLike, reversal_reason: str, *,
                        request_id: str | None = None, actor: str = "",
                        reason: str = "") -> CommandResult:
        """reversal_reason: RETURNED_CHEQUE, FAILED_DIRECT_DEBIT, CHARGEBACK, REVERSAL_OTHER."""
        return self._command("reverse_payment", dict(locals()))

    def issue_credit_note(self, credit_note_id: str, customer_id: str, amount_minor: int,
                          currency: str, issue_date: DateLike, *, invoice_id: str = "",
                          reason_code: str = "", request_id: str | None = None, actor: str = "",
                          reason: str = "") -> CommandResult:
        return self._command("issue_credit_note", dict(locals()))

    def allocate_credit_note(self, credit_note_id: str, effective_date: DateLike, *,
                             allocations: Sequence[tuple[str, int]] | Mapping[str, int] | None = None,
                             strategy: str | None = None, request_id: str | None = None,
                             actor: str = "", reason: str = "") -> CommandResult:
        return self._command("allocate_credit_note", dict(locals()))

    def open_dispute(self, dispute_id: str, invoice_id: str, amount_minor: int, reason_code: str,
                     opened_date: DateLike, *, request_id: str | None = None, actor: str = "",
                     reason: str = "") -> CommandResult:
        return self._command("open_dispute", dict(locals()))

    def resolve_dispute(self, dispute_id: str, outcome: str, resolved_date: DateLike, *,
                        actor: str, reason: str, credited_amount_minor: int = 0,
                        credit_note_id: str = "", request_id: str | None = None) -> CommandResult:
        """outcome: DISPUTE_UPHELD, DISPUTE_REJECTED or DISPUTE_PARTIALLY_UPHELD."""
        return self._command("resolve_dispute", dict(locals()))

    def write_off_invoice(self, invoice_id: str, effective_date: DateLike, *, actor: str,
                          reason: str, amount_minor: int = 0,
                          request_id: str | None = None) -> CommandResult:
        """amount_minor 0 writes off everything open."""
        return self._command("write_off_invoice", dict(locals()))

    # ---- volume ------------------------------------------------------------------------

    def submit_batch(self, commands: Iterable[Command | Mapping[str, Any]], *,
                     atomic: bool = False) -> BatchResult:
        """Many commands in one call; each gets its own result (atomic: all or nothing)."""
        batch = cpb.Batch(commands=[_message(c) for c in commands], atomic=atomic)
        r = self._call(self._ledger.SubmitBatch, batch)
        return BatchResult(tuple(_result(x) for x in r.results), r.accepted, r.duplicates,
                           r.rejected)

    def submit_stream(self, batches: Iterable[Iterable[Command | Mapping[str, Any]]], *,
                      atomic: bool = False) -> StreamSummary:
        """A client stream of batches (not retried: a stream cannot be replayed safely
        from an iterator; resubmit the same commands, their request ids make it safe)."""
        reqs = (cpb.Batch(commands=[_message(c) for c in b], atomic=atomic) for b in batches)
        try:
            r = self._ledger.SubmitBatchStream(reqs)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None
        return StreamSummary(r.batches, r.commands, r.accepted, r.duplicates, r.rejected,
                             tuple(Rejection(x.batch_index, x.command_index, x.request_id,
                                             x.reason, x.message) for x in r.rejections),
                             r.last_position)

    # ---- queries -----------------------------------------------------------------------

    def get_customer(self, customer_id: str) -> Customer:
        c = self._call(self._query.GetCustomer, lpb.GetCustomerRequest(customer_id=customer_id))
        a = c.address
        return Customer(c.customer_id, c.name, c.currency, c.billing_contact,
                        {"line1": a.line1, "line2": a.line2, "city": a.city, "region": a.region,
                         "postal_code": a.postal_code, "country": a.country},
                        c.payment_terms_net_days, c.credit_limit_minor, c.status, c.opened_date)

    def get_balance(self, customer_id: str, *, as_of: DateLike | None = None,
                    known_at: dt.datetime | None = None) -> Balance:
        b = self._call(self._query.GetBalance, lpb.GetBalanceRequest(
            customer_id=customer_id, as_of=_iso(as_of), known_at=_ts(known_at)))
        return Balance(b.customer_id, b.currency, b.as_of, b.open_minor, b.overdue_minor,
                       b.unapplied_cash_minor, b.unapplied_credit_minor, b.disputed_minor,
                       b.balance_minor, b.credit_limit_minor, b.headroom_minor, b.position)

    def list_open_items_page(self, customer_id: str, *, as_of: DateLike | None = None,
                             known_at: dt.datetime | None = None, page_size: int = 0,
                             page_token: str = "") -> tuple[list[OpenItem], str]:
        r = self._call(self._query.ListOpenItems, lpb.ListOpenItemsRequest(
            customer_id=customer_id, as_of=_iso(as_of), known_at=_ts(known_at),
            page_size=page_size, page_token=page_token))
        return ([OpenItem(i.kind, i.item_id, i.issue_date, i.due_date, i.amount_minor,
                          i.open_minor, i.disputed_minor, i.days_past_due) for i in r.items],
                r.next_page_token)

    def list_open_items(self, customer_id: str, *, as_of: DateLike | None = None,
                        known_at: dt.datetime | None = None,
                        page_size: int = 0) -> Iterator[OpenItem]:
        """Every open item, following page tokens (one consistent view)."""
        token = ""
        while True:
            items, token = self.list_open_items_page(customer_id, as_of=as_of, known_at=known_at,
                                                     page_size=page_size, page_token=token)
            yield from items
            if not token:
                return

    def get_aging(self, customer_id: str | None = None, *, as_of: DateLike | None = None,
                  known_at: dt.datetime | None = None, basis: str = "DUE_DATE",
                  bucket_edges_days: Sequence[int] | None = None) -> AgingReport:
        r = self._call(self._query.GetAging, lpb.GetAgingRequest(
            customer_id=customer_id or "", as_of=_iso(as_of), known_at=_ts(known_at),
            basis=lpb.AgingBasis.Value(basis), bucket_edges_days=list(bucket_edges_days or ())))
        return AgingReport(r.as_of, lpb.AgingBasis.Name(r.basis), tuple(r.bucket_labels),
                           tuple(AgingRow(x.currency, tuple(x.buckets_minor), x.unapplied_minor,
                                          x.disputed_minor, x.balance_minor, x.open_item_count)
                                 for x in r.rows), r.position)

    def stream_entries(self, from_position: int = 0, limit: int = 0) -> Iterator[LogEntry]:
        try:
            for e in self._log.StreamEntries(lpb.StreamEntriesRequest(
                    from_position=from_position, limit=limit)):
                yield LogEntry(e.position, e.segment, e.type, e.effective_date,
                               _dt(e.recorded_at), e.request_id, e.actor, e.reason,
                               _plain(json_format.MessageToDict(e.fields)))
        except grpc.RpcError as err:
            raise from_rpc_error(err) from None

    def get_log_head(self, *, with_state_digest: bool = False) -> LogHead:
        """The chain head; the state digest (a full read of the state) only when asked."""
        h = self._call(self._log.GetLogHead,
                       lpb.GetLogHeadRequest(with_state_digest=with_state_digest))
        return LogHead(h.position, h.segment, h.head_hash, _dt(h.recorded_at), h.state_digest)

    def verify_log(self) -> VerifyResult:
        r = self._call(self._log.VerifyLog, lpb.VerifyLogRequest())
        return VerifyResult(r.ok, r.segments_checked, r.entries_checked, r.first_bad_segment,
                            r.problem, r.head_hash)


def _message(c: Command | Mapping[str, Any]) -> cpb.Command:
    return c.message if isinstance(c, Command) else Command.from_dict(c).message


def _plain(v: Any) -> Any:
    """Struct numbers come back as floats; the log's numbers are exact integers."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def call_with_retries(fn: Callable[[], T], retries: int, backoff_s: float,
                      sleep: Callable[[float], None] = time.sleep) -> T:
    """Call fn; on a retryable status try again (exponential backoff with jitter)."""
    attempt = 0
    while True:
        try:
            return fn()
        except grpc.RpcError as e:
            code = e.code() if hasattr(e, "code") else None
            if code not in RETRYABLE or attempt >= retries:
                raise from_rpc_error(e) from None
        attempt += 1
        sleep(backoff_s * (2 ** (attempt - 1)) * (0.5 + random.random()))


__all__ = ["ArledgerClient", "ArledgerError", "Command", "Commands", "call_with_retries"]
