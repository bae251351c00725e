"""Allowance for doubtful accounts by given rates, and exchange rates: pure rules.

- Allowance rates: a rate in basis points per aging bucket (configurable edges), applied
  to the open receivables of each bucket, per currency. Rounding is named: PER_BUCKET
  (each bucket's allowance rounded half up to the minor unit, then summed: the default)
  or TOTAL (the exact sum over the buckets, rounded half up once). Published examples use
  either and differ by a unit.
- Exchange rates: 1 base = rate quote, an exact decimal. Converting an amount rounds half
  up (away from zero for negative amounts, so converting -x gives -(converting x)) to the
  target currency's minor unit, once per converted figure.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from arledger.domain import limits
from arledger.domain.errors import error
from arledger.domain.policies import BP

ROUNDINGS = ("PER_BUCKET", "TOTAL")
DEFAULT_EDGES = (30, 60, 90, 120)  # as the aging's
RATE_DIGITS_MAX = 12  # digits before and after the decimal point of an exchange rate


def round_half_up(q: Fraction) -> int:
    """A rational rounded half up to an integer (half away from zero below zero)."""
    n, d = abs(q.numerator), q.denominator
    r = (2 * n + d) // (2 * d)
    return -r if q < 0 else r


@dataclass(frozen=True)
class AllowanceRates:
    """Rates per aging bucket: `rates_bp[0]` for current (not past due), then one per
    edge (days past due up to it), then one for over the last edge."""

    edges: tuple[int, ...]
    rates_bp: tuple[int, ...]
    rounding: str = "PER_BUCKET"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> AllowanceRates:
        d = json.loads(text)
        return AllowanceRates(tuple(d["edges"]), tuple(d["rates_bp"]), d["rounding"])

    def allowance(self, buckets_minor: list[int], rounding: str = "") -> tuple[list[int], int]:
        """(allowance per bucket, rounded half up each; total by the rounding) for one
        currency's bucket amounts."""
        rounding = rounding or self.rounding
        per = [round_half_up(Fraction(b * r, BP)) for b, r in zip(buckets_minor, self.rates_bp)]
        if rounding == "PER_BUCKET":
            return per, sum(per)
        return per, round_half_up(Fraction(sum(b * r for b, r in zip(buckets_minor,
                                                                       self.rates_bp)), BP))


def check_allowance(a: AllowanceRates) -> AllowanceRates:
    e = a.edges  # the aging's own rule for edges (projections/views.check_edges)
    if not e or len(e) > 32 or e[0] < 1 or any(y <= x for x, y in zip(e, e[1:])) or \
            e[-1] > limits.net_days_max:
        raise error("INVALID_BUCKET_EDGES", "bucket edges must be 1..32 strictly increasing "
                    "positive day counts")
    if len(a.rates_bp) != len(a.edges) + 2:
        raise error("INVALID_POLICY", f"give one rate per bucket: current, each edge and over "
                    f"the last ({len(a.edges) + 2}), not {len(a.rates_bp)}")
    if any(not 0 <= r <= BP for r in a.rates_bp):
        raise error("INVALID_POLICY", "a rate is 0..10000 bp (0..100 %)")
    if a.rounding not in ROUNDINGS:
        raise error("INVALID_ENUM", f"rounding is one of {', '.join(ROUNDINGS)}")
    return a


def parse_rate(text: str, field: str = "rate") -> tuple[str, Fraction]:
    """(canonical decimal text, exact value) of an exchange rate given as decimal text."""
    t = text.strip()
    whole, _, frac = t.partition(".")
    if not t or not whole.isdigit() or (frac and not frac.isdigit()) or t.endswith(".") or \
            len(whole) > RATE_DIGITS_MAX or len(frac) > RATE_DIGITS_MAX or not t.isascii():
        raise error("INVALID_FX_RATE", f"{field}: {text[:40]!r} is not a decimal like 1.0834 "
                    f"(at most {RATE_DIGITS_MAX} digits before and after the point)")
    try:
        d = Decimal(t)
    except InvalidOperation:  # pragma: no cover - the checks above exclude it
        raise error("INVALID_FX_RATE", f"{field}: not a decimal") from None
    if d <= 0:
        raise error("INVALID_FX_RATE", f"{field} must be > 0")
    canon = format(d.normalize(), "f")
    return canon, Fraction(d)


def convert(amount_minor: int, rate: Fraction, exp_from: int, exp_to: int) -> int:
    """An amount in minor units of one currency, in minor units of another at `rate`
    (target units per source unit), rounded half up once."""
    q = Fraction(amount_minor) * rate * Fraction(10) ** (exp_to - exp_from)
    out = round_half_up(q)
    if abs(out) > limits.amount_minor_max * 1000:  # a sum of many amounts may pass 10^15
        raise error("AMOUNT_TOO_LARGE", "a converted figure does not fit 64 bits")
    return out
