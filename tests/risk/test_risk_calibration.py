"""Calibration: IRLS recovers known coefficients; AUC and the calibration table are right;
a model fitted on a ledger's history discriminates on held-out customers."""

import itertools

import numpy as np
import pytest

from arledger import synthetic
from arledger.domain.errors import LedgerError
from arledger.projections import risk


def test_irls_recovers_the_coefficients_the_data_was_generated_from():
    rng = np.random.default_rng(2026)
    n = 40_000
    true = np.array([-2.0, 0.8, -0.5, 1.2, 0.0])  # intercept, then four coefficients
    X = rng.normal(size=(n, 4))
    X[:, 1] = 0.6 * X[:, 0] + 0.8 * X[:, 1]      # correlated features, as in real ledgers
    p = 1 / (1 + np.exp(-(true[0] + X @ true[1:])))
    y = rng.random(n) < p
    beta, cov = risk.fit_logistic(X, y)
    se = np.sqrt(np.diag(cov))
    assert np.all(np.abs(beta - true) < 4 * se), (beta, se)
    assert np.all(se < 0.05)  # enough data that "within 4 SE" is a tight statement
    # With other coefficients the fit follows them (it is not a constant answer).
    y2 = rng.random(n) < 1 / (1 + np.exp(-(-1.0 + X @ np.array([-0.7, 0.3, 0.0, 0.9]))))
    beta2, _ = risk.fit_logistic(X, y2)
    assert np.all(np.abs(beta2 - [-1.0, -0.7, 0.3, 0.0, 0.9]) < 0.1)


def test_irls_stays_finite_when_a_feature_separates_the_outcomes():
    x = np.r_[np.zeros(500), np.ones(500)][:, None]
    y = x[:, 0] > 0.5
    beta, cov = risk.fit_logistic(x, y)
    assert np.all(np.isfinite(beta)) and beta[1] > 2


def test_auc_equals_the_share_of_correctly_ordered_pairs():
    rng = np.random.default_rng(3)
    for _ in range(5):
        s = rng.integers(0, 8, size=60).astype(float)  # many ties
        y = rng.random(60) < 0.4
        pairs = [(a, b) for a, b in itertools.product(s[y], s[~y])]
        want = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs) / len(pairs)
        assert risk.auc(s, y) == pytest.approx(want)


def test_the_calibration_table_has_deciles_of_predictions_with_their_observed_rate():
    pd = np.linspace(0.01, 0.5, 100)
    y = np.arange(100) % 4 == 0
    rows = risk.calibration_table(pd, y.astype(float))
    assert len(rows) == 10 and sum(r.count for r in rows) == 100
    assert rows[0].mean_pd == pytest.approx(pd[:10].mean())
    assert rows[3].observed_rate == pytest.approx(y[30:40].mean())


def test_a_model_fitted_on_the_ledger_history_discriminates_on_held_out_customers(make_ledger):
    led = make_ledger(synthetic.PortfolioSpec(customers=500, seed=31, days=420))
    S = led.state
    fit = risk.calibrate(S, S.max_effective_day, horizon=90, step=30, history=270,
                         version="fit-1")
    rep = fit.report
    assert rep.defaults_train > 10 and rep.samples_holdout > 100
    assert rep.auc_holdout > 0.7
    # The held-out customers are none of the training ones (split by customer).
    model = risk.Model.from_json(__import__("json").dumps(fit.model), "fit-1")
    assert model.features and len(model.coef) == len(model.features)
    byc = {c.feature: c.coefficient for c in rep.coefficients}
    assert byc["share_past_due"] > 0 or byc["weighted_days_past_due"] > 0


def test_calibration_without_history_is_refused(make_ledger):
    led = make_ledger(synthetic.PortfolioSpec(customers=5, seed=1, days=30))
    with pytest.raises(LedgerError) as e:
        risk.calibrate(led.state, led.state.max_effective_day)
    assert e.value.reason == "NOT_ENOUGH_HISTORY"
    with pytest.raises(LedgerError) as e:
        risk.calibrate(led.state, led.state.max_effective_day, holdout=1.0)
    assert e.value.reason == "INVALID_RISK_PARAMETER"


def test_held_out_customers_are_a_fixed_share_and_the_same_every_time():
    c = np.arange(100_000)
    h = risk.held_out(c, 0.3)
    assert abs(h.mean() - 0.3) < 0.01
    assert np.array_equal(h, risk.held_out(c, 0.3))
