"""Cash application from bank statements: import, the matcher's run, the rules,
and a person's decision on a line.

- `import_bank_statement` records a statement and its lines (lines known before are
  skipped: importing a file again records nothing).
- `match_bank_lines` is decided alone in its group against the committed state (like a
  dunning run): the matcher (bank/matcher.py) scores every new line; a line whose best
  candidate reaches the rules' threshold becomes a payment with explicit allocations (the
  discount taken, the small balance written off) followed by BankLineApplied with the
  score and reasons; the others get BankLineQueued with their ranked candidates. The
  entries carry the rules version and the log position of the state the matcher read, so
  a replay reproduces every decision.
- `resolve_bank_line` is a person's decision on a new or queued line.
"""

from __future__ import annotations

import json
import re
from typing import Any

from arledger.bank import matcher as M
from arledger.domain import bank as BK
from arledger.domain import entries as E
from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.errors import LedgerError, error
from arledger.engine.decide.cash import apply_plan, plan
from arledger.engine.decide.context import Ctx
from arledger.engine.decide.customers import live_customer
from arledger.engine.state import request_of
from arledger.v1 import commands_pb2 as pb

_SHA = re.compile(r"[0-9a-f]{64}")
_FORMATS = frozenset(BK.FORMATS)
# Worst case entries of one applied line: the payment, a discount and a small write-off per
# invoice, the decision.
_ENTRIES_PER_LINE_MAX = 2 + 2 * limits.bank_invoices_per_line_max


def _label(value: str, field: str) -> str:
    V.text(value, field, required=True)
    if len(value) > limits.id_length_max:
        raise error("MALFORMED_TEXT", f"{field}: at most {limits.id_length_max} characters")
    return value


def check_import(m: pb.ImportBankStatementRequest) -> list[tuple]:
    """Every check of an import command that needs no state (the server runs it on every
    command of a file before it submits the first): its lines as (number, booking day,
    value day, amount, currency, texts)."""
    _label(m.account, "account")
    _label(m.statement_id, "statement_id")
    if m.format not in _FORMATS:
        raise error("INVALID_ENUM", f"format is one of {', '.join(BK.FORMATS)}")
    if not _SHA.fullmatch(m.file_sha256):
        raise error("MISSING_FIELD", "file_sha256 is the SHA-256 of the file (64 hex digits)")
    if not m.lines:
        raise error("BAD_STATEMENT_FILE", "a statement with no lines", line="0")
    if len(m.lines) > limits.bank_lines_per_command_max:
        raise error("TOO_MANY_ITEMS", f"at most {limits.bank_lines_per_command_max} lines a "
                    "command")
    rows = []
    numbers: set[int] = set()
    for ln in m.lines:
        n = ln.line_number
        if n <= 0 or n in numbers:
            raise error("BAD_STATEMENT_LINE", f"line number {n} is not positive or repeats",
                        line=str(n))
        numbers.add(n)
        try:
            booking = V.day(ln.booking_date, "booking_date")
            value = V.day(ln.value_date, "value_date") if ln.value_date else booking
            cur = V.currency(ln.currency, "currency")
            amt = ln.amount_minor
            if amt == 0 or abs(amt) > limits.amount_minor_max:
                raise error("BAD_STATEMENT_LINE", "the amount is zero or too large")
            texts = [BK.bank_text(getattr(ln, f), f, n) for f in (
                "counterparty_name", "counterparty_account", "remittance", "end_to_end_id",
                "bank_reference")]
        except LedgerError as err:
            if err.reason == "BAD_STATEMENT_LINE" and "line" in err.metadata:
                raise
            raise error("BAD_STATEMENT_LINE", f"line {n}: {err.message}", line=str(n)) from None
        rows.append((n, booking, value, amt, cur, texts))
    return rows


def import_bank_statement(ctx: Ctx, m: pb.ImportBankStatementRequest) -> None:
    rows = check_import(m)
    bank = ctx.D.bank
    account, sid = m.account, m.statement_id
    st = bank.statement_ix.get((account, sid), -1)
    if st >= 0:
        for n, booking, value, amt, cur, texts in rows:  # known lines must be the same lines
            ix = bank.line_key.get((st, n))
            if ix is not None and (bank.booking_day[ix], bank.value_day[ix], bank.amount[ix],
                                   bank.text[ix][1:]) != (booking, value, amt, (cur, *texts)):
                raise error("BAD_STATEMENT_LINE", f"line {n} of statement {sid!r} of account "
                            f"{account!r} was imported before with other content; a "
                            "corrected statement needs a statement id of its own",
                            line=str(n))
        rows = [r for r in rows if (st, r[0]) not in bank.line_key]  # recorded before
    if not rows:
        return  # everything known: nothing new to record
    first_day = min(r[1] for r in rows)
    if st < 0:
        st = len(bank.statements)
        ctx.entry("BankStatementImported", first_day, statement_ix=st,
                  line_count=len(m.lines), account=account, statement_id=sid,
                  format=m.format, file_sha256=m.file_sha256)
    ix = bank.n
    for n, booking, value, amt, cur, (name, acct, rem, e2e, ref) in rows:
        ctx.entry("BankLineRecorded", booking, line_ix=ix, statement_ix=st, line_number=n,
                  booking_day=booking, value_day=value, amount_minor=amt,
                  line_id=f"BL-{ix + 1}", currency=cur, counterparty_name=name,
                  counterparty_account=acct, remittance=rem, end_to_end_id=e2e,
                  bank_reference=ref)
        ix += 1


def define_bank_match_rules(ctx: Ctx, m: pb.DefineBankMatchRulesRequest) -> None:
    V.person(m.actor, m.reason, "defining matching rules")
    rules = BK.MatchRules.from_json(m.definition_json or "{}")
    day = V.day(m.effective_date, "effective_date")
    ctx.entry("BankMatchRulesDefined", day, version=len(ctx.D.bank.rules) + 1,
              definition=rules.to_json())


def line_input(bank: Any, ix: int) -> M.LineInput:
    t = bank.text[ix]
    return M.LineInput(bank.value_day[ix], bank.amount[ix], t[1], t[2], t[3], t[4], t[5])


def match_bank_lines(ctx: Ctx, m: pb.MatchBankLinesRequest) -> None:
    S = ctx.view
    if S is None or ctx.recs.n:
        raise error("BANK_MATCH_NOT_ALONE", "a match run is submitted on its own (MatchLines, "
                    "or a batch of one): it is decided against the committed state")
    bank = ctx.D.bank
    limit = m.limit or limits.bank_lines_per_match_max
    if not 0 < limit <= limits.bank_lines_per_match_max:
        raise error("TOO_MANY_ITEMS", f"limit is 1..{limits.bank_lines_per_match_max}")
    todo = [i for i in range(bank.n) if bank.status[i] == BK.NEW][:limit]
    if not todo:
        return
    version, rules = bank.current_rules()
    matcher = _matcher_after_last_run(S, version)
    if matcher is None:
        matcher = M.Matcher(M.open_book(S), rules)
        matcher.known_position = S.head_position
    book = matcher.b
    # The position whose state the matcher's index was built from: a run that continues
    # the previous one's matcher names the same position (re-deciding both runs' lines in
    # one pass on that state gives these decisions).
    known = matcher.known_position
    budget = limits.command_entries_max
    for ix in todo:
        if budget < _ENTRIES_PER_LINE_MAX:
            break
        ln = line_input(bank, ix)
        d = matcher.decide(ln)
        why = _cannot_apply(ctx, bank, ix, d)
        if d.auto and not why:
            matcher.commit(d, ln)
            c = d.best
            assert c is not None
            plan_ = [(int(book.inv_ix[p]), a, disc, w) for p, a, disc, w in c.plan]
            budget -= _write_payment(ctx, bank, ix, c.cust, plan_, c.unapplied, c.score,
                                     version, BK.BY_MATCHER, known, c.reasons)
        else:
            cands = M.candidates_json(book, d.candidates)
            if why:
                cands = json.dumps({"candidates": json.loads(cands), "note": why},
                                   separators=(",", ":"))
            ctx.entry("BankLineQueued", ln.value_day, line_ix=ix, score_bp=d.score,
                      rules_version=version, known_position=known, candidates=cands)
            budget -= 1
    # Kept for the next run (match_all submits them back to back): valid only if the state
    # it then reads is this one plus exactly this run's entries (checked by request id).
    S._bank_last_run = (ctx.env[0], ctx.first_position + ctx.e0, ctx.recs.n - ctx.e0,
                        version, matcher)


def _matcher_after_last_run(S: Any, version: int) -> M.Matcher | None:
    """The previous run's matcher, when the state is exactly what that run read plus what
    it wrote (its request stored at the head, nothing after it): the next lines are then
    decided as one longer run would decide them, from the same index of open items (what
    the run applied taken off, the counterparties it learned added). Rebuilding the index
    of a million open items costs seconds; a statement of 100,000 lines takes several runs
    (a command's entries are counted in 16 bits)."""
    last = getattr(S, "_bank_last_run", None)
    if last is None:
        return None
    rid, first, n, v, matcher = last
    S._bank_last_run = None
    got = request_of(S, rid)
    if v != version or got is None or got[1:] != (first, n) or \
            S.head_position != first + n - 1:
        return None
    return matcher


def _cannot_apply(ctx: Ctx, bank: Any, ix: int, d: M.Decision) -> str:
    """Why an automatic decision cannot be applied as it stands ("" if it can)."""
    if not d.auto or d.best is None:
        return ""
    c = ctx.D.customer(d.best.cust)
    if c.closed:
        return "the customer's account is closed"
    if bank.value_day[ix] < c.opened_day:
        return "the value date is before the account opened"
    if ctx.find("payment", _payment_id(bank, ix)) >= 0:
        return f"payment id {_payment_id(bank, ix)} is taken"
    return ""


def _payment_id(bank: Any, ix: int) -> str:
    return "PAY-" + bank.text[ix][0]


def _write_payment(ctx: Ctx, bank: Any, ix: int, cust: int,
                   plan_: list[tuple[int, int, int, int]], unapplied: int, score: int,
                   version: int, by: int, known: int, reasons: list[str]) -> int:
    """The payment a line becomes, its allocations, discounts, small write-offs and the
    decision; returns the number of entries written."""
    day = bank.value_day[ix]
    amount = bank.amount[ix]
    assert sum(a for _, a, _, _ in plan_) + unapplied == amount, (plan_, unapplied, amount)
    pay = ctx.next_index("payment")
    rem = bank.text[ix][4][:limits.text_length_max]
    e = ctx.entry("PaymentRecorded", day, payment_ix=pay, payment_id=_payment_id(bank, ix),
                  customer_ix=cust, amount_minor=amount, method=pb.BANK_TRANSFER,
                  value_day=day, remittance_reference=rem, unapplied_minor=unapplied)
    n = 1
    for inv, a, _, _ in plan_:
        if a:
            ctx.allocation(e, E.SOURCE_PAYMENT, pay, inv, a)
    for inv, _, disc, _ in plan_:
        if disc:
            ctx.entry("DiscountTaken", day, invoice_ix=inv, payment_ix=pay, amount_minor=disc)
            n += 1
    for inv, _, _, w in plan_:
        if w:
            ctx.entry("SmallBalanceWrittenOff", day, invoice_ix=inv, payment_ix=pay,
                      amount_minor=w)
            n += 1
    ctx.entry("BankLineApplied", day, line_ix=ix, payment_ix=pay, customer_ix=cust,
              score_bp=score, rules_version=version, decided_by=by, known_position=known,
              reasons=json.dumps(reasons, separators=(",", ":")))
    return n + 1


def _open_line(ctx: Ctx, line_id: str) -> int:
    bank = ctx.D.bank
    if not line_id:
        raise error("MISSING_FIELD", "line_id is required")
    ix = bank.line_ix.get(line_id, -1)
    if ix < 0:
        V.ident(line_id, "line_id")
        raise error("BANK_LINE_NOT_FOUND", f"no bank line {line_id!r}")
    st = bank.status[ix]
    if st == BK.APPLIED:
        raise error("BANK_LINE_ALREADY_APPLIED", f"line {line_id} was applied (payment "
                    f"{_payment_id(bank, ix)}); reverse that payment to redo it")
    if st == BK.DISMISSED:
        raise error("BANK_LINE_DISMISSED", f"line {line_id} was dismissed")
    if st == BK.DEBIT:
        raise error("BANK_LINE_NOT_A_RECEIPT", f"line {line_id} is a debit")
    return ix


def resolve_bank_line(ctx: Ctx, m: pb.ResolveBankLineRequest) -> None:
    V.person(m.actor, m.reason, "deciding a bank line")
    ix = _open_line(ctx, m.line_id)
    bank, D = ctx.D.bank, ctx.D
    day = bank.value_day[ix]
    if m.action == pb.BANK_LINE_DISMISS:
        ctx.entry("BankLineDismissed", day, line_ix=ix)
        return
    if m.action not in (pb.BANK_LINE_ACCEPT_CANDIDATE, pb.BANK_LINE_APPLY_TO_INVOICES,
                        pb.BANK_LINE_ASSIGN_CUSTOMER, pb.BANK_LINE_LEAVE_UNAPPLIED):
        raise error("INVALID_ENUM", "action is ACCEPT_CANDIDATE, APPLY_TO_INVOICES, "
                    "ASSIGN_CUSTOMER, LEAVE_UNAPPLIED or DISMISS")
    pid = _payment_id(bank, ix)
    if ctx.find("payment", pid) >= 0:
        raise error("PAYMENT_EXISTS", f"payment {pid!r} already exists")
    amount = bank.amount[ix]
    version = bank.rules_used[ix]
    if m.action == pb.BANK_LINE_ACCEPT_CANDIDATE:
        cand = _candidate(bank, ix, m.candidate_rank)
        c = _payer(ctx, bank, ix, cand["customer"])
        plan_ = []
        seen: set[int] = set()
        parts: dict[str, list[int]] = {}
        for k, key in enumerate(("alloc", "discount", "write_off")):
            for iid, x in cand[key]:
                parts.setdefault(iid, [0, 0, 0])[k] += x
        for iid, (a, disc, w) in parts.items():
            inv = ctx.must("invoice", iid, "invoice_id")
            r = D.invoice(inv)
            if r.customer != c.ix:
                raise error("INVOICE_OF_OTHER_CUSTOMER", f"invoice {iid!r} belongs to "
                            "another customer")
            if r.issue_day > day:
                raise error("DATE_BEFORE_ORIGIN", f"invoice {iid!r} is issued after the "
                            "line's value date")
            if a + disc + w > r.open or inv in seen:
                raise error("ALLOCATION_EXCEEDS_OPEN", f"invoice {iid!r} has {r.open} open "
                            f"now; the candidate closes {a + disc + w} (it changed since the "
                            "line was queued: pick invoices instead)")
            seen.add(inv)
            plan_.append((inv, a, disc, w))
        _write_payment(ctx, bank, ix, c.ix, plan_, cand["unapplied"], cand["score"], version,
                       BK.BY_CONFIRMATION, 0, cand["reasons"] + [f"accepted: {m.reason}"])
        return
    c = _payer(ctx, bank, ix, m.customer_id)
    if m.action == pb.BANK_LINE_APPLY_TO_INVOICES:
        if not m.allocations:
            raise error("MISSING_FIELD", "APPLY_TO_INVOICES needs allocations")
        p = plan(ctx, c.ix, amount, day, pb.EXPLICIT, m.allocations, required=False)
        by = BK.BY_CONFIRMATION
    elif m.action == pb.BANK_LINE_ASSIGN_CUSTOMER:
        if m.allocations:
            raise error("ALLOCATIONS_NOT_ALLOWED", "ASSIGN_CUSTOMER applies by the "
                        "customer's strategy; use APPLY_TO_INVOICES to name invoices")
        p = plan(ctx, c.ix, amount, day, pb.ALLOCATION_STRATEGY_UNSPECIFIED, [],
                 required=False)
        by = BK.BY_ASSIGNMENT
    else:
        if m.allocations:
            raise error("ALLOCATIONS_NOT_ALLOWED", "LEAVE_UNAPPLIED allocates nothing")
        p = []
        by = BK.BY_LEAVING_UNAPPLIED
    pay = ctx.next_index("payment")
    unapplied = amount - sum(x[1] for x in p)
    e = ctx.entry("PaymentRecorded", day, payment_ix=pay, payment_id=pid, customer_ix=c.ix,
                  amount_minor=amount, method=pb.BANK_TRANSFER, value_day=day,
                  remittance_reference=bank.text[ix][4][:limits.text_length_max],
                  unapplied_minor=unapplied)
    apply_plan(ctx, e, E.SOURCE_PAYMENT, pay, p, day, unapplied)
    ctx.entry("BankLineApplied", day, line_ix=ix, payment_ix=pay, customer_ix=c.ix,
              score_bp=bank.score[ix], rules_version=version, decided_by=by, known_position=0,
              reasons=json.dumps([m.reason], separators=(",", ":")))


def _payer(ctx: Ctx, bank: Any, ix: int, customer: str) -> Any:
    """The customer a person applies line ix to: live, in the line's currency, and open on
    the line's value date (whichever way the person decided it)."""
    c = live_customer(ctx, customer)
    _currency(bank, ix, c)
    if bank.value_day[ix] < c.opened_day:
        raise error("DATE_BEFORE_ORIGIN", "the line's value date is before the account opened")
    return c


def _currency(bank: Any, ix: int, c: Any) -> None:
    cur = bank.text[ix][1]
    if cur != c.currency:
        raise error("CURRENCY_MISMATCH", f"the line is in {cur}, the account in {c.currency}")


def _candidate(bank: Any, ix: int, rank: int) -> dict:
    if bank.status[ix] != BK.QUEUED:
        raise error("NO_SUCH_CANDIDATE", "the line has not been matched yet: it has no "
                    "candidates")
    cands = json.loads(bank.detail[ix])
    if isinstance(cands, dict):
        cands = cands["candidates"]
    if not 1 <= rank <= len(cands):
        raise error("NO_SUCH_CANDIDATE", f"candidate_rank is 1..{len(cands)}" if cands else
                    "the line has no candidates: pick invoices or assign a customer")
    return cands[rank - 1]


HANDLERS = {"import_bank_statement": import_bank_statement,
            "define_bank_match_rules": define_bank_match_rules,
            "match_bank_lines": match_bank_lines, "resolve_bank_line": resolve_bank_line}
