"""Credit control: payment terms, credit policy and dunning ladders as versioned data, a
customer's own policies, credit-limit decisions, and holds."""

from __future__ import annotations

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import policies as P
from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine.decide.context import Ctx
from arledger.engine.decide.customers import live_customer
from arledger.engine.decide.invoices import policy, terms_currency
from arledger.v1 import commands_pb2 as pb

_BASES = {pb.NET: P.TERMS_NET, pb.END_OF_MONTH: P.TERMS_EOM,
          pb.DAYS_THEN_END_OF_MONTH: P.TERMS_DAYS_EOM}
_CUSTOMER_STRATEGIES = frozenset({pb.OLDEST_DUE_FIRST, pb.NEWEST_DUE_FIRST, pb.LEAVE_UNAPPLIED,
                                  pb.FEES_INTEREST_PRINCIPAL})


def _version(ctx: Ctx, kind: str, pid: str) -> tuple[int, int]:
    """(index of the new version among all versions, its number for `pid`)."""
    pol = ctx.D.policies
    if kind == "terms":
        return len(pol.terms), len(pol.terms_versions.get(pid, ())) + 1
    return len(pol.dunning_policies), len(pol.dunning_versions.get(pid, ())) + 1


def define_payment_terms(ctx: Ctx, m: pb.DefinePaymentTermsRequest) -> None:
    V.person(m.actor, m.reason, "defining payment terms")
    tid = V.ident(m.terms_id, "terms_id")
    if m.basis not in _BASES:
        raise error("INVALID_ENUM", "basis is required (NET, END_OF_MONTH or "
                    "DAYS_THEN_END_OF_MONTH)")
    lines = []
    for n, i in enumerate(m.installments):
        if i.basis and i.basis not in _BASES:
            raise error("INVALID_ENUM", f"installments[{n}].basis is not a terms basis")
        lines.append(P.Installment(i.percent_bp, i.days, _BASES.get(i.basis, ""),
                                   i.day_of_month, i.months))
    if m.discount_currency:
        V.currency(m.discount_currency, "discount_currency")
    terms = P.check_terms(P.PaymentTerms(
        basis=_BASES[m.basis], days=m.days, day_of_month=m.day_of_month,
        installments=tuple(lines), discount_bp=m.discount_bp, discount_days=m.discount_days,
        months=m.months, discount_fixed_minor=m.discount_fixed_minor,
        discount_currency=m.discount_currency))
    day = V.day(m.effective_date, "effective_date")
    ix, version = _version(ctx, "terms", tid)
    ctx.entry("PaymentTermsDefined", day, terms_ix=ix, terms_id=tid, version=version,
              definition=terms.to_json())


def define_dunning_policy(ctx: Ctx, m: pb.DefineDunningPolicyRequest) -> None:
    V.person(m.actor, m.reason, "defining a dunning policy")
    pid = V.ident(m.policy_id, "policy_id")
    levels = []
    for n, lv in enumerate(m.levels):
        if lv.action not in range(1, len(P.DUNNING_ACTIONS)):
            raise error("INVALID_ENUM", f"levels[{n}].action is required")
        if lv.text_key:
            V.ident(lv.text_key, f"levels[{n}].text_key")
        levels.append(P.DunningLevel(lv.days_past_due, P.DUNNING_ACTIONS[lv.action],
                                     lv.fee_fixed_minor, lv.fee_bp, lv.interest_bp_per_year,
                                     lv.text_key))
    pol = P.check_dunning_policy(P.DunningPolicy(tuple(levels), m.day_count or 365))
    day = V.day(m.effective_date, "effective_date")
    ix, version = _version(ctx, "dunning", pid)
    ctx.entry("DunningPolicyDefined", day, policy_ix=ix, policy_id=pid, version=version,
              definition=pol.to_json())


def define_credit_policy(ctx: Ctx, m: pb.DefineCreditPolicyRequest) -> None:
    V.person(m.actor, m.reason, "defining the credit policy")
    if m.over_limit_action not in (P.REJECT, P.HOLD, P.WARN):
        raise error("INVALID_ENUM", "over_limit_action is required (REJECT, HOLD or WARN)")
    pol = P.check_credit_policy(P.CreditPolicy(
        P.OVER_LIMIT_ACTIONS[m.over_limit_action], m.hold_days_past_due,
        m.short_pay_tolerance_minor, m.short_pay_tolerance_bp))
    day = V.day(m.effective_date, "effective_date")
    ctx.entry("CreditPolicyDefined", day, version=len(ctx.D.policies.credit_policies) + 1,
              definition=pol.to_json())


def set_customer_policies(ctx: Ctx, m: pb.SetCustomerPoliciesRequest) -> None:
    V.person(m.actor, m.reason, "a change of a customer's policies")
    c = live_customer(ctx, m.customer_id)
    if m.payment_terms_id:
        _, _, terms = policy(ctx, "terms", V.ident(m.payment_terms_id, "payment_terms_id"), 0,
                             "payment_terms_id")
        terms_currency(terms, c.currency, m.payment_terms_id)
    if m.dunning_policy_id:
        policy(ctx, "dunning", V.ident(m.dunning_policy_id, "dunning_policy_id"), 0,
               "dunning_policy_id")
    if m.over_limit_action not in (0, P.REJECT, P.HOLD, P.WARN):
        raise error("INVALID_ENUM", "over_limit_action must be REJECT, HOLD or WARN")
    if m.allocation_strategy and m.allocation_strategy not in _CUSTOMER_STRATEGIES:
        raise error("INVALID_ENUM", "a customer's allocation_strategy is OLDEST_DUE_FIRST, "
                    "NEWEST_DUE_FIRST, FEES_INTEREST_PRINCIPAL or LEAVE_UNAPPLIED")
    if not (m.payment_terms_id or m.dunning_policy_id or m.over_limit_action or
            m.allocation_strategy):
        raise error("NOTHING_TO_CHANGE", "set at least one policy")
    day = V.day(m.effective_date, "effective_date")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
    ctx.entry("CustomerPoliciesSet", day, customer_ix=c.ix, terms_id=m.payment_terms_id,
              over_limit_action=m.over_limit_action, allocation_strategy=m.allocation_strategy,
              dunning_policy_id=m.dunning_policy_id)


def change_credit_limit(ctx: Ctx, m: pb.ChangeCreditLimitRequest) -> None:
    V.person(m.actor, m.reason, "a credit-limit decision")
    c = live_customer(ctx, m.customer_id)
    if not 0 <= m.new_limit_minor <= limits.credit_limit_minor_max:
        raise error("INVALID_CREDIT_LIMIT", "new_limit_minor must be 0..10^15")
    if m.new_limit_minor == c.credit_limit:
        raise error("NOTHING_TO_CHANGE", f"the limit is already {c.credit_limit}")
    day = V.day(m.effective_date, "effective_date")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
    ctx.entry("CreditLimitChanged", day, customer_ix=c.ix, old_limit_minor=c.credit_limit,
              new_limit_minor=m.new_limit_minor)


def place_hold(ctx: Ctx, m: pb.PlaceHoldRequest) -> None:
    V.person(m.actor, m.reason, "placing a hold")
    c = live_customer(ctx, m.customer_id)
    day = V.day(m.effective_date, "effective_date")
    if c.on_hold:
        raise error("ALREADY_ON_HOLD", f"customer {m.customer_id!r} is already on hold")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
    ctx.entry("CustomerHoldPlaced", day, customer_ix=c.ix, hold_source=E.HOLD_MANUAL)


def release_hold(ctx: Ctx, m: pb.ReleaseHoldRequest) -> None:
    V.person(m.actor, m.reason, "releasing a hold")
    c = live_customer(ctx, m.customer_id)
    day = V.day(m.effective_date, "effective_date")
    if not c.on_hold:
        raise error("NOT_ON_HOLD", f"customer {m.customer_id!r} is not on hold")
    if day < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
    ctx.entry("CustomerHoldReleased", day, customer_ix=c.ix)


HANDLERS = {"define_payment_terms": define_payment_terms,
            "define_dunning_policy": define_dunning_policy,
            "define_credit_policy": define_credit_policy,
            "set_customer_policies": set_customer_policies,
            "change_credit_limit": change_credit_limit, "place_hold": place_hold,
            "release_hold": release_hold}
