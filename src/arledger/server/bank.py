"""BankService: import bank statements, run the matcher, list lines and the exceptions
queue, and a person's decisions (issue 19), over engine/decide/bank.py.

Every write is a ledger command (the actor is the principal; the matcher's runs record
"<principal>/matcher:rules-v<N>", or "matcher:rules-v<N>" without authentication). An
import parses the whole file and checks every import command before it submits the first,
so a bad file records nothing; its commands' request ids derive from the file's SHA-256,
so a retried call, or the same file again, records nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import grpc

from arledger.bank import formats, ops
from arledger.domain import bank as BK
from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.engine import Ledger
from arledger.server import auth, tokens
from arledger.server.requests import command_result, guard, query_key
from arledger.v1 import bank_pb2 as bpb
from arledger.v1 import bank_pb2_grpc as bgrpc
from arledger.v1 import commands_pb2 as cpb

SERVICE = bpb.DESCRIPTOR.services_by_name["BankService"]
ERRORS_DOC = ("INVALID_ARGUMENT (BAD_STATEMENT_FILE, BAD_STATEMENT_LINE, "
              "INVALID_COLUMN_MAPPING, INVALID_MATCH_RULES, NO_SUCH_CANDIDATE, INVALID_ENUM, "
              "MALFORMED_ID, MALFORMED_TEXT, MISSING_FIELD, UNKNOWN_CURRENCY, "
              "CURRENCY_MISMATCH, DUPLICATE_ALLOCATION, DATE_BEFORE_ORIGIN, TOO_MANY_ITEMS, "
              "ALLOCATIONS_NOT_ALLOWED, ACTOR_REQUIRED, REASON_REQUIRED, INVALID_PAGE_SIZE, "
              "INVALID_PAGE_TOKEN), NOT_FOUND (BANK_LINE_NOT_FOUND, CUSTOMER_NOT_FOUND, "
              "INVOICE_NOT_FOUND), FAILED_PRECONDITION (BANK_LINE_ALREADY_APPLIED, "
              "BANK_LINE_DISMISSED, BANK_LINE_NOT_A_RECEIPT, ALLOCATION_EXCEEDS_OPEN, "
              "ALLOCATION_EXCEEDS_AMOUNT, INVOICE_OF_OTHER_CUSTOMER, CUSTOMER_CLOSED, "
              "READ_ONLY_FOLLOWER), ALREADY_EXISTS (REQUEST_ID_REUSED, PAYMENT_EXISTS)")
PAGE_DEFAULT, PAGE_MAX = 100, 1000
_STATUS = {v: k for k, v in BK.STATUS_NAMES.items()}
_BY = ("", "MATCHER", "CONFIRMED", "ASSIGNED", "LEFT_UNAPPLIED")


def _alloc(pairs: list) -> list[cpb.Allocation]:
    return [cpb.Allocation(invoice_id=i, amount_minor=a) for i, a in pairs]


def line_message(S, ix: int, full: bool = True) -> bpb.BankLine:  # type: ignore[no-untyped-def]
    """A line as the API shows it (candidates and reasons when `full`)."""
    b = S.bank
    t = b.text[ix]
    acct, sid = b.statements[b.stmt[ix]][:2]
    st = b.status[ix]
    out = bpb.BankLine(
        line_id=t[0], account=acct, statement_id=sid, line_number=b.number[ix],
        booking_date=day_to_iso(b.booking_day[ix]), value_date=day_to_iso(b.value_day[ix]),
        amount_minor=b.amount[ix], currency=t[1], counterparty_name=t[2],
        counterparty_account=t[3], remittance=t[4], end_to_end_id=t[5], bank_reference=t[6],
        status=BK.STATUS_NAMES[st], score_bp=b.score[ix], rules_version=b.rules_used[ix],
        decided_by=_BY[b.decided_by[ix]], actor=b.actor[ix], position=b.position[ix],
        decided_position=b.decided_at[ix])
    if st == BK.APPLIED:
        out.customer_id = S.customer_ids.name(b.customer[ix])
        out.payment_id = S.payment_ids.name(b.payment[ix])
    if not full:
        return out
    if st == BK.QUEUED:
        cands = json.loads(b.detail[ix])
        if isinstance(cands, dict):
            out.reasons.append(cands["note"])
            cands = cands["candidates"]
        for k, c in enumerate(cands, 1):
            out.candidates.add(rank=k, customer_id=c["customer"], score_bp=c["score"],
                               allocations=_alloc(c["alloc"]),
                               discounts=_alloc(c["discount"]),
                               write_offs=_alloc(c["write_off"]),
                               unapplied_minor=c["unapplied"], reasons=c["reasons"])
    elif st == BK.APPLIED:
        out.reasons.extend(json.loads(b.detail[ix]))
    elif st == BK.DISMISSED:
        out.reasons.append(b.detail[ix])
    return out


class BankServicer(bgrpc.BankServiceServicer):
    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self.clock = clock

    def _submit_one(self, cmd: cpb.Command):  # type: ignore[no-untyped-def]
        return ops.submit_one(self.ledger, cmd)

    @guard
    def ImportStatement(self, request, context):  # type: ignore[no-untyped-def]
        mapping = {f.name: getattr(request.csv_mapping, f.name)
                   for f in bpb.CsvMapping.DESCRIPTOR.fields}
        stmts = formats.parse(request.content, request.format, mapping, request.account,
                              request.statement_id)
        sha = formats.sha256(request.content)
        prefix = request.request_id or f"bank-import-{sha[:40]}"
        V.ident(prefix, "request_id")
        if request.actor:
            V.text(request.actor, "actor")
        cmds = ops.import_commands(stmts, sha, prefix, request.actor)
        auth.authorize_commands(auth.current(), cmds)
        recorded = ops.import_statements(self.ledger, cmds)
        out = bpb.ImportStatementResponse(statements=len(stmts), file_sha256=sha,
                                          lines_in_file=sum(len(s.lines) for s in stmts),
                                          lines_recorded=recorded)
        out.lines_known_before = out.lines_in_file - recorded
        with self.ledger.reading() as S:
            b = S.bank
            for s in stmts:
                st = b.statement_ix.get((s.account, s.statement_id), -1)
                for ln in s.lines:
                    ix = b.line_key.get((st, ln.line_number), -1)
                    if ix >= 0:
                        out.line_ids.append(b.text[ix][0])
        if not request.skip_match:
            out.match.CopyFrom(self._match(request.actor))
        return out

    def _match(self, actor: str) -> bpb.MatchSummary:
        p = auth.current()
        principal = p.name if p.via != "none" else actor
        m = ops.match_all(self.ledger, principal)
        return bpb.MatchSummary(decided=m.decided, applied=m.applied, queued=m.queued,
                                rules_version=m.rules_version, position=m.position)

    @guard
    def MatchLines(self, request, context):  # type: ignore[no-untyped-def]
        if request.actor:
            V.text(request.actor, "actor")
        return self._match(request.actor)

    @guard
    def ListLines(self, request, context):  # type: ignore[no-untyped-def]
        size = request.page_size or PAGE_DEFAULT
        if not 0 < size <= PAGE_MAX:
            raise error("INVALID_PAGE_SIZE", f"page_size must be 0..{PAGE_MAX}")
        want = 0
        if request.status:
            if request.status not in _STATUS:
                raise error("INVALID_ENUM", "status is one of "
                            f"{', '.join(BK.STATUS_NAMES.values())}")
            want = _STATUS[request.status]
        start = 0
        if request.page_token:  # signed like every page token (server/tokens.py)
            tok = tokens.read(request.page_token)
            if tok.get("c") != query_key(request) or not isinstance(tok.get("s"), int) \
                    or tok["s"] < 0:
                raise error("INVALID_PAGE_TOKEN", "the token belongs to another query")
            start = tok["s"]
        out = bpb.ListLinesResponse()
        with self.ledger.reading() as S:
            b = S.bank
            rows = [i for i in range(b.n) if not want or b.status[i] == want]
            out.total = len(rows)
            page = [i for i in rows if i >= start][:size + 1]
            for i in page[:size]:
                out.lines.append(line_message(S, i, full=want == BK.QUEUED))
            if len(page) > size:
                out.next_page_token = tokens.make({"c": query_key(request), "s": page[size]})
        return out

    @guard
    def GetLine(self, request, context):  # type: ignore[no-untyped-def]
        if not request.line_id:
            raise error("MISSING_FIELD", "line_id is required")
        with self.ledger.reading() as S:
            ix = S.bank.line_ix.get(request.line_id, -1)
            if ix < 0:
                V.ident(request.line_id, "line_id")
                raise error("BANK_LINE_NOT_FOUND", f"no bank line {request.line_id!r}")
            return line_message(S, ix)

    @guard
    def ResolveBankLine(self, request, context):  # type: ignore[no-untyped-def]
        cmd = cpb.Command(resolve_bank_line=request)
        auth.authorize_commands(auth.current(), (cmd,))
        return command_result(self._submit_one(cmd))

    @guard
    def DefineBankMatchRules(self, request, context):  # type: ignore[no-untyped-def]
        cmd = cpb.Command(define_bank_match_rules=request)
        auth.authorize_commands(auth.current(), (cmd,))
        return command_result(self._submit_one(cmd))

    @guard
    def GetMatchRules(self, request, context):  # type: ignore[no-untyped-def]
        with self.ledger.reading() as S:
            v, r = S.bank.current_rules()
        return bpb.MatchRules(version=v, definition_json=r.to_json())


def add_to_server(server: grpc.Server, ledger: Ledger, clock: Callable[[], int]) -> str:
    bgrpc.add_BankServiceServicer_to_server(BankServicer(ledger, clock), server)
    return SERVICE.full_name


__all__ = ["SERVICE", "ERRORS_DOC", "add_to_server", "BankServicer", "line_message"]
