"""Bank statements with ground truth, built on a ledger holding the synthetic portfolio
(src/arledger/synthetic.py): the benchmark's load (bench/bank_match.py) and the tests'.

Every line says what a correct cash application does with it (`Truth`: the customer, or
none, and the amount allocated per invoice). Lines are drawn from the state's open items,
each invoice used by at most one line, in the proportions of `StatementSpec.mix`:

- `reference`: one invoice, its open amount, its number in the remittance in one of the
  forms payers write ("INV-00001043", "Invoice INV00001043", "inv 1043", "RE 1043
  ORDER 7781"); name and account of the customer's usual payer.
- `several`: 2-4 invoices of one customer in one payment, every number in the remittance.
- `typo`: one invoice, a digit of its number changed, the exact amount.
- `short`: one invoice paid short by bank charges within the default tolerance.
- `partial`: one invoice, 30-70 % of it, its number in the remittance.
- `overpaid`: one invoice and a bit more (the rest stays unapplied cash).
- `no_reference`: nothing in the remittance (or "thank you"), the exact amount of one of
  the customer's open items (an amount no other item of the customer has).
- `combination`: nothing in the remittance, the sum of 2-3 of the customer's items.
- `statement`: nothing in the remittance, everything the customer has open.
- `other_payer`: another company pays for the customer (its own name and account), with
  the invoice number.
- `no_customer`: money that is nobody's receivable (a refund, interest, a stranger):
  truth = no customer; a correct matcher leaves it for a person.

Payers: each customer has a stable account (IBAN-like) and a name as its bank writes it
(upper case, legal form dropped or kept); `history` lines (plain references) come first
so that counterparty accounts can be learned from earlier applications, as in real life.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arledger.domain import bank as BK
from arledger.domain.money import MINOR_UNITS

DEFAULT_MIX: tuple[tuple[str, float], ...] = (
    ("reference", 0.42), ("several", 0.10), ("typo", 0.05), ("short", 0.05),
    ("partial", 0.04), ("overpaid", 0.03), ("no_reference", 0.12), ("combination", 0.04),
    ("statement", 0.03), ("other_payer", 0.04), ("no_customer", 0.08))


@dataclass(frozen=True)
class StatementSpec:
    lines: int = 2_000
    seed: int = 19
    mix: tuple[tuple[str, float], ...] = DEFAULT_MIX
    account: str = "DE89370400440532013000"
    statement_id: str = "EVAL-1"


@dataclass
class Truth:
    kind: str
    customer: str | None
    allocations: dict[str, int] = field(default_factory=dict)


def payer_account(customer_id: str) -> str:
    h = int.from_bytes(hashlib.blake2b(customer_id.encode(), digest_size=8).digest(), "big")
    return f"DE{10 + h % 89:02d}{h % 10**18:018d}"


def payer_name(name: str, rng: random.Random) -> str:
    words = name.split()
    x = rng.random()
    if x < 0.4:
        return name.upper()
    if x < 0.7 and len(words) > 2:
        return " ".join(words[:-1])  # legal form dropped
    return name


_OTHER = ("Holding", "Group Treasury", "Shared Services", "Factoring", "Parent")
_STRANGERS = ("Tax Office Refund", "Interest", "J. Smith", "Insurance Claim", "Card Acquirer",
              "Landlord Deposit", "Unknown Sender", "Payroll Return")


def _ref_text(iid: str, rng: random.Random) -> str:
    digits = BK.digits_key(iid)
    forms = (iid, f"Invoice {iid.replace('-', '')}", f"inv {digits}", f"RE {digits} ORDER "
             f"{rng.randint(1000, 9999)}", f"{iid} thank you", f"Payment for {iid.lower()}")
    return forms[rng.randrange(len(forms))]


class _Pool:
    """Open items of the state by customer, each used once."""

    def __init__(self, S: Any, day: int) -> None:
        inv = S.invoices
        n = S.invoice_ids.n
        ix = np.flatnonzero((inv.open[:n] > 0) & (inv.voided[:n] == 0) &
                            (inv.issue_day[:n] <= day) & (inv.disputed[:n] == 0))
        self.ids = S.invoice_ids.names(ix)
        self.open = {iid: int(o) for iid, o in zip(self.ids, inv.open[ix].tolist())}
        self.cust_of = dict(zip(self.ids, inv.customer[ix].tolist()))
        by: dict[int, list[str]] = {}
        for iid in self.ids:
            by.setdefault(self.cust_of[iid], []).append(iid)
        self.by_cust = by
        self.used: set[str] = set()

    def free(self, c: int) -> list[str]:
        return [i for i in self.by_cust.get(c, []) if i not in self.used]


def generate(S: Any, spec: StatementSpec, value_day: int,
             history: int = 0) -> tuple[BK.Statement, list[Truth]]:
    """A statement of `spec.lines` lines (after `history` plain-reference lines) valued on
    `value_day`, drawn from the state's open items, with the truth for every line."""
    rng = random.Random(spec.seed)
    pool = _Pool(S, value_day)
    names = S.master.fields["name"]
    cur_of = [S.currencies[int(x)] for x in S.customers.currency[:S.customer_ids.n].tolist()]
    custs = sorted(pool.by_cust)
    if not custs:
        raise ValueError("the state has no open invoices to pay")
    kinds = [k for k, _ in spec.mix]
    weights = [w for _, w in spec.mix]
    lines: list[BK.StatementLine] = []
    truths: list[Truth] = []

    def add(amount: int, cur: str, name: str, acct: str, rem: str, truth: Truth) -> None:
        n = len(lines) + 1
        lines.append(BK.StatementLine(n, value_day, value_day, amount, cur, name, acct, rem,
                                      "", f"B{n:08d}"))
        truths.append(truth)

    def payer(c: int) -> tuple[str, str]:
        return payer_name(names[c], rng), payer_account(S.customer_ids.name(c))

    # History: one plain-reference line per customer (in a random order) while it lasts.
    order = custs[:]
    rng.shuffle(order)
    hist_custs = order[:history]
    attempts = 0
    target = min(history, len(hist_custs)) + spec.lines
    live = custs[:]  # customers that may still have free items
    while len(lines) < target and attempts < target * 20 and live:
        attempts += 1
        if len(lines) < min(history, len(hist_custs)):
            kind, c = "reference", hist_custs[len(lines)]
        else:
            kind = rng.choices(kinds, weights)[0]
            k = rng.randrange(len(live))
            c = live[k]
            if not pool.free(c):
                live[k] = live[-1]
                live.pop()
                continue
        cid = S.customer_ids.name(c)
        cur = cur_of[c]
        free = pool.free(c)
        if kind == "no_customer":
            unit = 10 ** MINOR_UNITS.get(cur, 2)
            amt = rng.randint(5, 5_000) * unit + rng.randrange(unit)
            add(amt, cur, rng.choice(_STRANGERS), f"GB{rng.randrange(10**20):020d}",
                rng.choice(("", "refund", "interest Q1", "deposit return")),
                Truth(kind, None))
            continue
        if not free:
            continue
        name, acct = payer(c)
        if kind in ("reference", "typo", "short", "partial", "overpaid", "other_payer"):
            iid = free[rng.randrange(len(free))]
            o = pool.open[iid]
            if kind == "typo":
                d = BK.digits_key(iid)
                if len(d) < 5:
                    continue
                k = rng.randrange(len(d))
                bad = d[:k] + str((int(d[k]) + rng.randint(1, 9)) % 10) + d[k + 1:]
                rem, amt, alloc = f"invoice {bad}", o, {iid: o}
            elif kind == "short":
                fee = min(o // 200, rng.randint(100, 1_500))  # within 1 % and 20.00
                if fee <= 0:
                    continue
                rem, amt, alloc = _ref_text(iid, rng), o - fee, {iid: o - fee}
            elif kind == "partial":
                part = o * rng.randint(30, 70) // 100
                if part <= 0:
                    continue
                rem, amt, alloc = f"{_ref_text(iid, rng)} part payment", part, {iid: part}
            elif kind == "overpaid":
                extra = rng.randint(1, max(1, o // 10))
                rem, amt, alloc = _ref_text(iid, rng), o + extra, {iid: o}
            else:
                rem, amt, alloc = _ref_text(iid, rng), o, {iid: o}
            if kind == "other_payer":
                name = f"{names[c].split()[0]} {rng.choice(_OTHER)}"
                acct = f"NL{rng.randrange(10**16):016d}"
            pool.used.add(iid)
            add(amt, cur, name, acct, rem, Truth(kind, cid, alloc))
        elif kind == "several":
            if len(free) < 2:
                continue
            k = min(len(free), rng.randint(2, 4))
            picks = rng.sample(free, k)
            alloc = {i: pool.open[i] for i in picks}
            rem = " ".join(rng.choice((i, BK.digits_key(i))) for i in picks)
            pool.used.update(picks)
            add(sum(alloc.values()), cur, name, acct, rem, Truth(kind, cid, alloc))
        elif kind == "no_reference":
            amounts = [pool.open[i] for i in pool.by_cust[c] if pool.open[i] > 0]
            uniq = [i for i in free if amounts.count(pool.open[i]) == 1]
            if not uniq:
                continue
            iid = uniq[rng.randrange(len(uniq))]
            pool.used.add(iid)
            add(pool.open[iid], cur, name, acct, rng.choice(("", "thank you", "payment")),
                Truth(kind, cid, {iid: pool.open[iid]}))
        elif kind == "combination":
            if len(free) < 3:
                continue
            picks = rng.sample(free[:10], min(len(free[:10]), rng.randint(2, 3)))
            alloc = {i: pool.open[i] for i in picks}
            pool.used.update(picks)
            add(sum(alloc.values()), cur, name, acct, "", Truth(kind, cid, alloc))
        elif kind == "statement":
            allf = pool.free(c)
            if len(allf) < 2 or len(allf) != len(pool.by_cust[c]):
                continue
            alloc = {i: pool.open[i] for i in allf}
            pool.used.update(allf)
            add(sum(alloc.values()), cur, name, acct, "statement payment",
                Truth(kind, cid, alloc))
    return BK.Statement(spec.account, spec.statement_id, "CSV", tuple(lines)), truths


def correct(truth: Truth, customer: str | None, allocations: dict[str, int]) -> bool:
    """Whether an application (customer, invoice -> amount allocated) is the true one."""
    return truth.customer is not None and customer == truth.customer and \
        {k: v for k, v in allocations.items() if v} == truth.allocations
