"""Request plumbing every servicer uses: the one mapping of domain errors to gRPC
statuses, a request's two clocks (`as_of`, `known_at`), customer lookup, the filters and
aging arguments reports share, and page tokens.

A page token pins the view: the known segment of the first page, the query it belongs to
(a hash of the request without its paging fields and clock) and its `as_of`, so later
pages never mix two views. Tokens are opaque and HMAC-protected (server/tokens.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.protobuf import struct_pb2, timestamp_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.dates import date_to_day, day_to_iso
from arledger.domain.errors import LedgerError, error
from arledger.engine import Ledger, Outcome
from arledger.engine.amounts import known_seq_at
from arledger.engine.state import State
from arledger.projections import views
from arledger.server import tokens
from arledger.v1 import ledger_pb2 as lpb

ERROR_DOMAIN = "arledger"
_STATUS = {"ACCEPTED": lpb.ACCEPTED, "DUPLICATE": lpb.DUPLICATE, "REJECTED": lpb.REJECTED}

# ---- errors ----------------------------------------------------------------------------------


def to_status(err: LedgerError) -> grpc.Status:
    """The one place a domain error becomes a gRPC status (+ google.rpc.ErrorInfo).

    Message and metadata are cut to a size: they often quote the caller's input, and a
    trailer past the client's metadata limit (16 KiB) would break its connection."""
    info = error_details_pb2.ErrorInfo(
        reason=err.reason, domain=ERROR_DOMAIN,
        metadata={k[:limits.id_length_max]: v[:limits.text_length_max]
                  for k, v in list(err.metadata.items())[:limits.error_metadata_entries_max]})
    message = err.message if len(err.message) <= limits.error_message_length_max else \
        err.message[:limits.error_message_length_max - 24] + " ...(cut)"
    st = status_pb2.Status(code=getattr(code_pb2, err.code), message=message)
    st.details.add().Pack(info)
    return rpc_status.to_status(st)


def abort(context: grpc.ServicerContext, err: LedgerError) -> None:
    # Drop the traceback first: a handler frame holding the error (an Outcome's, raised
    # again) makes a cycle error -> traceback -> frame -> error that keeps the call, and
    # its HTTP/2 stream, alive until the cyclic GC runs (rarely, under tune_gc): 128 such
    # refusals on one connection used to leave it refusing every new call.
    err.__traceback__ = None
    context.abort_with_status(to_status(err))


def guard(fn: Callable) -> Callable:
    """Map LedgerError raised by a unary handler to its status; nothing else leaks."""
    def wrapper(self, request, context):
        try:
            return fn(self, request, context)
        except LedgerError as e:
            abort(context, e)
    wrapper.__name__ = fn.__name__
    return wrapper


def streamed(fn: Callable) -> Callable:
    """A streaming handler: errors found before the first message become a status, later
    ones abort the stream. A handler that returns a list builds every message first (so
    an error is a status before anything is sent)."""
    def wrapper(self, request, context) -> Iterator[Any]:
        try:
            yield from fn(self, request, context)
        except LedgerError as e:
            abort(context, e)
    wrapper.__name__ = fn.__name__
    return wrapper


def ts(us: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=us // 1_000_000, nanos=(us % 1_000_000) * 1000)


def command_result(o: Outcome) -> lpb.CommandResult:
    """The wire answer to one command."""
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


def log_entry(e: dict) -> lpb.LogEntry:
    fields = struct_pb2.Struct()
    fields.update(e["fields"])
    return lpb.LogEntry(position=e["position"], segment=e["segment"], type=e["type"],
                        effective_date=e["effective_date"], recorded_at=ts(e["recorded_at_us"]),
                        request_id=e["request_id"], actor=e["actor"], reason=e["reason"],
                        fields=fields)


# ---- the two clocks and the customer -----------------------------------------------------------

class Clocks:
    """Reads a request's `as_of` and `known_at` against the server's clock."""

    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self.clock = clock

    def as_of(self, text: str) -> int:
        """The day a request names, or the server's today."""
        if text:
            return V.day(text, "as_of")
        return date_to_day(dt.datetime.fromtimestamp(self.clock() / 1e6, dt.UTC).date())

    def known_at(self, request: Any) -> int | None:
        """The request's known_at (µs), final: a time later than the server's clock is
        answered as of now, and a segment recorded by then but still being stored is
        waited for, so an answer as known at K never changes afterwards. Call it before
        taking the read lock."""
        if not request.HasField("known_at"):
            return None
        t = request.known_at
        if t.seconds < 0 or not 0 <= t.nanos < 1_000_000_000:
            raise error("INVALID_TIMESTAMP", "known_at must be a valid time after 1970")
        now = max(self.clock(), self.ledger.state.head_recorded_at_us)
        known = min(t.seconds * 1_000_000 + t.nanos // 1000, now)
        self.ledger.settle(known)
        return known


def customer(S: State, customer_id: str) -> int:
    """The index of a customer the request names (NOT_FOUND if none)."""
    V.ident(customer_id, "customer_id")
    ix = S.customer_ix.get(customer_id)
    if ix is None:
        raise error("CUSTOMER_NOT_FOUND", f"no customer {customer_id!r}")
    return ix


def filters(S: State, request: Any) -> tuple[int | None, int | None]:
    """(customer index, currency index) a report request narrows to (None: all)."""
    cust = customer(S, request.customer_id) if request.customer_id else None
    cur = None
    if request.currency:
        code = V.currency(request.currency)
        # A currency no customer uses selects nothing (index past the known ones).
        cur = S.currencies.index(code) if code in S.currencies else len(S.currencies) + 1
    return cust, cur


def aging_args(request: Any) -> tuple[tuple[int, ...], bool, int]:
    """(bucket edges, invoice-date basis?, basis enum) of an aging request."""
    edges = views.check_edges(tuple(request.bucket_edges_days))
    basis = request.basis or lpb.DUE_DATE
    if basis not in (lpb.DUE_DATE, lpb.INVOICE_DATE):
        raise error("INVALID_ENUM", "basis must be DUE_DATE or INVOICE_DATE")
    return edges, basis == lpb.INVOICE_DATE, basis


# ---- pages -----------------------------------------------------------------------------------

def query_key(request: Any) -> str:
    """What a page token belongs to: the request without its paging fields and clock."""
    r = type(request)()
    r.CopyFrom(request)
    for f in ("page_token", "page_size", "skip", "known_at"):
        if f in r.DESCRIPTOR.fields_by_name:
            r.ClearField(f)
    return hashlib.blake2b(r.SerializeToString(deterministic=True), digest_size=8).hexdigest()


def page(request: Any, S: State, as_of: int | None, known_at: int | None, *, default: int,
         maximum: int) -> tuple[int, int, int]:
    """(known segment, offset, page size) of a paged request; a token's segment and place
    win, and `skip` (where the request has it) moves past the place. `default` is the size
    of page_size 0; a default of 0 means the whole answer."""
    size = request.page_size or default
    if not 0 <= size <= maximum:
        raise error("INVALID_PAGE_SIZE",
                    f"page_size must be 0..{maximum} (0 = {default or 'all'})")
    skip = getattr(request, "skip", 0)
    if skip < 0:
        raise error("INVALID_PAGE_SIZE", "skip must be >= 0")
    ks, offset = known_seq_at(S, known_at), 0
    if request.page_token:
        tok = tokens.read(request.page_token)
        if tok.get("c") != query_key(request) or tok.get("a") != as_of:
            raise error("INVALID_PAGE_TOKEN", "the token belongs to another query")
        try:
            ks, offset = int(tok["k"]), int(tok["o"])
        except (KeyError, TypeError, ValueError):
            raise error("INVALID_PAGE_TOKEN", "not a page token this server issued") from None
        if not 0 <= ks <= S.head_seq or offset < 0:
            raise error("INVALID_PAGE_TOKEN", "not a page token this server issued")
    return ks, offset + skip, size


def next_token(request: Any, as_of: int | None, known_seq: int, offset: int, size: int,
               total: int) -> str:
    """The token of the page after offset..offset+size ("" when that was the last)."""
    if size and offset + size < total:
        return tokens.make({"c": query_key(request), "a": as_of, "k": known_seq,
                            "o": offset + size})
    return ""
