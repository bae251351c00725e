"""Valuation client (issue 18): allowance rates and exchange rates, the allowance by given
rates, and consolidated aging, KPIs and exposure in a reporting currency.

    from arledger_client.valuation import ValuationClient
    with ValuationClient("127.0.0.1:50051") as v:
        v.record_fx_rate("EUR", "USD", "1.0834", "2026-03-31", "ECB reference rate",
                         actor="treasury-feed")
        aging = v.consolidated_aging("USD", as_of="2026-03-31")
        allowance = v.allowance("STD", as_of="2026-03-31", rounding="TOTAL")

Views take `as_of` and `known_at` (a datetime: the view as it was known then). Results
are plain dicts (money as int minor units; ratios as float, absent when undefined); each
consolidated figure names the rate record it used (`conversion`). Calls are retried on
UNAVAILABLE / DEADLINE_EXCEEDED (commands with the same request id, so a retry is never
recorded twice); errors are the SDK's typed ArledgerError subclasses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import grpc

from arledger_client.connection import Connection
from arledger_client.credentials import Credentials
from arledger_client.models import (
    CommandResult,
    DateLike,
    _command_result,
    _iso,
    _message_data,
    _timestamp,
)
from arledger_client.retry import call_with_retries
from arledger_client.v1 import commands_pb2 as cpb
from arledger_client.v1 import ledger_pb2 as lpb
from arledger_client.v1 import reports_pb2 as rpb
from arledger_client.v1 import valuation_pb2 as vpb
from arledger_client.v1 import valuation_pb2_grpc as vgrpc

_ROUNDING: dict[str, cpb.AllowanceRounding.ValueType] = {
    "": cpb.ALLOWANCE_ROUNDING_UNSPECIFIED, "PER_BUCKET": cpb.PER_BUCKET, "TOTAL": cpb.TOTAL}
_CEI = {"total": rpb.CEI_TOTAL, "monthly_average": rpb.CEI_MONTHLY_AVERAGE}


class ValuationClient(Connection):
    """A connection to an arledger server's ValuationService (thread-safe)."""

    def __init__(self, target: str = "127.0.0.1:50051", *, channel: grpc.Channel | None = None,
                 timeout_s: float = 120.0, retries: int = 3,
                 credentials: Credentials | None = None) -> None:
        super().__init__(target, channel, timeout_s, credentials)
        self._stub = vgrpc.ValuationServiceStub(self._channel)
        self.retries = retries

    def _call(self, method: str, request: Any) -> Any:
        return call_with_retries(lambda: getattr(self._stub, method)(request,
                                                                     timeout=self.timeout_s),
                                 self.retries)

    @staticmethod
    def _clocks(req: Any, known_at: dt.datetime | None) -> Any:
        ts = _timestamp(known_at)
        if ts is not None:
            req.known_at.CopyFrom(ts)
        return req

    # ---- commands -----------------------------------------------------------------------

    def define_allowance_rates(self, allowance_id: str, rates_bp: Sequence[int],
                               effective_date: DateLike, *, actor: str, reason: str,
                               bucket_edges_days: Sequence[int] = (), rounding: str = "",
                               request_id: str | None = None) -> CommandResult:
        """A new version of allowance rates: one rate (bp) per bucket - current, up to each
        edge (default 30, 60, 90, 120), over the last; rounding PER_BUCKET or TOTAL."""
        return _command_result(self._call("DefineAllowanceRates", cpb.DefineAllowanceRatesRequest(
            request_id=request_id or uuid.uuid4().hex, actor=actor, reason=reason,
            allowance_id=allowance_id, bucket_edges_days=list(bucket_edges_days),
            rates_bp=list(rates_bp), rounding=_ROUNDING[rounding],
            effective_date=_iso(effective_date))))

    def record_fx_rate(self, base_currency: str, quote_currency: str, rate: str,
                       rate_date: DateLike, source: str, *, actor: str, reason: str = "",
                       request_id: str | None = None) -> CommandResult:
        """1 base_currency = rate quote_currency on rate_date (rate as exact decimal text)."""
        return _command_result(self._call("RecordFxRate", cpb.RecordFxRateRequest(
            request_id=request_id or uuid.uuid4().hex, actor=actor, reason=reason,
            base_currency=base_currency, quote_currency=quote_currency, rate=str(rate),
            rate_date=_iso(rate_date), source=source)))

    # ---- views --------------------------------------------------------------------------

    def allowance(self, allowance_id: str, as_of: DateLike | None = None,
                  known_at: dt.datetime | None = None, *, version: int = 0,
                  rounding: str = "", currency: str = "", customer_id: str = "") -> dict[str, Any]:
        """{"version", "effective_date", "rounding", "bucket_labels", "rates_bp", "rows":
        per currency {"open_minor", "allowance_minor", "total_allowance_minor", ...}}."""
        return _message_data(self._call("GetAllowance", self._clocks(vpb.GetAllowanceRequest(
            allowance_id=allowance_id, version=version, as_of=_iso(as_of),
            rounding=_ROUNDING[rounding], currency=currency, customer_id=customer_id),
            known_at)))

    def fx_rates(self, *, base_currency: str = "", quote_currency: str = "",
                 from_date: DateLike | None = None, to_date: DateLike | None = None,
                 known_at: dt.datetime | None = None) -> list[dict[str, Any]]:
        """Every rate record (newest rate date first) as known at `known_at`."""
        req = self._clocks(vpb.ListFxRatesRequest(
            base_currency=base_currency, quote_currency=quote_currency,
            from_date=_iso(from_date), to_date=_iso(to_date), page_size=10_000), known_at)
        out: list[dict[str, Any]] = []
        while True:
            page = self._call("ListFxRates", req)
            out += [_message_data(r) for r in page.rates]
            if not page.next_page_token:
                return out
            req.page_token = page.next_page_token

    def consolidated_aging(self, reporting_currency: str, as_of: DateLike | None = None,
                           known_at: dt.datetime | None = None, *, basis: str = "due",
                           bucket_edges_days: Sequence[int] = ()) -> dict[str, Any]:
        """Every currency's aging converted into the reporting currency, and their sums."""
        basis_ = lpb.INVOICE_DATE if basis.lower().startswith("invoice") else lpb.DUE_DATE
        return _message_data(self._call("GetConsolidatedAging", self._clocks(
            vpb.ConsolidatedAgingRequest(reporting_currency=reporting_currency,
                                         as_of=_iso(as_of), basis=basis_,
                                         bucket_edges_days=list(bucket_edges_days)),
            known_at)))

    def consolidated_kpis(self, reporting_currency: str, period_from: DateLike,
                          period_to: DateLike, known_at: dt.datetime | None = None, *,
                          cei_variant: str = "total", cei_months: int = 0) -> dict[str, Any]:
        """{"conversions": the closing rates used, "kpis": one KPI row in the reporting
        currency}."""
        return _message_data(self._call("GetConsolidatedKpis", self._clocks(
            vpb.ConsolidatedKpisRequest(reporting_currency=reporting_currency,
                                        period_from=_iso(period_from),
                                        period_to=_iso(period_to),
                                        cei_variant=_CEI[cei_variant], cei_months=cei_months),
            known_at)))

    def consolidated_exposure(self, reporting_currency: str, as_of: DateLike | None = None,
                              known_at: dt.datetime | None = None) -> dict[str, Any]:
        """Per currency and in all: receivables, unapplied, balance, exposure, past due,
        disputed, credit limits in force and the amount over them."""
        return _message_data(self._call("GetConsolidatedExposure", self._clocks(
            vpb.ConsolidatedExposureRequest(reporting_currency=reporting_currency,
                                            as_of=_iso(as_of)), known_at)))


__all__ = ["ValuationClient"]
