"""A deterministic synthetic AR portfolio: the demo's data and the benchmarks' load.

The portfolio is simulated day by day across all customers, so every command is
decided against the state it creates and the stream comes in effective-date
order. Customers follow archetypes seen in real receivables:

- on time (70 %): pay around the due date, by the preferred method;
- late (15 %): pay most invoices late by lognormally distributed days;
- partial (7 %): short-pay about half their invoices; some remainders are paid
  later, some written off, some stay open;
- disputer (5 %): dispute part of some invoices, pay the rest; disputes are
  resolved upheld (credit note), partially upheld or rejected (then paid);
- defaulter (3 %): pay normally until a default day, then stop; the credit limit
  is cut and old unpaid invoices are written off.

Now and then, for any customer: credit notes against an invoice or as account
credit (later allocated), unapplied overpayments and unremitted payments (later
allocated), bundled and statement payments (no allocations: oldest due first),
a returned cheque / failed direct debit / chargeback followed by a re-payment,
an invoice voided and re-issued, and master-data changes with actor and reason.

Nothing is sent that the ledger would refuse: every amount is computed from the
simulated open amounts at that moment. The same spec always yields the same
stream (`random.Random(seed)`, no other source of variation).

Ids: customers C000000.., invoices INV-00000001.. numbered in issue order, payments
PAY-.., credit notes CN-.., disputes DSP-..; request ids f"syn-{seed}-{n}". Entity ids do
not carry the seed: load one portfolio per ledger. About 100k commands/s (1M in ~10 s).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from arledger.domain.money import MINOR_UNITS
from arledger.v1 import commands_pb2 as pb

ON_TIME, LATE, PARTIAL, DISPUTER, DEFAULTER = range(5)
ARCHETYPES: tuple[tuple[str, float], ...] = (
    ("on_time", 0.70), ("late", 0.15), ("partial", 0.07), ("disputer", 0.05), ("defaulter", 0.03))
_ARCH_CUM = tuple(sum(p for _, p in ARCHETYPES[:i + 1]) for i in range(len(ARCHETYPES)))

# Preferred payment method of a customer (and the mix of the other payments).
_METHODS = ((pb.BANK_TRANSFER, 0.60), (pb.DIRECT_DEBIT, 0.14), (pb.CARD, 0.12),
            (pb.CHEQUE, 0.08), (pb.E_WALLET, 0.04), (pb.CASH, 0.01), (pb.OTHER, 0.01))
_METHOD_CUM = tuple(sum(p for _, p in _METHODS[:i + 1]) for i in range(len(_METHODS)))
_REVERSAL_FOR = {pb.CHEQUE: pb.RETURNED_CHEQUE, pb.DIRECT_DEBIT: pb.FAILED_DIRECT_DEBIT,
                 pb.CARD: pb.CHARGEBACK}
_NET_DAYS = (14, 30, 30, 30, 30, 45, 60, 60)
_DISPUTE_CODES = ("PRICING", "DAMAGED_GOODS", "NOT_RECEIVED", "QUANTITY", "DUPLICATE_BILLING",
                  "QUALITY")
_CREDIT_CODES = ("PRICING", "RETURNED_GOODS", "DAMAGED_GOODS", "GOODWILL")
_ITEMS = ("Consulting hours", "Licence fee", "Support plan", "Hardware", "Shipping",
          "Installation", "Spare parts", "Training day", "Subscription", "Materials")
_NAME_A = ("Acme", "Northwind", "Blue Harbor", "Granite", "Silver Oak", "Redwood", "Summit",
           "Lakeside", "Ironbridge", "Meridian", "Pioneer", "Brightwater", "Falcon", "Orchard")
_NAME_B = ("Logistics", "Foods", "Engineering", "Retail", "Labs", "Textiles", "Systems",
           "Builders", "Pharma", "Media", "Motors", "Supplies")
_NAME_C = ("Ltd", "GmbH", "Inc.", "S.A.", "B.V.", "LLC", "plc", "AG")
_CITIES = (("Berlin", "DE"), ("Hamburg", "DE"), ("Paris", "FR"), ("Lyon", "FR"),
           ("Amsterdam", "NL"), ("Madrid", "ES"), ("Milan", "IT"), ("London", "GB"),
           ("Manchester", "GB"), ("Dublin", "IE"), ("New York", "US"), ("Chicago", "US"),
           ("Austin", "US"), ("Toronto", "CA"))
_STREETS = ("Market St", "High Street", "Hauptstrasse", "Rue de la Paix", "Main Ave",
            "Harbour Road", "Station Road", "Kerkstraat")
# Rough size of one major unit in EUR terms, so invoices look alike across currencies.
_FX = {"JPY": 160.0, "KRW": 1450.0, "HUF": 390.0, "CLP": 1000.0, "ISK": 150.0, "VND": 27000.0,
       "INR": 90.0, "IDR": 17000.0, "COP": 4300.0, "NGN": 1600.0, "PKR": 300.0, "PHP": 62.0,
       "TWD": 35.0, "THB": 38.0, "CZK": 25.0, "SEK": 11.5, "NOK": 11.7, "DKK": 7.5,
       "ZAR": 20.0, "MXN": 19.0, "TRY": 35.0, "UAH": 45.0, "RSD": 117.0, "ARS": 1000.0}

ACTOR = "synthetic"

# Simulated invoice: a list indexed by these.
_ID, _ISSUE, _DUE, _AMOUNT, _OPEN, _DISPUTED, _SEQ, _VOID, _CUST = range(9)
# Scheduled actions.
(_A_OPEN, _A_INVOICE, _A_PAY, _A_DISPUTE, _A_RESOLVE, _A_CREDIT, _A_ACCOUNT_CREDIT,
 _A_ALLOC_CREDIT, _A_ALLOC_PAY, _A_REVERSE, _A_REPAY, _A_WRITE_OFF, _A_UPDATE,
 _A_VOID) = range(14)
_FULL, _SHORT = 0, 1  # how a scheduled payment pays its invoice


@dataclass(frozen=True)
class PortfolioSpec:
    customers: int = 200
    invoices_per_customer: float = 12.0  # mean over the customers
    start: dt.date = dt.date(2026, 1, 1)
    days: int = 300  # the horizon: nothing effective on or after start + days is generated
    currencies: tuple[str, ...] = ("EUR", "USD", "GBP")
    seed: int = 7


def estimate_commands(spec: PortfolioSpec) -> int:
    """About how many commands `generate` yields (for progress bars; within ~10 %)."""
    invoices = spec.customers * max(0.0, spec.invoices_per_customer)
    # Each invoice is paid about once (bundles and statements make it a bit less); payments
    # falling past the horizon are not generated yet.
    per_invoice = 1.0 + 0.97 * max(0.0, 1.0 - 22.0 / max(spec.days, 1))
    return int(spec.customers * 1.1 + invoices * per_invoice)


def generate(spec: PortfolioSpec) -> Iterator[pb.Command]:
    """The portfolio's commands in effective-date order, each with a unique request id
    f"syn-{seed}-{n}" (n counts from 0)."""
    return _Sim(spec).run()


def generate_batches(spec: PortfolioSpec, batch_size: int = 1000) -> Iterator[list[pb.Command]]:
    """`generate` in lists of at most batch_size commands."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    batch: list[pb.Command] = []
    for cmd in generate(spec):
        batch.append(cmd)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _due_key(inv: list) -> tuple[int, int, int]:
    return inv[_DUE], inv[_ISSUE], inv[_SEQ]


class _Sim:
    def __init__(self, spec: PortfolioSpec) -> None:
        if spec.days < 1 or spec.customers < 0:
            raise ValueError("days must be >= 1 and customers >= 0")
        for cur in spec.currencies:
            if cur not in MINOR_UNITS:
                raise ValueError(f"unknown currency {cur!r}")
        if not spec.currencies:
            raise ValueError("at least one currency")
        self.spec = spec
        self.days = spec.days
        self.rng = random.Random(spec.seed)
        self.rid = f"syn-{spec.seed}-"
        self.n = 0
        self.out: list[pb.Command] = []
        self.agenda: list[list | None] = [[] for _ in range(spec.days)]
        self.iso = [(spec.start + dt.timedelta(days=d)).isoformat() for d in range(spec.days)]
        self._iso_far: dict[int, str] = {}
        self.invoices = self.payments = self.credit_notes = self.disputes = 0
        n = spec.customers
        # Per customer (filled when the account opens).
        self.cid = [f"C{c:06d}" for c in range(n)]
        self.cur = [""] * n
        self.net = [30] * n
        self.arch = [ON_TIME] * n
        self.method = [pb.BANK_TRANSFER] * n
        self.amount_mu = [0.0] * n
        self.late_mu = [0.0] * n
        self.default_day = [0] * n
        self.gap = [0.0] * n
        self.regular = [False] * n
        self.count = [0] * n  # invoices issued
        self.opens: list[list[list]] = [[] for _ in range(n)]  # invoices that may be open
        self.open_disputes = [0] * n
        self.compact_at = [16] * n
        r = self.rng
        for c in range(n):
            # Most accounts exist from the start; the rest open over the first 40 %.
            opened = 0 if r.random() < 0.35 else int(spec.days * 0.4 * r.random() ** 1.5)
            self.agenda[opened].append((_A_OPEN, c))  # type: ignore[union-attr]

    # ---- scaffolding ----------------------------------------------------------------------

    def at(self, day: int, action: tuple) -> None:
        if day < self.days:  # beyond the horizon it has not happened yet
            self.agenda[day].append(action)  # type: ignore[union-attr]

    def day_iso(self, day: int) -> str:
        if day < self.days:
            return self.iso[day]
        s = self._iso_far.get(day)
        if s is None:
            s = self._iso_far[day] = (self.spec.start + dt.timedelta(days=day)).isoformat()
        return s

    def next_rid(self) -> str:
        n = self.n
        self.n = n + 1
        return f"{self.rid}{n}"

    def pick_method(self, c: int) -> int:
        r = self.rng
        if r.random() < 0.85:
            return self.method[c]
        x = r.random()
        for (m, _), cum in zip(_METHODS, _METHOD_CUM):
            if x < cum:
                return m
        return pb.BANK_TRANSFER

    def open_list(self, c: int, d: int) -> list[list]:
        """The customer's open invoices issued on or before d, oldest due first."""
        live = [i for i in self.opens[c] if i[_OPEN] > 0]
        self.opens[c] = live
        return sorted((i for i in live if i[_ISSUE] <= d), key=_due_key)

    def run(self) -> Iterator[pb.Command]:
        handlers = (self.h_open, self.h_invoice, self.h_pay, self.h_dispute, self.h_resolve,
                    self.h_credit, self.h_account_credit, self.h_alloc_credit, self.h_alloc_pay,
                    self.h_reverse, self.h_repay, self.h_write_off, self.h_update, self.h_void)
        out = self.out
        agenda = self.agenda
        for d in range(self.days):
            todo = agenda[d]
            assert todo is not None
            i = 0
            while i < len(todo):  # actions may schedule more for the same day
                a = todo[i]
                handlers[a[0]](d, a)
                i += 1
                if len(out) >= 64:  # hand them on while they are hot in the cache
                    yield from out
                    out.clear()
            agenda[d] = None
            if out:
                yield from out
                out.clear()

    # ---- accounts ---------------------------------------------------------------------------

    def h_open(self, d: int, a: tuple) -> None:
        c = a[1]
        r, spec = self.rng, self.spec
        cur = spec.currencies[r.randrange(len(spec.currencies))]
        self.cur[c] = cur
        net = self.net[c] = _NET_DAYS[r.randrange(len(_NET_DAYS))]
        x = r.random()
        arch = next(k for k, cum in enumerate(_ARCH_CUM) if x < cum or k == len(_ARCH_CUM) - 1)
        self.arch[c] = arch
        x = r.random()
        method = next((m for (m, _), cum in zip(_METHODS, _METHOD_CUM) if x < cum),
                      pb.BANK_TRANSFER)
        self.method[c] = method
        unit = 10 ** MINOR_UNITS[cur] * _FX.get(cur, 1.0)
        # Median invoice of the account: ~800 major units, customers vary a lot.
        self.amount_mu[c] = r.gauss(math.log(800.0), 1.0) + math.log(unit)
        self.late_mu[c] = r.uniform(2.2, 3.4)  # median 9..30 days late
        span = self.days - d
        mean_count = spec.invoices_per_customer * r.gammavariate(2.0, 0.5)
        self.gap[c] = span / mean_count if mean_count > 0 else 0.0
        self.regular[c] = r.random() < 0.5
        if arch == DEFAULTER:
            default = self.default_day[c] = d + int(span * r.uniform(0.1, 0.4))
            self.at(default + r.randint(20, 45), (_A_UPDATE, c, 1))
        name = (f"{_NAME_A[r.randrange(len(_NAME_A))]} {_NAME_B[r.randrange(len(_NAME_B))]} "
                f"{_NAME_C[r.randrange(len(_NAME_C))]}")
        city, country = _CITIES[r.randrange(len(_CITIES))]
        limit = int(math.exp(self.amount_mu[c]) * r.choice((5, 10, 20, 40))) // 100_000 * 100_000
        m = pb.OpenCustomerRequest(
            request_id=self.next_rid(), actor=ACTOR, reason="new account",
            customer_id=self.cid[c], name=name, currency=cur,
            billing_contact=f"ap{c}@customer{c}.example",
            address=pb.Address(line1=f"{r.randint(1, 250)} {_STREETS[r.randrange(len(_STREETS))]}",
                               city=city, postal_code=f"{10000 + r.randrange(89999)}",
                               country=country),
            payment_terms_net_days=net, credit_limit_minor=min(max(limit, 100_000), 10**14),
            opened_date=self.iso[d])
        self.out.append(pb.Command(open_customer=m))
        gap = self.gap[c]
        if gap > 0:  # the first invoice at a random phase keeps the mean count exact
            first = r.random() * gap if self.regular[c] else r.expovariate(1.0 / gap)
            self.at(d + int(first), (_A_INVOICE, c))
        if r.random() < 0.06:
            self.at(d + r.randint(20, max(20, span)), (_A_UPDATE, c, 0))
        if r.random() < 0.08:
            self.at(d + r.randint(30, max(30, span)), (_A_ACCOUNT_CREDIT, c))

    def h_update(self, d: int, a: tuple) -> None:
        c, kind = a[1], a[2]
        r = self.rng
        f: dict = {}
        if kind == 1:
            reason, f["credit_limit_minor"] = "payment default: credit stopped", 0
        else:
            x = r.random()
            if x < 0.5:
                limit = int(math.exp(self.amount_mu[c]) * r.choice((10, 20, 40, 80)))
                f["credit_limit_minor"] = min(max(limit // 100_000 * 100_000, 100_000), 10**14)
                reason = "annual credit review"
            elif x < 0.8:
                f["billing_contact"] = f"accounts.payable{r.randint(2, 9)}@customer{c}.example"
                reason = "new accounts-payable contact"
            elif x < 0.9:
                city, country = _CITIES[r.randrange(len(_CITIES))]
                f["address"] = pb.Address(line1=f"{r.randint(1, 250)} Station Road", city=city,
                                          postal_code=f"{10000 + r.randrange(89999)}",
                                          country=country)
                reason = "customer moved offices"
            else:
                f["payment_terms_net_days"] = self.net[c] = r.choice((30, 45, 60))
                reason = "payment terms renegotiated"
        m = pb.UpdateCustomerRequest(request_id=self.next_rid(), actor=ACTOR, reason=reason,
                                     customer_id=self.cid[c], effective_date=self.iso[d], **f)
        self.out.append(pb.Command(update_customer=m))

    # ---- invoices ---------------------------------------------------------------------------

    def h_invoice(self, d: int, a: tuple) -> None:
        c = a[1]
        r = self.rng
        if self.arch[c] == DEFAULTER and d > self.default_day[c] + 40:
            return  # on credit hold: no more invoices
        gap = self.gap[c]
        step = gap * r.uniform(0.85, 1.15) if self.regular[c] else r.expovariate(1.0 / gap)
        self.at(d + max(1, int(step + 0.5)), (_A_INVOICE, c))
        self.issue(c, d, 0)
        if len(self.opens[c]) >= self.compact_at[c]:  # drop settled invoices, amortised
            live = self.opens[c] = [i for i in self.opens[c] if i[_OPEN] > 0]
            self.compact_at[c] = max(16, 2 * len(live))

    def issue(self, c: int, d: int, amount: int) -> list:
        """Issue an invoice (amount 0: draw one) and plan what happens to it."""
        r = self.rng
        cur = self.cur[c]
        self.invoices += 1
        k = self.count[c] = self.count[c] + 1
        iid = f"INV-{self.invoices:08d}"
        # Filled in place: building a message and copying it into the Command costs twice.
        cmd = pb.Command()
        m = cmd.issue_invoice
        n = self.n
        self.n = n + 1
        m.request_id = f"{self.rid}{n}"
        m.actor = ACTOR
        m.invoice_id = iid
        m.customer_id = self.cid[c]
        m.issue_date = self.iso[d]
        m.currency = cur
        if not amount:
            amount = min(max(int(math.exp(r.gauss(self.amount_mu[c], 0.6))), 100), 10**12)
        if r.random() < 0.35:  # with lines: quantity x unit price
            n_lines = 1 + int(r.random() ** 2 * 4)
            add = m.lines.add
            total = 0
            for _ in range(n_lines):
                qty = 1 + int(r.random() * 24)
                unit = max(1, amount // (n_lines * qty))
                add(description=_ITEMS[int(r.random() * len(_ITEMS))], quantity=qty,
                    unit_price_minor=unit)
                total += qty * unit
            amount = total
            if r.random() < 0.5:
                m.amount_minor = amount
        else:
            m.amount_minor = amount
        if r.random() < 0.6:
            m.po_number = f"PO-{4500000000 + c * 1000 + k % 1000}"
        due = d + self.net[c]
        if r.random() < 0.05:  # special terms on this one
            due = d + r.choice((7, 60, 90))
            m.due_date = self.day_iso(due)
        self.out.append(cmd)
        inv = [iid, d, due, amount, amount, 0, self.invoices, False, c]
        self.opens[c].append(inv)

        arch = self.arch[c]
        x = r.random()
        if x < 0.004:  # issued in error: voided and re-issued before anything is applied
            self.at(d + r.randint(1, 4), (_A_VOID, c, inv))
            return inv
        if x < 0.025:
            self.at(d + r.randint(1, 10), (_A_CREDIT, c, inv))
        if arch == DISPUTER and r.random() < 0.35:
            self.at(d + r.randint(2, 25), (_A_DISPUTE, c, inv))
        # When the customer pays.
        method = self.method[c]
        if arch == LATE and r.random() < 0.85:
            pay = due + 1 + int(r.lognormvariate(self.late_mu[c], 0.5))
        elif arch == DEFAULTER:
            pay = due + r.randint(-6, 4)
            if pay >= self.default_day[c]:
                if r.random() < 0.75:
                    self.at(due + r.randint(60, 120), (_A_WRITE_OFF, c, inv, 0))
                return inv
        elif method == pb.DIRECT_DEBIT:
            pay = due
        elif method == pb.CARD and r.random() < 0.5:
            pay = d + r.randint(0, 3)
        else:
            pay = due - int(r.random() ** 2 * min(due - d, 15))
            if r.random() < 0.05:
                pay += r.randint(1, 3)
        mode = _SHORT if arch == PARTIAL and r.random() < 0.5 else _FULL
        self.at(max(pay, d), (_A_PAY, c, inv, mode))
        return inv

    def h_void(self, d: int, a: tuple) -> None:
        c, inv = a[1], a[2]
        if inv[_VOID] or inv[_OPEN] != inv[_AMOUNT] or inv[_DISPUTED]:
            return
        inv[_VOID], inv[_OPEN] = True, 0
        m = pb.VoidInvoiceRequest(request_id=self.next_rid(), actor=ACTOR,
                                  reason="issued in error, replaced", invoice_id=inv[_ID],
                                  effective_date=self.iso[d])
        self.out.append(pb.Command(void_invoice=m))
        self.issue(c, d, max(1, inv[_AMOUNT] * self.rng.randint(85, 100) // 100))

    # ---- payments ---------------------------------------------------------------------------

    def payment(self, c: int, d: int, amount: int, method: int, ref: str,
                allocs: list[tuple[list, int]] | None, strategy: int = 0) -> list:
        """Record a payment; allocs None = oldest due first (the ledger's default)."""
        self.payments += 1
        pid = f"PAY-{self.payments:08d}"
        cmd = pb.Command()
        m = cmd.record_payment
        n = self.n
        self.n = n + 1
        m.request_id = f"{self.rid}{n}"
        m.actor = ACTOR
        m.payment_id = pid
        m.customer_id = self.cid[c]
        m.amount_minor = amount
        m.currency = self.cur[c]
        m.method = method  # type: ignore[assignment]
        m.value_date = self.iso[d]
        if ref:
            m.remittance_reference = ref
        if strategy:
            m.strategy = strategy  # type: ignore[assignment]
        if allocs is None:
            allocs = [] if strategy == pb.LEAVE_UNAPPLIED else self.oldest_first(c, d, amount)
        elif allocs:
            add = m.allocations.add
            for inv, amt in allocs:
                add(invoice_id=inv[_ID], amount_minor=amt)
        applied = 0
        for inv, amt in allocs:
            inv[_OPEN] -= amt
            applied += amt
        self.out.append(cmd)
        # pid, value day, unapplied, allocations, reversed, method
        return [pid, d, amount - applied, allocs, False, method]

    def oldest_first(self, c: int, d: int, amount: int) -> list[tuple[list, int]]:
        """What the ledger allocates by default (only used with no open dispute)."""
        plan = []
        for inv in self.open_list(c, d):
            if not amount:
                break
            amt = min(inv[_OPEN], amount)
            plan.append((inv, amt))
            amount -= amt
        return plan

    def h_pay(self, d: int, a: tuple) -> None:
        c, inv, mode = a[1], a[2], a[3]
        owed = inv[_OPEN] - inv[_DISPUTED]
        if owed <= 0:
            return
        r = self.rng
        method = self.pick_method(c)
        iid = inv[_ID]
        if mode == _SHORT:
            part = owed * r.randint(40, 95) // 100
            if part >= 100:
                part -= part % 100
            if 0 < part < owed:
                self.payment(c, d, part, method, iid, [(inv, part)], pb.EXPLICIT)
                x = r.random()
                if x < 0.55:
                    self.at(d + r.randint(20, 75), (_A_PAY, c, inv, _FULL))
                elif x < 0.75:
                    self.at(d + r.randint(30, 90), (_A_WRITE_OFF, c, inv, 1))
                return
        x = r.random()
        if x < 0.12 and not self.open_disputes[c]:
            # A statement payment: everything due within ten days, no remittance detail.
            horizon = max(d + 10, inv[_DUE])
            amount = sum(i[_OPEN] for i in self.open_list(c, d) if i[_DUE] <= horizon)
            self.payment(c, d, amount, method, f"Statement {self.cid[c]}", None,
                         pb.OLDEST_DUE_FIRST if x < 0.04 else 0)
            return
        if x < 0.135:  # overpaid: the excess is unapplied cash, often used later
            extra = max(1, owed * r.randint(1, 20) // 100)
            p = self.payment(c, d, owed + extra, method, iid, [(inv, owed)], pb.EXPLICIT)
            if r.random() < 0.6:
                self.at(d + r.randint(10, 60), (_A_ALLOC_PAY, c, p, None))
            return
        if x < 0.165:  # no remittance detail: parked as unapplied, cash application follows
            p = self.payment(c, d, owed, method, "" if x < 0.15 else "see e-mail", [],
                             pb.LEAVE_UNAPPLIED)
            self.at(d + r.randint(1, 5), (_A_ALLOC_PAY, c, p, inv))
            return
        allocs = [(inv, owed)]
        if x < 0.4:  # one remittance for everything else due soon, too
            soon = d + 7
            for other in self.opens[c]:
                if other[_DUE] <= soon and other is not inv and other[_ISSUE] <= d:
                    left = other[_OPEN] - other[_DISPUTED]
                    if left > 0:
                        allocs.append((other, left))
                        if len(allocs) >= 20:
                            break
        amount = sum(amt for _, amt in allocs)
        ref = iid if len(allocs) == 1 else " ".join(i[_ID] for i, _ in allocs[:6])
        p = self.payment(c, d, amount, method, ref, allocs, pb.EXPLICIT if x < 0.7 else 0)
        if method in _REVERSAL_FOR and r.random() < 0.03:
            self.at(d + r.randint(2, 10), (_A_REVERSE, c, p))

    def h_alloc_pay(self, d: int, a: tuple) -> None:
        c, p, target = a[1], a[2], a[3]
        left = p[2]
        if p[4] or left <= 0:
            return
        plan = []
        candidates = self.open_list(c, d)
        if target is not None and any(i is target for i in candidates):
            candidates = [target] + [i for i in candidates if i is not target]
        for inv in candidates:
            owed = inv[_OPEN] - inv[_DISPUTED]
            if owed > 0 and left:
                amt = min(owed, left)
                plan.append((inv, amt))
                left -= amt
                if len(plan) >= 20:
                    break
        if not plan:
            return
        m = pb.AllocatePaymentRequest(request_id=self.next_rid(), actor=ACTOR,
                                      reason="cash application", payment_id=p[0],
                                      effective_date=self.iso[d], strategy=pb.EXPLICIT)
        add = m.allocations.add
        for inv, amt in plan:
            add(invoice_id=inv[_ID], amount_minor=amt)
            inv[_OPEN] -= amt
        p[2] = left
        p[3] = p[3] + plan
        self.out.append(pb.Command(allocate_payment=m))

    def h_reverse(self, d: int, a: tuple) -> None:
        c, p = a[1], a[2]
        if p[4]:
            return
        p[4], p[2] = True, 0
        reopened: dict[int, list] = {}
        for inv, amt in p[3]:
            inv[_OPEN] += amt
            reopened[inv[_SEQ]] = inv
        lst = self.opens[c]
        for inv in reopened.values():
            if not any(i is inv for i in lst):
                lst.append(inv)
        m = pb.ReversePaymentRequest(request_id=self.next_rid(), actor=ACTOR,
                                     reason="payment returned by the bank", payment_id=p[0],
                                     effective_date=self.iso[d],
                                     reversal_reason=_REVERSAL_FOR[p[5]])
        self.out.append(pb.Command(reverse_payment=m))
        self.at(d + self.rng.randint(3, 15), (_A_REPAY, c, list(reopened.values()), p[0]))

    def h_repay(self, d: int, a: tuple) -> None:
        c, invs, old = a[1], a[2], a[3]
        allocs = [(inv, inv[_OPEN] - inv[_DISPUTED]) for inv in invs
                  if inv[_OPEN] - inv[_DISPUTED] > 0]
        if allocs:
            self.payment(c, d, sum(amt for _, amt in allocs), pb.BANK_TRANSFER,
                         f"replaces {old}", allocs, pb.EXPLICIT)

    # ---- credit notes, disputes, write-offs -------------------------------------------------

    def credit_note(self, c: int, d: int, amount: int, inv: list | None, code: str) -> str:
        self.credit_notes += 1
        cnid = f"CN-{self.credit_notes:07d}"
        m = pb.IssueCreditNoteRequest(request_id=self.next_rid(), actor=ACTOR,
                                      credit_note_id=cnid, customer_id=self.cid[c],
                                      invoice_id=inv[_ID] if inv is not None else "",
                                      amount_minor=amount, currency=self.cur[c],
                                      issue_date=self.iso[d], reason_code=code)
        self.out.append(pb.Command(issue_credit_note=m))
        if inv is not None:
            inv[_OPEN] -= amount
        return cnid

    def h_credit(self, d: int, a: tuple) -> None:
        c, inv = a[1], a[2]
        r = self.rng
        owed = inv[_OPEN] - inv[_DISPUTED]
        if owed <= 0:
            return
        amount = min(owed, max(1, inv[_AMOUNT] * r.randint(3, 20) // 100))
        self.credit_note(c, d, amount, inv, _CREDIT_CODES[r.randrange(len(_CREDIT_CODES))])

    def h_account_credit(self, d: int, a: tuple) -> None:
        c = a[1]
        r = self.rng
        amount = max(1, int(math.exp(self.amount_mu[c]) * r.uniform(0.05, 0.3)))
        cnid = self.credit_note(c, d, amount, None, "VOLUME_REBATE" if r.random() < 0.6
                                else "GOODWILL")
        if r.random() < 0.6:
            self.at(d + r.randint(1, 30), (_A_ALLOC_CREDIT, c, [cnid, amount]))

    def h_alloc_credit(self, d: int, a: tuple) -> None:
        c, cn = a[1], a[2]
        left = cn[1]
        plan = []
        for inv in self.open_list(c, d):
            owed = inv[_OPEN] - inv[_DISPUTED]
            if owed > 0 and left:
                amt = min(owed, left)
                plan.append((inv, amt))
                left -= amt
        if not plan:
            return
        m = pb.AllocateCreditNoteRequest(request_id=self.next_rid(), actor=ACTOR,
                                         credit_note_id=cn[0], effective_date=self.iso[d],
                                         strategy=pb.EXPLICIT)
        add = m.allocations.add
        for inv, amt in plan:
            add(invoice_id=inv[_ID], amount_minor=amt)
            inv[_OPEN] -= amt
        cn[1] = left
        self.out.append(pb.Command(allocate_credit_note=m))

    def h_dispute(self, d: int, a: tuple) -> None:
        c, inv = a[1], a[2]
        r = self.rng
        owed = inv[_OPEN] - inv[_DISPUTED]
        if inv[_DISPUTED] or owed < 2:
            return
        amount = max(1, owed * r.randint(10, 60) // 100)
        self.disputes += 1
        did = f"DSP-{self.disputes:07d}"
        m = pb.OpenDisputeRequest(request_id=self.next_rid(), actor=ACTOR, dispute_id=did,
                                  invoice_id=inv[_ID], amount_minor=amount,
                                  reason_code=_DISPUTE_CODES[r.randrange(len(_DISPUTE_CODES))],
                                  opened_date=self.iso[d])
        self.out.append(pb.Command(open_dispute=m))
        inv[_DISPUTED] += amount
        self.open_disputes[c] += 1
        self.at(d + max(1, int(r.lognormvariate(3.0, 0.6))), (_A_RESOLVE, c, inv, did, amount))

    def h_resolve(self, d: int, a: tuple) -> None:
        c, inv, did, amount = a[1], a[2], a[3], a[4]
        r = self.rng
        x = r.random()
        f: dict = {}
        if x < 0.4:
            outcome, credited, reason = pb.DISPUTE_UPHELD, amount, "claim confirmed"
            if r.random() < 0.5:
                f["credited_amount_minor"] = amount
        elif x < 0.65 and amount >= 2:
            outcome, reason = pb.DISPUTE_PARTIALLY_UPHELD, "settled part of the claim"
            credited = f["credited_amount_minor"] = r.randint(1, amount - 1)
        else:
            outcome, credited, reason = pb.DISPUTE_REJECTED, 0, "delivery and price confirmed"
        if credited:
            self.credit_notes += 1
            f["credit_note_id"] = f"CN-{self.credit_notes:07d}"
        m = pb.ResolveDisputeRequest(request_id=self.next_rid(), actor=ACTOR, reason=reason,
                                     dispute_id=did, outcome=outcome, resolved_date=self.iso[d],
                                     **f)
        self.out.append(pb.Command(resolve_dispute=m))
        inv[_DISPUTED] -= amount
        inv[_OPEN] -= credited  # open >= disputed always holds, so all of it applies
        self.open_disputes[c] -= 1
        if amount > credited:  # the rest is owed after all
            self.at(d + r.randint(3, 25), (_A_PAY, c, inv, _FULL))

    def h_write_off(self, d: int, a: tuple) -> None:
        inv, short = a[2], a[3]
        if inv[_OPEN] <= 0 or inv[_DISPUTED]:
            return
        if short:
            amount, reason = inv[_OPEN], "short payment not recoverable"
        else:
            amount, reason = 0, "customer in default, uncollectible"
        m = pb.WriteOffInvoiceRequest(request_id=self.next_rid(), actor=ACTOR, reason=reason,
                                      invoice_id=inv[_ID], amount_minor=amount,
                                      effective_date=self.iso[d])
        self.out.append(pb.Command(write_off_invoice=m))
        inv[_OPEN] = 0
