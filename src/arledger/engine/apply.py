"""How each entry type changes the book: written once, compiled, used by both books.

`apply_entries` walks entry records (engine/records.py) in log order and applies each
one's effect on a book (engine/book.py). The decider calls it on its book right after
deciding a command (with the undo log on, so a refused batch or a failed append rolls
back); the fold calls it on the read state's book for every stored segment, replay and
live path alike, with the movement journal on (one row per change of an open amount,
which the as-of views sum). So the decision book and the view book cannot differ in how
an entry moves them.

What is not here is not needed to decide: the read state's text, policies, credit events,
installment rows, dunning marks and promise tables are folded by engine/state.py.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.engine import book as bk
from arledger.engine.book import (
    A_AMOUNT,
    A_INVOICE,
    A_NEXT,
    A_PAYMENT,
    C_BALANCE,
    C_CLOSED,
    C_CN_HEAD,
    C_CN_TAIL,
    C_CREDIT_LIMIT,
    C_CURRENCY,
    C_HOLD_DAY,
    C_HOLD_SOURCE,
    C_INV_HEAD,
    C_INV_TAIL,
    C_NET_DAYS,
    C_ON_HOLD,
    C_OPEN_HEAD,
    C_OPENED_DAY,
    C_OVER_LIMIT,
    C_PAY_HEAD,
    C_PAY_TAIL,
    C_RECEIVABLE,
    C_RECOVERED,
    C_SOLD,
    C_STRATEGY,
    C_WRITTEN_OFF,
    D_AMOUNT,
    D_INVOICE,
    D_OPEN,
    D_OPENED_DAY,
    D_OUTCOME,
    D_RESOLVED_DAY,
    D_REVIEW_DAY,
    I_AMOUNT,
    I_CUSTOMER,
    I_DISC,
    I_DISC_UNTIL,
    I_DISPUTED,
    I_DUE_DAY,
    I_ISSUE_DAY,
    I_KIND,
    I_NEXT,
    I_OPEN,
    I_OPEN_NEXT,
    I_OPEN_PREV,
    I_REOPEN_DAY,
    I_SALE,
    I_SOLD_AMOUNT,
    I_VOIDED,
    K_CREDIT_NOTE,
    K_CUSTOMER,
    K_DISPUTE,
    K_INVOICE,
    K_PAYMENT,
    K_PROMISE,
    K_RECOVERY,
    K_REFUND,
    K_REQUEST,
    K_SALE,
    N_AMOUNT,
    N_CUSTOMER,
    N_ISSUE_DAY,
    N_NEXT,
    N_UNAPPLIED,
    P_ALLOC_DAY,
    P_ALLOC_HEAD,
    P_AMOUNT,
    P_CLOSURE_HEAD,
    P_CUSTOMER,
    P_NEXT,
    P_REVERSED,
    P_UNAPPLIED,
    P_VALUE_DAY,
    R_ENTRIES,
    R_HASH,
    R_POSITION,
    R_UNAPPLIED,
    S_DAY,
    S_PRICE_BP,
    T_ALLOCS,
    T_CLOSURES,
    T_CREDIT_NOTES,
    T_CURRENCIES,
    T_CUSTOMERS,
    T_DISPUTES,
    T_INVOICES,
    T_PAYMENTS,
    T_REQUESTS,
    T_SALES,
    TABLE_SPAN,
    Y_GROSS,
    Y_RECEIVABLE,
    Y_UNAPPLIED,
    Z_AMOUNT,
    Z_INVOICE,
    Z_KIND,
    Z_NEXT,
    Z_PAYMENT,
)
from arledger.engine.hashing import xxh64
from arledger.engine.ids import id_add, id_probe, want_id
from arledger.engine.jit import inline, kernel, prefetch
from arledger.engine.records import (
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

# Journal kinds: whose open amount a row moves.
J_INVOICE, J_CASH, J_CREDIT, J_DISPUTED = 0, 1, 2, 3
# Where a CustomerOpened record carries its currency's index (a derived value, not a stored
# column: the decider sets it, the fold fills it from the currency code).
CURRENCY_SLOT = F0 + 7
GROSS_MAX = limits.currency_gross_minor_max

_T = {t.name: t.code for t in E.ENTRY_TYPES}
CUSTOMER_OPENED, CUSTOMER_UPDATED, CUSTOMER_CLOSED = (_T["CustomerOpened"],
                                                      _T["CustomerUpdated"],
                                                      _T["CustomerClosed"])
INVOICE_ISSUED, INVOICE_VOIDED = _T["InvoiceIssued"], _T["InvoiceVoided"]
PAYMENT_RECORDED, PAYMENT_ALLOCATED, PAYMENT_REVERSED = (_T["PaymentRecorded"],
                                                         _T["PaymentAllocated"],
                                                         _T["PaymentReversed"])
CREDIT_NOTE_ISSUED, CREDIT_NOTE_ALLOCATED = _T["CreditNoteIssued"], _T["CreditNoteAllocated"]
DISPUTE_OPENED, DISPUTE_RESOLVED = _T["DisputeOpened"], _T["DisputeResolved"]
INVOICE_WRITTEN_OFF = _T["InvoiceWrittenOff"]
CUSTOMER_POLICIES_SET, INVOICE_TERMS_APPLIED = _T["CustomerPoliciesSet"], _T["InvoiceTermsApplied"]
CREDIT_LIMIT_CHANGED = _T["CreditLimitChanged"]
CREDIT_CHECK_DECIDED = _T["CreditCheckDecided"]
HOLD_PLACED, HOLD_RELEASED = _T["CustomerHoldPlaced"], _T["CustomerHoldReleased"]
DISPUTE_REVIEW_STARTED, PROMISE_MADE = _T["DisputeReviewStarted"], _T["PromiseMade"]
CHARGE_ASSESSED, DISCOUNT_TAKEN = _T["ChargeAssessed"], _T["DiscountTaken"]
SMALL_BALANCE_WRITTEN_OFF = _T["SmallBalanceWrittenOff"]
BAD_DEBT_RECOVERED, RECEIVABLES_SOLD = _T["BadDebtRecovered"], _T["ReceivablesSold"]
INVOICE_SOLD, INVOICE_RECALLED = _T["InvoiceSold"], _T["InvoiceRecalled"]
UNAPPLIED_REFUNDED = _T["UnappliedRefunded"]
SOURCE_PAYMENT = E.SOURCE_PAYMENT
CHANGED_NET_DAYS, CHANGED_LIMIT = E.CHANGED_NET_DAYS, E.CHANGED_LIMIT
CLOSURE_DISCOUNT, CLOSURE_SMALL_BALANCE = bk.CLOSURE_DISCOUNT, bk.CLOSURE_SMALL_BALANCE
# An entry that references an index the book does not have (a log that does not
# continue this state): apply stops there and reports it.
OK = -1


class Journal(NamedTuple):
    """The read state's movement journal, as compiled code appends to it."""

    kind: np.ndarray
    item: np.ndarray
    customer: np.ndarray
    day: np.ndarray
    seq: np.ndarray
    delta: np.ndarray
    etype: np.ndarray
    pos: np.ndarray
    meta: np.ndarray  # int64 [rows, on]


NO_JOURNAL = Journal(np.zeros(0, np.uint8), np.zeros(0, np.int64), np.zeros(0, np.int32),
                     np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64),
                     np.zeros(0, np.uint8), np.zeros(0, np.int64), np.zeros(2, np.int64))


# ---- columns by code ------------------------------------------------------------------------

@inline
def _table(code):
    """The table of a column code (book.table_of; a constant where the code is one)."""
    return (code % 1000) // TABLE_SPAN


@inline
def g1(B, code, ix):
    return B.f1[_table(code)][B.base[code] + ix]


@inline
def g2(B, code, ix):
    return B.f2[_table(code)][B.base[code] + ix]


@inline
def g4(B, code, ix):
    return B.f4[_table(code)][B.base[code] + ix]


@inline
def g8(B, code, ix):
    return B.f8[_table(code)][B.base[code] + ix]


@inline
def want1(B, code, ix):
    """Request the cache line of a uint8 cell (a hint: see PREFETCH_MIN)."""
    prefetch(B.f1[_table(code)], B.base[code] + ix)


@inline
def want2(B, code, ix):
    prefetch(B.f2[_table(code)], B.base[code] + ix)


@inline
def want4(B, code, ix):
    prefetch(B.f4[_table(code)], B.base[code] + ix)


@inline
def want8(B, code, ix):
    prefetch(B.f8[_table(code)], B.base[code] + ix)


@inline
def s1(B, code, ix, v):
    B.f1[_table(code)][B.base[code] + ix] = v


@inline
def s2(B, code, ix, v):
    B.f2[_table(code)][B.base[code] + ix] = v


@inline
def s4(B, code, ix, v):
    B.f4[_table(code)][B.base[code] + ix] = v


@inline
def s8(B, code, ix, v):
    """Set without logging: only for a row appended in this same step (a rollback drops
    the whole row)."""
    B.f8[_table(code)][B.base[code] + ix] = v


@inline
def w1(B, code, ix, v):
    """Write uint8 column `code` at `ix`, logging the old value while the undo log is on."""
    t = _table(code)
    p = B.base[code] + ix
    m = B.undo_meta
    if m[1]:
        n = m[0]
        B.undo_rec[n, 0] = code
        B.undo_rec[n, 1] = ix
        B.undo_rec[n, 2] = np.int64(B.f1[t][p])
        m[0] = n + 1
    B.f1[t][p] = v


@inline
def w2(B, code, ix, v):
    """Write int16 column `code` at `ix`, logging the old value while the undo log is on."""
    t = _table(code)
    p = B.base[code] + ix
    m = B.undo_meta
    if m[1]:
        n = m[0]
        B.undo_rec[n, 0] = code
        B.undo_rec[n, 1] = ix
        B.undo_rec[n, 2] = np.int64(B.f2[t][p])
        m[0] = n + 1
    B.f2[t][p] = v


@inline
def w4(B, code, ix, v):
    """Write int32 column `code` at `ix`, logging the old value while the undo log is on."""
    t = _table(code)
    p = B.base[code] + ix
    m = B.undo_meta
    if m[1]:
        n = m[0]
        B.undo_rec[n, 0] = code
        B.undo_rec[n, 1] = ix
        B.undo_rec[n, 2] = np.int64(B.f4[t][p])
        m[0] = n + 1
    B.f4[t][p] = v


@inline
def w8(B, code, ix, v):
    """Write int64 column `code` at `ix`, logging the old value while the undo log is on."""
    t = _table(code)
    p = B.base[code] + ix
    m = B.undo_meta
    if m[1]:
        n = m[0]
        B.undo_rec[n, 0] = code
        B.undo_rec[n, 1] = ix
        B.undo_rec[n, 2] = np.int64(B.f8[t][p])
        m[0] = n + 1
    B.f8[t][p] = v


@kernel
def undo_to(B, mark):
    """Restore every cell written since undo record `mark`, newest first."""
    m = B.undo_meta
    for n in range(m[0] - 1, mark - 1, -1):
        code, ix, old = B.undo_rec[n, 0], B.undo_rec[n, 1], B.undo_rec[n, 2]
        g = code // 1000
        t = _table(code)
        p = B.base[code] + ix
        if g == 8:
            B.f8[t][p] = old
        elif g == 4:
            B.f4[t][p] = old
        elif g == 1:
            B.f1[t][p] = old
        else:
            B.f2[t][p] = old
    m[0] = mark


@inline
def new_row(B, table):
    """Append a row to `table` (no undo: a rollback restores the count)."""
    ix = B.counts[table]
    B.counts[table] = ix + 1
    return ix


# ---- money -------------------------------------------------------------------------------

@inline
def _journal(J, kind, item, cust, day, seq, delta, etype, pos):
    if J.meta[1]:
        n = J.meta[0]
        J.kind[n] = kind
        J.item[n] = item
        J.customer[n] = cust
        J.day[n] = day
        J.seq[n] = seq
        J.delta[n] = delta
        J.etype[n] = etype
        J.pos[n] = pos
        J.meta[0] = n + 1


@inline
def _open_link(B, cust, inv):
    head = g8(B, C_OPEN_HEAD, cust)
    w8(B, I_OPEN_PREV, inv, -1)
    w8(B, I_OPEN_NEXT, inv, head)
    if head >= 0:
        w8(B, I_OPEN_PREV, head, inv)
    w8(B, C_OPEN_HEAD, cust, inv)


@inline
def _open_unlink(B, cust, inv):
    prev = g8(B, I_OPEN_PREV, inv)
    nxt = g8(B, I_OPEN_NEXT, inv)
    if prev >= 0:
        w8(B, I_OPEN_NEXT, prev, nxt)
    else:
        w8(B, C_OPEN_HEAD, cust, nxt)
    if nxt >= 0:
        w8(B, I_OPEN_PREV, nxt, prev)
    w8(B, I_OPEN_PREV, inv, -1)
    w8(B, I_OPEN_NEXT, inv, -1)


@inline
def move_open(B, inv, delta):
    """An invoice's open amount moves by delta: so do its customer's receivable and balance,
    its currency's receivable, and (crossing zero) its place in the customer's open list."""
    old = g8(B, I_OPEN, inv)
    new = old + delta
    w8(B, I_OPEN, inv, new)
    cust = np.int64(g4(B, I_CUSTOMER, inv))
    w8(B, C_RECEIVABLE, cust, g8(B, C_RECEIVABLE, cust) + delta)
    w8(B, C_BALANCE, cust, g8(B, C_BALANCE, cust) + delta)
    cur = np.int64(g2(B, C_CURRENCY, cust))
    w8(B, Y_RECEIVABLE, cur, g8(B, Y_RECEIVABLE, cur) + delta)
    if old <= 0 < new:
        _open_link(B, cust, inv)
    elif new <= 0 < old:
        _open_unlink(B, cust, inv)
    return cust


@inline
def _held(B, cust, delta):
    """Unapplied cash or credit of a customer moves by delta."""
    w8(B, C_BALANCE, cust, g8(B, C_BALANCE, cust) - delta)
    cur = np.int64(g2(B, C_CURRENCY, cust))
    w8(B, Y_UNAPPLIED, cur, g8(B, Y_UNAPPLIED, cur) + delta)


@inline
def move_cash(B, pay, delta):
    w8(B, P_UNAPPLIED, pay, g8(B, P_UNAPPLIED, pay) + delta)
    cust = np.int64(g4(B, P_CUSTOMER, pay))
    _held(B, cust, delta)
    return cust


@inline
def move_credit(B, cn, delta):
    w8(B, N_UNAPPLIED, cn, g8(B, N_UNAPPLIED, cn) + delta)
    cust = np.int64(g4(B, N_CUSTOMER, cn))
    _held(B, cust, delta)
    return cust


@inline
def _push(B, table, head_code, owner, next_code):
    """A new row at the head of owner's list in allocs or closures; its index."""
    ix = new_row(B, table)
    s8(B, next_code, ix, g8(B, head_code, owner))
    w8(B, head_code, owner, ix)
    return ix


@inline
def _ok(B, table, ix):
    return 0 <= ix < B.counts[table]


@inline
def _str(r, s, e, slot):
    k = r[e, STR0] + slot
    return s[k, 0], s[k, 1]


@inline
def _add_id(B, kind, a, r, s, e, slot):
    """Register the id in string `slot` of entry e under `kind`; its index."""
    st, en = _str(r, s, e, slot)
    return id_add(B.ids, kind, a, st, en, xxh64(a, st, en, np.uint64(0)))


# ---- entry types ---------------------------------------------------------------------------

@kernel
def _customer_opened(B, r, s, a, e, day):
    ix = new_row(B, T_CUSTOMERS)
    if ix != r[e, F0]:
        return False
    s2(B, C_CURRENCY, ix, r[e, CURRENCY_SLOT])
    s4(B, C_NET_DAYS, ix, r[e, F0 + 1])
    s8(B, C_CREDIT_LIMIT, ix, r[e, F0 + 2])
    s1(B, C_CLOSED, ix, 0)
    s4(B, C_OPENED_DAY, ix, day)
    for code in (C_BALANCE, C_RECEIVABLE, C_WRITTEN_OFF, C_RECOVERED, C_SOLD):
        s8(B, code, ix, 0)
    for code in (C_ON_HOLD, C_OVER_LIMIT, C_STRATEGY, C_HOLD_SOURCE):
        s1(B, code, ix, 0)
    s4(B, C_HOLD_DAY, ix, 0)
    for code in (C_INV_HEAD, C_INV_TAIL, C_PAY_HEAD, C_PAY_TAIL, C_CN_HEAD, C_CN_TAIL,
                 C_OPEN_HEAD):
        s8(B, code, ix, -1)
    _add_id(B, K_CUSTOMER, a, r, s, e, 3)
    return True


@inline
def _link(B, head_code, tail_code, next_code, cust, ix):
    """Append ix to a customer's list (invoices, payments or credit notes)."""
    s8(B, next_code, ix, -1)
    tail = g8(B, tail_code, cust)
    if tail < 0:
        w8(B, head_code, cust, ix)
    else:
        w8(B, next_code, tail, ix)
    w8(B, tail_code, cust, ix)


@kernel
def _invoice_issued(B, r, s, a, e, day):
    ix = new_row(B, T_INVOICES)
    cust = r[e, F0 + 1]
    if ix != r[e, F0] or not _ok(B, T_CUSTOMERS, cust):
        return False
    s4(B, I_CUSTOMER, ix, cust)
    s8(B, I_AMOUNT, ix, r[e, F0 + 2])
    s4(B, I_ISSUE_DAY, ix, r[e, F0 + 3])
    s4(B, I_DUE_DAY, ix, r[e, F0 + 4])
    for code in (I_OPEN, I_DISPUTED, I_DISC, I_SOLD_AMOUNT):
        s8(B, code, ix, 0)
    s1(B, I_VOIDED, ix, 0)
    s1(B, I_KIND, ix, 0)
    s4(B, I_REOPEN_DAY, ix, 0)
    s4(B, I_DISC_UNTIL, ix, 0)
    s8(B, I_OPEN_PREV, ix, -1)
    s8(B, I_OPEN_NEXT, ix, -1)
    s8(B, I_SALE, ix, -1)
    _link(B, C_INV_HEAD, C_INV_TAIL, I_NEXT, cust, ix)
    move_open(B, ix, r[e, F0 + 2])
    _add_id(B, K_INVOICE, a, r, s, e, 3)
    return True


@kernel
def _payment_recorded(B, r, s, a, e, day):
    ix = new_row(B, T_PAYMENTS)
    cust = r[e, F0 + 1]
    if ix != r[e, F0] or not _ok(B, T_CUSTOMERS, cust):
        return False
    s4(B, P_CUSTOMER, ix, cust)
    s8(B, P_AMOUNT, ix, r[e, F0 + 2])
    s4(B, P_VALUE_DAY, ix, r[e, F0 + 4])
    s4(B, P_ALLOC_DAY, ix, r[e, F0 + 4])
    s8(B, P_UNAPPLIED, ix, 0)
    s1(B, P_REVERSED, ix, 0)
    s8(B, P_ALLOC_HEAD, ix, -1)
    s8(B, P_CLOSURE_HEAD, ix, -1)
    _link(B, C_PAY_HEAD, C_PAY_TAIL, P_NEXT, cust, ix)
    move_cash(B, ix, r[e, F0 + 2])
    _add_id(B, K_PAYMENT, a, r, s, e, 3)
    return True


@kernel
def _credit_note_issued(B, r, s, a, e, day):
    ix = new_row(B, T_CREDIT_NOTES)
    cust = r[e, F0 + 1]
    if ix != r[e, F0] or not _ok(B, T_CUSTOMERS, cust):
        return False
    s4(B, N_CUSTOMER, ix, cust)
    s8(B, N_AMOUNT, ix, r[e, F0 + 2])
    s4(B, N_ISSUE_DAY, ix, r[e, F0 + 3])
    s8(B, N_UNAPPLIED, ix, 0)
    _link(B, C_CN_HEAD, C_CN_TAIL, N_NEXT, cust, ix)
    move_credit(B, ix, r[e, F0 + 2])
    _add_id(B, K_CREDIT_NOTE, a, r, s, e, 3)
    return True


@kernel
def _allocation(B, J, c, k, day, seq, etype, pos):
    """One allocation row: money of a payment or credit note applied to an invoice
    (negative: undone by a reversal)."""
    kind, src, inv, amt = c[k, G0], c[k, G0 + 1], c[k, G0 + 2], c[k, G0 + 3]
    if not _ok(B, T_INVOICES, inv):
        return False
    cust = move_open(B, inv, -amt)
    _journal(J, J_INVOICE, inv, cust, day, seq, -amt, etype, pos)
    if amt < 0 and g4(B, I_REOPEN_DAY, inv) < day:
        w4(B, I_REOPEN_DAY, inv, day)
    if kind == SOURCE_PAYMENT:
        if not _ok(B, T_PAYMENTS, src):
            return False
        move_cash(B, src, -amt)
        _journal(J, J_CASH, src, cust, day, seq, -amt, etype, pos)
        if g4(B, P_ALLOC_DAY, src) < day:
            w4(B, P_ALLOC_DAY, src, day)
        row = _push(B, T_ALLOCS, P_ALLOC_HEAD, src, A_NEXT)
        s8(B, A_PAYMENT, row, src)
        s8(B, A_INVOICE, row, inv)
        s8(B, A_AMOUNT, row, amt)
    else:
        if not _ok(B, T_CREDIT_NOTES, src):
            return False
        move_credit(B, src, -amt)
        _journal(J, J_CREDIT, src, cust, day, seq, -amt, etype, pos)
    return True


@kernel
def _closure(B, r, e, kind):
    """A discount taken or a small balance written off by a payment (negative: undone)."""
    inv, pay, amt = r[e, F0], r[e, F0 + 1], r[e, F0 + 2]
    if not (_ok(B, T_INVOICES, inv) and _ok(B, T_PAYMENTS, pay)):
        return -1
    cust = move_open(B, inv, -amt)
    if kind == CLOSURE_DISCOUNT:
        w8(B, I_DISC, inv, 0)
    row = _push(B, T_CLOSURES, P_CLOSURE_HEAD, pay, Z_NEXT)
    s8(B, Z_PAYMENT, row, pay)
    s8(B, Z_INVOICE, row, inv)
    s8(B, Z_AMOUNT, row, amt)
    s1(B, Z_KIND, row, kind)
    return cust


@kernel
def _money_entry(B, J, r, e, t, day, seq, pos):
    """Entries that move an invoice's open amount or money held, without allocations:
    voids, write-offs, sales and recalls, reversals, refunds, discounts, small balances."""
    f = F0
    if t == PAYMENT_REVERSED:
        pay, amount = r[e, f], r[e, f + 2]
        if not _ok(B, T_PAYMENTS, pay):
            return False
        w1(B, P_REVERSED, pay, 1)
        cust = move_cash(B, pay, -amount)
        _journal(J, J_CASH, pay, cust, day, seq, -amount, t, pos)
        return True
    if t == UNAPPLIED_REFUNDED:
        pay, cn, amount = r[e, f], r[e, f + 1], r[e, f + 2]
        if pay >= 0:
            if not _ok(B, T_PAYMENTS, pay):
                return False
            cust = move_cash(B, pay, -amount)
            _journal(J, J_CASH, pay, cust, day, seq, -amount, t, pos)
        else:
            if not _ok(B, T_CREDIT_NOTES, cn):
                return False
            cust = move_credit(B, cn, -amount)
            _journal(J, J_CREDIT, cn, cust, day, seq, -amount, t, pos)
        return True
    if t == DISCOUNT_TAKEN or t == SMALL_BALANCE_WRITTEN_OFF:
        kind = CLOSURE_DISCOUNT if t == DISCOUNT_TAKEN else CLOSURE_SMALL_BALANCE
        cust = _closure(B, r, e, kind)
        if cust < 0:
            return False
        _journal(J, J_INVOICE, r[e, f], cust, day, seq, -r[e, f + 2], t, pos)
        return True
    # InvoiceVoided, InvoiceWrittenOff (invoice, amount); InvoiceSold, InvoiceRecalled
    # (invoice, sale, amount)
    inv = r[e, f]
    amount = r[e, f + 1] if t == INVOICE_VOIDED or t == INVOICE_WRITTEN_OFF else r[e, f + 2]
    if not _ok(B, T_INVOICES, inv):
        return False
    delta = amount if t == INVOICE_RECALLED else -amount
    cust = move_open(B, inv, delta)
    _journal(J, J_INVOICE, inv, cust, day, seq, delta, t, pos)
    if t == INVOICE_VOIDED:
        w1(B, I_VOIDED, inv, 1)
    elif t == INVOICE_WRITTEN_OFF:
        w8(B, C_WRITTEN_OFF, cust, g8(B, C_WRITTEN_OFF, cust) + amount)
    elif t == INVOICE_SOLD:
        w8(B, I_SALE, inv, r[e, f + 1])
        w8(B, I_SOLD_AMOUNT, inv, amount)
        w8(B, C_SOLD, cust, g8(B, C_SOLD, cust) + amount)
    else:
        w8(B, I_SALE, inv, -1)
        w8(B, I_SOLD_AMOUNT, inv, 0)
        w8(B, C_SOLD, cust, g8(B, C_SOLD, cust) - amount)
    return True


@kernel
def _dispute_entry(B, J, r, s, a, e, t, day, seq, pos):
    f = F0
    if t == DISPUTE_OPENED:
        ix = new_row(B, T_DISPUTES)
        inv, amount = r[e, f + 1], r[e, f + 2]
        if ix != r[e, f] or not _ok(B, T_INVOICES, inv):
            return False
        s8(B, D_INVOICE, ix, inv)
        s8(B, D_AMOUNT, ix, amount)
        s4(B, D_OPENED_DAY, ix, day)
        s1(B, D_OPEN, ix, 1)
        s4(B, D_REVIEW_DAY, ix, 0)
        s1(B, D_OUTCOME, ix, 0)
        s4(B, D_RESOLVED_DAY, ix, 0)
        w8(B, I_DISPUTED, inv, g8(B, I_DISPUTED, inv) + amount)
        _add_id(B, K_DISPUTE, a, r, s, e, 3)
        _journal(J, J_DISPUTED, inv, g4(B, I_CUSTOMER, inv), day, seq, amount, t, pos)
        return True
    d = r[e, f]
    if not _ok(B, T_DISPUTES, d):
        return False
    if t == DISPUTE_REVIEW_STARTED:
        w4(B, D_REVIEW_DAY, d, day)
        return True
    w1(B, D_OPEN, d, 0)
    w1(B, D_OUTCOME, d, r[e, f + 1])
    w4(B, D_RESOLVED_DAY, d, day)
    inv, amount = g8(B, D_INVOICE, d), g8(B, D_AMOUNT, d)
    w8(B, I_DISPUTED, inv, g8(B, I_DISPUTED, inv) - amount)
    _journal(J, J_DISPUTED, inv, g4(B, I_CUSTOMER, inv), day, seq, -amount, t, pos)
    return True


@kernel
def _customer_entry(B, r, e, t, day):
    """Master data, closing, a customer's policies, limits and holds."""
    f = F0
    cust = r[e, f]
    if not _ok(B, T_CUSTOMERS, cust):
        return False
    if t == CUSTOMER_UPDATED:
        changed = r[e, f + 1]
        if changed & CHANGED_NET_DAYS:
            w4(B, C_NET_DAYS, cust, r[e, f + 2])
        if changed & CHANGED_LIMIT:
            w8(B, C_CREDIT_LIMIT, cust, r[e, f + 3])
    elif t == CUSTOMER_CLOSED:
        w1(B, C_CLOSED, cust, 1)
    elif t == CUSTOMER_POLICIES_SET:
        if r[e, f + 1]:
            w1(B, C_OVER_LIMIT, cust, r[e, f + 1])
        if r[e, f + 2]:
            w1(B, C_STRATEGY, cust, r[e, f + 2])
    elif t == CREDIT_LIMIT_CHANGED:
        w8(B, C_CREDIT_LIMIT, cust, r[e, f + 2])
    elif t == HOLD_PLACED:
        w1(B, C_ON_HOLD, cust, 1)
        w1(B, C_HOLD_SOURCE, cust, r[e, f + 1])
        w4(B, C_HOLD_DAY, cust, day)
    else:  # HOLD_RELEASED
        w1(B, C_ON_HOLD, cust, 0)
    return True


@kernel
def _other_entry(B, r, s, a, e, t, day):
    """Terms and charges on an invoice, and the ids of promises, recoveries and sales."""
    f = F0
    if t == INVOICE_TERMS_APPLIED or t == CHARGE_ASSESSED:
        inv = r[e, f]
        if not _ok(B, T_INVOICES, inv):
            return False
        if t == INVOICE_TERMS_APPLIED:
            w8(B, I_DISC, inv, r[e, f + 2])
            w4(B, I_DISC_UNTIL, inv, r[e, f + 3])
        else:
            w1(B, I_KIND, inv, r[e, f + 1])
    elif t == PROMISE_MADE:
        _add_id(B, K_PROMISE, a, r, s, e, 3)
    elif t == BAD_DEBT_RECOVERED:
        cust = r[e, f]
        if not _ok(B, T_CUSTOMERS, cust):
            return False
        w8(B, C_RECOVERED, cust, g8(B, C_RECOVERED, cust) + r[e, f + 1])
        _add_id(B, K_RECOVERY, a, r, s, e, 3)
    elif t == RECEIVABLES_SOLD:
        ix = new_row(B, T_SALES)
        if ix != r[e, f]:
            return False
        s4(B, S_PRICE_BP, ix, r[e, f + 3])
        s4(B, S_DAY, ix, day)
        _add_id(B, K_SALE, a, r, s, e, 3)
    return True


@inline
def _apply_one(B, J, r, s, a, c, e, seq, pos):
    """Apply entry e (and its allocation rows); False if it does not fit the book."""
    t = r[e, TYPE]
    day = r[e, DAY]
    f = F0
    ok = True
    if t == INVOICE_ISSUED:
        ok = _invoice_issued(B, r, s, a, e, day)
        if ok:
            _journal(J, J_INVOICE, r[e, f], r[e, f + 1], day, seq, r[e, f + 2], t, pos)
    elif t == PAYMENT_RECORDED:
        ok = _payment_recorded(B, r, s, a, e, day)
        if ok:
            _journal(J, J_CASH, r[e, f], r[e, f + 1], day, seq, r[e, f + 2], t, pos)
    elif t == CREDIT_NOTE_ISSUED:
        ok = _credit_note_issued(B, r, s, a, e, day)
        if ok:
            _journal(J, J_CREDIT, r[e, f], r[e, f + 1], day, seq, r[e, f + 2], t, pos)
    elif t == CUSTOMER_OPENED:
        ok = _customer_opened(B, r, s, a, e, day)
    elif t == PAYMENT_ALLOCATED or t == CREDIT_NOTE_ALLOCATED:
        pass  # the allocation rows below are the whole effect
    elif (t == PAYMENT_REVERSED or t == UNAPPLIED_REFUNDED or t == DISCOUNT_TAKEN
          or t == SMALL_BALANCE_WRITTEN_OFF or t == INVOICE_VOIDED
          or t == INVOICE_WRITTEN_OFF or t == INVOICE_SOLD or t == INVOICE_RECALLED):
        ok = _money_entry(B, J, r, e, t, day, seq, pos)
        if ok and t == UNAPPLIED_REFUNDED:
            _add_id(B, K_REFUND, a, r, s, e, 3)
    elif t == DISPUTE_OPENED or t == DISPUTE_RESOLVED or t == DISPUTE_REVIEW_STARTED:
        ok = _dispute_entry(B, J, r, s, a, e, t, day, seq, pos)
    elif (t == CUSTOMER_UPDATED or t == CUSTOMER_CLOSED or t == CUSTOMER_POLICIES_SET
          or t == CREDIT_LIMIT_CHANGED or t == HOLD_PLACED or t == HOLD_RELEASED):
        ok = _customer_entry(B, r, e, t, day)
    else:
        ok = _other_entry(B, r, s, a, e, t, day)
    if not ok:
        return False
    cur, amount = gross_of(B, r, e)
    if cur >= 0:
        w8(B, Y_GROSS, cur, g8(B, Y_GROSS, cur) + amount)
    for k in range(r[e, CHILD0], r[e, CHILD0] + r[e, NCHILD]):
        if c[k, C_TABLE] == CT_ALLOCATION:
            if not _allocation(B, J, c, k, day, seq, t, pos):
                return False
    return True


@inline
def gross_of(B, r, e):
    """(currency, amount) that entry e, once applied, adds to a currency's gross total, or
    (-1, 0): money recorded (invoices, payments, credit notes, recoveries) and the amounts
    that can repeat over the same money (disputes, promises, sales)."""
    t = r[e, TYPE]
    f = F0
    if (t == INVOICE_ISSUED or t == PAYMENT_RECORDED or t == CREDIT_NOTE_ISSUED
            or t == PROMISE_MADE):
        cust, amount = r[e, f + 1], r[e, f + 2]
    elif t == BAD_DEBT_RECOVERED:
        cust, amount = r[e, f], r[e, f + 1]
    elif t == DISPUTE_OPENED or t == INVOICE_SOLD:
        cust = np.int64(g4(B, I_CUSTOMER, r[e, f + 1] if t == DISPUTE_OPENED else r[e, f]))
        amount = r[e, f + 2]
    else:
        return np.int64(-1), np.int64(0)
    return np.int64(g2(B, C_CURRENCY, cust)), np.int64(amount)


@kernel
def over_gross(B):
    """True when a currency's gross total passed the cap (limits.currency_gross_minor_max)."""
    p = B.base[Y_GROSS]
    for k in range(p, p + B.counts[T_CURRENCIES]):
        if B.f8[T_CURRENCIES][k] > GROSS_MAX:
            return True
    return False


@inline
def _same_request(r, s, a, e1, e2):
    s1, t1 = _str(r, s, e1, 0)
    s2, t2 = _str(r, s, e2, 0)
    if t1 - s1 != t2 - s2:
        return False
    for k in range(t1 - s1):
        if a[s1 + k] != a[s2 + k]:
            return False
    return True


@inline
def _unapplied_after(B, r, e, count):
    """Unapplied money, now, of the payment or credit note a command touched last (what
    its answer reports), or 0."""
    kind, src = 0, -1
    for k in range(e, e + count):
        t = r[k, TYPE]
        if t == PAYMENT_RECORDED or t == PAYMENT_ALLOCATED:
            kind, src = 1, r[k, F0]
        elif t == CREDIT_NOTE_ISSUED or t == CREDIT_NOTE_ALLOCATED:
            kind, src = 2, r[k, F0]
        elif t == UNAPPLIED_REFUNDED:
            if r[k, F0] >= 0:
                kind, src = 1, r[k, F0]
            else:
                kind, src = 2, r[k, F0 + 1]
    if kind == 1:
        return g8(B, P_UNAPPLIED, src)
    if kind == 2:
        return g8(B, N_UNAPPLIED, src)
    return 0


@inline
def _request(B, r, s, a, e, count, position):
    """Register the command whose entries start at e (applied already): its request id,
    position, hash, entry count and the unapplied money its answer reports."""
    st, en = _str(r, s, e, 0)
    h = xxh64(a, st, en, np.uint64(0))
    ix = id_probe(B.ids, K_REQUEST, a, st, en, h)
    if ix < 0:
        ix = id_add(B.ids, K_REQUEST, a, st, en, h)
        row = new_row(B, T_REQUESTS)
    else:  # a log naming one request id twice: the later command answers for it
        row = ix
    s8(B, R_POSITION, row, position)
    B.f9[T_REQUESTS][B.base[R_HASH] + row] = np.uint64(r[e, HASH])
    s4(B, R_ENTRIES, row, count)
    s8(B, R_UNAPPLIED, row, _unapplied_after(B, r, e, count))


# ---- prefetch -----------------------------------------------------------------------------
# Folding a segment is bound by memory latency, not arithmetic: each command's request id,
# each new id and each customer or invoice it touches is a random row of a table larger
# than the caches (profiled: the request-id probe alone was a third of the fold), and one
# entry's work is too long for the CPU to reach the next entry's loads on its own. So a
# range long enough (a stored segment; not the decider's one command, whose rows it has
# just read) has the cache lines of the entries some way ahead requested while the current
# ones are applied: the same reads, overlapped. Hints only: nothing here changes a value.
PREFETCH_MIN = 16  # entries in a range before it is worth it
PREFETCH_AHEAD = 32  # entries requested ahead of the one being applied (at most)


@inline
def _want_id(ids, kind, a, r, s, e, slot):
    """Request the table slot where entry e's id in string `slot` of `kind` is probed."""
    st, en = _str(r, s, e, slot)
    want_id(ids, kind, a, st, en)


@kernel
def _want(B, r, s, a, c, e_from, e_to):
    """Request the cache lines entries [e_from, e_to) will read first (see PREFETCH_MIN)."""
    for e in range(e_from, e_to):
        _want_id(B.ids, K_REQUEST, a, r, s, e, 0)
        t = r[e, TYPE]
        cust = r[e, F0 + 1]
        if t == INVOICE_ISSUED:
            _want_id(B.ids, K_INVOICE, a, r, s, e, 3)
            if _ok(B, T_CUSTOMERS, cust):
                want8(B, C_INV_TAIL, cust)
                want8(B, C_RECEIVABLE, cust)
                want8(B, C_BALANCE, cust)
                want8(B, C_OPEN_HEAD, cust)
        elif t == PAYMENT_RECORDED:
            _want_id(B.ids, K_PAYMENT, a, r, s, e, 3)
            if _ok(B, T_CUSTOMERS, cust):
                want8(B, C_PAY_TAIL, cust)
                want8(B, C_BALANCE, cust)
        elif t == CREDIT_NOTE_ISSUED:
            _want_id(B.ids, K_CREDIT_NOTE, a, r, s, e, 3)
            if _ok(B, T_CUSTOMERS, cust):
                want8(B, C_CN_TAIL, cust)
                want8(B, C_BALANCE, cust)
        elif t == CUSTOMER_OPENED:
            _want_id(B.ids, K_CUSTOMER, a, r, s, e, 3)
        for k in range(r[e, CHILD0], r[e, CHILD0] + r[e, NCHILD]):
            if c[k, C_TABLE] == CT_ALLOCATION:
                inv = c[k, G0 + 2]
                if _ok(B, T_INVOICES, inv):
                    want8(B, I_OPEN, inv)
                    want8(B, I_OPEN_PREV, inv)
                    want8(B, I_OPEN_NEXT, inv)
                    want4(B, I_CUSTOMER, inv)


@kernel
def apply_entries(B, J, r, s, a, c, e_from, e_to, first_position, seq):
    """Apply entries [e_from, e_to) of a segment in log order, registering each command
    that starts there. Returns OK, or the first entry that does not fit the book."""
    e = e_from
    wanted = e_from if e_to - e_from >= PREFETCH_MIN else e_to  # requested up to here
    while e < e_to:
        if wanted < e_to and wanted - e < PREFETCH_AHEAD // 2:
            nxt = min(e_to, e + PREFETCH_AHEAD)
            _want(B, r, s, a, c, max(wanted, e), nxt)  # (a long command went past)
            wanted = nxt
        n = 1
        while e + n < e_to and _same_request(r, s, a, e, e + n):
            n += 1
        for k in range(e, e + n):
            if not _apply_one(B, J, r, s, a, c, k, seq, first_position + k):
                return k
        _request(B, r, s, a, e, n, first_position + e)
        e += n
    return OK
