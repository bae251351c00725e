"""Policies as data: payment terms, credit policy, dunning ladder (pure rules, no I/O, no clock).

Each policy is defined by a command and stored in the log as a JSON definition under an id
and a version (defining an id again makes the next version). Whatever a policy decided is
recorded in the entry that carries the decision (an invoice's due dates and discount, a
dunning step's level, fee and interest), so a replay reproduces every earlier decision
exactly whatever was defined later; the version used is recorded beside it.

Arithmetic follows ../shared/docs/domain.md: percentages in basis points (1 bp = 0.01 %),
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
TERMS_NET, TERMS_EOM = "NET", "EOM"
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

@dataclass(frozen=True)
class Installment:
    percent_bp: int
    days: int  # offset of its due date, by the terms' base rule


@dataclass(frozen=True)
class PaymentTerms(_Stored):
    """NET: due = issue + days. EOM: due = end of the issue month + days, then moved to the
    next `day_of_month` if one is set ("30 days end of month, on the 10th"). Installments
    split the amount by percentage, each due by the same rule with its own `days`; without
    them the whole amount is due at `days`. Discount: `discount_bp` off when settled on or
    before issue + `discount_days`."""

    basis: str = TERMS_NET
    days: int = 30
    day_of_month: int = 0
    installments: tuple[Installment, ...] = ()
    discount_bp: int = 0
    discount_days: int = 0

    def due_day(self, issue_day: int, days: int) -> int:
        if self.basis == TERMS_NET:
            return issue_day + days
        due = end_of_month(issue_day) + days
        return next_day_of_month(due, self.day_of_month) if self.day_of_month else due

    def schedule(self, issue_day: int, amount_minor: int) -> list[tuple[int, int]]:
        """(due day, amount) per installment; the last takes the rounding remainder."""
        if not self.installments:
            return [(self.due_day(issue_day, self.days), amount_minor)]
        out = []
        left = amount_minor
        for n, inst in enumerate(self.installments):
            part = left if n == len(self.installments) - 1 else percent_of(amount_minor,
                                                                           inst.percent_bp)
            part = min(part, left)
            left -= part
            out.append((self.due_day(issue_day, inst.days), part))
        return out

    def discount(self, issue_day: int, amount_minor: int) -> tuple[int, int]:
        """(discount available, last day it may be taken); (0, -1) without one."""
        if not self.discount_bp:
            return 0, -1
        return percent_of(amount_minor, self.discount_bp), issue_day + self.discount_days

    def describe(self) -> str:
        """E.g. "net 30, 2 % within 10 days" or "end of month + 30, on the 10th"."""
        def due(days: int) -> str:
            if self.basis == TERMS_NET:
                return f"net {days}"
            return f"end of month + {days}" + (f", on the {self.day_of_month}."
                                               if self.day_of_month else "")
        text = due(self.days) if not self.installments else "installments " + "; ".join(
            f"{i.percent_bp / 100:g} % {due(i.days)}" for i in self.installments)
        if self.discount_bp:
            text += f", {self.discount_bp / 100:g} % discount within {self.discount_days} days"
        return text

    @staticmethod
    def from_json(text: str) -> "PaymentTerms":
        d = json.loads(text)
        d["installments"] = tuple(Installment(**i) for i in d["installments"])
        return PaymentTerms(**d)


def check_terms(t: PaymentTerms) -> PaymentTerms:
    if t.basis not in (TERMS_NET, TERMS_EOM):
        raise error("INVALID_TERMS", "basis must be NET or EOM")
    if not 0 <= t.days <= limits.net_days_max:
        raise error("INVALID_TERMS", f"days must be 0..{limits.net_days_max}")
    if not 0 <= t.day_of_month <= 31 or (t.day_of_month and t.basis != TERMS_EOM):
        raise error("INVALID_TERMS", "day_of_month is 1..31 and only for EOM terms")
    if len(t.installments) > limits.installments_per_terms_max:
        raise error("INVALID_TERMS", f"at most {limits.installments_per_terms_max} installments")
    if t.installments:
        if any(not 0 < i.percent_bp <= BP for i in t.installments) or \
                sum(i.percent_bp for i in t.installments) != BP:
            raise error("INVALID_TERMS", "installment percentages must be > 0 and add up to "
                        "100 % (10000 bp)")
        offs = [i.days for i in t.installments]
        if any(not 0 <= d <= limits.net_days_max for d in offs) or offs != sorted(set(offs)):
            raise error("INVALID_TERMS", "installment days must be increasing, "
                        f"0..{limits.net_days_max}")
    if not 0 <= t.discount_bp < BP or t.discount_days < 0 or \
            (t.discount_bp and t.discount_days > limits.net_days_max):
        raise error("INVALID_TERMS", "discount is 0..9999 bp within 0..3650 days")
    if bool(t.discount_bp) != bool(t.discount_days) and t.discount_bp:
        raise error("INVALID_TERMS", "a discount needs its window in days")
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
    def from_json(text: str) -> "CreditPolicy":
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
    def from_json(text: str) -> "DunningPolicy":
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
                not 0 <= lv.fee_bp <= BP or not 0 <= lv.interest_bp_per_year <= limits.interest_bp_max:
            raise error("INVALID_POLICY", f"levels[{n}]: fee 0..10^15, fee_bp 0..10000, "
                        f"interest 0..{limits.interest_bp_max} bp a year")
        if len(lv.text_key) > limits.id_length_max:
            raise error("INVALID_POLICY", f"levels[{n}].text_key is too long")
    if p.day_count not in (365, 360):
        raise error("INVALID_POLICY", "day_count is 365 or 360")
    return p
