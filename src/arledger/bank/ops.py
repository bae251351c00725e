"""Importing statements and running the matcher against a Ledger: the steps BankService
takes, shared with the benchmark and the tests (no gRPC here).

- `import_commands` turns parsed statements into ImportBankStatement commands (at most
  10,000 lines each), request ids derived from the file's SHA-256; `check_import` is run on
  every one before the first is submitted, so a bad file records nothing.
- `import_statements` submits them, one at a time (each is decided alone: a statement's
  lines are one segment of their own).
- `match_all` submits match runs (each at most 30,000 lines, fewer when its entries
  would pass a command's 65,535) until no line is new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arledger.domain import bank as BK
from arledger.domain import limits
from arledger.domain.dates import day_to_iso
from arledger.engine.decide.bank import check_import
from arledger.v1 import commands_pb2 as cpb


def import_commands(stmts: Sequence[BK.Statement], sha: str, prefix: str,
                    actor: str = "") -> list[cpb.Command]:
    cmds = []
    for k, s in enumerate(stmts):
        for c0 in range(0, len(s.lines), limits.bank_lines_per_command_max):
            part = s.lines[c0:c0 + limits.bank_lines_per_command_max]
            m = cpb.ImportBankStatementRequest(
                request_id=f"{prefix}:{k}:{c0}"[:limits.id_length_max], actor=actor,
                reason="bank statement import", account=s.account,
                statement_id=s.statement_id, format=s.format, file_sha256=sha)
            for ln in part:
                m.lines.add(line_number=ln.line_number, booking_date=day_to_iso(ln.booking_day),
                            value_date=day_to_iso(ln.value_day), amount_minor=ln.amount_minor,
                            currency=ln.currency, counterparty_name=ln.counterparty_name,
                            counterparty_account=ln.counterparty_account,
                            remittance=ln.remittance, end_to_end_id=ln.end_to_end_id,
                            bank_reference=ln.bank_reference)
            cmds.append(cpb.Command(import_bank_statement=m))
    for c in cmds:  # every check before the first write
        check_import(c.import_bank_statement)
    return cmds


def submit_one(ledger, cmd: cpb.Command):
    (o,) = ledger.submit([cmd])
    if o.status == "REJECTED":
        raise o.error
    return o


def import_statements(ledger, cmds: Sequence[cpb.Command]) -> int:
    """Submit import commands; returns how many lines were recorded."""
    with ledger.reading() as S:
        before = S.bank.n
    for c in cmds:
        submit_one(ledger, c)
    with ledger.reading() as S:
        return S.bank.n - before


@dataclass
class MatchSummary:
    decided: int = 0
    applied: int = 0
    queued: int = 0
    rules_version: int = 0
    position: int = 0


def matcher_actor(version: int, principal: str = "") -> str:
    name = f"matcher:rules-v{version}"
    return f"{principal}/{name}" if principal else name


def match_all(ledger, principal: str = "") -> MatchSummary:
    """Run the matcher until no line is new; what it decided."""
    with ledger.reading() as S:
        version = S.bank.current_rules()[0]
        todo = [i for i in range(S.bank.n) if S.bank.status[i] == BK.NEW]
    out = MatchSummary(rules_version=version)
    start = 0
    while start < len(todo):
        with ledger.reading() as S:
            n_lines = S.bank.n
        cmd = cpb.Command(match_bank_lines=cpb.MatchBankLinesRequest(
            request_id=f"bank-match-{n_lines}-{todo[start]}",
            actor=matcher_actor(version, principal), reason="automatic cash application"))
        o = submit_one(ledger, cmd)
        out.position = max(out.position, o.position)
        with ledger.reading() as S:
            while start < len(todo) and S.bank.status[todo[start]] != BK.NEW:
                start += 1
        if o.entry_count == 0:  # another caller's run took the rest
            break
    with ledger.reading() as S:
        b = S.bank
        for i in todo:
            st = b.status[i]
            if st != BK.NEW:
                out.decided += 1
                if st == BK.APPLIED and b.decided_by[i] == BK.BY_MATCHER:
                    out.applied += 1
                elif st == BK.QUEUED:
                    out.queued += 1
    return out
