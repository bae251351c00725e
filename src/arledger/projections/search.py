"""Finding things: lists of customers, invoices, payments and credit notes with
filters and an order, one invoice or payment in full, notes, and the dunning run's notices,
each as of a day (`as_of`) and as known at a segment (`known_seq`), like every view.

How it stays fast over a million customers:

- The figures of every row (a customer's balance, overdue, oldest past due, ...; an
  invoice's open amount and status) are computed for the whole partition in one
  vectorised pass per view (as_of, known segment) and cached (`_cache`, a few views per
  state); a page is then a boolean filter, a partial sort (`np.argpartition` of the first
  offset + size rows) and the page's rows turned into dataclasses (days as day numbers,
  money in minor units), which the server alone turns into messages. Page tokens pin the known
  segment, so the pages of one listing read one cached view.
- Text search runs over one casefolded UTF-8 buffer of every id (and customer name),
  matched with numpy (`TextIndex`), not a Python loop per row.
- One invoice or payment reads only its own journal rows, found through a sorted index of
  the journal by (kind, item) that grows with it (`JournalIndex`).

State access: every read of the state's ids and Python maps goes through the small
helpers right below (`_customer_id`, `_find_invoice`, `_invoices_of`, ...), so a change of
the state's layout (ids in numpy hash tables) is ported in one place. Everything else reads
the numpy columns (`S.customers`, `S.invoices`, `S.payments`, `S.credit_notes`,
`S.journal`, ...). Callers hold `Ledger.reading()`.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arledger.domain import entries as E
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.domain.money import format_minor
from arledger.engine.amounts import (
    installment_rows,
    is_live,
    known_position,
    open_amounts,
    open_rows,
)
from arledger.engine.ids import IdTable
from arledger.engine.state import J_CASH, J_CREDIT, J_DISPUTED, J_INVOICE, State
from arledger.projections.views import limits_as_of

# ---- state access (ids and maps): the only functions that read them ------------------------


def _customer_ix(S: State, customer_id: str) -> int | None:
    return S.customer_ix.get(customer_id)


def _customer_id(S: State, ix: int) -> str:
    return S.customer_ids[ix]


def _customer_ids(S: State) -> IdTable:
    """Every customer id, by index (`ids[i]`, `ids[lo:hi]`, `len`)."""
    return S.customer_ids


def _customer_master(S: State, ix: int) -> tuple[str, str]:
    """(name, billing contact) as they are now."""
    m = S.master[ix]
    return m[0], m[1]


def _customer_names(S: State) -> list[str]:
    return S.master.fields["name"].values()


def _find_invoice(S: State, invoice_id: str) -> int | None:
    return S.invoice_ix.get(invoice_id)


def _invoice_ids(S: State) -> IdTable:
    return S.invoice_ids


def _po_number(S: State, ix: int) -> str:
    return S.po_numbers[ix]


def _invoice_terms(S: State, ix: int) -> str:
    """The terms an invoice was issued under, "ID vN" ("" when none: net days)."""
    t = S.invoice_terms.get(ix)
    if t is None:
        return ""
    tid = S.terms_ids[t]
    return f"{tid} v{S.terms_versions[tid].index(t) + 1}"


def _find_payment(S: State, payment_id: str) -> int | None:
    return S.payment_ix.get(payment_id)


def _payment_ids(S: State) -> IdTable:
    return S.payment_ids


def _find_credit_note(S: State, credit_note_id: str) -> int | None:
    return S.credit_note_ix.get(credit_note_id)


def _credit_note_ids(S: State) -> IdTable:
    return S.credit_note_ids


def _invoices_of(S: State, customer: int) -> np.ndarray:
    return S.invoices_of(customer)


def _hold_events(S: State) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every hold placed or released: (customer, effective day, position, placed?)."""
    ev = [(c, e[1], e[2], e[0] == "HOLD_PLACED") for c, evs in S.credit_events.items()
          for e in evs if e[0] in ("HOLD_PLACED", "HOLD_RELEASED")]
    if not ev:
        z = np.zeros(0, np.int64)
        return z, z, z, z.astype(bool)
    c, d, p, placed = zip(*ev)
    return (np.asarray(c, np.int64), np.asarray(d, np.int64), np.asarray(p, np.int64),
            np.asarray(placed, bool))


def _dunning_level(S: State, policy_ix: int, level: int) -> tuple[str, int, str, str]:
    """(policy id, version number, action, text key) of a ladder version's level."""
    pid = S.dunning_policy_ids[policy_ix]
    lv = S.dunning_policies[policy_ix].levels[level - 1]
    return pid, S.dunning_versions[pid].index(policy_ix) + 1, lv.action, lv.text_key


def _notes(S: State) -> tuple[Any, Any, Any] | None:
    """(columns customer/day/seq/pos, texts, actors) of every note."""
    return S.notes, S.note_texts, S.note_actors


# ---- small numpy tools -----------------------------------------------------------------------

_LOW = (1 << 26) - 1


def _sum_by(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of `values` grouped by `index`: two float64 bincounts over 26-bit
    halves (each partial sum stays below 2**53, so both are exact), 2-3x faster than
    np.add.at."""
    v = np.asarray(values, dtype=np.int64)
    if not len(v):
        return np.zeros(n, np.int64)
    lo = np.bincount(index, (v & _LOW).astype(np.float64), minlength=n)
    hi = np.bincount(index, (v >> 26).astype(np.float64), minlength=n)
    return (hi.astype(np.int64) << 26) + lo.astype(np.int64)


def _first_k(key: np.ndarray, sel: np.ndarray, k: int) -> np.ndarray:
    """The rows of `sel` (ascending indexes) with the k smallest keys, in key order, ties in
    index order: deterministic whatever argpartition picks at the boundary."""
    if k <= 0 or not len(sel):
        return sel[:0]
    kv = key[sel]
    if len(sel) > k:
        thr = np.partition(kv, k - 1)[k - 1]
        below = sel[kv < thr]
        at = sel[kv == thr]
        sel = np.concatenate([below, at[: k - len(below)]])
        kv = key[sel]
    return sel[np.lexsort((sel, kv))]


_MONEY_SHIFT = 51  # a money key: currency rank * 2**52 + amount (|amount| < 2**51 ~ 2.2e15)


def _money_key(currency_rank: np.ndarray, amount: np.ndarray, desc: bool) -> np.ndarray:
    a = np.clip(amount, -(1 << _MONEY_SHIFT) + 1, (1 << _MONEY_SHIFT) - 1)
    if desc:
        a = -a
    return (currency_rank.astype(np.int64) << (_MONEY_SHIFT + 1)) + a


def currency_ranks(S: State) -> np.ndarray:
    """Rank of each of the state's currency codes in alphabetical order."""
    return np.argsort(np.argsort(np.asarray(S.currencies or [""]), kind="stable"),
                      kind="stable")


def parse_order(text: str, fields: tuple[str, ...], default: str) -> tuple[str, bool]:
    """AIP-132 `order_by`: "field" or "field desc" / "field asc" -> (field, descending)."""
    parts = (text or default).split()
    if not parts or len(parts) > 2 or parts[0] not in fields or (
            len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
        raise error("INVALID_ORDER_BY", f"order_by is one of {', '.join(fields)}, optionally "
                    "followed by ' desc'")
    return parts[0], len(parts) == 2 and parts[1].lower() == "desc"


# ---- caches: a few views per state -----------------------------------------------------------

_lock = threading.RLock()
_caches: weakref.WeakKeyDictionary[State, dict] = weakref.WeakKeyDictionary()
VIEWS_KEPT = 4


def _cache(S: State) -> dict:
    with _lock:
        c = _caches.get(S)
        if c is None:
            c = _caches[S] = {}
        return c


def _cached_view(S: State, name: str, key: tuple, build) -> Any:
    """The value of `build()` for this view key, kept for the last VIEWS_KEPT keys."""
    c = _cache(S).setdefault(name, {})
    v = c.get(key)
    if v is None:
        v = build()
        if len(c) >= VIEWS_KEPT:
            c.pop(next(iter(c)))
        c[key] = v
    return v


def view_key(S: State, as_of: int, known_seq: int) -> tuple[int, int, int]:
    """A view's cache key: as known at a segment before the head it never changes; at the
    head it changes with every segment folded."""
    return (as_of, known_seq, S.head_seq)


# ---- text search -------------------------------------------------------------------------------

class TextIndex:
    """Casefolded UTF-8 of many strings in one buffer (fields of a row separated by 0x1f,
    rows by 0x00), searched with numpy. Rows are appended as the state grows.

    A substring is found by comparing the buffer with the query's rarest byte (by the
    buffer's own byte counts), then checking the other bytes at those places only; a prefix
    by binary search in the fields sorted (built on the first prefix query, kept until rows
    are added)."""

    def __init__(self) -> None:
        self.buf = np.zeros(0, np.uint8)
        self.starts = np.zeros(0, np.int64)
        self.rows = 0
        self.freq = np.zeros(256, np.int64)
        # Prefix search: (fields sorted, their rows, rows covered); later rows are scanned.
        self._sorted: tuple[list[bytes], np.ndarray, int] | None = None

    def extend(self, rows: list[tuple[str, ...]]) -> None:
        if not rows:
            return
        enc = [b"\x1f".join(f.casefold().encode() for f in r) + b"\x00" for r in rows]
        lens = np.fromiter((len(b) for b in enc), np.int64, len(enc))
        base = len(self.buf)
        self.starts = np.concatenate([self.starts, base + np.cumsum(lens) - lens])
        new = np.frombuffer(b"".join(enc), np.uint8)
        self.freq += np.bincount(new, minlength=256)
        self.buf = np.concatenate([self.buf, new])
        self.rows += len(rows)

    def find(self, query: str, prefix: bool = False) -> np.ndarray:
        """Rows (ascending) with a field containing (or, with prefix, starting with) query."""
        qb = query.casefold().encode()
        if not qb:
            return np.arange(self.rows)
        if prefix:
            return self._prefix(qb)
        q = np.frombuffer(qb, np.uint8)
        m, buf = len(q), self.buf
        if len(buf) < m:
            return np.zeros(0, np.int64)
        anchor = int(np.argmin(self.freq[q]))
        cand = np.flatnonzero(buf[anchor:len(buf) - m + 1 + anchor] == q[anchor])
        for k in np.argsort(self.freq[q], kind="stable").tolist():
            if k == anchor or not len(cand):
                continue
            cand = cand[buf[cand + k] == q[k]]
        rows = np.searchsorted(self.starts, cand, side="right") - 1
        return np.unique(rows)

    def _fields(self, lo: int, hi: int) -> list[tuple[bytes, int]]:
        """(field, row) of rows lo..hi, from the buffer."""
        end = int(self.starts[hi]) if hi < self.rows else len(self.buf)
        text = self.buf[int(self.starts[lo]) if lo < self.rows else end:end].tobytes()
        return [(f, lo + k) for k, r in enumerate(text.split(b"\x00")[:hi - lo])
                for f in r.split(b"\x1f")]

    def _prefix(self, qb: bytes) -> np.ndarray:
        if self._sorted is None or self.rows - self._sorted[2] > (1 << 16):
            fields = sorted(self._fields(0, self.rows))
            self._sorted = ([f for f, _ in fields],
                            np.fromiter((r for _, r in fields), np.int64, len(fields)),
                            self.rows)
        keys, rows, covered = self._sorted
        lo = _bisect(keys, qb)
        hi = _bisect(keys, qb + b"\xff" * 4)
        tail = [r for f, r in self._fields(covered, self.rows) if f.startswith(qb)]
        return np.unique(np.concatenate([rows[lo:hi], np.asarray(tail, np.int64)]))


def _bisect(keys: list[bytes], x: bytes) -> int:
    import bisect
    return bisect.bisect_left(keys, x)


def _text_index(S: State, name: str, rows_now: int, version: int, rows_of) -> TextIndex:
    """A TextIndex kept per state: extended with new rows, rebuilt when `version` (e.g. the
    count of master-data changes, which may rename) moves."""
    c = _cache(S)
    idx, ver = c.get(("text", name), (None, -1))
    if idx is None or ver != version or idx.rows > rows_now:
        idx = TextIndex()
    if idx.rows < rows_now:
        idx.extend(rows_of(idx.rows, rows_now))
    c[("text", name)] = (idx, version)
    return idx


def _customer_text(S: State) -> TextIndex:
    n = S.customers.n
    ids = _customer_ids(S)
    return _text_index(S, "customers", n, S.master_changes.n,
                       lambda lo, hi: [(ids[i], _customer_master(S, i)[0]) for i in range(lo, hi)])


def _id_text(S: State, name: str, ids: IdTable, n: int) -> TextIndex:
    return _text_index(S, name, n, 0, lambda lo, hi: [(x,) for x in ids[lo:hi]])


def _rank(S: State, name: str, n: int, version: int, keys) -> np.ndarray:
    """Rank of each row by a text key (casefolded), cached until rows or `version` change."""
    c = _cache(S)
    hit = c.get(("rank", name))
    if hit is not None and hit[0] == (n, version):
        return hit[1]
    k = keys()
    order = sorted(range(n), key=lambda i: k[i].casefold())
    rank = np.empty(n, np.int64)
    rank[np.asarray(order, np.int64)] = np.arange(n)
    c[("rank", name)] = ((n, version), rank)
    return rank


# ---- the journal by item -----------------------------------------------------------------------

class JournalIndex:
    """Journal rows sorted by (kind, item), for the rows of one item in O(log n).

    The journal only grows: rows after `built` (the tail) are scanned directly, and merged
    into the sorted part once there are more than TAIL_MAX of them."""

    TAIL_MAX = 1 << 16

    def __init__(self) -> None:
        self.built = 0
        self.keys = np.zeros(0, np.int64)
        self.rows = np.zeros(0, np.int64)

    @staticmethod
    def key(kind: np.ndarray | int, item: np.ndarray | int) -> np.ndarray:
        return (np.asarray(kind, np.int64) << 40) | np.asarray(item, np.int64)

    def update(self, S: State) -> None:
        j = S.journal
        if j.n - self.built <= self.TAIL_MAX:
            return
        lo = self.built
        k = self.key(j.kind[lo:j.n], j.item[lo:j.n])
        o = np.argsort(k, kind="stable")
        k, r = k[o], o + lo
        at = np.searchsorted(self.keys, k, side="right")
        self.keys = np.insert(self.keys, at, k)
        self.rows = np.insert(self.rows, at, r)
        self.built = j.n

    def rows_of(self, S: State, kind: int, items: np.ndarray | list[int]) -> np.ndarray:
        """Journal rows of these items of one kind, ascending."""
        self.update(S)
        keys = self.key(kind, np.asarray(items, np.int64))
        lo = np.searchsorted(self.keys, keys, side="left")
        hi = np.searchsorted(self.keys, keys, side="right")
        n = hi - lo
        if n.sum():
            starts = np.repeat(lo - np.concatenate(([0], np.cumsum(n)[:-1])), n)
            found = self.rows[starts + np.arange(int(n.sum()))]
        else:
            found = np.zeros(0, np.int64)
        j = S.journal
        if j.n > self.built:
            tk = self.key(j.kind[self.built:j.n], j.item[self.built:j.n])
            found = np.concatenate([found, self.built + np.flatnonzero(np.isin(tk, keys))])
        return np.sort(found)


def journal_index(S: State) -> JournalIndex:
    c = _cache(S)
    idx = c.get("journal")
    if idx is None:
        idx = c["journal"] = JournalIndex()
    return idx


def _segment_rows(S: State, seq: int) -> tuple[int, int]:
    """The journal rows a segment wrote: [lo, hi) (the journal is appended per segment)."""
    s = S.journal.view("seq")
    v = s.dtype.type(seq)  # of the column's type: a wider value would cast the column
    return int(np.searchsorted(s, v, side="left")), int(np.searchsorted(s, v, side="right"))


def _recorded_us(S: State, seq: np.ndarray | list[int]) -> np.ndarray:
    return S.segments.view("recorded_at_us")[np.asarray(seq, np.int64) - 1]


# ---- customers ---------------------------------------------------------------------------------

CUSTOMER_ORDERS = ("balance", "overdue", "oldest_past_due", "expected_loss", "name",
                   "customer_id")
PROMISE_NONE, PROMISE_IS_ACTIVE, PROMISE_IS_BROKEN = 0, 1, 2
_PROMISE_TEXT = ("", "ACTIVE", "BROKEN")


@dataclass
class CustomerTable:
    """The figures of every customer's list row in one view (index = customer)."""

    as_of: int
    known_seq: int
    exists: np.ndarray          # opened by as_of and known by the segment
    currency: np.ndarray
    balance: np.ndarray
    open: np.ndarray
    overdue: np.ndarray
    disputed: np.ndarray
    unapplied: np.ndarray
    limit: np.ndarray
    on_hold: np.ndarray
    over_limit: np.ndarray
    oldest: np.ndarray          # days past due of the oldest open installment past due
    open_invoices: np.ndarray
    open_disputes: np.ndarray
    dunning: np.ndarray
    promise: np.ndarray         # PROMISE_*
    closed: np.ndarray
    risk: dict = field(default_factory=dict)  # model version -> (pd float32, EL int64)


def customer_table(S: State, as_of: int, known_seq: int,
                   created_seq: np.ndarray | None = None) -> CustomerTable:
    """Every customer's row figures as of a day, as known at a segment (cached per view).
    `created_seq`: the segment that opened each customer, needed only for a view as known
    before the head (the state keeps no creation position); None = all known."""
    return _cached_view(S, "customers", view_key(S, as_of, known_seq),
                        lambda: _customer_table(S, as_of, known_seq, created_seq))


def _customer_table(S: State, as_of: int, ks: int, created: np.ndarray | None) -> CustomerTable:
    from arledger.projections.risk import _collections
    n = S.customers.n
    cu = S.customers
    o = open_amounts(S, as_of, ks, None)
    inv_c = S.invoices.customer[o.invoices]
    open_ = _sum_by(inv_c, o.invoice_open, n)
    disputed = _sum_by(inv_c, o.invoice_disputed, n)
    unapplied = (_sum_by(S.payments.customer[o.payments], o.payment_unapplied, n)
                 + _sum_by(S.credit_notes.customer[o.credit_notes], o.credit_unapplied, n))
    balance = open_ - unapplied
    rows = open_rows(S, o)
    dpd = as_of - np.asarray(rows.due_day, np.int64)
    past = (dpd > 0) & (rows.open > 0)
    rc = S.invoices.customer[rows.invoice[past]]
    overdue = _sum_by(rc, rows.open[past], n)
    oldest = np.zeros(n, np.int64)
    np.maximum.at(oldest, rc, dpd[past])
    limit = limits_as_of(S, as_of, ks)
    if is_live(S, as_of, ks):
        on_hold = cu.view("on_hold").astype(bool)
    else:
        on_hold = np.zeros(n, bool)
        c, d, p, placed = _hold_events(S)
        m = (d <= as_of) & (p <= known_position(S, ks))
        c, d, p, placed = c[m], d[m], p[m], placed[m]
        # The last event in force per customer: effective last, ties recorded last.
        order = np.lexsort((p, d, c))
        last = order[np.append(c[order][1:] != c[order][:-1], True)] if len(order) else order
        on_hold[c[last]] = placed[last]
    open_i = np.zeros(S.invoices.n, np.int64)
    open_i[o.invoices] = o.invoice_open
    broken, active, level = _collections(S, as_of, ks, n, open_i,
                                         S.invoices.view("customer").astype(np.int64))
    promise = np.where(active, PROMISE_IS_ACTIVE,
                       np.where(broken > 0, PROMISE_IS_BROKEN, PROMISE_NONE)).astype(np.uint8)
    exists = cu.view("opened_day") <= as_of
    if created is not None:
        exists &= created[:n] <= ks
    return CustomerTable(
        as_of, ks, exists, cu.view("currency").copy(), balance, open_, overdue, disputed,
        unapplied, limit, on_hold, (limit > 0) & (balance > limit), oldest,
        np.bincount(inv_c, minlength=n), np.bincount(inv_c[o.invoice_disputed > 0], minlength=n),
        level.astype(np.int64), promise, cu.view("closed").astype(bool))


def customer_risk(S: State, t: CustomerTable, version: str) -> tuple[np.ndarray, np.ndarray]:
    """(pd, expected loss) of every customer in the table's view under a model version."""
    from arledger.projections import risk
    hit = t.risk.get(version)
    if hit is None:
        model = risk.model_of(S, version)
        pf = risk.features(S, t.as_of, t.known_seq)
        pd = risk.score(model, pf.X)
        hit = t.risk[version] = (pd, risk.expected_loss(model, pd, pf.exposure))
    return hit


@dataclass
class CustomerQuery:
    query: str = ""
    query_prefix: bool = False
    currency: str = ""
    on_hold: bool | None = None
    over_limit: bool | None = None
    past_due_days_min: int = 0
    dunning_level_min: int = 0
    promise: int = 0            # 0 any, 1 active, 2 none active, 3 broken
    disputes: int = 0           # 0 any, 1 with an open dispute, 2 without
    include_closed: bool = False
    order_by: str = ""
    with_risk: bool = False
    model_version: str = "default-v1"


@dataclass(frozen=True)
class CustomerRow:
    customer_id: str
    name: str
    currency: str
    status: str                         # OPEN or CLOSED
    balance_minor: int                  # open invoices - unapplied cash - unapplied credit
    open_minor: int
    overdue_minor: int                  # open installments due before as_of
    disputed_minor: int
    unapplied_minor: int                # unapplied cash and credit (positive)
    credit_limit_minor: int
    on_hold: bool
    over_limit: bool
    oldest_past_due_days: int           # of the oldest open installment past due (0: none)
    open_invoices: int
    dunning_level: int
    promise_status: str                 # ACTIVE, BROKEN or ""
    open_disputes: int
    pd: float | None = None             # with risk (with_risk, or ordering by expected loss)
    expected_loss_minor: int | None = None


def list_customers(S: State, as_of: int, known_seq: int, q: CustomerQuery, offset: int,
                   limit: int, created_seq: np.ndarray | None = None
                   ) -> tuple[int, list[CustomerRow]]:
    """(rows matching in all, the rows offset..offset+limit)."""
    if min(q.past_due_days_min, q.dunning_level_min) < 0:
        raise error("INVALID_THRESHOLD", "past_due_days_min and dunning_level_min are >= 0")
    order, desc = parse_order(q.order_by, CUSTOMER_ORDERS, "balance desc")
    t = customer_table(S, as_of, known_seq, created_seq)
    m = t.exists.copy()
    if not q.include_closed:
        m &= ~t.closed
    if q.currency:
        if q.currency not in S.currencies:
            return 0, []
        m &= t.currency == S.currencies.index(q.currency)
    if q.on_hold is not None:
        m &= t.on_hold == q.on_hold
    if q.over_limit is not None:
        m &= t.over_limit == q.over_limit
    if q.past_due_days_min:
        m &= t.oldest > q.past_due_days_min
    if q.dunning_level_min:
        m &= t.dunning >= q.dunning_level_min
    if q.promise == 1:
        m &= t.promise == PROMISE_IS_ACTIVE
    elif q.promise == 2:
        m &= t.promise != PROMISE_IS_ACTIVE
    elif q.promise == 3:
        m &= t.promise == PROMISE_IS_BROKEN
    if q.disputes == 1:
        m &= t.open_disputes > 0
    elif q.disputes == 2:
        m &= t.open_disputes == 0
    if q.query:
        hit = np.zeros(len(m), bool)
        hit[_customer_text(S).find(q.query, q.query_prefix)] = True
        m &= hit
    sel = np.flatnonzero(m)
    risk_ = customer_risk(S, t, q.model_version) if (q.with_risk or order == "expected_loss") \
        else None
    if order in ("balance", "overdue", "expected_loss"):
        amount = {"balance": t.balance, "overdue": t.overdue}.get(order)
        if amount is None:
            amount = risk_[1]  # type: ignore[index]
        key = _money_key(currency_ranks(S)[t.currency], amount, desc)
    elif order == "oldest_past_due":
        key = -t.oldest if desc else t.oldest
    else:
        rank = (_rank(S, "customer_name", S.customers.n, S.master_changes.n,
                      lambda: _customer_names(S)) if order == "name" else
                _rank(S, "customer_id", S.customers.n, 0, lambda: _customer_ids(S)))
        key = -rank if desc else rank
    page = _first_k(key, sel, offset + limit)[offset:]
    ids = _customer_ids(S)
    rows = []
    for c in page.tolist():
        name, _ = _customer_master(S, c)
        rows.append(CustomerRow(
            ids[c], name, S.currencies[t.currency[c]], "CLOSED" if t.closed[c] else "OPEN",
            int(t.balance[c]), int(t.open[c]), int(t.overdue[c]), int(t.disputed[c]),
            int(t.unapplied[c]), int(t.limit[c]), bool(t.on_hold[c]), bool(t.over_limit[c]),
            int(t.oldest[c]), int(t.open_invoices[c]), int(t.dunning[c]),
            _PROMISE_TEXT[t.promise[c]], int(t.open_disputes[c]),
            None if risk_ is None else round(float(risk_[0][c]), 6),
            None if risk_ is None else int(risk_[1][c])))
    return len(sel), rows


# ---- invoices, payments, credit notes ------------------------------------------------------

INV_OPEN, INV_PAID, INV_WRITTEN_OFF, INV_SOLD, INV_VOIDED = 1, 2, 3, 4, 5
INVOICE_STATUS = ("", "OPEN", "PAID", "WRITTEN_OFF", "SOLD", "VOIDED")
PAY_UNAPPLIED, PAY_APPLIED, PAY_REVERSED = 1, 2, 3
PAYMENT_STATUS = ("", "UNAPPLIED", "APPLIED", "REVERSED")
_T = {name: E.BY_NAME[name].code for name in (
    "InvoiceIssued", "InvoiceVoided", "InvoiceWrittenOff", "InvoiceSold", "InvoiceRecalled",
    "PaymentRecorded", "PaymentAllocated", "PaymentReversed", "CreditNoteIssued",
    "CreditNoteAllocated", "DiscountTaken", "SmallBalanceWrittenOff", "UnappliedRefunded",
    "DisputeOpened", "DisputeResolved")}
_CHARGE = ("PRINCIPAL", "FEE", "INTEREST")


@dataclass
class ItemTable:
    """Per item (invoice, payment or credit note) of a view: known?, open (or unapplied),
    disputed part, status code."""

    exists: np.ndarray
    open: np.ndarray
    disputed: np.ndarray
    status: np.ndarray


def _created_rows(S: State, kind: int, etype: int) -> np.ndarray:
    """Journal rows that created each item of a kind (its first, positive row), by item;
    cached and extended as the journal grows."""
    c = _cache(S)
    done, rows = c.get(("created", kind), (0, np.zeros(0, np.int64)))
    j = S.journal
    if done < j.n:
        lo = done
        m = (j.kind[lo:j.n] == kind) & (j.etype[lo:j.n] == etype) & (j.delta[lo:j.n] > 0)
        new = lo + np.flatnonzero(m)
        rows = np.concatenate([rows, new])
        c[("created", kind)] = (j.n, rows)
    return rows  # item k was created by row rows[k] (items are created in journal order)


def _exists(S: State, kind: int, etype: int, n: int, as_of: int, ks: int) -> np.ndarray:
    rows = _created_rows(S, kind, etype)[:n]
    j = S.journal
    return (j.day[rows] <= as_of) & (j.seq[rows] <= ks)


def _flag_rows(S: State, etypes: tuple[int, ...], kind: int, as_of: int,
               ks: int) -> tuple[np.ndarray, np.ndarray]:
    """(items, deltas) of journal rows of these entry types and kind in the view."""
    j = S.journal
    m = np.isin(j.view("etype"), etypes) & (j.view("kind") == kind)
    m &= (j.view("day") <= as_of) & (j.view("seq") <= ks)
    return j.view("item")[m], j.view("delta")[m]


def invoice_table(S: State, as_of: int, ks: int) -> ItemTable:
    return _cached_view(S, "invoices", view_key(S, as_of, ks),
                        lambda: _invoice_table(S, as_of, ks))


def _invoice_table(S: State, as_of: int, ks: int) -> ItemTable:
    n = S.invoices.n
    o = open_amounts(S, as_of, ks, None)
    open_ = np.zeros(n, np.int64)
    open_[o.invoices] = o.invoice_open
    disputed = np.zeros(n, np.int64)
    disputed[o.invoices] = o.invoice_disputed
    exists = _exists(S, J_INVOICE, _T["InvoiceIssued"], n, as_of, ks)
    it, d = _flag_rows(S, (_T["InvoiceVoided"],), J_INVOICE, as_of, ks)
    voided = np.zeros(n, bool)
    voided[it] = True
    it, d = _flag_rows(S, (_T["InvoiceWrittenOff"],), J_INVOICE, as_of, ks)
    written = np.zeros(n, bool)
    written[it] = True
    it, d = _flag_rows(S, (_T["InvoiceSold"], _T["InvoiceRecalled"]), J_INVOICE, as_of, ks)
    sold = _sum_by(it, d, n) < 0
    status = np.where(voided, INV_VOIDED, np.where(
        open_ > 0, INV_OPEN, np.where(sold, INV_SOLD, np.where(written, INV_WRITTEN_OFF,
                                                               INV_PAID))))
    return ItemTable(exists, open_, disputed, status.astype(np.uint8))


def payment_table(S: State, as_of: int, ks: int) -> ItemTable:
    return _cached_view(S, "payments", view_key(S, as_of, ks),
                        lambda: _cash_table(S, as_of, ks, J_CASH))


def credit_note_table(S: State, as_of: int, ks: int) -> ItemTable:
    return _cached_view(S, "credit_notes", view_key(S, as_of, ks),
                        lambda: _cash_table(S, as_of, ks, J_CREDIT))


def _cash_table(S: State, as_of: int, ks: int, kind: int) -> ItemTable:
    o = open_amounts(S, as_of, ks, None)
    if kind == J_CASH:
        n, idx, un, created = S.payments.n, o.payments, o.payment_unapplied, _T["PaymentRecorded"]
    else:
        n, idx, un, created = (S.credit_notes.n, o.credit_notes, o.credit_unapplied,
                               _T["CreditNoteIssued"])
    unapplied = np.zeros(n, np.int64)
    unapplied[idx] = un
    exists = _exists(S, kind, created, n, as_of, ks)
    status = np.where(unapplied > 0, PAY_UNAPPLIED, PAY_APPLIED)
    if kind == J_CASH:
        it, d = _flag_rows(S, (_T["PaymentReversed"],), J_CASH, as_of, ks)
        status[it] = PAY_REVERSED
    return ItemTable(exists, unapplied, np.zeros(n, np.int64), status.astype(np.uint8))


@dataclass
class ItemQuery:
    customer: int | None = None
    query: str = ""
    statuses: tuple[int, ...] = ()
    currency: str = ""
    from_day: int | None = None      # issue (value) date range
    to_day: int | None = None
    due_from: int | None = None
    due_to: int | None = None
    disputed_only: bool = False
    order_by: str = ""


INVOICE_ORDERS = ("due_date", "issue_date", "amount", "open", "days_past_due", "invoice_id")
PAYMENT_ORDERS = ("value_date", "amount", "unapplied", "payment_id")
CREDIT_NOTE_ORDERS = ("issue_date", "amount", "unapplied", "credit_note_id")


def _period(lo: int | None, hi: int | None) -> None:
    if lo is not None and hi is not None and hi < lo:
        raise error("INVALID_PERIOD", "a date range ends before it starts")


def _select(S: State, t: ItemTable, cols: Any, q: ItemQuery, day_col: str, text: TextIndex,
            n: int) -> np.ndarray:
    """Items of a view passing the query's filters (ascending indexes)."""
    _period(q.from_day, q.to_day)
    _period(q.due_from, q.due_to)
    if q.customer is not None:
        cand = np.unique(_items_of(S, cols, q.customer, n))
        m = t.exists[cand]
    else:
        cand = None
        m = t.exists.copy()

    def col(name: str) -> np.ndarray:
        c = getattr(cols, name)[:n]
        return c if cand is None else c[cand]
    if q.currency:
        if q.currency not in S.currencies:
            return np.zeros(0, np.int64)
        m &= S.customers.currency[col("customer")] == S.currencies.index(q.currency)
    if q.statuses:
        st = t.status if cand is None else t.status[cand]
        m &= np.isin(st, q.statuses)
    day = col(day_col)
    if q.from_day is not None:
        m &= day >= q.from_day
    if q.to_day is not None:
        m &= day <= q.to_day
    if q.due_from is not None or q.due_to is not None:
        due = col("due_day")
        if q.due_from is not None:
            m &= due >= q.due_from
        if q.due_to is not None:
            m &= due <= q.due_to
    if q.disputed_only:
        m &= (t.disputed if cand is None else t.disputed[cand]) > 0
    sel = np.flatnonzero(m) if cand is None else cand[m]
    if q.query:
        sel = np.intersect1d(sel, text.find(q.query), assume_unique=True)
    return sel


def _items_of(S: State, cols: Any, customer: int, n: int) -> np.ndarray:
    if cols is S.invoices:
        return _invoices_of(S, customer)
    return np.flatnonzero(cols.view("customer")[:n] == customer)


def _item_page(S: State, sel: np.ndarray, cols: Any, t: ItemTable, order: str, desc: bool,
               day_col: str, id_rank, offset: int, limit: int) -> np.ndarray:
    if order in ("amount", "open", "unapplied"):
        amount = cols.view("amount") if order == "amount" else t.open
        cur = S.customers.currency[cols.view("customer")]
        key = _money_key(currency_ranks(S)[cur], amount, desc)
    elif order in ("issue_date", "value_date", "due_date"):
        col = cols.view("due_day" if order == "due_date" else day_col).astype(np.int64)
        key = -col if desc else col
    elif order == "days_past_due":  # as_of - due: the reverse of the due date
        col = cols.view("due_day").astype(np.int64)
        key = col if desc else -col
    else:
        rank = id_rank()
        key = -rank if desc else rank
    return _first_k(key, sel, offset + limit)[offset:]


@dataclass(frozen=True)
class InvoiceRow:
    invoice_id: str
    customer_id: str
    currency: str
    po_number: str
    issue_day: int
    due_day: int                        # the invoice's due day (its last installment's)
    amount_minor: int
    open_minor: int
    disputed_minor: int
    status: str                         # one of INVOICE_STATUS
    days_past_due: int                  # as_of - due day (negative: not yet due)
    kind: str                           # PRINCIPAL, FEE or INTEREST
    installments: int


@dataclass(frozen=True)
class PaymentRow:
    payment_id: str
    customer_id: str
    currency: str
    value_day: int
    amount_minor: int
    unapplied_minor: int
    status: str                         # one of PAYMENT_STATUS


@dataclass(frozen=True)
class CreditNoteRow:
    credit_note_id: str
    customer_id: str
    currency: str
    issue_day: int
    amount_minor: int
    unapplied_minor: int


def list_invoices(S: State, as_of: int, ks: int, q: ItemQuery, offset: int,
                  limit: int) -> tuple[int, list[InvoiceRow]]:
    order, desc = parse_order(q.order_by, INVOICE_ORDERS, "due_date")
    n = S.invoices.n
    t = invoice_table(S, as_of, ks)
    ids = _invoice_ids(S)
    sel = _select(S, t, S.invoices, q, "issue_day", _id_text(S, "invoices", ids, n), n)
    page = _item_page(S, sel, S.invoices, t, order, desc, "issue_day",
                      lambda: _rank(S, "invoice_id", n, 0, lambda: ids), offset, limit)
    return len(sel), [invoice_row(S, i, t, as_of) for i in page.tolist()]


def invoice_row(S: State, i: int, t: ItemTable, as_of: int) -> InvoiceRow:
    invs = S.invoices
    c = int(invs.customer[i])
    return InvoiceRow(_invoice_ids(S)[i], _customer_id(S, c),
                      S.currencies[S.customers.currency[c]], _po_number(S, i),
                      int(invs.issue_day[i]), int(invs.due_day[i]), int(invs.amount[i]),
                      int(t.open[i]), int(t.disputed[i]), INVOICE_STATUS[int(t.status[i])],
                      as_of - int(invs.due_day[i]), _CHARGE[int(invs.kind[i])],
                      max(int(invs.inst_n[i]), 1))


def list_payments(S: State, as_of: int, ks: int, q: ItemQuery, offset: int,
                  limit: int) -> tuple[int, list[PaymentRow]]:
    order, desc = parse_order(q.order_by, PAYMENT_ORDERS, "value_date desc")
    n = S.payments.n
    t = payment_table(S, as_of, ks)
    ids = _payment_ids(S)
    sel = _select(S, t, S.payments, q, "value_day", _id_text(S, "payments", ids, n), n)
    page = _item_page(S, sel, S.payments, t, order, desc, "value_day",
                      lambda: _rank(S, "payment_id", n, 0, lambda: ids), offset, limit)
    return len(sel), [payment_row(S, p, t) for p in page.tolist()]


def payment_row(S: State, p: int, t: ItemTable) -> PaymentRow:
    P = S.payments
    c = int(P.customer[p])
    return PaymentRow(_payment_ids(S)[p], _customer_id(S, c),
                      S.currencies[S.customers.currency[c]], int(P.value_day[p]),
                      int(P.amount[p]), int(t.open[p]), PAYMENT_STATUS[int(t.status[p])])


def list_credit_notes(S: State, as_of: int, ks: int, q: ItemQuery, offset: int,
                      limit: int) -> tuple[int, list[CreditNoteRow]]:
    order, desc = parse_order(q.order_by, CREDIT_NOTE_ORDERS, "issue_date desc")
    n = S.credit_notes.n
    t = credit_note_table(S, as_of, ks)
    ids = _credit_note_ids(S)
    sel = _select(S, t, S.credit_notes, q, "issue_day", _id_text(S, "credit_notes", ids, n), n)
    page = _item_page(S, sel, S.credit_notes, t, order, desc, "issue_day",
                      lambda: _rank(S, "credit_note_id", n, 0, lambda: ids), offset, limit)
    CN = S.credit_notes
    out = []
    for k in page.tolist():
        c = int(CN.customer[k])
        out.append(CreditNoteRow(ids[k], _customer_id(S, c),
                                 S.currencies[S.customers.currency[c]], int(CN.issue_day[k]),
                                 int(CN.amount[k]), int(t.open[k])))
    return len(sel), out


# ---- one invoice, one payment ------------------------------------------------------------------

def _view_rows(S: State, rows: np.ndarray, as_of: int, ks: int) -> np.ndarray:
    """The rows in the view, in log order (position, then row)."""
    j = S.journal
    rows = rows[(j.day[rows] <= as_of) & (j.seq[rows] <= ks)]
    return rows[np.lexsort((rows, j.pos[rows]))]


def _counterpart(S: State, pos: int, seq: int, kinds: tuple[int, ...]) -> tuple[int, int] | None:
    """(kind, item) of the first row of these kinds the entry at `pos` wrote."""
    lo, hi = _segment_rows(S, seq)
    j = S.journal
    m = np.flatnonzero((j.pos[lo:hi] == pos) & np.isin(j.kind[lo:hi], kinds))
    if not len(m):
        return None
    r = lo + int(m[0])
    return int(j.kind[r]), int(j.item[r])


def _source_name(S: State, kind: int, item: int) -> tuple[str, str]:
    if kind == J_CASH:
        return "PAYMENT", _payment_ids(S)[item]
    return "CREDIT_NOTE", _credit_note_ids(S)[item]


_SOURCE_TYPES = {_T[n] for n in ("PaymentRecorded", "PaymentAllocated", "PaymentReversed",
                                 "CreditNoteIssued", "CreditNoteAllocated")}


@dataclass(frozen=True)
class InstallmentRow:
    number: int                         # 1-based
    due_day: int
    amount_minor: int
    open_minor: int
    disputed_minor: int
    days_past_due: int


@dataclass(frozen=True)
class AppliedAmount:
    """Money applied to an invoice by a payment or credit note (negative: undone by a
    reversal), or closed by the terms (DISCOUNT) or the small-balance policy."""

    source_kind: str                    # PAYMENT, CREDIT_NOTE, DISCOUNT or SMALL_BALANCE
    source_id: str
    invoice_id: str
    effective_day: int | None           # None: a net amount, of no one movement
    amount_minor: int
    position: int                       # 0 with a net amount
    entry_type: str


@dataclass(frozen=True)
class HistoryRow:
    """One movement of the item (or a dunning step on it)."""

    position: int
    entry_type: str
    effective_day: int
    recorded_at_us: int
    delta_minor: int                    # change of the open (unapplied) amount
    disputed_delta_minor: int
    balance_after_minor: int            # the open (unapplied) amount after the row
    detail: str


@dataclass(frozen=True)
class InvoiceDetail:
    invoice: InvoiceRow
    installments: list[InstallmentRow]
    allocations: list[AppliedAmount]
    history: list[HistoryRow]
    discount_minor: int                 # early-payment discount still on offer (0: none)
    discount_until_day: int | None      # its last day
    terms_id: str                       # "" = net days


def invoice_detail(S: State, invoice_id: str, as_of: int, ks: int) -> InvoiceDetail:
    """One invoice as of a day, as known at a segment: row, installments, allocations,
    history (journal rows and dunning steps)."""
    ix = _find_invoice(S, invoice_id)
    if ix is None:
        raise error("INVOICE_NOT_FOUND", f"no invoice {invoice_id!r}")
    j = S.journal
    ji = journal_index(S)
    rows = _view_rows(S, np.concatenate([ji.rows_of(S, J_INVOICE, [ix]),
                                         ji.rows_of(S, J_DISPUTED, [ix])]), as_of, ks)
    etype, kind = j.etype[rows], j.kind[rows]
    if not np.any((etype == _T["InvoiceIssued"]) & (kind == J_INVOICE)):
        raise error("INVOICE_NOT_FOUND", f"invoice {invoice_id!r} is not known as of "
                    f"{day_to_iso(as_of)} at that time")
    inv_rows = rows[kind == J_INVOICE]
    open_ = int(j.delta[inv_rows].sum())
    disp_raw = int(j.delta[rows[kind == J_DISPUTED]].sum())
    disputed = min(max(disp_raw, 0), max(open_, 0))
    t = ItemTable(np.ones(1, bool), np.asarray([open_]), np.asarray([disputed]),
                  np.asarray([_invoice_status(S, rows, open_)]))
    row = invoice_row(S, ix, _One(ix, t), as_of)
    allocations, history = _invoice_movements(S, invoice_id, rows)
    history = _with_dunning_steps(S, ix, as_of, ks, history)
    invs = S.invoices
    offered = is_live(S, as_of, ks) and invs.disc_until[ix] >= as_of
    return InvoiceDetail(row, _installments(S, ix, open_, disputed, as_of), allocations,
                         history, int(invs.disc[ix]) if offered else 0,
                         int(invs.disc_until[ix]) if offered and invs.disc[ix] else None,
                         _invoice_terms(S, ix))


def _invoice_status(S: State, rows: np.ndarray, open_: int) -> int:
    """INV_* of an invoice from its journal rows in the view."""
    j = S.journal
    mine = j.kind[rows] == J_INVOICE
    et = j.etype[rows][mine]
    flags = set(et.tolist())
    sold = int(j.delta[rows[mine]][np.isin(et, (_T["InvoiceSold"],
                                                _T["InvoiceRecalled"]))].sum()) < 0
    return (INV_VOIDED if _T["InvoiceVoided"] in flags else INV_OPEN if open_ > 0 else
            INV_SOLD if sold else INV_WRITTEN_OFF if _T["InvoiceWrittenOff"] in flags
            else INV_PAID)


def _installments(S: State, ix: int, open_: int, disputed: int,
                  as_of: int) -> list[InstallmentRow]:
    ir = installment_rows(S, np.asarray([ix]), np.asarray([open_], np.int64),
                          np.asarray([disputed], np.int64))
    amount = ir.column(S, "amount")
    return [InstallmentRow(int(ir.number[k]), int(ir.due_day[k]), int(amount[k]),
                           int(ir.open[k]), int(ir.disputed[k]), as_of - int(ir.due_day[k]))
            for k in range(len(ir.number))]


def _invoice_movements(S: State, invoice_id: str, rows: np.ndarray
                       ) -> tuple[list[AppliedAmount], list[HistoryRow]]:
    """(what was applied to the invoice, its history) from its journal rows in the view."""
    j = S.journal
    allocations, history = [], []
    bal = 0
    for r in rows.tolist():
        et, k, d = int(j.etype[r]), int(j.kind[r]), int(j.delta[r])
        pos, seq, day = int(j.pos[r]), int(j.seq[r]), int(j.day[r])
        name = E.BY_CODE[et].name
        detail = ""
        if k == J_INVOICE:
            bal += d
            if et in _SOURCE_TYPES:
                src = _counterpart(S, pos, seq, (J_CASH, J_CREDIT))
                if src is not None:
                    skind, sid = _source_name(S, *src)
                    detail = f"{skind.lower().replace('_', ' ')} {sid}"
                    allocations.append(AppliedAmount(skind, sid, invoice_id, day, -d, pos,
                                                     name))
            elif et in (_T["DiscountTaken"], _T["SmallBalanceWrittenOff"]):
                skind = "DISCOUNT" if et == _T["DiscountTaken"] else "SMALL_BALANCE"
                allocations.append(AppliedAmount(skind, "", invoice_id, day, -d, pos, name))
        history.append(HistoryRow(pos, name, day, int(_recorded_us(S, [seq])[0]),
                                  d if k == J_INVOICE else 0, d if k == J_DISPUTED else 0,
                                  bal, detail))
    return allocations, history


def _with_dunning_steps(S: State, ix: int, as_of: int, ks: int,
                        history: list[HistoryRow]) -> list[HistoryRow]:
    """The invoice's history with its dunning steps in the view, in log order; a step
    shows the open amount after the rows before it."""
    ds = S.dunning_steps
    known_pos = known_position(S, ks)
    st = np.flatnonzero((ds.view("invoice") == ix) & (ds.view("day") <= as_of)
                        & (ds.view("pos") <= known_pos))
    cur = S.currencies[S.customers.currency[int(S.invoices.customer[ix])]]
    steps = []
    for r in st.tolist():
        _, _, action, _ = _dunning_level(S, int(ds.policy[r]), int(ds.level[r]))
        pos = int(ds.pos[r])
        extra = "".join(f", {w} {format_minor(int(v), cur)}" for w, v in (
            ("fee", ds.fee[r]), ("interest", ds.interest[r])) if v)
        steps.append((pos, int(ds.day[r]), int(_recorded_us(S, [S.segment_of(pos)])[0]),
                      f"installment {int(ds.installment[r])}: level {int(ds.level[r])} "
                      f"({action}), {int(ds.dpd[r])} days past due{extra}"))
    out: list[HistoryRow] = []
    moves = iter(history)
    nxt = next(moves, None)
    for pos, day, rec, detail in sorted(steps, key=lambda step: step[0]):
        while nxt is not None and nxt.position <= pos:
            out.append(nxt)
            nxt = next(moves, None)
        last = out[-1].balance_after_minor if out else 0
        out.append(HistoryRow(pos, "DunningStepTaken", day, rec, 0, 0, last, detail))
    if nxt is not None:
        out.append(nxt)
    out.extend(moves)
    return out


class _One(ItemTable):
    """An ItemTable of one item, addressed by that item's index."""

    def __init__(self, ix: int, t: ItemTable) -> None:
        self.exists, self.open, self.disputed, self.status = (  # type: ignore[assignment]
            {ix: x[0]} for x in (t.exists, t.open, t.disputed, t.status))


@dataclass(frozen=True)
class PaymentDetail:
    payment: PaymentRow
    applied: list[AppliedAmount]        # net amount per invoice as of the day (non-zero)
    allocations: list[AppliedAmount]    # every allocation movement, in log order
    history: list[HistoryRow]


def payment_detail(S: State, payment_id: str, as_of: int, ks: int) -> PaymentDetail:
    """One payment as of a day, as known at a segment: row, net applied per invoice, every
    allocation movement, and its history (what moved its unapplied cash)."""
    p = _find_payment(S, payment_id)
    if p is None:
        raise error("PAYMENT_NOT_FOUND", f"no payment {payment_id!r}")
    j = S.journal
    rows = _view_rows(S, journal_index(S).rows_of(S, J_CASH, [p]), as_of, ks)
    etype, delta = j.etype[rows], j.delta[rows]
    if not np.any((etype == _T["PaymentRecorded"]) & (delta > 0)):
        raise error("PAYMENT_NOT_FOUND", f"payment {payment_id!r} is not known as of "
                    f"{day_to_iso(as_of)} at that time")
    unapplied = int(delta.sum())
    reversed_ = bool(np.any(etype == _T["PaymentReversed"]))
    status = PAY_REVERSED if reversed_ else PAY_UNAPPLIED if unapplied > 0 else PAY_APPLIED
    row = payment_row(S, p, _One(p, ItemTable(np.ones(1, bool), np.asarray([unapplied]),
                                              np.zeros(1, np.int64), np.asarray([status]))))
    inv_ids = _invoice_ids(S)
    cur = row.currency
    allocations: list[AppliedAmount] = []
    net: dict[str, int] = {}
    history = []
    bal = 0
    by_pos: dict[int, list[int]] = {}
    for r in rows.tolist():
        by_pos.setdefault(int(j.pos[r]), []).append(r)
    for pos, rs in by_pos.items():
        r0 = rs[0]
        et, seq = int(j.etype[r0]), int(j.seq[r0])
        d = int(j.delta[rs].sum())
        bal += d
        name = E.BY_CODE[et].name
        detail = []
        if et in (_T["PaymentRecorded"], _T["PaymentAllocated"], _T["PaymentReversed"]):
            lo, hi = _segment_rows(S, seq)
            m = lo + np.flatnonzero((j.pos[lo:hi] == pos) & (j.kind[lo:hi] == J_INVOICE))
            for r in m.tolist():
                iid, amt = inv_ids[int(j.item[r])], -int(j.delta[r])
                allocations.append(AppliedAmount("PAYMENT", payment_id, iid, int(j.day[r]),
                                                 amt, pos, name))
                net[iid] = net.get(iid, 0) + amt
                detail.append(f"{'applied to' if amt > 0 else 'undone on'} {iid} "
                              f"{format_minor(abs(amt), cur)}")
        if et == _T["PaymentRecorded"]:
            detail.insert(0, f"received {format_minor(int(S.payments.amount[p]), cur)}")
        elif et == _T["UnappliedRefunded"]:
            detail.insert(0, f"refunded {format_minor(-d, cur)}")
        history.append(HistoryRow(pos, name, int(j.day[r0]), int(_recorded_us(S, [seq])[0]),
                                  d, 0, bal, ", ".join(detail)))
    applied = [AppliedAmount("PAYMENT", payment_id, i, None, a, 0, "")
               for i, a in net.items() if a]
    return PaymentDetail(row, applied, allocations, history)


# ---- notes, dunning notices ----------------------------------------------------------------------

@dataclass(frozen=True)
class Note:
    customer_id: str
    effective_day: int
    recorded_at_us: int
    actor: str
    text: str
    position: int


def notes(S: State, customer: int, as_of: int, ks: int) -> list[Note]:
    """Notes on a customer effective by as_of and recorded by the known segment, newest
    first (by effective day, then position)."""
    got = _notes(S)
    if got is None:
        return []
    cols, texts, actors = got
    m = np.flatnonzero((cols.view("customer") == customer) & (cols.view("day") <= as_of)
                       & (cols.view("seq") <= ks))
    m = m[np.lexsort((-cols.pos[m], -cols.day[m].astype(np.int64)))]
    cid = _customer_id(S, customer)
    return [Note(cid, int(cols.day[k]), int(_recorded_us(S, [cols.seq[k]])[0]), actors[k],
                 texts[k], int(cols.pos[k])) for k in m.tolist()]


@dataclass(frozen=True)
class NoticeItem:
    """An installment a dunning run stepped on."""

    invoice_id: str
    installment: int
    due_day: int
    days_past_due: int
    level: int
    action: str
    text_key: str
    open_minor: int
    fee_minor: int
    interest_minor: int
    fee_invoice_id: str                 # "" when no fee was charged
    interest_invoice_id: str


@dataclass
class DunningNotice:
    """One customer's notice of a dunning run: its highest step's action and text, every
    item it stepped on, and the charges."""

    customer_id: str
    name: str
    billing_contact: str
    currency: str
    policy_id: str
    policy_version: int
    level: int = 0
    action: str = ""
    text_key: str = ""
    items: list[NoticeItem] = field(default_factory=list)
    fee_minor: int = 0
    interest_minor: int = 0


def dunning_notices(S: State, as_of: int, ks: int) -> tuple[int, list[DunningNotice]]:
    """(the day of the last dunning run on or before as_of as known at the segment (-1:
    none), its notices: one per customer, as RunDunning returned them)."""
    ds = S.dunning_steps
    m = (ds.view("day") <= as_of) & (ds.view("pos") <= known_position(S, ks))
    if not m.any():
        return -1, []
    day = int(ds.view("day")[m].max())
    rows = np.flatnonzero(m & (ds.view("day") == day))
    out: dict[int, DunningNotice] = {}
    ids = _invoice_ids(S)
    for r in rows[np.argsort(ds.pos[rows], kind="stable")].tolist():
        inv = int(ds.invoice[r])
        c = int(S.invoices.customer[inv])
        level = int(ds.level[r])
        pid, version, action, text_key = _dunning_level(S, int(ds.policy[r]), level)
        n = out.get(c)
        if n is None:
            name, contact = _customer_master(S, c)
            n = out[c] = DunningNotice(_customer_id(S, c), name, contact,
                                       S.currencies[S.customers.currency[c]], pid, version)
        if level > n.level:
            n.level, n.action, n.text_key = level, action, text_key
        fee_inv, int_inv = int(ds.fee_inv[r]), int(ds.int_inv[r])
        n.items.append(NoticeItem(
            ids[inv], int(ds.installment[r]), int(ds.day[r]) - int(ds.dpd[r]), int(ds.dpd[r]),
            level, action, text_key, int(ds.open[r]), int(ds.fee[r]), int(ds.interest[r]),
            ids[fee_inv] if fee_inv >= 0 else "", ids[int_inv] if int_inv >= 0 else ""))
        n.fee_minor += int(ds.fee[r])
        n.interest_minor += int(ds.interest[r])
    return day, [out[c] for c in sorted(out)]
