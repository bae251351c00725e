"""Entries of a segment as plain dicts (ids, ISO dates, enum names): the log's public face."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from arledger.domain import entries as E
from arledger.domain.dates import day_to_iso
from arledger.engine.segment import Segment
from arledger.engine.state import State

_CHANGED = ((E.CHANGED_NAME, "name"), (E.CHANGED_CONTACT, "billing_contact"),
            (E.CHANGED_ADDRESS, "address"), (E.CHANGED_NET_DAYS, "payment_terms_net_days"),
            (E.CHANGED_LIMIT, "credit_limit_minor"))


def _ids(S: State, thing: str) -> list[str]:
    return {"customer": S.customer_ids, "invoice": S.invoice_ids, "payment": S.payment_ids,
            "credit_note": S.credit_note_ids, "dispute": S.dispute_ids,
            "on_invoice": S.invoice_ids, "promise": S.promise_ids, "sale": S.sale_ids,
            "line": S.line_ids, "statement": S.statement_ids}[thing]


# Columns that name a policy version: rendered as its id and version number.
_VERSIONED = {"terms_ix": ("terms", lambda S: (S.terms_ids, S.terms_versions)),
              "policy_ix": ("policy", lambda S: (S.dunning_policy_ids, S.dunning_versions))}
_OWNERS = {"customer_ix", "invoice_ix", "payment_ix", "credit_note_ix", "dispute_ix",
           "promise_ix"}


def _customer(S: State, f: dict) -> int:
    if "customer_ix" in f:
        return int(f["customer_ix"])
    if "invoice_ix" in f:
        return int(S.invoices.customer[f["invoice_ix"]])
    if f.get("payment_ix", -1) >= 0:
        return int(S.payments.customer[f["payment_ix"]])
    if f.get("credit_note_ix", -1) >= 0:
        return int(S.credit_notes.customer[f["credit_note_ix"]])
    if "promise_ix" in f:
        return int(S.promises.customer[f["promise_ix"]])
    return int(S.invoices.customer[S.disputes.invoice[f["dispute_ix"]]])


def _value(S: State, col: str, v) -> tuple[str, object] | None:
    if col in _VERSIONED:
        name, lists = _VERSIONED[col]
        ids, versions = lists(S)
        pid = ids[int(v)]
        return f"{name}_id", f"{pid} v{versions[pid].index(int(v)) + 1}"
    if col.endswith("_ix"):
        v = int(v)
        if v < 0:
            return None
        thing = col[:-3]
        return thing + "_id", _ids(S, thing)[v]
    if col.endswith("_day"):
        # -1: no such date (an invoice without an early-payment discount)
        return (col[:-4] + "_date", day_to_iso(int(v))) if v >= 0 else None
    if col in E.ENUMS:
        return col, E.ENUMS[col][int(v)]
    return col, v if isinstance(v, str) else int(v)


def entries(S: State, seg: Segment) -> Iterator[dict]:
    t = seg.tables
    env = t[E.ENVELOPE]
    children: dict[str, dict[int, list[int]]] = {}
    for child in (E.ALLOCATIONS, E.LINES, E.INSTALLMENTS, E.PROMISE_INSTALLMENTS,
                  E.PROMISE_INVOICES):
        rows: dict[int, list[int]] = {}
        if child in t:
            for r, e in enumerate(np.asarray(t[child]["_e"]).tolist()):
                rows.setdefault(e, []).append(r)
        children[child] = rows
    for e in range(seg.count):
        et = E.BY_CODE[int(env["type"][e])]
        tbl = t[et.name]
        row = int(env["row"][e])
        raw = {c: tbl[c][row] for c, _ in et.columns}
        fields: dict[str, object] = {}
        for col, _ in et.columns:
            if col.endswith("_ix") and col[:-3] + "_id" in raw:
                continue  # the entry creates it: its id column says it
            kv = _value(S, col, raw[col])
            if kv:
                fields[kv[0]] = kv[1]
        if et.name in ("CustomerOpened", "CustomerUpdated"):
            fields["address"] = {a[len("address_"):]: fields.pop(a) for a in E.ADDRESS_COLUMNS}
        if et.name == "CustomerUpdated":
            changed = int(raw["changed"])
            fields["changed"] = [label for bit, label in _CHANGED if changed & bit]
            for bit, label in _CHANGED:
                if not changed & bit:
                    del fields[label]
        if et.name != "CustomerOpened" and "currency" not in raw and _OWNERS & raw.keys():
            # (policies and risk models belong to no customer; a sale names its currency)
            fields["currency"] = S.currencies[S.customers.currency[_customer(S, raw)]]
        if e in children[E.ALLOCATIONS]:
            a = t[E.ALLOCATIONS]
            fields["allocations"] = [{"invoice_id": S.invoice_ids[int(a["invoice_ix"][r])],
                                      "amount_minor": int(a["amount_minor"][r])}
                                     for r in children[E.ALLOCATIONS][e]]
        if e in children[E.LINES]:
            ln = t[E.LINES]
            fields["lines"] = [{"description": ln["description"][r],
                                "quantity": int(ln["quantity"][r]),
                                "unit_price_minor": int(ln["unit_price_minor"][r])}
                               for r in children[E.LINES][e]]
        for child, key in ((E.INSTALLMENTS, "installments"),
                           (E.PROMISE_INSTALLMENTS, "installments"),
                           (E.PROMISE_INVOICES, "invoice_ids")):
            if e in children[child]:
                c = t[child]
                fields[key] = [
                    S.invoice_ids[int(c["invoice_ix"][r])] if key == "invoice_ids" else
                    {"due_date": day_to_iso(int(c["due_day"][r])),
                     "amount_minor": int(c["amount_minor"][r])} for r in children[child][e]]
        yield {"position": seg.first_position + e, "segment": seg.seq, "type": et.name,
               "effective_date": day_to_iso(int(env["effective_day"][e])),
               "recorded_at_us": seg.recorded_at_us, "request_id": env["request_id"][e],
               "actor": env["actor"][e], "reason": env["reason"][e], "fields": fields}
