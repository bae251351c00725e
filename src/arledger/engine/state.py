"""The read state of one partition, and the one fold that builds it.

`apply_segment` is the only way it changes: the live writer calls it once a segment is
durable, replay calls it for every stored segment, followers for what they tail; so a
rebuild equals the live state bit for bit (`digest`).

- `book` (engine/book.py): the figures decisions use, changed by the compiled apply
  functions of engine/apply.py, the very functions the decider applies to its own book.
- the movement journal (kind, item, customer, effective day, segment, delta, entry type,
  position): one row per change of an open amount, appended by the same compiled pass.
  The live open amounts are its running sums; views as of a past effective day, or as
  known at a past recorded time, are masked sums over it (projections/), so no history
  is ever re-read from the store to answer them.
- what only the views need, folded here per table: master data text, installments,
  dunning marks and steps, promises, credit events, sales, recoveries, re-scores.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import numpy.typing as npt

from arledger.domain import entries as E
from arledger.domain import policies as P
from arledger.engine import apply as ap
from arledger.engine.apply import J_CASH, J_CREDIT, J_DISPUTED, J_INVOICE  # noqa: F401
from arledger.engine.bank_state import BankState, LineIds, StatementIds
from arledger.engine.book import CREATES, Book, I2s, I4s, I8s, U1s
from arledger.engine.ids import IdIndex
from arledger.engine.policy_state import PolicyState
from arledger.engine.records import TYPE, Recs
from arledger.engine.segment import GENESIS_HASH, Layout, Segment
from arledger.engine.text import StrColumn, TextColumn

# Dunning marks are a threshold (days past due, possibly negative) + DUN_BASE; 0 = none yet.
DUN_BASE = 100_000
_T = {t.name: t.code for t in E.ENTRY_TYPES}


class Columns:
    """Growable numpy columns of a table only the read state keeps (amortised O(1) append).

    Each column is also a plain attribute (`cols.amount`), rebound when the capacity
    grows; slice with `view(name)` for the filled part.
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

    def append(self, rows: int, /, **values: npt.ArrayLike) -> int:
        """Append `rows` rows; returns the first new index."""
        self.reserve(rows)
        first = self.n
        for k, v in values.items():
            self._cols[k][first:first + rows] = v
        self.n += rows
        return first

    def view(self, name: str) -> np.ndarray:
        return self._cols[name][: self.n]


MASTER_FIELDS = ("name", "billing_contact") + E.ADDRESS_COLUMNS


class Master:
    """Customer master data text: one TextColumn per field (name, contact, address)."""

    def __init__(self) -> None:
        self.fields = {f: TextColumn() for f in MASTER_FIELDS}

    def __getitem__(self, ix: int) -> list[str]:
        return [self.fields[f][ix] for f in MASTER_FIELDS]

    def __len__(self) -> int:
        return len(self.fields["name"])

    def name(self, ix: int) -> str:
        return self.fields["name"][ix]


# The account view's credit events (State.credit_events): per entry type, the tag an event
# carries and the entry's fields after (day, position, actor, reason). CustomerUpdated is a
# LIMIT event (old, new) only when it changed the limit; the fold works that out.
_CREDIT_EVENT_KIND = {"CustomerPoliciesSet": "POLICIES", "CreditLimitChanged": "LIMIT",
                      "CreditCheckDecided": "CREDIT_CHECK", "CustomerHoldPlaced": "HOLD_PLACED",
                      "CustomerHoldReleased": "HOLD_RELEASED", "CustomerUpdated": "UPDATED"}
_CREDIT_EVENT_FIELDS = {
    "CustomerPoliciesSet": ("terms_id", "over_limit_action", "allocation_strategy",
                            "dunning_policy_id"),
    "CreditLimitChanged": ("old_limit_minor", "new_limit_minor"),
    "CreditCheckDecided": ("invoice_ix", "over_limit_action", "exposure_before_minor",
                           "invoice_minor", "limit_minor"),
    "CustomerHoldPlaced": ("hold_source",),
    "CustomerHoldReleased": ("",),  # "": a 0 in its place
    "CustomerUpdated": ("changed", "credit_limit_minor"),
}


def _take(column: Any, rows: list[int]) -> list[str]:
    """Some rows of a decoded text column (a StrColumn, or a plain list)."""
    if hasattr(column, "take"):
        return column.take(rows)
    return [column[i] for i in rows]


class State:
    def __init__(self) -> None:
        self.book = Book()
        B = self.book
        self.customers, self.invoices, self.payments = B.customers, B.invoices, B.payments
        self.credit_notes, self.disputes, self.sales = B.credit_notes, B.disputes, B.sales
        ids = B.ids
        # Ids by kind: `<kind>_ids[ix]` is the id of an index (an IdTable), `<kind>_ix[id]`
        # the index of an id (a mapping view of the same table).
        for kind in ("customer", "invoice", "payment", "credit_note", "dispute", "promise",
                     "sale"):
            setattr(self, kind + "_ids", ids[kind])
            setattr(self, kind + "_ix", IdIndex(ids[kind]))
        self.recovery_ids, self.refund_ids = ids["recovery"], ids["refund"]
        self.currencies: list[str] = []
        self.master = Master()
        self.po_numbers, self.dispute_reasons, self.sale_agencies = (TextColumn() for _ in "123")
        self.installments = Installments({"invoice": "<i8", "number": "<i4", "due_day": "<i4",
                                          "amount": "<i8", "dun_mark": "<i4", "int_day": "<i4"})
        # `etype`: the entry type that moved the amount; `pos`: that entry's log position (a
        # statement line is a journal row, and its position is what an inclusion proof names).
        self.journal = Journal({"kind": "|u1", "item": "<i8", "customer": "<i4", "day": "<i4",
                                "seq": "<i4", "delta": "<i8", "etype": "|u1", "pos": "<i8"})
        self._journal_on = np.array([0, 1], np.int64)
        # Every master-data change (CustomerUpdated): customer, effective day, segment, bits.
        self.master_changes = MasterChanges({"customer": "<i4", "day": "<i4", "seq": "<i4",
                                             "changed": "|u1"})
        self.segments = Segments({"first_position": "<i8", "count": "<i4",
                                  "recorded_at_us": "<i8"})
        self.policies = PolicyState()
        self.bank = BankState()  # bank statements and cash application
        self.line_ids, self.statement_ids = LineIds(self.bank), StatementIds(self.bank)
        self.invoice_terms: dict[int, int] = {}
        # Per customer, in log order: (kind, day, position, actor, reason, *figures) of
        # holds, limit changes and credit checks (few per customer; the account view).
        self.credit_events: dict[int, list[tuple]] = {}
        # seq: the segment that recorded it (reports as known at a time filter on it).
        self.promises = Promises({"customer": "<i4", "amount": "<i8", "made_day": "<i4",
                                  "inst_first": "<i8", "inst_n": "<i4", "inv_first": "<i8",
                                  "inv_n": "<i4", "broken": "|u1", "seq": "<i4"})
        self.promise_installments = PromiseInstallments({"promise": "<i8", "due_day": "<i4",
                                                         "amount": "<i8"})
        self.promise_invoices = PromiseInvoices({"promise": "<i8", "invoice": "<i8"})
        self.customer_promises: dict[int, list[int]] = {}
        self.recoveries = Recoveries({"customer": "<i4", "amount": "<i8", "day": "<i4",
                                      "seq": "<i4"})
        # pos: the step's log position; fee_inv / int_inv: its charge invoices (-1: none).
        self.dunning_steps = DunningSteps({"invoice": "<i8", "installment": "<i4", "level": "<i4",
                                           "policy": "<i4", "day": "<i4", "dpd": "<i4",
                                           "open": "<i8", "fee": "<i8", "interest": "<i8",
                                           "pos": "<i8", "fee_inv": "<i8", "int_inv": "<i8"})
        # Portfolio risk: every recorded re-score (the scores themselves are derived data,
        # recomputable from these); `pos`: the entry's log position (a retried re-score
        # request finds what it recorded).
        self.rescores = Rescores({"as_of_day": "<i4", "known_position": "<i8",
                                  "customer_count": "<i8", "model": "<i4", "pos": "<i8"})
        self.rescore_digests: list[str] = []
        self.rescore_summaries: list[str] = []
        # Notes on customers (NoteAdded): customer, effective day, segment, log position;
        # their text and who wrote them.
        self.notes = Notes({"customer": "<i4", "day": "<i4", "seq": "<i4", "pos": "<i8"})
        self.note_texts = TextColumn()
        self.note_actors = TextColumn()
        # Allowance rate versions (index = the version's index in
        # policies.allowances): effective day, the segment and position that recorded it.
        self.allowance_records = AllowanceRecords({"day": "<i4", "seq": "<i4", "pos": "<i8"})
        # Exchange rates: rate date, segment, position, base and quote (indexes into
        # fx_codes); the exact rate text and the source.
        self.fx_rates = FxRates({"day": "<i4", "seq": "<i4", "pos": "<i8", "base": "<i2",
                                 "quote": "<i2"})
        self.fx_codes: list[str] = []
        self.fx_rate_text: list[str] = []
        self.fx_sources: list[str] = []
        # What the account view needs to be read as known at a past segment: the segment
        # that recorded each dispute's opening, review and resolution (0: not yet), and
        # the log position of each terms version and credit policy version.
        self.dispute_seqs = DisputeSeqs({"opened": "<i4", "review": "<i4", "resolved": "<i4"})
        self.terms_positions = Positions({"pos": "<i8"})
        self.credit_policy_positions = Positions({"pos": "<i8"})
        self.head_position = 0
        self.head_seq = 0
        self.head_hash = GENESIS_HASH
        self.head_recorded_at_us = 0
        self.max_effective_day = -(2**31)

    # ---- policies, by their old names -----------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        policies = self.__dict__.get("policies")
        if policies is not None and hasattr(policies, name):
            return getattr(policies, name)
        raise AttributeError(name)

    @property
    def requests(self) -> RequestIndex:
        """Request id -> the first log position its command wrote."""
        return RequestIndex(self.book)

    # ---- per-customer lists ------------------------------------------------------------------

    def invoices_of(self, cust: int) -> np.ndarray:
        """Indexes of a customer's invoices, in creation order."""
        return _walk(self.customers.inv_head[cust], self.invoices.next)

    def payments_of(self, cust: int) -> np.ndarray:
        return _walk(self.customers.pay_head[cust], self.payments.next)

    def credit_notes_of(self, cust: int) -> np.ndarray:
        return _walk(self.customers.cn_head[cust], self.credit_notes.next)

    def payment_allocations(self, pay: int) -> dict[int, int]:
        """Net amount a payment has applied per invoice (what a reversal reopens)."""
        return _net_rows(self.book.allocs, int(self.payments.alloc_head[pay]))

    def payment_closures(self, pay: int, kind: int) -> dict[int, int]:
        """Per invoice, what a payment closed without money (CLOSURE_* kind), net."""
        return _net_rows(self.book.closures, int(self.payments.closure_head[pay]), kind)

    def currency_code(self, code: str) -> int:
        try:
            return self.currencies.index(code)
        except ValueError:
            self.currencies.append(code)
            return len(self.currencies) - 1

    def fx_code(self, code: str) -> int:
        """Index of a currency among those exchange rates name (added on first sight)."""
        try:
            return self.fx_codes.index(code)
        except ValueError:
            self.fx_codes.append(code)
            return len(self.fx_codes) - 1

    # ---- the fold -------------------------------------------------------------------------

    def apply_segment(self, seg: Segment, blob_hash: str, recs: Recs | None = None) -> None:
        """Fold one durable segment into the state (live path and replay alike)."""
        assert seg.seq == self.head_seq + 1 and seg.first_position == self.head_position + 1
        t = seg.tables
        if recs is None:
            recs = Recs.from_tables(t)
        opened = t.get("CustomerOpened")
        if opened is not None:
            cur = np.array([self.currency_code(x) for x in opened["currency"]], np.int64)
            recs.arr.r[np.asarray(opened["_e"], np.int64), ap.CURRENCY_SLOT] = cur
        limits_before = self._limits_before(t)
        self._apply_core(seg, t, recs)
        self._fold_view(seg, t, recs, limits_before)
        self.bank.fold(recs, seg.first_position)  # statements and cash application
        self.segments.append(1, first_position=seg.first_position, count=seg.count,
                             recorded_at_us=seg.recorded_at_us)
        self.head_position = seg.last_position
        self.head_seq = seg.seq
        self.head_hash = blob_hash
        self.head_recorded_at_us = seg.recorded_at_us
        if recs.n:
            self.max_effective_day = max(self.max_effective_day,
                                         int(recs.arr.r[: recs.n, 1].max()))

    def reserve_ahead(self, segs: list[Segment]) -> None:
        """Room for these decoded segments, about to be folded."""
        self._reserve([(g.count, {k: (len(v["_e"]) if "_e" in v else g.count,
                                      {c: _bytes(v[c]) for c in _ID_COLS.get(k, ())})
                                  for k, v in g.tables.items()}) for g in segs])

    def reserve_layouts(self, layouts: list[Layout]) -> None:
        """Room for stored segments about to be folded, from their headers alone
        (segment.layout): replay reserves a page of segments before it decodes and
        folds them one at a time, so each table grows about once per page, to the size
        the page needs, instead of doubling under every large segment (layouts were a
        quarter of a replay, and left tables up to 2.7 times the rows they held), and
        no more than two decoded segments are held at a time, the one folding and the
        next (fresh memory is dear on a VM: see docs/design.md). The layouts' sizes are
        held to their blobs' lengths (segment.layout); a table without an id column the
        fold needs ends the reservation there (the fold reports that segment in order)."""
        wanted = []
        for count, tables in layouts:
            try:
                wanted.append((count, {k: (rows, {c: nbytes[c] for c in _ID_COLS.get(k, ())})
                                       for k, (rows, nbytes) in tables.items()}))
            except KeyError:
                break
        self._reserve(wanted)

    def _reserve(self, segments: list[tuple[int, dict[str, tuple[int, dict[str, int]]]]]) -> None:
        """Room in the book, its ids and the journal for segments given as (entries,
        {table: (rows, {id column: bytes})})."""
        rows = dict.fromkeys(_ROW_TABLES.values(), 0)
        rows["requests"] = 0
        ids: dict[str, tuple[int, int]] = {}
        journal = 0
        for count, tables in segments:
            rows["requests"] += count
            journal += count
            for table, (n, id_bytes) in tables.items():
                if table in _ROW_TABLES:
                    rows[_ROW_TABLES[table]] += n
                if table == E.ALLOCATIONS:
                    journal += 2 * n
                for col, nbytes in id_bytes.items():
                    kind = _ID_KIND[(table, col)]
                    had = ids.get(kind, (0, 0))
                    ids[kind] = (had[0] + n, had[1] + nbytes)
        self.book.reserve(rows, ids)
        self.journal.reserve(journal)

    def _apply_core(self, seg: Segment, t: dict, recs: Recs) -> None:
        """The compiled pass: every entry's effect on the book, and the journal."""
        B = self.book
        self.reserve_ahead([seg])
        j = self.journal
        self._journal_on[0] = j.n
        J = ap.Journal(j.kind, j.item, j.customer, j.day, j.seq, j.delta, j.etype, j.pos,
                       self._journal_on)
        r = recs.arr
        bad = ap.apply_entries(B.arrays(), J, r.r, r.s, r.a, r.c, 0, recs.n,
                               seg.first_position, seg.seq)
        j.n = int(self._journal_on[0])
        if bad != ap.OK:
            raise AssertionError(f"segment {seg.seq}: entry {bad} "
                                 f"({E.BY_CODE[int(r.r[bad, TYPE])].name}) does not continue "
                                 "the state")

    def _fold_view(self, seg: Segment, t: dict, recs: Recs,
                   limits_before: dict[int, int]) -> None:
        """What only the views need (per table; most segments have few of these)."""
        env = t[E.ENVELOPE]
        eff = np.asarray(env["effective_day"], dtype=np.int32)
        self.policies.fold(recs)
        c = t.get("CustomerOpened")
        if c is not None:
            for f in MASTER_FIELDS:
                self.master.fields[f].extend(c[f])
        c = t.get("CustomerUpdated")
        if c is not None:
            self.master_changes.append(len(c["_e"]), customer=c["customer_ix"],
                                       day=eff[c["_e"]], seq=seg.seq, changed=c["changed"])
            for i in range(len(c["_e"])):
                ix, ch = int(c["customer_ix"][i]), int(c["changed"][i])
                if ch & E.CHANGED_NAME:
                    self.master.fields["name"].set(ix, c["name"][i])
                if ch & E.CHANGED_CONTACT:
                    self.master.fields["billing_contact"].set(ix, c["billing_contact"][i])
                if ch & E.CHANGED_ADDRESS:
                    for a in E.ADDRESS_COLUMNS:
                        self.master.fields[a].set(ix, c[a][i])
        c = t.get("InvoiceIssued")
        if c is not None:
            self.po_numbers.extend(c["po_number"])
        self._fold_known(t, seg)
        c = t.get("DisputeOpened")
        if c is not None:
            self.dispute_reasons.extend(c["reason_code"])
        inv = self.invoices
        c = t.get("InvoiceTermsApplied")
        if c is not None:
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
        c = t.get("ReceivablesSold")
        if c is not None:
            six = np.asarray(c["sale_ix"], np.int64)
            self.sales.face[six] = c["face_minor"]
            self.sales.price[six] = c["price_minor"]
            self.sale_agencies.extend(c["agency"])
        c = t.get("BadDebtRecovered")
        if c is not None:
            self.recoveries.append(len(c["_e"]), customer=c["customer_ix"],
                                   amount=c["amount_minor"], day=eff[c["_e"]], seq=seg.seq)
        self._fold_promises(t, eff, seg)
        self._fold_dunning(t, eff, seg)
        self._fold_credit_events(t, env, eff, seg, limits_before)
        c = t.get("NoteAdded")
        if c is not None:
            e = np.asarray(c["_e"], np.int64)
            self.notes.append(len(e), customer=c["customer_ix"], day=eff[e], seq=seg.seq,
                              pos=seg.first_position + e)
            self.note_texts.extend(c["text"])
            self.note_actors.extend([env["actor"][i] for i in e.tolist()])
        c = t.get("PortfolioRescored")
        if c is not None:
            # A built-in version (not in the log) is -1; its name is in the digest list's entry.
            model_ix = self.policies.risk_model_ix
            self.rescores.append(len(c["_e"]), as_of_day=c["as_of_day"],
                                 known_position=c["known_position"],
                                 customer_count=c["customer_count"],
                                 model=[model_ix.get(v, -1) for v in c["model_version"]],
                                 pos=seg.first_position + np.asarray(c["_e"], np.int64))
            self.rescore_digests.extend(f"{v}:{d}" for v, d in zip(c["model_version"],
                                                                     c["score_digest"]))
            self.rescore_summaries.extend(c["summary_json"])
        c = t.get("AllowanceRatesDefined")
        if c is not None:
            e = np.asarray(c["_e"], np.int64)
            self.allowance_records.append(len(e), day=eff[e], seq=seg.seq,
                                          pos=seg.first_position + e)
        c = t.get("FxRateRecorded")
        if c is not None:
            e = np.asarray(c["_e"], np.int64)
            self.fx_rates.append(len(e), day=eff[e], seq=seg.seq, pos=seg.first_position + e,
                                 base=[self.fx_code(x) for x in c["base_currency"]],
                                 quote=[self.fx_code(x) for x in c["quote_currency"]])
            self.fx_rate_text.extend(c["rate"])
            self.fx_sources.extend(c["source"])

    def _fold_known(self, t: dict, seg: Segment) -> None:
        """When disputes moved and policy versions were defined (views as known at K)."""
        c = t.get("DisputeOpened")
        if c is not None:
            self.dispute_seqs.append(len(c["_e"]), opened=seg.seq)
            assert self.dispute_seqs.n == self.disputes.n
        c = t.get("DisputeReviewStarted")
        if c is not None:
            self.dispute_seqs.review[np.asarray(c["dispute_ix"], np.int64)] = seg.seq
        c = t.get("DisputeResolved")
        if c is not None:
            self.dispute_seqs.resolved[np.asarray(c["dispute_ix"], np.int64)] = seg.seq
        for name, cols in (("PaymentTermsDefined", self.terms_positions),
                           ("CreditPolicyDefined", self.credit_policy_positions)):
            c = t.get(name)
            if c is not None:
                cols.append(len(c["_e"]), pos=seg.first_position + np.asarray(c["_e"], np.int64))
        assert self.terms_positions.n == len(self.policies.terms)
        assert self.credit_policy_positions.n == len(self.policies.credit_policies)

    def _fold_promises(self, t: dict, eff: np.ndarray, seg: Segment) -> None:
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
                    invoice=pv["invoice_ix"][vrows] if pv is not None and len(vrows) else 0)
                cust = int(c["customer_ix"][i])
                ix = self.promises.append(1, customer=cust, amount=c["amount_minor"][i],
                                          made_day=eff[e], inst_first=ifirst,
                                          inst_n=len(rows), inv_first=vfirst, inv_n=len(vrows),
                                          seq=seg.seq)
                assert ix == int(c["promise_ix"][i])
                self.customer_promises.setdefault(cust, []).append(ix)
        c = t.get("PromiseBroken")
        if c is not None:
            self.promises.broken[c["promise_ix"]] = 1

    def _fold_dunning(self, t: dict, eff: np.ndarray, seg: Segment) -> None:
        c = t.get("DunningStepTaken")
        if c is None:
            return
        inv = self.invoices
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
            [self.policies.dunning_policies[p].levels[n - 1].days_past_due
             for p, n in zip(c["policy_ix"].tolist(), c["level"].tolist())], dtype=np.int32)
        ist = self.installments
        ist.dun_mark[rows] = np.maximum(ist.dun_mark[rows], lv[multi])
        inv.dun_mark[i[~multi]] = np.maximum(inv.dun_mark[i[~multi]], lv[~multi])
        charged = c["interest_minor"] > 0
        ist.int_day[rows[charged[multi]]] = eff[c["_e"][multi & charged]]
        inv.int_day[i[~multi & charged]] = eff[c["_e"][~multi & charged]]

    def _fold_credit_events(self, t: dict, env: dict, eff: np.ndarray, seg: Segment,
                            limits_before: dict[int, int]) -> None:
        """Holds, limits, customer policies and credit checks: the account view's history,
        in log order (one segment may place and release a hold, or change a limit twice).
        Each kind's columns are read in bulk (a volume feed's credit checks are thousands a
        segment: per-entry numpy scalars were a fifth of a replay)."""
        per_kind: list[list[tuple[int, int, tuple]]] = []  # (entry, customer, event)
        for name in ("CustomerPoliciesSet", "CreditLimitChanged", "CreditCheckDecided",
                     "CustomerHoldPlaced", "CustomerHoldReleased", "CustomerUpdated"):
            c = t.get(name)
            if c is None or not len(c["_e"]):
                continue
            e = np.asarray(c["_e"], np.int64)
            es = e.tolist()
            heads = zip(eff[e].tolist(), (seg.first_position + e).tolist(),
                        _take(env["actor"], es), _take(env["reason"], es))
            cols = [c[f].tolist() if f else [0] * len(es) for f in _CREDIT_EVENT_FIELDS[name]]
            tag = _CREDIT_EVENT_KIND[name]
            per_kind.append([(x, ix, (tag, *h, *rest)) for x, ix, h, *rest in zip(
                es, np.asarray(c["customer_ix"], np.int64).tolist(), heads, *cols)])
        if not per_kind:
            return
        events = per_kind[0] if len(per_kind) == 1 else sorted(
            (ev for kind in per_kind for ev in kind), key=lambda ev: ev[0])
        running = dict(limits_before)  # the limit in force, as the entries go by
        log_of = self.credit_events
        for _, ix, ev in events:
            tag = ev[0]
            if tag == "UPDATED":  # only a limit change is a credit event
                if ev[5] & E.CHANGED_LIMIT:
                    log_of.setdefault(ix, []).append(("LIMIT", *ev[1:5], running[ix], ev[6]))
                    running[ix] = ev[6]
                continue
            if tag == "LIMIT":
                running[ix] = ev[6]
            log_of.setdefault(ix, []).append(ev)

    def _limits_before(self, t: dict) -> dict[int, int]:
        """Credit limits, before this segment, of the customers whose limit it changes by a
        master-data update (the entry does not carry the old value)."""
        c = t.get("CustomerUpdated")
        if c is None:
            return {}
        touched = np.asarray(c["customer_ix"], np.int64)[
            (np.asarray(c["changed"]) & E.CHANGED_LIMIT) > 0]
        n = self.customers.n
        out = {int(ix): int(self.customers.credit_limit[ix]) for ix in touched if ix < n}
        o = t.get("CustomerOpened")
        if o is not None:  # opened in this very segment: the limit it opened with
            for ix, lim in zip(o["customer_ix"].tolist(), o["credit_limit_minor"].tolist()):
                out.setdefault(ix, lim)
        return out

    # ---- identity -----------------------------------------------------------------------

    def digest(self) -> str:
        """SHA-256 over everything the state holds; equal after a replay."""
        h = hashlib.sha256()
        for part in self.book.digest_bytes():
            h.update(part)
        for cols in (self.journal, self.segments, self.master_changes, self.rescores,
                     self.installments, self.promises, self.promise_installments,
                     self.promise_invoices, self.dunning_steps, self.recoveries, self.notes,
                     self.allowance_records, self.fx_rates, self.dispute_seqs,
                     self.terms_positions, self.credit_policy_positions):
            for name in sorted(cols.spec):
                h.update(cols.view(name).tobytes())
        for text in (self.po_numbers, self.dispute_reasons, self.sale_agencies,
                     self.note_texts, self.note_actors,
                     *self.master.fields.values()):
            h.update(text.digest_bytes())
            h.update(b"\x01")
        h.update("\x00".join(self.currencies + self.rescore_digests +
                             self.rescore_summaries).encode())
        h.update("\x00".join(self.fx_codes + self.fx_rate_text + self.fx_sources).encode())
        h.update(self.policies.digest_repr().encode())
        h.update(self.bank.digest_repr().encode())
        h.update(repr((sorted(self.invoice_terms.items()), sorted(self.credit_events.items()),
                       sorted(self.customer_promises.items()))).encode())
        h.update(f"{self.head_position}:{self.head_seq}:{self.head_hash}".encode())
        return h.hexdigest()

    def segment_of(self, position: int) -> int:
        """1-based segment number holding a log position (which must exist)."""
        fp = self.segments.view("first_position")
        return int(np.searchsorted(fp, position, side="right"))


# Segment tables whose rows each add a row to a book table (book.CREATES).
_ROW_TABLES = {name: table for name, (table, _, _) in CREATES.items() if table}
_ROW_TABLES[E.ALLOCATIONS] = "allocs"
# The id columns of each segment table, and the id kind of each.
_ID_KIND = {(E.ENVELOPE, "request_id"): "request",
            **{(name, col): kind for name, (_, kind, col) in CREATES.items() if kind and col}}
_ID_COLS: dict[str, tuple[str, ...]] = {}
for _table, _col in _ID_KIND:
    _ID_COLS[_table] = (*_ID_COLS.get(_table, ()), _col)


def _bytes(col: Any) -> int:
    return len(col.data) if isinstance(col, StrColumn) else sum(len(x) * 4 for x in col)


def _walk(head: int, nxt: np.ndarray) -> np.ndarray:
    out = []
    i = int(head)
    while i >= 0:
        out.append(i)
        i = int(nxt[i])
    return np.asarray(out, dtype=np.int64)


def _net_rows(table: Any, head: int, kind: int = 0) -> dict[int, int]:
    out: dict[int, int] = {}
    i = head
    while i >= 0:
        if not kind or int(table.kind[i]) == kind:
            inv = int(table.invoice[i])
            out[inv] = out.get(inv, 0) + int(table.amount[i])
        i = int(table.next[i])
    return {k: v for k, v in out.items() if v}


class RequestIndex:
    """The requests of a book as a mapping from request id to first log position."""

    def __init__(self, book: Book) -> None:
        self._ids = book.ids["request"]
        self._pos = book.requests.position

    def get(self, rid: str, default: int | None = None) -> int | None:
        ix = self._ids.find(rid)
        return default if ix < 0 else int(self._pos[ix])

    def __getitem__(self, rid: str) -> int:
        ix = self._ids.find(rid)
        if ix < 0:
            raise KeyError(rid)
        return int(self._pos[ix])

    def __contains__(self, rid: object) -> bool:
        return rid in self._ids

    def __len__(self) -> int:
        return len(self._ids)

# The read state's tables with their columns as typed attributes (the spec each is built
# with in State.__init__; tests/unit/test_typed_columns.py keeps the two equal).


class Installments(Columns):
    """An invoice's installments (rows from invoices.inst_first)."""

    invoice: I8s
    number: I4s
    due_day: I4s
    amount: I8s
    dun_mark: I4s
    int_day: I4s


class Journal(Columns):
    """The movement journal."""

    kind: U1s
    item: I8s
    customer: I4s
    day: I4s
    seq: I4s
    delta: I8s
    etype: U1s
    pos: I8s


class MasterChanges(Columns):
    """CustomerUpdated rows."""

    customer: I4s
    day: I4s
    seq: I4s
    changed: U1s


class Segments(Columns):
    """One row per folded segment."""

    first_position: I8s
    count: I4s
    recorded_at_us: I8s


class Promises(Columns):
    """Promises to pay."""

    customer: I4s
    amount: I8s
    made_day: I4s
    inst_first: I8s
    inst_n: I4s
    inv_first: I8s
    inv_n: I4s
    broken: U1s
    seq: I4s


class PromiseInstallments(Columns):
    """A promise's installments."""

    promise: I8s
    due_day: I4s
    amount: I8s


class PromiseInvoices(Columns):
    """The invoices a promise covers."""

    promise: I8s
    invoice: I8s


class Recoveries(Columns):
    """Recoveries after write-offs."""

    customer: I4s
    amount: I8s
    day: I4s
    seq: I4s


class DunningSteps(Columns):
    """Dunning steps taken."""

    invoice: I8s
    installment: I4s
    level: I4s
    policy: I4s
    day: I4s
    dpd: I4s
    open: I8s
    fee: I8s
    interest: I8s
    pos: I8s
    fee_inv: I8s
    int_inv: I8s


class Rescores(Columns):
    """Recorded portfolio re-scores."""

    as_of_day: I4s
    known_position: I8s
    customer_count: I8s
    model: I4s
    pos: I8s


class Notes(Columns):
    """Notes on customers."""

    customer: I4s
    day: I4s
    seq: I4s
    pos: I8s


class AllowanceRecords(Columns):
    """Allowance rate versions."""

    day: I4s
    seq: I4s
    pos: I8s


class FxRates(Columns):
    """Exchange rates."""

    day: I4s
    seq: I4s
    pos: I8s
    base: I2s
    quote: I2s


class DisputeSeqs(Columns):
    """The segments of each dispute's steps."""

    opened: I4s
    review: I4s
    resolved: I4s


class Positions(Columns):
    """Log positions of versions."""

    pos: I8s


def request_of(S: State, rid: str) -> tuple[int, int, int] | None:
    """(request hash, first position, entry count) of a stored request id, or None."""
    ix = S.book.ids["request"].find(rid)
    if ix < 0:
        return None
    R = S.book.requests
    return int(R.hash[ix]), int(R.position[ix]), int(R.entries[ix])


__all__ = ["DUN_BASE", "J_CASH", "J_CREDIT", "J_DISPUTED", "J_INVOICE", "P", "State",
           "request_of"]
