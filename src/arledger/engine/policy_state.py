"""Policies as the state knows them: versions of terms, dunning ladders and the credit
policy, each customer's own terms and ladder, and registered risk models.

Few and rare (a definition is a command a person gives), so they are Python objects. Both
the read state and the decider keep one, changed only by `fold`, so how a definition
changes them is written once. The decider's copy logs an inverse of each change while its
undo log is on (a refused batch or failed append rolls them back).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from arledger.domain import entries as E
from arledger.domain import policies as P
from arledger.domain import valuation as VA
from arledger.engine.records import F0, TYPE, Recs, string_slot

_T = {t.name: t.code for t in E.ENTRY_TYPES}
KINDS = np.array([_T[n] for n in ("PaymentTermsDefined", "DunningPolicyDefined",
                                  "CreditPolicyDefined", "CustomerPoliciesSet",
                                  "RiskModelRegistered", "AllowanceRatesDefined")],
                 dtype=np.int64)


class PolicyState:
    def __init__(self) -> None:
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
        self.risk_model_versions: list[str] = []
        self.risk_model_ix: dict[str, int] = {}
        self.risk_model_json: list[str] = []
        # Allowance rates: one index per version, like terms.
        self.allowances: list[VA.AllowanceRates] = []
        self.allowance_ids: list[str] = []
        self.allowance_versions: dict[str, list[int]] = {}
        self.undo: list[Callable[[], None]] | None = None  # inverses, while logging

    # ---- changes (each logs its inverse) ---------------------------------------------------

    def _append(self, lst: list, value: Any) -> None:
        lst.append(value)
        if self.undo is not None:
            self.undo.append(lst.pop)

    def _put(self, d: dict, key: Any, value: Any) -> None:
        if self.undo is not None:
            if key in d:
                old = d[key]
                self.undo.append(lambda: d.__setitem__(key, old))
            else:
                self.undo.append(lambda: d.pop(key))
        d[key] = value

    def _define(self, defs: list, ids: list, versions: dict, pid: str, definition: Any) -> None:
        vs = versions.get(pid)
        if vs is None:
            self._put(versions, pid, [len(defs)])
        else:
            self._append(vs, len(defs))
        self._append(defs, definition)
        self._append(ids, pid)

    def fold(self, recs: Recs, e_from: int = 0, e_to: int | None = None) -> None:
        """Fold the definitions among entries [e_from, e_to) of a segment's records."""
        r = recs.arr.r
        e_to = recs.n if e_to is None else e_to
        rows = e_from + np.flatnonzero(np.isin(r[e_from:e_to, TYPE], KINDS))
        for e in rows.tolist():
            t = int(r[e, TYPE])
            if t == _T["PaymentTermsDefined"]:
                self._define(self.terms, self.terms_ids, self.terms_versions,
                             recs.text(e, string_slot("PaymentTermsDefined", "terms_id")),
                             P.PaymentTerms.from_json(recs.text(e, string_slot(
                                 "PaymentTermsDefined", "definition"))))
            elif t == _T["DunningPolicyDefined"]:
                self._define(self.dunning_policies, self.dunning_policy_ids,
                             self.dunning_versions,
                             recs.text(e, string_slot("DunningPolicyDefined", "policy_id")),
                             P.DunningPolicy.from_json(recs.text(e, string_slot(
                                 "DunningPolicyDefined", "definition"))))
            elif t == _T["CreditPolicyDefined"]:
                self._append(self.credit_policies, P.CreditPolicy.from_json(
                    recs.text(e, string_slot("CreditPolicyDefined", "definition"))))
            elif t == _T["CustomerPoliciesSet"]:
                cust = int(r[e, F0])
                terms = recs.text(e, string_slot("CustomerPoliciesSet", "terms_id"))
                dunning = recs.text(e, string_slot("CustomerPoliciesSet", "dunning_policy_id"))
                if terms:
                    self._put(self.customer_terms, cust, terms)
                if dunning:
                    self._put(self.customer_dunning, cust, dunning)
            elif t == _T["AllowanceRatesDefined"]:
                self._define(self.allowances, self.allowance_ids, self.allowance_versions,
                             recs.text(e, string_slot("AllowanceRatesDefined", "allowance_id")),
                             VA.AllowanceRates.from_json(recs.text(e, string_slot(
                                 "AllowanceRatesDefined", "definition"))))
            else:  # RiskModelRegistered
                version = recs.text(e, string_slot("RiskModelRegistered", "model_version"))
                self._put(self.risk_model_ix, version, len(self.risk_model_versions))
                self._append(self.risk_model_versions, version)
                self._append(self.risk_model_json, recs.text(
                    e, string_slot("RiskModelRegistered", "model_json")))

    # ---- undo -------------------------------------------------------------------------------

    def mark(self) -> int:
        return len(self.undo) if self.undo is not None else 0

    def rollback(self, mark: int) -> None:
        assert self.undo is not None
        while len(self.undo) > mark:
            self.undo.pop()()

    def forget_undo(self, before: int) -> None:
        if self.undo is not None:
            del self.undo[:before]

    def credit_policy(self) -> P.CreditPolicy:
        return self.credit_policies[-1] if self.credit_policies else P.DEFAULT_CREDIT_POLICY

    def copy(self) -> PolicyState:
        c = copy.deepcopy(self)
        c.undo = None
        return c

    def digest_repr(self) -> str:
        return repr((self.terms, self.terms_ids, self.dunning_policies, self.dunning_policy_ids,
                     self.credit_policies, sorted(self.terms_versions.items()),
                     sorted(self.dunning_versions.items()), sorted(self.customer_terms.items()),
                     sorted(self.customer_dunning.items()), self.risk_model_versions,
                     self.risk_model_json, self.allowances, self.allowance_ids,
                     sorted(self.allowance_versions.items())))
