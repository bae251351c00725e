"""The vectorised features equal a slow per-customer reference on random portfolios."""

import random
from collections import defaultdict

import numpy as np
import pytest

from arledger import synthetic
from arledger.domain import entries as E
from arledger.domain.risk_models import FEATURES
from arledger.engine.state import J_CASH, J_CREDIT, J_DISPUTED, J_INVOICE
from arledger.projections import risk

ISSUED, VOIDED = E.BY_NAME["InvoiceIssued"].code, E.BY_NAME["InvoiceVoided"].code
WRITTEN_OFF, REVERSED = E.BY_NAME["InvoiceWrittenOff"].code, E.BY_NAME["PaymentReversed"].code


def reference(S, as_of: int) -> tuple[dict[int, dict[str, float]], dict[int, int]]:
    """Features and exposure of every customer, one customer and one invoice at a time,
    straight from the definitions in docs/risk.md."""
    j = S.journal
    inv_rows = defaultdict(list)   # invoice -> [(day, position, delta, entry type)]
    disputed = defaultdict(int)
    held = defaultdict(int)        # customer -> unapplied cash + credit
    events = defaultdict(list)     # customer -> [(day, kind, entry type)]
    for r in range(j.n):
        day = int(j.day[r])
        if day > as_of:
            continue
        kind, item, delta = int(j.kind[r]), int(j.item[r]), int(j.delta[r])
        cust, etype = int(j.customer[r]), int(j.etype[r])
        if kind == J_INVOICE:
            inv_rows[item].append((day, int(j.pos[r]), delta, etype))
        elif kind == J_DISPUTED:
            disputed[item] += delta
        elif kind in (J_CASH, J_CREDIT):
            held[cust] += delta
        events[cust].append((day, kind, etype))
    out, exposure = {}, {}
    for c in range(S.customers.n):
        open_total = overdue = weighted = disp_total = 0
        n_disputes = 0
        invoice_open = 0
        settled = []  # (settlement day, invoice, lateness)
        for i in S.customer_invoices[c]:
            rows = sorted(inv_rows.get(i, []))
            if not rows:
                continue
            open_ = sum(d for _, _, d, _ in rows)
            invoice_open += open_
            due = int(S.invoices.due_day[i])
            if open_ > 0:
                open_total += open_
                if due < as_of:
                    overdue += open_
                weighted += open_ * max(as_of - due, 0)
                dsp = min(max(disputed.get(i, 0), 0), open_)
                disp_total += dsp
                n_disputes += dsp > 0
            types = {t for _, _, _, t in rows}
            if ISSUED in types and VOIDED not in types and WRITTEN_OFF not in types and open_ == 0:
                running, day_zero = 0, None
                for day, _, delta, _ in rows:
                    before, running = running, running + delta
                    if running == 0 and before != 0:
                        day_zero = day  # the last time it was settled is what counts
                settled.append((day_zero, i, day_zero - due))
        settled.sort()
        last = [late for _, _, late in settled[-risk.LAST_SETTLED_N:]]
        h = len(last) // 2
        trend = (np.mean(last[len(last) - h:]) - np.mean(last[:h])) if h else 0.0
        balance = invoice_open - held[c]
        limit = int(S.customers.credit_limit[c])
        util = min(max(balance / limit, -1.0), 5.0) if limit > 0 else 0.0
        recent = [(k, t) for d, k, t in events[c] if d > as_of - 365]
        out[c] = {
            "share_past_due": overdue / open_total if open_total else 0.0,
            "weighted_days_past_due": weighted / open_total if open_total else 0.0,
            "avg_days_late": float(np.mean(last)) if last else 0.0,
            "late_trend": float(trend),
            "open_disputes": n_disputes,
            "disputed_share": disp_total / open_total if open_total else 0.0,
            "reversals_365d": sum(1 for k, t in recent if k == J_CASH and t == REVERSED),
            "write_offs_365d": sum(1 for k, t in recent if k == J_INVOICE and t == WRITTEN_OFF),
            "utilisation": util,
            "account_age_years": max(as_of - int(S.customers.opened_day[c]), 0) / 365,
        }
        exposure[c] = max(balance, 0)
    return out, exposure


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_vectorised_features_equal_the_per_customer_reference(make_ledger, seed):
    rnd = random.Random(seed)
    spec = synthetic.PortfolioSpec(customers=rnd.randint(60, 140), seed=seed,
                                   days=rnd.randint(200, 420),
                                   invoices_per_customer=rnd.uniform(6, 16))
    led = make_ledger(spec)
    S = led.state
    start = int(S.customers.opened_day.min())
    days = [start + rnd.randint(0, spec.days + 30) for _ in range(3)] + [S.max_effective_day]
    for as_of in days:
        pf = risk.features(S, as_of)
        ref, exposure = reference(S, as_of)
        for k, name in enumerate(FEATURES):
            want = np.asarray([ref[c][name] for c in range(S.customers.n)])
            np.testing.assert_allclose(pf.X[k], want, rtol=2e-6, atol=2e-4, err_msg=name)
        assert pf.exposure.tolist() == [exposure[c] for c in range(S.customers.n)]
    # The portfolio exercises what the features measure.
    last = risk.features(S, S.max_effective_day)
    for name in ("share_past_due", "avg_days_late", "reversals_365d", "write_offs_365d"):
        assert last.feature(name).any(), name


def test_the_feature_projection_stays_within_100_bytes_per_customer(make_ledger):
    led = make_ledger(synthetic.PortfolioSpec(customers=50, seed=5))
    pf = risk.features(led.state, led.state.max_effective_day)
    assert pf.X.dtype == np.float32 and pf.X.flags.c_contiguous
    assert pf.nbytes / pf.n <= 100
