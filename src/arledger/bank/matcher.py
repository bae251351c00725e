"""The cash-application matcher: statement lines -> scored candidates with reasons.

A pure function of (the open items and customers of a state, the counterparties learned
from applied lines, the lines, the rules): no clock (each line's own value date is its
"as of"), no I/O, integer scores in basis points, ties broken by index. So the decision a
run recorded is the decision the same run makes again on the state rebuilt from the log up
to the position the run names (tests/bank/test_bank_replay.py checks it).

The rules, in order (docs/bank.md has the scores):

1. REFERENCE: invoice numbers found in the remittance text (exact, or the digits of the
   number without leading zeros when those are unique); several numbers -> one payment over
   several invoices.
2. END_TO_END_ID: the same lookup in the end-to-end id, and an end-to-end id equal to a
   customer id.
3. COUNTERPARTY: the counterparty's account (IBAN) or name mapped to one customer by earlier
   applied lines (ledger entries), a name equal to exactly one customer's name (legal forms
   and punctuation ignored), or close to it (rapidfuzz token_sort_ratio).
4. AMOUNT, over the identified customer's open items issued by the value date: one item
   exactly, one item's discounted amount inside its discount window, everything open, a
   bounded combination of items (the oldest `combination_items_max`, up to
   `combination_size_max` of them), one item short by at most the tolerance.
5. FUZZY_REFERENCE: a number one typo away from an open invoice's number (a digit changed
   or two swapped; within an identified customer's invoices rapidfuzz's OSA distance, in
   which a swap of two neighbours is one edit).
6. AMOUNT_ONLY: no customer identified; open items anywhere of exactly the amount (never
   applied automatically: identity scores 3,000 at most).

A candidate's score is identity x fit / 10,000: identity (how sure the customer is,
several independent signals combined as 1 - prod(1 - s)) and fit (how sure the invoices
and amounts are). A line is applied automatically when its best candidate scores at
least `auto_apply_bp` and leads the next candidate by `margin_bp`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from arledger.domain import bank as BK
from arledger.domain import limits

# Identity evidence (bp).
ID_REFERENCE = 9_500
ID_REFERENCE_DIGITS = 9_000
ID_END_TO_END = 9_500
ID_CUSTOMER_IN_E2E = 9_300
ID_ACCOUNT = 9_300
ID_NAME_LEARNED = 8_800
ID_NAME_EXACT = 8_500
ID_NAME_FUZZY = 7_000       # at the cut-off, up to ID_NAME_EXACT at 100
ID_FUZZY_REFERENCE = 8_000
ID_AMOUNT_ONLY = 3_000
# Fit evidence (bp).
FIT_EXACT = 10_000
FIT_DISCOUNT = 9_900
FIT_SHORT_TOLERATED = 9_700
FIT_SINGLE_AMOUNT = 9_800
FIT_ALL_OPEN = 9_800
FIT_COMBINATION = 9_700
FIT_SINGLE_SHORT = 9_500
FIT_OVERPAID = 9_300
FIT_PARTIAL = 9_200
FIT_AMBIGUOUS = 7_000
FIT_NOTHING = 6_000
BP = 10_000


def combine(*scores: int) -> int:
    """Independent signals for the same customer: 1 - prod(1 - s), in bp, rounded down."""
    miss = BP
    for s in scores:
        miss = miss * (BP - s) // BP
    return BP - miss


@dataclass
class OpenBook:
    """What the matcher reads of a state: open items (compact positions 0..n-1) and
    customers (their ledger indexes)."""

    inv_ix: np.ndarray          # ledger index of each open item
    inv_ids: list[str]
    inv_cust: np.ndarray
    inv_open: np.ndarray
    inv_issue: np.ndarray
    inv_due: np.ndarray
    inv_disc: np.ndarray
    inv_disc_until: np.ndarray
    cust_ids: Sequence[str]
    cust_names: Sequence[str]
    cust_currency: Sequence[str]
    by_account: dict[str, dict[int, int]] = field(default_factory=dict)
    by_name_learned: dict[str, dict[int, int]] = field(default_factory=dict)
    # Built by `index()`.
    ref: dict[str, int] = field(default_factory=dict)
    digits: dict[str, int] = field(default_factory=dict)
    names: dict[str, list[int]] = field(default_factory=dict)
    name_keys: list[str] = field(default_factory=list)
    name_key_custs: list[list[int]] = field(default_factory=list)
    cust_ix: dict[str, int] = field(default_factory=dict)
    cust_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cust_order: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    amt_order: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    amt_sorted: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def index(self) -> OpenBook:
        n = len(self.inv_ids)
        ref: dict[str, int] = {}
        digits: dict[str, int] = {}
        for k, iid in enumerate(self.inv_ids):
            ref[BK.ref_key(iid)] = k
            d = BK.digits_key(iid)
            if len(d) >= 3:
                digits[d] = -1 if d in digits else k  # -1: not unique
        self.ref, self.digits = ref, digits
        names: dict[str, list[int]] = {}
        for c, nm in enumerate(self.cust_names):
            key = BK.name_key(nm)
            if key:
                names.setdefault(key, []).append(c)
        self.names = names
        self.name_keys = list(names)
        self.name_key_custs = [names[k] for k in self.name_keys]
        self.cust_ix = {cid: c for c, cid in enumerate(self.cust_ids)}
        # Items grouped by customer, oldest due first within each (ties by index).
        self.cust_order = np.lexsort((np.arange(n), self.inv_due, self.inv_cust))
        counts = np.bincount(self.inv_cust, minlength=len(self.cust_ids)) if n else \
            np.zeros(len(self.cust_ids), np.int64)
        self.cust_start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.amt_order = np.lexsort((np.arange(n), self.inv_open))
        self.amt_sorted = self.inv_open[self.amt_order]
        return self

    def items_of(self, cust: int) -> np.ndarray:
        if cust < 0 or cust + 1 >= len(self.cust_start):
            return np.zeros(0, np.int64)
        return self.cust_order[self.cust_start[cust]:self.cust_start[cust + 1]]


def open_book(S: Any) -> OpenBook:
    """The matcher's view of a read state (engine/state.State) at its head."""
    inv = S.invoices
    n = S.invoice_ids.n
    ix = np.flatnonzero((inv.open[:n] > 0) & (inv.voided[:n] == 0)).astype(np.int64)
    nc = S.customer_ids.n
    cur = S.customers.currency[:nc]
    names = S.master.fields["name"]
    return OpenBook(
        inv_ix=ix, inv_ids=S.invoice_ids.names(ix),
        inv_cust=np.asarray(inv.customer[ix], np.int64),
        inv_open=np.asarray(inv.open[ix], np.int64),
        inv_issue=np.asarray(inv.issue_day[ix], np.int64),
        inv_due=np.asarray(inv.due_day[ix], np.int64),
        inv_disc=np.asarray(inv.disc[ix], np.int64),
        inv_disc_until=np.asarray(inv.disc_until[ix], np.int64),
        cust_ids=[S.customer_ids.name(c) for c in range(nc)],
        cust_names=[names[c] for c in range(nc)],
        cust_currency=[S.currencies[int(x)] for x in cur.tolist()],
        by_account=S.bank.by_account, by_name_learned=S.bank.by_name,
    ).index()


@dataclass
class Candidate:
    cust: int
    score: int
    # (open-item position, allocated, discount taken, written off)
    plan: list[tuple[int, int, int, int]]
    unapplied: int
    reasons: list[str]

    def to_json(self, book: OpenBook) -> dict:
        return {"customer": book.cust_ids[self.cust], "score": self.score,
                "alloc": [[book.inv_ids[p], a] for p, a, _, _ in self.plan if a],
                "discount": [[book.inv_ids[p], d] for p, _, d, _ in self.plan if d],
                "write_off": [[book.inv_ids[p], w] for p, _, _, w in self.plan if w],
                "unapplied": self.unapplied, "reasons": self.reasons}


@dataclass
class LineInput:
    """A line as the matcher reads it."""

    value_day: int
    amount: int
    currency: str
    name: str = ""
    account: str = ""
    remittance: str = ""
    end_to_end_id: str = ""


@dataclass
class Decision:
    auto: bool
    best: Candidate | None
    candidates: list[Candidate]

    @property
    def score(self) -> int:
        return self.best.score if self.best is not None else 0


class Matcher:
    """Decides lines in order against one OpenBook; what earlier lines of the same run
    applied is no longer open to later ones (`taken`)."""

    def __init__(self, book: OpenBook, rules: BK.MatchRules) -> None:
        self.b = book
        self.r = rules
        self.taken: dict[int, int] = {}
        self.known_position = 0  # the log position of the state the book was built from
        # Counterparties learned from lines this run applied (the state learns them from
        # the same entries, so a run split in several gives the same decisions).
        self.acct_more: dict[str, dict[int, int]] = {}
        self.name_more: dict[str, dict[int, int]] = {}

    def _learned(self, base: dict[str, dict[int, int]], more: dict[str, dict[int, int]],
                 key: str) -> tuple[int, int]:
        """(customer, lines) when every applied line of `key` went to one customer."""
        d = dict(base.get(key) or {})
        for c, k in (more.get(key) or {}).items():
            d[c] = d.get(c, 0) + k
        if len(d) != 1:
            return -1, 0
        return next(iter(d.items()))

    def learn(self, ln: LineInput, cust: int) -> None:
        for more, key in ((self.acct_more, BK.account_key(ln.account)),
                          (self.name_more, BK.name_key(ln.name))):
            if key:
                d = more.setdefault(key, {})
                d[cust] = d.get(cust, 0) + 1

    def left(self, p: int) -> int:
        return int(self.b.inv_open[p]) - self.taken.get(p, 0)

    def commit(self, d: Decision, ln: LineInput) -> None:
        """What an applied decision changes for the lines after it."""
        if d.auto and d.best is not None:
            for p, a, disc, w in d.best.plan:
                self.taken[p] = self.taken.get(p, 0) + a + disc + w
            self.learn(ln, d.best.cust)

    def decide(self, ln: LineInput) -> Decision:
        cands = self.candidates(ln)
        cands.sort(key=lambda c: (-c.score, c.cust, [p for p, *_ in c.plan]))
        # One candidate per (customer, plan): keep the best-scored.
        seen: set[tuple] = set()
        uniq = []
        for c in cands:
            k = (c.cust, tuple(c.plan))
            if k not in seen:
                seen.add(k)
                uniq.append(c)
        cands = uniq[:limits.bank_candidates_max]
        best = cands[0] if cands else None
        auto = best is not None and best.score >= self.r.auto_apply_bp and (
            len(cands) == 1 or best.score - cands[1].score >= self.r.margin_bp)
        if best is not None and not auto and best.score >= self.r.auto_apply_bp:
            best.reasons.append(f"AMBIGUOUS: the next candidate scores {cands[1].score}")
        return Decision(auto, best, cands)

    # ---- evidence --------------------------------------------------------------------------

    def _open_positions(self, ps: list[int] | np.ndarray, day: int) -> list[int]:
        b = self.b
        return [int(p) for p in ps if b.inv_issue[p] <= day and self.left(int(p)) > 0]

    def _references(self, text: str) -> tuple[list[tuple[int, str]], list[str]]:
        """Open items named in `text` (position, how) and the tokens that named none."""
        b = self.b
        found: list[tuple[int, str]] = []
        unknown: list[str] = []
        got: set[int] = set()
        for tok in BK.reference_tokens(text):
            p = b.ref.get(tok, -1)
            how = "REFERENCE"
            if p < 0:
                d = BK.digits_key(tok)
                p = b.digits.get(d, -1) if len(d) >= 4 else -1
                how = "REFERENCE_DIGITS"
            if p >= 0:
                if p not in got:
                    got.add(p)
                    found.append((p, how))
            elif sum(ch.isdigit() for ch in tok) >= 4:
                unknown.append(tok)
        return found, unknown

    def _typo_reference(self, tok: str) -> int:
        """An open item whose digits are one substitution or adjacent swap from `tok`'s,
        when exactly one is."""
        d = BK.digits_key(tok)
        if len(d) < 5:
            return -1
        hits: set[int] = set()
        digits = self.b.digits
        for i in range(len(d)):
            for ch in "0123456789":
                if ch != d[i]:
                    p = digits.get(d[:i] + ch + d[i + 1:], -1)
                    if p >= 0:
                        hits.add(p)
            if i + 1 < len(d) and d[i] != d[i + 1]:
                p = digits.get(d[:i] + d[i + 1] + d[i] + d[i + 2:], -1)
                if p >= 0:
                    hits.add(p)
        return hits.pop() if len(hits) == 1 else -1

    def _identities(self, ln: LineInput) -> dict[int, list[tuple[int, str]]]:
        """Customer -> the identity signals (bp, reason) that point at it."""
        b = self.b
        out: dict[int, list[tuple[int, str]]] = {}
        acct = BK.account_key(ln.account)
        if acct:
            c, k = self._learned(b.by_account, self.acct_more, acct)
            if c >= 0:
                out.setdefault(c, []).append((ID_ACCOUNT, f"COUNTERPARTY_ACCOUNT {ln.account} "
                                              f"applied to this customer {k} time(s) before"))
        key = BK.name_key(ln.name)
        if key:
            c, k = self._learned(b.by_name_learned, self.name_more, key)
            if c >= 0:
                out.setdefault(c, []).append((ID_NAME_LEARNED, f"COUNTERPARTY_NAME {ln.name!r}"
                                              f" applied to this customer {k} time(s) before"))
            exact = b.names.get(key)
            if exact is not None:
                if len(exact) == 1:
                    out.setdefault(exact[0], []).append(
                        (ID_NAME_EXACT, f"NAME {ln.name!r} is the customer's name"))
            elif b.name_keys:
                hit = process.extractOne(key, b.name_keys, scorer=fuzz.token_sort_ratio,
                                         score_cutoff=self.r.fuzzy_name_min)
                if hit is not None and len(b.name_key_custs[hit[2]]) == 1:
                    ratio = int(hit[1])
                    s = ID_NAME_FUZZY + (ID_NAME_EXACT - ID_NAME_FUZZY) * (
                        ratio - self.r.fuzzy_name_min) // max(1, 100 - self.r.fuzzy_name_min)
                    out.setdefault(b.name_key_custs[hit[2]][0], []).append(
                        (s, f"FUZZY_NAME {ln.name!r} ~ {hit[0]!r} ({ratio})"))
        e2e = ln.end_to_end_id.strip()
        if e2e and e2e in b.cust_ix:
            out.setdefault(b.cust_ix[e2e], []).append(
                (ID_CUSTOMER_IN_E2E, f"END_TO_END_ID {e2e} is the customer id"))
        return out

    # ---- plans -----------------------------------------------------------------------------

    def _fit_items(self, ps: list[int], amount: int, day: int,
                   referenced: bool) -> tuple[int, list[tuple[int, int, int, int]], int, str]:
        """How `amount` pays items `ps` (oldest due first): (fit, plan, unapplied, why)."""
        b = self.b
        ps = sorted(ps, key=lambda p: (int(b.inv_due[p]), p))
        lefts = [self.left(p) for p in ps]
        total = sum(lefts)
        if amount == total:
            return FIT_EXACT, [(p, a, 0, 0) for p, a in zip(ps, lefts)], 0, \
                "EXACT_AMOUNT of the item(s)"
        discs = [self._disc(p, day) for p in ps]
        if any(discs) and amount == total - sum(discs):
            return FIT_DISCOUNT, [(p, a - d, d, 0) for p, a, d in zip(ps, lefts, discs)], 0, \
                "DISCOUNTED_AMOUNT inside the discount window"
        if amount > total:
            return FIT_OVERPAID if referenced else FIT_AMBIGUOUS, \
                [(p, a, 0, 0) for p, a in zip(ps, lefts)], amount - total, \
                f"OVERPAYMENT: {amount - total} left unapplied"
        short = total - amount
        if short <= self.r.tolerance(total):
            plan, left = [], amount
            for p, a in zip(ps, lefts):
                x = min(a, left)
                left -= x
                plan.append((p, x, 0, a - x))
            return FIT_SHORT_TOLERATED, plan, 0, f"SHORT_PAYMENT of {short} within tolerance " \
                "(small write-off)"
        if not referenced:
            return FIT_NOTHING, [], amount, "the amount fits none of these items"
        plan, left = [], amount
        for p, a in zip(ps, lefts):
            x = min(a, left)
            if x:
                plan.append((p, x, 0, 0))
            left -= x
        return FIT_PARTIAL, plan, 0, f"PARTIAL_PAYMENT: {short} stays open"

    def _disc(self, p: int, day: int) -> int:
        b = self.b
        d = int(b.inv_disc[p])
        left = self.left(p)
        if d and day <= b.inv_disc_until[p] and d < left and left == int(b.inv_open[p]):
            return d
        return 0

    def _by_amount(self, cust: int, amount: int, day: int
                   ) -> tuple[int, list[tuple[int, int, int, int]], int, str]:
        """Rule 4 over a customer's open items."""
        items = self._open_positions(self.b.items_of(cust), day)
        if not items:
            return FIT_NOTHING, [], amount, "the customer has nothing open"
        lefts = {p: self.left(p) for p in items}
        singles = [p for p in items if lefts[p] == amount]
        if len(singles) == 1:
            return FIT_SINGLE_AMOUNT, [(singles[0], amount, 0, 0)], 0, \
                f"EXACT_AMOUNT of one open item ({self.b.inv_ids[singles[0]]})"
        if len(singles) > 1:
            return FIT_AMBIGUOUS, [(singles[0], amount, 0, 0)], 0, \
                f"EXACT_AMOUNT of {len(singles)} open items (the oldest due taken)"
        disc = [p for p in items if self._disc(p, day) and lefts[p] - self._disc(p, day) == amount]
        if len(disc) == 1:
            p = disc[0]
            return FIT_DISCOUNT, [(p, amount, lefts[p] - amount, 0)], 0, \
                f"DISCOUNTED_AMOUNT of {self.b.inv_ids[p]} inside the discount window"
        total = sum(lefts.values())
        if len(items) > 1 and amount == total:
            return FIT_ALL_OPEN, [(p, lefts[p], 0, 0) for p in items], 0, \
                f"ALL_OPEN: the amount is everything open ({len(items)} items)"
        head = items[:self.r.combination_items_max]
        combos = []
        for k in range(2, self.r.combination_size_max + 1):
            for combo in itertools.combinations(head, k):
                if sum(lefts[p] for p in combo) == amount:
                    combos.append(combo)
                    if len(combos) > 1:
                        break
            if combos:
                break
        if len(combos) == 1:
            return FIT_COMBINATION, [(p, lefts[p], 0, 0) for p in combos[0]], 0, \
                f"COMBINATION of {len(combos[0])} open items"
        if len(combos) > 1:
            return FIT_AMBIGUOUS - 1_000, [(p, lefts[p], 0, 0) for p in combos[0]], 0, \
                "COMBINATION: several sets of items make the amount"
        short = [p for p in items if 0 < lefts[p] - amount <= self.r.tolerance(lefts[p])]
        if len(short) == 1:
            p = short[0]
            return FIT_SINGLE_SHORT, [(p, amount, 0, lefts[p] - amount)], 0, \
                f"SHORT_PAYMENT of {self.b.inv_ids[p]} within tolerance (small write-off)"
        return FIT_NOTHING, [], amount, "the amount fits no open item or combination"

    # ---- candidates ------------------------------------------------------------------------

    def candidates(self, ln: LineInput) -> list[Candidate]:
        b, day, amount = self.b, ln.value_day, ln.amount
        if amount <= 0:
            return []
        ids = self._identities(ln)
        refs, unknown = self._references(ln.remittance)
        e2e_refs, _ = self._references(ln.end_to_end_id)
        by_cust: dict[int, list[tuple[int, str]]] = {}
        for p, how in refs:
            by_cust.setdefault(int(b.inv_cust[p]), []).append((p, how))
        for p, _how in e2e_refs:
            if all(p != q for q, _ in by_cust.get(int(b.inv_cust[p]), [])):
                by_cust.setdefault(int(b.inv_cust[p]), []).append((p, "END_TO_END_ID"))
        # Rule 5: a typo'd number - within an identified customer's items first.
        if unknown:
            for tok in unknown:
                hit = -1
                for c in ids:
                    its = b.items_of(c)
                    if len(its):
                        names = [BK.ref_key(b.inv_ids[int(p)]) for p in its]
                        m = process.extractOne(tok, names, scorer=OSA.distance,
                                               score_cutoff=self.r.fuzzy_reference_distance_max)
                        if m is not None and m[1] > 0:
                            hit = int(its[m[2]])
                            break
                if hit < 0:
                    hit = self._typo_reference(tok)
                if hit >= 0:
                    c = int(b.inv_cust[hit])
                    if all(hit != q for q, _ in by_cust.get(c, [])):
                        by_cust.setdefault(c, []).append((hit, "FUZZY_REFERENCE"))
        # Short numbers ("INV 731") are too weak to look up among every open item, but
        # name an item safely among the items of a customer the line already points at.
        nums = {BK.digits_key(t) for t in BK.reference_tokens(ln.remittance) if t.isdigit()}
        nums.discard("")
        if nums:
            for c in set(by_cust) | set(ids):
                have = {p for p, _ in by_cust.get(c, [])}
                for p in b.items_of(c).tolist():
                    if p not in have and BK.digits_key(b.inv_ids[p]) in nums:
                        by_cust.setdefault(c, []).append((p, "REFERENCE_DIGITS"))
        out: list[Candidate] = []
        cur = ln.currency
        for c, found in by_cust.items():
            if b.cust_currency[c] != cur:
                continue
            ps = self._open_positions([p for p, _ in found], day)
            if not ps:
                continue
            sig = []
            reasons = []
            for p, how in found:
                s = {"REFERENCE": ID_REFERENCE, "REFERENCE_DIGITS": ID_REFERENCE_DIGITS,
                     "END_TO_END_ID": ID_END_TO_END}.get(how, ID_FUZZY_REFERENCE)
                sig.append(s)
                reasons.append(f"{how} {b.inv_ids[p]}")
            ident = max(sig)
            for s, why in ids.get(c, []):
                ident = combine(ident, s)
                reasons.append(why)
            fit, plan, unapplied, why = self._fit_items(ps, amount, day, referenced=True)
            if len(ps) > limits.bank_invoices_per_line_max:
                continue
            reasons.append(why)
            out.append(Candidate(c, ident * fit // BP, plan, unapplied, reasons))
        for c, sigs in ids.items():
            if c in by_cust or b.cust_currency[c] != cur:
                continue
            ident = combine(*(s for s, _ in sigs))
            fit, plan, unapplied, why = self._by_amount(c, amount, day)
            out.append(Candidate(c, ident * fit // BP, plan, unapplied,
                                 [w for _, w in sigs] + [why]))
        if not out:  # rule 6: the amount alone
            lo = int(np.searchsorted(b.amt_sorted, amount, side="left"))
            hi = int(np.searchsorted(b.amt_sorted, amount, side="right"))
            hits = [int(p) for p in b.amt_order[lo:min(hi, lo + 50)]
                    if b.cust_currency[int(b.inv_cust[p])] == cur and b.inv_issue[p] <= day
                    and self.left(int(p)) == amount]
            hits.sort(key=lambda p: (abs(int(b.inv_due[p]) - day), p))
            for p in hits[:limits.bank_candidates_max]:
                s = ID_AMOUNT_ONLY // max(1, len(hits))
                out.append(Candidate(int(b.inv_cust[p]), s * FIT_SINGLE_AMOUNT // BP,
                                     [(p, amount, 0, 0)], 0,
                                     [f"AMOUNT_ONLY: {b.inv_ids[p]} is open for exactly this "
                                      f"amount ({len(hits)} such item(s))"]))
        return out


def candidates_json(book: OpenBook, cands: list[Candidate]) -> str:
    return json.dumps([c.to_json(book) for c in cands], separators=(",", ":"))


def match_lines(book: OpenBook, rules: BK.MatchRules, lines: Sequence[LineInput]
                ) -> list[Decision]:
    """Decide `lines` in order (the vectorised indexes are built once per run)."""
    m = Matcher(book, rules)
    out = []
    for ln in lines:
        d = m.decide(ln)
        m.commit(d, ln)
        out.append(d)
    return out
