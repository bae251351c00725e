"""ArledgerClient: the typed Python client of the arledger gRPC API.

    from arledger_client import ArledgerClient, NotFound
    with ArledgerClient("127.0.0.1:50051") as client:
        client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
        r = client.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=100_000)
        print(r.status, r.due_date, client.get_balance("ACME").balance_minor)
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import grpc

from arledger_client.columnar import ColumnarBatch, ColumnarResult, result_of
from arledger_client.commands import Command, CommandMethods, Commands, _build, commands
from arledger_client.connection import Connection
from arledger_client.credentials import Credentials
from arledger_client.errors import ArledgerError, InvalidArgument, from_rpc_error
from arledger_client.models import (  # noqa: I001
    AgingBasis,
    AgingReport,
    AgingRow,
    Allocation,
    Balance,
    BatchResult,
    Caller,
    CommandResult,
    Customer,
    DateLike,
    DunningRun,
    LogEntry,
    LogHead,
    OpenItem,
    OpenItemsPage,
    Rejection,
    StreamSummary,
    VerifyResult,
    _aging_report,
    _balance,
    _batch_result,
    _command_result,
    _customer,
    _iso,
    _log_entry,
    _log_head,
    _message_data,
    _open_items_page,
    _stream_summary,
    _timestamp,
    _verify_result,
)
from arledger_client.retry import RETRYABLE_CODES, backoff_delay, call_with_retries, is_retryable
from arledger_client.v1 import commands_pb2 as cpb
from arledger_client.v1 import ledger_pb2 as lpb
from arledger_client.v1 import ledger_pb2_grpc as lgrpc

T = TypeVar("T")
CommandLike = Command | Mapping[str, Any]

_LEDGER = lpb.DESCRIPTOR.services_by_name["LedgerService"]
# command kind -> LedgerService method name (e.g. "issue_invoice" -> "IssueInvoice"); kinds
# another service submits (register_risk_model: RiskService) have none here.
_RPC: dict[str, str] = {
    f.name: m.name for f in cpb.Command.DESCRIPTOR.oneofs_by_name["command"].fields
    for m in _LEDGER.methods if m.input_type == f.message_type}
# Command kinds another service takes (issue 18): kind -> that service's RPC.
_VALUATION_RPC = {"define_allowance_rates": "DefineAllowanceRates",
                  "record_fx_rate": "RecordFxRate"}
# BankService (issue 19) takes a person's decision on a line and the matching rules.
_BANK_RPC = {"resolve_bank_line": "ResolveBankLine",
             "define_bank_match_rules": "DefineBankMatchRules"}


class ArledgerClient(Connection, CommandMethods[CommandResult]):
    """A connection to an arledger server (thread-safe; use as a context manager).

    Command methods (open_customer ... write_off_invoice) send one command and return
    its CommandResult; a refusal raises an ArledgerError subclass carrying the server's
    stable `reason`. Every call is retried on UNAVAILABLE / DEADLINE_EXCEEDED up to
    `retries` more times (exponential backoff with jitter, starting at backoff_s)
    and always with the *same* request id, so a retry never applies a command twice
    (the server answers DUPLICATE with the original result). Each attempt waits at
    most timeout_s seconds. Pass `channel` to use your own (e.g. secure) channel;
    the client then leaves it open on close().
    """

    #: Builders for batches: client.commands.issue_invoice(...) returns a Command.
    commands: ClassVar[Commands] = commands

    def __init__(self, target: str, *, timeout_s: float = 10.0, retries: int = 5,
                 backoff_s: float = 0.05, max_backoff_s: float = 2.0,
                 channel: grpc.Channel | None = None,
                 credentials: Credentials | None = None) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.target = target
        Connection.__init__(self, target, channel, timeout_s, credentials)
        self._ledger = lgrpc.LedgerServiceStub(self._channel)
        self._query = lgrpc.QueryServiceStub(self._channel)
        self._log = lgrpc.LogServiceStub(self._channel)
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep: Callable[[float], None] = time.sleep

    # ---- plumbing ---------------------------------------------------------------------

    def _call(self, rpc: Callable[..., T], request: Any, *, timeout_s: float | None = None,
              retry: bool = True) -> T:
        """Send `request` (the same object on every attempt) with retries."""
        timeout = self.timeout_s if timeout_s is None else timeout_s
        return call_with_retries(lambda: rpc(request, timeout=timeout),
                                 self.retries if retry else 0, self.backoff_s, self._sleep,
                                 max_backoff_s=self.max_backoff_s)

    def _emit(self, kind: str, fields: dict[str, Any]) -> CommandResult:
        return self.send(Command(_build(kind, fields)))

    # ---- commands (methods inherited from CommandMethods) -------------------------------

    def send(self, command: CommandLike) -> CommandResult:
        """Send one built Command (or JSON-mapping dict) through its own RPC."""
        msg = _message(command)
        kind = msg.WhichOneof("command")
        if kind is None:
            raise InvalidArgument("EMPTY_COMMAND", "INVALID_ARGUMENT", "the command sets no kind")
        if kind in _VALUATION_RPC:  # its stub made when first needed
            from arledger_client.v1 import valuation_pb2_grpc as vgrpc
            rpc = getattr(vgrpc.ValuationServiceStub(self._channel), _VALUATION_RPC[kind])
        elif kind in _BANK_RPC:
            from arledger_client.v1 import bank_pb2_grpc as bgrpc
            rpc = getattr(bgrpc.BankServiceStub(self._channel), _BANK_RPC[kind])
        else:
            rpc = getattr(self._ledger, _RPC[kind])
        return _command_result(self._call(rpc, getattr(msg, kind)))

    # ---- volume ------------------------------------------------------------------------

    def submit_batch(self, commands: Iterable[CommandLike], *, atomic: bool = False,
                     timeout_s: float | None = None) -> BatchResult:
        """Many commands in one call, decided in order, each with its own result
        (a refusal is a REJECTED result, not an exception). atomic=True: one refusal
        rejects all. Retried like any call; the commands keep their request ids."""
        batch = cpb.Batch(commands=[_message(c) for c in commands], atomic=atomic)
        return _batch_result(self._call(self._ledger.SubmitBatch, batch, timeout_s=timeout_s))

    def submit_columnar(self, batch: ColumnarBatch, *,
                        timeout_s: float | None = None) -> ColumnarResult:
        """The volume path: a ColumnarBatch (columnar.py; its built message works too) in
        one call; its results as columns. Retried like any call (the commands keep their
        request ids)."""
        msg = batch.message() if isinstance(batch, ColumnarBatch) else batch
        return result_of(self._call(self._ledger.SubmitColumnar, msg, timeout_s=timeout_s))

    def stream_columnar(self, batches: Iterable[ColumnarBatch], *,
                        timeout_s: float | None = None) -> Iterator[ColumnarResult]:
        """Stream columnar batches; yields each batch's result, in order, as soon as that
        batch is durable (so many can be in flight). Not retried: on UNAVAILABLE resend the
        batches not yet answered, their request ids make it safe."""
        msgs = (b.message() if isinstance(b, ColumnarBatch) else b for b in batches)
        try:
            for res in self._ledger.SubmitColumnarStream(msgs, timeout=timeout_s):
                yield result_of(res)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None

    def submit_stream(self, batches: Iterable[Iterable[CommandLike]], *, atomic: bool = False,
                      timeout_s: float | None = None) -> StreamSummary:
        """Stream batches (lists of commands) to the server; one summary at the end.

        Batches are read lazily, so a generator can stream more than fits in memory.
        When `batches` is a list or tuple the whole stream is resent on UNAVAILABLE
        (commands already accepted come back as duplicates); a one-shot iterator is
        not retried - resubmit the same commands, their request ids make it safe.
        No deadline unless timeout_s is given.
        """
        if isinstance(batches, Sequence):
            msgs = [cpb.Batch(commands=[_message(c) for c in b], atomic=atomic)
                    for b in batches]
            return _stream_summary(call_with_retries(
                lambda: self._ledger.SubmitBatchStream(iter(msgs), timeout=timeout_s),
                self.retries, self.backoff_s, self._sleep, max_backoff_s=self.max_backoff_s))
        stream = (cpb.Batch(commands=[_message(c) for c in b], atomic=atomic) for b in batches)
        try:
            return _stream_summary(self._ledger.SubmitBatchStream(stream, timeout=timeout_s))
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None

    # ---- queries -----------------------------------------------------------------------

    def get_customer(self, customer_id: str) -> Customer:
        """Master data of one account (NotFound: CUSTOMER_NOT_FOUND)."""
        return _customer(self._call(self._query.GetCustomer,
                                    lpb.GetCustomerRequest(customer_id=customer_id)))

    def run_dunning(self, as_of_date: DateLike, *, default_policy_id: str = "",  # type: ignore[override]
                    request_id: str | None = None, actor: str = "",
                    reason: str = "") -> DunningRun:
        """Run dunning over the partition as of a date; returns the notices to send (empty
        when a run for that date already took every step)."""
        msg = _build("run_dunning", dict(as_of_date=as_of_date, default_policy_id=default_policy_id,
                                         request_id=request_id, actor=actor, reason=reason))
        r = self._call(self._ledger.RunDunning, msg.run_dunning)
        return DunningRun(_command_result(r.result), r.as_of,
                          tuple(_message_data(n) for n in r.notices), r.steps, r.holds_placed,
                          r.promises_broken, r.skipped_disputed, r.skipped_promised, r.more)

    def get_account(self, customer_id: str, as_of: DateLike | None = None,
                    known_at: dt.datetime | None = None) -> dict[str, Any]:
        """A customer's credit-control picture as plain data: terms, policies, exposure,
        holds, limit changes, credit checks, disputes, promises (status as of the date) and
        dunning history."""
        return _message_data(self._call(self._query.GetAccount, lpb.GetAccountRequest(
            customer_id=customer_id, as_of=_iso(as_of), known_at=_timestamp(known_at))))

    def get_balance(self, customer_id: str, as_of: DateLike | None = None,
                    known_at: dt.datetime | None = None) -> Balance:
        """A customer's balance as of an effective date (default: the server's today),
        counting only what was recorded by known_at (default: now; naive = UTC)."""
        return _balance(self._call(self._query.GetBalance, lpb.GetBalanceRequest(
            customer_id=customer_id, as_of=_iso(as_of), known_at=_timestamp(known_at))))

    def list_open_items_page(self, customer_id: str, as_of: DateLike | None = None,
                             known_at: dt.datetime | None = None, page_size: int = 0,
                             page_token: str = "") -> OpenItemsPage:
        """One page of open items (page_size 1..1000, 0 = server default 100); pass
        next_page_token back as page_token for the next page."""
        return _open_items_page(self._call(self._query.ListOpenItems, lpb.ListOpenItemsRequest(
            customer_id=customer_id, as_of=_iso(as_of), known_at=_timestamp(known_at),
            page_size=page_size, page_token=page_token)))

    def list_open_items(self, customer_id: str, as_of: DateLike | None = None,
                        known_at: dt.datetime | None = None,
                        page_size: int = 0) -> Iterator[OpenItem]:
        """Every open item of a customer, fetching pages (following page tokens) lazily."""
        token = ""
        while True:
            page = self.list_open_items_page(customer_id, as_of, known_at, page_size, token)
            yield from page.items
            token = page.next_page_token
            if not token:
                return

    def get_aging(self, customer_id: str | None = None, as_of: DateLike | None = None,
                  basis: AgingBasis | str = "DUE_DATE",
                  bucket_edges_days: Sequence[int] | None = None,
                  known_at: dt.datetime | None = None) -> AgingReport:
        """Aging of one customer, or of the whole portfolio when customer_id is None,
        one row per currency. bucket_edges_days: upper edges of the buckets after
        "current" (default 30, 60, 90, 120; an open-ended last bucket is added)."""
        if basis not in lpb.AgingBasis.keys():  # noqa: SIM118 (not a dict)
            raise InvalidArgument("INVALID_ENUM", "INVALID_ARGUMENT",
                                  f"basis {basis!r} is not DUE_DATE or INVOICE_DATE",
                                  {"field": "basis"})
        return _aging_report(self._call(self._query.GetAging, lpb.GetAgingRequest(
            customer_id=customer_id or "", as_of=_iso(as_of), known_at=_timestamp(known_at),
            basis=lpb.AgingBasis.Value(basis), bucket_edges_days=list(bucket_edges_days or ()))))

    def stream_entries(self, from_position: int = 0, limit: int = 0) -> Iterator[LogEntry]:
        """Log entries in order from a position (1-based; 0 = from the start), at most
        `limit` (0 = up to the head). On UNAVAILABLE the stream resumes after the last
        entry received; no entry is repeated or skipped."""
        next_position, remaining, failures = from_position, limit, 0
        while True:
            call = self._log.StreamEntries(lpb.StreamEntriesRequest(
                from_position=next_position, limit=remaining))
            try:
                for e in call:
                    failures = 0
                    next_position = e.position + 1
                    yield _log_entry(e)
                    if limit:
                        remaining -= 1
                        if remaining <= 0:
                            return
                return
            except grpc.RpcError as err:
                if not is_retryable(err) or failures >= self.retries:
                    raise from_rpc_error(err) from None
                failures += 1
                self._sleep(backoff_delay(failures, self.backoff_s, self.max_backoff_s))
            finally:
                call.cancel()

    def get_log_head(self, with_state_digest: bool = False) -> LogHead:
        """The chain head; the state digest (a full read of the state) only when asked."""
        return _log_head(self._call(self._log.GetLogHead,
                                    lpb.GetLogHeadRequest(with_state_digest=with_state_digest)))

    def whoami(self) -> Caller:
        """Who the server takes this client's credentials for, and what it may do (its
        principal, roles and permissions; see `Caller`). Needs the reader's permission
        (it is GetLogHead's answer)."""
        return self.get_log_head().caller

    def verify_log(self) -> VerifyResult:
        """Recompute the hash chain over the stored segments on the server."""
        return _verify_result(self._call(self._log.VerifyLog, lpb.VerifyLogRequest()))


def _message(c: CommandLike) -> cpb.Command:
    if isinstance(c, Command):
        return c.message
    if isinstance(c, Mapping):
        return Command.from_dict(c).message
    raise TypeError(f"a command is a Command or a JSON-mapping dict, not {type(c).__name__}")


__all__ = [
    "ArledgerClient", "ArledgerError", "Command", "Commands", "commands", "call_with_retries",
    "RETRYABLE_CODES", "AgingReport", "AgingRow", "Allocation", "Balance", "BatchResult",
    "Caller", "CommandResult", "Customer", "LogEntry", "LogHead", "OpenItem",
    "OpenItemsPage", "Rejection", "StreamSummary", "VerifyResult",
]
