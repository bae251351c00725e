"""A dunning run, planned over the whole partition in one vectorised pass.

For every open installment of an ordinary invoice (fees and interest charges are not
dunned themselves) as of the run's date: the part not disputed is what counts; items
covered by an active promise (or customers whose promise covers the whole account) are
skipped; the customer's dunning ladder (its own policy, else the run's default, latest
version) gives the level reached at `days past due = as_of - due`; a step is taken where
that level's threshold (its days past due) is beyond the threshold of the last step taken
for the installment, whichever ladder version took it. So running twice for the
same date finds nothing new. Promises found broken are recorded first, and a broken
promise no longer pauses dunning. Accounts go on hold where a level's action is HOLD_ACCOUNT,
where the credit policy's `hold_days_past_due` is exceeded, and where exposure is over the
limit under a HOLD over-limit action. Only the steps themselves are Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import policies as P
from arledger.domain.errors import error
from arledger.engine.amounts import open_amounts, open_rows
from arledger.engine.promises import PROMISE_ACTIVE, PROMISE_BROKEN, promise_status
from arledger.engine.state import DUN_BASE, State


@dataclass
class Step:
    customer: int
    invoice: int
    installment: int
    level: int
    policy: int  # version index of the dunning policy used
    dpd: int
    open: int
    fee: int
    interest: int
    action: str
    text_key: str


@dataclass
class Run:
    day: int
    steps: list[Step] = field(default_factory=list)
    holds: list[tuple[int, int]] = field(default_factory=list)
    broken_promises: list[tuple[int, int, int]] = field(default_factory=list)
    skipped_disputed: int = 0
    skipped_promised: int = 0
    more: bool = False  # more was due than one run takes: run again for the same date


def plan_run(S: State, day: int, default: tuple[int, int, P.DunningPolicy] | None,
             credit: P.CreditPolicy) -> Run:
    if default is None and not S.customer_dunning:
        raise error("UNKNOWN_POLICY", "no dunning policy applies: give default_policy_id or set "
                    "customers' dunning policies")
    run = Run(day)
    # Promises first: the ones broken as of today are recorded, and stop pausing dunning.
    pr = promise_status(S, day)
    for p in np.flatnonzero((pr.status == PROMISE_BROKEN) & (S.promises.view("broken") == 0)):
        run.broken_promises.append((int(p), int(pr.broken_installment[p]), int(pr.shortfall[p])))
    active = np.flatnonzero(pr.status == PROMISE_ACTIVE)
    whole = active[S.promises.inv_n[active] == 0]
    paused_customers = np.unique(S.promises.customer[whole])
    covered = S.promise_invoices.view("invoice")[
        np.isin(S.promise_invoices.view("promise"), active[S.promises.inv_n[active] > 0])]

    rows = open_rows(S, open_amounts(S, day, S.head_seq, None))
    inv = rows.invoice
    cust = S.invoices.customer[inv]
    countable = rows.open - rows.disputed
    keep = (S.invoices.kind[inv] == E.KIND_PRINCIPAL) & (rows.open > 0)
    run.skipped_disputed = int((keep & (countable <= 0)).sum())
    keep &= countable > 0
    promised = keep & (np.isin(cust, paused_customers) | np.isin(inv, covered))
    run.skipped_promised = int(promised.sum())
    keep &= ~promised
    dpd = day - rows.due_day.astype(np.int64)

    # The policy version each customer's rows use (-1: none applies).
    policy_of = np.full(S.customers.n, default[0] if default else -1, dtype=np.int64)
    for c, pid in S.customer_dunning.items():
        policy_of[c] = S.dunning_versions[pid][-1]
    pol = policy_of[cust]
    level = np.zeros(len(inv), dtype=np.int64)
    mark = np.zeros(len(inv), dtype=np.int64)  # threshold of that level + DUN_BASE
    for pix in np.unique(pol[keep & (pol >= 0)]).tolist():
        m = keep & (pol == pix)
        edges = np.asarray([lv.days_past_due for lv in S.dunning_policies[pix].levels])
        level[m] = np.searchsorted(edges, dpd[m], side="right")
        reached = level[m] > 0
        mark[np.flatnonzero(m)[reached]] = DUN_BASE + edges[level[m][reached] - 1]
    take = np.flatnonzero(keep & (level > 0) & (mark > rows.column(S, "dun_mark")))
    order = np.lexsort((rows.number[take], inv[take], cust[take]))
    # A run is one command: steps beyond its limit wait for the next run (same date).
    cap = limits.dunning_steps_per_run_max
    run.more = len(take) > cap
    int_day = rows.column(S, "int_day")
    for k in take[order[:cap]].tolist():
        policy = S.dunning_policies[int(pol[k])]
        lv = policy.levels[int(level[k]) - 1]
        base = int(countable[k])
        since = max(int(rows.due_day[k]), int(int_day[k]))
        run.steps.append(Step(
            customer=int(cust[k]), invoice=int(inv[k]), installment=int(rows.number[k]),
            level=int(level[k]), policy=int(pol[k]), dpd=int(dpd[k]),
            open=base,
            fee=lv.fee_fixed_minor + P.percent_of(base, lv.fee_bp),
            interest=P.simple_interest(base, lv.interest_bp_per_year, day - since,
                                       policy.day_count),
            action=lv.action, text_key=lv.text_key))
    on_hold = S.customers.on_hold
    held: set[int] = set()
    for st in run.steps:
        if st.action == P.DUNNING_ACTIONS[P.ACTION_HOLD_ACCOUNT] and not on_hold[st.customer] \
                and st.customer not in held:
            held.add(st.customer)
            run.holds.append((st.customer, E.HOLD_DUNNING))
    if credit.hold_days_past_due:
        late = np.unique(cust[keep & (dpd > credit.hold_days_past_due)])
        for c in late[on_hold[late] == 0].tolist():
            if c not in held:
                held.add(c)
                run.holds.append((c, E.HOLD_PAST_DUE))
    # Exposure over the limit (a limit lowered, payments reversed) holds the account where
    # the over-limit action in force (the customer's, else the policy's) is HOLD.
    cu = S.customers
    action = np.where(cu.view("over_limit") > 0, cu.view("over_limit"),
                      P.OVER_LIMIT_ACTIONS.index(credit.over_limit_action))
    limit = cu.view("credit_limit")
    over = np.flatnonzero((limit > 0) & (cu.view("balance") > limit) & (action == P.HOLD) &
                          (cu.view("on_hold") == 0) & (cu.view("closed") == 0))
    for c in over.tolist():
        if c not in held:
            held.add(c)
            run.holds.append((c, E.HOLD_OVER_LIMIT))
    run.holds.sort()
    for name, cap in (("holds", limits.dunning_holds_per_run_max),
                      ("broken_promises", limits.dunning_broken_promises_per_run_max)):
        items = getattr(run, name)
        if len(items) > cap:
            setattr(run, name, items[:cap])
            run.more = True
    return run


def notices(S: State, first_position: int, count: int) -> list[dict]:
    """What to send, per customer, for the steps a run recorded at positions
    [first_position, first_position + count): the highest action reached, items, charges.
    Built from the state, so a retried run (DUPLICATE) returns the same notices."""
    ds = S.dunning_steps
    pos = ds.view("pos")
    rows = np.flatnonzero((pos >= first_position) & (pos < first_position + count))
    out: dict[int, dict] = {}
    for r in rows.tolist():
        inv = int(ds.invoice[r])
        c = int(S.invoices.customer[inv])
        policy = S.dunning_policies[int(ds.policy[r])]
        level = int(ds.level[r])
        lv = policy.levels[level - 1]
        n = out.get(c)
        if n is None:
            pol_id = S.dunning_policy_ids[int(ds.policy[r])]
            n = out[c] = {
                "customer_id": S.customer_ids[c], "name": S.master[c][0],
                "billing_contact": S.master[c][1],
                "currency": S.currencies[S.customers.currency[c]], "level": 0, "action": "",
                "text_key": "", "items": [], "fee_minor": 0, "interest_minor": 0,
                "policy_id": pol_id,
                "policy_version": S.dunning_versions[pol_id].index(int(ds.policy[r])) + 1}
        if level > n["level"]:
            n["level"], n["action"], n["text_key"] = level, lv.action, lv.text_key
        fee_inv, int_inv = int(ds.fee_inv[r]), int(ds.int_inv[r])
        n["items"].append({
            "invoice_id": S.invoice_ids[inv], "installment": int(ds.installment[r]),
            "due_day": int(ds.day[r]) - int(ds.dpd[r]), "days_past_due": int(ds.dpd[r]),
            "level": level, "action": lv.action, "text_key": lv.text_key,
            "open_minor": int(ds.open[r]), "fee_minor": int(ds.fee[r]),
            "interest_minor": int(ds.interest[r]),
            "fee_invoice_id": S.invoice_ids[fee_inv] if fee_inv >= 0 else "",
            "interest_invoice_id": S.invoice_ids[int_inv] if int_inv >= 0 else ""})
        n["fee_minor"] += int(ds.fee[r])
        n["interest_minor"] += int(ds.interest[r])
    return [out[c] for c in sorted(out)]
