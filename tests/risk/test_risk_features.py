"""The vectorised features equal a slow per-customer reference on random portfolios."""

import random
from collections import defaultdict

import numpy as np
import pytest

from arledger import synthetic
from arledger.domain import entries as E
from arledger.domain.risk_models import FEATURES
from arledger.engine.state import J_CASH, J_CREDIT, J_DISPUTED, J_INVOICE
from arledger.projections import risk, views
from arledger.v1 import commands_pb2 as pb

ISSUED, VOIDED = E.BY_NAME["InvoiceIssued"].code, E.BY_NAME["InvoiceVoided"].code
WRITTEN_OFF, REVERSED = E.BY_NAME["InvoiceWrittenOff"].code, E.BY_NAME["PaymentReversed"].code


def add_collections(led, rnd: random.Random) -> None:  # type: ignore[no-untyped-def]
    """A dunning ladder run on two days, and promises to pay (some kept, some broken)."""
    from arledger.domain.dates import day_to_iso
    S = led.state
    env = dict(actor="collections", reason="test")
    first, last = int(S.customers.opened_day.min()), S.max_effective_day
    ladder = [pb.DunningLevelSpec(days_past_due=d, action=a, text_key=f"l{k}")
              for k, (d, a) in enumerate([(1, pb.REMINDER), (20, pb.SECOND_NOTICE),
                                          (45, pb.FINAL_NOTICE)])]
    cmds = [pb.Command(define_dunning_policy=pb.DefineDunningPolicyRequest(
        request_id="ladder", policy_id="STD", levels=ladder, effective_date=day_to_iso(first),
        **env))]
    for k, day in enumerate(((first + last) // 2, last)):
        cmds.append(pb.Command(run_dunning=pb.RunDunningRequest(
            request_id=f"run-{k}", as_of_date=day_to_iso(day), default_policy_id="STD", **env)))
    for c in rnd.sample(range(S.customers.n), S.customers.n // 4):
        opened = int(S.customers.opened_day[c])
        # Half made late, so some are still active on the last days.
        made = rnd.randint(max(opened, last - 30) if rnd.random() < 0.5 else opened, last)
        inst = [pb.PromiseInstallment(due_date=day_to_iso(made + 10 * (k + 1)),
                                      amount_minor=rnd.randint(1_000, 400_000))
                for k in range(rnd.randint(1, 3))]
        cmds.append(pb.Command(record_promise=pb.RecordPromiseRequest(
            request_id=f"prom-{c}", promise_id=f"PROM-{c}", customer_id=S.customer_ids[c],
            installments=inst, made_date=day_to_iso(made), **env)))
    # A dunning run goes alone (a batch of one); the rest as one batch.
    outs = [o for batch in [[c for c in cmds if not c.HasField("run_dunning")]] +
            [[c] for c in cmds if c.HasField("run_dunning")] for o in led.submit(batch)]
    assert all(o.status != "REJECTED" for o in outs), [o.error for o in outs if o.error]


def collections_reference(S, as_of: int, open_of) -> tuple[list, list, list]:  # type: ignore[no-untyped-def]
    """Per customer, one promise and one dunning step at a time: broken promises (status
    from issue 4's promise_status), an active promise, the highest level still open."""
    from arledger.projections.collections import PROMISE_ACTIVE, PROMISE_BROKEN, promise_status
    n = S.customers.n
    broken, active, level = [0] * n, [False] * n, [0] * n
    status = promise_status(S, as_of).status
    for p in range(S.promises.n):
        c = int(S.promises.customer[p])
        if int(S.promises.made_day[p]) <= as_of:
            broken[c] += int(status[p]) == PROMISE_BROKEN
            active[c] = active[c] or int(status[p]) == PROMISE_ACTIVE
    for r in range(S.dunning_steps.n):
        inv = int(S.dunning_steps.invoice[r])
        if int(S.dunning_steps.day[r]) <= as_of and open_of(inv) > 0:
            c = int(S.invoices.customer[inv])
            level[c] = max(level[c], int(S.dunning_steps.level[r]))
    return broken, active, level


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
    broken, _, _ = collections_reference(S, as_of, lambda i: sum(r[2] for r in inv_rows[i]))
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
            "broken_promises": broken[c],
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
    add_collections(led, rnd)
    S = led.state
    start = int(S.customers.opened_day.min())
    days = [start + rnd.randint(0, spec.days + 30) for _ in range(3)] + [
        S.max_effective_day - 5, S.max_effective_day]
    seen_active = False
    for as_of in days:
        pf = risk.features(S, as_of)
        ref, exposure = reference(S, as_of)
        for k, name in enumerate(FEATURES):
            want = np.asarray([ref[c][name] for c in range(S.customers.n)])
            np.testing.assert_allclose(pf.X[k], want, rtol=2e-6, atol=2e-4, err_msg=name)
        assert pf.exposure.tolist() == [exposure[c] for c in range(S.customers.n)]
        o = views.open_amounts(S, as_of, S.head_seq, None)
        open_now = dict(zip(o.invoices.tolist(), o.invoice_open.tolist()))
        _, active, level = collections_reference(S, as_of, lambda i: open_now.get(i, 0))
        assert pf.active_promise.tolist() == active and pf.dunning_level.tolist() == level
        seen_active = seen_active or any(active)
    # The portfolio exercises what the features measure.
    last = risk.features(S, S.max_effective_day)
    for name in ("share_past_due", "avg_days_late", "reversals_365d", "write_offs_365d",
                 "broken_promises"):
        assert last.feature(name).any(), name
    assert seen_active and last.dunning_level.max() >= 2


def test_the_journal_is_read_in_chunks_with_the_same_result(make_ledger, monkeypatch):
    led = make_ledger(synthetic.PortfolioSpec(customers=80, seed=14))
    add_collections(led, random.Random(14))
    S = led.state
    for as_of in (S.max_effective_day - 100, S.max_effective_day):
        whole = risk.features(S, as_of)
        monkeypatch.setattr(risk, "JOURNAL_CHUNK", 97)  # many chunks, rows of one entry split
        chunked = risk.features(S, as_of)
        monkeypatch.undo()
        assert S.journal.n > 20 * 97
        assert chunked.X.tobytes() == whole.X.tobytes()
        assert chunked.exposure.tolist() == whole.exposure.tolist()


def test_the_feature_projection_stays_within_100_bytes_per_customer(make_ledger):
    led = make_ledger(synthetic.PortfolioSpec(customers=50, seed=5))
    pf = risk.features(led.state, led.state.max_effective_day)
    assert pf.X.dtype == np.float32 and pf.X.flags.c_contiguous
    assert pf.nbytes / pf.n <= 100
