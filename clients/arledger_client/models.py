"""Plain, immutable results returned by the client (no protobuf types).

Money is integer minor units; dates are "YYYY-MM-DD" strings; recorded times are
timezone-aware UTC datetimes; enums are their names as strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from google.protobuf import json_format, timestamp_pb2

from arledger_client.errors import ArledgerError, make_error
from arledger_client.v1 import ledger_pb2 as lpb

#: A date argument: "YYYY-MM-DD" or a datetime.date (a datetime counts by its date).
DateLike = str | dt.date

PaymentMethod = Literal["BANK_TRANSFER", "CHEQUE", "CARD", "DIRECT_DEBIT", "E_WALLET", "CASH",
                        "OTHER"]
AllocationStrategy = Literal["OLDEST_DUE_FIRST", "EXPLICIT", "LEAVE_UNAPPLIED",
                             "NEWEST_DUE_FIRST"]
ReversalReason = Literal["RETURNED_CHEQUE", "FAILED_DIRECT_DEBIT", "CHARGEBACK", "REVERSAL_OTHER"]
DisputeOutcome = Literal["DISPUTE_UPHELD", "DISPUTE_REJECTED", "DISPUTE_PARTIALLY_UPHELD"]
AgingBasis = Literal["DUE_DATE", "INVOICE_DATE"]
#: ACCEPTED, DUPLICATE (the request id was seen before: the original result) or REJECTED.
Status = Literal["ACCEPTED", "DUPLICATE", "REJECTED"]


@dataclass(frozen=True)
class Allocation:
    """Money applied to one invoice (negative in a reversal's result)."""

    invoice_id: str
    amount_minor: int


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice line; a (description, quantity, unit_price_minor) tuple works too."""

    description: str
    quantity: int
    unit_price_minor: int


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one command.

    status: ACCEPTED, DUPLICATE (sent before with this request id, e.g. by a retry:
    the original result, nothing written again) or REJECTED (only inside a batch;
    reason/code/message say why - single commands raise instead).
    position: log position of the first entry written; entry_count: entries written.
    allocations/unapplied_minor: how a payment or credit was applied;
    due_date: the due date an invoice got.
    """

    status: str
    request_id: str
    position: int
    entry_count: int
    allocations: tuple[Allocation, ...] = ()
    unapplied_minor: int = 0
    due_date: str = ""
    reason: str = ""
    message: str = ""
    code: str = ""
    #: Accepted with a warning or an automatic consequence, e.g. CREDIT_LIMIT_EXCEEDED,
    #: ON_HOLD_PLACED, DISCOUNT_TAKEN, SMALL_BALANCE_WRITTEN_OFF.
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the command is in the ledger (ACCEPTED or DUPLICATE)."""
        return self.status in ("ACCEPTED", "DUPLICATE")

    def error(self) -> ArledgerError | None:
        """For a REJECTED result, the typed error it stands for; else None."""
        if self.status != "REJECTED":
            return None
        return make_error(self.code or "UNKNOWN", self.reason, self.message)


@dataclass(frozen=True)
class BatchResult:
    """Per-command results (same order as sent) and counts."""

    results: tuple[CommandResult, ...]
    accepted: int
    duplicates: int
    rejected: int

    @property
    def rejections(self) -> tuple[tuple[int, CommandResult], ...]:
        """(index in the batch, result) of each rejected command."""
        return tuple((i, r) for i, r in enumerate(self.results) if r.status == "REJECTED")


@dataclass(frozen=True)
class Rejection:
    """A command refused inside a stream: which batch, which command, and why."""

    batch_index: int
    command_index: int
    request_id: str
    reason: str
    message: str
    code: str = ""


@dataclass(frozen=True)
class StreamSummary:
    """Summary of submit_stream: every command not in `rejections` is in the ledger."""

    batches: int
    commands: int
    accepted: int
    duplicates: int
    rejected: int
    rejections: tuple[Rejection, ...]
    last_position: int


@dataclass(frozen=True)
class Customer:
    """A customer account's master data; status is OPEN or CLOSED.

    address has the keys line1, line2, city, region, postal_code, country.
    """

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
    """A customer's figures as of a date; balance = open - unapplied cash - unapplied credit."""

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
    """An open invoice (positive open_minor), or unapplied cash (kind PAYMENT) or
    credit (kind CREDIT_NOTE) with a negative open_minor."""

    kind: str
    item_id: str
    issue_date: str
    due_date: str
    amount_minor: int
    open_minor: int
    disputed_minor: int
    days_past_due: int


@dataclass(frozen=True)
class OpenItemsPage:
    """One page of open items; next_page_token is "" on the last page."""

    items: tuple[OpenItem, ...]
    next_page_token: str


@dataclass(frozen=True)
class AgingRow:
    """One currency's aging: buckets in the order of AgingReport.bucket_labels."""

    currency: str
    buckets_minor: tuple[int, ...]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int
    open_item_count: int


@dataclass(frozen=True)
class AgingReport:
    """Aging of one customer or of the portfolio; basis is DUE_DATE or INVOICE_DATE."""

    as_of: str
    basis: str
    bucket_labels: tuple[str, ...]
    rows: tuple[AgingRow, ...]
    position: int


@dataclass(frozen=True)
class LogEntry:
    """One ledger entry as stored; `fields` holds the entry type's fields (numbers are ints)."""

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
class Caller:
    """Who the server took the caller for, and what it may do (from GetLogHead).

    `name` is the authenticated principal ("" when the server has no authentication: then
    every call is allowed and `permissions` is {"*"}); `roles` its roles (writer, reader,
    auditor, risk, admin); `permissions` the names of the server's permission table its
    roles give ("ledger.read", "ledger.command", "report.read", "audit.read", "risk.read",
    ...; docs/reference.md lists which RPC needs which)."""

    name: str = ""
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset({"*"})

    @property
    def authenticated(self) -> bool:
        """Whether the server authenticates calls (a principal has a non-empty name)."""
        return bool(self.name)

    def may(self, permission: str) -> bool:
        """Whether the server lets this caller use what needs `permission`."""
        return "*" in self.permissions or permission in self.permissions


@dataclass(frozen=True)
class LogHead:
    """The chain head; state_digest is "" unless asked for. A follower reports how far
    behind the store it is (lag_segments, lag_ms); a writer reports 0 for both. `caller`
    is who asked, as the server authenticated it, and what it may do."""

    position: int
    segment: int
    head_hash: str
    recorded_at: dt.datetime
    state_digest: str
    role: str = "writer"
    partition: str = "0/1"
    store_segment: int = 0
    lag_segments: int = 0
    lag_ms: int = 0
    follow_error: str = ""
    caller: Caller = field(default_factory=Caller)


@dataclass(frozen=True)
class VerifyResult:
    """Result of recomputing the hash chain; when not ok, the first bad segment and why."""

    ok: bool
    segments_checked: int
    entries_checked: int
    first_bad_segment: int
    problem: str
    head_hash: str


# ---- conversions from the wire (private) --------------------------------------------------


def _iso(d: DateLike | None) -> str:
    if d is None:
        return ""
    if isinstance(d, dt.datetime):
        return d.date().isoformat()
    if isinstance(d, dt.date):
        return d.isoformat()
    return d


@overload
def _timestamp(d: dt.datetime) -> timestamp_pb2.Timestamp: ...
@overload
def _timestamp(d: None) -> None: ...
def _timestamp(d: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    """A naive datetime is taken as UTC."""
    if d is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(d)
    return ts


def _datetime(ts: timestamp_pb2.Timestamp) -> dt.datetime:
    return ts.ToDatetime(tzinfo=dt.UTC)


def _plain(v: Any) -> Any:
    """Struct numbers arrive as floats; the log's numbers are exact integers."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


@dataclass(frozen=True)
class DunningRun:
    """What a dunning run did: one notice per customer (customer_id, name,
    billing_contact, currency, action, text_key, items, fee_minor, interest_minor,
    policy_id, policy_version), and counts."""

    result: CommandResult
    as_of: str
    notices: tuple[dict[str, Any], ...]
    steps: int
    holds_placed: int
    promises_broken: int
    skipped_disputed: int
    skipped_promised: int
    #: More was due than one run takes: run again for the same date.
    more: bool = False


def _message_data(msg: Any) -> dict[str, Any]:
    """A response message as plain data (field names as in the proto, int64 as int)."""
    d = json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                  always_print_fields_with_no_presence=True)
    data: dict[str, Any] = _int64s(msg.DESCRIPTOR, d)
    return data


def _int64s(desc: Any, d: Any) -> Any:
    # The JSON mapping writes 64-bit integers as strings; money is int here.
    for f in desc.fields:
        if f.name not in d:
            continue
        v = d[f.name]
        if f.message_type is not None and f.message_type.name not in ("Timestamp",):
            d[f.name] = [_int64s(f.message_type, x) for x in v] if isinstance(v, list) \
                else _int64s(f.message_type, v)
        elif f.type in (f.TYPE_INT64, f.TYPE_UINT64, f.TYPE_SINT64):
            d[f.name] = [int(x) for x in v] if isinstance(v, list) else int(v)
    return d


def _command_result(r: Any) -> CommandResult:
    return CommandResult(
        status=lpb.CommandStatus.Name(r.status), request_id=r.request_id, position=r.position,
        entry_count=r.entry_count,
        allocations=tuple(Allocation(a.invoice_id, a.amount_minor) for a in r.allocations),
        unapplied_minor=r.unapplied_minor, due_date=r.due_date, reason=r.reason,
        message=r.message, code=r.code, warnings=tuple(r.warnings))


def _batch_result(r: Any) -> BatchResult:
    return BatchResult(tuple(_command_result(x) for x in r.results), r.accepted, r.duplicates,
                       r.rejected)


def _stream_summary(r: Any) -> StreamSummary:
    return StreamSummary(
        r.batches, r.commands, r.accepted, r.duplicates, r.rejected,
        tuple(Rejection(x.batch_index, x.command_index, x.request_id, x.reason, x.message,
                        x.code) for x in r.rejections),
        r.last_position)


def _customer(c: Any) -> Customer:
    a = c.address
    return Customer(c.customer_id, c.name, c.currency, c.billing_contact,
                    {"line1": a.line1, "line2": a.line2, "city": a.city, "region": a.region,
                     "postal_code": a.postal_code, "country": a.country},
                    c.payment_terms_net_days, c.credit_limit_minor, c.status, c.opened_date)


def _balance(b: Any) -> Balance:
    return Balance(b.customer_id, b.currency, b.as_of, b.open_minor, b.overdue_minor,
                   b.unapplied_cash_minor, b.unapplied_credit_minor, b.disputed_minor,
                   b.balance_minor, b.credit_limit_minor, b.headroom_minor, b.position)


def _open_items_page(r: Any) -> OpenItemsPage:
    return OpenItemsPage(tuple(OpenItem(i.kind, i.item_id, i.issue_date, i.due_date,
                                        i.amount_minor, i.open_minor, i.disputed_minor,
                                        i.days_past_due) for i in r.items),
                         r.next_page_token)


def _aging_report(r: Any) -> AgingReport:
    return AgingReport(r.as_of, lpb.AgingBasis.Name(r.basis), tuple(r.bucket_labels),
                       tuple(AgingRow(x.currency, tuple(x.buckets_minor), x.unapplied_minor,
                                      x.disputed_minor, x.balance_minor, x.open_item_count)
                             for x in r.rows), r.position)


def _log_entry(e: Any) -> LogEntry:
    fields: Mapping[str, Any] = json_format.MessageToDict(e.fields)
    return LogEntry(e.position, e.segment, e.type, e.effective_date, _datetime(e.recorded_at),
                    e.request_id, e.actor, e.reason, _plain(dict(fields)))


def _log_head(h: Any) -> LogHead:
    return LogHead(h.position, h.segment, h.head_hash, _datetime(h.recorded_at), h.state_digest,
                   h.role, h.partition, h.store_segment, h.lag_segments, h.lag_ms,
                   h.follow_error, _caller(h))


def _caller(h: Any) -> Caller:
    if not h.principal:  # no authentication (or a server from before it reported callers)
        return Caller()
    return Caller(h.principal, frozenset(h.principal_roles),
                  frozenset(h.principal_permissions))


def _verify_result(r: Any) -> VerifyResult:
    return VerifyResult(r.ok, r.segments_checked, r.entries_checked, r.first_bad_segment,
                        r.problem, r.head_hash)
