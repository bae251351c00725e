"""The in-memory state of one partition, and the one fold that builds it.

`apply_segment` is the only way state changes: the live writer calls it after a
segment is durable, and replay calls it for every stored segment, so a rebuild
equals the live state bit for bit (`digest`). Every entity has a dense index
(the order it was created in the log); numeric attributes live in growable
numpy columns, text master data in Python lists.

Money movements are also kept as a *journal* (kind, item, customer, effective
day, segment, delta): the live open amounts are its running sums, and views as
of a past effective day, or as known at a past recorded time, are masked sums
over it (projections/), so no history is ever re-read from the store to answer
them.
"""

from __future__ import annotations

import hashlib

import numpy as np

from arledger.domain import entries as E
from arledger.domain import policies as P
from arledger.engine import notes as _notes
from arledger.engine.segment import GENESIS_HASH, Segment

# Dunning marks are a threshold (days past due, possibly negative) + DUN_BASE; 0 = none yet.
DUN_BASE = 100_000
# Journal kinds: whose open amount a row moves.
J_INVOICE, J_CASH, J_CREDIT, J_DISPUTED = 0, 1, 2, 3


class Columns:
    """Growable numpy columns of one entity kind (amortised O(1) append).

    Each column is also a plain attribute (`cols.amount`), rebound when the
    capacity grows; slice with `view(name)` for the filled part.
    """

    def __init__(self, spec: dict[str, str]) -> None:
        self.spec = spec
        self.n = 0
        self._cap = 0
        self._cols: dict[str, np.ndarray] = {k: np.zeros(0, dtype=v) for k, v in spec.items()}
        self.__dict__.update(self._cols)

    def reserve(self, extra: int) -> None:
        need = self.n + extra
        if need <= self._cap:
            return
        cap = max(need, self._cap * 2, 1024)
        for k, old in self._cols.items():
            new = np.zeros(cap, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            self._cols[k] = new
        self.__dict__.update(self._cols)
        self._cap = cap

    def append(self, rows: int, /, **values: np.ndarray | int) -> int:
        """Append `rows` rows; returns the first new index."""
        self.reserve(rows)
        first = self.n
        for k, v in values.items():
            self._cols[k][first:first + rows] = v
        self.n += rows
        return first

    def view(self, name: str) -> np.ndarray:
        return self._cols[name][: self.n]


class State:
    def __init__(self) -> None:
        # balance: live running balance (open - unapplied cash - unapplied credit) for the
        # credit check; on_hold, over_limit (action override) and strategy (cash application
        # default) are the customer's credit-control settings (0 = none / the policy's).
        self.customers = Columns({"currency": "<i2", "net_days": "<i4", "credit_limit": "<i8",
                                  "closed": "|u1", "opened_day": "<i4", "balance": "<i8",
                                  "on_hold": "|u1", "over_limit": "|u1", "strategy": "|u1"})
        self.customer_ids: list[str] = []
        self.customer_ix: dict[str, int] = {}
        self.currencies: list[str] = []
        # Master data text, by customer index: [name, billing_contact, 6 address lines].
        self.master: list[list[str]] = []
        # kind: principal, fee or interest (E.KIND_*); disc/disc_until: early-payment discount
        # still available and its last day; inst_first/inst_n: its rows in `installments`
        # (inst_n 0 = one due date, the invoice's own); dun_mark/int_day: the days-past-due
        # threshold of the last dunning step taken (+ DUN_BASE; 0 = none) and the day interest
        # was last assessed to (for invoices without installments).
        self.invoices = Columns({"customer": "<i4", "amount": "<i8", "issue_day": "<i4",
                                 "due_day": "<i4", "open": "<i8", "disputed": "<i8",
                                 "voided": "|u1", "reopen_day": "<i4", "kind": "|u1",
                                 "disc": "<i8", "disc_until": "<i4", "inst_first": "<i8",
                                 "inst_n": "<i4", "dun_mark": "<i4", "int_day": "<i4"})
        self.installments = Columns({"invoice": "<i8", "number": "<i4", "due_day": "<i4",
                                     "amount": "<i8", "dun_mark": "<i4", "int_day": "<i4"})
        self.invoice_ids: list[str] = []
        self.invoice_ix: dict[str, int] = {}
        self.po_numbers: list[str] = []
        self.payments = Columns({"customer": "<i4", "amount": "<i8", "value_day": "<i4",
                                 "unapplied": "<i8", "reversed": "|u1",
                                 "alloc_day": "<i4"})
        self.payment_ids: list[str] = []
        self.payment_ix: dict[str, int] = {}
        # Net amount a payment has applied per invoice (what a reversal reopens).
        self.payment_allocations: dict[int, dict[int, int]] = {}
        self.credit_notes = Columns({"customer": "<i4", "amount": "<i8", "issue_day": "<i4",
                                     "unapplied": "<i8"})
        self.credit_note_ids: list[str] = []
        self.credit_note_ix: dict[str, int] = {}
        self.disputes = Columns({"invoice": "<i8", "amount": "<i8", "opened_day": "<i4",
                                 "open": "|u1", "review_day": "<i4", "outcome": "|u1",
                                 "resolved_day": "<i4"})
        self.dispute_reasons: list[str] = []
        self.dispute_ids: list[str] = []
        self.dispute_ix: dict[str, int] = {}
        # Per customer: indexes of its invoices, payments, credit notes (creation order).
        self.customer_invoices: list[list[int]] = []
        self.customer_payments: list[list[int]] = []
        self.customer_credit_notes: list[list[int]] = []
        # `etype`: the entry type that moved the amount; `pos`: that entry's log position (a
        # statement line is a journal row, and its position is what an inclusion proof names).
        self.journal = Columns({"kind": "|u1", "item": "<i8", "customer": "<i4", "day": "<i4",
                                "seq": "<i4", "delta": "<i8", "etype": "|u1", "pos": "<i8"})
        self._init_credit_control()
        # Every master-data change (CustomerUpdated): customer, effective day, segment, bits.
        self.master_changes = Columns({"customer": "<i4", "day": "<i4", "seq": "<i4",
                                       "changed": "|u1"})
        # request id -> the first log position its command wrote
        self.requests: dict[str, int] = {}
        # Per log position (index = position - 1): the request hash of the command that wrote
        # it, and at a command's first position its entry count.
        self.positions = Columns({"request_hash": "<u8", "command_entries": "<u2"})
        self.segments = Columns({"first_position": "<i8", "count": "<i4",
                                 "recorded_at_us": "<i8"})
        self.head_position = 0
        self.head_seq = 0
        self.head_hash = GENESIS_HASH
        self.head_recorded_at_us = 0
        self.max_effective_day = -(2**31)
        # Portfolio risk (issue 6): registered model versions (JSON as logged) and every
        # recorded re-score (the scores themselves are derived data, recomputable from these).
        self.risk_model_versions: list[str] = []
        self.risk_model_ix: dict[str, int] = {}
        self.risk_model_json: list[str] = []
        self.rescores = Columns({"as_of_day": "<i4", "known_position": "<i8",
                                 "customer_count": "<i8", "model": "<i4"})
        self.rescore_digests: list[str] = []
        self.rescore_summaries: list[str] = []

    def _init_credit_control(self) -> None:
        """Issue 4's state: policies (versioned), promises, dunning, sales, credit events."""
        # Payment terms and dunning ladders: one index per version; by id -> indexes in order.
        self.terms: list[P.PaymentTerms] = []
        self.terms_ids: list[str] = []
        self.terms_versions: dict[str, list[int]] = {}
        self.dunning_policies: list[P.DunningPolicy] = []
        self.dunning_policy_ids: list[str] = []
        self.dunning_versions: dict[str, list[int]] = {}
        self.credit_policies: list[P.CreditPolicy] = []
        # Sparse per-customer settings: terms id and dunning policy id of their own.
        self.customer_terms: dict[int, str] = {}
        self.customer_dunning: dict[int, str] = {}
        self.invoice_terms: dict[int, int] = {}
        # Per customer, in log order: (kind, day, position, actor, reason, *figures) of
        # holds, limit changes and credit checks (few per customer; the account view).
        self.credit_events: dict[int, list[tuple]] = {}
        # seq: the segment that recorded it (reports as known at a time filter on it).
        self.promises = Columns({"customer": "<i4", "amount": "<i8", "made_day": "<i4",
                                 "inst_first": "<i8", "inst_n": "<i4", "inv_first": "<i8",
                                 "inv_n": "<i4", "broken": "|u1", "seq": "<i4"})
        self.recoveries = Columns({"customer": "<i4", "amount": "<i8", "day": "<i4",
                                   "seq": "<i4"})
        self.promise_ids: list[str] = []
        self.promise_ix: dict[str, int] = {}
        self.promise_installments = Columns({"promise": "<i8", "due_day": "<i4",
                                             "amount": "<i8"})
        self.promise_invoices = Columns({"promise": "<i8", "invoice": "<i8"})
        self.customer_promises: dict[int, list[int]] = {}
        # pos: the step's log position; fee_inv / int_inv: its charge invoices (-1: none).
        self.dunning_steps = Columns({"invoice": "<i8", "installment": "<i4", "level": "<i4",
                                      "policy": "<i4", "day": "<i4", "dpd": "<i4",
                                      "open": "<i8", "fee": "<i8", "interest": "<i8",
                                      "pos": "<i8", "fee_inv": "<i8", "int_inv": "<i8"})
        self.sales = Columns({"face": "<i8", "price": "<i8", "price_bp": "<i4", "day": "<i4"})
        self.sale_ids: list[str] = []
        self.sale_ix: dict[str, int] = {}
        self.sale_agencies: list[str] = []
        # invoice -> (sale, amount sold) while sold (a recall removes it).
        self.invoice_sale: dict[int, tuple[int, int]] = {}
        # Discounts a payment took and small balances it closed, per invoice (what its
        # reversal undoes).
        self.payment_discounts: dict[int, dict[int, int]] = {}
        self.payment_small_writeoffs: dict[int, dict[int, int]] = {}
        # Per customer: bad debt written off and sold (face, net of recalls), in minor units
        # (what was recovered is in `recoveries`).
        self.customer_written_off: dict[int, int] = {}
        self.customer_sold: dict[int, int] = {}
        self.recovery_ids: set[str] = set()
        self.refund_ids: set[str] = set()

    # ---- the fold -------------------------------------------------------------------------

    def apply_segment(self, seg: Segment, blob_hash: str) -> None:
        """Fold one durable segment into the state (live path and replay alike)."""
        assert seg.seq == self.head_seq + 1 and seg.first_position == self.head_position + 1
        t = seg.tables
        env = t[E.ENVELOPE]
        eff = np.asarray(env["effective_day"], dtype=np.int32)
        etypes = np.asarray(env["type"], dtype=np.uint8)
        jk: list[np.ndarray] = []  # journal parts: (kind, item, entry row, delta)
        ji: list[np.ndarray] = []
        je: list[np.ndarray] = []
        jv: list[np.ndarray] = []

        def journal(kind: int, item: np.ndarray, rows_e: np.ndarray, delta: np.ndarray) -> None:
            jk.append(np.full(len(item), kind, dtype=np.uint8))
            ji.append(np.asarray(item, dtype=np.int64))
            je.append(np.asarray(rows_e, dtype=np.int64))
            jv.append(np.asarray(delta, dtype=np.int64))

        c = t.get("CustomerOpened")
        if c is not None:
            k = len(c["_e"])
            first = self.customers.append(
                k, currency=[self._currency_code(x) for x in c["currency"]],
                net_days=c["payment_terms_net_days"], credit_limit=c["credit_limit_minor"],
                opened_day=eff[c["_e"]])
            assert first == int(c["customer_ix"][0])
            _created(self.customer_ids, self.customer_ix, c["customer_id"], first)
            cols = [c["name"], c["billing_contact"]] + [c[a] for a in E.ADDRESS_COLUMNS]
            self.master.extend([list(r) for r in zip(*cols)])
            for lst in (self.customer_invoices, self.customer_payments, self.customer_credit_notes):
                lst.extend([] for _ in range(k))
        c = t.get("CustomerUpdated")
        if c is not None:
            self.master_changes.append(len(c["_e"]), customer=c["customer_ix"],
                                       day=eff[c["_e"]], seq=seg.seq, changed=c["changed"])
            cu = self.customers
            for i in range(len(c["_e"])):
                ix, ch = int(c["customer_ix"][i]), int(c["changed"][i])
                m = self.master[ix]
                if ch & E.CHANGED_NAME:
                    m[0] = c["name"][i]
                if ch & E.CHANGED_CONTACT:
                    m[1] = c["billing_contact"][i]
                if ch & E.CHANGED_ADDRESS:
                    m[2:8] = [c[a][i] for a in E.ADDRESS_COLUMNS]
                if ch & E.CHANGED_NET_DAYS:
                    cu.net_days[ix] = c["payment_terms_net_days"][i]
                # CHANGED_LIMIT is folded in log order with the other credit events below.
        c = t.get("CustomerClosed")
        if c is not None:
            self.customers.closed[c["customer_ix"]] = 1
        c = t.get("InvoiceIssued")
        if c is not None:
            k = len(c["_e"])
            first = self.invoices.append(k, customer=c["customer_ix"], amount=c["amount_minor"],
                                         issue_day=c["issue_day"], due_day=c["due_day"])
            assert first == int(c["invoice_ix"][0])
            _created(self.invoice_ids, self.invoice_ix, c["invoice_id"], first,
                     self.customer_invoices, c["customer_ix"])
            self.po_numbers.extend(c["po_number"])
            journal(J_INVOICE, c["invoice_ix"], c["_e"], c["amount_minor"])
        c = t.get("InvoiceVoided")
        if c is not None:
            self.invoices.voided[c["invoice_ix"]] = 1
            journal(J_INVOICE, c["invoice_ix"], c["_e"], -c["amount_minor"])
        c = t.get("PaymentRecorded")
        if c is not None:
            k = len(c["_e"])
            first = self.payments.append(k, customer=c["customer_ix"], amount=c["amount_minor"],
                                         value_day=c["value_day"], alloc_day=c["value_day"])
            assert first == int(c["payment_ix"][0])
            _created(self.payment_ids, self.payment_ix, c["payment_id"], first,
                     self.customer_payments, c["customer_ix"])
            journal(J_CASH, c["payment_ix"], c["_e"], c["amount_minor"])
        c = t.get("PaymentReversed")
        if c is not None:
            self.payments.reversed[c["payment_ix"]] = 1
            journal(J_CASH, c["payment_ix"], c["_e"], -c["amount_minor"])
        c = t.get("CreditNoteIssued")
        if c is not None:
            k = len(c["_e"])
            first = self.credit_notes.append(k, customer=c["customer_ix"],
                                             amount=c["amount_minor"], issue_day=c["issue_day"])
            assert first == int(c["credit_note_ix"][0])
            _created(self.credit_note_ids, self.credit_note_ix, c["credit_note_id"], first,
                     self.customer_credit_notes, c["customer_ix"])
            journal(J_CREDIT, c["credit_note_ix"], c["_e"], c["amount_minor"])
        c = t.get(E.ALLOCATIONS)
        if c is not None:
            amt = c["amount_minor"]
            journal(J_INVOICE, c["invoice_ix"], c["_e"], -amt)
            is_pay = c["source_kind"] == E.SOURCE_PAYMENT
            for kind, mask in ((J_CASH, is_pay), (J_CREDIT, ~is_pay)):
                if mask.any():
                    journal(kind, c["source_ix"][mask], c["_e"][mask], -amt[mask])
            undone = amt < 0
            if undone.any():
                # The latest day a reversal reopened each invoice: money may not be applied to
                # it with an earlier date (its open amount as of then was smaller).
                np.maximum.at(self.invoices.reopen_day, c["invoice_ix"][undone],
                              eff[c["_e"][undone]])
            if is_pay.any():
                # The latest day any allocation of a payment took effect (a reversal is never earlier).
                np.maximum.at(self.payments.alloc_day, c["source_ix"][is_pay], eff[c["_e"][is_pay]])
            pa = self.payment_allocations
            for p, inv, a in zip(c["source_ix"][is_pay].tolist(), c["invoice_ix"][is_pay].tolist(),
                                 amt[is_pay].tolist()):
                d = pa.setdefault(p, {})
                v = d.get(inv, 0) + a
                if v:
                    d[inv] = v
                else:
                    del d[inv]
        c = t.get("DisputeOpened")
        if c is not None:
            k = len(c["_e"])
            first = self.disputes.append(k, invoice=c["invoice_ix"], amount=c["amount_minor"],
                                         opened_day=eff[c["_e"]], open=1)
            assert first == int(c["dispute_ix"][0])
            _created(self.dispute_ids, self.dispute_ix, c["dispute_id"], first)
            self.dispute_reasons.extend(c["reason_code"])
            journal(J_DISPUTED, c["invoice_ix"], c["_e"], c["amount_minor"])
        c = t.get("DisputeResolved")
        if c is not None:
            d = c["dispute_ix"]
            self.disputes.open[d] = 0
            self.disputes.outcome[d] = c["outcome"]
            self.disputes.resolved_day[d] = eff[c["_e"]]
            journal(J_DISPUTED, self.disputes.invoice[d], c["_e"], -self.disputes.amount[d])
        c = t.get("InvoiceWrittenOff")
        if c is not None:
            journal(J_INVOICE, c["invoice_ix"], c["_e"], -c["amount_minor"])
            self._per_customer(self.customer_written_off, c["invoice_ix"], c["amount_minor"])
        self._fold_credit_control(t, env, eff, seg, journal)
        c = t.get("RiskModelRegistered")
        if c is not None:
            _created(self.risk_model_versions, self.risk_model_ix, c["model_version"],
                     len(self.risk_model_versions))
            self.risk_model_json.extend(c["model_json"])
        c = t.get("PortfolioRescored")
        if c is not None:
            # A built-in version (not in the log) is -1; its name is in the digest list's entry.
            self.rescores.append(len(c["_e"]), as_of_day=c["as_of_day"],
                                 known_position=c["known_position"],
                                 customer_count=c["customer_count"],
                                 model=[self.risk_model_ix.get(v, -1) for v in c["model_version"]])
            self.rescore_digests.extend(f"{v}:{d}" for v, d in zip(c["model_version"],
                                                                     c["score_digest"]))
            self.rescore_summaries.extend(c["summary_json"])
        # ---- issue 17: notes on customers (engine/notes.py keeps them; no money moves) ----
        _notes.fold(self, t, eff, seg)

        if jk:
            rows = np.concatenate(je)
            self._post(np.concatenate(jk), np.concatenate(ji), eff[rows], np.concatenate(jv),
                       seg.seq, etypes[rows], seg.first_position + rows)
        starts, counts = _command_starts(env["request_id"])
        rids = env["request_id"]
        self.requests.update(zip([rids[i] for i in starts],
                                 (seg.first_position + starts).tolist()))
        first = self.positions.append(seg.count, request_hash=env["request_hash"])
        self.positions.command_entries[first + starts] = counts
        self.segments.append(1, first_position=seg.first_position, count=seg.count,
                             recorded_at_us=seg.recorded_at_us)
        self.head_position = seg.last_position
        self.head_seq = seg.seq
        self.head_hash = blob_hash
        self.head_recorded_at_us = seg.recorded_at_us
        if len(eff):
            self.max_effective_day = max(self.max_effective_day, int(eff.max()))

    def _fold_credit_control(self, t: dict, env: dict, eff: np.ndarray, seg: Segment,
                             journal) -> None:  # type: ignore[no-untyped-def]
        """Issue 4's entry types: policies, terms, charges, discounts, promises, dunning,
        sales, refunds, and (in log order) the credit events of customers."""
        for name, defs, ids, versions, parse in (
                ("PaymentTermsDefined", self.terms, self.terms_ids, self.terms_versions,
                 P.PaymentTerms.from_json),
                ("DunningPolicyDefined", self.dunning_policies, self.dunning_policy_ids,
                 self.dunning_versions, P.DunningPolicy.from_json)):
            c = t.get(name)
            if c is not None:
                id_col = "terms_id" if name == "PaymentTermsDefined" else "policy_id"
                for pid, text in zip(c[id_col], c["definition"]):
                    versions.setdefault(pid, []).append(len(defs))
                    defs.append(parse(text))
                    ids.append(pid)
        c = t.get("CreditPolicyDefined")
        if c is not None:
            self.credit_policies.extend(P.CreditPolicy.from_json(x) for x in c["definition"])
        inv = self.invoices
        c = t.get("InvoiceTermsApplied")
        if c is not None:
            inv.disc[c["invoice_ix"]] = c["discount_minor"]
            inv.disc_until[c["invoice_ix"]] = c["discount_until_day"]
            self.invoice_terms.update(zip(c["invoice_ix"].tolist(), c["terms_ix"].tolist()))
        c = t.get(E.INSTALLMENTS)
        if c is not None:
            k = len(c["_e"])
            first = self.installments.append(k, invoice=c["invoice_ix"], number=c["number"],
                                             due_day=c["due_day"], amount=c["amount_minor"])
            starts = np.flatnonzero(c["number"] == 1)  # an invoice's rows are consecutive
            owners = c["invoice_ix"][starts]
            inv.inst_first[owners] = first + starts
            inv.inst_n[owners] = np.diff(np.append(starts, k))
        c = t.get("ChargeAssessed")
        if c is not None:
            inv.kind[c["invoice_ix"]] = c["charge_kind"]
        for name, per_payment in (("DiscountTaken", self.payment_discounts),
                                  ("SmallBalanceWrittenOff", self.payment_small_writeoffs)):
            c = t.get(name)
            if c is None:
                continue
            journal(J_INVOICE, c["invoice_ix"], c["_e"], -c["amount_minor"])
            if name == "DiscountTaken":  # taken (or, once reversed, no longer on offer)
                inv.disc[c["invoice_ix"]] = 0
            for p, i, a in zip(c["payment_ix"].tolist(), c["invoice_ix"].tolist(),
                               c["amount_minor"].tolist()):
                d = per_payment.setdefault(p, {})
                d[i] = d.get(i, 0) + a
                if not d[i]:
                    del d[i]
                    if not d:
                        del per_payment[p]
        c = t.get("ReceivablesSold")
        if c is not None:
            k = len(c["_e"])
            first = self.sales.append(k, face=c["face_minor"], price=c["price_minor"],
                                      price_bp=c["price_bp"], day=eff[c["_e"]])
            _created(self.sale_ids, self.sale_ix, c["sale_id"], first)
            self.sale_agencies.extend(c["agency"])
        c = t.get("InvoiceSold")
        if c is not None:
            journal(J_INVOICE, c["invoice_ix"], c["_e"], -c["amount_minor"])
            for i, sale, a in zip(c["invoice_ix"].tolist(), c["sale_ix"].tolist(),
                                  c["amount_minor"].tolist()):
                self.invoice_sale[i] = (sale, a)
            self._per_customer(self.customer_sold, c["invoice_ix"], c["amount_minor"])
        c = t.get("InvoiceRecalled")
        if c is not None:
            journal(J_INVOICE, c["invoice_ix"], c["_e"], c["amount_minor"])
            for i in c["invoice_ix"].tolist():
                del self.invoice_sale[i]
            self._per_customer(self.customer_sold, c["invoice_ix"], -c["amount_minor"])
        c = t.get("UnappliedRefunded")
        if c is not None:
            self.refund_ids.update(c["refund_id"])
            for kind, col in ((J_CASH, "payment_ix"), (J_CREDIT, "credit_note_ix")):
                m = c[col] >= 0
                if m.any():
                    journal(kind, c[col][m], c["_e"][m], -c["amount_minor"][m])
        c = t.get("BadDebtRecovered")
        if c is not None:
            self.recovery_ids.update(c["recovery_id"])
            self.recoveries.append(len(c["_e"]), customer=c["customer_ix"],
                                   amount=c["amount_minor"], day=eff[c["_e"]], seq=seg.seq)
        c = t.get("PromiseMade")
        if c is not None:
            pi, pv = t[E.PROMISE_INSTALLMENTS], t.get(E.PROMISE_INVOICES)
            for i in range(len(c["_e"])):
                e = c["_e"][i]
                rows = np.flatnonzero(pi["_e"] == e)
                ifirst = self.promise_installments.append(
                    len(rows), promise=pi["promise_ix"][rows], due_day=pi["due_day"][rows],
                    amount=pi["amount_minor"][rows])
                vrows = np.flatnonzero(pv["_e"] == e) if pv is not None else np.zeros(0, int)
                vfirst = self.promise_invoices.append(
                    len(vrows), promise=c["promise_ix"][i],
                    invoice=pv["invoice_ix"][vrows] if len(vrows) else 0)
                cust = int(c["customer_ix"][i])
                ix = self.promises.append(1, customer=cust, amount=c["amount_minor"][i],
                                          made_day=eff[e], inst_first=ifirst,
                                          inst_n=len(rows), inv_first=vfirst, inv_n=len(vrows),
                                          seq=seg.seq)
                assert ix == int(c["promise_ix"][i])
                self.promise_ids.append(c["promise_id"][i])
                self.promise_ix[c["promise_id"][i]] = ix
                self.customer_promises.setdefault(cust, []).append(ix)
        c = t.get("PromiseBroken")
        if c is not None:
            self.promises.broken[c["promise_ix"]] = 1
        c = t.get("DisputeReviewStarted")
        if c is not None:
            self.disputes.review_day[c["dispute_ix"]] = eff[c["_e"]]
        c = t.get("DunningStepTaken")
        if c is not None:
            k = len(c["_e"])
            first = self.dunning_steps.append(
                k, invoice=c["invoice_ix"], installment=c["installment"], level=c["level"],
                policy=c["policy_ix"], day=eff[c["_e"]], dpd=c["days_past_due"],
                open=c["open_minor"], fee=c["fee_minor"], interest=c["interest_minor"],
                pos=seg.first_position + c["_e"], fee_inv=-1, int_inv=-1)
            ch = t.get("ChargeAssessed")
            if ch is not None:  # a step's charges follow it at once
                step = first + np.searchsorted(c["_e"], ch["_e"], side="right") - 1
                ok = step >= first
                for kind, col in ((E.KIND_FEE, self.dunning_steps.fee_inv),
                                  (E.KIND_INTEREST, self.dunning_steps.int_inv)):
                    m = ok & (ch["charge_kind"] == kind)
                    col[step[m]] = ch["invoice_ix"][m]
            i = c["invoice_ix"]
            multi = inv.inst_n[i] > 0
            rows = inv.inst_first[i[multi]] + c["installment"][multi] - 1
            # The threshold reached (not the level's number): a later ladder version takes a
            # step only where its level's threshold is beyond it.
            lv = DUN_BASE + np.asarray(
                [self.dunning_policies[p].levels[n - 1].days_past_due
                 for p, n in zip(c["policy_ix"].tolist(), c["level"].tolist())], dtype=np.int32)
            ist = self.installments
            ist.dun_mark[rows] = np.maximum(ist.dun_mark[rows], lv[multi])
            inv.dun_mark[i[~multi]] = np.maximum(inv.dun_mark[i[~multi]], lv[~multi])
            charged = c["interest_minor"] > 0
            ist.int_day[rows[charged[multi]]] = eff[c["_e"][multi & charged]]
            inv.int_day[i[~multi & charged]] = eff[c["_e"][~multi & charged]]
        self._fold_credit_events(t, env, eff, seg)

    def _fold_credit_events(self, t: dict, env: dict, eff: np.ndarray, seg: Segment) -> None:
        """Holds, limits, customer policies and credit checks: folded in log order, since
        one segment may place and release a hold, or change a limit twice."""
        events = []
        for name in ("CustomerPoliciesSet", "CreditLimitChanged", "CreditCheckDecided",
                     "CustomerHoldPlaced", "CustomerHoldReleased", "CustomerUpdated"):
            c = t.get(name)
            if c is not None:
                events.extend((int(e), name, r) for r, e in enumerate(c["_e"].tolist()))
        if not events:
            return
        cu = self.customers
        for e, name, r in sorted(events):
            c = t[name]
            ix = int(c["customer_ix"][r])
            head = (int(eff[e]), seg.first_position + e, env["actor"][e], env["reason"][e])
            log = self.credit_events.setdefault(ix, [])
            if name == "CustomerUpdated":  # only a limit change is a credit event
                if int(c["changed"][r]) & E.CHANGED_LIMIT:
                    new = int(c["credit_limit_minor"][r])
                    log.append(("LIMIT",) + head + (int(cu.credit_limit[ix]), new))
                    cu.credit_limit[ix] = new
            elif name == "CreditLimitChanged":
                cu.credit_limit[ix] = c["new_limit_minor"][r]
                log.append(("LIMIT",) + head + (int(c["old_limit_minor"][r]),
                                                int(c["new_limit_minor"][r])))
            elif name == "CustomerHoldPlaced":
                cu.on_hold[ix] = 1
                log.append(("HOLD_PLACED",) + head + (int(c["hold_source"][r]),))
            elif name == "CustomerHoldReleased":
                cu.on_hold[ix] = 0
                log.append(("HOLD_RELEASED",) + head + (0,))
            elif name == "CreditCheckDecided":
                log.append(("CREDIT_CHECK",) + head + (
                    int(c["invoice_ix"][r]), int(c["over_limit_action"][r]),
                    int(c["exposure_before_minor"][r]), int(c["invoice_minor"][r]),
                    int(c["limit_minor"][r])))
            else:  # CustomerPoliciesSet
                if c["terms_id"][r]:
                    self.customer_terms[ix] = c["terms_id"][r]
                if c["dunning_policy_id"][r]:
                    self.customer_dunning[ix] = c["dunning_policy_id"][r]
                if c["over_limit_action"][r]:
                    cu.over_limit[ix] = c["over_limit_action"][r]
                if c["allocation_strategy"][r]:
                    cu.strategy[ix] = c["allocation_strategy"][r]
                log.append(("POLICIES",) + head + (c["terms_id"][r], int(c["over_limit_action"][r]),
                                                   int(c["allocation_strategy"][r]),
                                                   c["dunning_policy_id"][r]))
            if not log:
                del self.credit_events[ix]

    def _per_customer(self, totals: dict[int, int], invoices: np.ndarray,
                      amounts: np.ndarray) -> None:
        """Add amounts of invoices to their customers' totals."""
        for cust, a in zip(self.invoices.customer[invoices].tolist(), amounts.tolist()):
            totals[cust] = totals.get(cust, 0) + a

    def _post(self, kind: np.ndarray, item: np.ndarray, day: np.ndarray, delta: np.ndarray,
              seq: int, etype: np.ndarray, pos: np.ndarray) -> None:
        cust = np.empty(len(item), dtype=np.int32)
        for k, owner in ((J_INVOICE, self.invoices.customer), (J_CASH, self.payments.customer),
                         (J_CREDIT, self.credit_notes.customer),
                         (J_DISPUTED, self.invoices.customer)):
            m = kind == k
            cust[m] = owner[item[m]]
        self.journal.append(len(item), kind=kind, item=item, customer=cust, day=day, seq=seq,
                            delta=delta, etype=etype, pos=pos)
        sign = np.where(kind == J_INVOICE, 1, np.where(kind == J_DISPUTED, 0, -1))
        np.add.at(self.customers.balance, cust, sign * delta)
        for k, items in ((J_INVOICE, self.invoices.open), (J_CASH, self.payments.unapplied),
                         (J_CREDIT, self.credit_notes.unapplied),
                         (J_DISPUTED, self.invoices.disputed)):
            m = kind == k
            if m.any():
                np.add.at(items, item[m], delta[m])

    def _currency_code(self, code: str) -> int:
        try:
            return self.currencies.index(code)
        except ValueError:
            self.currencies.append(code)
            return len(self.currencies) - 1

    # ---- identity -----------------------------------------------------------------------

    def digest(self) -> str:
        """SHA-256 over everything the state holds; equal after a replay."""
        h = hashlib.sha256()
        for cols in (self.customers, self.invoices, self.payments, self.credit_notes,
                     self.disputes, self.journal, self.segments, self.positions,
                     self.master_changes, self.rescores, self.installments, self.promises,
                     self.promise_installments, self.promise_invoices, self.dunning_steps,
                     self.sales, self.recoveries):
            for name in sorted(cols.spec):
                h.update(cols.view(name).tobytes())
        for strings in (self.customer_ids, self.invoice_ids, self.payment_ids,
                        self.credit_note_ids, self.dispute_ids, self.po_numbers, self.currencies,
                        self.risk_model_versions, self.risk_model_json, self.rescore_digests,
                        self.rescore_summaries):
            h.update("\x00".join(strings).encode())
            h.update(b"\x01")
        for m in self.master:
            h.update("\x00".join(m).encode())
        # Issue 4: policies, per-customer settings, credit events, sales, promises.
        for strings in (self.terms_ids, self.dunning_policy_ids, self.promise_ids, self.sale_ids,
                        self.sale_agencies, self.dispute_reasons):
            h.update("\x00".join(strings).encode())
            h.update(b"\x01")
        h.update(repr((self.terms, self.dunning_policies, self.credit_policies,
                       sorted(self.customer_terms.items()), sorted(self.customer_dunning.items()),
                       sorted(self.invoice_terms.items()), sorted(self.credit_events.items()),
                       sorted(self.invoice_sale.items()), sorted(self.customer_written_off.items()),
                       sorted(self.customer_sold.items()),
                       sorted((k, sorted(v.items())) for k, v in self.payment_discounts.items()),
                       sorted((k, sorted(v.items()))
                              for k, v in self.payment_small_writeoffs.items()),
                       sorted(self.recovery_ids), sorted(self.refund_ids),
                       sorted(self.customer_promises.items()))).encode())
        h.update(repr(sorted(self.requests.items())).encode())
        h.update(repr(sorted((k, sorted(v.items())) for k, v in
                             self.payment_allocations.items())).encode())
        h.update(f"{self.head_position}:{self.head_seq}:{self.head_hash}".encode())
        return h.hexdigest()

    def segment_of(self, position: int) -> int:
        """1-based segment number holding a log position (which must exist)."""
        fp = self.segments.view("first_position")
        return int(np.searchsorted(fp, position, side="right"))


def _created(ids: list[str], index: dict[str, int], new: list[str], first: int,
             children: list[list[int]] | None = None, customers: np.ndarray | None = None) -> None:
    """Register entities created by a segment: ids, id -> index, and each customer's list."""
    ixs = range(first, first + len(new))
    ids.extend(new)
    index.update(zip(new, ixs))
    if children is not None:
        for cust, ix in zip(customers.tolist(), ixs):
            children[cust].append(ix)


def _command_starts(rids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Indexes where each command's entries start in a segment, and their entry counts.

    A command's entries are consecutive and share its request id.
    """
    n = len(rids)
    starts = np.asarray([0] + [i for i in range(1, n) if rids[i] != rids[i - 1]], dtype=np.int64)
    return starts, np.diff(np.append(starts, n))


def request_of(S: "State", rid: str) -> tuple[int, int, int] | None:
    """(request hash, first position, entry count) of a stored request id, or None."""
    pos = S.requests.get(rid)
    if pos is None:
        return None
    p = S.positions
    return int(p.request_hash[pos - 1]), pos, int(p.command_entries[pos - 1])
