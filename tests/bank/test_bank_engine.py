"""Bank statements in the engine, on both stores: idempotent import, refusals that write
nothing, and replay: the rebuilt state equals the live one (queue, decisions, payments),
and re-running the matcher on the state each run read (rebuilt from the log up to the
position the run names) reproduces every automatic decision."""

import json
import sys
from pathlib import Path

from arledger.bank import formats, ops
from arledger.bank import matcher as M
from arledger.domain import bank as BK
from arledger.engine.decide.bank import line_input
from arledger.engine.segment import decode, digest
from arledger.engine.state import State
from arledger.v1 import commands_pb2 as pb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bank_samples import Pay, camt053, mt940  # noqa: E402


def C(**kw):
    return pb.Command(**kw)


def _setup(led):
    cmds = [C(open_customer=pb.OpenCustomerRequest(
        request_id=f"c-{cid}", customer_id=cid, name=name, currency="EUR",
        payment_terms_net_days=30, opened_date="2026-01-01"))
        for cid, name in (("ACME", "Acme GmbH"), ("NW", "Northwind Foods Ltd"),
                          ("GR", "Granite Textiles AG"))]
    for k, (iid, cust, amt) in enumerate((("INV-1043", "ACME", 119_000),
                                          ("INV-1044", "ACME", 50_000),
                                          ("INV-2001", "NW", 77_700),
                                          ("INV-2002", "NW", 12_300),
                                          ("INV-3001", "GR", 40_000))):
        cmds.append(C(issue_invoice=pb.IssueInvoiceRequest(
            request_id=f"i{k}", invoice_id=iid, customer_id=cust, amount_minor=amt,
            currency="EUR", issue_date="2026-01-10")))
    assert all(o.status == "ACCEPTED" for o in led.submit(cmds))


ROWS = [Pay("1690.00", "ACME GMBH", "DE44500105175407324931", "INV 1043 1044"),
        Pay("777.00", "Northwind Foods", "GB33BUKB20201555555555", ""),
        Pay("-5.00", "Bank", "", "fee"),
        Pay("400.00", "Granite Textiles", "FR76", "INV-3001 part")]


def _import(led, content, fmt, prefix=""):
    """As BankService does: request ids from the file's hash unless a prefix is given."""
    stmts = formats.parse(content, fmt)
    sha = formats.sha256(content)
    return ops.import_statements(led, ops.import_commands(stmts, sha, prefix or sha[:40]))


def test_importing_a_file_twice_or_the_same_statement_again_records_nothing_new(location,
                                                                                 clock):
    led = location.open(clock=clock)
    _setup(led)
    assert _import(led, camt053(ROWS), "CAMT053") == 4
    head = led.state.head_position
    assert _import(led, camt053(ROWS), "CAMT053") == 0   # a retry: same request ids
    assert _import(led, camt053(ROWS) + b"\n", "CAMT053", prefix="g") == 0  # new ids, known lines
    assert led.state.head_position == head
    # One more line in the same statement: only it is recorded.
    assert _import(led, camt053(ROWS + [Pay("1.00", "Z")]), "CAMT053", prefix="h") == 1
    # Another format, another statement: recorded.
    assert _import(led, mt940(ROWS), "MT940") == 4
    # The log renders them (ids for indexes, dates, the statement they belong to).
    recorded = [e for e in led.entries() if e["type"] == "BankLineRecorded"]
    assert len(recorded) == 9
    assert recorded[0]["fields"]["line_id"] == "BL-1"
    assert recorded[0]["fields"]["statement_id"] == "DE89370400440532013000/STMT-1"
    assert recorded[0]["fields"]["booking_date"] == "2026-02-02"
    with led.reading() as S:
        assert S.bank.n == 9 and len(S.bank.statements) == 2
        assert [S.bank.status[i] for i in range(4)] == [BK.NEW, BK.NEW, BK.DEBIT, BK.NEW]


def test_refused_commands_and_bad_files_write_nothing(location, clock):
    led = location.open(clock=clock)
    _setup(led)
    head = led.state.head_position
    m = pb.ImportBankStatementRequest(request_id="bad", account="A", statement_id="S",
                                      format="CSV", file_sha256="0" * 64)
    m.lines.add(line_number=1, booking_date="2026-02-01", amount_minor=100, currency="EUR")
    m.lines.add(line_number=1, booking_date="2026-02-01", amount_minor=200, currency="EUR")
    (o,) = led.submit([C(import_bank_statement=m)])
    assert o.status == "REJECTED" and o.error.reason == "BAD_STATEMENT_LINE"
    m.lines[1].line_number = 2
    m.lines[1].currency = "XXY"
    (o,) = led.submit([C(import_bank_statement=m)])
    assert o.error.reason == "BAD_STATEMENT_LINE" and o.error.metadata["line"] == "2"
    (o,) = led.submit([C(resolve_bank_line=pb.ResolveBankLineRequest(
        request_id="r", actor="ann", reason="x", line_id="BL-1",
        action=pb.BANK_LINE_DISMISS))])
    assert o.error.reason == "BANK_LINE_NOT_FOUND"
    match = C(match_bank_lines=pb.MatchBankLinesRequest(request_id="m"))
    outs = led.submit([match, C(resolve_bank_line=pb.ResolveBankLineRequest(
        request_id="r2", actor="ann", reason="x", line_id="BL-1",
        action=pb.BANK_LINE_DISMISS))])
    assert outs[0].error.reason == "BANK_MATCH_NOT_ALONE"
    bad = camt053(ROWS).replace(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>X</CdtDbtInd>", 1)
    try:
        formats.parse(bad, "CAMT053")
    except Exception as e:
        assert e.reason == "BAD_STATEMENT_LINE" and int(e.metadata["line"]) > 1
    else:
        raise AssertionError("a bad file parsed")
    assert led.state.head_position == head


def test_a_dismissed_line_takes_no_other_decision(location, clock):
    led = location.open(clock=clock)
    _setup(led)
    _import(led, camt053(ROWS), "CAMT053")

    def resolve(rid, action, **kw):
        (o,) = led.submit([C(resolve_bank_line=pb.ResolveBankLineRequest(
            request_id=rid, actor="ann", reason="interest from the bank", line_id="BL-4",
            action=action, **kw))])
        return o
    assert resolve("d1", pb.BANK_LINE_DISMISS).status == "ACCEPTED"
    head = led.state.head_position
    assert resolve("d1", pb.BANK_LINE_DISMISS).status == "DUPLICATE"   # a retry
    o = resolve("d2", pb.BANK_LINE_ASSIGN_CUSTOMER, customer_id="GR")
    assert o.error.reason == "BANK_LINE_DISMISSED" and led.state.head_position == head
    with led.reading() as S:
        assert S.bank.status[3] == BK.DISMISSED and S.bank.detail[3] == "interest from the bank"


def _queue(S):
    b = S.bank
    return [(b.text[i][0], b.status[i], b.score[i], b.detail[i], b.payment[i], b.customer[i])
            for i in range(b.n)]


def _state_at(led, position):
    """The state rebuilt from the log up to (and including) `position`."""
    S = State()
    for _, blob in led.store.read(after_seq=0):
        seg = decode(blob)
        if seg.first_position > position:
            break
        S.apply_segment(seg, digest(blob))
    return S


def test_replay_rebuilds_the_queue_and_reproduces_every_automatic_decision(location, clock):
    led = location.open(clock=clock)
    _setup(led)
    _import(led, camt053(ROWS), "CAMT053")
    ops.match_all(led)
    _import(led, mt940([Pay("123.00", "ACME GMBH", "DE44500105175407324931", ""),
                        Pay("50.00", "Granite", "", "INV-3001")]), "MT940")
    ops.match_all(led)
    (o,) = led.submit([C(resolve_bank_line=pb.ResolveBankLineRequest(
        request_id="r1", actor="ann", reason="phoned", line_id="BL-2",
        action=pb.BANK_LINE_ACCEPT_CANDIDATE, candidate_rank=1))])
    assert o.status == "ACCEPTED"
    with led.reading() as S:
        queued = [S.bank.text[i][0] for i in range(S.bank.n) if S.bank.status[i] == BK.QUEUED]
    assert queued
    (o,) = led.submit([C(resolve_bank_line=pb.ResolveBankLineRequest(
        request_id="r2", actor="ann", reason="waiting", line_id=queued[0],
        action=pb.BANK_LINE_LEAVE_UNAPPLIED, customer_id="GR"))])
    assert o.status == "ACCEPTED"
    with led.reading() as S:
        live_digest, live_queue = S.digest(), _queue(S)
        statuses = [S.bank.status[i] for i in range(S.bank.n)]
        assert BK.APPLIED in statuses and BK.QUEUED in statuses
    led.close()
    again = location.open(clock=clock)
    with again.reading() as S:
        assert S.digest() == live_digest and _queue(S) == live_queue
        by_matcher = [(i, S.bank.decided_at[i]) for i in range(S.bank.n)
                      if S.bank.actor[i].startswith("matcher:")]
    # Each run's decisions, recomputed on the state it read (its entries name the position).
    by_known = {}
    for i, pos in by_matcher:
        e = again.entry_at(pos)
        assert e["type"] in ("BankLineApplied", "BankLineQueued")
        by_known.setdefault(int(e["fields"]["known_position"]), []).append(i)
    assert len(by_known) == 2
    for known, ixs in by_known.items():
        S_k = _state_at(again, known)
        book = M.open_book(S_k)
        rules = S_k.bank.current_rules()[1]
        with again.reading() as S:
            decisions = M.match_lines(book, rules, [line_input(S.bank, i) for i in ixs])
            for i, d in zip(ixs, decisions):
                assert (S.bank.status[i] == BK.APPLIED) == d.auto
                if S.bank.status[i] == BK.APPLIED:
                    assert S.bank.decided_by[i] == BK.BY_MATCHER
                    assert d.auto and S.bank.score[i] == d.score
                    assert json.loads(S.bank.detail[i]) == d.best.reasons
                    assert S.customer_ids.name(S.bank.customer[i]) == book.cust_ids[d.best.cust]
                    assert {S.invoice_ids.name(k): v for k, v in
                            S.payment_allocations(S.bank.payment[i]).items()} == \
                        {book.inv_ids[p]: a for p, a, _, _ in d.best.plan if a}
                else:
                    assert S.bank.status[i] == BK.QUEUED and S.bank.score[i] == d.score
                    assert S.bank.detail[i] == M.candidates_json(book, d.candidates)



def test_back_to_back_runs_continue_one_matcher_and_decide_as_one_run(location, clock):
    led = location.open(clock=clock)
    _setup(led)
    rows = [Pay("1190.00", "Acme GmbH", "DE01ACME", "INV-1043"),     # teaches DE01ACME
            Pay("500.00", "A. Payer", "DE01ACME", ""),               # then the account says ACME
            Pay("777.00", "x", "NL01", "2001"),
            Pay("777.00", "x", "NL01", "2001"),                       # paid twice: now closed
            Pay("123.00", "y", "", ""),
            Pay("400.00", "Granite", "", "INV-3001")]
    _import(led, camt053(rows), "CAMT053")
    outs = []
    for k in range(3):   # three runs of two lines, back to back
        (o,) = led.submit([C(match_bank_lines=pb.MatchBankLinesRequest(
            request_id=f"run-{k}", actor="matcher:rules-v0", limit=2))])
        assert o.status == "ACCEPTED"
        outs.append(o)
    with led.reading() as S:
        decided = [(S.bank.status[i], S.bank.score[i], S.bank.detail[i]) for i in range(6)]
    positions = {int(led.entry_at(led.state.bank.decided_at[i])["fields"]["known_position"])
                 for i in range(6)}
    assert len(positions) == 1          # one matcher, built once, named by every run
    (known,) = positions
    assert known < outs[0].position
    S_k = _state_at(led, known)
    book = M.open_book(S_k)
    with led.reading() as S:
        again = M.match_lines(book, S_k.bank.current_rules()[1],
                              [line_input(S.bank, i) for i in range(6)])
    assert [d.auto for d in again] == [st == BK.APPLIED for st, _, _ in decided]
    assert [d.score for d in again] == [sc for _, sc, _ in decided]
    assert decided[1][0] == BK.APPLIED and "COUNTERPARTY_ACCOUNT" in decided[1][2]
    # Anything else in between: the next run builds its index again, from the new state.
    _import(led, camt053([Pay("250.00", "z", "", "INV-1044")], stmt_id="S2"), "CAMT053")
    ops.match_all(led)
    with led.reading() as S:
        last = S.bank.decided_at[S.bank.n - 1]
    assert int(led.entry_at(last)["fields"]["known_position"]) > known
