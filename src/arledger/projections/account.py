"""A customer's credit-control picture (GetAccount) as of a day, as known at a segment:
terms and policies, exposure, holds, limit changes, credit checks, disputes, promises,
dunning steps and bad debt. Days are day numbers (0: none); the server builds messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arledger.domain import entries as E
from arledger.domain import policies as P
from arledger.engine.amounts import known_position
from arledger.engine.promises import PROMISE_STATUS, promise_status
from arledger.engine.state import J_INVOICE, Columns, State
from arledger.projections import views

_OUTCOMES = ("OPEN", "UPHELD", "REJECTED", "PARTIALLY_UPHELD")


@dataclass(frozen=True)
class Terms:
    terms_id: str
    version: int                # 1-based
    definition_json: str


@dataclass(frozen=True)
class HoldEvent:
    day: int
    event: str                  # PLACED or RELEASED
    source: str
    actor: str
    reason: str


@dataclass(frozen=True)
class LimitChange:
    day: int
    old_limit_minor: int
    new_limit_minor: int
    actor: str
    reason: str


@dataclass(frozen=True)
class CreditCheck:
    day: int
    invoice_id: str
    action: str
    exposure_before_minor: int
    invoice_minor: int
    limit_minor: int


@dataclass(frozen=True)
class DisputeView:
    dispute_id: str
    invoice_id: str
    amount_minor: int
    reason_code: str
    opened_day: int
    state: str                  # OPEN, UNDER_REVIEW or the outcome
    resolved_day: int           # 0: not resolved as of the view


@dataclass(frozen=True)
class PromiseView:
    promise_id: str
    made_day: int
    invoice_ids: list[str]
    installments: list[tuple[int, int]]  # (due day, amount minor)
    status: str
    promised_minor: int
    paid_minor: int


@dataclass(frozen=True)
class DunningStep:
    day: int
    invoice_id: str
    installment: int
    level: int
    action: str
    policy_id: str
    policy_version: int
    fee_minor: int
    interest_minor: int


@dataclass(frozen=True)
class Account:
    customer_id: str
    currency: str
    as_of: int
    terms: Terms | None
    over_limit_action: str
    allocation_strategy: str
    dunning_policy_id: str
    credit_limit_minor: int
    exposure_minor: int
    on_hold: bool
    holds: list[HoldEvent]
    limit_changes: list[LimitChange]
    credit_checks: list[CreditCheck]
    disputes: list[DisputeView]
    promises: list[PromiseView]
    dunning: list[DunningStep]
    written_off_minor: int
    recovered_minor: int
    sold_minor: int


def account(S: State, ix: int, as_of: int, known_seq: int) -> Account:
    """A customer's credit-control picture as of `as_of`, as known at segment `known_seq`:
    every figure counts only entries effective by `as_of` and recorded by `known_seq`
    (definitions of terms and credit policy: recorded by `known_seq`)."""
    known_pos = known_position(S, known_seq)
    cu = S.customers
    tid, own, strat, dunning_id = "", 0, 0, ""  # the customer's own policies, as they stood
    holds, limits_, checks = [], [], []
    on_hold = False
    for ev in S.credit_events.get(ix, ()):
        kind, day, pos, actor, reason = ev[:5]
        if day > as_of or pos > known_pos:
            continue
        if kind == "POLICIES":  # empty / 0 fields leave a policy unchanged
            tid, own, strat, dunning_id = (ev[5] or tid, ev[6] or own, ev[7] or strat,
                                           ev[8] or dunning_id)
        elif kind in ("HOLD_PLACED", "HOLD_RELEASED"):
            on_hold = kind == "HOLD_PLACED"
            holds.append(HoldEvent(day, kind[5:],
                                   E.ENUMS["hold_source"][ev[5]] if ev[5] else "", actor, reason))
        elif kind == "LIMIT":
            limits_.append(LimitChange(day, ev[5], ev[6], actor, reason))
        elif kind == "CREDIT_CHECK":
            checks.append(CreditCheck(day, S.invoice_ids[ev[5]], P.OVER_LIMIT_ACTIONS[ev[6]],
                                      ev[7], ev[8], ev[9]))
    pol = _known(S.credit_policies, S.credit_policy_positions, known_pos)
    pol = pol if pol is not None else P.DEFAULT_CREDIT_POLICY
    over_limit = P.OVER_LIMIT_ACTIONS[own] if own else f"{pol.over_limit_action} (policy)"
    strategy = E.ENUMS["allocation_strategy"][strat] if strat else "OLDEST_DUE_FIRST (default)"
    rc = S.recoveries
    recovered = (rc.view("customer") == ix) & (rc.view("day") <= as_of) & (
        rc.view("seq") <= known_seq)
    written_off, sold = _bad_debt(S, ix, as_of, known_seq)
    return Account(
        customer_id=S.customer_ids[ix], currency=S.currencies[cu.currency[ix]], as_of=as_of,
        terms=_terms(S, tid, known_pos), over_limit_action=over_limit,
        allocation_strategy=strategy, dunning_policy_id=dunning_id,
        credit_limit_minor=views.limit_as_of(S, ix, as_of, known_seq),
        exposure_minor=views.balance(S, ix, as_of, known_seq).balance_minor,
        on_hold=on_hold, holds=holds, limit_changes=limits_, credit_checks=checks,
        disputes=_disputes(S, ix, as_of, known_seq), promises=_promises(S, ix, as_of, known_seq),
        dunning=_dunning(S, ix, as_of, known_pos), written_off_minor=written_off,
        recovered_minor=int(rc.view("amount")[recovered].sum()), sold_minor=sold)


def _known(versions: list, positions: Columns, known_pos: int):
    """The last of some versions recorded by `known_pos` (None: none was)."""
    n = int(np.searchsorted(positions.view("pos"), known_pos, side="right"))
    return versions[n - 1] if n else None


def _terms(S: State, tid: str, known_pos: int) -> Terms | None:
    """The customer's terms as they were defined by `known_pos` (its latest version then)."""
    if not tid:
        return None
    pos = S.terms_positions.pos
    known = [v for v in S.terms_versions[tid] if pos[v] <= known_pos]
    return Terms(tid, len(known), S.terms[known[-1]].to_json())


_T = {t.name: t.code for t in E.ENTRY_TYPES}


def _bad_debt(S: State, ix: int, as_of: int, known_seq: int) -> tuple[int, int]:
    """(written off, sold net of recalls) of a customer, from its journal rows."""
    j = S.journal
    m = (j.view("customer") == ix) & (j.view("kind") == J_INVOICE) & (
        j.view("day") <= as_of) & (j.view("seq") <= known_seq)
    et, delta = j.view("etype")[m], j.view("delta")[m]
    written_off = -int(delta[et == _T["InvoiceWrittenOff"]].sum())
    sold = -int(delta[(et == _T["InvoiceSold"]) | (et == _T["InvoiceRecalled"])].sum())
    return written_off, sold


def _disputes(S: State, ix: int, as_of: int, known_seq: int) -> list[DisputeView]:
    d, seqs = S.disputes, S.dispute_seqs
    mine = np.flatnonzero((S.invoices.customer[d.view("invoice")] == ix) &
                          (d.view("opened_day") <= as_of) & (seqs.view("opened") <= known_seq))
    out = []
    for k in mine.tolist():
        resolved = (not d.open[k] and d.resolved_day[k] <= as_of
                    and 0 < seqs.resolved[k] <= known_seq)
        reviewed = 0 < d.review_day[k] <= as_of and 0 < seqs.review[k] <= known_seq
        state = _OUTCOMES[int(d.outcome[k])] if resolved else \
            ("UNDER_REVIEW" if reviewed else "OPEN")
        out.append(DisputeView(S.dispute_ids[k], S.invoice_ids[int(d.invoice[k])],
                               int(d.amount[k]), S.dispute_reasons[k], int(d.opened_day[k]),
                               state, int(d.resolved_day[k]) if resolved else 0))
    return out


def _promises(S: State, ix: int, as_of: int, known_seq: int) -> list[PromiseView]:
    st = promise_status(S, as_of, known_seq)
    PR, PI = S.promises, S.promise_installments
    out = []
    for p in S.customer_promises.get(ix, ()):
        if not st.known[p]:
            continue
        i0, n = int(PR.inst_first[p]), int(PR.inst_n[p])
        v0, vn = int(PR.inv_first[p]), int(PR.inv_n[p])
        out.append(PromiseView(
            S.promise_ids[p], int(PR.made_day[p]),
            [S.invoice_ids[int(i)] for i in S.promise_invoices.invoice[v0:v0 + vn]],
            [(int(PI.due_day[r]), int(PI.amount[r])) for r in range(i0, i0 + n)],
            PROMISE_STATUS[int(st.status[p])], int(st.promised[p]), int(st.paid[p])))
    return out


def _dunning(S: State, ix: int, as_of: int, known_pos: int) -> list[DunningStep]:
    ds = S.dunning_steps
    steps = np.flatnonzero((S.invoices.customer[ds.view("invoice")] == ix) &
                           (ds.view("day") <= as_of) & (ds.view("pos") <= known_pos))
    out = []
    for r in steps.tolist():
        pol = int(ds.policy[r])
        pid = S.dunning_policy_ids[pol]
        out.append(DunningStep(
            int(ds.day[r]), S.invoice_ids[int(ds.invoice[r])], int(ds.installment[r]),
            int(ds.level[r]), S.dunning_policies[pol].levels[int(ds.level[r]) - 1].action,
            pid, S.dunning_versions[pid].index(pol) + 1, int(ds.fee[r]),
            int(ds.interest[r])))
    return out
