"""The allowance for doubtful accounts by given rates, exchange rates in the log,
and consolidated views in a reporting currency - worked examples on both stores, both
clocks, and a replay that rebuilds the same state.

Figures are worked by hand: 2 % of 12,345.50 EUR and so on; each conversion is the amount
in minor units x rate x 10^(reporting exponent - own exponent), rounded half up once.
"""

import pytest

from arledger.domain.errors import LedgerError
from arledger.projections import valuation as VP
from arledger.projections import views
from tests.unit.test_rules import accept, cmd, customer, day, invoice, payment, run

PERSON = dict(actor="ann", reason="quarter close")


def rates(rid, aid="STD", edges=(30, 60), bp=(100, 500, 1000, 5000), eff="2026-01-01",
          **more):
    return cmd("defineAllowanceRates", rid, allowanceId=aid, bucketEdgesDays=list(edges),
               ratesBp=list(bp), effectiveDate=eff, **PERSON, **more)


def fx(rid, base, quote, rate, on, source="ECB reference rate"):
    return cmd("recordFxRate", rid, baseCurrency=base, quoteCurrency=quote, rate=rate,
               rateDate=on, source=source, actor="treasury-feed")


def known_now(ledger):
    return ledger.state.head_recorded_at_us


def seq_at(S, us):
    return views.known_seq_at(S, us)


# ---- allowance by given rates ---------------------------------------------------------------

def test_allowance_per_bucket_and_total_rounding_differ_by_a_unit(ledger):
    accept(ledger, customer("c", "C"),
           invoice("i1", "I1", 1_234_550, "2026-03-01"),    # due 31 Mar: current on 20 Mar
           invoice("i2", "I2", 456_710, "2026-01-20"),      # due 19 Feb: 29 days past due
           rates("a"))
    with ledger.reading() as S:
        per = VP.allowance(S, "STD", day("2026-03-20"), S.head_seq)
        tot = VP.allowance(S, "STD", day("2026-03-20"), S.head_seq, rounding="TOTAL")
    (row,) = per.rows
    assert per.bucket_labels == ["current", "1-30", "31-60", "over 60"]
    assert row.open_minor == [1_234_550, 456_710, 0, 0]
    # 1 % of 12,345.50 = 123.455 -> 123.46; 5 % of 4,567.10 = 228.355 -> 228.36.
    assert row.allowance_minor == [12_346, 22_836, 0, 0]
    assert row.total_allowance_minor == 35_182 and per.rounding == "PER_BUCKET"
    # Exactly 351.81 in all: rounded once it is 351.81, a cent less than bucket by bucket.
    assert row.exact_total_minor == "35181.0000"
    assert tot.rows[0].total_allowance_minor == 35_181 and tot.rounding == "TOTAL"


def test_allowance_rounds_to_each_currencys_minor_unit(ledger):
    accept(ledger, customer("j", "J", currency="JPY"), customer("k", "K", currency="KWD"),
           invoice("j1", "J1", 50, "2026-03-01", cid="J"),
           invoice("j2", "J2", 50, "2026-01-20", cid="J"),
           invoice("k1", "K1", 12_345, "2026-03-01", cid="K"),
           rates("a", rounding="TOTAL"))
    with ledger.reading() as S:
        a = VP.allowance(S, "STD", day("2026-03-20"), S.head_seq)
        per = VP.allowance(S, "STD", day("2026-03-20"), S.head_seq, rounding="PER_BUCKET")
    jpy, kwd = a.rows
    # JPY has no minor unit: 1 % of 50 yen = 0.5 -> 1 yen, 5 % of 50 = 2.5 -> 3 yen; exactly
    # 3 yen in all (the version's TOTAL rounding), 4 yen bucket by bucket.
    assert (jpy.currency, jpy.allowance_minor[:2]) == ("JPY", [1, 3])
    assert jpy.total_allowance_minor == 3 and per.rows[0].total_allowance_minor == 4
    # KWD has three decimals: 1 % of 12.345 KWD = 0.12345 -> 0.123 KWD (123 fils).
    assert (kwd.currency, kwd.total_allowance_minor) == ("KWD", 123)


def test_the_rates_in_force_follow_both_clocks(ledger):
    accept(ledger, customer("oc", "C"), invoice("i", "I1", 100_000, "2026-01-05"), rates("a"))
    k1 = known_now(ledger)
    # v2 from 1 April (recorded now), then v3 back-dated to 1 March (recorded later still).
    accept(ledger, rates("b", bp=(200, 600, 1200, 6000), eff="2026-04-01"))
    k2 = known_now(ledger)
    accept(ledger, rates("v3", bp=(300, 700, 1400, 7000), eff="2026-03-01"))
    with ledger.reading() as S:
        def version(as_of, known):
            return VP.allowance(S, "STD", day(as_of), seq_at(S, known)).version
        now = known_now(ledger)
        assert version("2026-03-20", k1) == 1   # before v3 was recorded
        assert version("2026-03-20", now) == 3  # the back-dated version counts from 1 March
        assert version("2026-04-05", k1) == 1   # v2 unknown then
        assert version("2026-04-05", k2) == 2
        assert version("2026-04-05", now) == 2  # effective last on or before 5 April
        assert version("2026-02-01", now) == 1
        with pytest.raises(LedgerError) as e:
            VP.allowance(S, "STD", day("2025-12-31"), S.head_seq)
        assert e.value.reason == "UNKNOWN_ALLOWANCE"
        with pytest.raises(LedgerError) as e:
            VP.allowance(S, "STD", day("2026-03-20"), seq_at(S, k1), version=3)
        assert e.value.reason == "UNKNOWN_ALLOWANCE"
        pinned = VP.allowance(S, "STD", day("2026-04-05"), S.head_seq, version=1)
        assert pinned.version == 1 and pinned.rates_bp == [100, 500, 1000, 5000]


def test_invalid_allowance_rates_are_refused_with_their_reason(ledger):
    for reason, more in [("INVALID_POLICY", dict(bp=(100, 200))),
                         ("INVALID_POLICY", dict(bp=(100, 200, 300, 10_001))),
                         ("INVALID_BUCKET_EDGES", dict(edges=(60, 30))),
                         ("REASON_REQUIRED", dict(reason=" "))]:
        kw = {k: v for k, v in more.items() if k in ("bp", "edges")}
        c = rates("r-" + reason + str(len(more)), **kw)
        if "reason" in more:
            c.define_allowance_rates.reason = " "
        (o,) = run(ledger, c)
        assert o.status == "REJECTED" and o.error.reason == reason


# ---- exchange rates and consolidated views --------------------------------------------------

def portfolio(ledger):
    accept(ledger, customer("e", "E"), customer("u", "U", currency="USD"),
           customer("j", "J", currency="JPY"), customer("k", "K", currency="KWD"),
           invoice("e1", "E1", 1_234_550, "2026-03-01", cid="E"),    # current on 31 Mar
           invoice("e2", "E2", 456_710, "2026-01-20", cid="E"),      # 40 days past due
           payment("ep", "EP", 10_000, "2026-03-05", cid="E", strategy="LEAVE_UNAPPLIED"),
           invoice("u1", "U1", 100_000, "2026-03-01", cid="U"),
           invoice("j1", "J1", 1_000_000, "2026-03-01", cid="J"),
           invoice("k1", "K1", 12_345, "2026-03-01", cid="K"),
           fx("f1", "EUR", "USD", "1.0800", "2026-03-28"),
           fx("f2", "USD", "JPY", "151.25", "2026-03-31"),
           fx("f3", "KWD", "USD", "3.252", "2026-03-31"))


def test_a_consolidated_aging_names_its_rates_and_a_back_dated_rate_leaves_earlier_views(ledger):
    portfolio(ledger)
    k1 = known_now(ledger)
    with ledger.reading() as S:
        before = VP.consolidated_aging(S, "USD", day("2026-03-31"), seq_at(S, k1))
    eur, jpy, kwd, usd = before.rows
    assert eur.conversion.rate.rate == "1.08"
    assert eur.conversion.rate.rate_day == day("2026-03-28")
    # 12,345.50 EUR x 1.08 = 13,333.14; 4,567.10 x 1.08 = 4,932.468 -> 4,932.47; -100.00 -> -108.
    assert eur.reporting_buckets_minor == [1_333_314, 0, 493_247, 0, 0, 0]
    assert eur.reporting_unapplied_minor == -10_800
    # USD/JPY 151.25 is divided by: 1,000,000 yen = 6,611.570... USD -> 6,611.57.
    assert jpy.conversion.inverted and jpy.reporting_buckets_minor[0] == 661_157
    # 12.345 KWD x 3.252 = 40.14594 USD -> 40.15 (three decimals to two).
    assert kwd.reporting_buckets_minor[0] == 4_015
    assert usd.conversion.rate is None and usd.reporting_buckets_minor[0] == 100_000
    assert before.buckets_minor == [1_333_314 + 661_157 + 4_015 + 100_000, 0, 493_247, 0, 0, 0]
    assert before.balance_minor == sum(before.buckets_minor) + before.unapplied_minor
    # The rate for 31 March is recorded later (back-dated): the view known at k1 stays as it
    # was; the view known now uses the later rate and says so.
    accept(ledger, fx("f4", "EUR", "USD", "1.0834", "2026-03-31", source="ECB (late)"))
    with ledger.reading() as S:
        again = VP.consolidated_aging(S, "USD", day("2026-03-31"), seq_at(S, k1))
        now = VP.consolidated_aging(S, "USD", day("2026-03-31"), S.head_seq)
        mid = VP.conversion(S, "EUR", "USD", day("2026-03-30"), S.head_seq)
    assert again == before
    e = now.rows[0]
    assert (e.conversion.rate.rate, e.conversion.rate.source) == (
        "1.0834", "ECB (late)")
    assert e.reporting_buckets_minor[0] == 1_337_511             # 13,375.11 USD
    assert mid.rate.rate == "1.08"                            # as of 30 March: not yet


def test_a_currency_without_a_rate_is_named_rather_than_left_out(ledger):
    portfolio(ledger)
    accept(ledger, customer("g", "G", currency="GBP"), invoice("g1", "G1", 500, "2026-03-01",
                                                              cid="G"))
    with ledger.reading() as S:
        with pytest.raises(LedgerError) as e:
            VP.consolidated_aging(S, "USD", day("2026-03-31"), S.head_seq)
        assert e.value.reason == "FX_RATE_NOT_FOUND" and "GBP/USD" in e.value.message
        with pytest.raises(LedgerError) as e:                     # JPY's rate is dated 31 Mar
            VP.consolidated_aging(S, "USD", day("2026-03-30"), S.head_seq)
        assert "JPY/USD" in e.value.metadata["pairs"]


def test_rates_recorded_again_for_a_day_the_later_record_wins_from_then_on(ledger):
    portfolio(ledger)
    k1 = known_now(ledger)
    accept(ledger, fx("f5", "EUR", "USD", "1.0900", "2026-03-28", source="correction"))
    with ledger.reading() as S:
        assert VP.conversion(S, "EUR", "USD", day("2026-03-29"), seq_at(S, k1)).rate.rate == "1.08"
        assert VP.conversion(S, "EUR", "USD", day("2026-03-29"), S.head_seq).rate.rate == "1.09"
        listed = [(r.base_currency, r.rate) for r in
                  (VP.fx_record(S, int(k)) for k in VP.fx_rates(S, S.head_seq,
                                                                currencies=("EUR",)))]
        assert listed == [("EUR", "1.09"), ("EUR", "1.08")]


def test_consolidated_exposure_and_kpis_sum_the_converted_figures(ledger):
    portfolio(ledger)
    accept(ledger, cmd("changeCreditLimit", "cl", customerId="E", newLimitMinor=1_000_000,
                       effectiveDate="2026-02-01", **PERSON))
    with ledger.reading() as S:
        x = VP.consolidated_exposure(S, "USD", day("2026-03-31"), S.head_seq)
        k = VP.consolidated_kpis(S, "USD", day("2026-03-01"), day("2026-03-31"), S.head_seq)
    eur = x.rows[0]
    assert eur.balance_minor == 1_234_550 + 456_710 - 10_000
    assert eur.over_limit_minor == 1_681_260 - 1_000_000
    assert eur.reporting_over_limit_minor == 735_761     # 6,812.60 x 1.08 = 7,357.608
    assert eur.reporting_past_due_minor == 493_247
    t = x.total
    assert t.balance_minor == t.receivables_minor + t.unapplied_minor
    assert t.receivables_minor == 1_333_314 + 493_247 + 661_157 + 4_015 + 100_000
    kp = k.kpis
    # March: every invoice but E2 is a credit sale of the month; E2 was open at the start.
    assert kp.credit_sales_minor == 1_333_314 + 661_157 + 4_015 + 100_000
    assert kp.receivables_begin_minor == 493_247
    assert kp.receivables_end_minor == t.receivables_minor
    assert kp.dso_simple_days == pytest.approx(kp.receivables_end_minor * 31 /
                                             kp.credit_sales_minor)
    assert [c.currency for c in k.conversions] == ["EUR", "JPY", "KWD", "USD"]


def test_a_replay_rebuilds_allowance_versions_and_rates_bit_for_bit(location, clock):
    led = location.open(clock=clock)
    portfolio(led)
    accept(led, rates("a"), rates("b", eff="2026-04-01", bp=(0, 0, 0, 10_000)),
           fx("f4", "EUR", "USD", "1.0834", "2026-03-31"))
    with led.reading() as S:
        a = VP.allowance(S, "STD", day("2026-04-02"), S.head_seq)
        c = VP.consolidated_aging(S, "USD", day("2026-03-31"), S.head_seq)
    digest = led.state.digest()
    led.close()
    again = location.open(clock=clock)
    assert again.state.digest() == digest
    with again.reading() as S:
        assert VP.allowance(S, "STD", day("2026-04-02"), S.head_seq) == a
        assert VP.consolidated_aging(S, "USD", day("2026-03-31"), S.head_seq) == c


def test_each_definition_of_one_allowance_logs_its_own_version_in_one_session(ledger):
    # The writer numbers a definition from its own decision state: it must fold each
    # definition it wrote (it once did not, and logged version 1 twice until a restart).
    accept(ledger, rates("a"))
    accept(ledger, rates("b", eff="2026-04-01", bp=(0, 0, 0, 10_000)),
           rates("c", aid="ALT", eff="2026-04-01"))
    logged = [(e["fields"]["allowance_id"], e["fields"]["version"])
              for e in ledger.entries(1) if e["type"] == "AllowanceRatesDefined"]
    assert logged == [("STD", 1), ("STD", 2), ("ALT", 1)]
    with ledger.reading() as S:  # the writer's own state holds what the read state does
        assert ledger._D.policies.allowances == S.policies.allowances
        assert len(S.policies.allowances) == 3


def test_invalid_rates_are_refused(ledger):
    for reason, c in [("INVALID_FX_RATE", fx("x1", "EUR", "USD", "-1", "2026-01-01")),
                      ("INVALID_FX_RATE", fx("x2", "EUR", "USD", "1.2.3", "2026-01-01")),
                      ("INVALID_FX_RATE", fx("x3", "EUR", "EUR", "1", "2026-01-01")),
                      ("INVALID_FX_RATE", fx("x4", "EUR", "USD", "0", "2026-01-01")),
                      ("UNKNOWN_CURRENCY", fx("x5", "XAU", "USD", "2300", "2026-01-01")),
                      ("MISSING_FIELD", fx("x6", "EUR", "USD", "1.1", "2026-01-01", source=""))]:
        (o,) = run(ledger, c)
        assert (o.status, o.error.reason) == ("REJECTED", reason)
