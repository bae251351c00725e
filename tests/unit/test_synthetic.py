"""The synthetic portfolio: deterministic, in effective-date order, never against a ledger rule,
and with the customer mix it promises. Checked by a small replay written from the rules, not
from the generator."""

import collections
import datetime as dt
import re
import statistics
import time

import pytest

from arledger import synthetic
from arledger.v1 import commands_pb2 as pb

ID = re.compile(r"[A-Za-z0-9._:/@-]{1,64}")
MAX = 10**15
DATE_FIELD = {"open_customer": "opened_date", "update_customer": "effective_date",
              "close_customer": "effective_date", "issue_invoice": "issue_date",
              "void_invoice": "effective_date", "record_payment": "value_date",
              "allocate_payment": "effective_date", "reverse_payment": "effective_date",
              "issue_credit_note": "issue_date", "allocate_credit_note": "effective_date",
              "open_dispute": "opened_date", "resolve_dispute": "resolved_date",
              "write_off_invoice": "effective_date"}
MIX_SPEC = synthetic.PortfolioSpec(customers=2000, seed=11)


def day(text: str) -> int:
    assert len(text) == 10 and text[4] == "-" and text[7] == "-", text
    return dt.date.fromisoformat(text).toordinal()


def body(cmd: pb.Command):
    kind = cmd.WhichOneof("command")
    return kind, getattr(cmd, kind)


class Replay:
    """Keeps open amounts per invoice and asserts every rule the ledger would enforce."""

    def __init__(self) -> None:
        self.customers: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}
        self.credits: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.request_ids: set[str] = set()
        self.last_day = 0
        self.kinds: collections.Counter = collections.Counter()
        # What each customer did, for the mix.
        self.first_paid_late: dict[str, list[int]] = collections.defaultdict(list)
        self.short_payers: set[str] = set()
        self.disputers: set[str] = set()
        self.written_off_in_full: set[str] = set()
        self.last_payment: dict[str, int] = {}
        self.reversals: list[tuple[int, int, set[str]]] = []  # (day, position, invoices)
        self.paid_at: list[tuple[str, int]] = []  # (invoice, position) of every payment

    # ---- helpers ----------------------------------------------------------------------------

    def amount(self, value: int) -> int:
        assert 0 < value <= MAX, value
        return value

    def customer(self, cid: str, currency: str | None, d: int) -> dict:
        c = self.customers[cid]
        assert currency is None or currency == c["currency"], (cid, currency)
        assert d >= c["opened"], f"{cid}: before the account opened"
        return c

    def plan(self, cid: str, available: int, d: int, strategy: int, given) -> list:
        """(invoice, amount) a payment or credit applies, as the ledger decides it."""
        if given or strategy == pb.EXPLICIT:
            assert given and strategy in (pb.ALLOCATION_STRATEGY_UNSPECIFIED, pb.EXPLICIT)
            seen, total, out = set(), 0, []
            for a in given:
                inv = self.invoices[a.invoice_id]
                assert a.invoice_id not in seen
                seen.add(a.invoice_id)
                assert inv["customer"] == cid and not inv["void"]
                assert inv["issue"] <= d, f"{a.invoice_id}: allocated before its issue date"
                assert 0 < a.amount_minor <= inv["open"], \
                    f"{a.invoice_id}: {a.amount_minor} allocated, {inv['open']} open"
                total += a.amount_minor
                out.append((inv, a.amount_minor))
            assert total <= available, f"allocations {total} > {available} available"
            return out
        if strategy == pb.LEAVE_UNAPPLIED:
            return []
        assert strategy in (pb.ALLOCATION_STRATEGY_UNSPECIFIED, pb.OLDEST_DUE_FIRST)
        cands = sorted((i for i in self.invoices.values() if i["customer"] == cid
                        and i["open"] > 0 and not i["void"] and i["issue"] <= d),
                       key=lambda i: (i["due"], i["issue"], i["n"]))
        out = []
        for inv in cands:
            if not available:
                break
            amt = min(inv["open"], available)
            out.append((inv, amt))
            available -= amt
        return out

    def apply(self, plan: list, payment: str | None, d: int, value_day: int) -> int:
        for inv, amt in plan:
            assert inv["open"] - amt >= inv["disputed"], \
                f"{inv['id']}: money applied to the disputed part"
            inv["open"] -= amt
            if payment is not None:
                if inv["first_paid"] is None:
                    inv["first_paid"] = value_day
                    self.first_paid_late[inv["customer"]].append(value_day - inv["due"])
                self.payments[payment]["allocs"][inv["id"]] += amt
                self.paid_at.append((inv["id"], len(self.request_ids)))
        return sum(a for _, a in plan)

    # ---- commands ---------------------------------------------------------------------------

    def __call__(self, cmd: pb.Command) -> None:
        kind, m = body(cmd)
        assert ID.fullmatch(m.request_id) and m.request_id not in self.request_ids
        self.request_ids.add(m.request_id)
        assert m.actor == "synthetic"
        d = day(getattr(m, DATE_FIELD[kind]))
        assert d >= self.last_day, f"{m.request_id}: effective dates go backwards"
        self.last_day = d
        self.kinds[kind] += 1
        getattr(self, kind)(m, d)

    def open_customer(self, m, d):
        assert ID.fullmatch(m.customer_id) and m.customer_id not in self.customers
        assert m.name and m.currency in ("EUR", "USD", "GBP", "JPY", "KWD")
        assert m.payment_terms_net_days in (14, 30, 45, 60)
        assert 0 <= m.credit_limit_minor <= MAX
        self.customers[m.customer_id] = {"currency": m.currency, "opened": d,
                                         "net": m.payment_terms_net_days}

    def update_customer(self, m, d):
        c = self.customer(m.customer_id, None, d)
        assert m.reason
        fields = [f for f in ("name", "billing_contact", "address", "payment_terms_net_days",
                              "credit_limit_minor") if m.HasField(f)]
        assert fields
        if m.HasField("payment_terms_net_days"):
            c["net"] = m.payment_terms_net_days

    def issue_invoice(self, m, d):
        c = self.customer(m.customer_id, m.currency, d)
        assert ID.fullmatch(m.invoice_id) and m.invoice_id not in self.invoices
        total = sum(li.quantity * li.unit_price_minor for li in m.lines)
        if m.lines:
            assert all(li.quantity > 0 and li.unit_price_minor >= 0 for li in m.lines)
            assert m.amount_minor in (0, total)
        amount = self.amount(total if m.lines else m.amount_minor)
        due = day(m.due_date) if m.due_date else d + c["net"]
        assert due >= d
        self.invoices[m.invoice_id] = {
            "id": m.invoice_id, "customer": m.customer_id, "issue": d, "due": due,
            "amount": amount, "open": amount, "disputed": 0, "void": False,
            "n": len(self.invoices), "first_paid": None, "lines": len(m.lines),
            "po": bool(m.po_number), "explicit_due": bool(m.due_date)}

    def void_invoice(self, m, d):
        inv = self.invoices[m.invoice_id]
        assert m.reason and not inv["void"] and d >= inv["issue"]
        assert inv["open"] == inv["amount"], "voiding an invoice with money applied"
        assert not inv["disputed"]
        inv["void"], inv["open"] = True, 0

    def record_payment(self, m, d):
        self.customer(m.customer_id, m.currency, d)
        assert ID.fullmatch(m.payment_id) and m.payment_id not in self.payments
        amount = self.amount(m.amount_minor)
        assert m.method != pb.PAYMENT_METHOD_UNSPECIFIED
        self.payments[m.payment_id] = {
            "customer": m.customer_id, "amount": amount, "value": d, "last": d, "reversed": False,
            "method": m.method, "allocs": collections.Counter(), "strategy": m.strategy,
            "explicit": len(m.allocations)}
        plan = self.plan(m.customer_id, amount, d, m.strategy, m.allocations)
        if len(plan) == 1 and m.allocations and plan[0][1] == amount \
                and amount < plan[0][0]["open"] - plan[0][0]["disputed"]:
            self.short_payers.add(m.customer_id)
        self.payments[m.payment_id]["unapplied"] = amount - self.apply(plan, m.payment_id, d, d)
        self.last_payment[m.customer_id] = d

    def allocate_payment(self, m, d):
        p = self.payments[m.payment_id]
        assert not p["reversed"] and d >= p["value"] and p["unapplied"] > 0
        plan = self.plan(p["customer"], p["unapplied"], d, m.strategy, m.allocations)
        assert plan, "an allocation that allocates nothing"
        p["unapplied"] -= self.apply(plan, m.payment_id, d, p["value"])
        p["last"] = d

    def reverse_payment(self, m, d):
        p = self.payments[m.payment_id]
        assert not p["reversed"] and d >= max(p["value"], p["last"])
        assert m.reversal_reason != pb.REVERSAL_REASON_UNSPECIFIED
        for iid, amt in p["allocs"].items():
            self.invoices[iid]["open"] += amt
        p["reversed"], p["unapplied"] = True, 0
        self.reversals.append((d, len(self.request_ids), set(p["allocs"])))

    def issue_credit_note(self, m, d):
        self.customer(m.customer_id, m.currency, d)
        assert ID.fullmatch(m.credit_note_id) and m.credit_note_id not in self.credits
        amount = self.amount(m.amount_minor)
        assert m.reason_code
        unapplied = amount
        if m.invoice_id:
            inv = self.invoices[m.invoice_id]
            assert inv["customer"] == m.customer_id and not inv["void"] and inv["issue"] <= d
            assert amount <= inv["open"], f"credit {amount} > {inv['open']} open"
            unapplied -= self.apply([(inv, amount)], None, d, d)
        self.credits[m.credit_note_id] = {"customer": m.customer_id, "day": d,
                                          "unapplied": unapplied, "invoice": m.invoice_id}

    def allocate_credit_note(self, m, d):
        cn = self.credits[m.credit_note_id]
        assert d >= cn["day"] and cn["unapplied"] > 0
        plan = self.plan(cn["customer"], cn["unapplied"], d, m.strategy, m.allocations)
        assert plan
        cn["unapplied"] -= self.apply(plan, None, d, d)

    def open_dispute(self, m, d):
        inv = self.invoices[m.invoice_id]
        assert ID.fullmatch(m.dispute_id) and m.dispute_id not in self.disputes
        assert not inv["void"] and d >= inv["issue"] and m.reason_code.isupper()
        assert 0 < m.amount_minor <= inv["open"] - inv["disputed"], "dispute > open undisputed"
        inv["disputed"] += m.amount_minor
        self.disputes[m.dispute_id] = {"invoice": inv, "amount": m.amount_minor, "opened": d,
                                       "open": True, "outcome": None}
        self.disputers.add(inv["customer"])

    def resolve_dispute(self, m, d):
        ds = self.disputes[m.dispute_id]
        assert ds["open"] and d > ds["opened"] and m.reason
        amount, inv = ds["amount"], ds["invoice"]
        credited = m.credited_amount_minor
        if m.outcome == pb.DISPUTE_UPHELD:
            assert credited in (0, amount)
            credited = amount
        elif m.outcome == pb.DISPUTE_PARTIALLY_UPHELD:
            assert 0 < credited < amount
        else:
            assert m.outcome == pb.DISPUTE_REJECTED and credited == 0
        ds["open"], ds["outcome"] = False, m.outcome
        inv["disputed"] -= amount
        if credited:
            assert ID.fullmatch(m.credit_note_id) and m.credit_note_id not in self.credits
            assert credited <= inv["open"]
            self.apply([(inv, credited)], None, d, d)
            self.credits[m.credit_note_id] = {"customer": inv["customer"], "day": d,
                                              "unapplied": 0, "invoice": inv["id"]}
        else:
            assert not m.credit_note_id

    def write_off_invoice(self, m, d):
        inv = self.invoices[m.invoice_id]
        assert m.reason and not inv["void"] and d >= inv["issue"] and inv["open"] > 0
        amount = m.amount_minor or inv["open"]
        assert 0 < amount <= inv["open"] - inv["disputed"]
        inv["open"] -= amount
        if m.amount_minor == 0:
            self.written_off_in_full.add(inv["customer"])


def replay(cmds) -> Replay:
    r = Replay()
    for c in cmds:
        r(c)
    return r


@pytest.fixture(scope="module")
def portfolio():
    cmds = list(synthetic.generate(MIX_SPEC))
    return cmds, replay(cmds)


# ---- determinism, order, batches ------------------------------------------------------------

def test_the_same_spec_yields_the_same_stream_and_another_seed_another():
    spec = synthetic.PortfolioSpec(customers=300, seed=5)
    a = [c.SerializeToString() for c in synthetic.generate(spec)]
    b = [c.SerializeToString() for c in synthetic.generate(spec)]
    other = [c.SerializeToString() for c in
             synthetic.generate(synthetic.PortfolioSpec(customers=300, seed=6))]
    assert len(a) > 5000
    assert a == b
    assert a != other
    assert len(set(a) & set(other)) < len(a) // 10


def test_commands_come_in_effective_date_order_with_request_ids_syn_seed_n(portfolio):
    cmds, _ = portfolio
    dates = [getattr(m, DATE_FIELD[k]) for k, m in map(body, cmds)]
    assert dates == sorted(dates)
    assert dates[0] == MIX_SPEC.start.isoformat()
    assert dates[-1] < (MIX_SPEC.start + dt.timedelta(days=MIX_SPEC.days)).isoformat()
    assert [body(c)[1].request_id for c in cmds] == [f"syn-11-{n}" for n in range(len(cmds))]


def test_batches_are_the_same_stream_cut_into_lists_of_at_most_batch_size():
    spec = synthetic.PortfolioSpec(customers=80, seed=2)
    batches = list(synthetic.generate_batches(spec, 333))
    assert all(len(b) == 333 for b in batches[:-1]) and 0 < len(batches[-1]) <= 333
    flat = [c.SerializeToString() for b in batches for c in b]
    assert flat == [c.SerializeToString() for c in synthetic.generate(spec)]


def test_the_estimate_for_progress_bars_is_within_fifteen_percent():
    for spec in (synthetic.PortfolioSpec(customers=1500, seed=1),
                 synthetic.PortfolioSpec(customers=300, seed=2, days=730,
                                         invoices_per_customer=30.0)):
        actual = sum(1 for _ in synthetic.generate(spec))
        assert abs(synthetic.estimate_commands(spec) - actual) < 0.15 * actual


# ---- validity ---------------------------------------------------------------------------------

def test_no_generated_command_breaks_a_ledger_rule(portfolio):
    cmds, r = portfolio  # the fixture replayed every command; here: it covered every kind
    assert len(cmds) > 40_000
    every = {"open_customer", "update_customer", "issue_invoice", "void_invoice",
             "record_payment", "allocate_payment", "reverse_payment", "issue_credit_note",
             "allocate_credit_note", "open_dispute", "resolve_dispute", "write_off_invoice"}
    assert every <= set(r.kinds), every - set(r.kinds)
    assert all(i["open"] >= i["disputed"] >= 0 for i in r.invoices.values())


def test_other_currencies_horizons_and_densities_are_valid_too():
    for spec in (synthetic.PortfolioSpec(customers=150, seed=3, days=730,
                                         invoices_per_customer=40.0,
                                         currencies=("JPY", "KWD", "EUR")),
                 synthetic.PortfolioSpec(customers=400, seed=4, days=20),
                 synthetic.PortfolioSpec(customers=300, seed=5, invoices_per_customer=0.5)):
        r = replay(synthetic.generate(spec))
        assert len(r.customers) == spec.customers
        assert {c["currency"] for c in r.customers.values()} == set(spec.currencies)


def test_the_checker_catches_an_over_allocation_and_a_date_out_of_order(portfolio):
    cmds, _ = portfolio
    n = next(i for i, c in enumerate(cmds) if c.WhichOneof("command") == "record_payment"
             and len(c.record_payment.allocations) == 1)
    bad = pb.Command()
    bad.CopyFrom(cmds[n])
    bad.record_payment.allocations[0].amount_minor += 1
    bad.record_payment.amount_minor += 1
    with pytest.raises(AssertionError, match="allocated"):
        replay(cmds[:n] + [bad])
    late = next(i for i, c in enumerate(cmds) if c.WhichOneof("command") == "open_customer"
                and c.open_customer.opened_date > "2026-03-01")
    with pytest.raises(AssertionError, match="backwards"):
        replay(cmds[:3] + [cmds[late]] + cmds[3:late])


# ---- realism ----------------------------------------------------------------------------------

def share(customers: set, r: Replay) -> float:
    return len(customers) / len(r.customers)


def late_payers(r: Replay) -> set:
    """Customers who paid any invoice more than a week after its due date (first payment)."""
    return {c for c, late in r.first_paid_late.items() if max(late) > 7}


def test_about_fifteen_percent_of_customers_pay_late_by_varying_amounts(portfolio):
    _, r = portfolio
    late = late_payers(r)
    assert 0.11 < share(late, r) < 0.19
    # Late is a habit, not an accident: most of them pay most invoices late ...
    habitual = {c for c in late if statistics.median(r.first_paid_late[c]) > 7}
    assert len(habitual) > 0.7 * len(late)
    # ... by varying amounts, with the long right tail lognormal days late give.
    days_late = sorted(x for c in late for x in r.first_paid_late[c] if x > 7)
    assert statistics.median(days_late) < days_late[int(0.95 * len(days_late))] / 2
    # Everyone else pays within a few days of the due date.
    assert max(x for c in set(r.first_paid_late) - late for x in r.first_paid_late[c]) <= 7


def test_about_seven_percent_short_pay_and_some_remainders_are_paid_later(portfolio):
    _, r = portfolio
    assert 0.045 < share(r.short_payers, r) < 0.095
    paid_twice = sum(1 for inv in r.invoices.values()
                     if inv["customer"] in r.short_payers and inv["open"] == 0
                     and inv["first_paid"] is not None)
    left_open = sum(1 for inv in r.invoices.values()
                    if inv["customer"] in r.short_payers and 0 < inv["open"] < inv["amount"])
    assert paid_twice > 0 and left_open > 0


def test_about_five_percent_dispute_and_disputes_end_in_all_three_outcomes(portfolio):
    _, r = portfolio
    assert 0.03 < share(r.disputers, r) < 0.065
    outcomes = collections.Counter(d["outcome"] for d in r.disputes.values())
    for o in (pb.DISPUTE_UPHELD, pb.DISPUTE_REJECTED, pb.DISPUTE_PARTIALLY_UPHELD):
        assert outcomes[o] > 0.1 * len(r.disputes)
    assert outcomes[None] > 0  # some are still open at the horizon


def test_about_three_percent_default_stop_paying_and_are_written_off(portfolio):
    _, r = portfolio
    assert 0.015 < share(r.written_off_in_full, r) < 0.045
    end = r.last_day
    stopped = {c for c in r.written_off_in_full if r.last_payment.get(c, 0) < end - 60}
    assert len(stopped) >= 0.9 * len(r.written_off_in_full)
    # Most customers are none of these.
    special = r.short_payers | r.disputers | r.written_off_in_full | late_payers(r)
    assert 0.62 < 1 - share(special, r) < 0.78


def test_reversals_are_followed_by_a_re_payment_of_what_they_reopened(portfolio):
    _, r = portfolio
    assert r.reversals
    for d, at, invoices in r.reversals:
        if d < r.last_day - 30:
            assert any(i in invoices and later > at for i, later in r.paid_at), invoices


def test_the_occasional_events_and_the_invoice_and_payment_detail_are_there(portfolio):
    cmds, r = portfolio
    payments = list(r.payments.values())
    methods = collections.Counter(p["method"] for p in payments)
    assert methods.most_common(1)[0][0] == pb.BANK_TRANSFER
    assert {pb.CARD, pb.DIRECT_DEBIT, pb.CHEQUE, pb.E_WALLET} <= set(methods)
    explicit = sum(1 for p in payments if p["explicit"])
    default = sum(1 for p in payments if not p["explicit"] and p["strategy"] != pb.LEAVE_UNAPPLIED)
    assert explicit > 0.7 * len(payments) and default > 0.02 * len(payments)
    assert any(p["unapplied"] > 0 and not p["reversed"] for p in payments)  # overpaid, kept
    credits = list(r.credits.values())
    assert any(c["invoice"] for c in credits) and any(not c["invoice"] for c in credits)
    invoices = list(r.invoices.values())
    assert 0.2 < sum(1 for i in invoices if i["lines"]) / len(invoices) < 0.5
    assert 0.4 < sum(1 for i in invoices if i["po"]) / len(invoices) < 0.8
    terms = {i["due"] - i["issue"] for i in invoices if not i["explicit_due"]}
    assert terms <= {14, 30, 45, 60} and len(terms) == 4
    invoices_per_customer = len(invoices) / len(r.customers)
    assert 0.85 * MIX_SPEC.invoices_per_customer < invoices_per_customer \
        < 1.15 * MIX_SPEC.invoices_per_customer
    updates = [body(c)[1] for c in cmds if c.WhichOneof("command") == "update_customer"]
    assert any(u.HasField("credit_limit_minor") for u in updates)
    assert any(u.HasField("billing_contact") for u in updates)


def test_a_million_commands_take_well_under_a_minute():
    spec = synthetic.PortfolioSpec(customers=1000, seed=9)
    t = time.perf_counter()
    n = sum(1 for _ in synthetic.generate(spec))
    rate = n / (time.perf_counter() - t)
    assert rate > 25_000, f"{rate:,.0f} commands/s: 10^6 would take {10**6 / rate:.0f} s"
