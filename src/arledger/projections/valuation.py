"""Allowance for doubtful accounts by given rates, exchange rates, and consolidated views
in a reporting currency (issue 18). Callers hold `Ledger.reading()`.

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


def allowance(S: State, allowance_id: str, as_of: int, known_seq: int, *, version: int = 0,
              rounding: str = "", currency: int | None = None,
              customer: int | None = None) -> dict:
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
        rows.append({"currency": t.currency, "open_minor": buckets, "allowance_minor": per,
                     "total_open_minor": sum(buckets), "total_allowance_minor": total,
                     "exact_total_minor": _exact_text(exact)})
    rec = S.allowance_records
    return {"as_of": as_of, "position": views.known_position(S, known_seq),
            "allowance_id": allowance_id, "version": number,
            "effective_day": int(rec.day[ix]), "defined_position": int(rec.pos[ix]),
            "rounding": rounding, "bucket_labels": views.bucket_labels(rates.edges),
            "rates_bp": list(rates.rates_bp), "rows": rows}


# ---- exchange rates -------------------------------------------------------------------------

def fx_record(S: State, k: int) -> dict:
    """Rate record k as the API shows it."""
    fr = S.fx_rates
    seq = int(fr.seq[k])
    return {"base_currency": S.fx_codes[int(fr.base[k])],
            "quote_currency": S.fx_codes[int(fr.quote[k])], "rate": S.fx_rate_text[k],
            "rate_day": int(fr.day[k]), "source": S.fx_sources[k], "position": int(fr.pos[k]),
            "recorded_at_us": int(S.segments.recorded_at_us[seq - 1])}


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


def conversion(S: State, currency: str, reporting: str, as_of: int,
               known_seq: int) -> dict | None:
    """How `currency` becomes `reporting` in a view: the rate of the pair (either way
    round) with the latest rate date on or before `as_of`, recorded by `known_seq` (of
    several on that date, the one recorded last); None when there is none.
    `factor`: reporting units per unit of `currency`."""
    if currency == reporting:
        return {"currency": currency, "factor": Fraction(1), "inverted": False, "rate": None}
    idx = fx_rates(S, known_seq, currencies=(currency, reporting), to_day=as_of)
    if not len(idx):
        return None
    k = int(idx[0])
    value = Fraction(Decimal(S.fx_rate_text[k]))
    inverted = S.fx_codes[int(S.fx_rates.base[k])] == reporting
    return {"currency": currency, "factor": 1 / value if inverted else value,
            "inverted": inverted, "rate": fx_record(S, k)}


def conversions(S: State, currencies: list[str], reporting: str, as_of: int,
                known_seq: int) -> dict[str, dict]:
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


def convert(cv: dict, amount_minor: int, reporting: str) -> int:
    return VA.convert(int(amount_minor), cv["factor"], money.exponent(cv["currency"]),
                      money.exponent(reporting))


# ---- consolidated views ---------------------------------------------------------------------

def consolidated_aging(S: State, reporting: str, as_of: int, known_seq: int,
                       edges: tuple[int, ...] = views.DEFAULT_EDGES_DAYS,
                       basis_invoice_date: bool = False) -> dict:
    """Every currency's aging totals, converted bucket by bucket, and their sums. In each
    row and in the total, buckets + unapplied = balance (the balance is the sum of the
    converted parts, not a conversion of its own)."""
    totals = views.currency_totals(S, views.customer_aging(S, as_of, known_seq, edges,
                                                           basis_invoice_date))
    cvs = conversions(S, [t.currency for t in totals], reporting, as_of, known_seq)
    nb = len(edges) + 2
    tot = {"buckets_minor": [0] * nb, "unapplied_minor": 0, "disputed_minor": 0,
           "balance_minor": 0}
    rows = []
    for t in totals:
        cv = cvs[t.currency]
        rb = [convert(cv, b, reporting) for b in t.buckets_minor]
        ru = convert(cv, t.unapplied_minor, reporting)
        rd = convert(cv, t.disputed_minor, reporting)
        rows.append({"currency": t.currency, "conversion": cv,
                     "buckets_minor": t.buckets_minor, "unapplied_minor": t.unapplied_minor,
                     "disputed_minor": t.disputed_minor, "balance_minor": t.balance_minor,
                     "reporting_buckets_minor": rb, "reporting_unapplied_minor": ru,
                     "reporting_disputed_minor": rd, "reporting_balance_minor": sum(rb) + ru})
        tot["buckets_minor"] = [x + y for x, y in zip(tot["buckets_minor"], rb)]
        tot["unapplied_minor"] += ru
        tot["disputed_minor"] += rd
    tot["balance_minor"] = sum(tot["buckets_minor"]) + tot["unapplied_minor"]
    return {"reporting_currency": reporting, "as_of": as_of,
            "position": views.known_position(S, known_seq),
            "bucket_labels": views.bucket_labels(edges), "rows": rows, **tot}


_EXPOSURE_FIELDS = ("receivables_minor", "unapplied_minor", "balance_minor", "exposure_minor",
                    "past_due_minor", "disputed_minor", "credit_limit_minor", "over_limit_minor")


def consolidated_exposure(S: State, reporting: str, as_of: int, known_seq: int) -> dict:
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
    total = {"currency": "", "conversion": None, "customers": 0,
             **{f: 0 for f in _EXPOSURE_FIELDS}, **{"reporting_" + f: 0 for f in _EXPOSURE_FIELDS}}
    rows = []
    for code in codes:
        m = cur == S.currencies.index(code)
        row = {"currency": code, "conversion": cvs[code], "customers": int(m.sum())}
        for f in _EXPOSURE_FIELDS:
            row[f] = int(fig[f][m].sum())
            row["reporting_" + f] = convert(cvs[code], row[f], reporting)
        # balance = receivables + unapplied in the reporting currency too
        row["reporting_balance_minor"] = (row["reporting_receivables_minor"] +
                                          row["reporting_unapplied_minor"])
        rows.append(row)
        total["customers"] += row["customers"]
        for f in _EXPOSURE_FIELDS:
            total["reporting_" + f] += row["reporting_" + f]
    for f in _EXPOSURE_FIELDS:  # the consolidated row is in the reporting currency
        total[f] = total["reporting_" + f]
    return {"reporting_currency": reporting, "as_of": as_of,
            "position": views.known_position(S, known_seq), "rows": rows, "total": total}


_KPI_MONEY = ("receivables_begin_minor", "receivables_end_minor", "current_end_minor",
              "over_90_end_minor", "credit_sales_minor", "write_offs_minor", "recoveries_minor")
_KPI_COUNTS = ("disputes_opened", "disputes_resolved", "disputes_open_end", "write_off_count",
               "promises_judged")


def consolidated_kpis(S: State, reporting: str, from_day: int, to_day: int, known_seq: int,
                      cei_variant: str = "total", cei_months: int = 0) -> dict:
    """The KPIs of a period over every currency: each currency's money figures (balances
    and the period's flows alike) converted at its closing rate - the rate as of the
    period's last day - and summed; the ratios computed from those sums as GetKpis
    defines them; counts summed; averages weighted by their counts."""
    rows = R.kpis(S, from_day, to_day, known_seq, None, cei_variant, cei_months)
    cvs = conversions(S, [r["currency"] for r in rows], reporting, to_day, known_seq)
    days = to_day - from_day + 1
    out: dict = {"currency": reporting, "from_day": from_day, "to_day": to_day,
                 "days_in_period": days, "cei_variant": cei_variant}
    for f in _KPI_MONEY:
        out[f] = sum(convert(cvs[r["currency"]], r[f], reporting) for r in rows)
    for f in _KPI_COUNTS:
        out[f] = sum(int(r[f]) for r in rows)

    def ratio(a: float, b: float) -> float | None:
        return a / b if b else None

    def weighted(avg: str, count: str) -> float | None:
        return ratio(sum((r[avg] or 0.0) * r[count] for r in rows), out[count])
    out["disputes_avg_days_to_resolve"] = weighted("disputes_avg_days_to_resolve",
                                                   "disputes_resolved")
    out["disputes_open_avg_age_days"] = weighted("disputes_open_avg_age_days",
                                                 "disputes_open_end")
    kept = sum(round((r["promises_kept_rate"] or 0.0) * r["promises_judged"] / 100)
               for r in rows)
    out["promises_kept_rate"] = ratio(kept * 100, out["promises_judged"])
    ar, cur, s = (out["receivables_end_minor"], out["current_end_minor"],
                  out["credit_sales_minor"])
    dso, best = ratio(ar * days, s), ratio(cur * days, s)
    out.update(dso_simple=dso, best_possible_dso=best,
               add=None if dso is None or best is None else dso - best,
               pct_current=ratio(cur * 100, ar),
               pct_over_90=ratio(out["over_90_end_minor"] * 100, ar))
    # Sales by month (countback) and over the CEI average's months, converted per currency.
    sday, scur, samt = R._sales_rows(S, to_day, known_seq, None)
    m_to = int(R._month(to_day))
    smonth = R._month(sday)
    back_days = [to_day - R._month_start(m_to) + 1] + [
        R._month_start(mo + 1) - R._month_start(mo)
        for mo in range(m_to - 1, m_to - R.COUNTBACK_MONTHS, -1) if R._month_start(mo) >= 0]
    n_avg = (cei_months or (m_to - int(R._month(from_day)) + 1))
    avg_from = max(R._month_start(m_to - n_avg + 1), 0)
    back = [0] * len(back_days)
    avg_sales = 0
    for c in np.unique(scur).tolist():
        code = S.currencies[c]
        if code not in cvs:  # sales of a currency with nothing else in the period
            cvs.update(conversions(S, [code], reporting, to_day, known_seq))
        mc = scur == c
        off = m_to - smonth[mc]
        per = np.zeros(len(back_days), dtype=np.int64)
        ok = off < len(back_days)
        np.add.at(per, off[ok], samt[mc][ok])
        back = [b + convert(cvs[code], int(x), reporting) for b, x in zip(back, per.tolist())]
        avg_sales += convert(cvs[code], int(samt[mc][sday[mc] >= avg_from].sum()), reporting)
    out["dso_countback"] = R.countback_dso(ar, list(zip(back, back_days)))
    cei_sales = s if cei_variant == "total" else avg_sales / n_avg
    num = out["receivables_begin_minor"] + cei_sales - ar
    den = out["receivables_begin_minor"] + cei_sales - cur
    out["cei"] = None if den == 0 else num / den * 100
    out["cei_months"] = n_avg if cei_variant == "monthly_average" else 0
    return {"reporting_currency": reporting, "position": views.known_position(S, known_seq),
            "conversions": [cvs[c] for c in sorted(cvs)], "kpis": out}
