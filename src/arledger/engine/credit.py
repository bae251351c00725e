"""Deciding issue 4's commands: terms, credit control, promises, dunning, bad debt.

A mixin of the Decider (engine/decide.py): the same overlay, envelope, undo log and
"validate everything before the first write" rule. Policies are looked up as committed in
the State plus what earlier commands of the same group defined.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import policies as P
from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.v1 import commands_pb2 as pb

_CUST, _INV, _PAY, _CN, _DSP, _PROM, _SALE = ("customer", "invoice", "payment", "credit_note",
                                              "dispute", "promise", "sale")
_BASES = {pb.NET: P.TERMS_NET, pb.END_OF_MONTH: P.TERMS_EOM}
_CUSTOMER_STRATEGIES = frozenset({pb.OLDEST_DUE_FIRST, pb.NEWEST_DUE_FIRST, pb.LEAVE_UNAPPLIED,
                                  pb.FEES_INTEREST_PRINCIPAL})
_METHODS = frozenset(pb.PaymentMethod.values()) - {0}
_HOLD_TEXT = {E.HOLD_MANUAL: "placed by hand", E.HOLD_OVER_LIMIT: "exposure over the credit limit",
              E.HOLD_PAST_DUE: "installments past due beyond the credit policy",
              E.HOLD_DUNNING: "a dunning step"}


class CreditControl:
    """Handlers and helpers; `self` is the Decider."""

    S: Any

    def reset_credit_control(self) -> None:
        # Policies defined in this group: kind -> [(id, version index, definition)].
        self.new_policies: dict[str, list[tuple[str, int, Any]]] = {"terms": [], "dunning": [],
                                                                     "credit": []}
        # Per customer: {"terms": id, "dunning": id} set in this group.
        self.cust_settings: dict[int, dict[str, str]] = {}
        # (payment, entry type) -> {invoice: amount} closed with it (discounts, small balances).
        self.closures: dict[tuple[int, str], dict[int, int]] = {}
        # Per customer: [written off, recovered, sold] changed in this group.
        self.bad: dict[int, list[int]] = {}
        self.sold: dict[int, tuple[int, int] | None] = {}
        self.new_refs: dict[str, dict[str, bool]] = {"recovery": {}, "refund": {}}
        self.hold_reasons: dict[int, str] = {}
        # Per customer: how much this group moved its balance (exposure = committed + this).
        self.bal_delta: dict[int, int] = {}

    # ---- small helpers --------------------------------------------------------------------

    def envelope_of(self, e: int) -> tuple[str, str, str, int]:
        env = self._env
        return env["request_id"][e], env["actor"][e], env["reason"][e], env["request_hash"][e]

    def balance(self, cust: int, delta: int) -> None:
        """Move the customer's running balance by what this group decided (exposure)."""
        d = self.bal_delta
        self._set(d, cust, d.get(cust, 0) + delta)

    def exposure(self, cust: int) -> int:
        """Balance now: committed running balance + what this group moved."""
        c = self.S.customers
        return (c.balance.item(cust) if cust < c.n else 0) + self.bal_delta.get(cust, 0)

    def hold_reason(self, cust: int) -> str:
        pending = self.hold_reasons.get(cust)
        if pending:
            return pending
        for ev in reversed(self.S.credit_events.get(cust, ())):
            if ev[0] == "HOLD_PLACED":
                return f"{_HOLD_TEXT.get(ev[5], 'hold')} on {day_to_iso(ev[1])}" + \
                    (f" ({ev[4]})" if ev[4] else "")
        return "on hold"

    def _versions(self, kind: str, pid: str) -> list[tuple[int, Any]]:
        S = self.S
        if kind == "terms":
            committed = [(ix, S.terms[ix]) for ix in S.terms_versions.get(pid, ())]
        else:
            committed = [(ix, S.dunning_policies[ix]) for ix in S.dunning_versions.get(pid, ())]
        return committed + [(ix, d) for i, ix, d in self.new_policies[kind] if i == pid]

    def _policy(self, kind: str, pid: str, version: int, field: str) -> tuple[int, int, Any]:
        """(version index, version number, definition) of a policy id; latest for version 0."""
        vs = self._versions(kind, pid)
        what = "payment terms" if kind == "terms" else "dunning policy"
        if not vs:
            raise error("UNKNOWN_POLICY", f"{field}: no {what} {pid!r}")
        if version < 0 or version > len(vs):
            raise error("UNKNOWN_POLICY_VERSION", f"{field}: {what} {pid!r} has versions "
                        f"1..{len(vs)}, not {version}")
        n = version or len(vs)
        ix, d = vs[n - 1]
        return ix, n, d

    def credit_policy(self) -> P.CreditPolicy:
        pending = self.new_policies["credit"]
        if pending:
            return pending[-1][2]
        return self.S.credit_policies[-1] if self.S.credit_policies else P.DEFAULT_CREDIT_POLICY

    def _setting(self, cust: int, key: str) -> str:
        d = self.cust_settings.get(cust)
        if d and key in d:
            return d[key]
        src = self.S.customer_terms if key == "terms" else self.S.customer_dunning
        return src.get(cust, "")

    def _bad_debt(self, cust: int) -> list[int]:
        """[written off, recovered, sold] of a customer, this group's decisions included."""
        b = self.bad.get(cust)
        if b is not None:
            return b
        S, r = self.S, self.S.recoveries
        return [S.customer_written_off.get(cust, 0),
                int(r.view("amount")[r.view("customer") == cust].sum()),
                S.customer_sold.get(cust, 0)]

    def _add_bad_debt(self, cust: int, which: int, amount: int) -> None:
        b = list(self._bad_debt(cust))
        b[which] += amount
        self._set(self.bad, cust, b)

    def _sale_of(self, inv: int) -> tuple[int, int] | None:
        if inv in self.sold:
            return self.sold[inv]
        return self.S.invoice_sale.get(inv)

    # ---- invoices: terms and the credit check ---------------------------------------------

    def invoice_terms(self, m: pb.IssueInvoiceRequest, cust: int, issue: int,
                      amount: int) -> tuple[int, list[tuple[int, int]], tuple[int, int]] | None:
        """(terms version index, schedule, (discount, last day)) for an invoice, or None."""
        tid = m.terms_id
        if tid:
            V.ident(tid, "terms_id")
            if m.due_date:
                raise error("DUE_DATE_WITH_TERMS", "give terms_id or due_date, not both")
        elif m.due_date or m.terms_version:
            if m.terms_version:
                raise error("MISSING_FIELD", "terms_version needs terms_id")
            return None
        else:
            tid = self._setting(cust, "terms")
            if not tid:
                return None
        ix, _, terms = self._policy("terms", tid, m.terms_version, "terms_id")
        return ix, terms.schedule(issue, amount), terms.discount(issue, amount)

    def apply_terms(self, inv: int, terms: tuple, issue: int, env: tuple) -> None:
        tix, schedule, (disc, until) = terms
        e = self.entry("InvoiceTermsApplied", issue, env, invoice_ix=inv, terms_ix=tix,
                       discount_minor=disc, discount_until_day=until)
        if len(schedule) > 1:
            t = self.b.table(E.INSTALLMENTS, E.INSTALLMENT_COLUMNS)
            for n, (due, amt) in enumerate(schedule, 1):
                t["_e"].append(e)
                t["invoice_ix"].append(inv)
                t["number"].append(n)
                t["due_day"].append(due)
                t["amount_minor"].append(amt)

    def credit_check(self, cust: int, cr: tuple, amount: int) -> tuple[int, int, int] | None:
        """None when within the limit (or no limit: 0 means none is set); else (action,
        exposure before, limit). REJECT refuses here, before anything is written."""
        limit = cr[4]
        if not limit:
            return None
        exposure = self.exposure(cust)
        if exposure + amount <= limit:
            return None
        action = cr[6] or P.OVER_LIMIT_ACTIONS.index(self.credit_policy().over_limit_action)
        if action == P.REJECT:
            raise error("CREDIT_LIMIT_EXCEEDED", f"exposure {exposure} + invoice {amount} "
                        f"exceeds the credit limit {limit}", exposure_minor=exposure,
                        invoice_minor=amount, limit_minor=limit)
        return action, exposure, limit

    def record_credit_check(self, cust: int, inv: int, amount: int, check: tuple, day: int,
                            env: tuple, out: Any) -> None:
        action, exposure, limit = check
        self.entry("CreditCheckDecided", day, env, customer_ix=cust, invoice_ix=inv,
                   over_limit_action=action, exposure_before_minor=exposure,
                   invoice_minor=amount, limit_minor=limit)
        out.warnings.append("CREDIT_LIMIT_EXCEEDED")
        if action == P.HOLD:
            self._hold(cust, E.HOLD_OVER_LIMIT, day, env)
            out.warnings.append("ON_HOLD_PLACED")

    def _hold(self, cust: int, source: int, day: int, env: tuple) -> None:
        self.put(_CUST, cust, _5=1)
        self._set(self.hold_reasons, cust, f"{_HOLD_TEXT[source]} on {day_to_iso(day)}")
        self.entry("CustomerHoldPlaced", day, env, customer_ix=cust, hold_source=source)

    # ---- cash application: discounts, tolerance, reversal ---------------------------------

    def close_rest(self, inv: int, pay: int, amount: int, type_name: str, day: int,
                   env: tuple) -> None:
        """Close `amount` of an invoice without money (a discount taken or a small balance
        written off) on behalf of a payment; negative amounts undo it."""
        r = self.rec(_INV, inv)
        self.put(_INV, inv, _4=r[4] - amount, _9=0 if type_name == "DiscountTaken" else r[9])
        self.balance(r[0], -amount)
        key = (pay, type_name)
        cur = dict(self._closures(key))
        cur[inv] = cur.get(inv, 0) + amount
        if not cur[inv]:
            del cur[inv]
        self._set(self.closures, key, cur)
        self.entry(type_name, day, env, invoice_ix=inv, payment_ix=pay, amount_minor=amount)

    def _closures(self, key: tuple[int, str]) -> dict[int, int]:
        d = self.closures.get(key)
        if d is not None:
            return d
        if key[1] == "DiscountTaken":
            return self.S.payment_discounts.get(key[0], {})
        return self.S.payment_small_writeoffs.get(key[0], {})

    def short_pay_tolerance(self, plan: list, pay: int, e: int, out: Any) -> None:
        """A payment that used all its cash and left at most the tolerance open on an invoice
        it paid closes that rest with a small-balance write-off."""
        pol = self.credit_policy()
        if not (pol.short_pay_tolerance_minor or pol.short_pay_tolerance_bp):
            return
        day, env = self._env["effective_day"][e], self.envelope_of(e)
        if self.rec(_PAY, pay)[3] != 0:
            return
        for inv, _, _, _ in plan:
            r = self.rec(_INV, inv)
            if 0 < r[4] <= pol.tolerance(r[1]):
                self.close_rest(inv, pay, r[4], "SmallBalanceWrittenOff", day, env)
                out.warnings.append("SMALL_BALANCE_WRITTEN_OFF")

    def undo_closures(self, pay: int, day: int, env: tuple) -> None:
        for type_name in ("DiscountTaken", "SmallBalanceWrittenOff"):
            for inv, amt in sorted(self._closures((pay, type_name)).items()):
                self.close_rest(inv, pay, -amt, type_name, day, env)

    # ---- policies ---------------------------------------------------------------------------

    def _define(self, kind: str, pid: str, definition: Any, day: int, env: tuple,
                type_name: str, id_col: str, ix_col: str) -> None:
        S = self.S
        n_committed = len(S.terms) if kind == "terms" else len(S.dunning_policies)
        ix = n_committed + len(self.new_policies[kind])
        version = len(self._versions(kind, pid)) + 1
        self._append(self.new_policies[kind], (pid, ix, definition))
        self.entry(type_name, day, env, **{ix_col: ix, id_col: pid}, version=version,
                   definition=definition.to_json())

    def _define_payment_terms(self, m: pb.DefinePaymentTermsRequest, env, out) -> None:
        V.person(m.actor, m.reason, "defining payment terms")
        tid = V.ident(m.terms_id, "terms_id")
        if m.basis not in _BASES:
            raise error("INVALID_ENUM", "basis is required (NET or END_OF_MONTH)")
        terms = P.check_terms(P.PaymentTerms(
            basis=_BASES[m.basis], days=m.days, day_of_month=m.day_of_month,
            installments=tuple(P.Installment(i.percent_bp, i.days) for i in m.installments),
            discount_bp=m.discount_bp, discount_days=m.discount_days))
        day = V.day(m.effective_date, "effective_date")
        self._define("terms", tid, terms, day, env, "PaymentTermsDefined", "terms_id", "terms_ix")

    def _define_dunning_policy(self, m: pb.DefineDunningPolicyRequest, env, out) -> None:
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
        policy = P.check_dunning_policy(P.DunningPolicy(tuple(levels), m.day_count or 365))
        day = V.day(m.effective_date, "effective_date")
        self._define("dunning", pid, policy, day, env, "DunningPolicyDefined", "policy_id",
                     "policy_ix")

    def _define_credit_policy(self, m: pb.DefineCreditPolicyRequest, env, out) -> None:
        V.person(m.actor, m.reason, "defining the credit policy")
        if m.over_limit_action not in (P.REJECT, P.HOLD, P.WARN):
            raise error("INVALID_ENUM", "over_limit_action is required (REJECT, HOLD or WARN)")
        pol = P.check_credit_policy(P.CreditPolicy(
            P.OVER_LIMIT_ACTIONS[m.over_limit_action], m.hold_days_past_due,
            m.short_pay_tolerance_minor, m.short_pay_tolerance_bp))
        day = V.day(m.effective_date, "effective_date")
        version = len(self.S.credit_policies) + len(self.new_policies["credit"]) + 1
        self._append(self.new_policies["credit"], ("", version, pol))
        self.entry("CreditPolicyDefined", day, env, version=version, definition=pol.to_json())

    def _set_customer_policies(self, m: pb.SetCustomerPoliciesRequest, env, out) -> None:
        V.person(m.actor, m.reason, "a change of a customer's policies")
        cust, cr = self._live_customer(m.customer_id)
        if m.payment_terms_id:
            self._policy("terms", V.ident(m.payment_terms_id, "payment_terms_id"), 0,
                         "payment_terms_id")
        if m.dunning_policy_id:
            self._policy("dunning", V.ident(m.dunning_policy_id, "dunning_policy_id"), 0,
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
        if day < cr[3]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
        settings = dict(self.cust_settings.get(cust, {}))
        if m.payment_terms_id:
            settings["terms"] = m.payment_terms_id
        if m.dunning_policy_id:
            settings["dunning"] = m.dunning_policy_id
        self._set(self.cust_settings, cust, settings)
        self.put(_CUST, cust, _6=m.over_limit_action or cr[6], _7=m.allocation_strategy or cr[7])
        self.entry("CustomerPoliciesSet", day, env, customer_ix=cust,
                   terms_id=m.payment_terms_id, over_limit_action=m.over_limit_action,
                   allocation_strategy=m.allocation_strategy,
                   dunning_policy_id=m.dunning_policy_id)

    # ---- credit decisions and holds -------------------------------------------------------

    def _change_credit_limit(self, m: pb.ChangeCreditLimitRequest, env, out) -> None:
        V.person(m.actor, m.reason, "a credit-limit decision")
        cust, cr = self._live_customer(m.customer_id)
        if not 0 <= m.new_limit_minor <= limits.credit_limit_minor_max:
            raise error("INVALID_CREDIT_LIMIT", "new_limit_minor must be 0..10^15")
        if m.new_limit_minor == cr[4]:
            raise error("NOTHING_TO_CHANGE", f"the limit is already {cr[4]}")
        day = V.day(m.effective_date, "effective_date")
        if day < cr[3]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
        self.put(_CUST, cust, _4=m.new_limit_minor)
        self.entry("CreditLimitChanged", day, env, customer_ix=cust, old_limit_minor=cr[4],
                   new_limit_minor=m.new_limit_minor)

    def _place_hold(self, m: pb.PlaceHoldRequest, env, out) -> None:
        V.person(m.actor, m.reason, "placing a hold")
        cust, cr = self._live_customer(m.customer_id)
        day = V.day(m.effective_date, "effective_date")
        if cr[5]:
            raise error("ALREADY_ON_HOLD", f"customer {m.customer_id!r} is already on hold")
        if day < cr[3]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
        self._hold(cust, E.HOLD_MANUAL, day, env)
        self._set(self.hold_reasons, cust, f"placed by {m.actor} on {day_to_iso(day)} "
                  f"({m.reason})")

    def _release_hold(self, m: pb.ReleaseHoldRequest, env, out) -> None:
        V.person(m.actor, m.reason, "releasing a hold")
        cust, cr = self._live_customer(m.customer_id)
        day = V.day(m.effective_date, "effective_date")
        if not cr[5]:
            raise error("NOT_ON_HOLD", f"customer {m.customer_id!r} is not on hold")
        if day < cr[3]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
        self.put(_CUST, cust, _5=0)
        self.entry("CustomerHoldReleased", day, env, customer_ix=cust)

    def _review_dispute(self, m: pb.ReviewDisputeRequest, env, out) -> None:
        V.person(m.actor, m.reason, "a dispute review")
        ix = self.must(_DSP, m.dispute_id, "dispute_id")
        r = self.rec(_DSP, ix)
        if not r[3]:
            raise error("DISPUTE_NOT_OPEN", f"dispute {m.dispute_id!r} is already resolved")
        if r[4]:
            raise error("DISPUTE_UNDER_REVIEW", f"dispute {m.dispute_id!r} is already under review")
        day = V.day(m.effective_date, "effective_date")
        if day < r[2]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the dispute opened")
        self.put(_DSP, ix, _4=1)
        self.entry("DisputeReviewStarted", day, env, dispute_ix=ix)

    # ---- promises -------------------------------------------------------------------------

    def _record_promise(self, m: pb.RecordPromiseRequest, env, out) -> None:
        pid = V.ident(m.promise_id, "promise_id")
        cust, cr = self._live_customer(m.customer_id)
        made = V.day(m.made_date, "made_date")
        if made < cr[3]:
            raise error("DATE_BEFORE_ORIGIN", "made_date is before the account opened")
        if not 0 < len(m.installments) <= limits.promise_installments_max:
            raise error("MISSING_FIELD" if not m.installments else "TOO_MANY_ITEMS",
                        f"a promise has 1..{limits.promise_installments_max} installments")
        if len(m.invoice_ids) > limits.invoices_per_promise_max:
            raise error("TOO_MANY_ITEMS", f"at most {limits.invoices_per_promise_max} invoices")
        plan, last, total = [], made - 1, 0
        for n, inst in enumerate(m.installments):
            due = V.day(inst.due_date, f"installments[{n}].due_date")
            if due < made:
                raise error("PROMISE_DATE_IN_PAST", f"installments[{n}].due_date "
                            f"{inst.due_date} is before the promise was made ({m.made_date})")
            if due <= last:
                raise error("INVALID_PROMISE", "installment dates must be strictly increasing")
            last = due
            total += V.amount(inst.amount_minor, f"installments[{n}].amount_minor")
            plan.append((due, inst.amount_minor))
        V.amount(total, "the promised total")
        invoices = []
        for n, iid in enumerate(m.invoice_ids):
            ix, r = self._invoice(iid)
            if r[0] != cust:
                raise error("INVOICE_OF_OTHER_CUSTOMER", f"invoice {iid!r} belongs to another "
                            "customer")
            if ix in invoices:
                raise error("DUPLICATE_ALLOCATION", f"invoice {iid!r} appears twice")
            invoices.append(ix)
        if self.find(_PROM, pid) is not None:
            raise error("PROMISE_EXISTS", f"promise {pid!r} already exists")
        ix = self.create(_PROM, pid)
        self.put(_PROM, ix, cust)
        e = self.entry("PromiseMade", made, env, promise_ix=ix, promise_id=pid, customer_ix=cust,
                       amount_minor=total)
        t = self.b.table(E.PROMISE_INSTALLMENTS, E.PROMISE_INSTALLMENT_COLUMNS)
        for due, amt in plan:
            t["_e"].append(e)
            t["promise_ix"].append(ix)
            t["due_day"].append(due)
            t["amount_minor"].append(amt)
        if invoices:
            t = self.b.table(E.PROMISE_INVOICES, E.PROMISE_INVOICE_COLUMNS)
            for inv in invoices:
                t["_e"].append(e)
                t["promise_ix"].append(ix)
                t["invoice_ix"].append(inv)

    # ---- bad debt ---------------------------------------------------------------------------

    def _write_off_customer(self, m: pb.WriteOffCustomerRequest, env, out) -> None:
        V.person(m.actor, m.reason, "a write-off")
        cust = self.must(_CUST, m.customer_id, "customer_id")
        day = V.day(m.effective_date, "effective_date")
        items = []
        for ix in self.children(_INV, cust):
            r = self.rec(_INV, ix)
            if r[4] > 0 and not r[6]:
                if day < max(r[2], r[7]):
                    raise error("DATE_BEFORE_ORIGIN", f"invoice {self.id_of(_INV, ix)!r} was "
                                "issued or reopened after effective_date")
                items.append((ix, r))
        if not items:
            raise error("NOTHING_OPEN", f"customer {m.customer_id!r} has nothing open")
        if len(items) > limits.items_per_sale_max:
            raise error("TOO_MANY_ITEMS", f"{len(items)} open invoices; write off at most "
                        f"{limits.items_per_sale_max} in one command (by invoice)")
        for ix, r in items:
            self.put(_INV, ix, _4=0)
            self.balance(cust, -r[4])
            self._add_bad_debt(cust, 0, r[4])
            self.entry("InvoiceWrittenOff", day, env, invoice_ix=ix, amount_minor=r[4])

    def _record_recovery(self, m: pb.RecordRecoveryRequest, env, out) -> None:
        V.person(m.actor, m.reason, "a bad-debt recovery")
        rid = V.ident(m.recovery_id, "recovery_id")
        cust = self.must(_CUST, m.customer_id, "customer_id")
        amount = self.money_received(m, self.rec(_CUST, cust), "recovery")
        day = V.day(m.value_date, "value_date")
        bad = self._bad_debt(cust)
        if amount > bad[0] - bad[1]:
            raise error("RECOVERY_EXCEEDS_WRITTEN_OFF", f"{bad[0] - bad[1]} written off and not "
                        f"yet recovered, {amount} recorded")
        if rid in self.S.recovery_ids or rid in self.new_refs["recovery"]:
            raise error("RECOVERY_EXISTS", f"recovery {rid!r} already exists")
        self._add_bad_debt(cust, 1, amount)
        self._set(self.new_refs["recovery"], rid, True)
        self.entry("BadDebtRecovered", day, env, recovery_id=rid, customer_ix=cust,
                   amount_minor=amount, method=m.method, value_day=day)

    def _sell_receivables(self, m: pb.SellReceivablesRequest, env, out) -> None:
        V.person(m.actor, m.reason, "a sale of receivables")
        sid = V.ident(m.sale_id, "sale_id")
        V.text(m.agency, "agency", required=True)
        if not 0 < m.price_bp <= P.BP:
            raise error("INVALID_PRICE", "price_bp must be 1..10000 (a share of face value)")
        if not 0 < len(m.invoice_ids) <= limits.items_per_sale_max:
            raise error("MISSING_FIELD" if not m.invoice_ids else "TOO_MANY_ITEMS",
                        f"a sale has 1..{limits.items_per_sale_max} invoices")
        day = V.day(m.sale_date, "sale_date")
        items, seen, currency = [], set(), None
        for iid in m.invoice_ids:
            ix, r = self._invoice(iid)
            if ix in seen:
                raise error("DUPLICATE_ALLOCATION", f"invoice {iid!r} appears twice")
            seen.add(ix)
            if r[4] <= 0:
                raise error("NOTHING_OPEN", f"invoice {iid!r} has nothing open")
            if day < max(r[2], r[7]):
                raise error("DATE_BEFORE_ORIGIN", f"invoice {iid!r} was issued or reopened after "
                            "the sale date")
            cur = self.rec(_CUST, r[0])[0]
            if currency not in (None, cur):
                raise error("CURRENCY_MISMATCH", "a sale's invoices share one currency")
            currency = cur
            items.append((ix, r))
        if self.find(_SALE, sid) is not None:
            raise error("SALE_EXISTS", f"sale {sid!r} already exists")
        face = sum(r[4] for _, r in items)
        price = sum(P.percent_of(r[4], m.price_bp) for _, r in items)
        ix = self.create(_SALE, sid)
        self.put(_SALE, ix, m.price_bp, day)
        self.entry("ReceivablesSold", day, env, sale_ix=ix, sale_id=sid, agency=m.agency,
                   currency=currency, face_minor=face, price_minor=price, price_bp=m.price_bp)
        for inv, r in items:
            self.put(_INV, inv, _4=0)
            self.balance(r[0], -r[4])
            self._set(self.sold, inv, (ix, r[4]))
            self._add_bad_debt(r[0], 2, r[4])
            self.entry("InvoiceSold", day, env, invoice_ix=inv, sale_ix=ix, amount_minor=r[4])

    def _recall_sold_receivables(self, m: pb.RecallSoldReceivablesRequest, env, out) -> None:
        V.person(m.actor, m.reason, "a recall of sold receivables")
        sale = self.must(_SALE, m.sale_id, "sale_id")
        price_bp, sale_day = self.rec(_SALE, sale)
        day = V.day(m.recall_date, "recall_date")
        if day < sale_day:
            raise error("DATE_BEFORE_ORIGIN", "recall_date is before the sale")
        if not 0 < len(m.invoice_ids) <= limits.items_per_sale_max:
            raise error("MISSING_FIELD" if not m.invoice_ids else "TOO_MANY_ITEMS",
                        f"a recall has 1..{limits.items_per_sale_max} invoices")
        items, seen = [], set()
        for iid in m.invoice_ids:
            inv = self.must(_INV, iid, "invoice_ids")
            sold = self._sale_of(inv)
            if sold is None or sold[0] != sale or inv in seen:
                raise error("NOT_SOLD_IN_SALE", f"invoice {iid!r} is not (or no longer) sold in "
                            f"sale {m.sale_id!r}")
            seen.add(inv)
            items.append((inv, sold[1]))
        for inv, amt in items:
            r = self.rec(_INV, inv)
            self.put(_INV, inv, _4=r[4] + amt)
            self.balance(r[0], amt)
            self._set(self.sold, inv, None)
            self._add_bad_debt(r[0], 2, -amt)
            self.entry("InvoiceRecalled", day, env, invoice_ix=inv, sale_ix=sale, amount_minor=amt,
                       refund_minor=P.percent_of(amt, price_bp))

    def _refund_unapplied(self, m: pb.RefundUnappliedRequest, env, out) -> None:
        V.person(m.actor, m.reason, "a refund")
        rid = V.ident(m.refund_id, "refund_id")
        if bool(m.payment_id) == bool(m.credit_note_id):
            raise error("REFUND_SOURCE_REQUIRED", "name exactly one of payment_id and "
                        "credit_note_id")
        amount = V.amount(m.amount_minor, "amount_minor")
        if m.method not in _METHODS:
            raise error("INVALID_ENUM", "method is required (BANK_TRANSFER, CHEQUE, CARD, ...)")
        day = V.day(m.refund_date, "refund_date")
        if m.payment_id:
            kind, src = _PAY, self.must(_PAY, m.payment_id, "payment_id")
            r = self.rec(_PAY, src)
            if r[4]:
                raise error("PAYMENT_REVERSED", f"payment {m.payment_id!r} was reversed")
            origin = max(r[2], r[5])
        else:
            kind, src = _CN, self.must(_CN, m.credit_note_id, "credit_note_id")
            r = self.rec(_CN, src)
            origin = r[2]
        if amount > r[3]:
            raise error("REFUND_EXCEEDS_UNAPPLIED", f"{r[3]} unapplied, {amount} refunded")
        if day < origin:
            raise error("DATE_BEFORE_ORIGIN", "refund_date is before the money it refunds")
        if rid in self.S.refund_ids or rid in self.new_refs["refund"]:
            raise error("REFUND_EXISTS", f"refund {rid!r} already exists")
        self.put(kind, src, _3=r[3] - amount)
        self.balance(r[0], amount)
        self._set(self.new_refs["refund"], rid, True)
        self.entry("UnappliedRefunded", day, env, refund_id=rid,
                   payment_ix=src if kind == _PAY else -1,
                   credit_note_ix=src if kind == _CN else -1, amount_minor=amount,
                   method=m.method)
        out.unapplied_minor = r[3] - amount

    # ---- dunning ----------------------------------------------------------------------------

    def _run_dunning(self, m: pb.RunDunningRequest, env, out) -> None:
        from arledger.engine.dunning import plan_run  # numpy over the portfolio
        if not self.empty:
            raise error("DUNNING_RUN_NOT_ALONE", "a dunning run is submitted on its own (its "
                        "RPC, or a batch of one)")
        day = V.day(m.as_of_date, "as_of_date")
        default = None
        if m.default_policy_id:
            default = self._policy("dunning", V.ident(m.default_policy_id, "default_policy_id"),
                                   0, "default_policy_id")
        run = plan_run(self.S, day, default, self.credit_policy())
        out.detail = run  # counts for the RPC's answer; the notices come from the state
        self._record_run(run, day, env)

    def _record_run(self, run: Any, day: int, env: tuple) -> None:
        for p, inst, shortfall in run.broken_promises:
            self.entry("PromiseBroken", day, env, promise_ix=p, installment=inst,
                       shortfall_minor=shortfall)
        for st in run.steps:
            e = self.entry("DunningStepTaken", day, env, invoice_ix=st.invoice,
                           installment=st.installment, level=st.level, policy_ix=st.policy,
                           days_past_due=st.dpd, open_minor=st.open, fee_minor=st.fee,
                           interest_minor=st.interest)
            pos = self.first_position + e  # the step's log position names its charges
            if st.fee:
                self._charge(st.customer, E.KIND_FEE, st.invoice, st.fee, day, env, f"fee:{pos}")
            if st.interest:
                self._charge(st.customer, E.KIND_INTEREST, st.invoice, st.interest, day, env,
                             f"interest:{pos}")
        for cust, source in run.holds:
            self._hold(cust, source, day, env)

    def _charge(self, cust: int, kind: int, on_inv: int, amount: int, day: int, env: tuple,
                iid: str) -> None:
        while self.find(_INV, iid) is not None:  # a caller's invoice number took it
            iid += "x"
        ix = self.create(_INV, iid)
        self.put(_INV, ix, cust, amount, day, day, amount, 0, 0, 0, kind, 0, 0)
        self.add_child(_INV, cust, ix)
        self.balance(cust, amount)
        self.entry("InvoiceIssued", day, env, invoice_ix=ix, invoice_id=iid, customer_ix=cust,
                   po_number="", amount_minor=amount, issue_day=day, due_day=day)
        self.entry("ChargeAssessed", day, env, invoice_ix=ix, charge_kind=kind,
                   on_invoice_ix=on_inv)

