"""Payment terms against an independent reading of the calendar.

The reference below walks the calendar a day at a time (no month arithmetic shared with
domain/policies.py): for every basis, day of month and month offset, and for random
installment lines with rules of their own, the due dates agree, a schedule adds up to the
amount, is in due order, and terms without lines of their own keep the meaning they had
before line rules existed.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from arledger.domain import policies as P
from arledger.domain.dates import EPOCH

ISSUE = st.dates(dt.date(1999, 1, 1), dt.date(2101, 12, 31))


def _day(d: dt.date) -> int:
    return d.toordinal() - EPOCH.toordinal()


def month_end(d: dt.date) -> dt.date:
    while (d + dt.timedelta(days=1)).month == d.month:
        d += dt.timedelta(days=1)
    return d


def first_dom_on_or_after(d: dt.date, dom: int) -> dt.date:
    """Walk forward to the first day whose day of month is `dom`, or that is the last
    day of a month shorter than `dom`."""
    while not (d.day == dom or (d.day < dom and month_end(d) == d)):
        d += dt.timedelta(days=1)
    return d


def reference(basis: str, issue: dt.date, days: int, dom: int, months: int) -> dt.date:
    if basis == "NET":
        return issue + dt.timedelta(days=days)
    if basis == "EOM":
        d = month_end(issue)
        for _ in range(months):
            d = month_end(d + dt.timedelta(days=1))
        d += dt.timedelta(days=days)
        return first_dom_on_or_after(d, dom) if dom else d
    d = month_end(issue + dt.timedelta(days=days))
    return first_dom_on_or_after(d + dt.timedelta(days=1), dom) if dom else d


rule = st.one_of(
    st.tuples(st.just("NET"), st.integers(0, 400), st.just(0), st.just(0)),
    st.tuples(st.just("EOM"), st.integers(0, 400), st.integers(0, 31), st.integers(0, 12)),
    st.tuples(st.just("DAYS_EOM"), st.integers(0, 400), st.integers(0, 31), st.just(0)))


@settings(max_examples=600, deadline=None)
@given(issue=ISSUE, r=rule)
def test_every_rule_agrees_with_a_day_by_day_walk_of_the_calendar(issue, r):
    basis, days, dom, months = r
    got = P.due_by(basis, _day(issue), days, dom, months)
    assert got == _day(reference(basis, issue, days, dom, months))
    assert got >= _day(issue)


@st.composite
def mixed_terms(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 6))
    cuts = sorted(draw(st.lists(st.integers(1, P.BP - 1), min_size=n - 1, max_size=n - 1,
                                unique=True)))
    shares = [b - a for a, b in zip([0] + cuts, cuts + [P.BP])]
    rules = draw(st.lists(rule, min_size=n, max_size=n, unique=True))
    lines = tuple(P.Installment(p, d, b, dom, mo) for p, (b, d, dom, mo) in zip(shares, rules))
    return P.check_terms(P.PaymentTerms(basis="NET", days=0, installments=lines))


@settings(max_examples=300, deadline=None)
@given(t=mixed_terms(), issue=ISSUE, amount=st.integers(1, 10**15))
def test_mixed_schedules_add_up_are_in_due_order_and_each_line_keeps_its_due_date(t, issue,
                                                                                   amount):
    s = t.schedule(_day(issue), amount)
    assert sum(a for _, a in s) == amount and all(a >= 0 for _, a in s)
    dues = [d for d, _ in s]
    assert dues == sorted(dues)
    expected = sorted(_day(reference(b, issue, d, dom, mo))
                      for b, d, dom, mo in map(t.line_rule, t.installments))
    assert dues == expected


@settings(max_examples=300, deadline=None)
@given(issue=ISSUE, amount=st.integers(1, 10**12),
       offs=st.lists(st.integers(0, 400), min_size=1, max_size=5, unique=True),
       basis=st.sampled_from(["NET", "EOM"]), dom=st.integers(0, 31))
def test_terms_without_lines_of_their_own_keep_issue_4s_schedule(issue, amount, offs, basis,
                                                                 dom):
    offs = sorted(offs)
    dom = dom if basis == "EOM" else 0
    n = len(offs)
    shares = [P.BP // n] * (n - 1) + [P.BP - P.BP // n * (n - 1)]
    t = P.check_terms(P.PaymentTerms(basis=basis, days=0, day_of_month=dom, installments=tuple(
        P.Installment(p, d) for p, d in zip(shares, offs))))
    # The rule before line bases: every line by the terms' basis, in defined order, last takes the
    # rest.
    left, old = amount, []
    for k, (p, d) in enumerate(zip(shares, offs)):
        part = left if k == n - 1 else min(P.percent_of(amount, p), left)
        left -= part
        old.append((_day(reference(basis, issue, d, dom, 0)), part))
    assert t.schedule(_day(issue), amount) == old
