"""Scores: equal to the model's formula, deterministic for a model version, explained."""

import json

import numpy as np
import pytest

from arledger import synthetic
from arledger.domain.errors import LedgerError
from arledger.domain.risk_models import DEFAULT_MODEL, FEATURES, parse_model
from arledger.engine import open_ledger
from arledger.projections import risk


def formula(model: dict, X: np.ndarray) -> np.ndarray:
    """pd = 1 / (1 + exp(-(intercept + sum c (x - mean) / scale))) in float64."""
    z = np.full(X.shape[1], model["intercept"], dtype=np.float64)
    for f, m, s, c in zip(model["features"], model["mean"], model["scale"],
                          model["coefficients"]):
        z += c * (X[FEATURES.index(f)].astype(np.float64) - m) / s
    return 1.0 / (1.0 + np.exp(-z))


def other_model() -> dict:
    m = dict(DEFAULT_MODEL, version="other-v1")
    m["features"] = ["weighted_days_past_due", "reversals_365d", "account_age_years"]
    m.update(mean=[5.0, 0.1, 1.0], scale=[20.0, 0.5, 1.5], coefficients=[1.1, 0.4, -0.5],
             intercept=-2.5, loss_given_default=0.45)
    return m


def test_scores_follow_the_model_formula_on_random_features():
    rng = np.random.default_rng(4)
    X = np.abs(rng.normal(0, 3, size=(len(FEATURES), 10_000))).astype(np.float32)
    for data in (DEFAULT_MODEL, other_model()):
        model = risk.Model.from_json(json.dumps(data))
        got = risk.score(model, X)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, formula(data, X), rtol=2e-5, atol=1e-6)


def test_a_score_does_not_depend_on_chunking_and_a_version_gives_the_same_digest(make_ledger):
    led = make_ledger(synthetic.PortfolioSpec(customers=120, seed=21))
    S = led.state
    as_of = S.max_effective_day
    model = risk.model_of(S, "default-v1")
    pf = risk.features(S, as_of)
    whole = risk.score(model, pf.X, chunk=1 << 20)
    for chunk in (1, 7, 64, 1000):
        assert risk.score(model, pf.X, chunk=chunk).tobytes() == whole.tobytes()
    a, b = risk.rescore(S, model, as_of), risk.rescore(S, model, as_of)
    assert a.digest == b.digest and a.pd.tobytes() == b.pd.tobytes()
    other = risk.Model.from_json(json.dumps(other_model()))
    assert risk.rescore(S, other, as_of).digest != a.digest
    assert risk.rescore(S, model, as_of - 30).digest != a.digest


def test_scores_are_the_same_after_a_replay_in_a_new_process_state(tmp_path, make_ledger):
    spec = synthetic.PortfolioSpec(customers=80, seed=22)
    led = make_ledger(spec, name="one")
    as_of = led.state.max_effective_day
    before = risk.rescore(led.state, risk.model_of(led.state, "default-v1"), as_of)
    led.close()
    again = open_ledger(tmp_path / "one")
    try:
        after = risk.rescore(again.state, risk.model_of(again.state, "default-v1"), as_of)
    finally:
        again.close()
    assert after.digest == before.digest


def test_expected_loss_is_pd_times_exposure_times_lgd_and_explanations_add_up(make_ledger):
    led = make_ledger(synthetic.PortfolioSpec(customers=100, seed=23))
    S = led.state
    data = other_model()
    model = risk.Model.from_json(json.dumps(data))
    r = risk.rescore(S, model, S.max_effective_day)
    exp = r.portfolio.exposure[r.customers]
    want = np.floor(r.pd.astype(np.float64) * exp * 0.45 + 0.5)
    assert r.expected_loss.tolist() == want.astype(np.int64).tolist()
    # The contributions are the log-odds minus the intercept: they explain the whole score.
    c = risk.contributions(model, r.portfolio.X, r.customers)
    logit = np.log(r.pd.astype(np.float64) / (1 - r.pd.astype(np.float64)))
    ok = (r.pd > 1e-6) & (r.pd < 1 - 1e-6)
    np.testing.assert_allclose((c.sum(axis=1) + data["intercept"])[ok], logit[ok], atol=2e-3)
    tops = risk.top_features(model, r.portfolio.X, r.customers[:20], top=2)
    for k, t in enumerate(tops):
        assert [x.contribution for x in t] == sorted(c[k], reverse=True)[:2]


def test_the_worklist_ranks_by_expected_loss_within_each_currency(make_ledger):
    led = make_ledger(synthetic.PortfolioSpec(customers=150, seed=24))
    S = led.state
    model = risk.model_of(S, "default-v1")
    rows = risk.worklist(S, model, S.max_effective_day, limit=1000)
    assert rows and {r.currency for r in rows} == {"EUR", "USD", "GBP"}
    for cur in ("EUR", "USD", "GBP"):
        mine = [r for r in rows if r.currency == cur]
        assert [r.rank for r in mine] == list(range(1, len(mine) + 1))
        els = [r.expected_loss_minor for r in mine]
        assert els == sorted(els, reverse=True)
        assert all(r.why.startswith(f"expected loss {r.expected_loss_minor:,} = PD")
                   for r in mine)
    # Not the balance order: a smaller exposure with a higher PD can rank first.
    eur = [r for r in rows if r.currency == "EUR"]
    assert [r.exposure_minor for r in eur] != sorted((r.exposure_minor for r in eur),
                                                        reverse=True)
    only = risk.worklist(S, model, S.max_effective_day, currency="GBP",
                         disputes=risk.DISPUTES_WITHOUT, limit=1000)
    assert only and all(r.currency == "GBP" and r.open_disputes == 0 for r in only)
    assert [r.customer_id for r in only] == [r.customer_id for r in rows
                                               if r.currency == "GBP"
                                               and r.open_disputes == 0]


@pytest.mark.parametrize("change, reason", [
    (lambda m: m.update(features=m["features"] + ["shoe_size"]), "unknown features"),
    (lambda m: m.update(scale=[0.0] * len(m["features"])), "scale"),
    (lambda m: m.update(coefficients=m["coefficients"][:-1]), "coefficients"),
    (lambda m: m.update(loss_given_default=1.5), "loss_given_default"),
    (lambda m: m.update(kind="forest"), "kind"),
])
def test_a_malformed_model_is_refused_with_its_reason(change, reason):
    m = json.loads(json.dumps(DEFAULT_MODEL))
    change(m)
    with pytest.raises(LedgerError) as e:
        parse_model(json.dumps(m))
    assert e.value.reason == "INVALID_RISK_MODEL" and reason in e.value.message


def test_the_worklist_filters_by_dunning_level_and_promise_status(make_ledger):
    import random

    from test_risk_features import add_collections
    led = make_ledger(synthetic.PortfolioSpec(customers=150, seed=25))
    add_collections(led, random.Random(25))
    S = led.state
    model = risk.model_of(S, "default-v1")
    day = S.max_effective_day  # the second dunning run's day
    every = risk.worklist(S, model, day, limit=1000)
    for kw, keep in (({"dunning_min": 2}, lambda r: r.dunning_level >= 2),
                     ({"promises": risk.PROMISES_ACTIVE}, lambda r: r.active_promise),
                     ({"promises": risk.PROMISES_NONE_ACTIVE}, lambda r: not r.active_promise),
                     ({"promises": risk.PROMISES_BROKEN}, lambda r: r.broken_promises > 0)):
        got = risk.worklist(S, model, day, limit=1000, **kw)
        want = [r for r in every if keep(r)]
        assert got and [r.customer_id for r in got] == [r.customer_id for r in want], kw
