"""Reports client: aging per customer and drill-down, statements, KPIs, exceptions.

Every report takes `as_of` (a date; for period reports the period's last day) and
`known_at` (a datetime: the report as it was known then; default now). Results are plain
dicts and lists (money as int minor units; ratios as float or None when undefined).
Pages are followed for you; a report is read at one known segment throughout.

    from arledger_client.reports import ReportsClient
    with ReportsClient("127.0.0.1:50051") as reports:
        aging = reports.customer_aging(as_of="2026-03-31", known_at=datetime(2026, 4, 2))
        kpis = reports.kpis("2026-01-01", "2026-03-31", cei_variant="monthly_average")

Reads are retried on UNAVAILABLE / DEADLINE_EXCEEDED (they change nothing); errors are
raised as the SDK's typed ArledgerError subclasses with the server's stable reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import grpc

from arledger_client.connection import Connection
from arledger_client.credentials import Credentials
from arledger_client.models import DateLike, _iso, _message_data, _timestamp
from arledger_client.retry import call_with_retries
from arledger_client.v1 import ledger_pb2 as lpb
from arledger_client.v1 import reports_pb2 as rpb
from arledger_client.v1 import reports_pb2_grpc as rgrpc


class ReportsClient(Connection):
    """A connection to an arledger server's ReportService (thread-safe)."""

    def __init__(self, target: str = "127.0.0.1:50051", *, channel: grpc.Channel | None = None,
                 timeout_s: float = 120.0, retries: int = 3,
                 credentials: Credentials | None = None) -> None:
        super().__init__(target, channel, timeout_s, credentials)
        self._stub = rgrpc.ReportServiceStub(self._channel)
        self.retries = retries

    def _pages(self, method: str, request: Any) -> list[Any]:
        """Every chunk of every page (the token pins the known segment of the first)."""
        chunks: list[Any] = []
        while True:
            got = call_with_retries(
                lambda: list(getattr(self._stub, method)(request, timeout=self.timeout_s)),
                self.retries)
            chunks += got
            token = got[-1].next_page_token if got and hasattr(got[-1], "next_page_token") else ""
            if not token:
                return chunks
            request.page_token = token

    @staticmethod
    def _clocks(req: Any, known_at: dt.datetime | None) -> Any:
        ts = _timestamp(known_at)
        if ts is not None:
            req.known_at.CopyFrom(ts)
        return req

    @staticmethod
    def _basis(basis: str) -> lpb.AgingBasis.ValueType:
        return lpb.INVOICE_DATE if basis.lower().startswith("invoice") else lpb.DUE_DATE

    def customer_aging(self, as_of: DateLike | None = None, known_at: dt.datetime | None = None,
                       *, customer_id: str = "", currency: str = "", basis: str = "due",
                       bucket_edges_days: Sequence[int] = (),
                       page_size: int = 10_000) -> dict[str, Any]:
        """{"bucket_labels", "totals" (per currency), "rows" (per customer), "position", ...}."""
        req = self._clocks(rpb.CustomerAgingRequest(
            as_of=_iso(as_of), basis=self._basis(basis), bucket_edges_days=list(bucket_edges_days),
            customer_id=customer_id, currency=currency, page_size=page_size), known_at)
        chunks = self._pages("GetCustomerAging", req)
        out = _message_data(chunks[0])
        out["rows"] = [_message_data(r) for c in chunks for r in c.rows]
        out.pop("next_page_token", None)
        return out

    def aging_items(self, bucket: str = "", as_of: DateLike | None = None,
                    known_at: dt.datetime | None = None, *, customer_id: str = "",
                    currency: str = "", basis: str = "due",
                    bucket_edges_days: Sequence[int] = ()) -> list[dict[str, Any]]:
        """The items behind one aging cell (a bucket label, "unapplied", or "" for all)."""
        req = self._clocks(rpb.AgingItemsRequest(
            as_of=_iso(as_of), basis=self._basis(basis), bucket_edges_days=list(bucket_edges_days),
            bucket=bucket, customer_id=customer_id, currency=currency, page_size=10_000), known_at)
        return [_message_data(i) for c in self._pages("GetAgingItems", req) for i in c.items]

    def aging_items_report(self, bucket: str = "", as_of: DateLike | None = None,
                           known_at: dt.datetime | None = None, *, customer_id: str = "",
                           currency: str = "", basis: str = "due",
                           bucket_edges_days: Sequence[int] = ()) -> dict[str, Any]:
        """`aging_items` with what it was read at: {"items" (of every page), "total_items",
        "position" (the log position the report was read at)}."""
        req = self._clocks(rpb.AgingItemsRequest(
            as_of=_iso(as_of), basis=self._basis(basis), bucket_edges_days=list(bucket_edges_days),
            bucket=bucket, customer_id=customer_id, currency=currency, page_size=10_000), known_at)
        chunks = self._pages("GetAgingItems", req)
        out: dict[str, Any] = _message_data(chunks[0]) if chunks else {"total_items": 0}
        out["items"] = [_message_data(i) for c in chunks for i in c.items]
        out.pop("next_page_token", None)
        return out

    def statement(self, customer_id: str, period_from: DateLike, period_to: DateLike | None = None,
                  known_at: dt.datetime | None = None, *,
                  bucket_edges_days: Sequence[int] = ()) -> dict[str, Any]:
        """Opening balance, lines with the running balance, closing balance, aging footer
        (its buckets up to `bucket_edges_days`, default 30, 60, 90, 120)."""
        req = self._clocks(rpb.StatementRequest(
            customer_id=customer_id, period_from=_iso(period_from), period_to=_iso(period_to),
            bucket_edges_days=list(bucket_edges_days), page_size=10_000), known_at)
        chunks = self._pages("GetStatement", req)
        out = _message_data(chunks[0])
        out["lines"] = [_message_data(ln) for c in chunks for ln in c.lines]
        out.pop("next_page_token", None)
        return out

    def kpis(self, period_from: DateLike, period_to: DateLike | None = None,
             known_at: dt.datetime | None = None, *, customer_id: str = "", currency: str = "",
             cei_variant: str = "total", cei_months: int = 0,
             monthly: bool = False) -> list[dict[str, Any]]:
        """One row per currency (and per month with monthly=True); absent ratios are None."""
        variant = rpb.CEI_MONTHLY_AVERAGE if cei_variant == "monthly_average" else rpb.CEI_TOTAL
        req = self._clocks(rpb.KpiRequest(
            period_from=_iso(period_from), period_to=_iso(period_to), customer_id=customer_id,
            currency=currency, cei_variant=variant, cei_months=cei_months, monthly=monthly),
            known_at)
        rows = call_with_retries(lambda: list(self._stub.GetKpis(req, timeout=self.timeout_s)),
                                 self.retries)
        out = []
        for r in rows:
            d = _message_data(r)
            present = {f.name for f, _ in r.ListFields()}
            for f in r.DESCRIPTOR.fields:
                if f.has_presence and f.name not in present:
                    d[f.name] = None
            out.append(d)
        return out

    def exceptions(self, as_of: DateLike | None = None, known_at: dt.datetime | None = None,
                   *, kinds: Sequence[str] = (), past_due_days: int | None = None,
                   min_past_due_minor: int = 0, unapplied_days: int | None = None,
                   dispute_days: int | None = None,
                   changes_from: DateLike | None = None) -> list[dict[str, Any]]:
        """The weekly review's exception rows (kind, customer, item, amount, days, detail)."""
        req = rpb.ExceptionsRequest(as_of=_iso(as_of), kinds=list(kinds),
                                    min_past_due_minor=min_past_due_minor,
                                    changes_from=_iso(changes_from), page_size=10_000)
        for name, v in (("past_due_days", past_due_days), ("unapplied_days", unapplied_days),
                        ("dispute_days", dispute_days)):
            if v is not None:
                setattr(req, name, v)
        self._clocks(req, known_at)
        return [_message_data(r) for c in self._pages("GetExceptions", req) for r in c.rows]


__all__ = ["ReportsClient"]
