"""Deciding commands: accept (writing entries into the next segment) or reject.

The decider sees the committed `State` plus a *pending* overlay of what earlier
commands of the same group already decided, so a batch may open a customer,
invoice it and take its payment in one segment. A handler validates everything
before its first write, so a rejected command leaves the overlay untouched;
inside an atomic batch every write is also undo-logged, so one rejection rolls
the whole batch back to its savepoint. The overlay is discarded when the group
is committed (the state then folds the segment) or fails.

Commands are the protobuf messages of arledger.v1 (typed, immutable by
convention, with a canonical serialisation for the idempotency hash).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import LedgerError, error
from arledger.engine.credit import CreditControl
from arledger.engine.notes import Notes
from arledger.engine.partition import Partition, partition_of
from arledger.engine.segment import Segment
from arledger.engine.state import State, request_of
from arledger.v1 import commands_pb2 as pb

_MISSING = object()
_FIELD = {f"_{i}": i for i in range(16)}
_METHODS = frozenset(pb.PaymentMethod.values()) - {0}
_STRATEGIES = frozenset(pb.AllocationStrategy.values())
_REVERSAL_REASONS = frozenset(pb.ReversalReason.values()) - {0}
_CUST, _INV, _PAY, _CN, _DSP = "customer", "invoice", "payment", "credit_note", "dispute"
_PROM, _SALE = "promise", "sale"
_KINDS = (_CUST, _INV, _PAY, _CN, _DSP, _PROM, _SALE)


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


def request_hash(cmd: pb.Command) -> int:
    return int.from_bytes(hashlib.blake2b(cmd.SerializeToString(deterministic=True),
                                          digest_size=8).digest(), "little")


class _Builder:
    """Column lists of the segment being built (truncatable to a savepoint)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, list]] = {}
        self.schema: dict[str, tuple[tuple[str, str], ...]] = {}

    def table(self, name: str, columns: tuple[tuple[str, str], ...]) -> dict[str, list]:
        t = self.tables.get(name)
        if t is None:
            t = self.tables[name] = {c: [] for c, _ in columns}
            self.schema[name] = columns
        return t

    def rows(self, name: str) -> int:
        t = self.tables.get(name)
        return len(t["_e"] if "_e" in t else t["type"]) if t else 0

    def truncate(self, entries: int) -> None:
        """Drop every row of entries numbered `entries` and later."""
        env = self.tables.get(E.ENVELOPE)
        if not env or len(env["type"]) <= entries:
            return
        for name, t in self.tables.items():
            if name == E.ENVELOPE:
                keep = entries
            else:
                es = t["_e"]
                keep = len(es)
                while keep and es[keep - 1] >= entries:  # rows are appended in entry order
                    keep -= 1
            for col in t.values():
                del col[keep:]

    def finish(self) -> dict[str, dict[str, Any]]:
        out = {}
        for name, cols in self.tables.items():
            if not self.rows(name):
                continue
            out[name] = {c: (cols[c] if dt == E.STR else np.asarray(cols[c], dtype=dt))
                         for c, dt in self.schema[name]}
        return out


def _wrong_partition(cid: str, p: Partition) -> LedgerError:
    owner = partition_of(cid, p.count)
    return error("WRONG_PARTITION", f"customer {cid!r} belongs to partition {owner}/{p.count}, "
                 f"this writer is {p}", partition=f"{owner}/{p.count}")


class Decider(CreditControl, Notes):
    def __init__(self, state: State) -> None:
        self.S = state
        S = state
        # The committed maps and tables per kind (mutated in place by the state; never rebound).
        self._ix = {_CUST: S.customer_ix, _INV: S.invoice_ix, _PAY: S.payment_ix,
                    _CN: S.credit_note_ix, _DSP: S.dispute_ix, _PROM: S.promise_ix,
                    _SALE: S.sale_ix}
        self._names = {_CUST: S.customer_ids, _INV: S.invoice_ids, _PAY: S.payment_ids,
                       _CN: S.credit_note_ids, _DSP: S.dispute_ids, _PROM: S.promise_ids,
                       _SALE: S.sale_ids}
        self._tables = {_CUST: S.customers, _INV: S.invoices, _PAY: S.payments,
                        _CN: S.credit_notes, _DSP: S.disputes, _PROM: S.promises,
                        _SALE: S.sales}
        self._children = {_INV: S.customer_invoices, _PAY: S.customer_payments,
                          _CN: S.customer_credit_notes}
        self.partition = Partition()  # the ledger sets its own; customers outside it are refused
        self.first_position = 1  # of the group being decided
        self._handlers = {f.name: getattr(self, "_" + f.name)
                          for f in pb.Command.DESCRIPTOR.oneofs_by_name["command"].fields}
        self.reset()

    # ---- overlay --------------------------------------------------------------------------

    def reset(self) -> None:
        self.b = _Builder()
        self._env = self.b.table(E.ENVELOPE, E.ENVELOPE_COLUMNS)
        self._env_type = self._env["type"]
        self.undo: list[tuple[Any, Any, Any]] = []
        # Undo logging is needed only where a rollback can happen (atomic batches); handlers
        # validate everything before their first write, and `wrote` proves it when off.
        self.logging = True
        self.wrote = False
        self.new_ids: dict[str, dict[str, int]] = {k: {} for k in _KINDS}
        # Ids of the entities created in this group, in index order.
        self.new_names: dict[str, list[str]] = {k: [] for k in _KINDS}
        self.recs: dict[str, dict[int, tuple]] = {k: {} for k in _KINDS}
        # Per kind: customer -> indexes of its items created in this group.
        self.new_children: dict[str, dict[int, list[int]]] = {_INV: {}, _PAY: {}, _CN: {}}
        self.allocs: dict[int, dict[int, int]] = {}
        self.requests: dict[str, tuple[int, int, int]] = {}
        self.reset_credit_control()

    @property
    def empty(self) -> bool:
        return not self._env_type

    def savepoint(self) -> tuple[int, int]:
        return len(self.undo), len(self._env_type)

    def rollback(self, sp: tuple[int, int]) -> None:
        n, mark = sp
        while len(self.undo) > n:
            d, k, old = self.undo.pop()
            if old is _MISSING:
                del d[k]
            elif k is None:
                d.pop()  # undo of a list append
            else:
                d[k] = old
        self.b.truncate(mark)

    def _set(self, d: dict, k: Any, v: Any) -> None:
        if self.logging:
            self.undo.append((d, k, d.get(k, _MISSING)))
        else:
            self.wrote = True
        d[k] = v

    def _append(self, lst: list, v: Any) -> None:
        lst.append(v)
        if self.logging:
            self.undo.append((lst, None, None))
        else:
            self.wrote = True

    # Records: customer (currency, net_days, closed, opened_day, limit, on_hold,
    #                    over_limit action, allocation strategy)
    # invoice (customer, amount, issue_day, due_day, open, disputed, voided, reopen_day,
    #          kind, discount available, its last day)
    # payment (customer, amount, value_day, unapplied, reversed, alloc_day)
    # credit note (customer, amount, issue_day, unapplied)
    # dispute (invoice, amount, opened_day, open, under review)
    # promise (customer,), sale (price_bp, day)
    def rec(self, kind: str, ix: int) -> tuple:
        recs = self.recs[kind]
        r = recs.get(ix)
        if r is not None:
            return r
        S = self.S
        if kind == _CUST:
            c = S.customers
            r = (S.currencies[c.currency.item(ix)], c.net_days.item(ix), c.closed.item(ix),
                 c.opened_day.item(ix), c.credit_limit.item(ix), c.on_hold.item(ix),
                 c.over_limit.item(ix), c.strategy.item(ix))
        elif kind == _INV:
            i = S.invoices
            r = (i.customer.item(ix), i.amount.item(ix), i.issue_day.item(ix),
                 i.due_day.item(ix), i.open.item(ix), i.disputed.item(ix), i.voided.item(ix),
                 i.reopen_day.item(ix), i.kind.item(ix), i.disc.item(ix), i.disc_until.item(ix))
        elif kind == _PAY:
            p = S.payments
            r = (p.customer.item(ix), p.amount.item(ix), p.value_day.item(ix),
                 p.unapplied.item(ix), p.reversed.item(ix), p.alloc_day.item(ix))
        elif kind == _CN:
            c = S.credit_notes
            r = (c.customer.item(ix), c.amount.item(ix), c.issue_day.item(ix),
                 c.unapplied.item(ix))
        elif kind == _DSP:
            d = S.disputes
            r = (d.invoice.item(ix), d.amount.item(ix), d.opened_day.item(ix), d.open.item(ix),
                 int(d.review_day.item(ix) > 0))
        elif kind == _PROM:
            r = (S.promises.customer.item(ix),)
        else:
            r = (S.sales.price_bp.item(ix), S.sales.day.item(ix))
        # A cache of committed state for this group; no undo needed (a rollback of a later
        # write restores this same value).
        recs[ix] = r
        return r

    def put(self, kind: str, ix: int, *values: Any, **changes: Any) -> None:
        """Replace a record, either whole (`values`) or by field position (`_N=value`)."""
        if values:
            r = values
        else:
            lst = list(self.rec(kind, ix))
            for k, v in changes.items():
                lst[_FIELD[k]] = v
            r = tuple(lst)
        self._set(self.recs[kind], ix, r)

    def find(self, kind: str, id_: str) -> int | None:
        ix = self._ix[kind].get(id_)
        return ix if ix is not None else self.new_ids[kind].get(id_)

    def must(self, kind: str, id_: str, field: str) -> int:
        ix = self._ix[kind].get(id_)
        if ix is None:
            ix = self.new_ids[kind].get(id_)
            if ix is None:
                V.ident(id_, field)  # malformed rather than unknown?
                if kind == _CUST and not self.partition.owns(id_):
                    raise _wrong_partition(id_, self.partition)
                raise error(f"{kind.upper()}_NOT_FOUND", f"no {kind.replace('_', ' ')} {id_!r}")
        return ix

    def create(self, kind: str, id_: str) -> int:
        names = self.new_names[kind]
        ix = self._tables[kind].n + len(names)
        self._append(names, id_)
        self._set(self.new_ids[kind], id_, ix)
        return ix

    def children(self, kind: str, cust: int) -> list[int]:
        committed = self._children[kind][cust] if cust < self.S.customers.n else []
        new = self.new_children[kind].get(cust)
        return committed + new if new else committed

    def add_child(self, kind: str, cust: int, ix: int) -> None:
        d = self.new_children[kind]
        lst = d.get(cust)
        if lst is None:
            self._set(d, cust, [ix])
        else:
            self._append(lst, ix)

    def payment_allocations(self, pay: int) -> dict[int, int]:
        d = self.allocs.get(pay)
        if d is None:
            d = self.S.payment_allocations.get(pay, {})
        return d

    def id_of(self, kind: str, ix: int) -> str:
        committed = self._names[kind]
        return committed[ix] if ix < len(committed) else self.new_names[kind][ix - len(committed)]

    # ---- entries --------------------------------------------------------------------------

    def entry(self, type_name: str, eff_day: int, env: tuple[str, str, str, int],
              **cols: Any) -> int:
        t = E.BY_NAME[type_name]
        envt = self._env
        e = len(self._env_type)
        tbl = self.b.tables.get(type_name) or self.b.table(type_name, t.all_columns)
        envt["type"].append(t.code)
        envt["effective_day"].append(eff_day)
        envt["request_id"].append(env[0])
        envt["actor"].append(env[1])
        envt["reason"].append(env[2])
        envt["request_hash"].append(env[3])
        envt["row"].append(len(tbl["_e"]))
        tbl["_e"].append(e)
        for col, v in cols.items():
            tbl[col].append(v)
        assert len(cols) == len(t.columns), (type_name, sorted(cols))
        return e

    def allocation(self, e: int, source_kind: int, source_ix: int, inv: int, amt: int) -> None:
        t = self.b.table(E.ALLOCATIONS, E.ALLOCATION_COLUMNS)
        t["_e"].append(e)
        t["source_kind"].append(source_kind)
        t["source_ix"].append(source_ix)
        t["invoice_ix"].append(inv)
        t["amount_minor"].append(amt)
        r = self.rec(_INV, inv)
        self.put(_INV, inv, r[0], r[1], r[2], r[3], r[4] - amt, r[5], r[6],
                 r[7] if amt > 0 else max(r[7], self._env["effective_day"][e]), *r[8:])
        if source_kind == E.SOURCE_PAYMENT:
            cur = dict(self.payment_allocations(source_ix))
            v = cur.get(inv, 0) + amt
            if v:
                cur[inv] = v
            else:
                cur.pop(inv, None)
            self._set(self.allocs, source_ix, cur)

    # ---- the group -----------------------------------------------------------------------

    def decide(self, cmd: pb.Command, first_position: int) -> Outcome:
        """Decide one command; on rejection the overlay is as it was before."""
        which = cmd.WhichOneof("command")
        if which is None:
            return Outcome("REJECTED", "", error=error("EMPTY_COMMAND", "the command is empty"))
        msg = getattr(cmd, which)
        rid = msg.request_id
        h = request_hash(cmd)
        sp = self.savepoint()
        self.wrote = False  # before any check: a refusal must not see the previous command's writes
        try:
            V.ident(rid, "request_id")
            if msg.actor:
                V.text(msg.actor, "actor")
            if msg.reason:
                V.text(msg.reason, "reason")
            prior = self.requests.get(rid) or request_of(self.S, rid)
            if prior is not None:
                if prior[0] != h:
                    raise error("REQUEST_ID_REUSED", f"request id {rid!r} was used for another "
                                "payload")
                return Outcome("DUPLICATE", rid, position=prior[1], entry_count=prior[2])
            e0 = len(self._env_type)
            self.first_position = first_position
            out = Outcome("ACCEPTED", rid)
            self._handlers[which](msg, (rid, msg.actor, msg.reason, h), out)
            n = len(self._env_type) - e0
            if n == 0:  # a run that found nothing to do records nothing (not even its id)
                assert which == "run_dunning", which
                return out
            out.position, out.entry_count = first_position + e0, n
            self._set(self.requests, rid, (h, out.position, n))
            return out
        except LedgerError as err:
            if self.wrote:  # unlogged writes cannot be undone: a handler bug, fail the group
                raise AssertionError(f"{which} wrote before refusing with {err.reason}") from err
            self.rollback(sp)
            # Drop the traceback: it would tie the error to this frame in a reference cycle,
            # and the writer freezes the GC's view of long-lived objects after each fold.
            return Outcome("REJECTED", rid, error=err.with_traceback(None))

    def segment(self, seq: int, first_position: int, recorded_at_us: int, prev_hash: str) -> Segment:
        tables = self.b.finish()
        count = len(tables[E.ENVELOPE]["type"])
        return Segment(seq, first_position, count, recorded_at_us, prev_hash, tables)

    # ---- customers ------------------------------------------------------------------------

    def _open_customer(self, m: pb.OpenCustomerRequest, env, out: Outcome) -> None:
        cid = V.ident(m.customer_id, "customer_id")
        V.text(m.name, "name", required=True)
        cur = V.currency(m.currency)
        master = _master(m)
        if not 0 <= m.payment_terms_net_days <= limits.net_days_max:
            raise error("INVALID_NET_DAYS", f"payment_terms_net_days must be 0..{limits.net_days_max}")
        if not 0 <= m.credit_limit_minor <= limits.credit_limit_minor_max:
            raise error("INVALID_CREDIT_LIMIT", "credit_limit_minor must be 0..10^15")
        day = V.day(m.opened_date, "opened_date")
        if not self.partition.owns(cid):
            raise _wrong_partition(cid, self.partition)
        if self.find(_CUST, cid) is not None:
            raise error("CUSTOMER_EXISTS", f"customer {cid!r} already exists")
        ix = self.create(_CUST, cid)
        self.put(_CUST, ix, cur, m.payment_terms_net_days, 0, day, m.credit_limit_minor, 0, 0, 0)
        self.entry("CustomerOpened", day, env, customer_ix=ix, customer_id=cid, currency=cur,
                   payment_terms_net_days=m.payment_terms_net_days,
                   credit_limit_minor=m.credit_limit_minor, **master)

    def _live_customer(self, cid: str) -> tuple[int, tuple]:
        ix = self.must(_CUST, cid, "customer_id")
        r = self.rec(_CUST, ix)
        if r[2]:
            raise error("CUSTOMER_CLOSED", f"customer {cid!r} is closed")
        return ix, r

    def _update_customer(self, m: pb.UpdateCustomerRequest, env, out: Outcome) -> None:
        V.person(m.actor, m.reason, "a master-data change")
        ix, r = self._live_customer(m.customer_id)
        day = V.day(m.effective_date, "effective_date")
        changed = 0
        cols: dict[str, Any] = {"name": "", "billing_contact": "", "payment_terms_net_days": 0,
                                "credit_limit_minor": 0}
        cols.update({a: "" for a in E.ADDRESS_COLUMNS})
        if m.HasField("name"):
            cols["name"] = V.text(m.name, "name", required=True)
            changed |= E.CHANGED_NAME
        if m.HasField("billing_contact"):
            cols["billing_contact"] = V.text(m.billing_contact, "billing_contact")
            changed |= E.CHANGED_CONTACT
        if m.HasField("address"):
            cols.update({k: v for k, v in _master(m).items() if k.startswith("address_")})
            changed |= E.CHANGED_ADDRESS
        if m.HasField("payment_terms_net_days"):
            if not 0 <= m.payment_terms_net_days <= limits.net_days_max:
                raise error("INVALID_NET_DAYS", f"payment_terms_net_days must be 0..{limits.net_days_max}")
            cols["payment_terms_net_days"] = m.payment_terms_net_days
            changed |= E.CHANGED_NET_DAYS
        if m.HasField("credit_limit_minor"):
            if not 0 <= m.credit_limit_minor <= limits.credit_limit_minor_max:
                raise error("INVALID_CREDIT_LIMIT", "credit_limit_minor must be 0..10^15")
            cols["credit_limit_minor"] = m.credit_limit_minor
            changed |= E.CHANGED_LIMIT
        if not changed:
            raise error("NOTHING_TO_CHANGE", "set at least one field to change")
        if day < r[3]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
        if changed & E.CHANGED_NET_DAYS:
            self.put(_CUST, ix, _1=m.payment_terms_net_days)
        if changed & E.CHANGED_LIMIT:
            self.put(_CUST, ix, _4=m.credit_limit_minor)
        self.entry("CustomerUpdated", day, env, customer_ix=ix, changed=changed, **cols)

    def _close_customer(self, m: pb.CloseCustomerRequest, env, out: Outcome) -> None:
        ix, r = self._live_customer(m.customer_id)
        day = V.day(m.effective_date, "effective_date")
        if day < r[3]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
        open_ = sum(self.rec(_INV, i)[4] for i in self.children(_INV, ix))
        held = sum(self.rec(_PAY, p)[3] for p in self.children(_PAY, ix)) + \
            sum(self.rec(_CN, c)[3] for c in self.children(_CN, ix))
        if open_ or held:
            raise error("CUSTOMER_HAS_OPEN_BALANCE", f"customer {m.customer_id!r} still has "
                        f"{open_} open and {held} unapplied (minor units)")
        self.put(_CUST, ix, _2=1)
        self.entry("CustomerClosed", day, env, customer_ix=ix)

    # ---- invoices -------------------------------------------------------------------------

    def _issue_invoice(self, m: pb.IssueInvoiceRequest, env, out: Outcome) -> None:
        iid = V.ident(m.invoice_id, "invoice_id")
        cust, cr = self._live_customer(m.customer_id)
        if m.currency:
            V.currency(m.currency)
            if m.currency != cr[0]:
                raise error("CURRENCY_MISMATCH", f"invoice in {m.currency}, account in {cr[0]}")
        V.text(m.po_number, "po_number")
        issue = V.day(m.issue_date, "issue_date")
        if issue < cr[3]:
            raise error("DATE_BEFORE_ORIGIN", "issue_date is before the account opened")
        due = issue + cr[1]
        if m.due_date:
            due = V.day(m.due_date, "due_date")
            if due < issue:
                raise error("DUE_BEFORE_ISSUE", "due_date is before issue_date")
        if len(m.lines) > limits.lines_per_invoice_max:
            raise error("TOO_MANY_ITEMS", f"at most {limits.lines_per_invoice_max} lines")
        total = 0
        for n, line in enumerate(m.lines):
            V.text(line.description, f"lines[{n}].description")
            if not 0 < line.quantity <= limits.line_quantity_max or line.unit_price_minor < 0:
                raise error("INVALID_QUANTITY", f"lines[{n}]: quantity 1..{limits.line_quantity_max}, "
                            "unit price >= 0")
            total += line.quantity * line.unit_price_minor
        amount = m.amount_minor
        if m.lines:
            if amount and amount != total:
                raise error("LINES_AMOUNT_MISMATCH", f"amount_minor {amount} but lines sum to {total}")
            amount = total
        V.amount(amount, "amount_minor")
        if self.find(_INV, iid) is not None:
            raise error("DUPLICATE_INVOICE_NUMBER", f"invoice {iid!r} already exists")
        if cr[5]:
            raise error("CUSTOMER_ON_HOLD", f"customer {m.customer_id!r} is on hold: "
                        f"{self.hold_reason(cust)}; release the hold before invoicing")
        terms = self.invoice_terms(m, cust, issue, amount)
        if terms is not None:
            due = terms[1][-1][0]
        check = self.credit_check(cust, cr, amount)
        ix = self.create(_INV, iid)
        disc, until = terms[2] if terms else (0, 0)
        self.put(_INV, ix, cust, amount, issue, due, amount, 0, 0, 0, E.KIND_PRINCIPAL, disc,
                 until)
        self.add_child(_INV, cust, ix)
        self.balance(cust, amount)
        e = self.entry("InvoiceIssued", issue, env, invoice_ix=ix, invoice_id=iid,
                       customer_ix=cust, po_number=m.po_number, amount_minor=amount,
                       issue_day=issue, due_day=due)
        if m.lines:
            t = self.b.table(E.LINES, E.LINE_COLUMNS)
            for line in m.lines:
                t["_e"].append(e)
                t["description"].append(line.description)
                t["quantity"].append(line.quantity)
                t["unit_price_minor"].append(line.unit_price_minor)
        out.due_day = due
        if terms is not None:
            self.apply_terms(ix, terms, issue, env)
        if check is not None:
            self.record_credit_check(cust, ix, amount, check, issue, env, out)

    def _invoice(self, iid: str) -> tuple[int, tuple]:
        ix = self.must(_INV, iid, "invoice_id")
        r = self.rec(_INV, ix)
        if r[6]:
            raise error("INVOICE_VOIDED", f"invoice {iid!r} was voided")
        return ix, r

    def _void_invoice(self, m: pb.VoidInvoiceRequest, env, out: Outcome) -> None:
        if not m.reason.strip():
            raise error("REASON_REQUIRED", "voiding an invoice needs a reason")
        ix, r = self._invoice(m.invoice_id)
        day = V.day(m.effective_date, "effective_date")
        if r[4] != r[1]:
            raise error("INVOICE_HAS_APPLIED_MONEY", f"invoice {m.invoice_id!r} has "
                        f"{r[1] - r[4]} applied; reverse or credit instead")
        if r[5]:
            raise error("INVOICE_DISPUTED", f"invoice {m.invoice_id!r} has an open dispute")
        if day < r[2]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the issue date")
        _not_before_reopening(r, day, m.invoice_id)
        self.put(_INV, ix, _4=0, _6=1)
        self.balance(r[0], -r[1])
        self.entry("InvoiceVoided", day, env, invoice_ix=ix, amount_minor=r[1])

    # ---- cash application -----------------------------------------------------------------

    def _plan(self, cust: int, available: int, day: int, strategy: int,
              given: Any, required: bool) -> list[tuple[int, int, str | None, int]]:
        """(invoice index, amount, invoice id if known, early-payment discount taken) getting
        `available`, effective `day`. Without a strategy or allocations, the customer's own
        strategy applies (oldest due first by default)."""
        if not given and strategy == pb.ALLOCATION_STRATEGY_UNSPECIFIED:
            strategy = self.rec(_CUST, cust)[7] or pb.OLDEST_DUE_FIRST
        if given and strategy not in (pb.ALLOCATION_STRATEGY_UNSPECIFIED, pb.EXPLICIT):
            raise error("ALLOCATIONS_NOT_ALLOWED", "allocations are only for the EXPLICIT strategy")
        if strategy not in _STRATEGIES:
            raise error("INVALID_ENUM", f"unknown allocation strategy {strategy}")
        if given or strategy == pb.EXPLICIT:
            if not given:
                raise error("MISSING_FIELD", "EXPLICIT needs allocations")
            if len(given) > limits.allocations_per_command_max:
                raise error("TOO_MANY_ITEMS", f"at most {limits.allocations_per_command_max} allocations")
            plan: list[tuple[int, int, str | None, int]] = []
            seen: set[int] = set()
            total = 0
            for n, a in enumerate(given):
                ix, r = self._invoice(a.invoice_id)
                amt = a.amount_minor
                if not 0 < amt <= limits.amount_minor_max:
                    V.amount(amt, f"allocations[{n}].amount_minor")
                if ix in seen:
                    raise error("DUPLICATE_ALLOCATION", f"invoice {a.invoice_id!r} appears twice")
                seen.add(ix)
                if r[0] != cust:
                    raise error("INVOICE_OF_OTHER_CUSTOMER", f"invoice {a.invoice_id!r} belongs to "
                                "another customer")
                if r[2] > day:
                    raise error("DATE_BEFORE_ORIGIN", f"invoice {a.invoice_id!r} is issued after "
                                "the allocation's date")
                if amt > r[4]:
                    raise error("ALLOCATION_EXCEEDS_OPEN", f"invoice {a.invoice_id!r} has {r[4]} open,"
                                f" {amt} allocated")
                _not_before_reopening(r, day, a.invoice_id)
                total += amt
                # Paying the discounted amount within the window settles the invoice.
                disc = r[4] - amt if r[9] and day <= r[10] and r[4] - r[9] <= amt < r[4] else 0
                plan.append((ix, amt, a.invoice_id, disc))
            if total > available:
                raise error("ALLOCATION_EXCEEDS_AMOUNT", f"allocations sum to {total}, "
                            f"{available} available")
            return plan
        if strategy == pb.LEAVE_UNAPPLIED:
            if required:
                raise error("INVALID_ENUM", "LEAVE_UNAPPLIED allocates nothing")
            return []
        by_kind = strategy == pb.FEES_INTEREST_PRINCIPAL
        cands = []
        for ix in self.children(_INV, cust):
            r = self.rec(_INV, ix)
            if r[4] > 0 and not r[6] and r[2] <= day and r[7] <= day:
                disc = r[9] if r[9] and day <= r[10] and r[9] < r[4] else 0
                # Fees (kind 1), then interest (2), then principal (0), by due date within each.
                cands.append(((r[8] - 1) % 3 if by_kind else 0, r[3], r[2], ix, r[4], disc))
        cands.sort(reverse=strategy == pb.NEWEST_DUE_FIRST)
        plan = []
        left = available
        for _, _, _, ix, open_, disc in cands:
            if not left:
                break
            if disc and left >= open_ - disc:
                plan.append((ix, open_ - disc, None, disc))
                left -= open_ - disc
                continue
            a = min(open_, left)
            plan.append((ix, a, None, 0))
            left -= a
        if required and not plan:
            raise error("NOTHING_TO_ALLOCATE", "no open invoice issued on or before the date")
        return plan

    def _apply_plan(self, e: int, kind: int, src: int, plan, out: Outcome) -> int:
        total = 0
        for inv, a, iid, _ in plan:
            self.allocation(e, kind, src, inv, a)
            out.allocations.append((iid or self.id_of(_INV, inv), a))
            total += a
        for inv, _, _, disc in plan:
            if disc:
                self.close_rest(inv, src, disc, "DiscountTaken", self._env["effective_day"][e],
                                self.envelope_of(e))
                out.warnings.append("DISCOUNT_TAKEN")
        if kind == E.SOURCE_PAYMENT:
            self.short_pay_tolerance(plan, src, e, out)
        return total

    def _record_payment(self, m: pb.RecordPaymentRequest, env, out: Outcome) -> None:
        pid = V.ident(m.payment_id, "payment_id")
        cust, cr = self._live_customer(m.customer_id)
        amount = self.money_received(m, cr, "payment")
        day = V.day(m.value_date, "value_date")
        if day < cr[3]:
            raise error("DATE_BEFORE_ORIGIN", "value_date is before the account opened")
        V.text(m.remittance_reference, "remittance_reference")
        if self.find(_PAY, pid) is not None:
            raise error("PAYMENT_EXISTS", f"payment {pid!r} already exists")
        plan = self._plan(cust, amount, day, m.strategy, m.allocations, required=False)
        ix = self.create(_PAY, pid)
        unapplied = amount - sum(p[1] for p in plan)
        self.put(_PAY, ix, cust, amount, day, unapplied, 0, day)
        self.balance(cust, -amount)
        self.add_child(_PAY, cust, ix)
        e = self.entry("PaymentRecorded", day, env, payment_ix=ix, payment_id=pid,
                       customer_ix=cust, amount_minor=amount, method=m.method, value_day=day,
                       remittance_reference=m.remittance_reference, unapplied_minor=unapplied)
        self._apply_plan(e, E.SOURCE_PAYMENT, ix, plan, out)
        out.unapplied_minor = unapplied

    @staticmethod
    def money_received(m: Any, cr: tuple, what: str) -> int:
        """Currency (the account's), amount and method of money received; the amount."""
        V.currency(m.currency)
        if m.currency != cr[0]:
            raise error("CURRENCY_MISMATCH", f"{what} in {m.currency}, account in {cr[0]}")
        amount = V.amount(m.amount_minor, "amount_minor")
        if m.method not in _METHODS:
            raise error("INVALID_ENUM", "method is required (BANK_TRANSFER, CHEQUE, CARD, ...)")
        return amount

    def _allocate_payment(self, m: pb.AllocatePaymentRequest, env, out: Outcome) -> None:
        ix = self.must(_PAY, m.payment_id, "payment_id")
        r = self.rec(_PAY, ix)
        if r[4]:
            raise error("PAYMENT_REVERSED", f"payment {m.payment_id!r} was reversed")
        day = V.day(m.effective_date, "effective_date")
        if day < r[2]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the payment's value date")
        if r[3] <= 0:
            raise error("NOTHING_UNAPPLIED", f"payment {m.payment_id!r} has nothing unapplied")
        plan = self._plan(r[0], r[3], day, m.strategy, m.allocations, required=True)
        e = self.entry("PaymentAllocated", day, env, payment_ix=ix)
        self.put(_PAY, ix, _3=r[3] - sum(p[1] for p in plan), _5=max(r[5], day))
        used = self._apply_plan(e, E.SOURCE_PAYMENT, ix, plan, out)
        out.unapplied_minor = r[3] - used

    def _reverse_payment(self, m: pb.ReversePaymentRequest, env, out: Outcome) -> None:
        ix = self.must(_PAY, m.payment_id, "payment_id")
        r = self.rec(_PAY, ix)
        if r[4]:
            raise error("PAYMENT_REVERSED", f"payment {m.payment_id!r} was already reversed")
        if m.reversal_reason not in _REVERSAL_REASONS:
            raise error("INVALID_ENUM", "reversal_reason is required (RETURNED_CHEQUE, ...)")
        day = V.day(m.effective_date, "effective_date")
        if day < max(r[2], r[5]):
            raise error("DATE_BEFORE_ORIGIN", "a reversal cannot precede the payment or its "
                        "allocations")
        refunded = r[1] - r[3] - sum(self.payment_allocations(ix).values())
        if refunded:
            raise error("PAYMENT_HAS_REFUNDS", f"{refunded} of payment {m.payment_id!r} was "
                        "refunded; a reversal would take back money already paid out")
        e = self.entry("PaymentReversed", day, env, payment_ix=ix,
                       reversal_reason=m.reversal_reason, amount_minor=r[1])
        for inv, a in sorted(self.payment_allocations(ix).items()):
            self.allocation(e, E.SOURCE_PAYMENT, ix, inv, -a)
            out.allocations.append((self.id_of(_INV, inv), -a))
        self.put(_PAY, ix, _3=0, _4=1)
        self.balance(r[0], r[1])
        self.undo_closures(ix, day, env)

    # ---- credit notes, disputes, write-offs -----------------------------------------------

    def _credit_note(self, env, cnid: str, cust: int, amount: int, day: int, reason_code: str,
                     dispute: int, invoice: int | None, out: Outcome) -> None:
        if self.find(_CN, cnid) is not None:
            raise error("CREDIT_NOTE_EXISTS", f"credit note {cnid!r} already exists")
        ix = self.create(_CN, cnid)
        self.put(_CN, ix, cust, amount, day, amount)
        self.balance(cust, -amount)
        self.add_child(_CN, cust, ix)
        e = self.entry("CreditNoteIssued", day, env, credit_note_ix=ix, credit_note_id=cnid,
                       customer_ix=cust, amount_minor=amount, issue_day=day,
                       reason_code=reason_code, dispute_ix=dispute)
        if invoice is not None:
            ir = self.rec(_INV, invoice)
            # Dated before a reversal reopened the invoice: kept as account credit.
            applied = min(amount, ir[4]) if day >= ir[7] else 0
            if applied:
                self._apply_plan(e, E.SOURCE_CREDIT_NOTE, ix, [(invoice, applied, None, 0)], out)
                self.put(_CN, ix, _3=amount - applied)
        out.unapplied_minor = self.rec(_CN, ix)[3]

    def _issue_credit_note(self, m: pb.IssueCreditNoteRequest, env, out: Outcome) -> None:
        cnid = V.ident(m.credit_note_id, "credit_note_id")
        cust, cr = self._live_customer(m.customer_id)
        V.currency(m.currency)
        if m.currency != cr[0]:
            raise error("CURRENCY_MISMATCH", f"credit note in {m.currency}, account in {cr[0]}")
        amount = V.amount(m.amount_minor, "amount_minor")
        day = V.day(m.issue_date, "issue_date")
        if day < cr[3]:
            raise error("DATE_BEFORE_ORIGIN", "issue_date is before the account opened")
        V.text(m.reason_code, "reason_code")
        invoice = None
        if m.invoice_id:
            invoice, r = self._invoice(m.invoice_id)
            if r[0] != cust:
                raise error("INVOICE_OF_OTHER_CUSTOMER", f"invoice {m.invoice_id!r} belongs to "
                            "another customer")
            if r[2] > day:
                raise error("DATE_BEFORE_ORIGIN", "the credit note predates the invoice")
            if amount > r[4]:
                raise error("CREDIT_EXCEEDS_OPEN", f"invoice {m.invoice_id!r} has {r[4]} open")
            _not_before_reopening(r, day, m.invoice_id)
        self._credit_note(env, cnid, cust, amount, day, m.reason_code, -1, invoice, out)

    def _allocate_credit_note(self, m: pb.AllocateCreditNoteRequest, env, out: Outcome) -> None:
        ix = self.must(_CN, m.credit_note_id, "credit_note_id")
        r = self.rec(_CN, ix)
        day = V.day(m.effective_date, "effective_date")
        if day < r[2]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the credit note's date")
        if r[3] <= 0:
            raise error("NOTHING_UNAPPLIED", f"credit note {m.credit_note_id!r} has nothing "
                        "unapplied")
        plan = self._plan(r[0], r[3], day, m.strategy, m.allocations, required=True)
        e = self.entry("CreditNoteAllocated", day, env, credit_note_ix=ix)
        used = self._apply_plan(e, E.SOURCE_CREDIT_NOTE, ix, plan, out)
        self.put(_CN, ix, _3=r[3] - used)
        out.unapplied_minor = r[3] - used

    def _open_dispute(self, m: pb.OpenDisputeRequest, env, out: Outcome) -> None:
        did = V.ident(m.dispute_id, "dispute_id")
        inv, r = self._invoice(m.invoice_id)
        amount = V.amount(m.amount_minor, "amount_minor")
        V.text(m.reason_code, "reason_code", required=True)
        day = V.day(m.opened_date, "opened_date")
        if day < r[2]:
            raise error("DATE_BEFORE_ORIGIN", "opened_date is before the invoice's issue date")
        if amount > r[4] - r[5]:
            raise error("DISPUTE_EXCEEDS_OPEN", f"invoice {m.invoice_id!r} has {r[4] - r[5]} open "
                        "and not yet disputed")
        if self.find(_DSP, did) is not None:
            raise error("DISPUTE_EXISTS", f"dispute {did!r} already exists")
        ix = self.create(_DSP, did)
        self.put(_DSP, ix, inv, amount, day, 1, 0)
        self.put(_INV, inv, _5=r[5] + amount)
        self.entry("DisputeOpened", day, env, dispute_ix=ix, dispute_id=did, invoice_ix=inv,
                   amount_minor=amount, reason_code=m.reason_code)

    def _resolve_dispute(self, m: pb.ResolveDisputeRequest, env, out: Outcome) -> None:
        V.person(m.actor, m.reason, "a dispute resolution")
        ix = self.must(_DSP, m.dispute_id, "dispute_id")
        inv, amount, opened, is_open, _ = self.rec(_DSP, ix)
        if not is_open:
            raise error("DISPUTE_NOT_OPEN", f"dispute {m.dispute_id!r} is already resolved")
        day = V.day(m.resolved_date, "resolved_date")
        if day < opened:
            raise error("DATE_BEFORE_ORIGIN", "resolved_date is before the dispute opened")
        credited = m.credited_amount_minor
        if m.outcome == pb.DISPUTE_UPHELD:
            if credited not in (0, amount):
                raise error("CREDIT_AMOUNT_INVALID", f"upheld credits the disputed {amount}")
            credited = amount
        elif m.outcome == pb.DISPUTE_PARTIALLY_UPHELD:
            if not 0 < credited < amount:
                raise error("CREDIT_AMOUNT_INVALID", f"partially upheld credits 1..{amount - 1}")
        elif m.outcome == pb.DISPUTE_REJECTED:
            if credited:
                raise error("CREDIT_AMOUNT_INVALID", "a rejected dispute credits nothing")
        else:
            raise error("INVALID_ENUM", "outcome is required")
        cnid = V.ident(m.credit_note_id, "credit_note_id") if credited else ""
        if credited and self.find(_CN, cnid) is not None:
            raise error("CREDIT_NOTE_EXISTS", f"credit note {cnid!r} already exists")
        ir = self.rec(_INV, inv)
        self.put(_DSP, ix, _3=0)
        self.put(_INV, inv, _5=ir[5] - amount)
        self.entry("DisputeResolved", day, env, dispute_ix=ix, outcome=m.outcome,
                   credited_minor=credited)
        if credited:
            self._credit_note(env, cnid, ir[0], credited, day, "DISPUTE", ix, inv, out)

    def _write_off_invoice(self, m: pb.WriteOffInvoiceRequest, env, out: Outcome) -> None:
        V.person(m.actor, m.reason, "a write-off")
        ix, r = self._invoice(m.invoice_id)
        day = V.day(m.effective_date, "effective_date")
        if day < r[2]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the issue date")
        if r[4] <= 0:
            raise error("NOTHING_OPEN", f"invoice {m.invoice_id!r} has nothing open")
        amount = m.amount_minor or r[4]
        V.amount(amount, "amount_minor")
        if amount > r[4]:
            raise error("WRITE_OFF_EXCEEDS_OPEN", f"invoice {m.invoice_id!r} has {r[4]} open")
        _not_before_reopening(r, day, m.invoice_id)
        self.put(_INV, ix, _4=r[4] - amount)
        self.balance(r[0], -amount)
        self._add_bad_debt(r[0], 0, amount)
        self.entry("InvoiceWrittenOff", day, env, invoice_ix=ix, amount_minor=amount)

    # ---- portfolio risk (issue 6): derived data, no money moves ----------------------------

    def _risk_model_known(self, version: str) -> bool:
        from arledger.domain.risk_models import BUILTIN
        pending = self.b.tables.get("RiskModelRegistered")  # this group's, rolled back with it
        return (version in BUILTIN or version in self.S.risk_model_ix
                or (pending is not None and version in pending["model_version"]))

    def _register_risk_model(self, m: pb.RegisterRiskModelRequest, env, out: Outcome) -> None:
        import json

        from arledger.domain.risk_models import parse_model
        V.person(m.actor, m.reason, "registering a risk model")
        version = V.ident(m.model_version, "model_version")
        model = parse_model(m.model_json, version)
        day = V.day(m.effective_date, "effective_date")
        if self._risk_model_known(version):
            raise error("MODEL_VERSION_EXISTS", f"risk model {version!r} is registered already")
        # Canonical JSON: the same model always stores the same bytes (and no raw control
        # characters reach the segment's NUL-joined strings).
        self.entry("RiskModelRegistered", day, env, model_version=version,
                   model_json=json.dumps(model, sort_keys=True, separators=(",", ":")))

    def _record_portfolio_rescore(self, m: pb.RecordPortfolioRescoreRequest, env,
                                  out: Outcome) -> None:
        import json

        from arledger.domain.risk_models import SUMMARY_JSON_MAX
        version = V.ident(m.model_version, "model_version")
        day = V.day(m.as_of, "as_of")
        digest = m.score_digest
        if (m.customer_count < 0 or not 0 <= m.known_position <= self.S.head_position
                or len(digest) != 64 or digest.strip("0123456789abcdef")):
            raise error("INVALID_RESCORE", "customer_count >= 0, known_position within the log, "
                        "score_digest 64 lower-case hex digits")
        try:
            summary = json.loads(m.summary_json or "{}")
        except ValueError:
            summary = None
        if not isinstance(summary, dict) or len(m.summary_json) > SUMMARY_JSON_MAX:
            raise error("INVALID_RESCORE", f"summary_json must be a JSON object of at most "
                        f"{SUMMARY_JSON_MAX} characters")
        if not self._risk_model_known(version):
            raise error("UNKNOWN_MODEL_VERSION", f"no risk model {version!r}")
        self.entry("PortfolioRescored", day, env, model_version=version, as_of_day=day,
                   known_position=m.known_position, customer_count=m.customer_count,
                   score_digest=digest,
                   summary_json=json.dumps(summary, sort_keys=True, separators=(",", ":")))


def _not_before_reopening(r: tuple, day: int, invoice_id: str) -> None:
    """Money applied to an invoice may not be dated before a reversal reopened it: as of
    that earlier date less was open, and an as-of view would go below zero."""
    if day < r[7]:
        raise error("DATE_BEFORE_REOPENING", f"invoice {invoice_id!r} was reopened by a reversal "
                    f"effective {day_to_iso(r[7])}; date this on or after that")


def _master(m: Any) -> dict[str, str]:
    a = m.address
    out = {"name": V.text(m.name, "name"), "billing_contact": V.text(m.billing_contact,
                                                                      "billing_contact")}
    for col, val in zip(E.ADDRESS_COLUMNS, (a.line1, a.line2, a.city, a.region, a.postal_code,
                                            a.country)):
        out[col] = V.text(val, col)
    return out
