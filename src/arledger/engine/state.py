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
from arledger.engine.segment import GENESIS_HASH, Segment

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
        self.customers = Columns({"currency": "<i2", "net_days": "<i4", "credit_limit": "<i8",
                                  "closed": "|u1", "opened_day": "<i4"})
        self.customer_ids: list[str] = []
        self.customer_ix: dict[str, int] = {}
        self.currencies: list[str] = []
        # Master data text, by customer index: [name, billing_contact, 6 address lines].
        self.master: list[list[str]] = []
        self.invoices = Columns({"customer": "<i4", "amount": "<i8", "issue_day": "<i4",
                                 "due_day": "<i4", "open": "<i8", "disputed": "<i8",
                                 "voided": "|u1", "reopen_day": "<i4"})
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
                                 "open": "|u1"})
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
                if ch & E.CHANGED_LIMIT:
                    cu.credit_limit[ix] = c["credit_limit_minor"][i]
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
            journal(J_DISPUTED, c["invoice_ix"], c["_e"], c["amount_minor"])
        c = t.get("DisputeResolved")
        if c is not None:
            d = c["dispute_ix"]
            self.disputes.open[d] = 0
            journal(J_DISPUTED, self.disputes.invoice[d], c["_e"], -self.disputes.amount[d])
        c = t.get("InvoiceWrittenOff")
        if c is not None:
            journal(J_INVOICE, c["invoice_ix"], c["_e"], -c["amount_minor"])
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
                     self.master_changes, self.rescores):
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
