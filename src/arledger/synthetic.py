"""A deterministic synthetic AR portfolio: the demo's data and the benchmarks' load.

Customers follow archetypes seen in real receivables: most pay on time, some
late by lognormally distributed days, some short-pay and settle the rest later,
a few dispute invoices (resolved upheld, partially upheld or rejected), and a
few default (stop paying; old debts are written off). Credit notes, unapplied
overpayments, payment reversals with re-payment and master-data changes occur
now and then. Every command is valid for the ledger, commands come in
effective-date order, and the same spec always yields the same stream.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from arledger.v1 import commands_pb2 as pb

ARCHETYPES = (("on_time", 0.70), ("late", 0.15), ("partial", 0.07), ("disputer", 0.05),
              ("defaulter", 0.03))
_METHODS = ((pb.BANK_TRANSFER, 0.62), (pb.DIRECT_DEBIT, 0.14), (pb.CARD, 0.12),
            (pb.CHEQUE, 0.07), (pb.E_WALLET, 0.04), (pb.CASH, 0.01))
# Order of commands on the same day (an invoice exists before it is paid, ...).
(_OPEN, _UPDATE, _INVOICE, _CREDIT, _DISPUTE, _PAY, _ALLOCATE, _RESOLVE, _REVERSE,
 _WRITE_OFF) = range(10)


@dataclass(frozen=True)
class PortfolioSpec:
    customers: int = 200
    invoices_per_customer: float = 12.0
    start: dt.date = dt.date(2026, 1, 1)
    days: int = 300
    currencies: tuple[str, ...] = ("EUR", "USD", "GBP")
    seed: int = 7


def estimate_commands(spec: PortfolioSpec) -> int:
    """Roughly how many commands `generate` yields (for progress bars)."""
    return int(spec.customers * (1 + spec.invoices_per_customer * 1.9))


def _pick(rng: random.Random, table) -> object:  # type: ignore[no-untyped-def]
    x = rng.random()
    for value, p in table:
        x -= p
        if x < 0:
            return value
    return table[-1][0]


class _Gen:
    def __init__(self, spec: PortfolioSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.events: list[tuple[int, int, int, str, dict]] = []  # day, order, seq, kind, fields
        self.n = 0
        self.payments = 0
        self._iso: dict[int, str] = {}

    def iso(self, day: int) -> str:
        s = self._iso.get(day)
        if s is None:
            s = self._iso[day] = (self.spec.start + dt.timedelta(days=day)).isoformat()
        return s

    def add(self, day: int, order: int, kind: str, **fields: object) -> None:
        if day < self.spec.days:  # beyond the horizon it has not happened yet
            self.n += 1
            self.events.append((day, order, self.n, kind, fields))

    def pay(self, day: int, cid: str, cur: str, amount: int, inv: str | None,
            alloc: int | None = None) -> str:
        r = self.rng
        self.payments += 1
        pid = f"PAY-{self.payments:08d}"
        f: dict[str, object] = dict(payment_id=pid, customer_id=cid, amount_minor=amount,
                                    currency=cur, method=_pick(r, _METHODS),
                                    remittance_reference=f"REM {inv or cid}")
        if inv is not None:
            f["allocations"] = [pb.Allocation(invoice_id=inv, amount_minor=alloc or amount)]
        else:
            f["strategy"] = pb.LEAVE_UNAPPLIED
        self.add(day, _PAY, "record_payment", **f)
        return pid

    def customer(self, c: int) -> None:
        s, r = self.spec, self.rng
        cid = f"C{c:06d}"
        cur = s.currencies[r.randrange(len(s.currencies))]
        net = r.choice((14, 30, 30, 30, 45, 60))
        kind = _pick(r, ARCHETYPES)
        opened = r.randrange(0, max(1, s.days // 6))
        self.add(opened, _OPEN, "open_customer", customer_id=cid, name=f"Customer {c:06d} Ltd",
                 currency=cur, billing_contact=f"ap{c}@customer{c}.example",
                 payment_terms_net_days=net, credit_limit_minor=r.choice((5, 10, 25, 50)) * 10**6,
                 address=pb.Address(line1=f"{c % 999 + 1} Market St", city="Springfield",
                                    postal_code=f"{10000 + c % 89999}", country="DE"))
        if r.random() < 0.05:
            self.add(r.randrange(opened, s.days), _UPDATE, "update_customer", customer_id=cid,
                     credit_limit_minor=r.choice((10, 40, 80)) * 10**6, actor="credit.team",
                     reason="annual credit review")
        count = max(1, int(r.expovariate(1 / s.invoices_per_customer)) if r.random() < 0.3
                    else int(r.gauss(s.invoices_per_customer, s.invoices_per_customer / 4)))
        days = sorted(r.randrange(opened, s.days) for _ in range(count))
        default_day = opened + int(r.uniform(0.3, 0.8) * (s.days - opened))
        for k, issue in enumerate(days):
            self.invoice(c, k, cid, cur, net, kind, issue, default_day)

    def invoice(self, c: int, k: int, cid: str, cur: str, net: int, kind: str, issue: int,
                default_day: int) -> None:
        r = self.rng
        iid = f"INV-{c:06d}-{k:04d}"
        amount = int(math.exp(r.gauss(11.0, 1.0))) // 100 * 100 + 100  # cents, ~60k median
        due = issue + net
        fields: dict[str, object] = dict(invoice_id=iid, customer_id=cid, currency=cur,
                                         po_number=f"PO-{c}-{k}")
        if r.random() < 0.3:
            qty = r.randint(1, 20)
            unit = max(1, amount // qty)
            amount = qty * unit
            fields["lines"] = [pb.InvoiceLine(description="Services", quantity=qty,
                                              unit_price_minor=unit)]
        else:
            fields["amount_minor"] = amount
        self.add(issue, _INVOICE, "issue_invoice", **fields)
        open_ = amount
        if r.random() < 0.03:  # a credit note for a pricing error, before payment
            credit = max(1, amount * r.randint(5, 20) // 100)
            self.add(issue + 3, _CREDIT, "issue_credit_note", credit_note_id=f"CN-{iid}",
                     customer_id=cid, invoice_id=iid, amount_minor=credit, currency=cur,
                     reason_code="PRICING")
            open_ -= credit
        if kind == "defaulter" and issue >= default_day:
            if r.random() < 0.5:
                self.add(due + r.randint(60, 120), _WRITE_OFF, "write_off_invoice", invoice_id=iid,
                         actor="collections", reason="customer insolvent")
            return
        if kind == "disputer" and r.random() < 0.3:
            disputed = max(1, open_ * r.randint(10, 50) // 100)
            opened = issue + r.randint(3, 20)
            self.add(opened, _DISPUTE, "open_dispute", dispute_id=f"DSP-{iid}", invoice_id=iid,
                     amount_minor=disputed, reason_code=r.choice(("PRICING", "DAMAGED_GOODS",
                                                                   "NOT_RECEIVED")))
            self.pay(max(opened + 1, due), cid, cur, open_ - disputed, iid)
            resolved = max(opened + 1, due) + r.randint(5, 40)
            outcome = r.choice((pb.DISPUTE_UPHELD, pb.DISPUTE_REJECTED,
                                pb.DISPUTE_PARTIALLY_UPHELD))
            credited = {pb.DISPUTE_UPHELD: disputed, pb.DISPUTE_REJECTED: 0}.get(
                outcome, max(1, disputed // 2) if disputed > 1 else 0)
            if outcome == pb.DISPUTE_PARTIALLY_UPHELD and not 0 < credited < disputed:
                outcome, credited = pb.DISPUTE_REJECTED, 0
            f: dict[str, object] = dict(dispute_id=f"DSP-{iid}", outcome=outcome,
                                        actor="disputes.desk", reason="reviewed with customer")
            if credited:
                f.update(credited_amount_minor=credited, credit_note_id=f"CN-D-{iid}")
            self.add(resolved, _RESOLVE, "resolve_dispute", **f)
            if disputed - credited:
                self.pay(resolved + r.randint(3, 20), cid, cur, disputed - credited, iid)
            return
        if kind == "late":
            day = due + int(r.lognormvariate(2.7, 0.8))
        elif kind == "partial" and r.random() < 0.6:
            part = max(1, open_ * r.randint(40, 90) // 100)
            self.pay(due + r.randint(0, 15), cid, cur, part, iid)
            if part < open_ and r.random() < 0.5:
                self.pay(due + r.randint(30, 75), cid, cur, open_ - part, iid)
            return
        else:
            day = max(issue, due - r.randint(0, 10) + r.randint(0, 3))
        if r.random() < 0.02:  # overpayment: the rest stays as unapplied cash
            self.pay(day, cid, cur, open_ + r.randint(1, 50) * 100, iid, alloc=open_)
            return
        if r.random() < 0.06:  # no remittance detail: unapplied until cash application
            pid = self.pay(day, cid, cur, open_, None)
            self.add(day + 2, _ALLOCATE, "allocate_payment", payment_id=pid,
                     allocations=[pb.Allocation(invoice_id=iid, amount_minor=open_)])
            return
        pid = self.pay(day, cid, cur, open_, iid)
        if r.random() < 0.01:  # returned cheque / failed debit, then paid again
            self.add(day + 3, _REVERSE, "reverse_payment", payment_id=pid,
                     reversal_reason=r.choice((pb.RETURNED_CHEQUE, pb.FAILED_DIRECT_DEBIT,
                                               pb.CHARGEBACK)))
            self.pay(day + 12, cid, cur, open_, iid)


_DATE_FIELD = {"open_customer": "opened_date", "update_customer": "effective_date",
               "issue_invoice": "issue_date", "issue_credit_note": "issue_date",
               "open_dispute": "opened_date", "record_payment": "value_date",
               "resolve_dispute": "resolved_date", "reverse_payment": "effective_date",
               "allocate_payment": "effective_date",
               "write_off_invoice": "effective_date"}
_MESSAGE = {f.name: f.message_type._concrete_class
            for f in pb.Command.DESCRIPTOR.oneofs_by_name["command"].fields}


def generate(spec: PortfolioSpec) -> Iterator[pb.Command]:
    """The portfolio's commands in effective-date order, each with a unique request id."""
    g = _Gen(spec)
    for c in range(spec.customers):
        g.customer(c)
    g.events.sort(key=lambda e: (e[0], e[1], e[2]))
    for n, (day, _, _, kind, fields) in enumerate(g.events):
        fields[_DATE_FIELD[kind]] = g.iso(day)
        msg = _MESSAGE[kind](request_id=f"syn-{spec.seed}-{n}", **fields)
        yield pb.Command(**{kind: msg})


def generate_batches(spec: PortfolioSpec, batch_size: int = 1000) -> Iterator[list[pb.Command]]:
    batch: list[pb.Command] = []
    for cmd in generate(spec):
        batch.append(cmd)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch
