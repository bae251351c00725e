"""ReportService: aging per customer and drill-down, statements, KPIs, exceptions.

Each RPC computes its report under the ledger's read lock (one consistent view, as of
`as_of`, as known at `known_at`), then streams it in chunks outside the lock. A page
token pins the view (the segment it was known at), so later pages agree with the first.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.engine import Ledger
from arledger.projections import reports as R
from arledger.projections import views
from arledger.server.requests import (
    Clocks,
    aging_args,
    customer,
    filters,
    next_token,
    page,
    streamed,
)
from arledger.v1 import reports_pb2 as rpb
from arledger.v1 import reports_pb2_grpc as rgrpc

SERVICE = rpb.DESCRIPTOR.services_by_name["ReportService"]
ERRORS_DOC = ("INVALID_ARGUMENT (MALFORMED_DATE, MALFORMED_ID, INVALID_TIMESTAMP, "
              "INVALID_BUCKET_EDGES, INVALID_BUCKET, INVALID_PERIOD, INVALID_THRESHOLD, "
              "INVALID_ENUM, INVALID_PAGE_SIZE, INVALID_PAGE_TOKEN, UNKNOWN_CURRENCY, "
              "MISSING_FIELD), NOT_FOUND (CUSTOMER_NOT_FOUND)")


class ReportServicer(rgrpc.ReportServiceServicer):
    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self.clocks = Clocks(ledger, clock)

    def _page(self, request, S, as_of: int, known_at: int | None) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
        """(known segment, offset, page size); page_size 0 is the whole report, streamed."""
        return page(request, S, as_of, known_at, default=0, maximum=limits.report_page_size_max)

    @staticmethod
    def _window(rows: list | range, offset: int, size: int) -> list:
        return list(rows[offset:offset + size] if size else rows[offset:])

    # ---- RPCs -----------------------------------------------------------------------------

    @streamed
    def GetCustomerAging(self, request, context) -> list:  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        edges, by_issue, basis = aging_args(request)
        known_at = self.clocks.known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            cust, cur = filters(S, request)
            a = views.customer_aging(S, as_of, ks, edges, by_issue, customer=cust,
                                     currency=cur)
            totals = views.currency_totals(S, a)
            total = len(a.customers)
            sel = slice(offset, offset + size if size else total)
            ids = [S.customer_ids[i] for i in a.customers[sel].tolist()]
            curs = [S.currencies[c] for c in a.currency[sel].tolist()]
            position = views.known_position(S, ks)
        head = rpb.CustomerAgingChunk(as_of=day_to_iso(as_of), basis=basis,
                                      bucket_labels=a.labels, position=position,
                                      total_rows=total)
        for t in totals:
            head.totals.add(currency=t.currency, buckets_minor=t.buckets_minor,
                            unapplied_minor=t.unapplied_minor, disputed_minor=t.disputed_minor,
                            balance_minor=t.balance_minor, customers=t.customers,
                            open_item_count=t.open_item_count)
        b, u, d, bal, n = (a.buckets[sel].tolist(), a.unapplied[sel].tolist(),
                           a.disputed[sel].tolist(), a.balance[sel].tolist(), a.count[sel].tolist())
        chunks = [head]
        for k in range(len(ids)):
            if len(chunks[-1].rows) >= limits.report_chunk_rows:
                chunks.append(rpb.CustomerAgingChunk())
            chunks[-1].rows.add(customer_id=ids[k], currency=curs[k], buckets_minor=b[k],
                                unapplied_minor=u[k], disputed_minor=d[k], balance_minor=bal[k],
                                open_item_count=n[k])
        chunks[-1].next_page_token = next_token(request, as_of, ks, offset, size, total)
        return chunks

    @streamed
    def GetAgingItems(self, request, context) -> list:  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        edges, by_issue, _ = aging_args(request)
        known_at = self.clocks.known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            cust, cur = filters(S, request)
            total, items = R.aging_items_page(S, as_of, ks, edges, by_issue, request.bucket,
                                             cust, cur, offset, size)
            position = views.known_position(S, ks)
        chunks = [rpb.AgingItemsChunk(position=position, total_items=total)]
        for it in items:
            if len(chunks[-1].items) >= limits.report_chunk_rows:
                chunks.append(rpb.AgingItemsChunk())
            chunks[-1].items.add(kind=it.kind, item_id=it.item_id, customer_id=it.customer_id,
                                 currency=it.currency, issue_date=day_to_iso(it.issue_day),
                                 due_date=day_to_iso(it.due_day), amount_minor=it.amount_minor,
                                 open_minor=it.open_minor, disputed_minor=it.disputed_minor,
                                 days=it.days, installment=it.installment)
        chunks[-1].next_page_token = next_token(request, as_of, ks, offset, size, total)
        return chunks

    @streamed
    def GetStatement(self, request, context) -> list:  # type: ignore[no-untyped-def]
        if not request.customer_id:
            raise error("MISSING_FIELD", "customer_id is required")
        if not request.period_from:
            raise error("MISSING_FIELD", "period_from is required")
        to_day = self.clocks.as_of(request.period_to)
        from_day = V.day(request.period_from, "period_from")
        edges, by_issue, _ = aging_args(request)
        known_at = self.clocks.known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, to_day, known_at)
            cust = customer(S, request.customer_id)
            st = R.statement(S, cust, from_day, to_day, ks, edges, by_issue)
            position = views.known_position(S, ks)
        lines = st.lines
        (ag,) = st.aging.rows
        chunks = [rpb.StatementChunk(
            customer_id=st.customer_id, currency=st.currency,
            period_from=day_to_iso(from_day), period_to=day_to_iso(to_day),
            opening_balance_minor=st.opening_balance_minor,
            closing_balance_minor=st.closing_balance_minor, bucket_labels=st.aging.labels,
            aging_buckets_minor=ag.buckets_minor, aging_unapplied_minor=ag.unapplied_minor,
            aging_disputed_minor=ag.disputed_minor, position=position,
            total_lines=len(lines))]
        for ln in self._window(lines, offset, size):
            if len(chunks[-1].lines) >= limits.report_chunk_rows:
                chunks.append(rpb.StatementChunk())
            chunks[-1].lines.add(effective_date=day_to_iso(ln.day), position=ln.position,
                                 type=ln.type, document_id=ln.document_id,
                                 debit_minor=ln.debit_minor, credit_minor=ln.credit_minor,
                                 disputed_delta_minor=ln.disputed_delta_minor,
                                 balance_minor=ln.balance_minor)
        chunks[-1].next_page_token = next_token(request, to_day, ks, offset, size, len(lines))
        return chunks

    @streamed
    def GetKpis(self, request, context) -> list:  # type: ignore[no-untyped-def]
        if not request.period_from:
            raise error("MISSING_FIELD", "period_from is required")
        to_day = self.clocks.as_of(request.period_to)
        from_day = V.day(request.period_from, "period_from")
        variant = {0: "total", rpb.CEI_TOTAL: "total",
                   rpb.CEI_MONTHLY_AVERAGE: "monthly_average"}.get(request.cei_variant)
        if variant is None:
            raise error("INVALID_ENUM", "cei_variant must be CEI_TOTAL or CEI_MONTHLY_AVERAGE")
        known_at = self.clocks.known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ks = views.known_seq_at(S, known_at)
            cust = customer(S, request.customer_id) if request.customer_id else None
            code = V.currency(request.currency) if request.currency else ""
            periods = [("period", from_day, to_day)]
            if request.monthly:
                periods += [("month", a, b) for a, b in R.monthly_periods(from_day, to_day)]
            position = views.known_position(S, ks)
        rows: list[tuple[str, R.Kpis]] = []
        for scope, a, b in periods:
            # The lock is taken per period so the writer folds in between; every period
            # reads the view as known at the same segment ks, so they agree.
            with self.ledger.reading() as S:
                for r in R.kpis(S, a, b, ks, cust, variant, request.cei_months):
                    if not code or r.currency == code:
                        rows.append((scope, r))
        return [kpi_row(r, scope, position) for scope, r in rows]

    @streamed
    def GetExceptions(self, request, context) -> list:  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        changes_from = V.day(request.changes_from, "changes_from") if request.changes_from else None

        def opt(field: str, default: int) -> int:
            return getattr(request, field) if request.HasField(field) else default
        known_at = self.clocks.known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ks, offset, size = self._page(request, S, as_of, known_at)
            total, rows = R.exceptions_page(
                S, as_of, ks, past_due_days=opt("past_due_days", 90),
                min_past_due_minor=request.min_past_due_minor or 1,
                unapplied_days=opt("unapplied_days", 30), dispute_days=opt("dispute_days", 30),
                changes_from_day=changes_from, kinds=tuple(request.kinds), offset=offset,
                limit=size)
            position = views.known_position(S, ks)
        chunks = [rpb.ExceptionsChunk(position=position, total_rows=total)]
        for r in rows:
            if len(chunks[-1].rows) >= limits.report_chunk_rows:
                chunks.append(rpb.ExceptionsChunk())
            chunks[-1].rows.add(kind=r.kind, customer_id=r.customer_id, currency=r.currency,
                                item_id=r.item_id, amount_minor=r.amount_minor, days=r.days,
                                detail=r.detail)
        chunks[-1].next_page_token = next_token(request, as_of, ks, offset, size, total)
        return chunks


def kpi_row(k: R.Kpis, scope: str, position: int) -> rpb.KpiRow:
    """A period's KPIs of one currency as the wire's KpiRow; an absent ratio (None) is
    left unset, never a made-up 0."""
    optional = {"dso_simple": k.dso_simple_days, "dso_countback": k.dso_countback_days,
                "best_possible_dso": k.best_possible_dso_days, "add": k.add_days,
                "cei": k.cei_pct, "pct_current": k.current_pct, "pct_over_90": k.over_90_pct,
                "disputes_avg_days_to_resolve": k.disputes_resolve_avg_days,
                "disputes_open_avg_age_days": k.disputes_open_age_avg_days,
                "promises_kept_rate": k.promises_kept_pct}
    return rpb.KpiRow(
        period_from=day_to_iso(k.from_day), period_to=day_to_iso(k.to_day),
        currency=k.currency, scope=scope, position=position, days_in_period=k.period_days,
        receivables_begin_minor=k.receivables_begin_minor,
        receivables_end_minor=k.receivables_end_minor, current_end_minor=k.current_end_minor,
        over_90_end_minor=k.over_90_end_minor, credit_sales_minor=k.credit_sales_minor,
        cei_variant=k.cei_variant, cei_months=k.cei_months,
        disputes_opened=k.disputes_opened, disputes_resolved=k.disputes_resolved,
        disputes_open_end=k.disputes_open_end, write_offs_minor=k.write_offs_minor,
        write_off_count=k.write_off_count, promises_judged=k.promises_judged,
        recoveries_minor=k.recoveries_minor,
        **{f: v for f, v in optional.items() if v is not None})


def add_to_server(server: grpc.Server, ledger: Ledger, clock: Callable[[], int]) -> str:
    """Register ReportService on `server`; returns its full name."""
    rgrpc.add_ReportServiceServicer_to_server(ReportServicer(ledger, clock), server)
    return SERVICE.full_name


__all__ = ["SERVICE", "ERRORS_DOC", "add_to_server", "ReportServicer"]
