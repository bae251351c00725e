"""SearchService: list, search and get customers, invoices, payments and credit
notes, notes and the dunning run's notices, as of a day and as known at a time.

Each RPC reads `as_of` and `known_at` (settled before the read lock, as every view does),
computes under the ledger's read lock with projections/search.py, and answers one page.
A page token pins the view: the known segment of the first page, and the query it belongs
to (a hash of the request without its paging fields), so pages never mix two views.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import grpc
import numpy as np

from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.domain.risk_models import DEFAULT_VERSION
from arledger.engine import Ledger
from arledger.projections import search as Q
from arledger.projections import views
from arledger.server.requests import Clocks, customer, guard, log_entry, next_token, page, ts
from arledger.v1 import risk_pb2 as rpb
from arledger.v1 import search_pb2 as spb
from arledger.v1 import search_pb2_grpc as sgrpc

SERVICE = spb.DESCRIPTOR.services_by_name["SearchService"]
ERRORS_DOC = ("INVALID_ARGUMENT (MALFORMED_DATE, MALFORMED_ID, MALFORMED_TEXT, "
              "INVALID_TIMESTAMP, INVALID_PAGE_SIZE, INVALID_PAGE_TOKEN, INVALID_ORDER_BY, "
              "INVALID_ENUM, INVALID_THRESHOLD, INVALID_PERIOD, UNKNOWN_CURRENCY), NOT_FOUND "
              "(CUSTOMER_NOT_FOUND, INVOICE_NOT_FOUND, PAYMENT_NOT_FOUND, "
              "UNKNOWN_MODEL_VERSION)")
_PROMISE = {spb.PROMISE_STATUS_FILTER_UNSPECIFIED: 0, spb.PROMISE_ACTIVE: 1,
            spb.PROMISE_NONE_ACTIVE: 2, spb.PROMISE_BROKEN: 3}
_DISPUTES = {rpb.DISPUTE_FILTER_UNSPECIFIED: 0, rpb.WITH_OPEN_DISPUTE: 1,
             rpb.WITHOUT_OPEN_DISPUTE: 2}
_TRI = {spb.TRISTATE_UNSPECIFIED: None, spb.YES: True, spb.NO: False}
_INVOICE_STATUS = {spb.INVOICE_OPEN: Q.INV_OPEN, spb.INVOICE_PAID: Q.INV_PAID,
                   spb.INVOICE_WRITTEN_OFF: Q.INV_WRITTEN_OFF, spb.INVOICE_SOLD: Q.INV_SOLD,
                   spb.INVOICE_VOIDED: Q.INV_VOIDED}
_PAYMENT_STATUS = {spb.PAYMENT_UNAPPLIED: Q.PAY_UNAPPLIED, spb.PAYMENT_APPLIED: Q.PAY_APPLIED,
                   spb.PAYMENT_REVERSED: Q.PAY_REVERSED}


class _CreatedSeq:
    """The segment that opened each customer, read once from the log and extended as it
    grows: only a view as known before the head needs it (the state keeps no creation
    position of a customer)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.seq = np.zeros(0, np.int32)
        self.scanned = 0
        self._lock = threading.Lock()

    def upto(self, head_seq: int) -> np.ndarray:
        from arledger.engine.segment import decode
        with self._lock:
            if self.scanned < head_seq:
                for seq, blob in self.ledger.store.read(after_seq=self.scanned):
                    if seq > head_seq:
                        break
                    c = decode(blob).tables.get("CustomerOpened")
                    if c is not None:
                        top = int(np.max(c["customer_ix"])) + 1
                        if top > len(self.seq):
                            self.seq = np.concatenate(
                                [self.seq, np.full(top - len(self.seq), 2**31 - 1, np.int32)])
                        self.seq[np.asarray(c["customer_ix"])] = seq
                    self.scanned = seq
            return self.seq


def _tri(v: int) -> bool | None:
    if v not in _TRI:
        raise error("INVALID_ENUM", "on_hold / over_limit take TRISTATE_UNSPECIFIED, YES or NO")
    return _TRI[v]


class SearchServicer(sgrpc.SearchServiceServicer):
    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self.clocks = Clocks(ledger, clock)
        self.created = _CreatedSeq(ledger)

    # ---- shared ------------------------------------------------------------------------------

    def _page(self, request, S, as_of: int, known_at: int | None) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
        """(known segment, offset, page size); a token's segment and place win."""
        return page(request, S, as_of, known_at, default=limits.search_page_size_default,
                    maximum=limits.search_page_size_max)

    def _created(self, S, ks: int) -> np.ndarray | None:  # type: ignore[no-untyped-def]
        return None if ks >= S.head_seq else self.created.upto(S.head_seq)

    def _items(self, S, request) -> Q.ItemQuery:  # type: ignore[no-untyped-def]
        cust = customer(S, request.customer_id) if request.customer_id else None
        if request.currency:
            V.currency(request.currency)
        if request.query:
            V.text(request.query, "query")

        def day(name: str) -> int | None:
            v = getattr(request, name, "")
            return V.day(v, name) if v else None
        names = request.DESCRIPTOR.fields_by_name
        lo, hi = ("value_from", "value_to") if "value_from" in names else (
            "issued_from", "issued_to")
        return Q.ItemQuery(customer=cust, query=request.query, currency=request.currency,
                           from_day=day(lo), to_day=day(hi),
                           due_from=day("due_from") if "due_from" in names else None,
                           due_to=day("due_to") if "due_to" in names else None,
                           order_by=request.order_by)

    # ---- lists --------------------------------------------------------------------------------

    @guard
    def ListCustomers(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        if request.currency:
            V.currency(request.currency)
        if request.query:
            V.text(request.query, "query")
        if request.promise not in _PROMISE or request.disputes not in _DISPUTES:
            raise error("INVALID_ENUM", "unknown promise or dispute filter")
        version = V.ident(request.model_version, "model_version") if request.model_version \
            else DEFAULT_VERSION
        q = Q.CustomerQuery(
            query=request.query, query_prefix=request.query_prefix, currency=request.currency,
            on_hold=_tri(request.on_hold), over_limit=_tri(request.over_limit),
            past_due_days_min=request.past_due_days_min,
            dunning_level_min=request.dunning_level_min, promise=_PROMISE[request.promise],
            disputes=_DISPUTES[request.disputes], include_closed=request.include_closed,
            order_by=request.order_by, with_risk=request.with_risk, model_version=version)
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            total, rows = Q.list_customers(S, as_of, ks, q, offset, size, self._created(S, ks))
            position = views.known_position(S, ks)
        out = spb.ListCustomersResponse(as_of=day_to_iso(as_of), position=position,
                                        total_size=total,
                                        next_page_token=next_token(request, as_of, ks, offset,
                                                                   size, total))
        out.customers.extend(_customer(r) for r in rows)
        return out

    @guard
    def ListInvoices(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            q = self._items(S, request)
            bad = [s for s in request.statuses if s not in _INVOICE_STATUS]
            if bad:
                raise error("INVALID_ENUM", "unknown invoice status")
            q.statuses = tuple(_INVOICE_STATUS[s] for s in request.statuses)
            q.disputed_only = request.disputed_only
            total, rows = Q.list_invoices(S, as_of, ks, q, offset, size)
            position = views.known_position(S, ks)
        out = spb.ListInvoicesResponse(as_of=day_to_iso(as_of), position=position,
                                       total_size=total,
                                       next_page_token=next_token(request, as_of, ks, offset,
                                                                  size, total))
        out.invoices.extend(_invoice(r) for r in rows)
        return out

    @guard
    def ListPayments(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            q = self._items(S, request)
            if any(s not in _PAYMENT_STATUS for s in request.statuses):
                raise error("INVALID_ENUM", "unknown payment status")
            q.statuses = tuple(_PAYMENT_STATUS[s] for s in request.statuses)
            total, rows = Q.list_payments(S, as_of, ks, q, offset, size)
            position = views.known_position(S, ks)
        out = spb.ListPaymentsResponse(as_of=day_to_iso(as_of), position=position,
                                       total_size=total,
                                       next_page_token=next_token(request, as_of, ks, offset,
                                                                  size, total))
        out.payments.extend(_payment(r) for r in rows)
        return out

    @guard
    def ListCreditNotes(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            q = self._items(S, request)
            if request.unapplied_only:
                q.statuses = (Q.PAY_UNAPPLIED,)
            total, rows = Q.list_credit_notes(S, as_of, ks, q, offset, size)
            position = views.known_position(S, ks)
        out = spb.ListCreditNotesResponse(as_of=day_to_iso(as_of), position=position,
                                          total_size=total,
                                          next_page_token=next_token(request, as_of, ks,
                                                                     offset, size, total))
        for r in rows:
            out.credit_notes.add(credit_note_id=r.credit_note_id, customer_id=r.customer_id,
                                 currency=r.currency, issue_date=day_to_iso(r.issue_day),
                                 amount_minor=r.amount_minor, unapplied_minor=r.unapplied_minor)
        return out

    # ---- one item -------------------------------------------------------------------------------

    def _view(self, v: int) -> bool:
        if v not in (spb.DETAIL_VIEW_UNSPECIFIED, spb.BASIC, spb.FULL):
            raise error("INVALID_ENUM", "view is BASIC or FULL")
        return v == spb.FULL

    def _entries(self, positions: list[int], head: int) -> list:
        """The log entries at these positions (each segment read once), in order."""
        from arledger.engine import render
        from arledger.engine.segment import decode
        want = sorted(set(p for p in positions if 0 < p <= head))
        out = []
        by_seg: dict[int, set[int]] = {}
        with self.ledger.reading() as S:
            for p in want:
                by_seg.setdefault(S.segment_of(p), set()).add(p)
        for seq in sorted(by_seg):
            blob = self.ledger.store.get(seq)
            if blob is None:
                continue
            seg = decode(blob)
            with self.ledger.reading() as S:
                for e in render.entries(S, seg):
                    if e["position"] in by_seg[seq]:
                        out.append(log_entry(e))
        return out

    @guard
    def GetInvoice(self, request, context):  # type: ignore[no-untyped-def]
        V.ident(request.invoice_id, "invoice_id")
        full = self._view(request.view)
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks = views.known_seq_at(S, known_at)
            d = Q.invoice_detail(S, request.invoice_id, as_of, ks)
            position, head = views.known_position(S, ks), S.head_position
        until = "" if d.discount_until_day is None else day_to_iso(d.discount_until_day)
        out = spb.InvoiceDetail(invoice=_invoice(d.invoice), discount_minor=d.discount_minor,
                                discount_until=until, terms_id=d.terms_id,
                                as_of=day_to_iso(as_of), position=position)
        for i in d.installments:
            out.installments.add(number=i.number, due_date=day_to_iso(i.due_day),
                                 amount_minor=i.amount_minor, open_minor=i.open_minor,
                                 disputed_minor=i.disputed_minor, days_past_due=i.days_past_due)
        out.allocations.extend(_applied(a) for a in d.allocations)
        out.history.extend(_history(h) for h in d.history)
        if full:
            out.entries.extend(self._entries([h.position for h in d.history], head))
        return out

    @guard
    def GetPayment(self, request, context):  # type: ignore[no-untyped-def]
        V.ident(request.payment_id, "payment_id")
        full = self._view(request.view)
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks = views.known_seq_at(S, known_at)
            d = Q.payment_detail(S, request.payment_id, as_of, ks)
            position, head = views.known_position(S, ks), S.head_position
        out = spb.PaymentDetail(payment=_payment(d.payment), as_of=day_to_iso(as_of),
                                position=position)
        out.applied.extend(_applied(a) for a in d.applied)
        out.allocations.extend(_applied(a) for a in d.allocations)
        out.history.extend(_history(h) for h in d.history)
        if full:
            out.entries.extend(self._entries([h.position for h in d.history], head))
        return out

    @guard
    def ListNotes(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            cust = customer(S, request.customer_id)
            rows = Q.notes(S, cust, as_of, ks)
        out = spb.ListNotesResponse(total_size=len(rows), next_page_token=next_token(
            request, as_of, ks, offset, size, len(rows)))
        for r in rows[offset:offset + size]:
            out.notes.add(customer_id=r.customer_id, effective_date=day_to_iso(r.effective_day),
                          recorded_at=ts(r.recorded_at_us), actor=r.actor, text=r.text,
                          position=r.position)
        return out

    @guard
    def ListDunningNotices(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            day, rows = Q.dunning_notices(S, as_of, ks)
        out = spb.ListDunningNoticesResponse(
            run_date=day_to_iso(day) if day >= 0 else "", total_size=len(rows),
            next_page_token=next_token(request, as_of, ks, offset, size, len(rows)))
        for n in rows[offset:offset + size]:
            note = out.notices.add(
                customer_id=n.customer_id, name=n.name, billing_contact=n.billing_contact,
                currency=n.currency, action=n.action, text_key=n.text_key,
                fee_minor=n.fee_minor, interest_minor=n.interest_minor, policy_id=n.policy_id,
                policy_version=n.policy_version)
            for it in n.items:
                note.items.add(invoice_id=it.invoice_id, installment=it.installment,
                               due_date=day_to_iso(it.due_day), days_past_due=it.days_past_due,
                               level=it.level, action=it.action, text_key=it.text_key,
                               open_minor=it.open_minor, fee_minor=it.fee_minor,
                               interest_minor=it.interest_minor,
                               fee_invoice_id=it.fee_invoice_id,
                               interest_invoice_id=it.interest_invoice_id)
        return out


_INV_STATUS_PB = {name: getattr(spb, f"INVOICE_{name}") for name in Q.INVOICE_STATUS[1:]}
_PAY_STATUS_PB = {name: getattr(spb, f"PAYMENT_{name}") for name in Q.PAYMENT_STATUS[1:]}


def _customer(r: Q.CustomerRow) -> spb.CustomerRow:
    out = spb.CustomerRow(
        customer_id=r.customer_id, name=r.name, currency=r.currency, status=r.status,
        balance_minor=r.balance_minor, open_minor=r.open_minor, overdue_minor=r.overdue_minor,
        disputed_minor=r.disputed_minor, unapplied_minor=r.unapplied_minor,
        credit_limit_minor=r.credit_limit_minor, on_hold=r.on_hold, over_limit=r.over_limit,
        oldest_past_due_days=r.oldest_past_due_days, open_invoices=r.open_invoices,
        dunning_level=r.dunning_level, promise_status=r.promise_status,
        open_disputes=r.open_disputes)
    if r.pd is not None:
        out.has_risk, out.pd, out.expected_loss_minor = True, r.pd, r.expected_loss_minor or 0
    return out


def _invoice(r: Q.InvoiceRow) -> spb.InvoiceRow:
    return spb.InvoiceRow(
        invoice_id=r.invoice_id, customer_id=r.customer_id, currency=r.currency,
        po_number=r.po_number, issue_date=day_to_iso(r.issue_day),
        due_date=day_to_iso(r.due_day), amount_minor=r.amount_minor, open_minor=r.open_minor,
        disputed_minor=r.disputed_minor, status=_INV_STATUS_PB[r.status],
        days_past_due=r.days_past_due, kind=r.kind, installments=r.installments)


def _payment(r: Q.PaymentRow) -> spb.PaymentRow:
    return spb.PaymentRow(payment_id=r.payment_id, customer_id=r.customer_id,
                          currency=r.currency, value_date=day_to_iso(r.value_day),
                          amount_minor=r.amount_minor, unapplied_minor=r.unapplied_minor,
                          status=_PAY_STATUS_PB[r.status])


def _applied(a: Q.AppliedAmount) -> spb.AppliedAmount:
    return spb.AppliedAmount(
        source_kind=a.source_kind, source_id=a.source_id, invoice_id=a.invoice_id,
        effective_date="" if a.effective_day is None else day_to_iso(a.effective_day),
        amount_minor=a.amount_minor, position=a.position, entry_type=a.entry_type)


def _history(h: Q.HistoryRow) -> spb.HistoryRow:
    return spb.HistoryRow(position=h.position, entry_type=h.entry_type,
                          effective_date=day_to_iso(h.effective_day),
                          recorded_at=ts(h.recorded_at_us), delta_minor=h.delta_minor,
                          disputed_delta_minor=h.disputed_delta_minor,
                          balance_after_minor=h.balance_after_minor, detail=h.detail)


def add_to_server(server: grpc.Server, ledger: Ledger, clock: Callable[[], int]) -> str:
    sgrpc.add_SearchServiceServicer_to_server(SearchServicer(ledger, clock), server)
    return SERVICE.full_name


__all__ = ["SERVICE", "ERRORS_DOC", "add_to_server", "SearchServicer"]
