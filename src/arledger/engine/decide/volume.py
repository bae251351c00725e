"""The volume commands, decided in one compiled loop in log order.

Open customer, issue invoice, record payment, issue credit note and allocate payment are
decided here, command after command, against the decision book (engine/book.py): ids found
in the open-addressing tables, cash applied through the customer's open-invoice list, the
credit limit checked, the entries written as records (engine/records.py) and applied to the
book at once through the same compiled apply the read state folds with (engine/apply.py).

The loop accepts (or answers a retry): whatever it does not take on - anything that
would be refused, a command of another kind, an invoice under payment terms, text that is
not plain ASCII, a currency the ledger has not seen yet - stops it at that command, which
the Python decider (engine/decide/__init__.py) then decides at its place, against the same
book, before the loop carries on. One refusal is the loop's own, because a volume feed
meets it most: an allocation of more than is open (EXCEEDS_OPEN below: the loop marks it
and carries on; the caller words it as cash.plan does). A differential test
(tests/property/test_volume_differential.py) holds the loop to the Python decider's
outcome for every command of random streams, the words of each refusal included.

The loop also stops when the book or the records need room (GROW): the caller reserves
and calls again from the same command, which has written nothing.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain.dates import DAY_MAX, DAY_MIN
from arledger.engine import apply as ap
from arledger.engine import columnar as col
from arledger.engine import records as rc
from arledger.engine.apply import g1, g2, g4, g8, want1, want2, want4, want8
from arledger.engine.book import (
    C_BALANCE,
    C_CLOSED,
    C_CREDIT_LIMIT,
    C_CURRENCY,
    C_NET_DAYS,
    C_ON_HOLD,
    C_OPEN_HEAD,
    C_OPENED_DAY,
    C_OVER_LIMIT,
    C_STRATEGY,
    I_AMOUNT,
    I_CUSTOMER,
    I_DISC,
    I_DISC_UNTIL,
    I_DUE_DAY,
    I_ISSUE_DAY,
    I_KIND,
    I_OPEN,
    I_OPEN_NEXT,
    I_REOPEN_DAY,
    I_VOIDED,
    K_CREDIT_NOTE,
    K_CUSTOMER,
    K_INVOICE,
    K_PAYMENT,
    K_REQUEST,
    P_CUSTOMER,
    P_REVERSED,
    P_UNAPPLIED,
    P_VALUE_DAY,
    R_ENTRIES,
    R_HASH,
    R_POSITION,
    R_UNAPPLIED,
    T_ALLOCS,
    T_CLOSURES,
    T_CREDIT_NOTES,
    T_CUSTOMERS,
    T_INVOICES,
    T_PAYMENTS,
    T_REQUESTS,
    Y_GROSS,
)
from arledger.engine.hashing import xxh64
from arledger.engine.ids import id_probe, peek_id, want_id
from arledger.engine.jit import inline, kernel
from arledger.engine.records import (
    C_PARENT,
    C_STR,
    C_TABLE,
    CHILD0,
    CT_ALLOCATION,
    DAY,
    F0,
    G0,
    HASH,
    NCHILD,
    STR0,
    TYPE,
)

# Why the loop stopped (meta[0]).
DONE, PYTHON, GROW = 0, 1, 2
# Result status per command (0: not decided here). EXCEEDS_OPEN: refused by the loop, the
# command allocates more to an invoice than is open, the first thing wrong with it in the
# order the Python decider checks (position: that allocation's row, unapplied: the
# invoice's open amount); the caller words the refusal as the Python decider does once
# the loop returns. A feed of payments racing credit notes and voids meets this refusal
# more than any other: handing it to the Python decider cost ~150 us a time, and stopping
# the loop for the caller to word it ~100 us (1,454 stops in the bench's volume feed).
ACCEPTED, DUPLICATE, EXCEEDS_OPEN = 1, 2, 3

_T = {t.name: t.code for t in E.ENTRY_TYPES}
T_OPENED, T_ISSUED, T_RECORDED = _T["CustomerOpened"], _T["InvoiceIssued"], _T["PaymentRecorded"]
T_ALLOCATED, T_CN_ISSUED = _T["PaymentAllocated"], _T["CreditNoteIssued"]
T_CHECK, T_HOLD = _T["CreditCheckDecided"], _T["CustomerHoldPlaced"]
T_DISCOUNT, T_SMALL = _T["DiscountTaken"], _T["SmallBalanceWrittenOff"]
CT_LINE = rc.CHILD_CODE[E.LINES]
HOLD_OVER_LIMIT = E.HOLD_OVER_LIMIT
REJECT, HOLD = 1, 2  # over-limit actions (domain/policies.py)
EXPLICIT, LEAVE_UNAPPLIED, NEWEST_DUE_FIRST, FEES_INTEREST_PRINCIPAL = 2, 3, 4, 5
SOURCE_PAYMENT, SOURCE_CREDIT_NOTE = E.SOURCE_PAYMENT, E.SOURCE_CREDIT_NOTE
AMOUNT_MAX = limits.amount_minor_max
LIMIT_MAX = limits.credit_limit_minor_max
NET_DAYS_MAX = limits.net_days_max
LINES_MAX = limits.lines_per_invoice_max
QUANTITY_MAX = limits.line_quantity_max
ALLOCS_MAX = limits.allocations_per_command_max
ID_MAX, TEXT_MAX = limits.id_length_max, limits.text_length_max
NO_DATE = col.NO_DATE
CANDIDATES_MAX = 4096  # open invoices of one customer the loop sorts itself (else Python)

# The record layout this file writes (checked against domain/entries.py at import).
_LAYOUT = {
    "CustomerOpened": ["customer_ix", "payment_terms_net_days", "credit_limit_minor"],
    "InvoiceIssued": ["invoice_ix", "customer_ix", "amount_minor", "issue_day", "due_day"],
    "PaymentRecorded": ["payment_ix", "customer_ix", "amount_minor", "method", "value_day",
                        "unapplied_minor"],
    "CreditNoteIssued": ["credit_note_ix", "customer_ix", "amount_minor", "issue_day",
                         "dispute_ix"],
    "CreditCheckDecided": ["customer_ix", "invoice_ix", "over_limit_action",
                           "exposure_before_minor", "invoice_minor", "limit_minor"],
    "CustomerHoldPlaced": ["customer_ix", "hold_source"],
    "DiscountTaken": ["invoice_ix", "payment_ix", "amount_minor"],
    "SmallBalanceWrittenOff": ["invoice_ix", "payment_ix", "amount_minor"],
    "PaymentAllocated": ["payment_ix"]}
for _name, _cols in _LAYOUT.items():
    assert [c for c, _ in rc.NUMERIC[_T[_name]]] == _cols, _name
assert rc.STRINGS[T_OPENED] == ("customer_id", "currency", "name", "billing_contact",
                                *E.ADDRESS_COLUMNS)
assert [c for c, _ in rc.CHILD_NUMERIC[rc.CT_ALLOCATION]] == ["source_kind", "source_ix",
                                                               "invoice_ix", "amount_minor"]


class Scratch(NamedTuple):
    cand: np.ndarray   # int64 (CANDIDATES_MAX, 6): order key, due, issue, index, open, disc
    order: np.ndarray  # int64 (CANDIDATES_MAX,)
    plan: np.ndarray   # int64 (max(CANDIDATES_MAX, ALLOCS_MAX), 4): invoice, amount, disc,
    #                    open before
    meta: np.ndarray   # int64 [why it stopped, ...]


def scratch() -> Scratch:
    return Scratch(np.zeros((CANDIDATES_MAX, 6), np.int64), np.zeros(CANDIDATES_MAX, np.int64),
                   np.zeros((max(CANDIDATES_MAX, ALLOCS_MAX), 4), np.int64),
                   np.zeros(4, np.int64))


class Results(NamedTuple):
    status: np.ndarray    # uint8 per command: 0 (not decided here), ACCEPTED, DUPLICATE,
    #                       EXCEEDS_OPEN (refused; the caller words it)
    position: np.ndarray  # int64
    entries: np.ndarray   # int64
    unapplied: np.ndarray  # int64: what its request row records (the answer's figure)


def results(n: int) -> Results:
    return Results(np.zeros(n, np.uint8), np.zeros(n, np.int64), np.zeros(n, np.int64),
                   np.zeros(n, np.int64))


# ---- input checks ----------------------------------------------------------------------------

@inline
def _id_char(b):
    return ((48 <= b <= 57) or (65 <= b <= 90) or (97 <= b <= 122) or b == 46 or b == 95
            or b == 58 or b == 47 or b == 64 or b == 45)


@kernel
def ident_ok(sbuf, a, b):
    """1..64 characters of [A-Za-z0-9._:/@-] (domain/validate.ident)."""
    if b - a < 1 or b - a > ID_MAX:
        return False
    for k in range(a, b):
        if not _id_char(sbuf[k]):
            return False
    return True


@kernel
def text_ok(sbuf, a, b, required):
    """Plain printable ASCII of at most 256 characters (anything else is Python's to judge);
    `required`: not empty or blank."""
    if b - a > TEXT_MAX:
        return False
    blank = True
    for k in range(a, b):
        c = sbuf[k]
        if c < 32 or c > 126:
            return False
        if c != 32:
            blank = False
    return not (required and blank)


@inline
def _day_ok(d):
    return DAY_MIN <= d <= DAY_MAX


@inline
def _amount_ok(a):
    return 0 < a <= AMOUNT_MAX


@inline
def find(B, kind, sbuf, a, b):
    return id_probe(B.ids, kind, sbuf, a, b, xxh64(sbuf, a, b, np.uint64(0)))


# ---- writing records -------------------------------------------------------------------------

@inline
def _copy_str(R, sbuf, a, b):
    """Append sbuf[a:b] as the next string reference of R; its index."""
    k = R.m[1]
    p = R.m[2]
    for q in range(a, b):
        R.a[p] = sbuf[q]
        p += 1
    R.s[k, 0] = R.m[2]
    R.s[k, 1] = p
    R.m[1] = k + 1
    R.m[2] = p
    return k


@inline
def _entry(R, C, i, t, day):
    """Append an entry of command i (its envelope strings copied); its index. The caller
    sets the numeric fields and appends the type's own strings right after."""
    e = R.m[0]
    for q in range(rc.RW):
        R.r[e, q] = 0
    R.r[e, TYPE] = t
    R.r[e, DAY] = day
    R.r[e, HASH] = np.int64(C.hash[i])
    R.r[e, CHILD0] = R.m[3]
    R.r[e, STR0] = R.m[1]
    for j in range(3):
        _copy_str(R, C.sbuf, C.env[i, j, 0], C.env[i, j, 1])
    R.m[0] = e + 1
    return e


@inline
def _child(R, table, parent, g0, g1_, g2_, g3):
    k = R.m[3]
    R.c[k, C_TABLE] = table
    R.c[k, C_PARENT] = parent
    R.c[k, C_STR] = -1
    R.c[k, G0] = g0
    R.c[k, G0 + 1] = g1_
    R.c[k, G0 + 2] = g2_
    R.c[k, G0 + 3] = g3
    R.r[parent, NCHILD] += 1
    R.m[3] = k + 1
    return k


# ---- room ----------------------------------------------------------------------------------------

@inline
def _room(B, R, tcap, icap, table, children, nbytes, undo):
    """Room for one command: a new row of `table` (-1: none), `children` allocation or
    closure rows, the records of up to 2 * children + 4 entries and `nbytes` of strings,
    `undo` undo records, one new id of each kind it may create."""
    entries = 2 * children + 4
    if R.m[0] + entries > R.r.shape[0] or R.m[1] + 16 * entries + children > R.s.shape[0]:
        return False
    if R.m[2] + nbytes > R.a.shape[0] or R.m[3] + children + LINES_MAX > R.c.shape[0]:
        return False
    if B.undo_meta[0] + undo > B.undo_rec.shape[0]:
        return False
    for t in (T_ALLOCS, T_CLOSURES):
        if B.counts[t] + children > tcap[t]:
            return False
    if B.counts[T_REQUESTS] + 1 > tcap[T_REQUESTS]:
        return False
    if table >= 0 and B.counts[table] + 1 > tcap[table]:
        return False
    for k in (K_CUSTOMER, K_INVOICE, K_PAYMENT, K_CREDIT_NOTE, K_REQUEST):
        n = B.ids.meta[k, 0] + 1
        if n > icap[k, 0] or 2 * n > icap[k, 1] or B.ids.meta[k, 1] + ID_MAX > icap[k, 2]:
            return False
    return True


# ---- cash application -----------------------------------------------------------------------

@inline
def _before(cand, x, y, desc):
    """Candidate x sorts before y: by (order key, due, issue, index), descending if desc."""
    for q in range(4):
        if cand[x, q] != cand[y, q]:
            return cand[x, q] > cand[y, q] if desc else cand[x, q] < cand[y, q]
    return False


@kernel
def _sort(cand, order, n, desc):
    """Order candidates 0..n-1 (heapsort: no allocation, n log n)."""
    for q in range(n):
        order[q] = q
    # heapify, then pop the largest (in sort order) to the end
    for start in range(n // 2 - 1, -1, -1):
        _sift(cand, order, start, n, desc)
    for end in range(n - 1, 0, -1):
        order[0], order[end] = order[end], order[0]
        _sift(cand, order, 0, end, desc)


@kernel
def _sift(cand, order, root, n, desc):
    while True:
        child = 2 * root + 1
        if child >= n:
            return
        if child + 1 < n and _before(cand, order[child], order[child + 1], desc):
            child += 1
        if _before(cand, order[root], order[child], desc):
            order[root], order[child] = order[child], order[root]
            root = child
        else:
            return


@kernel
def _plan_given(B, C, Z, cust, available, day, first, count):
    """The plan of `count` allocations given from row `first` (cash.plan's EXPLICIT
    branch): its length, or -1 (Python's, or refused here as an over-allocation with
    Z.meta[1] >= 0)."""
    if count == 0 or count > ALLOCS_MAX:
        return -1
    P = Z.plan
    total = 0
    for q in range(count):
        amt = C.al_n[first + q, 0]
        a, b = C.al_s[first + q, 0, 0], C.al_s[first + q, 0, 1]
        if not ident_ok(C.sbuf, a, b):
            return -1
        inv = find(B, K_INVOICE, C.sbuf, a, b)
        if inv < 0 or g1(B, I_VOIDED, inv) or not _amount_ok(amt):
            return -1
        for p in range(q):
            if P[p, 0] == inv:
                return -1
        open_ = g8(B, I_OPEN, inv)
        if g4(B, I_CUSTOMER, inv) != cust or g4(B, I_ISSUE_DAY, inv) > day:
            return -1
        if amt > open_:  # refused here (cash.plan checks in this order)
            Z.meta[1], Z.meta[2] = first + q, open_
            return -1
        if day < g4(B, I_REOPEN_DAY, inv):
            return -1
        total += amt
        disc = g8(B, I_DISC, inv)
        d = 0
        if disc and day <= g4(B, I_DISC_UNTIL, inv) and open_ - disc <= amt < open_:
            d = open_ - amt
        P[q, 0], P[q, 1], P[q, 2], P[q, 3] = inv, amt, d, open_
    if total > available:
        return -1
    return count


@kernel
def _plan(B, C, Z, cust, available, day, strategy, first, count, required):
    """Where `available` goes (cash/decide/cash.plan); the plan's length, or -1 when the
    command is Python's (a refusal, or more open invoices than the loop sorts) or, with
    Z.meta[1] >= 0, refused here as an over-allocation."""
    if count == 0 and strategy == 0:
        strategy = g1(B, C_STRATEGY, cust)
        if strategy == 0:
            strategy = 1
    if count > 0 and strategy != 0 and strategy != EXPLICIT:
        return -1
    if strategy < 0 or strategy > FEES_INTEREST_PRINCIPAL:
        return -1
    if count > 0 or strategy == EXPLICIT:
        return _plan_given(B, C, Z, cust, available, day, first, count)
    P = Z.plan
    if strategy == LEAVE_UNAPPLIED:
        return -1 if required else 0
    by_kind = strategy == FEES_INTEREST_PRINCIPAL
    cand = Z.cand
    n = 0
    ix = g8(B, C_OPEN_HEAD, cust)
    while ix >= 0:
        open_ = g8(B, I_OPEN, ix)
        if (open_ > 0 and not g1(B, I_VOIDED, ix) and g4(B, I_ISSUE_DAY, ix) <= day
                and g4(B, I_REOPEN_DAY, ix) <= day):
            if n >= CANDIDATES_MAX:
                return -1
            disc = g8(B, I_DISC, ix)
            d = disc if (disc and day <= g4(B, I_DISC_UNTIL, ix) and disc < open_) else 0
            cand[n, 0] = (g1(B, I_KIND, ix) + 2) % 3 if by_kind else 0
            cand[n, 1] = g4(B, I_DUE_DAY, ix)
            cand[n, 2] = g4(B, I_ISSUE_DAY, ix)
            cand[n, 3] = ix
            cand[n, 4] = open_
            cand[n, 5] = d
            n += 1
        ix = g8(B, I_OPEN_NEXT, ix)
    _sort(cand, Z.order, n, strategy == NEWEST_DUE_FIRST)
    m = 0
    left = available
    for q in range(n):
        if left == 0:
            break
        c = Z.order[q]
        open_, d = cand[c, 4], cand[c, 5]
        if d and left >= open_ - d:
            P[m, 0], P[m, 1], P[m, 2], P[m, 3] = cand[c, 3], open_ - d, d, open_
            left -= open_ - d
        else:
            a = min(open_, left)
            P[m, 0], P[m, 1], P[m, 2], P[m, 3] = cand[c, 3], a, 0, open_
            left -= a
        m += 1
    if required and m == 0:
        return -1
    return m


@kernel
def _write_plan(B, R, C, Z, i, e, m, kind, src, day, unapplied_after, pol):
    """The plan's allocation rows under entry e, its discounts, and (a payment that used
    all its cash) the small balances within the tolerance (cash.apply_plan)."""
    P = Z.plan
    for q in range(m):
        _child(R, CT_ALLOCATION, e, kind, src, P[q, 0], P[q, 1])
    for q in range(m):
        if P[q, 2]:
            d = _entry(R, C, i, T_DISCOUNT, day)
            R.r[d, F0], R.r[d, F0 + 1], R.r[d, F0 + 2] = P[q, 0], src, P[q, 2]
    if kind == SOURCE_PAYMENT and unapplied_after == 0 and (pol[1] or pol[2]):
        for q in range(m):
            left = P[q, 3] - P[q, 1] - P[q, 2]
            amount = g8(B, I_AMOUNT, P[q, 0])
            tol = (2 * amount * pol[2] + 10_000) // 20_000  # half up (policies.percent_of)
            if pol[1] > tol:
                tol = pol[1]
            if 0 < left <= tol:
                d = _entry(R, C, i, T_SMALL, day)
                R.r[d, F0], R.r[d, F0 + 1], R.r[d, F0 + 2] = P[q, 0], src, left


# ---- the five commands ------------------------------------------------------------------------

@inline
def _live_customer(B, C, a, b):
    if not ident_ok(C.sbuf, a, b):
        return -1
    cust = find(B, K_CUSTOMER, C.sbuf, a, b)
    if cust < 0 or g1(B, C_CLOSED, cust):
        return -1
    return cust


@kernel
def _open_customer(B, R, C, i, r):
    n, s, sb = C.oc_n, C.oc_s, C.sbuf
    if not ident_ok(sb, s[r, 0, 0], s[r, 0, 1]) or n[r, 3] < 0 or not n[r, 4]:
        return False
    for j in range(2, 10):
        if not text_ok(sb, s[r, j, 0], s[r, j, 1], j == 2):
            return False
    if not (0 <= n[r, 0] <= NET_DAYS_MAX and 0 <= n[r, 1] <= LIMIT_MAX and _day_ok(n[r, 2])):
        return False
    if find(B, K_CUSTOMER, sb, s[r, 0, 0], s[r, 0, 1]) >= 0:
        return False
    e = _entry(R, C, i, T_OPENED, n[r, 2])
    R.r[e, F0], R.r[e, F0 + 1], R.r[e, F0 + 2] = B.counts[T_CUSTOMERS], n[r, 0], n[r, 1]
    R.r[e, ap.CURRENCY_SLOT] = n[r, 3]
    for j in range(10):
        _copy_str(R, sb, s[r, j, 0], s[r, j, 1])
    return True


@kernel
def _issue_invoice(B, R, C, i, r, terms_flag, pol):
    n, s, sb = C.ii_n, C.ii_s, C.sbuf
    if not ident_ok(sb, s[r, 0, 0], s[r, 0, 1]):
        return False
    cust = _live_customer(B, C, s[r, 1, 0], s[r, 1, 1])
    if cust < 0:
        return False
    cur = n[r, 3]
    if cur != col.CUR_EMPTY and cur != g2(B, C_CURRENCY, cust):
        return False
    issue, due = n[r, 0], n[r, 1]
    if not text_ok(sb, s[r, 2, 0], s[r, 2, 1], False) or not _day_ok(issue):
        return False
    if issue < g4(B, C_OPENED_DAY, cust):
        return False
    if due == NO_DATE:
        due = issue + g4(B, C_NET_DAYS, cust)
    elif not _day_ok(due) or due < issue:
        return False
    first, count = n[r, 4], n[r, 5]
    if count > LINES_MAX:
        return False
    total = 0
    for q in range(first, first + count):
        qty, price = C.ln_n[q, 0], C.ln_n[q, 1]
        if not text_ok(sb, C.ln_s[q, 0, 0], C.ln_s[q, 0, 1], False):
            return False
        if not (0 < qty <= QUANTITY_MAX) or price < 0:
            return False
        if price > 0 and qty > (AMOUNT_MAX - total) // price:
            return False  # the total would exceed the amount limit: Python words it
        total += qty * price
    amount = n[r, 2]
    if count:
        if amount and amount != total:
            return False
        amount = total
    if not _amount_ok(amount):
        return False
    if find(B, K_INVOICE, sb, s[r, 0, 0], s[r, 0, 1]) >= 0 or g1(B, C_ON_HOLD, cust):
        return False
    # Payment terms (given, or the customer's when no due date is) are Python's.
    if s[r, 3, 1] > s[r, 3, 0] or n[r, 6] != 0 or (n[r, 1] == NO_DATE and terms_flag[cust]):
        return False
    limit = g8(B, C_CREDIT_LIMIT, cust)
    exposure = g8(B, C_BALANCE, cust)
    action = 0
    if limit and exposure + amount > limit:
        action = g1(B, C_OVER_LIMIT, cust)
        if action == 0:
            action = pol[0]
        if action == REJECT:
            return False
    ix = B.counts[T_INVOICES]
    e = _entry(R, C, i, T_ISSUED, issue)
    R.r[e, F0], R.r[e, F0 + 1], R.r[e, F0 + 2] = ix, cust, amount
    R.r[e, F0 + 3], R.r[e, F0 + 4] = issue, due
    _copy_str(R, sb, s[r, 0, 0], s[r, 0, 1])
    _copy_str(R, sb, s[r, 2, 0], s[r, 2, 1])
    for q in range(first, first + count):
        k = _child(R, CT_LINE, e, C.ln_n[q, 0], C.ln_n[q, 1], 0, 0)
        R.c[k, C_STR] = _copy_str(R, sb, C.ln_s[q, 0, 0], C.ln_s[q, 0, 1])
    if action:
        e = _entry(R, C, i, T_CHECK, issue)
        R.r[e, F0], R.r[e, F0 + 1], R.r[e, F0 + 2] = cust, ix, action
        R.r[e, F0 + 3], R.r[e, F0 + 4], R.r[e, F0 + 5] = exposure, amount, limit
        if action == HOLD:
            e = _entry(R, C, i, T_HOLD, issue)
            R.r[e, F0], R.r[e, F0 + 1] = cust, HOLD_OVER_LIMIT
    return True


@kernel
def _record_payment(B, R, C, Z, i, r, pol):
    n, s, sb = C.rp_n, C.rp_s, C.sbuf
    if not ident_ok(sb, s[r, 0, 0], s[r, 0, 1]):
        return False
    cust = _live_customer(B, C, s[r, 1, 0], s[r, 1, 1])
    if cust < 0 or n[r, 1] < 0 or n[r, 1] != g2(B, C_CURRENCY, cust):
        return False
    amount, method, day = n[r, 0], n[r, 2], n[r, 3]
    if not _amount_ok(amount) or not 1 <= method <= 7 or not _day_ok(day):
        return False
    if day < g4(B, C_OPENED_DAY, cust) or not text_ok(sb, s[r, 2, 0], s[r, 2, 1], False):
        return False
    if find(B, K_PAYMENT, sb, s[r, 0, 0], s[r, 0, 1]) >= 0:
        return False
    m = _plan(B, C, Z, cust, amount, day, n[r, 4], n[r, 5], n[r, 6], False)
    if m < 0:
        return False
    ix = B.counts[T_PAYMENTS]
    applied = 0
    for q in range(m):
        applied += Z.plan[q, 1]
    unapplied = amount - applied
    e = _entry(R, C, i, T_RECORDED, day)
    R.r[e, F0], R.r[e, F0 + 1], R.r[e, F0 + 2] = ix, cust, amount
    R.r[e, F0 + 3], R.r[e, F0 + 4], R.r[e, F0 + 5] = method, day, unapplied
    _copy_str(R, sb, s[r, 0, 0], s[r, 0, 1])
    _copy_str(R, sb, s[r, 2, 0], s[r, 2, 1])
    _write_plan(B, R, C, Z, i, e, m, SOURCE_PAYMENT, ix, day, unapplied, pol)
    return True


@kernel
def _issue_credit_note(B, R, C, i, r):
    n, s, sb = C.cn_n, C.cn_s, C.sbuf
    if not ident_ok(sb, s[r, 0, 0], s[r, 0, 1]):
        return False
    cust = _live_customer(B, C, s[r, 1, 0], s[r, 1, 1])
    if cust < 0 or n[r, 1] < 0 or n[r, 1] != g2(B, C_CURRENCY, cust):
        return False
    amount, day = n[r, 0], n[r, 2]
    if not _amount_ok(amount) or not _day_ok(day) or day < g4(B, C_OPENED_DAY, cust):
        return False
    if not text_ok(sb, s[r, 3, 0], s[r, 3, 1], False):
        return False
    inv = -1
    if s[r, 2, 1] > s[r, 2, 0]:
        if not ident_ok(sb, s[r, 2, 0], s[r, 2, 1]):
            return False
        inv = find(B, K_INVOICE, sb, s[r, 2, 0], s[r, 2, 1])
        if inv < 0 or g1(B, I_VOIDED, inv) or g4(B, I_CUSTOMER, inv) != cust:
            return False
        if g4(B, I_ISSUE_DAY, inv) > day or amount > g8(B, I_OPEN, inv):
            return False
        if day < g4(B, I_REOPEN_DAY, inv):
            return False
    if find(B, K_CREDIT_NOTE, sb, s[r, 0, 0], s[r, 0, 1]) >= 0:
        return False
    ix = B.counts[T_CREDIT_NOTES]
    e = _entry(R, C, i, T_CN_ISSUED, day)
    R.r[e, F0], R.r[e, F0 + 1], R.r[e, F0 + 2] = ix, cust, amount
    R.r[e, F0 + 3], R.r[e, F0 + 4] = day, -1
    _copy_str(R, sb, s[r, 0, 0], s[r, 0, 1])
    _copy_str(R, sb, s[r, 3, 0], s[r, 3, 1])
    if inv >= 0:  # applied whole: checked above that it fits what is open
        _child(R, CT_ALLOCATION, e, SOURCE_CREDIT_NOTE, ix, inv, amount)
    return True


@kernel
def _allocate_payment(B, R, C, Z, i, r, pol):
    n, s, sb = C.ap_n, C.ap_s, C.sbuf
    if not ident_ok(sb, s[r, 0, 0], s[r, 0, 1]):
        return False
    pay = find(B, K_PAYMENT, sb, s[r, 0, 0], s[r, 0, 1])
    if pay < 0 or g1(B, P_REVERSED, pay):
        return False
    day = n[r, 0]
    unapplied = g8(B, P_UNAPPLIED, pay)
    if not _day_ok(day) or day < g4(B, P_VALUE_DAY, pay) or unapplied <= 0:
        return False
    m = _plan(B, C, Z, np.int64(g4(B, P_CUSTOMER, pay)), unapplied, day, n[r, 1], n[r, 2],
              n[r, 3], True)
    if m < 0:
        return False
    applied = 0
    for q in range(m):
        applied += Z.plan[q, 1]
    e = _entry(R, C, i, T_ALLOCATED, day)
    R.r[e, F0] = pay
    _write_plan(B, R, C, Z, i, e, m, SOURCE_PAYMENT, pay, day, unapplied - applied, pol)
    return True


# ---- the loop ---------------------------------------------------------------------------------

@inline
def _envelope_ok(C, i):
    if not ident_ok(C.sbuf, C.env[i, 0, 0], C.env[i, 0, 1]):
        return False
    for j in range(1, 3):
        if C.env[i, j, 1] > C.env[i, j, 0] and not text_ok(C.sbuf, C.env[i, j, 0],
                                                            C.env[i, j, 1], False):
            return False
    return True


@inline
def _bytes(refs, a, b):
    """Bytes of the strings referenced by rows a..b of a (rows, columns, 2) table."""
    n = 0
    for x in range(a, b):
        for j in range(refs.shape[1]):
            n += refs[x, j, 1] - refs[x, j, 0]
    return n


@inline
def _needs(C, i, k, r):
    """What command i (kind k, row r of its table) may write: the table it adds a row to
    (-1: none), its child rows (allocation or closure candidates: the lines or allocations
    it carries, CANDIDATES_MAX for a strategy) and a bound of the string bytes of its
    records (every entry repeats the envelope; its own texts, its lines' descriptions and
    its allocations' invoice ids are counted as sent)."""
    table, children, own = -1, 0, 0
    if k == col.ISSUE_INVOICE:
        table, children = T_INVOICES, C.ii_n[r, 5]
        own = _bytes(C.ii_s, r, r + 1) + _bytes(C.ln_s, C.ii_n[r, 4], C.ii_n[r, 4] + children)
    elif k == col.RECORD_PAYMENT:
        table = T_PAYMENTS
        children = C.rp_n[r, 6] if C.rp_n[r, 6] else CANDIDATES_MAX
        own = _bytes(C.rp_s, r, r + 1) + _bytes(C.al_s, C.rp_n[r, 5], C.rp_n[r, 5] + C.rp_n[r, 6])
    elif k == col.ALLOCATE_PAYMENT:
        children = C.ap_n[r, 3] if C.ap_n[r, 3] else CANDIDATES_MAX
        own = _bytes(C.ap_s, r, r + 1) + _bytes(C.al_s, C.ap_n[r, 2], C.ap_n[r, 2] + C.ap_n[r, 3])
    elif k == col.OPEN_CUSTOMER:
        table, own = T_CUSTOMERS, _bytes(C.oc_s, r, r + 1)
    else:
        table, children, own = T_CREDIT_NOTES, 1, _bytes(C.cn_s, r, r + 1)
    env = 0
    for j in range(3):
        env += C.env[i, j, 1] - C.env[i, j, 0]
    return table, children, (env + 2 * ID_MAX) * (2 * children + 4) + 2 * own + 4096


@inline
def _within_gross(B, R, e0, e1):
    """Whether the entries e0..e1 of one command (one customer, so one currency) keep its
    currency's gross total within the cap (else Python refuses the command)."""
    cur = -1
    add = 0
    for e in range(e0, e1):
        c, amount = ap.gross_of(B, R.r, e)
        if c >= 0:
            cur = c
            add += amount
    return cur < 0 or g8(B, Y_GROSS, cur) + add <= ap.GROSS_MAX


# ---- prefetch ----------------------------------------------------------------------------------
# Deciding is bound by memory latency as the fold is (apply.PREFETCH_MIN): each command
# probes a few id tables and reads its customer's and invoices' rows, all random rows of
# tables larger than the caches. So the loop asks for them ahead, in two steps: the id
# tables' slots of the commands up to AHEAD on (asked for again once fewer than 3/5 of
# that are), then (8 commands or more later, but for the first commands of a call) the rows
# those slots most likely point at, up to ROWS_AHEAD on. Each call of this loop starts its
# requests anew (after a command Python decides, some are asked for twice: cheap). Hints
# only, checked by nothing: every decision still reads and verifies as it did.
AHEAD = 40  # ids requested up to this many commands on
ROWS_AHEAD = 16  # rows, up to this many (their ids asked for 8 or more commands before)


@inline
def _want_ref(B, kind, sb, refs, r, j):
    """Request the id slot of string j of row r of a kind's string refs (an id of `kind`)."""
    want_id(B.ids, kind, sb, refs[r, j, 0], refs[r, j, 1])


@inline
def _want_own(B, kind, sb, refs, r):
    """A command's own id (string 0, of `kind`) and its customer's (string 1)."""
    _want_ref(B, kind, sb, refs, r, 0)
    _want_ref(B, K_CUSTOMER, sb, refs, r, 1)


@kernel
def _want_ids(B, C, i_from, i_to):
    """Request the id slots commands [i_from, i_to) will probe."""
    sb = C.sbuf
    for i in range(i_from, i_to):
        k = C.kind[i]
        if k == col.OTHER:
            continue
        r = C.row[i]
        _want_ref(B, K_REQUEST, sb, C.env, i, 0)
        if k == col.ISSUE_INVOICE:
            _want_own(B, K_INVOICE, sb, C.ii_s, r)
        elif k == col.RECORD_PAYMENT:
            _want_own(B, K_PAYMENT, sb, C.rp_s, r)
            first = C.rp_n[r, 5]
            for q in range(first, first + min(C.rp_n[r, 6], 8)):
                _want_ref(B, K_INVOICE, sb, C.al_s, q, 0)
        elif k == col.ISSUE_CREDIT_NOTE:
            _want_own(B, K_CREDIT_NOTE, sb, C.cn_s, r)
        elif k == col.OPEN_CUSTOMER:
            _want_ref(B, K_CUSTOMER, sb, C.oc_s, r, 0)
        else:
            _want_ref(B, K_PAYMENT, sb, C.ap_s, r, 0)


@inline
def _want_customer(B, sb, a, b):
    cust = peek_id(B.ids, K_CUSTOMER, sb, a, b)
    if 0 <= cust < B.counts[T_CUSTOMERS]:
        want1(B, C_CLOSED, cust)
        want2(B, C_CURRENCY, cust)
        want4(B, C_OPENED_DAY, cust)
        want8(B, C_BALANCE, cust)
        want8(B, C_CREDIT_LIMIT, cust)
        want8(B, C_OPEN_HEAD, cust)


@kernel
def _want_rows(B, C, i_from, i_to):
    """Request the customer and invoice rows commands [i_from, i_to) will read first."""
    sb = C.sbuf
    for i in range(i_from, i_to):
        k = C.kind[i]
        r = C.row[i]
        if k == col.ISSUE_INVOICE:
            _want_customer(B, sb, C.ii_s[r, 1, 0], C.ii_s[r, 1, 1])
        elif k == col.RECORD_PAYMENT:
            _want_customer(B, sb, C.rp_s[r, 1, 0], C.rp_s[r, 1, 1])
            first = C.rp_n[r, 5]
            for q in range(first, first + min(C.rp_n[r, 6], 8)):
                inv = peek_id(B.ids, K_INVOICE, sb, C.al_s[q, 0, 0], C.al_s[q, 0, 1])
                if 0 <= inv < B.counts[T_INVOICES]:
                    want8(B, I_OPEN, inv)
                    want4(B, I_CUSTOMER, inv)
                    want4(B, I_ISSUE_DAY, inv)
        elif k == col.ISSUE_CREDIT_NOTE:
            _want_customer(B, sb, C.cn_s[r, 1, 0], C.cn_s[r, 1, 1])


@inline
def _ask_ahead(B, C, i, ids_wanted, rows_wanted):
    """Keep the requests ahead of command i (ids up to AHEAD on, rows up to ROWS_AHEAD);
    the new ends of both."""
    n = len(C.kind)
    if ids_wanted < n and ids_wanted - i < AHEAD * 3 // 5:
        nxt = min(n, i + AHEAD)
        _want_ids(B, C, ids_wanted, nxt)
        ids_wanted = nxt
    if rows_wanted < n and rows_wanted - i < ROWS_AHEAD // 2:
        nxt = min(n, i + ROWS_AHEAD)
        _want_rows(B, C, rows_wanted, nxt)
        rows_wanted = nxt
    return ids_wanted, rows_wanted


@kernel
def decide(B, J, R, C, Z, res, tcap, icap, terms_flag, pol, first_position, i_from):
    """Decide commands i_from.. of a batch into records R (applied to book B at once);
    returns the command it stopped at, why in Z.meta[0] (DONE, PYTHON or GROW). `J` is
    the journal apply writes to when on (never, here), `tcap`/`icap` the book's table and
    id capacities, `terms_flag` per customer 1 when it has payment terms of its own, `pol`
    the credit policy: [over-limit action, short-pay tolerance minor units, in bp]."""
    ids_wanted = rows_wanted = i_from  # commands whose ids (rows) were requested
    for i in range(i_from, len(C.kind)):
        ids_wanted, rows_wanted = _ask_ahead(B, C, i, ids_wanted, rows_wanted)
        k = C.kind[i]
        if k == col.OTHER or not _envelope_ok(C, i):
            Z.meta[0] = PYTHON
            return i
        r = C.row[i]
        # a retry of a decided command answers as it did; another payload is Python's
        a, b = C.env[i, 0, 0], C.env[i, 0, 1]
        req = find(B, K_REQUEST, C.sbuf, a, b)
        if req >= 0:
            if B.f9[T_REQUESTS][B.base[R_HASH] + req] != C.hash[i]:
                Z.meta[0] = PYTHON
                return i
            res.status[i] = DUPLICATE
            res.position[i] = g8(B, R_POSITION, req)
            res.entries[i] = g4(B, R_ENTRIES, req)
            res.unapplied[i] = g8(B, R_UNAPPLIED, req)
            continue
        table, children, nbytes = _needs(C, i, k, r)
        if children > CANDIDATES_MAX:  # more lines or allocations than a command may carry
            Z.meta[0] = PYTHON
            return i
        if not _room(B, R, tcap, icap, table, children, nbytes, 64 + 24 * children):
            Z.meta[0] = GROW
            Z.meta[1], Z.meta[2], Z.meta[3] = children, nbytes, 64 + 24 * children
            return i
        e0 = R.m[0]
        marks = (R.m[1], R.m[2], R.m[3])
        Z.meta[1] = -1
        if k == col.ISSUE_INVOICE:
            ok = _issue_invoice(B, R, C, i, r, terms_flag, pol)
        elif k == col.RECORD_PAYMENT:
            ok = _record_payment(B, R, C, Z, i, r, pol)
        elif k == col.OPEN_CUSTOMER:
            ok = _open_customer(B, R, C, i, r)
        elif k == col.ISSUE_CREDIT_NOTE:
            ok = _issue_credit_note(B, R, C, i, r)
        else:
            ok = _allocate_payment(B, R, C, Z, i, r, pol)
        ok = ok and _within_gross(B, R, e0, R.m[0])
        if not ok:
            # nothing written, or a partial record to drop: Python decides (and words) it,
            # unless it is an over-allocation (the caller words that)
            refused = Z.meta[1] >= 0 and R.m[0] == e0
            R.m[0] = e0
            R.m[1], R.m[2], R.m[3] = marks
            if refused:  # marked, and the loop carries on; the caller words it afterwards
                res.status[i] = EXCEEDS_OPEN
                res.position[i], res.unapplied[i] = Z.meta[1], Z.meta[2]
                continue
            Z.meta[0] = PYTHON
            return i
        bad = ap.apply_entries(B, J, R.r, R.s, R.a, R.c, e0, R.m[0], first_position, 0)
        if bad != ap.OK:
            Z.meta[0] = -1 - bad  # a bug: the caller raises
            return i
        res.status[i] = ACCEPTED
        res.position[i] = first_position + e0
        res.entries[i] = R.m[0] - e0
        res.unapplied[i] = g8(B, R_UNAPPLIED, B.counts[T_REQUESTS] - 1)
    Z.meta[0] = DONE
    return len(C.kind)
