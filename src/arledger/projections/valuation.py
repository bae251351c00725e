"""Allowance for doubtful accounts by given rates, exchange rates, and consolidated views
in a reporting currency. Callers hold `Ledger.reading()`; results are dataclasses (days
as day numbers, money in minor units), which the server alone turns into messages.

Every function takes the two clocks of the reports: `as_of` (effective day) and
`known_seq` (the last segment recorded at or before `known_at`, `views.known_seq_at`).
A rate set or an exchange rate counts for a view when it was recorded by `known_seq` and
is effective (its rate date) on or before `as_of`, so a rate recorded later never changes
an earlier known-at view, and a back-dated one changes the views known after it.

The ledger's figures stay per currency; a consolidated figure is each currency's figure
converted once (half up, to the reporting currency's minor unit) at the rate the view
found for it, then summed, and every figure names the rate record it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from arledger.domain import money
from arledger.domain import valuation as VA
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.domain.policies import BP
from arledger.engine.state import State
from arledger.projections import reports as R
from arledger.projections import views

# ---- allowance by given rates ---------------------------------------------------------------


def allowance_version(S: State, allowance_id: str, version: int, as_of: int,
                      known_seq: int) -> tuple[int, int]:
    """(index among all allowance versions, version number) a view uses: `version` when
    given (recorded by `known_seq`), else the one in force - effective last on or before
    `as_of` (ties: recorded last) among those recorded by `known_seq`."""
    vs = S.policies.allowance_versions.get(allowance_id, [])
    known_pos = views.known_position(S, known_seq)
    rec = S.allowance_records
    known = [(n + 1, ix) for n, ix in enumerate(vs) if int(rec.pos[ix]) <= known_pos]
    if version:
        for n, ix in known:
            if n == version:
                return ix, n
        raise error("UNKNOWN_ALLOWANCE", f"allowance {allowance_id!r} has no version {version} "
                    "as known at that time")
    live = [(int(rec.day[ix]), int(rec.pos[ix]), ix, n) for n, ix in known
            if int(rec.day[ix]) <= as_of]
    if not live:
        raise error("UNKNOWN_ALLOWANCE", f"no allowance rates {allowance_id!r} in force on "
                    f"{day_to_iso(as_of)} as known at that time")
    _, _, ix, n = max(live)
    return ix, n


def _exact_text(q: Fraction) -> str:
    """A multiple of 1/10000 as decimal text with 4 places."""
    n = q.numerator * (BP // q.denominator)
    sign = "-" if n < 0 else ""
    whole, frac = divmod(abs(n), BP)
    return f"{sign}{whole}.{frac:04d}"


@dataclass(frozen=True)
class AllowanceRow:
    """One currency's allowance: per bucket the open amount and its allowance."""

    currency: str
    open_minor: list[int]
    allowance_minor: list[int]
    total_open_minor: int
    total_allowance_minor: int
    exact_total_minor: str              # the unrounded sum, decimal text with 4 places


@dataclass(frozen=True)
class Allowance:
    as_of: int                          # day number
    position: int                       # the known position of the view
    allowance_id: str
    version: int                        # the rates' version number (1-based)
    effective_day: int
    defined_position: int               # where that version was recorded
    rounding: str                       # one of domain/valuation.ROUNDINGS
    bucket_labels: list[str]
    rates_bp: list[int]
    rows: list[AllowanceRow]


def allowance(S: State, allowance_id: str, as_of: int, known_seq: int, *, version: int = 0,
              rounding: str = "", currency: int | None = None,
              customer: int | None = None) -> Allowance:
    """The allowance per currency: the aging (due-date basis, the rates' own edges) of the
    open receivables, each bucket's amount times its rate.

    The base is the buckets (open invoices and installments, disputed parts included); the
    unapplied column is not a receivable and gets no allowance. `rounding` ("" = the
    version's own): PER_BUCKET rounds each bucket's allowance half up and sums them; TOTAL
    rounds the exact sum once (per-bucket figures are shown rounded either way)."""
    if rounding and rounding not in VA.ROUNDINGS:
        raise error("INVALID_ENUM", f"rounding is one of {', '.join(VA.ROUNDINGS)}")
    ix, number = allowance_version(S, allowance_id, version, as_of, known_seq)
    rates = S.policies.allowances[ix]
    rounding = rounding or rates.rounding
    a = views.customer_aging(S, as_of, known_seq, rates.edges, False, customer=customer,
                             currency=currency)
    rows = []
    for t in views.currency_totals(S, a):
        buckets = t.buckets_minor
        per, total = rates.allowance(buckets, rounding)
        exact = Fraction(sum(b * r for b, r in zip(buckets, rates.rates_bp)), BP)
        rows.append(AllowanceRow(t.currency, buckets, per, sum(buckets), total,
                                 _exact_text(exact)))
    rec = S.allowance_records
    return Allowance(as_of, views.known_position(S, known_seq), allowance_id, number,
                     int(rec.day[ix]), int(rec.pos[ix]), rounding,
                     views.bucket_labels(rates.edges), list(rates.rates_bp), rows)


# ---- exchange rates -------------------------------------------------------------------------

@dataclass(frozen=True)
class FxRecord:
    """An exchange rate as recorded: 1 base = rate quote."""

    base_currency: str
    quote_currency: str
    rate: str                           # the exact decimal as given
    rate_day: int
    source: str
    position: int
    recorded_at_us: int


def fx_record(S: State, k: int) -> FxRecord:
    """Rate record k."""
    fr = S.fx_rates
    seq = int(fr.seq[k])
    return FxRecord(S.fx_codes[int(fr.base[k])], S.fx_codes[int(fr.quote[k])],
                    S.fx_rate_text[k], int(fr.day[k]), S.fx_sources[k], int(fr.pos[k]),
                    int(S.segments.recorded_at_us[seq - 1]))


def fx_rates(S: State, known_seq: int, *, currencies: tuple[str, ...] = (),
             from_day: int | None = None, to_day: int | None = None) -> np.ndarray:
    """Indexes of the rate records known at `known_seq` (rate dates in the range; naming
    the currency, or the pair either way round, when given), newest rate date first
    (then latest recorded first)."""
    fr = S.fx_rates
    m = fr.view("seq") <= known_seq
    day = fr.view("day")
    if from_day is not None:
        m &= day >= from_day
    if to_day is not None:
        m &= day <= to_day
    codes = [S.fx_codes.index(c) if c in S.fx_codes else -1 for c in currencies]
    base, quote = fr.view("base"), fr.view("quote")
    if len(codes) == 1:
        m &= (base == codes[0]) | (quote == codes[0])
    elif len(codes) == 2:
        m &= ((base == codes[0]) & (quote == codes[1])) | ((base == codes[1]) &
                                                          (quote == codes[0]))
    idx = np.flatnonzero(m)
    return idx[np.lexsort((-fr.view("pos")[idx], -day[idx].astype(np.int64)))]


@dataclass(frozen=True)
class Conversion:
    """How a currency becomes the reporting currency in a view."""

    currency: str
    factor: Fraction                    # reporting units per unit of `currency`
    inverted: bool                      # the rate is quoted reporting -> currency
    rate: FxRecord | None               # None: the reporting currency itself


def conversion(S: State, currency: str, reporting: str, as_of: int,
               known_seq: int) -> Conversion | None:
    """How `currency` becomes `reporting` in a view: the rate of the pair (either way
    round) with the latest rate date on or before `as_of`, recorded by `known_seq` (of
    several on that date, the one recorded last); None when there is none.
    `factor`: reporting units per unit of `currency`."""
    if currency == reporting:
        return Conversion(currency, Fraction(1), False, None)
    idx = fx_rates(S, known_seq, currencies=(currency, reporting), to_day=as_of)
    if not len(idx):
        return None
    k = int(idx[0])
    value = Fraction(Decimal(S.fx_rate_text[k]))
    inverted = S.fx_codes[int(S.fx_rates.base[k])] == reporting
    return Conversion(currency, 1 / value if inverted else value, inverted, fx_record(S, k))


def conversions(S: State, currencies: list[str], reporting: str, as_of: int,
                known_seq: int) -> dict[str, Conversion]:
    """`conversion` of each currency; FX_RATE_NOT_FOUND names every pair without a rate."""
    out, missing = {}, []
    for c in currencies:
        cv = conversion(S, c, reporting, as_of, known_seq)
        if cv is None:
            missing.append(f"{c}/{reporting}")
        else:
            out[c] = cv
    if missing:
        raise error("FX_RATE_NOT_FOUND", f"no rate on or before {day_to_iso(as_of)} as known "
                    f"at that time for {', '.join(missing)}", pairs=",".join(missing))
    return out


def convert(cv: Conversion, amount_minor: int, reporting: str) -> int:
    """An amount of cv's currency in the reporting currency, rounded half up once."""
    return VA.convert(int(amount_minor), cv.factor, money.exponent(cv.currency),
                      money.exponent(reporting))


# ---- consolidated views ---------------------------------------------------------------------

@dataclass(frozen=True)
class ConsolidatedAgingRow:
    """One currency's aging totals, as they are and converted bucket by bucket."""

    currency: str
    conversion: Conversion
    buckets_minor: list[int]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int
    reporting_buckets_minor: list[int]
    reporting_unapplied_minor: int
    reporting_disputed_minor: int
    reporting_balance_minor: int        # the converted buckets + the converted unapplied


@dataclass(frozen=True)
class ConsolidatedAging:
    """Every currency's row and their sums in the reporting currency."""

    reporting_currency: str
    as_of: int
    position: int
    bucket_labels: list[str]
    rows: list[ConsolidatedAgingRow]
    buckets_minor: list[int]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int


def consolidated_aging(S: State, reporting: str, as_of: int, known_seq: int,
                       edges: tuple[int, ...] = views.DEFAULT_EDGES_DAYS,
                       basis_invoice_date: bool = False) -> ConsolidatedAging:
    """Every currency's aging totals, converted bucket by bucket, and their sums. In each
    row and in the total, buckets + unapplied = balance (the balance is the sum of the
    converted parts, not a conversion of its own)."""
    totals = views.currency_totals(S, views.customer_aging(S, as_of, known_seq, edges,
                                                           basis_invoice_date))
    cvs = conversions(S, [t.currency for t in totals], reporting, as_of, known_seq)
    buckets = [0] * (len(edges) + 2)
    unapplied = disputed = 0
    rows = []
    for t in totals:
        cv = cvs[t.currency]
        rb = [convert(cv, b, reporting) for b in t.buckets_minor]
        ru = convert(cv, t.unapplied_minor, reporting)
        rd = convert(cv, t.disputed_minor, reporting)
        rows.append(ConsolidatedAgingRow(t.currency, cv, t.buckets_minor, t.unapplied_minor,
                                         t.disputed_minor, t.balance_minor, rb, ru, rd,
                                         sum(rb) + ru))
        buckets = [x + y for x, y in zip(buckets, rb)]
        unapplied += ru
        disputed += rd
    return ConsolidatedAging(reporting, as_of, views.known_position(S, known_seq),
                             views.bucket_labels(edges), rows, buckets, unapplied, disputed,
                             sum(buckets) + unapplied)


@dataclass(frozen=True)
class Exposure:
    """One currency's exposure figures (or, with no currency and no conversion, the
    consolidated total, whose own figures are the reporting currency's), as they are and
    converted."""

    currency: str
    conversion: Conversion | None
    customers: int
    receivables_minor: int              # open invoices, gross
    unapplied_minor: int                # negative
    balance_minor: int
    exposure_minor: int                 # the sum of positive balances
    past_due_minor: int
    disputed_minor: int
    credit_limit_minor: int             # limits in force as of the view
    over_limit_minor: int
    reporting_receivables_minor: int
    reporting_unapplied_minor: int
    reporting_balance_minor: int        # reporting receivables + reporting unapplied
    reporting_exposure_minor: int
    reporting_past_due_minor: int
    reporting_disputed_minor: int
    reporting_credit_limit_minor: int
    reporting_over_limit_minor: int


@dataclass(frozen=True)
class ConsolidatedExposure:
    reporting_currency: str
    as_of: int
    position: int
    rows: list[Exposure]
    total: Exposure


_EXPOSURE_FIELDS = ("receivables_minor", "unapplied_minor", "balance_minor", "exposure_minor",
                    "past_due_minor", "disputed_minor", "credit_limit_minor", "over_limit_minor")


def consolidated_exposure(S: State, reporting: str, as_of: int,
                          known_seq: int) -> ConsolidatedExposure:
    """Per currency, of the customers with anything open or unapplied: receivables (open
    invoices, gross), unapplied (negative), balance, exposure (the sum of positive
    balances), past due, disputed, the credit limits in force as of the view
    (views.limits_as_of) and how far balances exceed them; converted and summed."""
    a = views.customer_aging(S, as_of, known_seq)
    lim = views.limits_as_of(S, as_of, known_seq)[a.customers]
    recv = a.buckets.sum(axis=1)
    fig = {"receivables_minor": recv, "unapplied_minor": a.unapplied, "balance_minor": a.balance,
           "exposure_minor": np.maximum(a.balance, 0),
           "past_due_minor": a.buckets[:, 1:].sum(axis=1),
           "disputed_minor": a.disputed, "credit_limit_minor": np.where(lim > 0, lim, 0),
           "over_limit_minor": np.where(lim > 0, np.maximum(a.balance - lim, 0), 0)}
    cur = a.currency.astype(np.int64)
    codes = sorted({S.currencies[c] for c in np.unique(cur).tolist()})
    cvs = conversions(S, codes, reporting, as_of, known_seq)
    total = dict.fromkeys(_EXPOSURE_FIELDS + tuple("reporting_" + f for f in _EXPOSURE_FIELDS),
                          0)
    customers = 0
    rows = []
    for code in codes:
        m = cur == S.currencies.index(code)
        row = {f: int(fig[f][m].sum()) for f in _EXPOSURE_FIELDS}
        row.update({"reporting_" + f: convert(cvs[code], row[f], reporting)
                    for f in _EXPOSURE_FIELDS})
        # balance = receivables + unapplied in the reporting currency too
        row["reporting_balance_minor"] = (row["reporting_receivables_minor"] +
                                          row["reporting_unapplied_minor"])
        rows.append(Exposure(currency=code, conversion=cvs[code], customers=int(m.sum()),
                             **row))
        customers += int(m.sum())
        for f in _EXPOSURE_FIELDS:
            total["reporting_" + f] += row["reporting_" + f]
    for f in _EXPOSURE_FIELDS:  # the consolidated row is in the reporting currency
        total[f] = total["reporting_" + f]
    return ConsolidatedExposure(reporting, as_of, views.known_position(S, known_seq), rows,
                                Exposure(currency="", conversion=None, customers=customers,
                                         **total))


@dataclass(frozen=True)
class ConsolidatedKpis:
    reporting_currency: str
    position: int
    conversions: list[Conversion]       # every currency's, by code
    kpis: R.Kpis                        # in the reporting currency


def consolidated_kpis(S: State, reporting: str, from_day: int, to_day: int, known_seq: int,
                      cei_variant: str = "total", cei_months: int = 0) -> ConsolidatedKpis:
    """The KPIs of a period over every currency: each currency's money figures (balances
    and the period's flows alike) converted at its closing rate - the rate as of the
    period's last day - and summed; the ratios computed from those sums as GetKpis
    defines them; counts summed; averages weighted by their counts."""
    rows = R.kpis(S, from_day, to_day, known_seq, None, cei_variant, cei_months)
    cvs = conversions(S, [r.currency for r in rows], reporting, to_day, known_seq)
    days = to_day - from_day + 1

    def money_(f: str) -> int:
        return sum(convert(cvs[r.currency], getattr(r, f), reporting) for r in rows)

    def count(f: str) -> int:
        return sum(int(getattr(r, f)) for r in rows)

    def weighted(avg: str, n: str) -> float | None:
        return R.ratio(sum((getattr(r, avg) or 0.0) * getattr(r, n) for r in rows), count(n))
    ar_begin, ar, cur, over90, s = (money_(f) for f in (
        "receivables_begin_minor", "receivables_end_minor", "current_end_minor",
        "over_90_end_minor", "credit_sales_minor"))
    n_avg = R.cei_average_months(from_day, to_day, cei_months)
    by_month, avg_sales = _converted_sales(S, from_day, to_day, known_seq, reporting, cvs,
                                           n_avg)
    cei_sales = s if cei_variant == "total" else avg_sales / n_avg
    num, den = ar_begin + cei_sales - ar, ar_begin + cei_sales - cur
    dso, best = R.ratio(ar * days, s), R.ratio(cur * days, s)
    kept = sum(round((r.promises_kept_pct or 0.0) * r.promises_judged / 100) for r in rows)
    k = R.Kpis(
        currency=reporting, from_day=from_day, to_day=to_day, period_days=days,
        receivables_begin_minor=ar_begin, receivables_end_minor=ar, current_end_minor=cur,
        over_90_end_minor=over90, credit_sales_minor=s, dso_simple_days=dso,
        dso_countback_days=R.countback_dso(ar, by_month), best_possible_dso_days=best,
        add_days=None if dso is None or best is None else dso - best,
        cei_pct=None if den == 0 else num / den * 100, cei_variant=cei_variant,
        cei_months=n_avg if cei_variant == "monthly_average" else 0,
        current_pct=R.ratio(cur * 100, ar), over_90_pct=R.ratio(over90 * 100, ar),
        disputes_opened=count("disputes_opened"), disputes_resolved=count("disputes_resolved"),
        disputes_resolve_avg_days=weighted("disputes_resolve_avg_days", "disputes_resolved"),
        disputes_open_end=count("disputes_open_end"),
        disputes_open_age_avg_days=weighted("disputes_open_age_avg_days", "disputes_open_end"),
        write_offs_minor=money_("write_offs_minor"), write_off_count=count("write_off_count"),
        promises_kept_pct=R.ratio(kept * 100, count("promises_judged")),
        promises_judged=count("promises_judged"), recoveries_minor=money_("recoveries_minor"))
    return ConsolidatedKpis(reporting, views.known_position(S, known_seq),
                            [cvs[c] for c in sorted(cvs)], k)


def _converted_sales(S: State, from_day: int, to_day: int, known_seq: int, reporting: str,
                     cvs: dict[str, Conversion], n_avg: int
                     ) -> tuple[list[tuple[int, int]], float]:
    """Credit sales in the reporting currency: ([(sales, days) per month newest first] for
    countback DSO, the sales of the monthly-average CEI's months). A currency with sales
    and nothing else in the period gets its conversion added to `cvs`."""
    sday, scur, samt = R._sales_rows(S, to_day, known_seq, None)
    month_days = R.countback_month_days(to_day)
    back_month = int(R._month(to_day)) - R._month(sday)
    avg_from = R.cei_average_from(to_day, n_avg)
    back = [0] * len(month_days)
    avg_sales = 0
    for c in np.unique(scur).tolist():
        code = S.currencies[c]
        if code not in cvs:  # sales of a currency with nothing else in the period
            cvs.update(conversions(S, [code], reporting, to_day, known_seq))
        mc = scur == c
        off = back_month[mc]
        per = np.zeros(len(month_days), dtype=np.int64)
        ok = off < len(month_days)
        np.add.at(per, off[ok], samt[mc][ok])
        back = [b + convert(cvs[code], int(x), reporting) for b, x in zip(back, per.tolist())]
        avg_sales += convert(cvs[code], int(samt[mc][sday[mc] >= avg_from].sum()), reporting)
    return list(zip(back, month_days)), avg_sales
