"""Collections views, vectorised over the portfolio: installments and promises to pay.

- An invoice's open amount settles its installments in due order (a payment, credit or
  write-off applied to the invoice pays its earliest installment first), so each
  installment's open part follows from the invoice's open amount alone: the same masked
  journal that answers any `as_of` / `known_at` answers installments too. A disputed part
  is attributed the same way (to the earliest open installments first), so dunning, which
  skips disputed amounts, never duns a disputed installment.
- A promise (or payment plan) is kept when the customer's payments dated from the day it
  was made reach each installment's running total by that installment's date, broken when
  one does not, and active until then.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arledger.engine.state import State

PROMISE_ACTIVE, PROMISE_KEPT, PROMISE_BROKEN = 0, 1, 2
PROMISE_STATUS = ("ACTIVE", "KEPT", "BROKEN")
_DAY_BITS = 20  # day numbers stay below 2**17 (year 2200); customer index above them


@dataclass
class Rows:
    """Open receivable rows: one per installment (or per invoice without installments)."""

    invoice: np.ndarray
    number: np.ndarray      # 1-based installment number
    due_day: np.ndarray
    amount: np.ndarray      # the installment's amount
    open: np.ndarray
    disputed: np.ndarray
    dun_mark: np.ndarray    # threshold of the last dunning step + DUN_BASE (0 = none)
    int_day: np.ndarray     # interest assessed up to this day (0 = never)


def _group_cumsum(x: np.ndarray, starts: np.ndarray, group_of_row: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum of x within consecutive groups."""
    cs = np.cumsum(x)
    base = np.concatenate(([0], cs))[starts]  # sum before each group's first row
    return cs - base[group_of_row]


def installment_rows(S: State, inv: np.ndarray, inv_open: np.ndarray,
                     inv_disputed: np.ndarray) -> Rows:
    """Expand open invoices into their installments' open parts (waterfall in due order)."""
    I = S.invoices
    inv = np.asarray(inv, dtype=np.int64)
    n = I.inst_n[inv].astype(np.int64)
    single = n == 0
    s_inv = inv[single]
    parts = [Rows(s_inv, np.ones(len(s_inv), np.int32), I.due_day[s_inv], I.amount[s_inv],
                  inv_open[single], inv_disputed[single], I.dun_mark[s_inv], I.int_day[s_inv])]
    if not single.all():
        m_inv, m_open, m_disp, reps = inv[~single], inv_open[~single], inv_disputed[~single], n[~single]
        group = np.repeat(np.arange(len(m_inv)), reps)
        starts = np.concatenate(([0], np.cumsum(reps)[:-1]))
        rows = np.repeat(I.inst_first[m_inv], reps) + (np.arange(len(group)) - starts[group])
        ist = S.installments
        amount = ist.amount[rows]
        applied = (I.amount[m_inv] - m_open)[group]
        cum = _group_cumsum(amount, starts, group)
        open_ = np.clip(cum - applied, 0, amount)
        open_before = _group_cumsum(open_, starts, group) - open_
        disputed = np.clip(m_disp[group] - open_before, 0, open_)
        parts.append(Rows(m_inv[group], ist.number[rows], ist.due_day[rows], amount, open_,
                          disputed, ist.dun_mark[rows], ist.int_day[rows]))
    return Rows(*(np.concatenate([getattr(p, f) for p in parts])
                  for f in Rows.__dataclass_fields__))


@dataclass
class Promises:
    status: np.ndarray          # PROMISE_* per promise
    broken_installment: np.ndarray  # 1-based first installment found short (0 = none)
    shortfall: np.ndarray       # how much that installment's running total was short
    paid: np.ndarray            # paid from the day it was made to as_of
    promised: np.ndarray
    known: np.ndarray           # made by as_of and recorded by the known segment
    broken_due_day: np.ndarray  # due day of the installment found short (0 = none)
    last_due_day: np.ndarray    # due day of its last installment


def promise_status(S: State, as_of: int, known_seq: int | None = None) -> Promises:
    """Status of every promise as of `as_of`, as known at segment `known_seq` (head when
    None). Payments count by their value date, less reversals dated by then, as the
    journal (J_CASH rows of PaymentRecorded / PaymentReversed) records them: a promise
    kept by its date stays kept when its payment is reversed later."""
    from arledger.domain import entries as E
    from arledger.engine.state import J_CASH
    P, PI = S.promises, S.promise_installments
    n = P.n
    if known_seq is None:
        known_seq = S.head_seq
    if n == 0:
        z = np.zeros(0, np.int64)
        return Promises(z.astype(np.uint8), z, z, z, z, z.astype(bool), z, z)
    j = S.journal
    et, dl = j.view("etype"), j.view("delta")
    # The money itself: a payment's +amount row and its reversal's -amount row (the
    # allocation rows of the same entries move cash to invoices, not in or out).
    m = (j.view("kind") == J_CASH) & (j.view("seq") <= known_seq) & (
        ((et == E.BY_NAME["PaymentRecorded"].code) & (dl > 0)) |
        ((et == E.BY_NAME["PaymentReversed"].code) & (dl < 0)))
    keys = (j.view("customer")[m].astype(np.int64) << _DAY_BITS) + j.view("day")[m]
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    cs = np.concatenate(([0], np.cumsum(j.view("delta")[m][order])))

    def paid(cust: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        c = cust.astype(np.int64) << _DAY_BITS
        return cs[np.searchsorted(keys, c + hi, "right")] - cs[np.searchsorted(keys, c + lo, "left")]

    cust, made = P.view("customer"), P.view("made_day")
    first, cnt = P.view("inst_first"), P.view("inst_n").astype(np.int64)
    promised = P.view("amount")
    group = np.repeat(np.arange(n), cnt)
    starts = np.concatenate(([0], np.cumsum(cnt)[:-1]))
    rows = np.repeat(first, cnt) + (np.arange(len(group)) - starts[group])
    due = PI.due_day[rows].astype(np.int64)
    cum = _group_cumsum(PI.amount[rows], starts, group)
    judged = due <= as_of
    got = paid(cust[group], made[group].astype(np.int64), due)
    short = judged & (got < cum)
    # The first short installment of each promise.
    idx = np.flatnonzero(short)
    first_short_row = np.full(n, len(group), np.int64)
    np.minimum.at(first_short_row, group[idx], idx)
    broken = first_short_row < len(group)
    paid_now = paid(cust, made.astype(np.int64), np.full(n, as_of, np.int64))
    last_due = np.zeros(n, np.int64)
    np.maximum.at(last_due, group, due)
    kept = ~broken & ((last_due <= as_of) | (paid_now >= promised))
    status = np.where(broken, PROMISE_BROKEN, np.where(kept, PROMISE_KEPT, PROMISE_ACTIVE))
    bi = np.where(broken, first_short_row - starts + 1, 0)
    safe = np.minimum(first_short_row, len(group) - 1)
    shortfall = np.where(broken, cum[safe] - got[safe], 0)
    return Promises(status.astype(np.uint8), bi, shortfall, paid_now, promised.copy(),
                    (P.view("seq") <= known_seq) & (made <= as_of),
                    np.where(broken, due[safe], 0), last_due)


_OUTCOMES = ("OPEN", "UPHELD", "REJECTED", "PARTIALLY_UPHELD")


def account(S: State, ix: int, as_of: int, known_seq: int) -> dict:
    """A customer's credit-control picture as of `as_of`, as known at segment `known_seq`:
    the fields of arledger.v1.Account (dates as ISO strings)."""
    from arledger.domain import entries as E
    from arledger.domain import policies as P
    from arledger.domain.dates import day_to_iso
    from arledger.projections import views
    known_pos = views.known_position(S, known_seq)
    cu = S.customers
    out: dict = {"customer_id": S.customer_ids[ix], "currency": S.currencies[cu.currency[ix]],
                 "as_of": day_to_iso(as_of)}
    tid = S.customer_terms.get(ix, "")
    if tid:
        v = S.terms_versions[tid]
        out["terms"] = {"terms_id": tid, "version": len(v), "definition_json": S.terms[v[-1]].to_json()}
    pol = S.credit_policies[-1] if S.credit_policies else P.DEFAULT_CREDIT_POLICY
    own = int(cu.over_limit[ix])
    out["over_limit_action"] = P.OVER_LIMIT_ACTIONS[own] if own else \
        f"{pol.over_limit_action} (policy)"
    strat = int(cu.strategy[ix])
    out["allocation_strategy"] = E.ENUMS["allocation_strategy"][strat] if strat else \
        "OLDEST_DUE_FIRST (default)"
    out["dunning_policy_id"] = S.customer_dunning.get(ix, "")
    bal = views.balance(S, ix, as_of, known_seq)
    out["exposure_minor"] = bal["balance_minor"]
    holds, limits_, checks = [], [], []
    on_hold = False
    for ev in S.credit_events.get(ix, ()):
        kind, day, pos, actor, reason = ev[:5]
        if day > as_of or pos > known_pos:
            continue
        if kind in ("HOLD_PLACED", "HOLD_RELEASED"):
            on_hold = kind == "HOLD_PLACED"
            holds.append({"date": day_to_iso(day), "event": kind[5:],
                          "source": E.ENUMS["hold_source"][ev[5]] if ev[5] else "",
                          "actor": actor, "reason": reason})
        elif kind == "LIMIT":
            limits_.append({"date": day_to_iso(day), "old_limit_minor": ev[5],
                            "new_limit_minor": ev[6], "actor": actor, "reason": reason})
        elif kind == "CREDIT_CHECK":
            checks.append({"date": day_to_iso(day), "invoice_id": S.invoice_ids[ev[5]],
                           "action": P.OVER_LIMIT_ACTIONS[ev[6]], "exposure_before_minor": ev[7],
                           "invoice_minor": ev[8], "limit_minor": ev[9]})
    out["credit_limit_minor"] = _limit_as_of(S, ix, limits_)
    out.update(on_hold=on_hold, holds=holds, limit_changes=limits_, credit_checks=checks)
    d = S.disputes
    mine = np.flatnonzero((S.invoices.customer[d.view("invoice")] == ix) &
                          (d.view("opened_day") <= as_of))
    disputes = []
    for k in mine.tolist():
        resolved = not d.open[k] and d.resolved_day[k] <= as_of
        state = _OUTCOMES[int(d.outcome[k])] if resolved else \
            ("UNDER_REVIEW" if 0 < d.review_day[k] <= as_of else "OPEN")
        disputes.append({"dispute_id": S.dispute_ids[k],
                         "invoice_id": S.invoice_ids[int(d.invoice[k])],
                         "amount_minor": int(d.amount[k]), "reason_code": S.dispute_reasons[k],
                         "opened_date": day_to_iso(int(d.opened_day[k])), "state": state,
                         "resolved_date": day_to_iso(int(d.resolved_day[k])) if resolved else ""})
    out["disputes"] = disputes
    st = promise_status(S, as_of, known_seq)
    promises = []
    for p in S.customer_promises.get(ix, ()):
        if not st.known[p]:
            continue
        i0, n = int(S.promises.inst_first[p]), int(S.promises.inst_n[p])
        v0, vn = int(S.promises.inv_first[p]), int(S.promises.inv_n[p])
        PI = S.promise_installments
        promises.append({
            "promise_id": S.promise_ids[p], "made_date": day_to_iso(int(S.promises.made_day[p])),
            "invoice_ids": [S.invoice_ids[int(i)] for i in S.promise_invoices.invoice[v0:v0 + vn]],
            "installments": [{"due_date": day_to_iso(int(PI.due_day[r])),
                              "amount_minor": int(PI.amount[r])} for r in range(i0, i0 + n)],
            "status": PROMISE_STATUS[int(st.status[p])], "promised_minor": int(st.promised[p]),
            "paid_minor": int(st.paid[p])})
    out["promises"] = promises
    ds = S.dunning_steps
    steps = np.flatnonzero((S.invoices.customer[ds.view("invoice")] == ix) &
                           (ds.view("day") <= as_of) & (ds.view("pos") <= known_pos))
    out["dunning"] = [{
        "date": day_to_iso(int(ds.day[r])), "invoice_id": S.invoice_ids[int(ds.invoice[r])],
        "installment": int(ds.installment[r]), "level": int(ds.level[r]),
        "action": S.dunning_policies[int(ds.policy[r])].levels[int(ds.level[r]) - 1].action,
        "policy_id": S.dunning_policy_ids[int(ds.policy[r])],
        "policy_version": S.dunning_versions[S.dunning_policy_ids[int(ds.policy[r])]].index(
            int(ds.policy[r])) + 1,
        "fee_minor": int(ds.fee[r]), "interest_minor": int(ds.interest[r])}
        for r in steps.tolist()]
    rc = S.recoveries
    recovered = (rc.view("customer") == ix) & (rc.view("day") <= as_of) & (
        rc.view("seq") <= known_seq)
    out.update(written_off_minor=int(S.customers.written_off[ix]),
               recovered_minor=int(rc.view("amount")[recovered].sum()),
               sold_minor=int(S.customers.sold[ix]))
    return out


def _limit_as_of(S: State, ix: int, changes: list[dict]) -> int:
    """The limit in force as of the view: the last change shown, else the opening limit
    (the first change's old value, or today's limit when it never changed)."""
    if changes:  # effective last (ties: recorded last), as reports.limits_as_of decides
        return int(max(enumerate(changes),
                       key=lambda kc: (kc[1]["date"], kc[0]))[1]["new_limit_minor"])
    first = next((ev for ev in S.credit_events.get(ix, ()) if ev[0] == "LIMIT"), None)
    return int(first[5]) if first else int(S.customers.credit_limit[ix])
