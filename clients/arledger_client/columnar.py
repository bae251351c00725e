"""Columnar batches: the volume path, built for you.

A billing platform should not pack bytes by hand. `ColumnarBatch` collects commands (the
five volume kinds as columns, anything else as a Command at its place) and turns them into
the wire message of columnar.proto; `ColumnarResult` reads the answer back (one status,
position and warning set per command, the allocations made, the refusals with their stable
reasons), without numpy.

    from arledger_client import ArledgerClient, ColumnarBatch
    b = ColumnarBatch()
    b.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=119_000)
    b.record_payment("PAY-1", "ACME", 119_000, "EUR", "2026-02-01", method="BANK_TRANSFER")
    with ArledgerClient("127.0.0.1:50051") as client:
        r = client.submit_columnar(b)
        assert r.accepted == 2
"""

from __future__ import annotations

import datetime as dt
import struct
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arledger_client.commands import Command, new_request_id
from arledger_client.errors import InvalidArgument
from arledger_client.v1 import columnar_pb2 as colpb
from arledger_client.v1 import commands_pb2 as cpb

NO_DATE = -(2**63)
_EPOCH = dt.date(1970, 1, 1).toordinal()
_STATUS = {1: "ACCEPTED", 2: "DUPLICATE", 3: "REJECTED"}
WARNING_BITS = {1: "DISCOUNT_TAKEN", 2: "SMALL_BALANCE_WRITTEN_OFF",
                4: "CREDIT_LIMIT_EXCEEDED", 8: "ON_HOLD_PLACED"}
_ADDRESS = ("line1", "line2", "city", "region", "postal_code", "country")


def day_of(value: str | dt.date | None) -> int:
    """A date as the wire's day number (days since 1970-01-01); None / "" = not given.
    Text that is not YYYY-MM-DD is sent as a day number the server refuses."""
    if value is None or value == "":
        return NO_DATE
    if isinstance(value, dt.date):
        return value.toordinal() - _EPOCH
    try:
        return dt.date.fromisoformat(value).toordinal() - _EPOCH
    except ValueError:
        return NO_DATE + 1  # not a date: refused as MALFORMED_DATE


def _enum(enum: Any, value: int | str) -> int:
    return enum.Value(value) if isinstance(value, str) else int(value)


def _ints(values: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(values)}q", *values)


def _strs(values: Sequence[str]) -> bytes:
    for v in values:
        if "\x00" in v:
            raise ValueError("a value sent in a columnar batch may not contain NUL")
    return "\x00".join(values).encode()


class _Table:
    def __init__(self, ints: Sequence[str], strs: Sequence[str],
                 child_ints: Sequence[str] = (), child_strs: Sequence[str] = ()) -> None:
        self.ints: dict[str, list[int]] = {k: [] for k in ints}
        self.strs: dict[str, list[str]] = {k: [] for k in strs}
        self.child_ints: dict[str, list[int]] = {k: [] for k in child_ints}
        self.child_strs: dict[str, list[str]] = {k: [] for k in child_strs}

    def add(self, ints: Mapping[str, int], strs: Mapping[str, str]) -> None:
        for k, v in self.ints.items():
            v.append(int(ints.get(k, 0)))
        for k, s in self.strs.items():
            s.append(strs.get(k, "") or "")

    def fill(self, msg: Any) -> None:
        for k, v in self.ints.items():
            setattr(msg, k, _ints(v))
        for k, s in self.strs.items():
            setattr(msg, k, _strs(s))
        for k, v in self.child_ints.items():
            setattr(msg, k, _ints(v))
        for k, s in self.child_strs.items():
            setattr(msg, k, _strs(s))


class ColumnarBatch:
    """Commands in order, as columns (see the module docstring). Every method takes the
    request id (default: a new one, kept in `request_ids`), actor and reason."""

    def __init__(self, *, atomic: bool = False) -> None:
        self.atomic = atomic
        self.kinds = bytearray()
        self.request_ids: list[str] = []
        self._actors: list[str] = []
        self._reasons: list[str] = []
        self._commands: list[cpb.Command] = []
        self._oc = _Table(("payment_terms_net_days", "credit_limit_minor", "opened_day"),
                          ("customer_id", "name", "currency", "billing_contact",
                           *(f"address_{a}" for a in _ADDRESS)))
        self._ii = _Table(("issue_day", "due_day", "amount_minor", "terms_version",
                           "line_count"),
                          ("invoice_id", "customer_id", "po_number", "currency", "terms_id"),
                          ("line_quantity", "line_unit_price_minor"), ("line_description",))
        self._rp = _Table(("amount_minor", "method", "value_day", "strategy",
                           "allocation_count"),
                          ("payment_id", "customer_id", "currency", "remittance_reference"),
                          ("allocation_amount_minor",), ("allocation_invoice_id",))
        self._cn = _Table(("amount_minor", "issue_day"),
                          ("credit_note_id", "customer_id", "invoice_id", "currency",
                           "reason_code"))
        self._ap = _Table(("effective_day", "strategy", "allocation_count"), ("payment_id",),
                          ("allocation_amount_minor",), ("allocation_invoice_id",))

    def __len__(self) -> int:
        return len(self.kinds)

    def _envelope(self, kind: int, request_id: str | None, actor: str, reason: str) -> str:
        rid = new_request_id() if request_id is None else request_id
        self.kinds.append(kind)
        self.request_ids.append(rid)
        self._actors.append(actor)
        self._reasons.append(reason)
        return rid

    # ---- the five volume commands --------------------------------------------------------

    def open_customer(self, customer_id: str, name: str, currency: str,
                      opened_date: str | dt.date, *, billing_contact: str = "",
                      address: Mapping[str, str] | None = None,
                      payment_terms_net_days: int = 30, credit_limit_minor: int = 0,
                      request_id: str | None = None, actor: str = "",
                      reason: str = "") -> str:
        a = address or {}
        self._oc.add({"payment_terms_net_days": payment_terms_net_days,
                      "credit_limit_minor": credit_limit_minor,
                      "opened_day": day_of(opened_date)},
                     {"customer_id": customer_id, "name": name, "currency": currency,
                      "billing_contact": billing_contact,
                      **{f"address_{k}": a.get(k, "") for k in _ADDRESS}})
        return self._envelope(colpb.COLUMNAR_OPEN_CUSTOMER, request_id, actor, reason)

    def issue_invoice(self, invoice_id: str, customer_id: str, issue_date: str | dt.date, *,
                      amount_minor: int = 0, due_date: str | dt.date | None = None,
                      lines: Iterable[tuple[str, int, int] | Mapping[str, Any]] = (),
                      po_number: str = "", currency: str = "", terms_id: str = "",
                      terms_version: int = 0, request_id: str | None = None, actor: str = "",
                      reason: str = "") -> str:
        t = self._ii
        n = 0
        for line in lines:
            if isinstance(line, Mapping):
                desc, qty, price = (line.get("description", ""), line["quantity"],
                                    line["unit_price_minor"])
            else:
                desc, qty, price = line
            t.child_strs["line_description"].append(desc)
            t.child_ints["line_quantity"].append(int(qty))
            t.child_ints["line_unit_price_minor"].append(int(price))
            n += 1
        t.add({"issue_day": day_of(issue_date), "due_day": day_of(due_date),
               "amount_minor": amount_minor, "terms_version": terms_version, "line_count": n},
              {"invoice_id": invoice_id, "customer_id": customer_id, "po_number": po_number,
               "currency": currency, "terms_id": terms_id})
        return self._envelope(colpb.COLUMNAR_ISSUE_INVOICE, request_id, actor, reason)

    def _allocations(self, t: _Table, allocations: Any) -> int:
        items = allocations.items() if isinstance(allocations, Mapping) else allocations
        n = 0
        for inv, amount in items:
            t.child_strs["allocation_invoice_id"].append(inv)
            t.child_ints["allocation_amount_minor"].append(int(amount))
            n += 1
        return n

    def record_payment(self, payment_id: str, customer_id: str, amount_minor: int,
                       currency: str, value_date: str | dt.date, *,
                       method: int | str = "BANK_TRANSFER", strategy: int | str = 0,
                       allocations: Mapping[str, int] | Iterable[tuple[str, int]] = (),
                       remittance_reference: str = "", request_id: str | None = None,
                       actor: str = "", reason: str = "") -> str:
        n = self._allocations(self._rp, allocations)
        self._rp.add({"amount_minor": amount_minor, "method": _enum(cpb.PaymentMethod, method),
                      "value_day": day_of(value_date),
                      "strategy": _enum(cpb.AllocationStrategy, strategy),
                      "allocation_count": n},
                     {"payment_id": payment_id, "customer_id": customer_id,
                      "currency": currency, "remittance_reference": remittance_reference})
        return self._envelope(colpb.COLUMNAR_RECORD_PAYMENT, request_id, actor, reason)

    def issue_credit_note(self, credit_note_id: str, customer_id: str, amount_minor: int,
                          currency: str, issue_date: str | dt.date, *, invoice_id: str = "",
                          reason_code: str = "", request_id: str | None = None,
                          actor: str = "", reason: str = "") -> str:
        self._cn.add({"amount_minor": amount_minor, "issue_day": day_of(issue_date)},
                     {"credit_note_id": credit_note_id, "customer_id": customer_id,
                      "invoice_id": invoice_id, "currency": currency,
                      "reason_code": reason_code})
        return self._envelope(colpb.COLUMNAR_ISSUE_CREDIT_NOTE, request_id, actor, reason)

    def allocate_payment(self, payment_id: str, effective_date: str | dt.date, *,
                         strategy: int | str = 0,
                         allocations: Mapping[str, int] | Iterable[tuple[str, int]] = (),
                         request_id: str | None = None, actor: str = "",
                         reason: str = "") -> str:
        n = self._allocations(self._ap, allocations)
        self._ap.add({"effective_day": day_of(effective_date),
                      "strategy": _enum(cpb.AllocationStrategy, strategy),
                      "allocation_count": n}, {"payment_id": payment_id})
        return self._envelope(colpb.COLUMNAR_ALLOCATE_PAYMENT, request_id, actor, reason)

    # ---- anything else ---------------------------------------------------------------------

    def add(self, command: Command | cpb.Command) -> str:
        """Any command (e.g. one of `commands.*`, or a line of `arledger submit`), at its
        place in the order: one of the five volume kinds goes into the columns, any other
        rides along as it is."""
        msg = command.message if isinstance(command, Command) else command
        which = msg.WhichOneof("command")
        if which is None:
            raise InvalidArgument("EMPTY_COMMAND", "INVALID_ARGUMENT", "the command sets no kind")
        inner = getattr(msg, which)
        env = {"request_id": inner.request_id, "actor": inner.actor, "reason": inner.reason}
        m = inner
        if which == "open_customer":
            return self.open_customer(
                m.customer_id, m.name, m.currency, m.opened_date,
                billing_contact=m.billing_contact,
                address={k: getattr(m.address, k) for k in _ADDRESS},
                payment_terms_net_days=m.payment_terms_net_days,
                credit_limit_minor=m.credit_limit_minor, **env)
        if which == "issue_invoice":
            return self.issue_invoice(
                m.invoice_id, m.customer_id, m.issue_date, amount_minor=m.amount_minor,
                due_date=m.due_date, po_number=m.po_number, currency=m.currency,
                terms_id=m.terms_id, terms_version=m.terms_version,
                lines=[(x.description, x.quantity, x.unit_price_minor) for x in m.lines], **env)
        if which == "record_payment":
            return self.record_payment(
                m.payment_id, m.customer_id, m.amount_minor, m.currency, m.value_date,
                method=m.method, strategy=m.strategy,
                allocations=[(a.invoice_id, a.amount_minor) for a in m.allocations],
                remittance_reference=m.remittance_reference, **env)
        if which == "issue_credit_note":
            return self.issue_credit_note(
                m.credit_note_id, m.customer_id, m.amount_minor, m.currency, m.issue_date,
                invoice_id=m.invoice_id, reason_code=m.reason_code, **env)
        if which == "allocate_payment":
            return self.allocate_payment(
                m.payment_id, m.effective_date, strategy=m.strategy,
                allocations=[(a.invoice_id, a.amount_minor) for a in m.allocations], **env)
        self._commands.append(msg)
        self.kinds.append(colpb.COLUMNAR_COMMAND)
        self.request_ids.append(inner.request_id)
        self._actors.append("")
        self._reasons.append("")
        request_id: str = inner.request_id
        return request_id

    def message(self) -> colpb.ColumnarBatch:
        """The wire message."""
        m = colpb.ColumnarBatch(kinds=bytes(self.kinds), request_ids=_strs(self.request_ids),
                                actors=_strs(self._actors), reasons=_strs(self._reasons),
                                commands=self._commands, atomic=self.atomic)
        self._oc.fill(m.open_customer)
        self._ii.fill(m.issue_invoice)
        self._rp.fill(m.record_payment)
        self._cn.fill(m.issue_credit_note)
        self._ap.fill(m.allocate_payment)
        return m


@dataclass(frozen=True)
class ColumnarRejection:
    command_index: int
    request_id: str
    reason: str
    code: str
    message: str
    batch_index: int = 0


@dataclass(frozen=True)
class ColumnarResult:
    """The answer to a columnar batch, one entry per command in each sequence."""

    status: tuple[str, ...]            # ACCEPTED, DUPLICATE or REJECTED
    position: tuple[int, ...]
    entry_count: tuple[int, ...]
    unapplied_minor: tuple[int, ...]
    due_date: tuple[str, ...]          # "" when none
    warnings: tuple[tuple[str, ...], ...]
    allocations: tuple[tuple[tuple[str, int], ...], ...]
    rejections: tuple[ColumnarRejection, ...]
    accepted: int
    duplicates: int
    rejected: int
    last_position: int


def _int_col(data: bytes) -> list[int]:
    a = array("q")
    a.frombytes(data)
    if struct.pack("=h", 1) != struct.pack("<h", 1):
        a.byteswap()
    return a.tolist()


def result_of(msg: colpb.ColumnarResult) -> ColumnarResult:
    status = tuple(_STATUS.get(b, "UNSPECIFIED") for b in msg.status)
    n = len(status)
    due = tuple("" if d == NO_DATE else dt.date.fromordinal(_EPOCH + d).isoformat()
                for d in _int_col(msg.due_day))
    allocs: list[list[tuple[str, int]]] = [[] for _ in range(n)]
    invoices = msg.allocation_invoice_id.decode().split("\x00") \
        if msg.allocation_command else []
    for c, inv, amt in zip(_int_col(msg.allocation_command), invoices,
                           _int_col(msg.allocation_amount_minor)):
        allocs[c].append((inv, amt))
    return ColumnarResult(
        status, tuple(_int_col(msg.position)), tuple(_int_col(msg.entry_count)),
        tuple(_int_col(msg.unapplied_minor)), due,
        tuple(tuple(name for bit, name in WARNING_BITS.items() if w & bit)
              for w in msg.warnings),
        tuple(tuple(a) for a in allocs),
        tuple(ColumnarRejection(r.command_index, r.request_id, r.reason, r.code, r.message,
                                r.batch_index) for r in msg.rejections),
        msg.accepted, msg.duplicates, msg.rejected, msg.last_position)


__all__ = ["ColumnarBatch", "ColumnarRejection", "ColumnarResult", "day_of", "result_of"]
