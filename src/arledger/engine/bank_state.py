"""Bank statements as the state knows them: statements, their lines, each line's
status and decision, the matching-rule versions, and the counterparties learned from
applied lines.

Both the read state and the decider keep one, changed only by `fold` (so how an entry
changes it is written once). The decider's copy logs an inverse of each change in the
decision state's undo list (a refused command, an aborted atomic batch or a failed append
rolls it back). Lines are kept as Python lists: a statement is read line by line anyway,
and the matcher takes numpy columns of the lines it decides (`columns`).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from arledger.domain import bank as BK
from arledger.domain import entries as E
from arledger.engine.records import F0, TYPE, Recs, string_slot

_T = {t.name: t.code for t in E.ENTRY_TYPES}
STATEMENT, LINE, RULES = (_T["BankStatementImported"], _T["BankLineRecorded"],
                          _T["BankMatchRulesDefined"])
APPLIED, QUEUED, DISMISSED = (_T["BankLineApplied"], _T["BankLineQueued"],
                              _T["BankLineDismissed"])
KINDS = np.array([STATEMENT, LINE, RULES, APPLIED, QUEUED, DISMISSED], np.int64)

_LINE_STRINGS = ("line_id", "currency", "counterparty_name", "counterparty_account",
                 "remittance", "end_to_end_id", "bank_reference")
_SLOTS = {c: string_slot("BankLineRecorded", c) for c in _LINE_STRINGS}


class BankState:
    def __init__(self) -> None:
        # Statements: account, statement id, format, file hash, first line, position.
        self.statements: list[tuple[str, str, str, str, int, int]] = []
        self.statement_ix: dict[tuple[str, str], int] = {}
        # Lines (index = line_ix): the fixed facts, as recorded.
        self.stmt: list[int] = []
        self.number: list[int] = []
        self.booking_day: list[int] = []
        self.value_day: list[int] = []
        self.amount: list[int] = []
        self.text: list[tuple[str, ...]] = []  # _LINE_STRINGS, in order
        self.position: list[int] = []
        self.line_ix: dict[str, int] = {}               # line id -> index
        self.line_key: dict[tuple[int, int], int] = {}  # (statement, line number) -> index
        # What was decided (changes): status, payment, customer, score, by, rules version,
        # candidates (JSON, queued lines) or reasons (JSON, applied lines), decision position.
        self.status: list[int] = []
        self.payment: list[int] = []
        self.customer: list[int] = []
        self.score: list[int] = []
        self.decided_by: list[int] = []
        self.rules_used: list[int] = []
        self.detail: list[str] = []
        self.decided_at: list[int] = []
        self.actor: list[str] = []
        # Matching rules: version k is rules[k - 1] (0 = the built-in default).
        self.rules: list[BK.MatchRules] = []
        # Learned counterparties: account key / name key -> {customer: applied lines}.
        self.by_account: dict[str, dict[int, int]] = {}
        self.by_name: dict[str, dict[int, int]] = {}
        self.undo: list[tuple[Any, ...]] | None = None  # the decision state's undo list

    # ---- reading ------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return len(self.stmt)

    def current_rules(self) -> tuple[int, BK.MatchRules]:
        return (len(self.rules), self.rules[-1]) if self.rules else (0, BK.DEFAULT_RULES)

    def line_text(self, ix: int, column: str) -> str:
        return self.text[ix][_LINE_STRINGS.index(column)]

    def learned(self, table: dict[str, dict[int, int]], key: str) -> int:
        """The one customer a counterparty key was applied to, or -1 (none, or several)."""
        d = table.get(key)
        if not d or len(d) != 1:
            return -1
        return next(iter(d))

    # ---- changes (each logs its inverse) ---------------------------------------------------

    def _append(self, lst: list, value: Any) -> None:
        if self.undo is not None:
            self.undo.append((lst, len(lst)))
        lst.append(value)

    def _set(self, container: Any, key: Any, value: Any) -> None:
        if self.undo is not None:
            if isinstance(container, dict) and key not in container:
                self.undo.append((container, key, _MISSING))
            else:
                self.undo.append((container, key, container[key]))
        container[key] = value

    def _learn(self, table: dict[str, dict[int, int]], key: str, cust: int) -> None:
        if not key:
            return
        d = table.get(key)
        if d is None:
            self._set(table, key, {cust: 1})
            return
        if self.undo is not None:  # the inner dict changes: restore a copy of it
            self.undo.append((table, key, dict(d)))
        d[cust] = d.get(cust, 0) + 1

    def fold(self, recs: Recs, first_position: int, e_from: int = 0,
             e_to: int | None = None) -> None:
        """Fold the bank entries among entries [e_from, e_to) of a segment's records."""
        r = recs.arr.r
        e_to = recs.n if e_to is None else e_to
        rows = e_from + np.flatnonzero(np.isin(r[e_from:e_to, TYPE], KINDS))
        for e in rows.tolist():
            t = int(r[e, TYPE])
            f = r[e, F0:F0 + 8].tolist()
            pos = first_position + e
            if t == LINE:
                ix, st, num, book, val, amt = f[:6]
                assert ix == len(self.stmt), (ix, len(self.stmt))
                texts = tuple(recs.text(e, _SLOTS[c]) for c in _LINE_STRINGS)
                for lst, v in ((self.stmt, st), (self.number, num), (self.booking_day, book),
                               (self.value_day, val), (self.amount, amt), (self.text, texts),
                               (self.position, pos),
                               (self.status, BK.NEW if amt > 0 else BK.DEBIT),
                               (self.payment, -1), (self.customer, -1), (self.score, 0),
                               (self.decided_by, 0), (self.rules_used, 0), (self.detail, ""),
                               (self.decided_at, 0), (self.actor, "")):
                    self._append(lst, v)
                self._set(self.line_ix, texts[0], ix)
                self._set(self.line_key, (st, num), ix)
            elif t == STATEMENT:
                ix = f[0]
                assert ix == len(self.statements)
                s = string_slot("BankStatementImported", "account")
                acct, sid, fmt, sha = (recs.text(e, s + k) for k in range(4))
                self._append(self.statements, (acct, sid, fmt, sha, len(self.stmt), pos))
                self._set(self.statement_ix, (acct, sid), ix)
            elif t == RULES:
                self._append(self.rules, BK.MatchRules.from_json(
                    recs.text(e, string_slot("BankMatchRulesDefined", "definition"))))
            elif t == APPLIED:
                line, pay, cust, score, version, by, _known = f[:7]
                self._decide(line, BK.APPLIED, score, by, version, pos, recs.env(e)[1],
                             recs.text(e, string_slot("BankLineApplied", "reasons")))
                self._set(self.payment, line, pay)
                self._set(self.customer, line, cust)
                name, acct = self.text[line][2], self.text[line][3]
                self._learn(self.by_account, BK.account_key(acct), cust)
                self._learn(self.by_name, BK.name_key(name), cust)
            elif t == QUEUED:
                line, score, version, _known = f[:4]
                self._decide(line, BK.QUEUED, score, 0, version, pos, recs.env(e)[1],
                             recs.text(e, string_slot("BankLineQueued", "candidates")))
            else:  # DISMISSED
                self._decide(f[0], BK.DISMISSED, 0, 0, 0, pos, recs.env(e)[1],
                             recs.env(e)[2])

    def _decide(self, line: int, status: int, score: int, by: int, version: int, pos: int,
                actor: str, detail: str) -> None:
        for lst, v in ((self.status, status), (self.score, score), (self.decided_by, by),
                       (self.rules_used, version), (self.decided_at, pos),
                       (self.actor, actor), (self.detail, detail)):
            self._set(lst, line, v)

    # ---- copies and identity ---------------------------------------------------------------

    def copy(self) -> BankState:
        c = copy.deepcopy(self)
        c.undo = None
        return c

    def digest_repr(self) -> str:
        return repr((self.statements, self.stmt, self.number, self.booking_day,
                     self.value_day, self.amount, self.text, self.position, self.status,
                     self.payment, self.customer, self.score, self.decided_by,
                     self.rules_used, self.detail, self.decided_at, self.actor, self.rules,
                     sorted(self.by_account.items()), sorted(self.by_name.items())))


_MISSING = object()


class LineIds:
    """Line ids by index (what the log renders `line_ix` as)."""

    def __init__(self, bank: BankState) -> None:
        self.bank = bank

    def __getitem__(self, ix: int) -> str:
        return self.bank.text[ix][0]

    def __len__(self) -> int:
        return self.bank.n


class StatementIds:
    """Statements by index as "<account>/<statement id>" (`statement_ix` in the log)."""

    def __init__(self, bank: BankState) -> None:
        self.bank = bank

    def __getitem__(self, ix: int) -> str:
        acct, sid = self.bank.statements[ix][:2]
        return f"{acct}/{sid}"

    def __len__(self) -> int:
        return len(self.bank.statements)


def undo_one(u: tuple[Any, ...]) -> None:
    """Undo one record of the decision state's undo list (the formats `_append`/`_set`
    write, which are also the decision state's own)."""
    if len(u) == 2:
        del u[0][u[1]:]
    elif u[2] is _MISSING:
        u[0].pop(u[1], None)
    else:
        u[0][u[1]] = u[2]
