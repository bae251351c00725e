"""Policies as data: payment terms, credit policy, dunning ladder (pure rules, no I/O, no clock).

Each policy is defined by a command and stored in the log as a JSON definition under an id
and a version (defining an id again makes the next version). Whatever a policy decided is
recorded in the entry that carries the decision (an invoice's due dates and discount, a
dunning step's level, fee and interest), so a replay reproduces every earlier decision
exactly whatever was defined later; the version used is recorded beside it.

Arithmetic (docs/collections.md gives the rules): percentages in basis points (1 bp = 0.01 %),
computed exactly with integers and rounded once, half up, to the minor unit, per invoice
(installment) line; simple interest `open x rate x days / 365` (or 360).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import json
from dataclasses import asdict, dataclass

from arledger.domain import limits
from arledger.domain.dates import EPOCH
from arledger.domain.errors import error

BP = 10_000  # basis points in 100 %

# Payment-terms base rules.
TERMS_NET, TERMS_EOM, TERMS_DAYS_EOM = "NET", "EOM", "DAYS_EOM"
# Over-limit actions (stored by name in definitions, by number in entries).
OVER_LIMIT_ACTIONS = ("OVER_LIMIT_ACTION_UNSPECIFIED", "REJECT", "HOLD", "WARN")
REJECT, HOLD, WARN = 1, 2, 3
# Dunning actions.
DUNNING_ACTIONS = ("DUNNING_ACTION_UNSPECIFIED", "REMINDER", "SECOND_NOTICE", "FINAL_NOTICE",
                   "HOLD_ACCOUNT", "HAND_TO_AGENCY")
ACTION_HOLD_ACCOUNT = 4


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both >= 0): exact integer arithmetic."""
    assert numerator >= 0 and denominator > 0
    return (2 * numerator + denominator) // (2 * denominator)


def percent_of(amount_minor: int, bp: int) -> int:
    """`bp` basis points of an amount, rounded once, half up, to the minor unit."""
    return half_up(amount_minor * bp, BP)


def simple_interest(open_minor: int, rate_bp_per_year: int, days: int, day_count: int) -> int:
    """open x rate x days / day_count (365 or 360), rounded half up; 0 for no days."""
    if days <= 0 or open_minor <= 0 or rate_bp_per_year <= 0:
        return 0
    return half_up(open_minor * rate_bp_per_year * days, BP * day_count)


def _date(day: int) -> _dt.date:
    return _dt.date.fromordinal(EPOCH.toordinal() + day)


def _day(d: _dt.date) -> int:
    return d.toordinal() - EPOCH.toordinal()


def end_of_month(day: int) -> int:
    d = _date(day)
    return _day(d.replace(day=calendar.monthrange(d.year, d.month)[1]))


def next_day_of_month(day: int, dom: int) -> int:
    """The first date on or after `day` whose day of month is `dom` (the month's last day
    where the month is shorter)."""
    d = _date(day)
    for months in range(0, 3):
        y, m = divmod(d.month - 1 + months, 12)
        y, m = d.year + y, m + 1
        cand = _dt.date(y, m, min(dom, calendar.monthrange(y, m)[1]))
        if cand >= d:
            return _day(cand)
    raise AssertionError("unreachable: a day of month recurs within two months")


class _Stored:
    """A policy stored in the log as canonical JSON of its fields."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))  # type: ignore[call-overload]


# ---- payment terms ----------------------------------------------------------------------

def add_months_end(day: int, months: int) -> int:
    """The last day of the month `months` after the month of `day`."""
    d = _date(day)
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    return _day(_dt.date(y, m, calendar.monthrange(y, m)[1]))


def due_by(basis: str, issue_day: int, days: int, day_of_month: int = 0,
           months: int = 0) -> int:
    """A due date by one base rule (the two end-of-month readings differ in order):

    - NET: issue + days.
    - EOM ("end of month + N", arledger's reading since terms were first stored): the last
      day of the issue month (or of the month `months` after it) + days; with
      `day_of_month` D, then the first day D on or after that (a month without day D: its
      last day).
    - DAYS_EOM ("N days end of the month [on the D]", Odoo's reading): issue + days, then
      the last day of *that* month; with D, day D of the month after it (its last day
      where that month is shorter).
    """
    if basis == TERMS_NET:
        return issue_day + days
    if basis == TERMS_EOM:
        due = add_months_end(issue_day, months) + days
        return next_day_of_month(due, day_of_month) if day_of_month else due
    due = end_of_month(issue_day + days)
    return next_day_of_month(due + 1, day_of_month) if day_of_month else due


@dataclass(frozen=True)
class Installment:
    percent_bp: int
    days: int  # offset of its due date, by its base rule
    # Its own base rule ("" = the terms' basis, day_of_month and months).
    basis: str = ""
    day_of_month: int = 0
    months: int = 0


@dataclass(frozen=True)
class PaymentTerms(_Stored):
    """When an invoice is due, in one or more installments, and its early-payment discount.

    `basis` is NET, EOM or DAYS_EOM (`due_by`); `day_of_month` applies to both end-of-month
    readings, `months` to EOM. Installments split the amount by percentage, each due by the
    terms' rule with its own `days`, or by a rule of its own (`basis`, `day_of_month`,
    `months`): "30 % at issue, 70 % at the end of the following month". Without
    installments the whole amount is due at `days`. Discount: `discount_bp` of the amount,
    or a fixed `discount_fixed_minor` in `discount_currency`, off when settled on or before
    issue + `discount_days`."""

    basis: str = TERMS_NET
    days: int = 30
    day_of_month: int = 0
    installments: tuple[Installment, ...] = ()
    discount_bp: int = 0
    discount_days: int = 0
    months: int = 0
    discount_fixed_minor: int = 0
    discount_currency: str = ""

    def due_day(self, issue_day: int, days: int) -> int:
        """Due date by the terms' own rule with `days`."""
        return due_by(self.basis, issue_day, days, self.day_of_month, self.months)

    def line_rule(self, inst: Installment) -> tuple[str, int, int, int]:
        """(basis, days, day_of_month, months) an installment is due by."""
        if inst.basis:
            return inst.basis, inst.days, inst.day_of_month, inst.months
        return self.basis, inst.days, self.day_of_month, self.months

    def schedule(self, issue_day: int, amount_minor: int) -> list[tuple[int, int]]:
        """(due day, amount) per installment, in due order.

        Each share is `percent_bp` of the amount rounded half up; the last line *as
        defined* takes the remainder. Lines with rules of their own can fall due in another
        order than defined (net 45 after "end of the following month" for an invoice of the
        20th), so the lines are then put in due order (stable: equal due dates keep their
        defined order), which is the order money settles them in."""
        if not self.installments:
            return [(self.due_day(issue_day, self.days), amount_minor)]
        out = []
        left = amount_minor
        for n, inst in enumerate(self.installments):
            part = left if n == len(self.installments) - 1 else percent_of(amount_minor,
                                                                           inst.percent_bp)
            part = min(part, left)
            left -= part
            b, d, dom, mo = self.line_rule(inst)
            out.append((due_by(b, issue_day, d, dom, mo), part))
        out.sort(key=lambda x: x[0])  # stable
        return out

    def discount(self, issue_day: int, amount_minor: int) -> tuple[int, int]:
        """(discount available, last day it may be taken); (0, -1) without one.

        A fixed discount applies only to an invoice larger than it (the customer pays
        something); on a smaller one there is none."""
        if self.discount_bp:
            return percent_of(amount_minor, self.discount_bp), issue_day + self.discount_days
        if self.discount_fixed_minor and self.discount_fixed_minor < amount_minor:
            return self.discount_fixed_minor, issue_day + self.discount_days
        return 0, -1

    def describe(self) -> str:
        """E.g. "net 30, 2 % within 10 days", "end of month + 30, on the 10th." or
        "installments 30 % net 0; 70 % end of the following month + 0"."""
        def due(basis: str, days: int, dom: int, months: int) -> str:
            on = f", on the {dom}." if dom else ""
            if basis == TERMS_NET:
                return f"net {days}"
            if basis == TERMS_DAYS_EOM:
                return f"{days} days then end of month" + on
            eom = ("end of month" if not months else "end of the following month"
                   if months == 1 else f"end of month + {months} months")
            return f"{eom} + {days}" + on
        text = due(self.basis, self.days, self.day_of_month, self.months) \
            if not self.installments else "installments " + "; ".join(
                f"{i.percent_bp / 100:g} % {due(*self.line_rule(i))}" for i in self.installments)
        if self.discount_bp:
            text += f", {self.discount_bp / 100:g} % discount within {self.discount_days} days"
        elif self.discount_fixed_minor:
            from arledger.domain.money import format_minor
            text += (f", {format_minor(self.discount_fixed_minor, self.discount_currency)} "
                     f"discount within {self.discount_days} days")
        return text

    @staticmethod
    def from_json(text: str) -> PaymentTerms:
        d = json.loads(text)
        d["installments"] = tuple(Installment(**i) for i in d["installments"])
        return PaymentTerms(**d)


TERMS_BASES = (TERMS_NET, TERMS_EOM, TERMS_DAYS_EOM)


def _check_rule(basis: str, days: int, dom: int, months: int, where: str) -> None:
    if basis not in TERMS_BASES:
        raise error("INVALID_TERMS", f"{where}basis must be NET, EOM or DAYS_EOM")
    if not 0 <= days <= limits.net_days_max:
        raise error("INVALID_TERMS", f"{where}days must be 0..{limits.net_days_max}")
    if not 0 <= dom <= 31 or (dom and basis == TERMS_NET):
        raise error("INVALID_TERMS", f"{where}day_of_month is 1..31 and only for end-of-month "
                    "terms (EOM, DAYS_EOM)")
    if not 0 <= months <= limits.terms_months_max or (months and basis != TERMS_EOM):
        raise error("INVALID_TERMS", f"{where}months is 0..{limits.terms_months_max} and only "
                    "for EOM terms")


def check_terms(t: PaymentTerms) -> PaymentTerms:
    from arledger.domain.money import CURRENT
    _check_rule(t.basis, t.days, t.day_of_month, t.months, "")
    if len(t.installments) > limits.installments_per_terms_max:
        raise error("INVALID_TERMS", f"at most {limits.installments_per_terms_max} installments")
    if t.installments:
        if any(not 0 < i.percent_bp <= BP for i in t.installments) or \
                sum(i.percent_bp for i in t.installments) != BP:
            raise error("INVALID_TERMS", "installment percentages must be > 0 and add up to "
                        "100 % (10000 bp)")
        for n, i in enumerate(t.installments):
            if not i.basis and (i.day_of_month or i.months):
                raise error("INVALID_TERMS", f"installments[{n}]: day_of_month and months "
                            "need a basis of the installment's own")
            _check_rule(*t.line_rule(i), f"installments[{n}]: ")
        if not any(i.basis for i in t.installments):
            offs = [i.days for i in t.installments]
            if offs != sorted(set(offs)):
                raise error("INVALID_TERMS", "installment days must be increasing, "
                            f"0..{limits.net_days_max}")
        else:
            rules = [t.line_rule(i) for i in t.installments]
            if len(set(rules)) != len(rules):
                raise error("INVALID_TERMS", "two installments have the same due-date rule")
    if not 0 <= t.discount_bp < BP or t.discount_days < 0 or \
            (t.discount_bp and t.discount_days > limits.net_days_max):
        raise error("INVALID_TERMS", "discount is 0..9999 bp within 0..3650 days")
    if bool(t.discount_bp) != bool(t.discount_days) and t.discount_bp:
        raise error("INVALID_TERMS", "a discount needs its window in days")
    if t.discount_fixed_minor or t.discount_currency:
        if t.discount_bp:
            raise error("INVALID_TERMS", "a discount is a percentage or a fixed amount, not both")
        if not 0 < t.discount_fixed_minor <= limits.amount_minor_max:
            raise error("INVALID_TERMS", "a fixed discount is 1..10^15 minor units")
        if t.discount_currency not in CURRENT:
            raise error("INVALID_TERMS", "a fixed discount names its currency (a current ISO "
                        "4217 code)")
        if not 0 < t.discount_days <= limits.net_days_max:
            raise error("INVALID_TERMS", "a discount needs its window in days (1..3650)")
    return t


# ---- credit policy -----------------------------------------------------------------------

@dataclass(frozen=True)
class CreditPolicy(_Stored):
    """The partition's default credit policy (a customer may override the over-limit action).

    over_limit_action: what issuing an invoice that pushes exposure over the limit does.
    hold_days_past_due: a dunning run places an automatic hold on a customer with any
    installment more than this many days past due (0 = never).
    short_pay_tolerance_minor / _bp: a payment that leaves at most this much open on an
    invoice it pays closes the rest with a small-balance write-off (the larger of the two;
    0 = never)."""

    over_limit_action: str = "WARN"
    hold_days_past_due: int = 0
    short_pay_tolerance_minor: int = 0
    short_pay_tolerance_bp: int = 0

    def tolerance(self, amount_minor: int) -> int:
        return max(self.short_pay_tolerance_minor,
                   percent_of(amount_minor, self.short_pay_tolerance_bp))

    @staticmethod
    def from_json(text: str) -> CreditPolicy:
        return CreditPolicy(**json.loads(text))


def check_credit_policy(p: CreditPolicy) -> CreditPolicy:
    if p.over_limit_action not in OVER_LIMIT_ACTIONS[1:]:
        raise error("INVALID_POLICY", "over_limit_action must be REJECT, HOLD or WARN")
    if not 0 <= p.hold_days_past_due <= limits.net_days_max:
        raise error("INVALID_POLICY", f"hold_days_past_due must be 0..{limits.net_days_max}")
    if not 0 <= p.short_pay_tolerance_minor <= limits.tolerance_minor_max or \
            not 0 <= p.short_pay_tolerance_bp <= limits.tolerance_bp_max:
        raise error("INVALID_POLICY", f"short-pay tolerance is 0..{limits.tolerance_minor_max} "
                    f"minor units and 0..{limits.tolerance_bp_max} bp")
    return p


DEFAULT_CREDIT_POLICY = CreditPolicy()


# ---- dunning ladder ----------------------------------------------------------------------

@dataclass(frozen=True)
class DunningLevel:
    days_past_due: int  # negative = a reminder before the due date
    action: str
    fee_fixed_minor: int = 0
    fee_bp: int = 0  # percentage of the open amount
    interest_bp_per_year: int = 0  # simple interest on the open amount since the due date
    text_key: str = ""


@dataclass(frozen=True)
class DunningPolicy(_Stored):
    levels: tuple[DunningLevel, ...]
    day_count: int = 365

    @staticmethod
    def from_json(text: str) -> DunningPolicy:
        d = json.loads(text)
        d["levels"] = tuple(DunningLevel(**lv) for lv in d["levels"])
        return DunningPolicy(**d)


def check_dunning_policy(p: DunningPolicy) -> DunningPolicy:
    if not 0 < len(p.levels) <= limits.dunning_levels_max:
        raise error("INVALID_POLICY", f"a dunning ladder has 1..{limits.dunning_levels_max} levels")
    days = [lv.days_past_due for lv in p.levels]
    if days != sorted(set(days)) or any(abs(d) > limits.net_days_max for d in days):
        raise error("INVALID_POLICY", "level days past due must be strictly increasing, within "
                    f"+-{limits.net_days_max}")
    for n, lv in enumerate(p.levels):
        if lv.action not in DUNNING_ACTIONS[1:]:
            raise error("INVALID_POLICY", f"levels[{n}].action must be one of "
                        f"{', '.join(DUNNING_ACTIONS[1:])}")
        if not 0 <= lv.fee_fixed_minor <= limits.amount_minor_max or \
                not 0 <= lv.fee_bp <= BP or \
                not 0 <= lv.interest_bp_per_year <= limits.interest_bp_max:
            raise error("INVALID_POLICY", f"levels[{n}]: fee 0..10^15, fee_bp 0..10000, "
                        f"interest 0..{limits.interest_bp_max} bp a year")
        if len(lv.text_key) > limits.id_length_max:
            raise error("INVALID_POLICY", f"levels[{n}].text_key is too long")
    if p.day_count not in (365, 360):
        raise error("INVALID_POLICY", "day_count is 365 or 360")
    return p
