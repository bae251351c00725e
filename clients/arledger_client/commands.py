"""Commands built without protobuf, for batches and streams.

    from arledger_client import commands, command, Command
    c1 = commands.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=100_00)
    c2 = command("void_invoice", invoice_id="INV-1", effective_date="2026-01-06", reason="typo")
    c3 = Command.from_dict({"issueInvoice": {"requestId": "r-1", "invoiceId": "INV-2", ...}})

A built command gets its request id once, when it is built (a new uuid4 hex unless
given), so sending it again - by a retry or by the caller - is recognised by the
server as the same request.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from google.protobuf import json_format

from arledger_client.errors import InvalidArgument
from arledger_client.models import (
    Allocation,
    AllocationStrategy,
    DateLike,
    DisputeOutcome,
    InvoiceLine,
    PaymentMethod,
    ReversalReason,
    _iso,
)
from arledger_client.v1 import commands_pb2 as cpb

R = TypeVar("R")

#: Allocations: [(invoice_id, amount_minor), ...], {invoice_id: amount_minor} or [Allocation].
Allocations = Sequence[tuple[str, int] | Allocation] | Mapping[str, int]
#: Invoice lines: [(description, quantity, unit_price_minor), ...] or [InvoiceLine].
Lines = Sequence[tuple[str, int, int] | InvoiceLine]

_ONEOF = cpb.Command.DESCRIPTOR.oneofs_by_name["command"]
# kind (snake_case, as in the Command oneof) -> request message class
_KINDS: dict[str, Any] = {f.name: getattr(cpb, f.message_type.name) for f in _ONEOF.fields
                          if f.message_type is not None}
KINDS: tuple[str, ...] = tuple(_KINDS)


def new_request_id() -> str:
    """A fresh request id (uuid4 hex)."""
    return uuid.uuid4().hex


class Command:
    """One command, ready for submit_batch / submit_stream / ArledgerClient.send.

    Opaque: build it with `commands.<kind>(...)`, `command(kind, ...)`,
    `Command.from_dict(...)` or `Command.from_json(...)`. Compare with ==.
    """

    __slots__ = ("_message",)

    def __init__(self, message: Any) -> None:
        """Internal; use the builders. `message` is an arledger.v1.Command protobuf."""
        if not isinstance(message, cpb.Command):
            raise TypeError(f"expected an arledger.v1.Command, got {type(message).__name__}")
        if message.WhichOneof("command") is None:
            raise InvalidArgument("EMPTY_COMMAND", "INVALID_ARGUMENT", "the command sets no kind")
        self._message: cpb.Command = message

    # ---- building ----------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, fill_request_id: bool = False) -> Command:
        """From protobuf's JSON mapping, e.g. {"issueInvoice": {"invoiceId": "I-1", ...}}.

        Field names may be camelCase or snake_case; enums by name. A missing request id
        stays empty (the server refuses it) unless fill_request_id=True gives a new one.
        Raises InvalidArgument (reason MALFORMED_JSON, or EMPTY_COMMAND).
        """
        if not isinstance(data, Mapping):
            raise InvalidArgument("MALFORMED_JSON", "INVALID_ARGUMENT",
                                  f"a command is a JSON object, not {type(data).__name__}")
        try:
            msg = json_format.ParseDict(dict(data), cpb.Command())
        except json_format.ParseError as e:
            raise InvalidArgument("MALFORMED_JSON", "INVALID_ARGUMENT", str(e)) from None
        return cls._checked(msg, fill_request_id)

    @classmethod
    def from_json(cls, text: str | bytes, *, fill_request_id: bool = False) -> Command:
        """From one JSON text (e.g. a line of a JSONL submit file); see from_dict."""
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as e:
            raise InvalidArgument("MALFORMED_JSON", "INVALID_ARGUMENT",
                                  f"not JSON: {e}") from None
        return cls.from_dict(data, fill_request_id=fill_request_id)

    @classmethod
    def from_proto(cls, message: Any) -> Command:
        """Wrap an arledger.v1.Command protobuf (for code that already has one)."""
        return cls(message)

    @classmethod
    def _checked(cls, msg: cpb.Command, fill_request_id: bool) -> Command:
        kind = msg.WhichOneof("command")
        if kind is None:
            raise InvalidArgument("EMPTY_COMMAND", "INVALID_ARGUMENT", "the command sets no kind")
        inner = getattr(msg, kind)
        if fill_request_id and not inner.request_id:
            inner.request_id = new_request_id()
        return cls(msg)

    # ---- reading -----------------------------------------------------------------------

    @property
    def kind(self) -> str:
        """The command kind, e.g. "issue_invoice"."""
        return self._message.WhichOneof("command") or ""

    @property
    def request_id(self) -> str:
        request_id: str = getattr(self._message, self.kind).request_id
        return request_id

    @property
    def message(self) -> cpb.Command:
        """The arledger.v1.Command protobuf (shared, do not modify)."""
        return self._message

    def to_proto(self) -> cpb.Command:
        """A copy of the arledger.v1.Command protobuf."""
        copy = cpb.Command()
        copy.CopyFrom(self._message)
        return copy

    def to_dict(self) -> dict[str, Any]:
        """Protobuf's JSON mapping (camelCase; 64-bit integers as strings), as from_dict reads."""
        return json_format.MessageToDict(self._message)

    def to_json(self) -> str:
        """One JSON line, as `arledger submit FILE.jsonl` reads."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Command) and other._message == self._message

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Command({self.kind}, request_id={self.request_id!r})"


def _enum(field: Any, value: Any, kind: str) -> int:
    if not isinstance(value, str):
        raise TypeError(f"{kind}.{field.name}: give the enum name as a string, "
                        f"not {type(value).__name__}")
    ev = field.enum_type.values_by_name.get(value)
    if ev is None:
        names = ", ".join(v.name for v in field.enum_type.values if v.number)
        raise InvalidArgument("INVALID_ENUM", "INVALID_ARGUMENT",
                              f"{kind}.{field.name}: {value!r} is not one of {names}",
                              {"field": field.name})
    return int(ev.number)


def _allocations(value: Allocations) -> list[dict[str, Any]]:
    items: Iterable[Any] = value.items() if isinstance(value, Mapping) else value
    out = []
    for a in items:
        if isinstance(a, Allocation):
            out.append({"invoice_id": a.invoice_id, "amount_minor": a.amount_minor})
        elif isinstance(a, Mapping):
            out.append(dict(a))
        else:
            invoice_id, amount = a
            out.append({"invoice_id": invoice_id, "amount_minor": amount})
    return out


def _lines(value: Lines) -> list[dict[str, Any]]:
    out = []
    for ln in value:
        if isinstance(ln, InvoiceLine):
            out.append({"description": ln.description, "quantity": ln.quantity,
                        "unit_price_minor": ln.unit_price_minor})
        elif isinstance(ln, Mapping):
            out.append(dict(ln))
        else:
            description, quantity, unit_price = ln
            out.append({"description": description, "quantity": quantity,
                        "unit_price_minor": unit_price})
    return out


def _build(kind: str, fields: Mapping[str, Any]) -> cpb.Command:
    """A Command protobuf from keyword fields; None means "not set"."""
    cls = _KINDS.get(kind)
    if cls is None:
        raise ValueError(f"unknown command kind {kind!r}; one of {', '.join(KINDS)}")
    by_name = cls.DESCRIPTOR.fields_by_name
    data: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "self" or value is None:
            continue
        f = by_name.get(key)
        if f is None:
            raise TypeError(f"{kind}: unknown field {key!r} (fields: {', '.join(by_name)})")
        if f.enum_type is not None:
            value = _enum(f, value, kind)
        elif key == "allocations":
            value = _allocations(value)
        elif key == "lines":
            value = _lines(value)
        elif f.message_type is not None and isinstance(value, Mapping):
            value = dict(value)
        elif f.message_type is not None and not isinstance(value, (str, bytes)):
            value = [_fields(f.message_type, dict(v), kind) for v in value]
        elif f.is_repeated:
            value = list(value)
        elif isinstance(value, dt.date):
            value = _iso(value)
        data[key] = value
    if not data.get("request_id"):
        data["request_id"] = new_request_id()
    try:
        msg = cls(**data)
    except (TypeError, ValueError) as e:  # a wrong Python type, an int out of range, ...
        raise type(e)(f"{kind}: {e}") from None
    return cpb.Command(**{kind: msg})


def _fields(desc: Any, d: dict[str, Any], kind: str) -> dict[str, Any]:
    """Enum names and dates inside a repeated sub-message (e.g. dunning levels)."""
    for key, value in list(d.items()):
        f = desc.fields_by_name.get(key)
        if f is None:
            raise TypeError(f"{kind}.{desc.name}: unknown field {key!r}")
        if f.enum_type is not None:
            d[key] = _enum(f, value, kind)
        elif isinstance(value, dt.date):
            d[key] = _iso(value)
    return d


def command(kind: str, **fields: Any) -> Command:
    """A command of any kind from its request's field names (snake_case), e.g.
    command("write_off_invoice", invoice_id="INV-1", effective_date="2026-06-30",
    actor="ann", reason="insolvent"). Same conveniences as the typed builders."""
    return Command(_build(kind, fields))


def batched(commands: Iterable[Command | Mapping[str, Any]],
            size: int = 1000) -> Iterator[list[Command | Mapping[str, Any]]]:
    """Split commands into batches of at most `size` (for submit_stream)."""
    if size < 1:
        raise ValueError("size must be >= 1")
    batch: list[Command | Mapping[str, Any]] = []
    for c in commands:
        batch.append(c)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class CommandMethods(Generic[R]):
    """The commands of LedgerService, one method each.

    On ArledgerClient a call sends the command and returns a CommandResult; on
    `commands` (a Commands) it only builds a Command for a batch. Dates are
    "YYYY-MM-DD" or datetime.date; money is int minor units; enums are names.
    request_id defaults to a new uuid4 hex.
    """

    def _emit(self, kind: str, fields: dict[str, Any]) -> R:
        raise NotImplementedError

    def open_customer(self, customer_id: str, name: str, currency: str, opened_date: DateLike,
                      *, payment_terms_net_days: int = 30, credit_limit_minor: int = 0,
                      billing_contact: str = "", address: Mapping[str, str] | None = None,
                      request_id: str | None = None, actor: str = "",
                      reason: str = "") -> R:
        """Open a customer account (default terms net 30). address keys: line1, line2, city,
        region, postal_code, country. Refused: CUSTOMER_EXISTS, UNKNOWN_CURRENCY, ..."""
        return self._emit("open_customer", dict(locals()))

    def update_customer(self, customer_id: str, effective_date: DateLike, *, actor: str,
                        reason: str, name: str | None = None, billing_contact: str | None = None,
                        address: Mapping[str, str] | None = None,
                        payment_terms_net_days: int | None = None,
                        credit_limit_minor: int | None = None,
                        request_id: str | None = None) -> R:
        """Change master data: only the fields given (not None) change. Needs actor and reason."""
        return self._emit("update_customer", dict(locals()))

    def close_customer(self, customer_id: str, effective_date: DateLike, *,
                       request_id: str | None = None, actor: str = "",
                       reason: str = "") -> R:
        """Close an account; refused (CUSTOMER_HAS_OPEN_BALANCE) while anything is open."""
        return self._emit("close_customer", dict(locals()))

    def issue_invoice(self, invoice_id: str, customer_id: str, issue_date: DateLike, *,
                      amount_minor: int | None = None, lines: Lines | None = None,
                      due_date: DateLike | None = None, currency: str | None = None,
                      po_number: str = "", terms_id: str = "", terms_version: int = 0,
                      request_id: str | None = None, actor: str = "",
                      reason: str = "") -> R:
        """Issue an invoice. Give amount_minor, lines [(description, quantity,
        unit_price_minor)], or both (they must agree). due_date defaults to issue_date +
        the account's net days (or the account's terms); terms_id (and terms_version, 0 =
        latest) issues it under payment terms instead of a due_date; currency defaults to
        the account's."""
        return self._emit("issue_invoice", dict(locals()))

    def void_invoice(self, invoice_id: str, effective_date: DateLike, *, reason: str,
                     request_id: str | None = None, actor: str = "") -> R:
        """Void an invoice with nothing applied to it and no open dispute. Needs a reason."""
        return self._emit("void_invoice", dict(locals()))

    def record_payment(self, payment_id: str, customer_id: str, amount_minor: int,
                       currency: str, value_date: DateLike, *,
                       method: PaymentMethod | str = "BANK_TRANSFER",
                       allocations: Allocations | None = None,
                       strategy: AllocationStrategy | str | None = None,
                       remittance_reference: str = "", request_id: str | None = None,
                       actor: str = "", reason: str = "") -> R:
        """Record money received. allocations [(invoice_id, amount)] or {invoice_id: amount}
        apply it explicitly; without them it goes oldest due first (or per `strategy`).
        What is not applied stays as unapplied cash."""
        return self._emit("record_payment", dict(locals()))

    def allocate_payment(self, payment_id: str, effective_date: DateLike, *,
                         allocations: Allocations | None = None,
                         strategy: AllocationStrategy | str | None = None,
                         request_id: str | None = None, actor: str = "",
                         reason: str = "") -> R:
        """Apply a payment's unapplied cash to open invoices (explicitly or per strategy)."""
        return self._emit("allocate_payment", dict(locals()))

    def reverse_payment(self, payment_id: str, effective_date: DateLike,
                        reversal_reason: ReversalReason | str, *,
                        request_id: str | None = None, actor: str = "",
                        reason: str = "") -> R:
        """Reverse a payment: what it settled reopens, its unapplied cash goes.
        reversal_reason: RETURNED_CHEQUE, FAILED_DIRECT_DEBIT, CHARGEBACK, REVERSAL_OTHER."""
        return self._emit("reverse_payment", dict(locals()))

    def issue_credit_note(self, credit_note_id: str, customer_id: str, amount_minor: int,
                          currency: str, issue_date: DateLike, *, invoice_id: str = "",
                          reason_code: str = "", request_id: str | None = None,
                          actor: str = "", reason: str = "") -> R:
        """Issue a credit note: applied to invoice_id when given, else kept as account credit."""
        return self._emit("issue_credit_note", dict(locals()))

    def allocate_credit_note(self, credit_note_id: str, effective_date: DateLike, *,
                             allocations: Allocations | None = None,
                             strategy: AllocationStrategy | str | None = None,
                             request_id: str | None = None, actor: str = "",
                             reason: str = "") -> R:
        """Apply a credit note's unapplied credit to open invoices."""
        return self._emit("allocate_credit_note", dict(locals()))

    def open_dispute(self, dispute_id: str, invoice_id: str, amount_minor: int,
                     reason_code: str, opened_date: DateLike, *,
                     request_id: str | None = None, actor: str = "",
                     reason: str = "") -> R:
        """Dispute (part of) an invoice; reason_code like PRICING, DAMAGED_GOODS."""
        return self._emit("open_dispute", dict(locals()))

    def resolve_dispute(self, dispute_id: str, outcome: DisputeOutcome | str,
                        resolved_date: DateLike, *, actor: str, reason: str,
                        credited_amount_minor: int = 0, credit_note_id: str = "",
                        request_id: str | None = None) -> R:
        """Resolve a dispute. DISPUTE_UPHELD credits the disputed amount and
        DISPUTE_PARTIALLY_UPHELD credited_amount_minor, through credit note credit_note_id;
        DISPUTE_REJECTED resumes collection. Needs actor and reason."""
        return self._emit("resolve_dispute", dict(locals()))

    def write_off_invoice(self, invoice_id: str, effective_date: DateLike, *, actor: str,
                          reason: str, amount_minor: int = 0,
                          request_id: str | None = None) -> R:
        """Write off (part of) what is open on an invoice; amount_minor 0 = all of it.
        Needs actor and reason."""
        return self._emit("write_off_invoice", dict(locals()))


    # ---- terms, credit control, promises, dunning, bad debt -------------------------------
    # Installments, levels and promise installments are lists of dicts with the request
    # message's field names, e.g. [{"percent_bp": 5000, "days": 30}, ...].

    def define_payment_terms(self, terms_id: str, basis: str, days: int,
                             effective_date: DateLike, *, actor: str, reason: str,
                             day_of_month: int = 0, months: int = 0,
                             installments: Sequence[Mapping[str, Any]] = (),
                             discount_bp: int = 0, discount_days: int = 0,
                             discount_fixed_minor: int = 0, discount_currency: str = "",
                             request_id: str | None = None) -> R:
        """Define payment terms (a new version if terms_id exists): basis NET, END_OF_MONTH
        (the end of the month `months` after the issue month, plus `days`) or
        DAYS_THEN_END_OF_MONTH; installments [{"percent_bp", "days", "basis",
        "day_of_month", "months"}]; discount_bp off within discount_days, or instead a
        fixed discount_fixed_minor in discount_currency (an invoice in another currency
        under these terms is refused: CURRENCY_MISMATCH)."""
        return self._emit("define_payment_terms", dict(locals()))

    def define_allowance_rates(self, allowance_id: str, rates_bp: Sequence[int],
                               effective_date: DateLike, *, actor: str, reason: str,
                               bucket_edges_days: Sequence[int] = (),
                               rounding: str | None = None,
                               request_id: str | None = None) -> R:
        """Allowance rates (a new version if allowance_id exists): a rate in bp per aging
        bucket - current, up to each edge (default 30, 60, 90, 120), over the last;
        rounding PER_BUCKET (default) or TOTAL."""
        return self._emit("define_allowance_rates", dict(locals()))

    def record_fx_rate(self, base_currency: str, quote_currency: str, rate: str,
                       rate_date: DateLike, source: str, *, actor: str, reason: str = "",
                       request_id: str | None = None) -> R:
        """An exchange rate: 1 base_currency = rate (exact decimal text, e.g. "1.0834")
        quote_currency on rate_date, from source."""
        return self._emit("record_fx_rate", dict(locals()))

    def resolve_bank_line(self, line_id: str, action: str, *, actor: str, reason: str,
                          candidate_rank: int = 0, customer_id: str = "",
                          allocations: Allocations | None = None,
                          request_id: str | None = None) -> R:
        """A person's decision on a bank statement line: action ACCEPT_CANDIDATE (with
        candidate_rank, 1 = best), APPLY_TO_INVOICES (customer_id and allocations
        [(invoice_id, amount_minor)]), ASSIGN_CUSTOMER, LEAVE_UNAPPLIED (customer_id) or
        DISMISS (not a customer receipt)."""
        if action and not action.startswith("BANK_LINE_"):
            action = "BANK_LINE_" + action
        return self._emit("resolve_bank_line", dict(locals()))

    def define_bank_match_rules(self, definition_json: str, effective_date: DateLike, *,
                                actor: str, reason: str, request_id: str | None = None) -> R:
        """A new version of the bank matching rules (JSON of MatchRules fields, see
        docs/bank.md; omitted fields take the built-in default)."""
        return self._emit("define_bank_match_rules", dict(locals()))

    def define_credit_policy(self, over_limit_action: str, effective_date: DateLike, *,
                             actor: str, reason: str, hold_days_past_due: int = 0,
                             short_pay_tolerance_minor: int = 0, short_pay_tolerance_bp: int = 0,
                             request_id: str | None = None) -> R:
        """A new version of the credit policy: REJECT, HOLD or WARN over the limit."""
        return self._emit("define_credit_policy", dict(locals()))

    def set_customer_policies(self, customer_id: str, effective_date: DateLike, *, actor: str,
                              reason: str, payment_terms_id: str = "",
                              over_limit_action: str | None = None,
                              allocation_strategy: str | None = None,
                              dunning_policy_id: str = "", request_id: str | None = None) -> R:
        """Set a customer's own terms, over-limit action, cash-application strategy or
        dunning policy (only those given change)."""
        return self._emit("set_customer_policies", dict(locals()))

    def change_credit_limit(self, customer_id: str, new_limit_minor: int,
                            effective_date: DateLike, *, actor: str, reason: str,
                            request_id: str | None = None) -> R:
        """A credit decision: the new limit, approved by `actor`, for `reason`."""
        return self._emit("change_credit_limit", dict(locals()))

    def place_hold(self, customer_id: str, effective_date: DateLike, *, actor: str, reason: str,
                   request_id: str | None = None) -> R:
        """Place the account on hold: no new invoices until released."""
        return self._emit("place_hold", dict(locals()))

    def release_hold(self, customer_id: str, effective_date: DateLike, *, actor: str,
                     reason: str, request_id: str | None = None) -> R:
        """Release the account's hold."""
        return self._emit("release_hold", dict(locals()))

    def review_dispute(self, dispute_id: str, effective_date: DateLike, *, actor: str,
                       reason: str, request_id: str | None = None) -> R:
        """Move an open dispute to UNDER_REVIEW."""
        return self._emit("review_dispute", dict(locals()))

    def record_promise(self, promise_id: str, customer_id: str, made_date: DateLike,
                       installments: Sequence[Mapping[str, Any]], *,
                       invoice_ids: Sequence[str] = (), request_id: str | None = None,
                       actor: str = "", reason: str = "") -> R:
        """A promise to pay or payment plan: installments [{"due_date", "amount_minor"}],
        covering invoice_ids (none = the whole account)."""
        return self._emit("record_promise", dict(locals()))

    def define_dunning_policy(self, policy_id: str, levels: Sequence[Mapping[str, Any]],
                              effective_date: DateLike, *, actor: str, reason: str,
                              day_count: int = 0, request_id: str | None = None) -> R:
        """A dunning ladder (a new version if policy_id exists): levels [{"days_past_due",
        "action", "fee_fixed_minor", "fee_bp", "interest_bp_per_year", "text_key"}]."""
        return self._emit("define_dunning_policy", dict(locals()))

    def run_dunning(self, as_of_date: DateLike, *, default_policy_id: str = "",
                    request_id: str | None = None, actor: str = "", reason: str = "") -> R:
        """Run dunning over the whole partition as of a date (the client returns the notices)."""
        return self._emit("run_dunning", dict(locals()))

    def write_off_customer(self, customer_id: str, effective_date: DateLike, *, actor: str,
                           reason: str, request_id: str | None = None) -> R:
        """Write off everything open of a customer (bad debt)."""
        return self._emit("write_off_customer", dict(locals()))

    def record_recovery(self, recovery_id: str, customer_id: str, amount_minor: int,
                        currency: str, value_date: DateLike, *, actor: str, reason: str,
                        method: PaymentMethod | str = "BANK_TRANSFER",
                        request_id: str | None = None) -> R:
        """Money received for debt written off earlier."""
        return self._emit("record_recovery", dict(locals()))

    def sell_receivables(self, sale_id: str, agency: str, invoice_ids: Sequence[str],
                         price_bp: int, sale_date: DateLike, *, actor: str, reason: str,
                         request_id: str | None = None) -> R:
        """Sell invoices' open amounts to an agency at price_bp of face."""
        return self._emit("sell_receivables", dict(locals()))

    def recall_sold_receivables(self, sale_id: str, invoice_ids: Sequence[str],
                                recall_date: DateLike, *, actor: str, reason: str,
                                request_id: str | None = None) -> R:
        """The agency returns sold invoices: they reopen, the price is refunded pro rata."""
        return self._emit("recall_sold_receivables", dict(locals()))

    def refund_unapplied(self, refund_id: str, amount_minor: int, refund_date: DateLike, *,
                         actor: str, reason: str, payment_id: str = "", credit_note_id: str = "",
                         method: PaymentMethod | str = "BANK_TRANSFER",
                         request_id: str | None = None) -> R:
        """Pay back unapplied cash of a payment or unapplied credit of a credit note."""
        return self._emit("refund_unapplied", dict(locals()))

    def add_note(self, customer_id: str, text: str, effective_date: DateLike, *, actor: str,
                 reason: str = "", request_id: str | None = None) -> R:
        """Write a note on a customer account (who wrote it: `actor`); moves no money."""
        return self._emit("add_note", dict(locals()))


class Commands(CommandMethods[Command]):
    """Builders: each method returns a Command instead of sending it."""

    def _emit(self, kind: str, fields: dict[str, Any]) -> Command:
        return Command(_build(kind, fields))


#: The builders, e.g. commands.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=500).
commands = Commands()

__all__ = ["Command", "Commands", "CommandMethods", "commands", "command", "batched", "KINDS",
           "new_request_id", "Allocations", "Lines"]
