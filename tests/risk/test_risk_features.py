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


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    from google.protobuf import json_format
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def submit(led, cmds) -> None:  # type: ignore[no-untyped-def]
    outs = led.submit(cmds)
    assert all(o.status != "REJECTED" for o in outs), [o.error for o in outs if o.error]


def add_twists(led, rnd: random.Random, tag: str) -> None:  # type: ignore[no-untyped-def]
    """What the features must get right beyond the synthetic portfolio: invoices under
    installment terms, payments spread over several invoices and then reversed, credit limit
    changes (some effective after the days the test looks at)."""
    from arledger.domain.dates import day_to_iso as iso
    S = led.state
    env = dict(actor="risk-test", reason="test")
    last = S.max_effective_day
    n = S.customers.n
    first = int(S.customers.opened_day.max())
    cmds = []
    if "THIRDS" not in S.terms_versions:
        cmds.append(cmd("definePaymentTerms", "terms", termsId="THIRDS", basis="NET", days=90,
                        installments=[{"percentBp": 3400, "days": 15},
                                      {"percentBp": 3300, "days": 45},
                                      {"percentBp": 3300, "days": 90}],
                        effectiveDate=iso(int(S.customers.opened_day.min())), **env))
    for c in rnd.sample(range(n), n // 3):
        cid = S.customer_ids[c]
        opened = int(S.customers.opened_day[c])
        cur = S.currencies[int(S.customers.currency[c])]
        for k in range(rnd.randint(1, 3)):
            issue = rnd.randint(opened, last - 10)
            cmds.append(cmd("issueInvoice", f"{tag}i{c}-{k}", invoiceId=f"{tag}-INST-{c}-{k}",
                            customerId=cid, issueDate=iso(issue), termsId="THIRDS",
                            amountMinor=rnd.randint(30_000, 900_000)))
        if rnd.random() < 0.5:  # part of the installments paid, oldest due first
            cmds.append(cmd("recordPayment", f"{tag}pp{c}", paymentId=f"{tag}-PP-{c}",
                            customerId=cid, currency=cur, method="BANK_TRANSFER",
                            amountMinor=rnd.randint(10_000, 600_000),
                            valueDate=iso(rnd.randint(max(opened, last - 120), last))))
    submit(led, cmds)
    cmds = []
    S = led.state
    # Payments over several open invoices, reversed (one reversal entry, many rows).
    for c in rnd.sample(range(n), n // 5):
        cid = S.customer_ids[c]
        cur = S.currencies[int(S.customers.currency[c])]
        paid = rnd.randint(max(int(S.customers.opened_day[c]), last - 200), last - 20)
        cmds.append(cmd("recordPayment", f"{tag}mp{c}", paymentId=f"{tag}-MP-{c}",
                        customerId=cid, currency=cur, method="CHEQUE",
                        amountMinor=rnd.randint(200_000, 3_000_000), valueDate=iso(paid),
                        strategy="OLDEST_DUE_FIRST"))
        cmds.append(cmd("reversePayment", f"{tag}mr{c}", paymentId=f"{tag}-MP-{c}",
                        effectiveDate=iso(paid + rnd.randint(1, 15)),
                        reversalReason="RETURNED_CHEQUE", **env))
    # Credit limits changed, before and after the days looked at.
    for c in rnd.sample(range(n), n // 4):
        cmds.append(cmd("changeCreditLimit", f"{tag}cl{c}", customerId=S.customer_ids[c],
                        newLimitMinor=rnd.choice([v for v in (0, 50_000, 400_000, 2_000_000)
                                                  if v != int(S.customers.credit_limit[c])]),
                        effectiveDate=iso(rnd.randint(max(first, last - 200), last + 30)),
                        **env))
    submit(led, cmds)


def add_late_records(led, rnd: random.Random, tag: str) -> None:  # type: ignore[no-untyped-def]
    """Entries recorded after a known point, effective before the days looked at: promises
    made in the past (some broken already), limit changes, a reversal, a dunning run."""
    from arledger.domain.dates import day_to_iso as iso
    S = led.state
    env = dict(actor="risk-test", reason="late")
    last = S.max_effective_day
    cmds = []
    for c in rnd.sample(range(S.customers.n), S.customers.n // 4):
        opened = int(S.customers.opened_day[c])
        made = rnd.randint(max(opened, last - 90), last - 5)
        cmds.append(cmd("recordPromise", f"{tag}lp{c}", promiseId=f"{tag}-LP-{c}",
                        customerId=S.customer_ids[c], madeDate=iso(made),
                        installments=[{"dueDate": iso(made + 3 + 7 * k),
                                       "amountMinor": rnd.randint(1_000, 300_000)}
                                      for k in range(rnd.randint(1, 2))], **env))
    for c in rnd.sample(range(S.customers.n), S.customers.n // 5):
        cmds.append(cmd("changeCreditLimit", f"{tag}lc{c}", customerId=S.customer_ids[c],
                        newLimitMinor=rnd.choice([v for v in (10_000, 100_000, 5_000_000)
                                                  if v != int(S.customers.credit_limit[c])]),
                        effectiveDate=iso(last - rnd.randint(0, 60)), **env))
    reversible = [p for p in range(S.payments.n) if not S.payments.reversed[p]
                  and int(S.payments.value_day[p]) < last - 30]
    for p in rnd.sample(reversible, min(5, len(reversible))):
        cmds.append(cmd("reversePayment", f"{tag}lr{p}", paymentId=S.payment_ids[p],
                        effectiveDate=iso(last - 20), reversalReason="RETURNED_CHEQUE", **env))
    outs = led.submit(cmds)
    # A reversal may be refused (a payment part of which was refunded): that is fine here.
    assert all(o.status != "REJECTED" or o.error.reason == "PAYMENT_HAS_REFUNDS" for o in outs), \
        [o.error for o in outs if o.error]
    # A second ladder version with levels beyond the first's: a run on the same day takes
    # new, higher steps on items long overdue.
    levels = [{"daysPastDue": d, "action": a, "textKey": f"v2-{k}"} for k, (d, a) in enumerate(
        [(1, "REMINDER"), (20, "SECOND_NOTICE"), (45, "FINAL_NOTICE"), (60, "FINAL_NOTICE"),
         (90, "HAND_TO_AGENCY")])]
    submit(led, [cmd("defineDunningPolicy", f"{tag}ladder", policyId="STD", levels=levels,
                     effectiveDate=iso(int(S.customers.opened_day.min())), **env)])
    submit(led, [cmd("runDunning", f"{tag}dun", asOfDate=iso(last), defaultPolicyId="STD",
                     **env)])


def last_known_position(S, ks: int) -> int:  # type: ignore[no-untyped-def]
    return int(S.segments.first_position[ks - 1]) + int(S.segments.count[ks - 1]) - 1


def promise_status_reference(S, as_of: int, ks: int) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Status of each promise made by as_of and recorded by segment ks, one at a time from
    docs/collections.md: payments (value date, less reversals dated by then) from the day it
    was made reach each installment's running total by its date (kept), or an installment
    date passed short (broken), else active."""
    j = S.journal
    RECORDED = E.BY_NAME["PaymentRecorded"].code
    money = defaultdict(list)  # customer -> [(day, amount)]: cash in, cash reversed
    entries = set()
    for r in range(j.n):
        if int(j.kind[r]) != J_CASH or int(j.seq[r]) > ks:
            continue
        et, pos = int(j.etype[r]), int(j.pos[r])
        # One payment or reversal entry moves money once, whatever its allocation rows.
        if et in (RECORDED, REVERSED) and (et, pos) not in entries:
            entries.add((et, pos))
            item = int(j.item[r])
            amount = int(S.payments.amount[item])
            money[int(j.customer[r])].append((int(j.day[r]), amount if et == RECORDED else -amount))
    out = {}
    P, PI = S.promises, S.promise_installments
    for p in range(P.n):
        made = int(P.made_day[p])
        if made > as_of or int(P.seq[p]) > ks:
            continue
        c = int(P.customer[p])
        inst = [(int(PI.due_day[r]), int(PI.amount[r]))
                for r in range(int(P.inst_first[p]), int(P.inst_first[p]) + int(P.inst_n[p]))]
        paid_by = lambda d: sum(a for day, a in money[c] if made <= day <= d)  # noqa: E731
        status, running = "ACTIVE", 0
        for due, amount in inst:
            running += amount
            if due <= as_of and paid_by(due) < running:
                status = "BROKEN"
                break
        if status != "BROKEN" and (max(d for d, _ in inst) <= as_of
                                   or paid_by(as_of) >= sum(a for _, a in inst)):
            status = "KEPT"
        out[p] = status
    return out


def collections_reference(S, as_of: int, ks: int, open_of) -> tuple[list, list, list]:  # type: ignore[no-untyped-def]
    """Per customer, one promise and one dunning step at a time: broken promises, an active
    promise, the highest level still open (steps effective by as_of, recorded by ks)."""
    n = S.customers.n
    broken, active, level = [0] * n, [False] * n, [0] * n
    for p, status in promise_status_reference(S, as_of, ks).items():
        c = int(S.promises.customer[p])
        broken[c] += status == "BROKEN"
        active[c] = active[c] or status == "ACTIVE"
    known_pos = last_known_position(S, ks)
    for r in range(S.dunning_steps.n):
        inv = int(S.dunning_steps.invoice[r])
        if (int(S.dunning_steps.day[r]) <= as_of and int(S.dunning_steps.pos[r]) <= known_pos
                and open_of(inv) > 0):
            c = int(S.invoices.customer[inv])
            level[c] = max(level[c], int(S.dunning_steps.level[r]))
    return broken, active, level


def limit_reference(S, c: int, as_of: int, ks: int) -> int:  # type: ignore[no-untyped-def]
    """The limit in force as of as_of, as known at ks: of the changes effective by then and
    recorded by then, the one effective last (ties: recorded last; a back-dated change
    counts from its effective date), else the limit before the first recorded change."""
    known_pos = last_known_position(S, ks)
    changes = [e for e in S.credit_events.get(c, []) if e[0] == "LIMIT"]
    if not changes:
        return int(S.customers.credit_limit[c])
    seen = [e for e in changes if e[1] <= as_of and e[2] <= known_pos]
    if not seen:
        return int(min(changes, key=lambda e: e[2])[5])
    return int(max(seen, key=lambda e: (e[1], e[2]))[6])


def installments_reference(S, i: int, open_: int) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(due day, open part) of each installment of invoice i, from S.installments: the
    applied amount settles them in due order."""
    I = S.invoices
    if int(I.inst_n[i]) == 0:
        return [(int(I.due_day[i]), open_)]
    rows = sorted((int(S.installments.due_day[r]), int(S.installments.number[r]),
                   int(S.installments.amount[r]))
                  for r in range(int(I.inst_first[i]), int(I.inst_first[i]) + int(I.inst_n[i])))
    assert sum(a for _, _, a in rows) == int(I.amount[i])
    applied = int(I.amount[i]) - open_
    out = []
    for due, _, amount in rows:
        paid = min(max(applied, 0), amount)
        applied -= paid
        out.append((due, amount - paid))
    return out


def reference(S, as_of: int, ks: int | None = None  # type: ignore[no-untyped-def]
              ) -> tuple[dict[int, dict[str, float]], dict[int, int]]:
    """Features and exposure of every customer as of as_of as known at segment ks, one
    customer and one invoice at a time, straight from the definitions in docs/risk.md."""
    ks = S.head_seq if ks is None else ks
    j = S.journal
    inv_rows = defaultdict(list)   # invoice -> [(day, position, delta, entry type)]
    disputed = defaultdict(int)
    held = defaultdict(int)        # customer -> unapplied cash + credit
    reversals = defaultdict(set)   # customer -> positions of reversal entries in the year
    write_offs = defaultdict(set)  # customer -> positions of write-off entries in the year
    for r in range(j.n):
        day = int(j.day[r])
        if day > as_of or int(j.seq[r]) > ks:
            continue
        kind, item, delta = int(j.kind[r]), int(j.item[r]), int(j.delta[r])
        cust, etype, pos = int(j.customer[r]), int(j.etype[r]), int(j.pos[r])
        if kind == J_INVOICE:
            inv_rows[item].append((day, pos, delta, etype))
        elif kind == J_DISPUTED:
            disputed[item] += delta
        elif kind in (J_CASH, J_CREDIT):
            held[cust] += delta
        if day > as_of - 365:
            if etype == REVERSED:
                reversals[cust].add(pos)
            if etype == WRITTEN_OFF:
                write_offs[cust].add((pos, item))
    out, exposure = {}, {}
    broken, _, _ = collections_reference(S, as_of, ks, lambda i: sum(r[2] for r in inv_rows[i]))
    for c in range(S.customers.n):
        open_total = overdue = weighted = disp_total = 0
        n_disputes = 0
        invoice_open = 0
        settled = []  # (settlement day, invoice, lateness)
        for i in S.invoices_of(c).tolist():
            rows = sorted(inv_rows.get(i, []))
            if not rows:
                continue
            open_ = sum(d for _, _, d, _ in rows)
            invoice_open += open_
            due = int(S.invoices.due_day[i])
            if open_ > 0:
                for inst_due, part in installments_reference(S, i, open_):
                    open_total += part
                    if inst_due < as_of:
                        overdue += part
                    weighted += part * max(as_of - inst_due, 0)
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
        limit = limit_reference(S, c, as_of, ks)
        util = min(max(balance / limit, -1.0), 5.0) if limit > 0 else 0.0
        out[c] = {
            "share_past_due": overdue / open_total if open_total else 0.0,
            "weighted_days_past_due": weighted / open_total if open_total else 0.0,
            "avg_days_late": float(np.mean(last)) if last else 0.0,
            "late_trend": float(trend),
            "open_disputes": n_disputes,
            "disputed_share": disp_total / open_total if open_total else 0.0,
            "reversals_365d": len(reversals[c]),
            "write_offs_365d": len(write_offs[c]),
            "utilisation": util,
            "account_age_years": max(as_of - int(S.customers.opened_day[c]), 0) / 365,
            "broken_promises": broken[c],
        }
        exposure[c] = max(balance, 0)
    return out, exposure


def check_features(S, as_of: int, ks: int) -> list[bool]:  # type: ignore[no-untyped-def]
    """The vectorised features (as of as_of, known at ks) equal the reference; returns the
    reference's active-promise flags."""
    pf = risk.features(S, as_of, ks)
    ref, exposure = reference(S, as_of, ks)
    for k, name in enumerate(FEATURES):
        want = np.asarray([ref[c][name] for c in range(S.customers.n)])
        np.testing.assert_allclose(pf.X[k], want, rtol=2e-6, atol=2e-4,
                                   err_msg=f"{name} as of {as_of} known at {ks}")
    assert pf.exposure.tolist() == [exposure[c] for c in range(S.customers.n)]
    o = views.open_amounts(S, as_of, ks, None)
    open_now = dict(zip(o.invoices.tolist(), o.invoice_open.tolist()))
    _, active, level = collections_reference(S, as_of, ks, lambda i: open_now.get(i, 0))
    assert pf.active_promise.tolist() == active and pf.dunning_level.tolist() == level
    return active


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_vectorised_features_equal_the_per_customer_reference(make_ledger, seed):
    rnd = random.Random(seed)
    spec = synthetic.PortfolioSpec(customers=rnd.randint(60, 140), seed=seed,
                                   days=rnd.randint(200, 420),
                                   invoices_per_customer=rnd.uniform(6, 16))
    led = make_ledger(spec)
    add_twists(led, rnd, "a")
    add_collections(led, rnd)
    K = led.state.head_seq
    add_late_records(led, rnd, "b")
    S = led.state
    assert S.head_seq > K
    start = int(S.customers.opened_day.min())
    days = [start + rnd.randint(0, spec.days + 30) for _ in range(3)] + [
        S.max_effective_day - 25, S.max_effective_day - 5, S.max_effective_day]
    seen_active = False
    for as_of in days:
        for ks in (K, S.head_seq):
            seen_active = any(check_features(S, as_of, ks)) or seen_active
    # As known at K, what was recorded later does not count.
    for as_of in days[-3:]:
        assert risk.features(S, as_of, K).X.tobytes() != risk.features(S, as_of).X.tobytes()
    # The portfolio exercises what the features measure.
    last = risk.features(S, S.max_effective_day)
    for name in ("share_past_due", "avg_days_late", "reversals_365d", "write_offs_365d",
                 "broken_promises"):
        assert last.feature(name).any(), name
    assert seen_active and last.dunning_level.max() >= 4
    assert risk.features(S, S.max_effective_day, K).dunning_level.max() == 3
    assert S.invoices.inst_n[: S.invoices.n].any()


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
