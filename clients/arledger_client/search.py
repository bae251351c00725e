"""Finding things from Python: customers, invoices, payments and credit notes, listed with
filters and an order, one invoice or payment in full, notes, and the dunning run's notices.

    from arledger_client import SearchClient
    with SearchClient("127.0.0.1:50051") as search:
        page = search.list_customers_page(query="acme", order_by="overdue desc", page_size=20)
        for row in page.items:
            print(row["customer_id"], row["name"], row["overdue_minor"])
        inv = search.get_invoice("INV-1001", as_of="2026-03-31", full=True)

Every call takes `as_of` (a date) and `known_at` (a datetime; naive = UTC): the answer as
it was on that day, as known at that time. Lists come a page at a time
(`*_page(..., page_token=)`) or as iterators that follow the pages (`list_*`); a listing
is read at one known segment throughout. Results are plain dicts (field names as in
proto/arledger/v1/search.proto, money as int minor units, statuses by name: OPEN, PAID,
WRITTEN_OFF, SOLD, VOIDED; UNAPPLIED, APPLIED, REVERSED). Reads are retried on
UNAVAILABLE / DEADLINE_EXCEEDED; refusals raise the SDK's typed errors.

`order_key(kind, order_by)` is the order the server sorts in, as a Python sort key; the
routing client (`PartitionedClient`) merges partitions' pages with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc

from arledger_client.connection import Connection
from arledger_client.models import DateLike, _iso, _message_data, _plain, _timestamp
from arledger_client.retry import call_with_retries
from arledger_client.v1 import risk_pb2 as rpb
from arledger_client.v1 import search_pb2 as spb
from arledger_client.v1 import search_pb2_grpc as sgrpc

_TRI = {None: spb.TRISTATE_UNSPECIFIED, True: spb.YES, False: spb.NO}
_PROMISE = {"any": spb.PROMISE_STATUS_FILTER_UNSPECIFIED, "active": spb.PROMISE_ACTIVE,
            "none-active": spb.PROMISE_NONE_ACTIVE, "broken": spb.PROMISE_BROKEN}
_DISPUTES = {"any": rpb.DISPUTE_FILTER_UNSPECIFIED, "with": rpb.WITH_OPEN_DISPUTE,
             "without": rpb.WITHOUT_OPEN_DISPUTE}
INVOICE_STATUSES = ("OPEN", "PAID", "WRITTEN_OFF", "SOLD", "VOIDED")
PAYMENT_STATUSES = ("UNAPPLIED", "APPLIED", "REVERSED")


@dataclass
class Page:
    """One page of a listing: its rows, the token of the next page ("" = last page), how
    many rows match in all, the view's as_of and the log position it includes."""

    items: list[dict[str, Any]] = field(default_factory=list[Any])
    next_page_token: str = ""
    total_size: int = 0
    as_of: str = ""
    position: int = 0


def _status_names(d: dict[str, Any], prefix: str) -> dict[str, Any]:
    s = d.get("status")
    if isinstance(s, str) and s.startswith(prefix):
        d["status"] = s[len(prefix):]
    return d


def _row(d: dict[str, Any]) -> dict[str, Any]:
    d = _status_names(_status_names(d, "INVOICE_"), "PAYMENT_")
    return d


class _Rev:
    """A sort key in reverse (for text ordered descending)."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __lt__(self, other: _Rev) -> bool:
        less: bool = other.v < self.v
        return less

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rev) and other.v == self.v


_DEFAULT_ORDER = {"customers": "balance desc", "invoices": "due_date",
                  "payments": "value_date desc", "credit_notes": "issue_date desc"}
_MONEY = {"balance": "balance_minor", "overdue": "overdue_minor",
          "expected_loss": "expected_loss_minor", "amount": "amount_minor",
          "open": "open_minor", "unapplied": "unapplied_minor"}
_FIELD = {"oldest_past_due": "oldest_past_due_days", "name": "name",
          "customer_id": "customer_id", "invoice_id": "invoice_id",
          "payment_id": "payment_id", "credit_note_id": "credit_note_id",
          "issue_date": "issue_date", "due_date": "due_date", "value_date": "value_date",
          "days_past_due": "days_past_due"}


def order_key(kind: str, order_by: str = "") -> Callable[[dict[str, Any]], Any]:
    """The server's order of a listing (`kind`: customers, invoices, payments,
    credit_notes) as a key on its row dicts: money within each currency (currencies by
    code), text casefolded. Ties keep each partition's order (a stable merge)."""
    parts = (order_by or _DEFAULT_ORDER[kind]).split()
    name, desc = parts[0], len(parts) > 1 and parts[1].lower() == "desc"
    if name in _MONEY:
        f = _MONEY[name]
        return lambda r: (r.get("currency", ""), -r.get(f, 0) if desc else r.get(f, 0))
    f = _FIELD.get(name, name)
    if name in ("name", "customer_id", "invoice_id", "payment_id", "credit_note_id"):
        return (lambda r: _Rev(str(r.get(f, "")).casefold())) if desc else \
            (lambda r: str(r.get(f, "")).casefold())
    if name in ("issue_date", "due_date", "value_date"):  # ISO dates sort as text
        return (lambda r: _Rev(r.get(f, ""))) if desc else (lambda r: r.get(f, ""))
    if name == "days_past_due":
        return (lambda r: -r.get(f, 0)) if desc else (lambda r: r.get(f, 0))
    return (lambda r: -r.get(f, 0)) if desc else (lambda r: r.get(f, 0))


class SearchClient(Connection):
    """A connection to an arledger server's SearchService (thread-safe; a context manager)."""

    def __init__(self, target: str = "127.0.0.1:50051", *, channel: grpc.Channel | None = None,
                 timeout_s: float = 120.0, retries: int = 3) -> None:
        super().__init__(target, channel, timeout_s)
        self._stub = sgrpc.SearchServiceStub(self._channel)
        self.retries = retries

    def _call(self, method: str, request: Any) -> Any:
        return call_with_retries(lambda: getattr(self._stub, method)(request,
                                                                     timeout=self.timeout_s),
                                 self.retries)

    @staticmethod
    def _clocks(req: Any, as_of: DateLike | None, known_at: dt.datetime | None) -> Any:
        req.as_of = _iso(as_of)
        ts = _timestamp(known_at)
        if ts is not None:
            req.known_at.CopyFrom(ts)
        return req

    def _page(self, method: str, req: Any, rows_field: str) -> Page:
        resp = self._call(method, req)
        d = _message_data(resp)
        return Page([_row(r) for r in d.get(rows_field, [])], resp.next_page_token,
                    int(resp.total_size), getattr(resp, "as_of", ""),
                    int(getattr(resp, "position", 0)))

    @staticmethod
    def _follow(fetch: Callable[[str], Page]) -> Iterator[dict[str, Any]]:
        token = ""
        while True:
            page = fetch(token)
            yield from page.items
            token = page.next_page_token
            if not token:
                return

    # ---- customers --------------------------------------------------------------------------

    def list_customers_page(self, *, as_of: DateLike | None = None,
                            known_at: dt.datetime | None = None, query: str = "",
                            query_prefix: bool = False, currency: str = "",
                            on_hold: bool | None = None, over_limit: bool | None = None,
                            past_due_days_min: int = 0, dunning_level_min: int = 0,
                            promise: str = "any", disputes: str = "any",
                            include_closed: bool = False, order_by: str = "",
                            with_risk: bool = False, model_version: str = "",
                            page_size: int = 0, page_token: str = "", skip: int = 0) -> Page:
        """One page of customers with their list-row figures. promise: any, active,
        none-active, broken; disputes: any, with, without; order_by: balance, overdue,
        oldest_past_due, expected_loss, name or customer_id, optionally + " desc"."""
        req = self._clocks(spb.ListCustomersRequest(
            query=query, query_prefix=query_prefix, currency=currency, on_hold=_TRI[on_hold],
            over_limit=_TRI[over_limit], past_due_days_min=past_due_days_min,
            dunning_level_min=dunning_level_min, promise=_PROMISE[promise],
            disputes=_DISPUTES[disputes], include_closed=include_closed, order_by=order_by,
            with_risk=with_risk, model_version=model_version, page_size=page_size,
            page_token=page_token, skip=skip), as_of, known_at)
        return self._page("ListCustomers", req, "customers")

    def list_customers(self, **kw: Any) -> Iterator[dict[str, Any]]:
        """Every customer matching (same arguments as list_customers_page), page by page."""
        return self._follow(lambda t: self.list_customers_page(**kw, page_token=t))

    # ---- invoices, payments, credit notes ---------------------------------------------------

    def list_invoices_page(self, *, as_of: DateLike | None = None,
                           known_at: dt.datetime | None = None, customer_id: str = "",
                           query: str = "", statuses: Sequence[str] = (), currency: str = "",
                           issued_from: DateLike | None = None,
                           issued_to: DateLike | None = None,
                           due_from: DateLike | None = None, due_to: DateLike | None = None,
                           disputed_only: bool = False, order_by: str = "",
                           page_size: int = 0, page_token: str = "", skip: int = 0) -> Page:
        """One page of invoices (statuses: OPEN, PAID, WRITTEN_OFF, SOLD, VOIDED); order_by:
        due_date, issue_date, amount, open, days_past_due, invoice_id (+ " desc")."""
        req = self._clocks(spb.ListInvoicesRequest(
            customer_id=customer_id, query=query,
            statuses=[spb.InvoiceStatus.Value(f"INVOICE_{s}") for s in statuses],
            currency=currency, issued_from=_iso(issued_from), issued_to=_iso(issued_to),
            due_from=_iso(due_from), due_to=_iso(due_to), disputed_only=disputed_only,
            order_by=order_by, page_size=page_size, page_token=page_token, skip=skip),
            as_of, known_at)
        return self._page("ListInvoices", req, "invoices")

    def list_invoices(self, **kw: Any) -> Iterator[dict[str, Any]]:
        return self._follow(lambda t: self.list_invoices_page(**kw, page_token=t))

    def list_payments_page(self, *, as_of: DateLike | None = None,
                           known_at: dt.datetime | None = None, customer_id: str = "",
                           query: str = "", statuses: Sequence[str] = (), currency: str = "",
                           value_from: DateLike | None = None,
                           value_to: DateLike | None = None, order_by: str = "",
                           page_size: int = 0, page_token: str = "", skip: int = 0) -> Page:
        """One page of payments (statuses: UNAPPLIED, APPLIED, REVERSED); order_by:
        value_date, amount, unapplied, payment_id (+ " desc")."""
        req = self._clocks(spb.ListPaymentsRequest(
            customer_id=customer_id, query=query,
            statuses=[spb.PaymentStatus.Value(f"PAYMENT_{s}") for s in statuses],
            currency=currency, value_from=_iso(value_from), value_to=_iso(value_to),
            order_by=order_by, page_size=page_size, page_token=page_token, skip=skip),
            as_of, known_at)
        return self._page("ListPayments", req, "payments")

    def list_payments(self, **kw: Any) -> Iterator[dict[str, Any]]:
        return self._follow(lambda t: self.list_payments_page(**kw, page_token=t))

    def list_credit_notes_page(self, *, as_of: DateLike | None = None,
                               known_at: dt.datetime | None = None, customer_id: str = "",
                               query: str = "", unapplied_only: bool = False,
                               currency: str = "", issued_from: DateLike | None = None,
                               issued_to: DateLike | None = None, order_by: str = "",
                               page_size: int = 0, page_token: str = "",
                               skip: int = 0) -> Page:
        """One page of credit notes; order_by: issue_date, amount, unapplied, credit_note_id."""
        req = self._clocks(spb.ListCreditNotesRequest(
            customer_id=customer_id, query=query, unapplied_only=unapplied_only,
            currency=currency, issued_from=_iso(issued_from), issued_to=_iso(issued_to),
            order_by=order_by, page_size=page_size, page_token=page_token, skip=skip),
            as_of, known_at)
        return self._page("ListCreditNotes", req, "credit_notes")

    def list_credit_notes(self, **kw: Any) -> Iterator[dict[str, Any]]:
        return self._follow(lambda t: self.list_credit_notes_page(**kw, page_token=t))

    # ---- one item ----------------------------------------------------------------------------

    def get_invoice(self, invoice_id: str, *, as_of: DateLike | None = None,
                    known_at: dt.datetime | None = None, full: bool = False) -> dict[str, Any]:
        """{"invoice", "installments", "allocations", "history", "entries" (full=True: the
        log entries with actor and reason), "discount_minor", "terms_id", ...}."""
        req = self._clocks(spb.GetInvoiceRequest(invoice_id=invoice_id,
                                                 view=spb.FULL if full else spb.BASIC),
                           as_of, known_at)
        return _detail(self._call("GetInvoice", req), "invoice")

    def get_payment(self, payment_id: str, *, as_of: DateLike | None = None,
                    known_at: dt.datetime | None = None, full: bool = False) -> dict[str, Any]:
        """{"payment", "applied" (net per invoice), "allocations", "history", "entries"}."""
        req = self._clocks(spb.GetPaymentRequest(payment_id=payment_id,
                                                 view=spb.FULL if full else spb.BASIC),
                           as_of, known_at)
        return _detail(self._call("GetPayment", req), "payment")

    def list_notes(self, customer_id: str, *, as_of: DateLike | None = None,
                   known_at: dt.datetime | None = None, page_size: int = 0,
                   page_token: str = "") -> Page:
        """Notes on a customer, newest first."""
        req = self._clocks(spb.ListNotesRequest(customer_id=customer_id, page_size=page_size,
                                                page_token=page_token), as_of, known_at)
        resp = self._call("ListNotes", req)
        return Page(_message_data(resp).get("notes", []), resp.next_page_token,
                    int(resp.total_size))

    def dunning_notices(self, *, as_of: DateLike | None = None,
                        known_at: dt.datetime | None = None, page_size: int = 0,
                        page_token: str = "") -> dict[str, Any]:
        """{"run_date", "notices" (one per customer), "next_page_token", "total_size"}: the
        last dunning run on or before as_of."""
        req = self._clocks(spb.ListDunningNoticesRequest(page_size=page_size,
                                                         page_token=page_token),
                           as_of, known_at)
        d = _message_data(self._call("ListDunningNotices", req))
        d.setdefault("notices", [])
        return d


def _detail(msg: Any, head: str) -> dict[str, Any]:
    d = _message_data(msg)
    d[head] = _row(d.get(head, {}))
    for k in ("installments", "allocations", "history", "entries", "applied"):
        if k in msg.DESCRIPTOR.fields_by_name:
            d.setdefault(k, [])
    d["entries"] = [dict(e, fields=_plain(e.get("fields", {}))) for e in d.get("entries", [])]
    return d


__all__ = ["SearchClient", "Page", "order_key", "INVOICE_STATUSES", "PAYMENT_STATUSES"]
