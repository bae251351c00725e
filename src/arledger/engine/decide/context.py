"""What deciders read and write: the decision book, seen through named records, and the
entries of the segment being built.

`DecisionState` is the writer's own state: a core-only book (engine/book.py) that runs
ahead of the read state by the groups still being stored, the policies, and the currency
codes. Handlers never change it directly: they validate against it, then write entries
(`Ctx.entry`); `Ctx.flush` applies those entries to the book through the compiled apply
(engine/apply.py) - the one definition of an entry's effect, shared with the read state's
fold - and folds policy definitions. Everything is undo-logged while the writer decides,
so a refused command, an aborted atomic batch or a failed append rolls back.

Records read from the book (`Customer`, `Invoice`, ...) are snapshots with named fields in
the book's units (minor units, day numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from arledger.domain import entries as E
from arledger.domain import policies as P
from arledger.domain.errors import LedgerError, error
from arledger.engine import apply as ap
from arledger.engine.bank_state import _MISSING, BankState
from arledger.engine.book import CREATES, Book
from arledger.engine.partition import Partition, partition_of
from arledger.engine.policy_state import KINDS as POLICY_KINDS
from arledger.engine.policy_state import PolicyState
from arledger.engine.records import CHILD_CODE, F0, NUMERIC, STR0, STRINGS, Recs

KINDS = ("customer", "invoice", "payment", "credit_note", "dispute", "promise", "sale")
_TABLE_OF = {"customer": "customers", "invoice": "invoices", "payment": "payments",
             "credit_note": "credit_notes", "dispute": "disputes", "sale": "sales"}
# Entry types that create an entity of a kind (the index column comes first).
_CREATES = {"CustomerOpened": "customer", "InvoiceIssued": "invoice",
            "PaymentRecorded": "payment", "CreditNoteIssued": "credit_note",
            "DisputeOpened": "dispute", "PromiseMade": "promise", "ReceivablesSold": "sale"}


class Customer(NamedTuple):
    ix: int
    currency: str
    net_days: int
    closed: bool
    opened_day: int
    credit_limit: int
    on_hold: bool
    over_limit: int     # OverLimitAction of its own (0 = the policy's)
    strategy: int       # AllocationStrategy of its own (0 = oldest due first)
    balance: int        # open invoices - unapplied cash and credit, minor units
    hold_source: int
    hold_day: int


class Invoice(NamedTuple):
    ix: int
    customer: int
    amount: int
    issue_day: int
    due_day: int
    open: int
    disputed: int
    voided: bool
    reopen_day: int     # latest day a reversal reopened it (0 = never)
    kind: int           # E.KIND_*
    disc: int           # early-payment discount still on offer, minor units
    disc_until: int
    sale: int           # -1 unless sold
    sold_amount: int


class Payment(NamedTuple):
    ix: int
    customer: int
    amount: int
    value_day: int
    unapplied: int
    reversed: bool
    alloc_day: int      # latest day one of its allocations took effect


class CreditNote(NamedTuple):
    ix: int
    customer: int
    amount: int
    issue_day: int
    unapplied: int


class Dispute(NamedTuple):
    ix: int
    invoice: int
    amount: int
    opened_day: int
    open: bool
    under_review: bool


class DecisionState:
    """The writer's state (see the module docstring)."""

    def __init__(self, book: Book, policies: PolicyState, currencies: list[str],
                 holds: dict[int, str], bank: BankState | None = None) -> None:
        self.book = book
        self.policies = policies
        self.currencies = currencies
        self.holds = holds  # customer -> why its hold was placed (for CUSTOMER_ON_HOLD)
        self.partition = Partition()
        self.head_position = 0  # the last position decided (stored or not yet)
        self._terms_flag: np.ndarray | None = None
        self.book.logging(True)  # every change can be rolled back until it is durable
        self.policies.undo = []
        self._undo: list[tuple[Any, ...]] = []  # (list, length) / (dict, key, old)
        self.bank = bank if bank is not None else BankState()
        self.bank.undo = self._undo  # bank statements log their inverses here

    @classmethod
    def of(cls, view: Any) -> DecisionState:
        """A decision state equal to a read state (at open, and after a drain)."""
        holds = {}
        for cust, events in view.credit_events.items():
            for ev in reversed(events):
                if ev[0] == "HOLD_PLACED":
                    holds[cust] = _hold_text(ev[5], ev[1], ev[3], ev[4])
                    break
        D = cls(view.book.copy_core(), view.policies.copy(), list(view.currencies), holds,
                view.bank.copy())
        D.head_position = view.head_position
        return D

    # ---- undo of the Python parts ----------------------------------------------------------

    def mark(self) -> tuple[Any, ...]:
        return self.book.savepoint(), self.policies.mark(), len(self._undo)

    @staticmethod
    def rebase(mark: tuple[Any, ...], dropped: tuple[int, int, int]) -> tuple[Any, ...]:
        """A mark taken before `forget` dropped `dropped` undo records, after it."""
        (n, counts, ids), pol, k = mark
        return (n - dropped[0], counts, ids), pol - dropped[1], k - dropped[2]

    def terms_flag(self) -> np.ndarray:
        """Per customer (to the customers' capacity): 1 when it has payment terms of its own
        (its invoices then go to the Python decider, which applies terms)."""
        cap = int(self.book.cap[0])
        if self._terms_flag is None or len(self._terms_flag) < cap:
            flag = np.zeros(cap, np.uint8)
            for cust in self.policies.customer_terms:
                flag[cust] = 1
            self._terms_flag = flag
        return self._terms_flag

    def terms_changed(self) -> None:
        self._terms_flag = None

    def policy_scalars(self) -> np.ndarray:
        """The credit policy as the compiled decider reads it: [over-limit action,
        short-pay tolerance in minor units, in basis points]."""
        pol = self.policies.credit_policy()
        return np.array([P.OVER_LIMIT_ACTIONS.index(pol.over_limit_action),
                         pol.short_pay_tolerance_minor, pol.short_pay_tolerance_bp], np.int64)

    def rollback(self, mark: tuple[Any, ...]) -> None:
        self._terms_flag = None
        book_sp, pol, n = mark
        while len(self._undo) > n:
            u = self._undo.pop()
            if len(u) == 2:
                del u[0][u[1]:]
            elif u[2] is _MISSING:
                u[0].pop(u[1], None)
            else:
                u[0][u[1]] = u[2]
        self.policies.rollback(pol)
        self.book.rollback(book_sp)

    def forget(self, mark: tuple[Any, ...]) -> tuple[int, int, int]:
        """What happened before `mark` is durable: its undo records may go (the book's
        stay while more are in flight than would go: Book.forget_undo). How many of each
        kind went is returned, for `rebase` of later marks (0 book records when they
        stayed)."""
        book_sp, pol, n = mark
        dropped = self.book.forget_undo(book_sp[0])
        self.policies.forget_undo(pol)
        del self._undo[:n]
        return dropped, pol, n

    def set_hold(self, cust: int, text: str) -> None:
        self._undo.append((self.holds, cust, self.holds.get(cust, _MISSING)))
        self.holds[cust] = text

    def currency_index(self, code: str) -> int:
        try:
            return self.currencies.index(code)
        except ValueError:
            self._undo.append((self.currencies, len(self.currencies)))
            self.currencies.append(code)
            return len(self.currencies) - 1

    # ---- records -----------------------------------------------------------------------------

    def customer(self, ix: int) -> Customer:
        c = self.book.customers
        return Customer(ix, self.currencies[c.currency.item(ix)], c.net_days.item(ix),
                        bool(c.closed.item(ix)), c.opened_day.item(ix), c.credit_limit.item(ix),
                        bool(c.on_hold.item(ix)), c.over_limit.item(ix), c.strategy.item(ix),
                        c.balance.item(ix), c.hold_source.item(ix), c.hold_day.item(ix))

    def invoice(self, ix: int) -> Invoice:
        i = self.book.invoices
        return Invoice(ix, i.customer.item(ix), i.amount.item(ix), i.issue_day.item(ix),
                       i.due_day.item(ix), i.open.item(ix), i.disputed.item(ix),
                       bool(i.voided.item(ix)), i.reopen_day.item(ix), i.kind.item(ix),
                       i.disc.item(ix), i.disc_until.item(ix), i.sale.item(ix),
                       i.sold_amount.item(ix))

    def payment(self, ix: int) -> Payment:
        p = self.book.payments
        return Payment(ix, p.customer.item(ix), p.amount.item(ix), p.value_day.item(ix),
                       p.unapplied.item(ix), bool(p.reversed.item(ix)), p.alloc_day.item(ix))

    def credit_note(self, ix: int) -> CreditNote:
        n = self.book.credit_notes
        return CreditNote(ix, n.customer.item(ix), n.amount.item(ix), n.issue_day.item(ix),
                          n.unapplied.item(ix))

    def dispute(self, ix: int) -> Dispute:
        d = self.book.disputes
        return Dispute(ix, d.invoice.item(ix), d.amount.item(ix), d.opened_day.item(ix),
                       bool(d.open.item(ix)), d.review_day.item(ix) > 0)

    def invoices_of(self, cust: int) -> list[int]:
        return _walk(self.book.customers.inv_head.item(cust), self.book.invoices.next)

    def open_invoices_of(self, cust: int) -> list[int]:
        """Invoices with something open (what cash application walks), any order."""
        return _walk(self.book.customers.open_head.item(cust), self.book.invoices.open_next)

    def payments_of(self, cust: int) -> list[int]:
        return _walk(self.book.customers.pay_head.item(cust), self.book.payments.next)

    def credit_notes_of(self, cust: int) -> list[int]:
        return _walk(self.book.customers.cn_head.item(cust), self.book.credit_notes.next)

    def payment_allocations(self, pay: int) -> dict[int, int]:
        """Net amount a payment has applied per invoice (what a reversal reopens)."""
        return _net(self.book.allocs, self.book.payments.alloc_head.item(pay))

    def payment_closures(self, pay: int, kind: int) -> dict[int, int]:
        """Per invoice, what a payment closed without money (CLOSURE_* kind), net."""
        return _net(self.book.closures, self.book.payments.closure_head.item(pay), kind)

    def request(self, rid: str) -> tuple[int, int, int, int] | None:
        """(request hash, first position, entries, unapplied) of a request id decided
        before (unapplied: what its answer reports)."""
        ix = self.book.ids["request"].find(rid)
        if ix < 0:
            return None
        R = self.book.requests
        return R.hash.item(ix), R.position.item(ix), R.entries.item(ix), R.unapplied.item(ix)

    def credit_policy(self) -> P.CreditPolicy:
        return self.policies.credit_policy()


def _hold_text(source: int, day: int, actor: str, reason: str) -> str:
    from arledger.domain.dates import day_to_iso
    if source == E.HOLD_MANUAL:
        return f"placed by {actor} on {day_to_iso(day)} ({reason})"
    return f"{HOLD_TEXT.get(source, 'hold')} on {day_to_iso(day)}" + \
        (f" ({reason})" if reason else "")


HOLD_TEXT = {E.HOLD_MANUAL: "placed by hand", E.HOLD_OVER_LIMIT: "exposure over the credit limit",
             E.HOLD_PAST_DUE: "installments past due beyond the credit policy",
             E.HOLD_DUNNING: "a dunning step"}


def _walk(head: int, nxt: np.ndarray) -> list[int]:
    out = []
    i = head
    while i >= 0:
        out.append(i)
        i = nxt.item(i)
    return out


def _net(table: Any, head: int, kind: int = 0) -> dict[int, int]:
    out: dict[int, int] = {}
    i = head
    while i >= 0:
        if not kind or table.kind.item(i) == kind:
            inv = table.invoice.item(i)
            out[inv] = out.get(inv, 0) + table.amount.item(i)
        i = table.next.item(i)
    return {k: v for k, v in out.items() if v}


@dataclass(slots=True)
class Outcome:
    """The result of one command (ACCEPTED, DUPLICATE or REJECTED)."""

    status: str
    request_id: str
    position: int = 0
    entry_count: int = 0
    error: LedgerError | None = None
    allocations: list[tuple[str, int]] = field(default_factory=list)
    unapplied_minor: int = 0
    due_day: int | None = None
    warnings: list[str] = field(default_factory=list)
    # What a command returns beyond this (a dunning run's notices).
    detail: Any = None


class Ctx:
    """One command being decided by Python: its envelope, the entries it writes, and the
    ids it creates before they reach the book (`flush`)."""

    def __init__(self, D: DecisionState, recs: Recs, first_position: int) -> None:
        self.D = D
        self.recs = recs
        self.first_position = first_position  # of the group being built
        self.env: tuple[str, str, str, int] = ("", "", "", 0)
        self.out = Outcome("ACCEPTED", "")
        self.new: dict[str, dict[str, int]] = {k: {} for k in KINDS}
        self.e0 = recs.n
        self.view: Any = None  # the read state, for a dunning run (level with D then)

    # ---- ids ----------------------------------------------------------------------------------

    def find(self, kind: str, id_: str) -> int:
        """Index of an id of `kind` (decided before, or created by this command), or -1."""
        ix = self.D.book.ids[kind].find(id_)
        return ix if ix >= 0 else self.new[kind].get(id_, -1)

    def must(self, kind: str, id_: str, field: str) -> int:
        from arledger.domain import validate as V
        ix = self.find(kind, id_)
        if ix < 0:
            V.ident(id_, field)  # malformed rather than unknown?
            if kind == "customer" and not self.D.partition.owns(id_):
                raise wrong_partition(id_, self.D.partition)
            raise error(f"{kind.upper()}_NOT_FOUND", f"no {kind.replace('_', ' ')} {id_!r}")
        return ix

    def next_index(self, kind: str) -> int:
        """The index the next entity of `kind` this command creates gets."""
        if kind == "promise":
            base = self.D.book.ids["promise"].n
        else:
            base = self.D.book.tables[_TABLE_OF[kind]].n
        return base + len(self.new[kind])

    # ---- entries ------------------------------------------------------------------------------

    def entry(self, type_name: str, day: int, **cols: Any) -> int:
        """Write an entry of this command; the book sees it at `flush`."""
        t = E.BY_NAME[type_name]
        nums = [int(cols.pop(c)) for c, _ in NUMERIC[t.code]]
        strs = [cols.pop(c) for c in STRINGS[t.code]]
        assert not cols, (type_name, sorted(cols))
        e = self.recs.entry(t.code, day, self.env, nums, strs)
        kind = _CREATES.get(type_name)
        if kind is not None:  # its id is known to later checks of this same command
            self.new[kind][strs[0]] = nums[0]
        return e

    def child(self, table: str, parent: int, text: str | None = None, **cols: Any) -> None:
        from arledger.engine.records import CHILD_NUMERIC
        nums = [int(cols.pop(c)) for c, _ in CHILD_NUMERIC[CHILD_CODE[table]]]
        assert not cols, (table, sorted(cols))
        self.recs.child(table, parent, nums, text)

    def allocation(self, e: int, source_kind: int, source_ix: int, inv: int, amt: int) -> None:
        self.child(E.ALLOCATIONS, e, source_kind=source_kind, source_ix=source_ix,
                   invoice_ix=inv, amount_minor=amt)


def wrong_partition(cid: str, p: Partition) -> LedgerError:
    owner = partition_of(cid, p.count)
    return error("WRONG_PARTITION", f"customer {cid!r} belongs to partition {owner}/{p.count}, "
                 f"this writer is {p}", partition=f"{owner}/{p.count}")


def flush(D: DecisionState, recs: Recs, e_from: int, first_position: int) -> None:
    """Apply entries [e_from, end) of the group to the decision state."""
    e_to = recs.n
    if e_to <= e_from:
        return
    reserve_for(D.book, recs, e_from, e_to)
    r = recs.arr
    bad = ap.apply_entries(D.book.arrays(), ap.NO_JOURNAL, r.r, r.s, r.a, r.c, e_from, e_to,
                           first_position, 0)
    assert bad == ap.OK, (f"entry {bad} of a decided group does not fit the decision book: "
                          f"{r.r[bad].tolist()}, counts {D.book.counts.tolist()}")
    after_apply(D, recs, e_from, e_to)
    if _IS_BANK[r.r[e_from:e_to, 0]].any():
        D.bank.fold(recs, first_position, e_from, e_to)


def after_apply(D: DecisionState, recs: Recs, e_from: int, e_to: int) -> None:
    """The Python part of applying entries [e_from, e_to) to the decision state: policy
    definitions, and why a hold was placed (for CUSTOMER_ON_HOLD's message)."""
    r = recs.arr
    types = r.r[e_from:e_to, 0]
    # Type lookups through a table indexed by entry type: np.isin costs ~25 us a call, and
    # this runs after every command the Python decider takes and every compiled run (on
    # the whole portfolio ~13,000 times per 470k commands): one lookup says whether there
    # is anything to do at all.
    if not _IS_WATCHED[types].any():
        return
    policy = bool(_IS_POLICY[types].any())
    holds_ = np.flatnonzero(types == ap.HOLD_PLACED).tolist()
    if policy:
        D.policies.fold(recs, e_from, e_to)
        D.terms_changed()
    for k in holds_:
        e = e_from + k
        env = recs.env(e)
        D.set_hold(int(r.r[e, F0]), _hold_text(int(r.r[e, F0 + 1]), int(r.r[e, 1]), env[1],
                                               env[2]))


# Every kind PolicyState folds (the list is its own: a kind left out here went unfolded in
# the decision state, and a second allowance definition in one session logged version 1).
_POLICY_TYPES = POLICY_KINDS
_IS_POLICY = np.zeros(max(E.BY_CODE) + 1, np.bool_)
_IS_POLICY[_POLICY_TYPES] = True
_IS_WATCHED = _IS_POLICY.copy()  # what after_apply acts on: policies and holds
_IS_WATCHED[ap.HOLD_PLACED] = True

_BANK_TYPES = np.array([E.BY_NAME[n].code for n in (
    "BankStatementImported", "BankLineRecorded", "BankMatchRulesDefined", "BankLineApplied",
    "BankLineQueued", "BankLineDismissed")], np.int64)
_IS_BANK = np.zeros(max(E.BY_CODE) + 1, np.bool_)
_IS_BANK[_BANK_TYPES] = True

# By entry type code: the book table an entry adds a row to, the id kind it adds (book.CREATES).
_CREATED_TABLE = {E.BY_NAME[name].code: table for name, (table, _, _) in CREATES.items()
                  if table}
_ID_KIND = {E.BY_NAME[name].code: kind for name, (_, kind, _) in CREATES.items() if kind}


def reserve_for(book: Book, recs: Recs, e_from: int, e_to: int) -> None:
    """Room in a book for what entries [e_from, e_to) can add (rows, ids, undo records)."""
    r = recs.arr.r
    n = e_to - e_from
    if n <= 16:  # one command's entries (the Python decider's case): plain ints
        types = r[e_from:e_to, 0].tolist()
        counts = {t: types.count(t) for t in set(types)}
        kids = sum(r[e_from:e_to, 5].tolist())
    else:
        counts = {t: c for t, c in enumerate(np.bincount(r[e_from:e_to, 0]).tolist()) if c}
        kids = int(r[e_from:e_to, 5].sum())
    rows = {"requests": n, "allocs": kids}
    for t, c in counts.items():
        table = _CREATED_TABLE.get(t)
        if table is not None:
            rows[table] = rows.get(table, 0) + c
    # The string bytes these entries added (ids are among them): from the first string of
    # e_from to the end of the arena. (The whole group's arena was reserved for every id
    # kind of every one-command flush: the id arenas grew by the group's size each time.)
    a = recs.arr
    nbytes = int(a.m[2]) - int(a.s[r[e_from, STR0], 0]) if int(a.m[1]) > r[e_from, STR0] \
        else 0
    ids = {kind: (counts[t], nbytes) for t, kind in _ID_KIND.items() if t in counts}
    ids["request"] = (n, nbytes)
    book.reserve(rows, ids, undo=40 * n + 24 * kids)
