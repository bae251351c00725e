"""Random command streams through the engine and through a tiny reference model agree.

The model (class Model) is written from the published rules and those docs/design.md
states where they are silent; it uses nothing from arledger
(the engine is only driven and read, below). It keeps every money movement as (effective
day, segment, delta) and answers balances, open items and aging as of any day and as known
at any segment by summing. Whatever the model says, no view may ever show an invoice, a
payment or a credit note with less than nothing open (checked on the model's answers too).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arledger.engine import open_ledger
from arledger.projections import views
from arledger.v1 import commands_pb2 as pb

START = dt.date(2026, 1, 1)
START_DAY = (START - dt.date(1970, 1, 1)).days  # the engine counts days from 1970-01-01
CUSTOMERS = {"C0": ("EUR", 30), "C1": ("EUR", 0), "C2": ("USD", 14)}  # currency, net days
KNOWN_CURRENCIES = {"EUR", "USD", "GBP"}
EDGE_SETS = [(30, 60, 90, 120), (10, 20)]
AS_OF_DAYS = (-1, 0, 9, 20, 31, 45, 61, 90, 200)  # relative to START; many are in the past
EXPLICIT, LEAVE, NEWEST = 2, 3, 4  # AllocationStrategy numbers from commands.proto


def iso(day: int) -> str:
    return (START + dt.timedelta(days=day)).isoformat()


class Reject(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


# ---- the reference model ---------------------------------------------------------------

def good_id(x: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9._:/@-]{1,64}", x) is not None


def moved(moves: list, as_of: float = float("inf"), known: float = float("inf")) -> int:
    return sum(d for day, seq, d in moves if day <= as_of and seq <= known)


class Model:
    def __init__(self) -> None:
        self.customers: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}
        self.credits: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.seq = 0  # segments written so far; moves of the batch being decided get seq + 1

    def _find(self, table: dict, key: str, missing: str) -> dict:
        if key not in table:
            raise Reject(missing if good_id(key) else "MALFORMED_ID")
        return table[key]

    def _new_id(self, key: str) -> None:
        if not good_id(key):
            raise Reject("MALFORMED_ID")

    def live_customer(self, c: str) -> dict:
        cu = self._find(self.customers, c, "CUSTOMER_NOT_FOUND")
        if cu["closed"]:
            raise Reject("CUSTOMER_CLOSED")
        return cu

    def invoice(self, inv: str) -> dict:
        i = self._find(self.invoices, inv, "INVOICE_NOT_FOUND")
        if i["voided"]:
            raise Reject("INVOICE_VOIDED")
        return i

    def move(self, item: dict, day: int, delta: int, key: str = "moves") -> None:
        item[key].append((day, self.seq + 1, delta))

    @staticmethod
    def currency(cu: dict, cur: str) -> None:
        if cur not in KNOWN_CURRENCIES:
            raise Reject("UNKNOWN_CURRENCY")
        if cur != cu["cur"]:
            raise Reject("CURRENCY_MISMATCH")

    @staticmethod
    def positive(amount: int) -> None:
        if amount <= 0:
            raise Reject("AMOUNT_NOT_POSITIVE")

    # Every decision returns (entries written, allocations made or None).
    def open_customer(self, c: str, cur: str, day: int):
        self._new_id(c)
        if cur not in KNOWN_CURRENCIES:
            raise Reject("UNKNOWN_CURRENCY")
        if c in self.customers:
            raise Reject("CUSTOMER_EXISTS")
        self.customers[c] = {"cur": cur, "net": CUSTOMERS[c][1], "opened": day, "closed": False}
        return 1, None

    def issue_invoice(self, inv: str, c: str, day: int, amount: int, due: int | None, cur: str):
        self._new_id(inv)
        cu = self.live_customer(c)
        if cur:
            self.currency(cu, cur)
        if day < cu["opened"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        if due is not None and due < day:
            raise Reject("DUE_BEFORE_ISSUE")
        self.positive(amount)
        if inv in self.invoices:
            raise Reject("DUPLICATE_INVOICE_NUMBER")
        self.invoices[inv] = {"cust": c, "amount": amount, "issue": day, "voided": False,
                              "due": day + cu["net"] if due is None else due,
                              "n": len(self.invoices), "moves": [], "dmoves": []}
        self.move(self.invoices[inv], day, amount)
        return 1, None

    def plan(self, c: str, available: int, day: int, strategy: int, allocs: list,
             required: bool) -> list[tuple[str, int]]:
        if allocs and strategy not in (0, EXPLICIT):
            raise Reject("ALLOCATIONS_NOT_ALLOWED")
        if allocs or strategy == EXPLICIT:
            if not allocs:
                raise Reject("MISSING_FIELD")
            seen: set[str] = set()
            for inv, a in allocs:
                i = self.invoice(inv)
                if inv in seen:
                    raise Reject("DUPLICATE_ALLOCATION")
                seen.add(inv)
                if i["cust"] != c:
                    raise Reject("INVOICE_OF_OTHER_CUSTOMER")
                if i["issue"] > day:
                    raise Reject("DATE_BEFORE_ORIGIN")
                if a > moved(i["moves"]):
                    raise Reject("ALLOCATION_EXCEEDS_OPEN")
                if day < i.get("reopened", day):  # less was open before a reversal reopened it
                    raise Reject("DATE_BEFORE_REOPENING")
            if sum(a for _, a in allocs) > available:
                raise Reject("ALLOCATION_EXCEEDS_AMOUNT")
            return list(allocs)
        if strategy == LEAVE:
            if required:
                raise Reject("INVALID_ENUM")
            return []
        # Oldest due first: due date, then issue date, then creation order (or all reversed).
        cands = sorted(((i["due"], i["issue"], i["n"]), k) for k, i in self.invoices.items()
                       if i["cust"] == c and not i["voided"] and i["issue"] <= day
                       and moved(i["moves"]) > 0 and i.get("reopened", day) <= day)
        plan, left = [], available
        for _, k in (reversed(cands) if strategy == NEWEST else cands):
            if left:
                a = min(moved(self.invoices[k]["moves"]), left)
                plan.append((k, a))
                left -= a
        if required and not plan:
            raise Reject("NOTHING_TO_ALLOCATE")
        return plan

    def apply(self, src: dict, plan: list, day: int, sign: int = 1) -> list:
        for inv, a in plan:
            self.move(self.invoices[inv], day, -sign * a)
            self.move(src, day, -sign * a)
            if sign < 0:
                i = self.invoices[inv]
                i["reopened"] = max(i.get("reopened", day), day)
            if "applied" in src:
                src["applied"][inv] = src["applied"].get(inv, 0) + sign * a
                src["last"] = max(src["last"], day)
        return [(inv, sign * a) for inv, a in plan]

    def record_payment(self, p: str, c: str, amount: int, cur: str, day: int, strategy: int,
                       allocs: list):
        self._new_id(p)
        cu = self.live_customer(c)
        self.currency(cu, cur)
        self.positive(amount)
        if day < cu["opened"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        if p in self.payments:
            raise Reject("PAYMENT_EXISTS")
        plan = self.plan(c, amount, day, strategy, allocs, required=False)
        pay = self.payments[p] = {"cust": c, "day": day, "amount": amount, "reversed": False,
                                  "last": day, "applied": {}, "moves": []}
        self.move(pay, day, amount)
        return 1, self.apply(pay, plan, day)

    def allocate_payment(self, p: str, day: int, strategy: int, allocs: list):
        pay = self._find(self.payments, p, "PAYMENT_NOT_FOUND")
        if pay["reversed"]:
            raise Reject("PAYMENT_REVERSED")
        if day < pay["day"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        unapplied = moved(pay["moves"])
        if unapplied <= 0:
            raise Reject("NOTHING_UNAPPLIED")
        return 1, self.apply(pay, self.plan(pay["cust"], unapplied, day, strategy, allocs, True),
                             day)

    def reverse_payment(self, p: str, day: int):
        pay = self._find(self.payments, p, "PAYMENT_NOT_FOUND")
        if pay["reversed"]:
            raise Reject("PAYMENT_REVERSED")
        if day < pay["last"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        # Reopens exactly what the payment had applied, then the whole amount leaves.
        applied = sorted(((self.invoices[k]["n"], k), a) for k, a in pay["applied"].items() if a)
        out = self.apply(pay, [(k, a) for (_, k), a in applied], day, sign=-1)
        self.move(pay, day, -pay["amount"])
        pay["reversed"] = True
        return 1, out

    def _credit(self, n: str, c: str, amount: int, day: int, inv: str | None) -> list:
        if n in self.credits:
            raise Reject("CREDIT_NOTE_EXISTS")
        cn = self.credits[n] = {"cust": c, "day": day, "moves": []}
        self.move(cn, day, amount)
        applied = min(amount, moved(self.invoices[inv]["moves"])) if inv else 0
        if inv and day < self.invoices[inv].get("reopened", day):
            applied = 0  # dated before a reopening: kept as account credit
        return self.apply(cn, [(inv, applied)], day) if applied > 0 else []

    def issue_credit_note(self, n: str, c: str, amount: int, cur: str, day: int, inv: str | None):
        self._new_id(n)
        cu = self.live_customer(c)
        self.currency(cu, cur)
        self.positive(amount)
        if day < cu["opened"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        if inv:
            i = self.invoice(inv)
            if i["cust"] != c:
                raise Reject("INVOICE_OF_OTHER_CUSTOMER")
            if i["issue"] > day:
                raise Reject("DATE_BEFORE_ORIGIN")
            if amount > moved(i["moves"]):
                raise Reject("CREDIT_EXCEEDS_OPEN")
            if day < i.get("reopened", day):
                raise Reject("DATE_BEFORE_REOPENING")
        return 1, self._credit(n, c, amount, day, inv)

    def allocate_credit_note(self, n: str, day: int, strategy: int, allocs: list):
        cn = self._find(self.credits, n, "CREDIT_NOTE_NOT_FOUND")
        if day < cn["day"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        unapplied = moved(cn["moves"])
        if unapplied <= 0:
            raise Reject("NOTHING_UNAPPLIED")
        return 1, self.apply(cn, self.plan(cn["cust"], unapplied, day, strategy, allocs, True), day)

    def open_dispute(self, d: str, inv: str, amount: int, day: int):
        self._new_id(d)
        i = self.invoice(inv)
        self.positive(amount)
        if day < i["issue"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        if amount > moved(i["moves"]) - moved(i["dmoves"]):
            raise Reject("DISPUTE_EXCEEDS_OPEN")
        if d in self.disputes:
            raise Reject("DISPUTE_EXISTS")
        self.disputes[d] = {"inv": inv, "amount": amount, "day": day, "open": True}
        self.move(i, day, amount, "dmoves")
        return 1, None

    def resolve_dispute(self, d: str, outcome: int, credited: int, n: str, day: int,
                        actor: str):
        if not actor:
            raise Reject("ACTOR_REQUIRED")
        dsp = self._find(self.disputes, d, "DISPUTE_NOT_FOUND")
        if not dsp["open"]:
            raise Reject("DISPUTE_NOT_OPEN")
        if day < dsp["day"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        amount = dsp["amount"]
        if outcome == 1:  # upheld: the whole disputed amount
            if credited not in (0, amount):
                raise Reject("CREDIT_AMOUNT_INVALID")
            credited = amount
        elif outcome == 3 and not 0 < credited < amount:  # partially upheld
            raise Reject("CREDIT_AMOUNT_INVALID")
        elif outcome == 2 and credited:  # rejected
            raise Reject("CREDIT_AMOUNT_INVALID")
        if credited and n in self.credits:
            raise Reject("CREDIT_NOTE_EXISTS")
        i = self.invoices[dsp["inv"]]
        dsp["open"] = False
        self.move(i, day, -amount, "dmoves")
        if not credited:
            return 1, None
        return 2, self._credit(n, i["cust"], credited, day, dsp["inv"])

    def write_off(self, inv: str, day: int, amount: int, actor: str):
        if not actor:
            raise Reject("ACTOR_REQUIRED")
        i = self.invoice(inv)
        if day < i["issue"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        open_ = moved(i["moves"])
        if open_ <= 0:
            raise Reject("NOTHING_OPEN")
        if (amount or open_) > open_:
            raise Reject("WRITE_OFF_EXCEEDS_OPEN")
        if day < i.get("reopened", day):
            raise Reject("DATE_BEFORE_REOPENING")
        self.move(i, day, -(amount or open_))
        return 1, None

    def void(self, inv: str, day: int, reason: str):
        if not reason:
            raise Reject("REASON_REQUIRED")
        i = self.invoice(inv)
        if moved(i["moves"]) != i["amount"]:
            raise Reject("INVOICE_HAS_APPLIED_MONEY")
        if moved(i["dmoves"]):
            raise Reject("INVOICE_DISPUTED")
        if day < i["issue"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        if day < i.get("reopened", day):  # it had money applied as of that day
            raise Reject("DATE_BEFORE_REOPENING")
        self.move(i, day, -i["amount"])
        i["voided"] = True
        return 1, None

    def close_customer(self, c: str, day: int):
        cu = self.live_customer(c)
        if day < cu["opened"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        owned = [x for t in (self.invoices, self.payments, self.credits) for x in t.values()
                 if x["cust"] == c]
        if any(moved(x["moves"]) for x in owned):
            raise Reject("CUSTOMER_HAS_OPEN_BALANCE")
        cu["closed"] = True
        return 1, None

    # ---- views ----
    def view(self, c: str, as_of: int, known: int, edges: tuple[int, ...]) -> dict:
        v = {"open_minor": 0, "overdue_minor": 0, "disputed_minor": 0, "count": 0,
             "buckets": [0] * (len(edges) + 2), "items": {}}
        for k, i in self.invoices.items():
            o = moved(i["moves"], as_of, known)
            if i["cust"] != c or not o:
                continue
            days = as_of - i["due"]
            v["open_minor"] += o
            v["overdue_minor"] += o if days > 0 else 0
            v["disputed_minor"] += min(max(moved(i["dmoves"], as_of, known), 0), max(o, 0))
            v["count"] += 1
            v["buckets"][0 if days <= 0 else next(
                (n + 1 for n, e in enumerate(edges) if days <= e), len(edges) + 1)] += o
            v["items"][("INVOICE", k)] = o
        for kind, table, key in (("PAYMENT", self.payments, "unapplied_cash_minor"),
                                 ("CREDIT_NOTE", self.credits, "unapplied_credit_minor")):
            v[key] = 0
            for k, x in table.items():
                u = moved(x["moves"], as_of, known)
                if x["cust"] == c and u:
                    v[key] += u
                    v["items"][(kind, k)] = -u
        v["balance_minor"] = v["open_minor"] - v["unapplied_cash_minor"] - \
            v["unapplied_credit_minor"]
        return v


# ---- commands: hypothesis strategies, protobuf, and the model's call --------------------

def pick(*weighted: tuple[object, int]) -> st.SearchStrategy:
    """sampled_from with weights: (value, how many times)."""
    return st.sampled_from([v for v, n in weighted for _ in range(n)])


class Names:
    """Turns generated selectors (ints) into ids when a batch is built: fresh ids, and
    references to ids that exist by then (recent ones first; for allocations mostly the
    customer's own invoices), sometimes unknown ("I999") or malformed ("I 9") ones."""

    TABLES = {"I": "invoices", "P": "payments", "N": "credits", "D": "disputes"}

    def __init__(self, model: callable) -> None:
        self.model = model  # () -> the model as of now
        self.count = dict.fromkeys(self.TABLES, 0)

    def existing(self, prefix: str, customer: str | None = None) -> list[str]:
        table = getattr(self.model(), self.TABLES[prefix])
        return [k for k, v in table.items() if customer is None or v.get("cust") == customer
                or v.get("open") is True]

    def new(self, prefix: str, k: int) -> str:
        made = self.existing(prefix)
        if made and k % 10 == 9:  # an id used before: a duplicate number
            return made[k // 10 % len(made)]
        self.count[prefix] += 1
        return f"{prefix}{self.count[prefix]}"

    def ref(self, prefix: str, k: int, customer: str | None = None) -> str:
        """An existing id; mostly one of `customer`'s (and for disputes an open one)."""
        made = self.existing(prefix, customer if k % 5 else None) or self.existing(prefix)
        if not made or k % 12 == 11:
            return f"{prefix}999"
        if k % 12 == 10:
            return f"{prefix} 9"
        # Now and then one with a history: an invoice a reversal reopened, a payment that
        # has money applied (to be reversed).
        if prefix == "I" and k % 12 in (3, 4):
            made = [i for i in made if "reopened" in self.model().invoices[i]] or made
        if prefix == "P" and k % 3 == 0:
            made = [p for p in made if any(self.model().payments[p]["applied"].values())] or made
        return made[-1 - k // 12 % min(len(made), 6)]


days = st.integers(0, 60)
later = st.one_of(st.integers(40, 75), st.integers(50, 90), days)  # mostly after the item
sel = st.integers(0, 10**4)  # an id selector (see Names)
custs = pick(("C0", 6), ("C1", 6), ("C2", 6), ("C9", 1), ("C 9", 1))
allocs = st.one_of(st.just([]), st.just([]),
                   st.lists(st.tuples(sel, st.integers(1, 400)), min_size=1, max_size=3))
strategies = pick((0, 6), (1, 1), (EXPLICIT, 1), (LEAVE, 1), (NEWEST, 1))
currencies = pick(("ACCOUNT", 12), ("USD", 1), ("EUR", 1), ("XXX", 1), ("", 1))
ARGS = {
    "open": st.tuples(st.sampled_from(list(CUSTOMERS)), pick((0, 3), (20, 1)),
                      pick(("ACCOUNT", 5), ("XXX", 1))),
    "invoice": st.tuples(sel, custs, st.integers(0, 40), pick((None, 9), (0, 1)),
                         st.integers(1, 1000), st.one_of(st.none(), st.integers(0, 40)),
                         currencies),
    "pay": st.tuples(sel, custs, st.integers(0, 700), currencies, st.integers(5, 60),
                     pick((0, 4), (1, 1), (EXPLICIT, 1), (LEAVE, 3), (NEWEST, 1)), allocs),
    "allocate": st.tuples(sel, later, strategies, allocs),
    "reverse": st.tuples(sel, later),
    "credit": st.tuples(sel, custs, st.integers(1, 500), currencies, days,
                        st.one_of(st.none(), sel)),
    "allocate_credit": st.tuples(sel, later, strategies, allocs),
    "dispute": st.tuples(sel, sel, st.integers(1, 500), later),
    "resolve": st.tuples(sel, st.sampled_from([1, 2, 3]),
                         st.tuples(pick(("fit", 6), ("zero", 1), ("all", 1), ("part", 1),
                                        ("any", 1)), st.integers(0, 300)), sel, later,
                         pick(("ann", 6), ("", 1))),
    "write_off": st.tuples(sel, later, pick((0, 1), (50, 1), (300, 1)), pick(("ann", 6), ("", 1))),
    "void": st.tuples(sel, later, pick(("entered twice", 6), ("", 1))),
    "close": st.tuples(custs, days),
}
# Invoices and payments dominate, as they do in a real ledger.
ops = pick(("invoice", 16), ("pay", 14), ("allocate", 4), ("reverse", 3), ("credit", 4),
           ("allocate_credit", 3), ("dispute", 4), ("resolve", 4), ("write_off", 2),
           ("void", 2), ("close", 1), ("open", 2)).flatmap(
    lambda kind: ARGS[kind].map(lambda args: (kind, *args)))


def to_proto(op: tuple, rid: str, names: Names) -> tuple[pb.Command, callable]:
    """The command for the engine and the same decision for the model."""
    kind, args = op[0], op[1:]

    def cur_of(c: str, cur: str) -> str:
        return CUSTOMERS.get(c, ("EUR",))[0] if cur == "ACCOUNT" else cur

    def allocations(al: list, customer: str | None) -> tuple[list, list[pb.Allocation]]:
        al = [(names.ref("I", k, customer), x) for k, x in al]
        return al, [pb.Allocation(invoice_id=i, amount_minor=x) for i, x in al]

    if kind == "open":
        c, d, cur = args
        cur = cur_of(c, cur)
        return (pb.Command(open_customer=pb.OpenCustomerRequest(
            request_id=rid, customer_id=c, name=c, currency=cur,
            payment_terms_net_days=CUSTOMERS[c][1], opened_date=iso(d))),
            lambda m: m.open_customer(c, cur, d))
    if kind == "invoice":
        k, c, d, a0, a, due_off, cur = args
        inv, cur, a = names.new("I", k), cur_of(c, cur), a if a0 is None else a0  # 0 at times
        due = None if due_off is None else d + due_off - 5  # sometimes before the issue date
        return (pb.Command(issue_invoice=pb.IssueInvoiceRequest(
            request_id=rid, invoice_id=inv, customer_id=c, issue_date=iso(d), amount_minor=a,
            currency=cur, due_date="" if due is None else iso(due))),
            lambda m: m.issue_invoice(inv, c, d, a, due, cur))
    if kind == "pay":
        k, c, a, cur, d, strategy, al = args
        p, cur, (al, pal) = names.new("P", k), cur_of(c, cur), allocations(al, c)
        return (pb.Command(record_payment=pb.RecordPaymentRequest(
            request_id=rid, payment_id=p, customer_id=c, amount_minor=a, currency=cur,
            method=pb.BANK_TRANSFER, value_date=iso(d), strategy=strategy, allocations=pal)),
            lambda m: m.record_payment(p, c, a, cur, d, strategy, al))
    if kind == "allocate":
        k, d, strategy, al = args
        p = names.ref("P", k)
        al, pal = allocations(al, names.model().payments.get(p, {}).get("cust"))
        return (pb.Command(allocate_payment=pb.AllocatePaymentRequest(
            request_id=rid, payment_id=p, effective_date=iso(d), strategy=strategy,
            allocations=pal)), lambda m: m.allocate_payment(p, d, strategy, al))
    if kind == "reverse":
        k, d = args
        p = names.ref("P", k)
        return (pb.Command(reverse_payment=pb.ReversePaymentRequest(
            request_id=rid, payment_id=p, effective_date=iso(d),
            reversal_reason=pb.CHARGEBACK)), lambda m: m.reverse_payment(p, d))
    if kind == "credit":
        k, c, a, cur, d, ki = args
        n, cur = names.new("N", k), cur_of(c, cur)
        inv = None if ki is None else names.ref("I", ki, c)
        return (pb.Command(issue_credit_note=pb.IssueCreditNoteRequest(
            request_id=rid, credit_note_id=n, customer_id=c, amount_minor=a, currency=cur,
            issue_date=iso(d), invoice_id=inv or "", reason_code="PRICING")),
            lambda m: m.issue_credit_note(n, c, a, cur, d, inv))
    if kind == "allocate_credit":
        k, d, strategy, al = args
        n = names.ref("N", k)
        al, pal = allocations(al, names.model().credits.get(n, {}).get("cust"))
        return (pb.Command(allocate_credit_note=pb.AllocateCreditNoteRequest(
            request_id=rid, credit_note_id=n, effective_date=iso(d), strategy=strategy,
            allocations=pal)), lambda m: m.allocate_credit_note(n, d, strategy, al))
    if kind == "dispute":
        k, ki, a, d = args
        dsp, inv = names.new("D", k), names.ref("I", ki)
        return (pb.Command(open_dispute=pb.OpenDisputeRequest(
            request_id=rid, dispute_id=dsp, invoice_id=inv, amount_minor=a,
            reason_code="PRICING", opened_date=iso(d))),
            lambda m: m.open_dispute(dsp, inv, a, d))
    if kind == "resolve":
        k, outcome, credited, kn, d, actor = args
        dsp, n = names.ref("D", k, "open"), names.new("N", kn)
        disputed = names.model().disputes.get(dsp, {}).get("amount", 0)
        how = {"fit": {1: "zero", 2: "zero", 3: "part"}[outcome]}.get(credited[0], credited[0])
        credited = {"zero": 0, "all": disputed, "part": disputed // 2}.get(how, credited[1])
        return (pb.Command(resolve_dispute=pb.ResolveDisputeRequest(
            request_id=rid, actor=actor, reason="reviewed", dispute_id=dsp, outcome=outcome,
            credited_amount_minor=credited, credit_note_id=n, resolved_date=iso(d))),
            lambda m: m.resolve_dispute(dsp, outcome, credited, n, d, actor))
    if kind == "write_off":
        k, d, a, actor = args
        inv = names.ref("I", k)
        return (pb.Command(write_off_invoice=pb.WriteOffInvoiceRequest(
            request_id=rid, invoice_id=inv, effective_date=iso(d), amount_minor=a,
            actor=actor, reason="uncollectible")), lambda m: m.write_off(inv, d, a, actor))
    if kind == "void":
        k, d, reason = args
        inv = names.ref("I", k)
        return (pb.Command(void_invoice=pb.VoidInvoiceRequest(
            request_id=rid, invoice_id=inv, effective_date=iso(d), reason=reason)),
            lambda m: m.void(inv, d, reason))
    c, d = args
    return (pb.Command(close_customer=pb.CloseCustomerRequest(
        request_id=rid, customer_id=c, effective_date=iso(d))),
        lambda m: m.close_customer(c, d))


# Reasons whose exact text is compared (every one the model raises, so all of them).
CHECKED_REASONS = {
    "MALFORMED_ID", "UNKNOWN_CURRENCY", "CURRENCY_MISMATCH", "AMOUNT_NOT_POSITIVE",
    "CUSTOMER_NOT_FOUND", "INVOICE_NOT_FOUND", "PAYMENT_NOT_FOUND", "CREDIT_NOTE_NOT_FOUND",
    "DISPUTE_NOT_FOUND", "CUSTOMER_EXISTS", "DUPLICATE_INVOICE_NUMBER", "PAYMENT_EXISTS",
    "CREDIT_NOTE_EXISTS", "DISPUTE_EXISTS", "CUSTOMER_CLOSED", "CUSTOMER_HAS_OPEN_BALANCE",
    "INVOICE_VOIDED", "INVOICE_HAS_APPLIED_MONEY", "INVOICE_DISPUTED", "DATE_BEFORE_ORIGIN",
    "DUE_BEFORE_ISSUE", "ALLOCATION_EXCEEDS_OPEN", "ALLOCATION_EXCEEDS_AMOUNT",
    "DUPLICATE_ALLOCATION", "ALLOCATIONS_NOT_ALLOWED", "INVOICE_OF_OTHER_CUSTOMER",
    "NOTHING_TO_ALLOCATE", "NOTHING_UNAPPLIED", "PAYMENT_REVERSED", "CREDIT_EXCEEDS_OPEN",
    "DISPUTE_EXCEEDS_OPEN", "DISPUTE_NOT_OPEN", "CREDIT_AMOUNT_INVALID", "NOTHING_OPEN",
    "WRITE_OFF_EXCEEDS_OPEN", "ACTOR_REQUIRED", "REASON_REQUIRED", "MISSING_FIELD",
    "INVALID_ENUM", "REQUEST_ID_REUSED", "ATOMIC_BATCH_ABORTED", "DATE_BEFORE_REOPENING",
}


def expect_batch(model: Model, requests: dict, batch: list, atomic: bool, head: int):
    """What the engine must answer for one batch; updates model and requests in place.

    requests: request id -> (payload bytes, first position, entry count) of accepted commands.
    Returns (expected outcomes, new head position, new model, new requests).
    """
    saved = copy.deepcopy((model, requests))
    pos, expected = head, []
    for cmd, decide in batch:
        rid = getattr(cmd, cmd.WhichOneof("command")).request_id
        payload = cmd.SerializeToString(deterministic=True)
        if rid in requests:
            if requests[rid][0] != payload:
                expected.append(("REJECTED", "REQUEST_ID_REUSED", None, None))
            else:
                expected.append(("DUPLICATE", None, requests[rid][1], None))
            continue
        try:
            count, allocations = decide(model)
        except Reject as r:
            expected.append(("REJECTED", r.reason, None, None))
            continue
        requests[rid] = (payload, pos + 1, count)
        expected.append(("ACCEPTED", None, pos + 1, allocations))
        pos += count
    if atomic and any(s == "REJECTED" for s, *_ in expected):
        model, requests = saved
        expected = [("REJECTED", "ATOMIC_BATCH_ABORTED", None, None)
                    if s == "ACCEPTED" or (s == "DUPLICATE" and p > head) else (s, r, p, a)
                    for s, r, p, a in expected]
        pos = head
    if pos > head:
        model.seq += 1
    return expected, pos, model, requests


def check_views(S, model: Model, known: int) -> None:
    for as_of in AS_OF_DAYS:
        day = START_DAY + as_of
        for edges in EDGE_SETS:
            totals: dict[str, list] = {}
            for c, cu in model.customers.items():
                want = model.view(c, as_of, known, edges)
                assert all(v >= 0 if kind == "INVOICE" else v <= 0
                           for (kind, _), v in want["items"].items()), (c, as_of, known, want)
                ix = S.customer_ix[c]
                got = views.balance(S, ix, day, known)
                for key in ("open_minor", "overdue_minor", "unapplied_cash_minor",
                            "unapplied_credit_minor", "disputed_minor", "balance_minor"):
                    assert getattr(got, key) == want[key], (c, as_of, known, key, got, want)
                (row,) = views.aging(S, ix, day, known, edges).rows
                assert row.buckets_minor == want["buckets"], (c, as_of, known, edges)
                assert row.disputed_minor == want["disputed_minor"]
                assert sum(row.buckets_minor) + row.unapplied_minor == \
                    row.balance_minor == want["balance_minor"]
                items = {(i.kind, i.item_id): i.open_minor
                         for i in views.open_items(S, ix, day, known)}
                assert items == want["items"], (c, as_of, known)
                t = totals.setdefault(cu["cur"], [[0] * (len(edges) + 2), 0, 0, 0])
                t[0] = [a + b for a, b in zip(t[0], want["buckets"])]
                t[1] -= want["unapplied_cash_minor"] + want["unapplied_credit_minor"]
                t[2] += want["disputed_minor"]
                t[3] += want["count"]
            # The portfolio report: one row per currency with anything open or unapplied.
            want_rows = {cur: (b, u, d) for cur, (b, u, d, n) in totals.items()
                         if n or u or any(b)}
            got_rows = {r.currency: (r.buckets_minor, r.unapplied_minor, r.disputed_minor)
                        for r in views.aging(S, None, day, known, edges).rows}
            assert got_rows == want_rows, (as_of, known, edges)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(stream=st.lists(st.tuples(ops, pick((None, 16), ("reuse", 2), ("again", 1)),
                                 st.integers(0, 10**6)), min_size=20, max_size=90),
       cuts=st.lists(st.integers(1, 8), min_size=30, max_size=30),
       atomic=st.lists(pick((False, 4), (True, 1)), min_size=30, max_size=30),
       preopen=pick((True, 5), (False, 1)),
       retries=st.lists(st.integers(0, 10**6), max_size=8))
def test_engine_and_reference_model_agree_on_decisions_balances_and_aging(
        tmp_path_factory, stream, cuts, atomic, preopen, retries):
    ticks = itertools.count(1_790_000_000_000_000, 1_000)
    ledger = open_ledger(tmp_path_factory.mktemp("prop"), clock=lambda: next(ticks))
    model: Model = Model()
    requests: dict = {}
    # Most streams start with every customer open, an invoice or two, some unapplied cash and
    # credit and a dispute; the others have commands that arrive before their customer.
    stream = [(op, None, 0) for c in CUSTOMERS if preopen for op in (
        ("open", c, 0, "ACCOUNT"), ("invoice", 0, c, 0, None, 500, None, "ACCOUNT"),
        ("invoice", 0, c, 3, None, 300, 10, "ACCOUNT"), ("pay", 0, c, 200, "ACCOUNT", 5, LEAVE, []),
        ("credit", 0, c, 100, "ACCOUNT", 5, None), ("dispute", 0, 0, 50, 10))] + stream
    names = Names(lambda: model)
    # Client retries: the very same command (request id and payload) again, either one of
    # the last few ("again", often in the same batch) or any, at the end.
    stream += [(None, "retry", k) for k in retries]
    sent: list = []
    try:
        i = k = head = 0
        while i < len(stream):
            batch, is_atomic = [], atomic[k % len(atomic)]
            for op, mode, sel in stream[i:i + cuts[k % len(cuts)]]:
                n = len(sent)
                if mode == "retry" or mode == "again" and n:
                    batch.append(sent[sel % n] if mode == "retry" else sent[-1 - sel % min(n, 3)])
                else:  # "reuse": an earlier request id, now with (most likely) another payload
                    batch.append(to_proto(op, f"r{sel % n}" if mode == "reuse" and n else
                                          f"r{n}", names))
                sent.append(batch[-1])
            i, k = i + len(batch), k + 1
            outs = ledger.submit([c for c, _ in batch], atomic=is_atomic)
            expected, head, model, requests = expect_batch(model, requests, batch, is_atomic,
                                                           head)
            for (status, reason, position, allocations), out, (cmd, _) in zip(expected, outs,
                                                                             batch):
                where = (cmd, out, reason)
                assert out.status == status, where
                if reason in CHECKED_REASONS:
                    assert out.error.reason == reason, where
                if position is not None:
                    assert out.position == position, where
                if allocations is not None:
                    assert out.allocations == allocations, where
            assert ledger.state.head_position == head
            assert ledger.state.head_seq == model.seq
        with ledger.reading() as S:
            for known in sorted({model.seq, model.seq // 2, model.seq // 4}):
                check_views(S, model, known)
    finally:
        ledger.close()
