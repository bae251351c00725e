"""The book: every figure a decision reads, as numpy columns, and its undo log.

Two books exist per partition. The *view* book is part of the read state (engine/state.py):
it changes only when a durable segment is folded. The *decision* book (engine/decide/)
runs ahead of it: it holds what the writer has decided, including groups still being
stored, and rolls back through its undo log when a group is refused or its append fails.
Both change only through the compiled apply functions of engine/apply.py, one per entry
type, so an entry's effect is written once and the two cannot drift.

Layout: tables of growable columns (dense index = order of creation in the log), ids in
open-addressing tables (engine/ids.py), and per customer linked lists of its invoices,
payments and credit notes, and of its *open* invoices (what cash application walks). Units
are in the column docs: amounts are integer minor units of the customer's currency,
`_day` columns days since 1970-01-01, and -1 in a link or index column means none.

Storage: per table, all its columns of one dtype sit in one array (`f8[table]`, a tuple
over tables for each of `f1`, `f2`, `f4`, `f8`, `f9`), each column a contiguous section at
`base[code]` (so `book.invoices.open` is still one contiguous array). Compiled code names a
column by its code, `I_OPEN` for invoices.open (dtype group * 1000 + table * 64 + a number
within the table): a read is `f8[T_INVOICES][base[I_OPEN] + ix]`, a write goes through
`apply.w`, which logs the old value, so one undo log restores any column. A table that
grows lays out only its own arrays again (amortised by doubling): with every table in one
flat array, each growth copied the whole book, a quarter of a replay and a seventh of the
writer's time.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from arledger.engine import room
from arledger.engine.ids import IdArrays, IdSet

U1, I2, I4, I8, U8 = "|u1", "<i2", "<i4", "<i8", "<u8"
DTYPES = (U1, I2, I4, I8, U8)
GROUP = {U1: 1, I2: 2, I4: 4, I8: 8, U8: 9}
# A table's columns get address space to grow in place (engine/room.py: reserved, not
# memory) once its capacity reaches RESERVE_ROWS: STRIDE_ROWS rows each at first, and a
# table that outgrows its stride is laid out once more at STRIDE_FACTOR times its capacity.
# Below RESERVE_ROWS a table is laid out tight and copied when it doubles (cheap at that
# size), so a small ledger reserves nothing.
RESERVE_ROWS = 1 << 16
STRIDE_ROWS = 1 << 20
STRIDE_FACTOR = 4


def stride_for(cap: int) -> int:
    """Rows of address space per column for a table laid out at capacity `cap`."""
    return cap if cap < RESERVE_ROWS else max(STRIDE_ROWS, STRIDE_FACTOR * cap)

CURRENCIES_MAX = 1024  # ISO 4217 has ~180 codes in use; room for every code ever issued
# A column's type, per dtype (the typed tables below, engine/state.py's Columns).
U1s: TypeAlias = npt.NDArray[np.uint8]
I2s: TypeAlias = npt.NDArray[np.int16]
I4s: TypeAlias = npt.NDArray[np.int32]
I8s: TypeAlias = npt.NDArray[np.int64]
U8s: TypeAlias = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class Col:
    name: str
    dtype: str
    core: bool  # in the decision book too (else only in the read state)
    doc: str


def _c(name: str, dtype: str, doc: str, core: bool = True) -> Col:
    return Col(name, dtype, core, doc)


# Table name -> (code prefix, columns). Core columns are what the decision book needs and
# what apply writes; the others are kept by the read state only (dunning marks, installment
# rows, sale prices).
TABLES: dict[str, tuple[str, tuple[Col, ...]]] = {
    "customers": ("C", (
        _c("currency", I2, "index into the state's currency codes"),
        _c("net_days", I4, "default payment terms, days after issue"),
        _c("credit_limit", I8, "minor units; 0 = no limit"),
        _c("closed", U1, "1 once closed"),
        _c("opened_day", I4, "the account's opening day"),
        _c("balance", I8, "open invoices - unapplied cash - unapplied credit"),
        _c("receivable", I8, "open invoices (what the caps bound)"),
        _c("on_hold", U1, "1 while on hold"),
        _c("over_limit", U1, "the customer's own over-limit action (0 = the policy's)"),
        _c("strategy", U1, "the customer's own cash application strategy (0 = oldest due)"),
        _c("hold_source", U1, "HOLD_* of the hold in force"),
        _c("hold_day", I4, "effective day of the hold in force"),
        _c("written_off", I8, "bad debt written off"),
        _c("recovered", I8, "recovered after write-offs"),
        _c("sold", I8, "face value sold to agencies, net of recalls"),
        _c("inv_head", I8, "first invoice (creation order)"),
        _c("inv_tail", I8, "last invoice"),
        _c("pay_head", I8, "first payment"),
        _c("pay_tail", I8, "last payment"),
        _c("cn_head", I8, "first credit note"),
        _c("cn_tail", I8, "last credit note"),
        _c("open_head", I8, "an invoice with open > 0 (the list runs through open_next)"),
    )),
    "invoices": ("I", (
        _c("customer", I4, "customer index"),
        _c("amount", I8, "the amount issued"),
        _c("issue_day", I4, "issue date"),
        _c("due_day", I4, "due date (of the last installment)"),
        _c("open", I8, "still owed"),
        _c("disputed", I8, "under open disputes"),
        _c("voided", U1, "1 once voided"),
        _c("reopen_day", I4, "latest day a reversal reopened it (0 = never)"),
        _c("kind", U1, "KIND_PRINCIPAL, KIND_FEE or KIND_INTEREST"),
        _c("disc", I8, "early-payment discount still on offer"),
        _c("disc_until", I4, "last day of the discount"),
        _c("next", I8, "the customer's next invoice"),
        _c("open_prev", I8, "previous in the customer's open list"),
        _c("open_next", I8, "next in the customer's open list"),
        _c("sale", I8, "the sale it is sold in (-1: not sold)"),
        _c("sold_amount", I8, "amount sold in that sale"),
        _c("inst_first", I8, "first row in installments (when inst_n > 0)", core=False),
        _c("inst_n", I4, "installments (0 = one due date, the invoice's own)", core=False),
        _c("dun_mark", I4, "threshold of the last dunning step + DUN_BASE (0 = none)",
           core=False),
        _c("int_day", I4, "interest assessed up to this day (0 = never)", core=False),
    )),
    "payments": ("P", (
        _c("customer", I4, "customer index"),
        _c("amount", I8, "received"),
        _c("value_day", I4, "value date"),
        _c("unapplied", I8, "not allocated, not refunded"),
        _c("reversed", U1, "1 once reversed"),
        _c("alloc_day", I4, "latest day one of its allocations took effect"),
        _c("next", I8, "the customer's next payment"),
        _c("alloc_head", I8, "its newest row in allocs"),
        _c("closure_head", I8, "its newest row in closures"),
    )),
    "credit_notes": ("N", (
        _c("customer", I4, "customer index"),
        _c("amount", I8, "credited"),
        _c("issue_day", I4, "issue date"),
        _c("unapplied", I8, "not allocated, not refunded"),
        _c("next", I8, "the customer's next credit note"),
    )),
    "disputes": ("D", (
        _c("invoice", I8, "invoice index"),
        _c("amount", I8, "contested"),
        _c("opened_day", I4, "opened"),
        _c("open", U1, "1 until resolved"),
        _c("review_day", I4, "review started (0 = not under review)"),
        _c("outcome", U1, "DisputeOutcome once resolved"),
        _c("resolved_day", I4, "resolved (0 = open)"),
    )),
    # A payment's allocations (reversals negative), newest first per payment: what a
    # reversal reopens.
    "allocs": ("A", (
        _c("payment", I8, "payment index"),
        _c("invoice", I8, "invoice index"),
        _c("amount", I8, "< 0 undoes"),
        _c("next", I8, "the payment's previous row"),
    )),
    # What a payment closed without money: discounts taken, small balances written off.
    "closures": ("Z", (
        _c("payment", I8, "payment index"),
        _c("invoice", I8, "invoice index"),
        _c("amount", I8, "< 0 undoes (the payment's reversal)"),
        _c("kind", U1, "CLOSURE_DISCOUNT or CLOSURE_SMALL_BALANCE"),
        _c("next", I8, "the payment's previous row"),
    )),
    "sales": ("S", (
        _c("price_bp", I4, "price as basis points of face"),
        _c("day", I4, "sale date"),
        _c("face", I8, "face value sold", core=False),
        _c("price", I8, "price received", core=False),
    )),
    # One row per command that wrote entries (index = its request id's index).
    "requests": ("R", (
        _c("position", I8, "first log position it wrote"),
        _c("hash", U8, "canonical payload hash (a retry must match it)"),
        _c("entries", I4, "how many entries it wrote"),
        _c("unapplied", I8, "unapplied money of the payment or credit note it last touched, "
                            "right after it (its answer; 0 if none)"),
    )),
    # Per currency (index = the state's currency index): what the caps bound.
    "currencies": ("Y", (
        _c("receivable", I8, "open invoices of every customer in it"),
        _c("unapplied", I8, "unapplied cash and credit of every customer in it"),
        _c("gross", I8, "every amount ever recorded in it (limits.currency_gross_minor_max)"),
    )),
}
TABLE_CODE = {name: k for k, name in enumerate(TABLES)}
ID_KINDS = ("customer", "invoice", "payment", "credit_note", "dispute", "promise", "sale",
            "request", "recovery", "refund")
ID_CODE = {k: i for i, k in enumerate(ID_KINDS)}
CLOSURE_DISCOUNT, CLOSURE_SMALL_BALANCE = 1, 2
# Table codes as constants for compiled code (T_CUSTOMERS, ...) and id kind codes (K_...).
for _name, _k in TABLE_CODE.items():
    globals()["T_" + _name.upper()] = _k
for _name, _k in ID_CODE.items():
    globals()["K_" + _name.upper()] = _k
# ... declared for the type checker (tests/unit/test_typed_columns.py: the same names).
T_CUSTOMERS: int
T_INVOICES: int
T_PAYMENTS: int
T_CREDIT_NOTES: int
T_DISPUTES: int
T_ALLOCS: int
T_CLOSURES: int
T_SALES: int
T_REQUESTS: int
T_CURRENCIES: int
K_CUSTOMER: int
K_INVOICE: int
K_PAYMENT: int
K_CREDIT_NOTE: int
K_DISPUTE: int
K_PROMISE: int
K_SALE: int
K_REQUEST: int
K_RECOVERY: int
K_REFUND: int


# Column codes: GROUP * 1000 + TABLE_SPAN * table + a number unique within the table's
# columns of that dtype, as module constants `<prefix>_<COLUMN>` (I_OPEN = invoices.open),
# which compiled code sees as literals (`table_of(code)` is then a constant too).
TABLE_SPAN = 64
COLUMNS: dict[int, tuple[str, Col]] = {}
for _name, (_prefix, _cols) in TABLES.items():
    _next = {dt: 0 for dt in DTYPES}
    for _col in _cols:
        _code = GROUP[_col.dtype] * 1000 + TABLE_SPAN * TABLE_CODE[_name] + _next[_col.dtype]
        _next[_col.dtype] += 1
        COLUMNS[_code] = (_name, _col)
        globals()[f"{_prefix}_{_col.name.upper()}"] = _code
    assert max(_next.values()) < TABLE_SPAN, _name
assert len(TABLES) * TABLE_SPAN <= 1000
# ... declared for the type checker (tests/unit/test_typed_columns.py: the same names).
C_CURRENCY: int
C_NET_DAYS: int
C_CREDIT_LIMIT: int
C_CLOSED: int
C_OPENED_DAY: int
C_BALANCE: int
C_RECEIVABLE: int
C_ON_HOLD: int
C_OVER_LIMIT: int
C_STRATEGY: int
C_HOLD_SOURCE: int
C_HOLD_DAY: int
C_WRITTEN_OFF: int
C_RECOVERED: int
C_SOLD: int
C_INV_HEAD: int
C_INV_TAIL: int
C_PAY_HEAD: int
C_PAY_TAIL: int
C_CN_HEAD: int
C_CN_TAIL: int
C_OPEN_HEAD: int
I_CUSTOMER: int
I_AMOUNT: int
I_ISSUE_DAY: int
I_DUE_DAY: int
I_OPEN: int
I_DISPUTED: int
I_VOIDED: int
I_REOPEN_DAY: int
I_KIND: int
I_DISC: int
I_DISC_UNTIL: int
I_NEXT: int
I_OPEN_PREV: int
I_OPEN_NEXT: int
I_SALE: int
I_SOLD_AMOUNT: int
I_INST_FIRST: int
I_INST_N: int
I_DUN_MARK: int
I_INT_DAY: int
P_CUSTOMER: int
P_AMOUNT: int
P_VALUE_DAY: int
P_UNAPPLIED: int
P_REVERSED: int
P_ALLOC_DAY: int
P_NEXT: int
P_ALLOC_HEAD: int
P_CLOSURE_HEAD: int
N_CUSTOMER: int
N_AMOUNT: int
N_ISSUE_DAY: int
N_UNAPPLIED: int
N_NEXT: int
D_INVOICE: int
D_AMOUNT: int
D_OPENED_DAY: int
D_OPEN: int
D_REVIEW_DAY: int
D_OUTCOME: int
D_RESOLVED_DAY: int
A_PAYMENT: int
A_INVOICE: int
A_AMOUNT: int
A_NEXT: int
Z_PAYMENT: int
Z_INVOICE: int
Z_AMOUNT: int
Z_KIND: int
Z_NEXT: int
S_PRICE_BP: int
S_DAY: int
S_FACE: int
S_PRICE: int
R_POSITION: int
R_HASH: int
R_ENTRIES: int
R_UNAPPLIED: int
Y_RECEIVABLE: int
Y_UNAPPLIED: int
Y_GROSS: int
CODE_OF = {(t, c.name): code for code, (t, c) in COLUMNS.items()}
BASE_SIZE = 10_000  # codes are < 10 * 1000


# What an entry of each type adds to the book, by entry type name (a segment's table name):
# (a row of this table or None, an id of this kind or None, the entry column holding the
# id). Every reservation (the read state's per segment, the decider's per flush) reads it;
# allocations are counted from child rows, requests from entries.
CREATES: dict[str, tuple[str | None, str | None, str | None]] = {
    "CustomerOpened": ("customers", "customer", "customer_id"),
    "InvoiceIssued": ("invoices", "invoice", "invoice_id"),
    "PaymentRecorded": ("payments", "payment", "payment_id"),
    "CreditNoteIssued": ("credit_notes", "credit_note", "credit_note_id"),
    "DisputeOpened": ("disputes", "dispute", "dispute_id"),
    "ReceivablesSold": ("sales", "sale", "sale_id"),
    "PromiseMade": (None, "promise", "promise_id"),
    "BadDebtRecovered": (None, "recovery", "recovery_id"),
    "UnappliedRefunded": (None, "refund", "refund_id"),
    "DiscountTaken": ("closures", None, None),
    "SmallBalanceWrittenOff": ("closures", None, None),
}


class Undo(NamedTuple):
    rec: np.ndarray   # int64 (capacity, 3): (column code, index, old value)
    meta: np.ndarray  # int64 [records, logging on]


def table_of(code: int) -> int:
    """The table (T_*) of a column code."""
    return (code % 1000) // TABLE_SPAN


class BookArrays(NamedTuple):
    f1: tuple[np.ndarray, ...]  # per table (T_* order): its uint8 columns, back to back
    f2: tuple[np.ndarray, ...]  # int16
    f4: tuple[np.ndarray, ...]  # int32
    f8: tuple[np.ndarray, ...]  # int64
    f9: tuple[np.ndarray, ...]  # uint64 (request hashes)
    base: np.ndarray   # int64 per column code: where its section starts (-1: not here)
    counts: np.ndarray  # int64 rows per table (T_* order)
    ids: IdArrays
    undo_rec: np.ndarray
    undo_meta: np.ndarray


# Columns that start at -1 in a new row (a link or index that is not set yet).
NONE_LINKS = {
    "customers": ("inv_head", "inv_tail", "pay_head", "pay_tail", "cn_head", "cn_tail",
                  "open_head"),
    "invoices": ("next", "open_prev", "open_next", "sale"),
    "payments": ("next", "alloc_head", "closure_head"),
    "credit_notes": ("next",), "allocs": ("next",), "closures": ("next",),
}


class Table:
    """One table of a book: its columns as attributes (views into the book's flat arrays),
    its row count (in the book's shared `counts`, which compiled code appends to) and
    `view(name)`, the filled part of a column."""

    def __init__(self, book: Book, name: str) -> None:
        self.name = name
        # A weak reference: a table is reached through its book, and a cycle between the
        # two would keep a dropped book (and its memory) alive until a full collection,
        # never while the folds keep the GC's permanent generation frozen (gc.freeze).
        self._book_ref = weakref.ref(book)
        self._code = TABLE_CODE[name]
        self.cols = tuple(c for c in TABLES[name][1] if c.core or not book.core_only)
        self.spec = {c.name: c.dtype for c in self.cols}

    @property
    def _book(self) -> Book:
        book = self._book_ref()
        assert book is not None, f"table {self.name} outlived its book"
        return book

    def _bind(self) -> None:
        b = self._book
        cap = int(b.cap[self._code])
        for c in self.cols:
            flat = b.flat[c.dtype][self._code]
            start = int(b.base[CODE_OF[(self.name, c.name)]])
            self.__dict__[c.name] = flat[start:start + cap]

    @property
    def n(self) -> int:
        return int(self._book.counts[self._code])

    @n.setter
    def n(self, value: int) -> None:
        self._book.counts[self._code] = value

    @property
    def capacity(self) -> int:
        return int(self._book.cap[self._code])

    def reserve(self, extra: int) -> bool:
        """Room for `extra` more rows; True if the book's arrays were laid out again."""
        return self._book.reserve({self.name: extra})

    def append(self, rows: int, /, **values: Any) -> int:
        """Append `rows` rows (unnamed columns 0, links -1); returns the first new index."""
        self.reserve(rows)
        first = self.n
        for c in self.cols:
            self.__dict__[c.name][first:first + rows] = \
                -1 if c.name in NONE_LINKS.get(self.name, ()) else 0
        for k, v in values.items():
            self.__dict__[k][first:first + rows] = v
        self.n = first + rows
        return first

    def view(self, name: str) -> np.ndarray:
        return self.__dict__[name][: self.n]

    def digest_bytes(self) -> list[bytes]:
        return [self.view(k).tobytes() for k in sorted(self.spec)]


# The tables with their columns as typed attributes (what `_bind` sets; TABLES above is the
# layout, tests/unit/test_typed_columns.py keeps the two equal). The view-only columns
# (core=False) are absent from a core-only book: the decider never reads them.
class CustomersTable(Table):
    currency: I2s
    net_days: I4s
    credit_limit: I8s
    closed: U1s
    opened_day: I4s
    balance: I8s
    receivable: I8s
    on_hold: U1s
    over_limit: U1s
    strategy: U1s
    hold_source: U1s
    hold_day: I4s
    written_off: I8s
    recovered: I8s
    sold: I8s
    inv_head: I8s
    inv_tail: I8s
    pay_head: I8s
    pay_tail: I8s
    cn_head: I8s
    cn_tail: I8s
    open_head: I8s


class InvoicesTable(Table):
    customer: I4s
    amount: I8s
    issue_day: I4s
    due_day: I4s
    open: I8s
    disputed: I8s
    voided: U1s
    reopen_day: I4s
    kind: U1s
    disc: I8s
    disc_until: I4s
    next: I8s
    open_prev: I8s
    open_next: I8s
    sale: I8s
    sold_amount: I8s
    inst_first: I8s
    inst_n: I4s
    dun_mark: I4s
    int_day: I4s


class PaymentsTable(Table):
    customer: I4s
    amount: I8s
    value_day: I4s
    unapplied: I8s
    reversed: U1s
    alloc_day: I4s
    next: I8s
    alloc_head: I8s
    closure_head: I8s


class CreditNotesTable(Table):
    customer: I4s
    amount: I8s
    issue_day: I4s
    unapplied: I8s
    next: I8s


class DisputesTable(Table):
    invoice: I8s
    amount: I8s
    opened_day: I4s
    open: U1s
    review_day: I4s
    outcome: U1s
    resolved_day: I4s


class AllocsTable(Table):
    payment: I8s
    invoice: I8s
    amount: I8s
    next: I8s


class ClosuresTable(Table):
    payment: I8s
    invoice: I8s
    amount: I8s
    kind: U1s
    next: I8s


class SalesTable(Table):
    price_bp: I4s
    day: I4s
    face: I8s
    price: I8s


class RequestsTable(Table):
    position: I8s
    hash: U8s
    entries: I4s
    unapplied: I8s


class CurrenciesTable(Table):
    receivable: I8s
    unapplied: I8s
    gross: I8s

TABLE_TYPES: dict[str, type[Table]] = {
    "customers": CustomersTable,
    "invoices": InvoicesTable,
    "payments": PaymentsTable,
    "credit_notes": CreditNotesTable,
    "disputes": DisputesTable,
    "allocs": AllocsTable,
    "closures": ClosuresTable,
    "sales": SalesTable,
    "requests": RequestsTable,
    "currencies": CurrenciesTable,
}


class Book:
    """See the module docstring. A `core_only` book (the decider's) omits view columns."""

    # The tables by name (`__getattr__` below), as their types.
    customers: CustomersTable
    invoices: InvoicesTable
    payments: PaymentsTable
    credit_notes: CreditNotesTable
    disputes: DisputesTable
    allocs: AllocsTable
    closures: ClosuresTable
    sales: SalesTable
    requests: RequestsTable
    currencies: CurrenciesTable

    def __init__(self, core_only: bool = False) -> None:
        self.core_only = core_only
        self.counts = np.zeros(len(TABLES), np.int64)
        self.cap = np.zeros(len(TABLES), np.int64)
        self.stride = np.zeros(len(TABLES), np.int64)  # rows of address space per column
        self.base = np.full(BASE_SIZE, -1, np.int64)
        self.flat = {dt: [np.zeros(0, dt) for _ in TABLES] for dt in DTYPES}
        self.tables = {name: TABLE_TYPES[name](self, name) for name in TABLES}
        self.ids = IdSet(ID_KINDS)
        self.undo = Undo(np.zeros((1024, 3), np.int64), np.zeros(2, np.int64))
        self._arrays: BookArrays | None = None
        self.cap[:] = 1024
        self.cap[TABLE_CODE["currencies"]] = CURRENCIES_MAX
        self._layout()
        self.counts[TABLE_CODE["currencies"]] = CURRENCIES_MAX

    def __getattr__(self, name: str) -> Table:  # customers, invoices, ... by name
        tables = self.__dict__.get("tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

    def _layout(self, tables: list[str] | None = None,
                caps: dict[str, int] | None = None) -> None:
        """Give the columns of `tables` (default: all) their table's capacity (or the one
        `caps` gives); the other tables stay as they are.

        Each column has `stride` rows of address space (engine/room.py): a capacity within
        the stride is had by raising it, in place, with no copy and no page touched. Past
        the stride the table is laid out again (`stride_for`), copying the filled rows:
        tight while it is small or where space cannot be reserved, else at a stride four
        times the capacity. Every array is allocated before anything is changed: compiled
        code reads the book unchecked, so a failed allocation must leave capacities,
        offsets and arrays as they were."""
        plans: list[tuple[Table, int, int, list[tuple[int, int]] | None,
                          dict[str, np.ndarray] | None]] = []
        for name in tables if tables is not None else list(self.tables):
            t = self.tables[name]
            code_t = t._code
            cap = int(caps[name]) if caps and name in caps else int(self.cap[code_t])
            stride = int(self.stride[code_t])
            if cap <= stride:
                plans.append((t, cap, stride, None, None))
                continue
            stride = stride_for(cap)
            n = t.n
            size = {dt: 0 for dt in DTYPES}
            for c in t.cols:
                size[c.dtype] += 1
            new: dict[str, np.ndarray] = {}
            for dt in DTYPES:
                if size[dt] and stride > cap:
                    a = room.zeros(dt, size[dt] * stride)
                    if a is None:  # no reservation: tight, as large as asked
                        stride = cap
                        break
                    new[dt] = a
            if len(new) != sum(1 for dt in DTYPES if size[dt]):
                new = {dt: np.zeros(size[dt] * stride, dt) for dt in DTYPES}
            at = {dt: 0 for dt in DTYPES}
            bases = []
            for c in t.cols:
                code = CODE_OF[(t.name, c.name)]
                b = at[c.dtype] * stride
                at[c.dtype] += 1
                o = int(self.base[code])
                if o >= 0 and n:
                    new[c.dtype][b:b + n] = self.flat[c.dtype][code_t][o:o + n]
                bases.append((code, b))
            for dt in DTYPES:
                new.setdefault(dt, np.zeros(0, dt))
            plans.append((t, cap, stride, bases, new))
        for t, cap, stride, laid, arrays in plans:  # nothing below allocates
            self.cap[t._code] = cap
            self.stride[t._code] = stride
            if laid is not None and arrays is not None:
                for code, b in laid:
                    self.base[code] = b
                for dt in DTYPES:
                    self.flat[dt][t._code] = arrays[dt]
                self._arrays = None
            t._bind()

    # ---- room before a compiled call ------------------------------------------------------

    def reserve(self, rows: dict[str, int] | None = None,
                ids: dict[str, tuple[int, int]] | None = None, undo: int = 0) -> bool:
        """Room for more rows per table, more ids (count, bytes) per kind, undo records;
        True if anything was laid out again (`arrays()` then rebuilds its tuple)."""
        grow = False
        need = self.counts.copy()
        for name, extra in (rows or {}).items():
            code = TABLE_CODE[name]
            need[code] += extra
            if need[code] > self.cap[code]:
                grow = True
        if grow:  # each table that asks for more than it has doubles (or more), alone
            caps = {name: max(int(need[code]), 2 * int(self.cap[code]))
                    for name, code in ((name, TABLE_CODE[name]) for name in TABLES)
                    if need[code] > self.cap[code]}
            self._layout(list(caps), caps)
        if ids and self.ids.reserve_many(ids):
            self._arrays = None
            grow = True
        undo_need = int(self.undo.meta[0]) + undo
        if undo_need > len(self.undo.rec):
            rec = room.grown(self.undo.rec, int(self.undo.meta[0]), undo_need)
            self.undo = Undo(rec, self.undo.meta)
            self._arrays = None
            grow = True
        return grow

    def arrays(self) -> BookArrays:
        """The tuple compiled code works on (rebuilt only after a reallocation)."""
        if self._arrays is None:
            f = self.flat
            self._arrays = BookArrays(tuple(f[U1]), tuple(f[I2]), tuple(f[I4]), tuple(f[I8]),
                                      tuple(f[U8]), self.base,
                                      self.counts, self.ids.arrays(), self.undo.rec,
                                      self.undo.meta)
        return self._arrays

    # ---- undo -----------------------------------------------------------------------------

    def logging(self, on: bool) -> None:
        self.undo.meta[1] = int(on)

    def savepoint(self) -> tuple[int, np.ndarray, tuple[int, ...]]:
        return int(self.undo.meta[0]), self.counts.copy(), self.ids.counts()

    def rollback(self, sp: tuple[int, np.ndarray, tuple[int, ...]]) -> None:
        from arledger.engine.apply import undo_to
        mark, counts, id_counts = sp
        undo_to(self.arrays(), mark)
        self.counts[:] = counts
        self.ids.truncate(id_counts)

    def forget_undo(self, before: int) -> int:
        """Drop the undo records before `before` (what they undo is durable now); returns
        how many went. While the records still needed outnumber those that may go, they
        stay (a rollback never reaches them) and go with a later call: moving the records
        in flight to the front after every durable group cost the writer ~5 % at volume.
        The log then holds up to about twice the records in flight."""
        n = int(self.undo.meta[0])
        keep = max(n - before, 0)
        if keep > before:
            return 0
        if keep:
            self.undo.rec[:keep] = self.undo.rec[before:n]  # keep <= before: a plain copy
        self.undo.meta[0] = keep
        return before

    # ---- copies and identity --------------------------------------------------------------

    def copy_core(self) -> Book:
        """The decision book: this book's core columns, ids and counts, copied."""
        b = Book.__new__(Book)
        b.core_only = True
        b.counts, b.cap = self.counts.copy(), self.cap.copy()
        b.stride = np.zeros(len(TABLES), np.int64)
        b.base = np.full(BASE_SIZE, -1, np.int64)
        b.flat = {dt: [np.zeros(0, dt) for _ in TABLES] for dt in DTYPES}
        b.tables = {name: TABLE_TYPES[name](b, name) for name in TABLES}
        b.ids = self.ids.copy()
        b.undo = Undo(np.zeros((1024, 3), np.int64), np.zeros(2, np.int64))
        b._arrays = None
        b._layout()
        for name, t in b.tables.items():
            src = self.tables[name]
            for c in t.cols:
                t.__dict__[c.name][: t.n] = src.__dict__[c.name][: t.n]
        return b

    def digest_bytes(self) -> list[bytes]:
        out: list[bytes] = []
        for name in TABLES:
            out.extend(self.tables[name].digest_bytes())
        for k in ID_KINDS:
            out.append(self.ids[k].digest_bytes())
        return out

    def memory_bytes(self) -> int:
        """Bytes of the columns at their capacity (not the address space reserved past it,
        which holds no memory until written) and of the id tables."""
        return sum(int(self.cap[t._code]) * np.dtype(c.dtype).itemsize
                   for t in self.tables.values() for c in t.cols) + self.ids.memory_bytes()


__all__ = ["Book", "BookArrays", "CODE_OF", "COLUMNS", "Col", "ID_KINDS", "TABLES", "Table",
           "table_of"]
