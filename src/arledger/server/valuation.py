"""ValuationService: allowance rates and exchange rates (commands), the allowance by given
rates, and consolidated views in a reporting currency, over
projections/valuation.py.

The two commands go through the ledger like any other (permission per command, the actor
is the principal); the views are computed under the read lock, as of a day, as known at
a time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import grpc

from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.engine import Ledger
from arledger.engine.decide.valuation import ROUNDING, fx_currency
from arledger.projections import valuation as VP
from arledger.projections import views
from arledger.server import auth
from arledger.server.reports import kpi_row
from arledger.server.requests import (
    Clocks,
    aging_args,
    command_result,
    filters,
    guard,
    next_token,
    page,
)
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import reports_pb2 as rpb
from arledger.v1 import valuation_pb2 as vpb
from arledger.v1 import valuation_pb2_grpc as vgrpc

SERVICE = vpb.DESCRIPTOR.services_by_name["ValuationService"]
ERRORS_DOC = ("INVALID_ARGUMENT (INVALID_BUCKET_EDGES, INVALID_POLICY, INVALID_FX_RATE, "
              "INVALID_ENUM, UNKNOWN_CURRENCY, MALFORMED_ID, MALFORMED_DATE, MALFORMED_TEXT, "
              "MISSING_FIELD, INVALID_TIMESTAMP, INVALID_PERIOD, INVALID_PAGE_SIZE, "
              "INVALID_PAGE_TOKEN, ACTOR_REQUIRED, REASON_REQUIRED), NOT_FOUND "
              "(UNKNOWN_ALLOWANCE, CUSTOMER_NOT_FOUND), FAILED_PRECONDITION "
              "(FX_RATE_NOT_FOUND, READ_ONLY_FOLLOWER), ALREADY_EXISTS (REQUEST_ID_REUSED)")
_CEI = {0: "total", rpb.CEI_TOTAL: "total", rpb.CEI_MONTHLY_AVERAGE: "monthly_average"}


def _fx(r: VP.FxRecord) -> vpb.FxRate:
    ts = r.recorded_at_us
    out = vpb.FxRate(base_currency=r.base_currency, quote_currency=r.quote_currency,
                     rate=r.rate, rate_date=day_to_iso(r.rate_day), source=r.source,
                     position=r.position)
    out.recorded_at.seconds, out.recorded_at.nanos = ts // 1_000_000, (ts % 1_000_000) * 1000
    return out


def _conversion(cv: VP.Conversion) -> vpb.ConversionRate:
    out = vpb.ConversionRate(currency=cv.currency, inverted=cv.inverted)
    if cv.rate is not None:
        out.rate.CopyFrom(_fx(cv.rate))
    return out


def _exposure(msg: vpb.ExposureRow, r: VP.Exposure) -> None:
    if r.conversion is not None:
        msg.conversion.CopyFrom(_conversion(r.conversion))
    for f in dataclasses.fields(r):
        if f.name != "conversion":
            setattr(msg, f.name, getattr(r, f.name))


def _reporting(request) -> str:  # type: ignore[no-untyped-def]
    if not request.reporting_currency:
        raise error("MISSING_FIELD", "reporting_currency is required")
    return fx_currency(request.reporting_currency, "reporting_currency")


class ValuationServicer(vgrpc.ValuationServiceServicer):
    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self.clocks = Clocks(ledger, clock)

    def _submit(self, cmd: cpb.Command) -> lpb.CommandResult:
        auth.authorize_commands(auth.current(), (cmd,))  # permission per command, actor
        (o,) = self.ledger.submit([cmd])
        if o.status == "REJECTED":
            raise o.error
        return command_result(o)

    @guard
    def DefineAllowanceRates(self, request, context):  # type: ignore[no-untyped-def]
        return self._submit(cpb.Command(define_allowance_rates=request))

    @guard
    def RecordFxRate(self, request, context):  # type: ignore[no-untyped-def]
        return self._submit(cpb.Command(record_fx_rate=request))

    @guard
    def GetAllowance(self, request, context):  # type: ignore[no-untyped-def]
        aid = V.ident(request.allowance_id, "allowance_id")
        as_of = self.clocks.as_of(request.as_of)
        if request.rounding not in ROUNDING:
            raise error("INVALID_ENUM", "rounding is PER_BUCKET or TOTAL")
        rounding = ROUNDING[request.rounding] if request.rounding else ""
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks = views.known_seq_at(S, known_at)
            cust, cur = filters(S, request)
            a = VP.allowance(S, aid, as_of, ks, version=request.version, rounding=rounding,
                             currency=cur, customer=cust)
        out = vpb.Allowance(as_of=day_to_iso(as_of), position=a.position,
                            allowance_id=aid, version=a.version,
                            effective_date=day_to_iso(a.effective_day),
                            defined_position=a.defined_position, rounding=a.rounding,
                            bucket_labels=a.bucket_labels, rates_bp=a.rates_bp)
        for r in a.rows:
            out.rows.add(currency=r.currency, open_minor=r.open_minor,
                         allowance_minor=r.allowance_minor, total_open_minor=r.total_open_minor,
                         total_allowance_minor=r.total_allowance_minor,
                         exact_total_minor=r.exact_total_minor)
        return out

    @guard
    def ListFxRates(self, request, context):  # type: ignore[no-untyped-def]
        codes = tuple(fx_currency(c, f) for c, f in ((request.base_currency, "base_currency"),
                                                      (request.quote_currency, "quote_currency"))
                      if c)
        lo = V.day(request.from_date, "from_date") if request.from_date else None
        hi = V.day(request.to_date, "to_date") if request.to_date else None
        if lo is not None and hi is not None and hi < lo:
            raise error("INVALID_PERIOD", "to_date is before from_date")
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks, offset, size = page(request, S, None, known_at, default=limits.fx_page_size_default,
                                    maximum=limits.fx_page_size_max)
            idx = VP.fx_rates(S, ks, currencies=codes, from_day=lo, to_day=hi)
            rates = [VP.fx_record(S, int(k)) for k in idx[offset:offset + size].tolist()]
            out = vpb.ListFxRatesResponse(rates=[_fx(r) for r in rates],
                                          position=views.known_position(S, ks),
                                          next_page_token=next_token(request, None, ks, offset,
                                                                     size, len(idx)))
        return out

    @guard
    def GetConsolidatedAging(self, request, context):  # type: ignore[no-untyped-def]
        rep = _reporting(request)
        as_of = self.clocks.as_of(request.as_of)
        edges, by_issue, basis = aging_args(request)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks = views.known_seq_at(S, known_at)
            a = VP.consolidated_aging(S, rep, as_of, ks, edges, by_issue)
        out = vpb.ConsolidatedAging(
            reporting_currency=rep, as_of=day_to_iso(as_of), position=a.position,
            basis=basis, bucket_labels=a.bucket_labels, buckets_minor=a.buckets_minor,
            unapplied_minor=a.unapplied_minor, disputed_minor=a.disputed_minor,
            balance_minor=a.balance_minor)
        for r in a.rows:
            out.rows.add(currency=r.currency, conversion=_conversion(r.conversion),
                         buckets_minor=r.buckets_minor, unapplied_minor=r.unapplied_minor,
                         disputed_minor=r.disputed_minor, balance_minor=r.balance_minor,
                         reporting_buckets_minor=r.reporting_buckets_minor,
                         reporting_unapplied_minor=r.reporting_unapplied_minor,
                         reporting_disputed_minor=r.reporting_disputed_minor,
                         reporting_balance_minor=r.reporting_balance_minor)
        return out

    @guard
    def GetConsolidatedKpis(self, request, context):  # type: ignore[no-untyped-def]
        rep = _reporting(request)
        if not request.period_from:
            raise error("MISSING_FIELD", "period_from is required")
        to_day = self.clocks.as_of(request.period_to)
        from_day = V.day(request.period_from, "period_from")
        variant = _CEI.get(request.cei_variant)
        if variant is None:
            raise error("INVALID_ENUM", "cei_variant must be CEI_TOTAL or CEI_MONTHLY_AVERAGE")
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks = views.known_seq_at(S, known_at)
            k = VP.consolidated_kpis(S, rep, from_day, to_day, ks, variant, request.cei_months)
        out = vpb.ConsolidatedKpis(reporting_currency=rep, position=k.position,
                                   kpis=kpi_row(k.kpis, "period", k.position))
        for cv in k.conversions:
            out.conversions.append(_conversion(cv))
        return out

    @guard
    def GetConsolidatedExposure(self, request, context):  # type: ignore[no-untyped-def]
        rep = _reporting(request)
        as_of = self.clocks.as_of(request.as_of)
        known_at = self.clocks.known_at(request)
        with self.ledger.reading() as S:
            ks = views.known_seq_at(S, known_at)
            x = VP.consolidated_exposure(S, rep, as_of, ks)
        out = vpb.ConsolidatedExposure(reporting_currency=rep, as_of=day_to_iso(as_of),
                                       position=x.position)
        for r in x.rows:
            _exposure(out.rows.add(), r)
        _exposure(out.total, x.total)
        return out


def add_to_server(server: grpc.Server, ledger: Ledger, clock: Callable[[], int]) -> str:
    vgrpc.add_ValuationServiceServicer_to_server(ValuationServicer(ledger, clock), server)
    return SERVICE.full_name


__all__ = ["SERVICE", "ERRORS_DOC", "add_to_server", "ValuationServicer"]
