"""Allowance rates and exchange rates: versioned data in the log, no money moves.

`DefineAllowanceRates` adds a version of an allowance id (like payment terms), in force
from its effective date; `RecordFxRate` records a rate for a currency pair and day with
its source. Neither is decided against any balance: the reports read them (both clocks)."""

from __future__ import annotations

from arledger.domain import money
from arledger.domain import validate as V
from arledger.domain import valuation as VA
from arledger.domain.errors import error
from arledger.engine.decide.context import Ctx
from arledger.v1 import commands_pb2 as pb

ROUNDING = {pb.ALLOWANCE_ROUNDING_UNSPECIFIED: "PER_BUCKET", pb.PER_BUCKET: "PER_BUCKET",
            pb.TOTAL: "TOTAL"}


def define_allowance_rates(ctx: Ctx, m: pb.DefineAllowanceRatesRequest) -> None:
    V.person(m.actor, m.reason, "defining allowance rates")
    aid = V.ident(m.allowance_id, "allowance_id")
    if m.rounding not in ROUNDING:
        raise error("INVALID_ENUM", "rounding is PER_BUCKET or TOTAL")
    rates = VA.check_allowance(VA.AllowanceRates(
        tuple(m.bucket_edges_days) or VA.DEFAULT_EDGES, tuple(m.rates_bp),
        ROUNDING[m.rounding]))
    day = V.day(m.effective_date, "effective_date")
    pol = ctx.D.policies
    ctx.entry("AllowanceRatesDefined", day, allowance_ix=len(pol.allowances), allowance_id=aid,
              version=len(pol.allowance_versions.get(aid, ())) + 1, definition=rates.to_json())


def fx_currency(code: str, field: str) -> str:
    """A current ISO code, or one withdrawn since that accounts may still be in."""
    if code in money.WITHDRAWN:
        return code
    return V.currency(code, field)


def record_fx_rate(ctx: Ctx, m: pb.RecordFxRateRequest) -> None:
    if not m.actor.strip():
        raise error("ACTOR_REQUIRED", "recording an exchange rate needs an actor (who or "
                    "which feed)")
    base = fx_currency(m.base_currency, "base_currency")
    quote = fx_currency(m.quote_currency, "quote_currency")
    if base == quote:
        raise error("INVALID_FX_RATE", "a rate is between two different currencies")
    rate, _ = VA.parse_rate(m.rate)
    V.text(m.source, "source", required=True)
    day = V.day(m.rate_date, "rate_date")
    ctx.entry("FxRateRecorded", day, base_currency=base, quote_currency=quote, rate=rate,
              source=m.source)


HANDLERS = {"define_allowance_rates": define_allowance_rates, "record_fx_rate": record_fx_rate}
