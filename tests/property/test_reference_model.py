"""Random command streams through the engine and through a tiny reference model agree.

The model below is written from docs/design.md and the domain page only (plain
dicts and lists, no engine code): it decides accept/reject, keeps every money
movement with its effective day, and answers balances and aging as of any day.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arledger.engine import open_ledger
from arledger.projections import views
from arledger.v1 import commands_pb2 as pb

START = dt.date(2026, 1, 1)
START_DAY = (START - dt.date(1970, 1, 1)).days  # the engine counts days from 1970-01-01
CUSTOMERS = {"C0": "EUR", "C1": "EUR", "C2": "USD"}
INVOICES = [f"I{i}" for i in range(8)]
PAYMENTS = [f"P{i}" for i in range(10)]
CREDITS = [f"N{i}" for i in range(3)]
EDGES = (30, 60, 90, 120)


def iso(day: int) -> str:
    return (START + dt.timedelta(days=day)).isoformat()


class Reject(Exception):
    def __init__(self, *reasons: str) -> None:
        self.reasons = set(reasons)


class Model:
    def __init__(self) -> None:
        self.customers: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}   # cust, amount, issue, due, voided, n, moves
        self.payments: dict[str, dict] = {}   # cust, amount, day, reversed, moves, applied, last
        self.credits: dict[str, dict] = {}
        self.n = 0

    @staticmethod
    def total(moves: list[tuple[int, int]], as_of: int | None = None) -> int:
        return sum(a for d, a in moves if as_of is None or d <= as_of)

    def open_of(self, inv: str) -> int:
        return self.total(self.invoices[inv]["moves"])

    # -- decisions --
    def open_customer(self, c: str, day: int) -> None:
        if c in self.customers:
            raise Reject("CUSTOMER_EXISTS")
        self.customers[c] = {"currency": CUSTOMERS[c], "opened": day}

    def customer(self, c: str) -> dict:
        if c not in self.customers:
            raise Reject("CUSTOMER_NOT_FOUND")
        return self.customers[c]

    def issue_invoice(self, inv: str, c: str, day: int, amount: int, due: int | None) -> None:
        cu = self.customer(c)
        if day < cu["opened"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        if due is not None and due < day:
            raise Reject("DUE_BEFORE_ISSUE")
        if inv in self.invoices:
            raise Reject("DUPLICATE_INVOICE_NUMBER")
        self.n += 1
        self.invoices[inv] = {"cust": c, "amount": amount, "issue": day,
                              "due": day + 30 if due is None else due, "voided": False,
                              "n": self.n, "moves": [(day, amount)]}

    def live_invoice(self, inv: str) -> dict:
        if inv not in self.invoices:
            raise Reject("INVOICE_NOT_FOUND")
        if self.invoices[inv]["voided"]:
            raise Reject("INVOICE_VOIDED")
        return self.invoices[inv]

    def plan(self, c: str, available: int, day: int, allocs: list[tuple[str, int]] | None,
             required: bool) -> list[tuple[str, int]]:
        if allocs:
            seen, total, plan = set(), 0, []
            for inv, a in allocs:
                i = self.live_invoice(inv)
                if inv in seen:
                    raise Reject("DUPLICATE_ALLOCATION")
                seen.add(inv)
                if i["cust"] != c:
                    raise Reject("INVOICE_OF_OTHER_CUSTOMER")
                if i["issue"] > day:
                    raise Reject("DATE_BEFORE_ORIGIN")
                if a > self.open_of(inv):
                    raise Reject("ALLOCATION_EXCEEDS_OPEN")
                total += a
                plan.append((inv, a))
            if total > available:
                raise Reject("ALLOCATION_EXCEEDS_AMOUNT")
            return plan
        cands = sorted((i["due"], i["issue"], i["n"], inv) for inv, i in self.invoices.items()
                       if i["cust"] == c and not i["voided"] and i["issue"] <= day
                       and self.open_of(inv) > 0)
        plan, left = [], available
        for *_, inv in cands:
            if not left:
                break
            a = min(self.open_of(inv), left)
            plan.append((inv, a))
            left -= a
        if required and not plan:
            raise Reject("NOTHING_TO_ALLOCATE")
        return plan

    def apply(self, src: dict, plan: list[tuple[str, int]], day: int) -> None:
        for inv, a in plan:
            self.invoices[inv]["moves"].append((day, -a))
            src["moves"].append((day, -a))
            if "applied" in src:
                src["applied"][inv] = src["applied"].get(inv, 0) + a
                src["last"] = max(src["last"], day)

    def record_payment(self, p: str, c: str, amount: int, cur: str, day: int,
                       allocs: list[tuple[str, int]] | None, leave: bool) -> None:
        cu = self.customer(c)
        if cur != cu["currency"]:
            raise Reject("CURRENCY_MISMATCH")
        if day < cu["opened"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        if p in self.payments:
            raise Reject("PAYMENT_EXISTS")
        plan = [] if leave and not allocs else self.plan(c, amount, day, allocs, False)
        pay = {"cust": c, "amount": amount, "day": day, "reversed": False,
               "moves": [(day, amount)], "applied": {}, "last": day}
        self.payments[p] = pay
        self.apply(pay, plan, day)

    def allocate_payment(self, p: str, day: int, allocs: list[tuple[str, int]] | None) -> None:
        if p not in self.payments:
            raise Reject("PAYMENT_NOT_FOUND")
        pay = self.payments[p]
        if pay["reversed"]:
            raise Reject("PAYMENT_REVERSED")
        if day < pay["day"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        un = self.total(pay["moves"])
        if un <= 0:
            raise Reject("NOTHING_UNAPPLIED")
        self.apply(pay, self.plan(pay["cust"], un, day, allocs, True), day)

    def reverse_payment(self, p: str, day: int) -> None:
        if p not in self.payments:
            raise Reject("PAYMENT_NOT_FOUND")
        pay = self.payments[p]
        if pay["reversed"]:
            raise Reject("PAYMENT_REVERSED")
        if day < max(pay["day"], pay["last"]):
            raise Reject("DATE_BEFORE_ORIGIN")
        for inv, a in pay["applied"].items():
            self.invoices[inv]["moves"].append((day, a))
            pay["moves"].append((day, a))
        pay["moves"].append((day, -pay["amount"]))
        pay["reversed"] = True

    def issue_credit_note(self, n: str, c: str, amount: int, day: int, inv: str | None) -> None:
        cu = self.customer(c)
        if day < cu["opened"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        if inv is not None:
            i = self.live_invoice(inv)
            if i["cust"] != c:
                raise Reject("INVOICE_OF_OTHER_CUSTOMER")
            if i["issue"] > day:
                raise Reject("DATE_BEFORE_ORIGIN")
            if amount > self.open_of(inv):
                raise Reject("CREDIT_EXCEEDS_OPEN")
        if n in self.credits:
            raise Reject("CREDIT_NOTE_EXISTS")
        cn = {"cust": c, "moves": [(day, amount)]}
        self.credits[n] = cn
        if inv is not None:
            self.apply(cn, [(inv, amount)], day)

    def write_off(self, inv: str, day: int, amount: int) -> None:
        i = self.live_invoice(inv)
        if day < i["issue"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        open_ = self.open_of(inv)
        if open_ <= 0:
            raise Reject("NOTHING_OPEN")
        amount = amount or open_
        if amount > open_:
            raise Reject("WRITE_OFF_EXCEEDS_OPEN")
        i["moves"].append((day, -amount))

    def void(self, inv: str, day: int) -> None:
        i = self.live_invoice(inv)
        if self.open_of(inv) != i["amount"]:
            raise Reject("INVOICE_HAS_APPLIED_MONEY")
        if day < i["issue"]:
            raise Reject("DATE_BEFORE_ORIGIN")
        i["moves"].append((day, -i["amount"]))
        i["voided"] = True

    # -- views --
    def open_items(self, c: str, as_of: int) -> dict[tuple[str, str], int]:
        out = {}
        for kind, table, sign in (("INVOICE", self.invoices, 1), ("PAYMENT", self.payments, -1),
                                  ("CREDIT_NOTE", self.credits, -1)):
            for key, item in table.items():
                amount = self.total(item["moves"], as_of)
                if item["cust"] == c and amount:
                    out[(kind, key)] = sign * amount
        return out

    def balance(self, c: str, as_of: int) -> dict:
        open_ = overdue = 0
        buckets = [0] * (len(EDGES) + 2)
        for i in self.invoices.values():
            if i["cust"] != c:
                continue
            o = self.total(i["moves"], as_of)
            open_ += o
            days = as_of - i["due"]
            if days > 0:
                overdue += o
            b = 0 if days <= 0 else next((k + 1 for k, e in enumerate(EDGES) if days <= e),
                                         len(EDGES) + 1)
            buckets[b] += o
        cash = sum(self.total(p["moves"], as_of) for p in self.payments.values()
                   if p["cust"] == c)
        credit = sum(self.total(n["moves"], as_of) for n in self.credits.values()
                     if n["cust"] == c)
        return {"open_minor": open_, "overdue_minor": overdue, "unapplied_cash_minor": cash,
                "unapplied_credit_minor": credit, "balance_minor": open_ - cash - credit,
                "buckets": buckets}


# ---- commands: (model call, protobuf) -------------------------------------------------

days = st.integers(0, 60)
amounts = st.integers(1, 1000)
allocs = st.lists(st.tuples(st.sampled_from(INVOICES), st.integers(1, 400)), max_size=2)

open_op = st.tuples(st.just("open"), st.sampled_from(list(CUSTOMERS)), days)
invoice_op = st.tuples(st.just("invoice"), st.sampled_from(INVOICES),
                       st.sampled_from(list(CUSTOMERS)), st.integers(0, 40), amounts,
                       st.one_of(st.none(), st.integers(0, 40)))
pay_op = st.tuples(st.just("pay"), st.sampled_from(PAYMENTS), st.sampled_from(list(CUSTOMERS)),
                   st.integers(1, 1500), st.sampled_from(["ACCOUNT"] * 4 + ["USD"]),
                   st.integers(10, 60), st.one_of(st.just([]), allocs), st.booleans())
# Invoices and payments dominate, as they do in a real ledger.
ops = st.one_of(
    open_op, invoice_op, invoice_op, invoice_op, pay_op, pay_op, pay_op,
    st.tuples(st.just("allocate"), st.sampled_from(PAYMENTS), days, allocs),
    st.tuples(st.just("reverse"), st.sampled_from(PAYMENTS), days),
    st.tuples(st.just("credit"), st.sampled_from(CREDITS), st.sampled_from(list(CUSTOMERS)),
              amounts, days, st.one_of(st.none(), st.sampled_from(INVOICES))),
    st.tuples(st.just("write_off"), st.sampled_from(INVOICES), days, st.integers(0, 300)),
    st.tuples(st.just("void"), st.sampled_from(INVOICES), days),
)


def to_proto(op: tuple, rid: str) -> tuple[pb.Command, callable]:
    kind = op[0]
    if kind == "open":
        _, c, d = op
        return (pb.Command(open_customer=pb.OpenCustomerRequest(
            request_id=rid, customer_id=c, name=c, currency=CUSTOMERS[c],
            payment_terms_net_days=30, opened_date=iso(d))),
            lambda m: m.open_customer(c, d))
    if kind == "invoice":
        _, inv, c, d, a, due_off = op
        due = None if due_off is None else d + due_off - 5  # sometimes before the issue date
        return (pb.Command(issue_invoice=pb.IssueInvoiceRequest(
            request_id=rid, invoice_id=inv, customer_id=c, issue_date=iso(d), amount_minor=a,
            due_date="" if due is None else iso(due))),
            lambda m: m.issue_invoice(inv, c, d, a, due))
    if kind == "pay":
        _, p, c, a, cur, d, al, leave = op
        cur = CUSTOMERS[c] if cur == "ACCOUNT" else cur
        strategy = pb.LEAVE_UNAPPLIED if leave and not al else pb.ALLOCATION_STRATEGY_UNSPECIFIED
        return (pb.Command(record_payment=pb.RecordPaymentRequest(
            request_id=rid, payment_id=p, customer_id=c, amount_minor=a, currency=cur,
            method=pb.BANK_TRANSFER, value_date=iso(d), strategy=strategy,
            allocations=[pb.Allocation(invoice_id=i, amount_minor=x) for i, x in al])),
            lambda m: m.record_payment(p, c, a, cur, d, al, leave))
    if kind == "allocate":
        _, p, d, al = op
        return (pb.Command(allocate_payment=pb.AllocatePaymentRequest(
            request_id=rid, payment_id=p, effective_date=iso(d),
            allocations=[pb.Allocation(invoice_id=i, amount_minor=x) for i, x in al])),
            lambda m: m.allocate_payment(p, d, al))
    if kind == "reverse":
        _, p, d = op
        return (pb.Command(reverse_payment=pb.ReversePaymentRequest(
            request_id=rid, payment_id=p, effective_date=iso(d),
            reversal_reason=pb.CHARGEBACK)), lambda m: m.reverse_payment(p, d))
    if kind == "credit":
        _, n, c, a, d, inv = op
        return (pb.Command(issue_credit_note=pb.IssueCreditNoteRequest(
            request_id=rid, credit_note_id=n, customer_id=c, amount_minor=a,
            currency=CUSTOMERS[c], issue_date=iso(d), invoice_id=inv or "")),
            lambda m: m.issue_credit_note(n, c, a, d, inv))
    if kind == "write_off":
        _, inv, d, a = op
        return (pb.Command(write_off_invoice=pb.WriteOffInvoiceRequest(
            request_id=rid, invoice_id=inv, effective_date=iso(d), amount_minor=a,
            actor="ann", reason="uncollectible")), lambda m: m.write_off(inv, d, a))
    _, inv, d = op
    return (pb.Command(void_invoice=pb.VoidInvoiceRequest(
        request_id=rid, invoice_id=inv, effective_date=iso(d), reason="entered twice")),
        lambda m: m.void(inv, d))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(stream=st.lists(ops, min_size=10, max_size=80), cuts=st.lists(st.integers(1, 8), min_size=30,
                                                                    max_size=30),
       atomic=st.lists(st.booleans(), min_size=30, max_size=30),
       retries=st.lists(st.integers(0, 200), max_size=6))
def test_engine_and_reference_model_agree_on_decisions_balances_and_aging(
        tmp_path_factory, stream, cuts, atomic, retries):
    ticks = itertools.count(1_790_000_000_000_000, 1_000)
    ledger = open_ledger(tmp_path_factory.mktemp("prop"), clock=lambda: next(ticks))
    model = Model()
    # Every customer exists in most streams; some commands arrive before their customer.
    stream = [("open", c, 0) for c in CUSTOMERS if len(stream) % 4] + stream
    cmds = [to_proto(op, f"r{n}") for n, op in enumerate(stream)]
    # Client retries: the same request again, which must come back DUPLICATE (or the same
    # rejection if the original was rejected, since a rejection writes nothing).
    for r in retries:
        if cmds:
            cmds.append(cmds[r % len(cmds)])
    try:
        i = k = 0
        seen: dict[str, str] = {}
        while i < len(cmds):
            batch = cmds[i:i + cuts[k % len(cuts)]]
            is_atomic = atomic[k % len(atomic)]
            i += len(batch)
            k += 1
            outs = ledger.submit([c for c, _ in batch], atomic=is_atomic)
            saved = copy.deepcopy(model)
            expected = []
            for cmd, decide in batch:
                rid = getattr(cmd, cmd.WhichOneof("command")).request_id
                if rid in seen:  # accepted before, or earlier in this batch: the original result
                    expected.append(("DUPLICATE" if seen[rid] == "ACCEPTED" else "PENDING_DUP",
                                     None))
                    continue
                try:
                    decide(model)
                    expected.append(("ACCEPTED", None))
                    seen[rid] = "PENDING"
                except Reject as r:
                    expected.append(("REJECTED", r.reasons))
            if is_atomic and any(s == "REJECTED" for s, _ in expected):
                model = saved
                expected = [(s, rs) if s not in ("ACCEPTED", "PENDING_DUP")
                             else ("REJECTED", {"ATOMIC_BATCH_ABORTED"}) for s, rs in expected]
                for rid in [r for r, v in seen.items() if v == "PENDING"]:
                    del seen[rid]
            expected = [("DUPLICATE", None) if s == "PENDING_DUP" else (s, rs)
                        for s, rs in expected]
            for rid in [r for r, v in seen.items() if v == "PENDING"]:
                seen[rid] = "ACCEPTED"
            for (status, reasons), out in zip(expected, outs):
                assert out.status == status, (out, reasons)
                if reasons:
                    assert out.error.reason in reasons, (out.error, reasons)
        with ledger.reading() as S:
            for c in model.customers:
                ix = S.customer_ix[c]
                for as_of in (0, 15, 31, 45, 61, 100, 200):
                    want = model.balance(c, as_of)
                    got = views.balance(S, ix, START_DAY + as_of, S.head_seq)
                    for key in ("open_minor", "overdue_minor", "unapplied_cash_minor",
                                "unapplied_credit_minor", "balance_minor"):
                        assert got[key] == want[key], (c, as_of, key, got, want)
                    rep = views.aging(S, ix, START_DAY + as_of, S.head_seq, EDGES)
                    (row,) = rep["rows"]
                    assert row["buckets_minor"] == want["buckets"], (c, as_of)
                    assert sum(row["buckets_minor"]) + row["unapplied_minor"] == \
                        row["balance_minor"] == want["balance_minor"]
                    # Item by item: which invoice the money went to, not only the totals.
                    items = {(i["kind"], i["item_id"]): i["open_minor"]
                             for i in views.open_items(S, ix, START_DAY + as_of, S.head_seq)}
                    assert items == model.open_items(c, as_of), (c, as_of)
    finally:
        ledger.close()
