"""Restart rebuilds the same state from the log; verify finds any damage to the stored log."""

import sqlite3

import pytest
from google.protobuf import json_format

from arledger import synthetic
from arledger.domain.dates import parse_day
from arledger.domain.errors import LedgerError
from arledger.engine import Ledger, SegmentStore, open_ledger
from arledger.projections import views
from arledger.v1 import commands_pb2 as pb

SPEC = synthetic.PortfolioSpec(customers=150, seed=2)


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def extras() -> list[list[pb.Command]]:
    """Batches of what the synthetic stream has little of: account credit allocated,
    closes, voids, master data, rejections and an aborted atomic batch."""
    def inv(rid, iid, day, amount):
        return cmd("issueInvoice", rid, invoiceId=iid, customerId="X1", issueDate=day,
                   amountMinor=amount)
    return [
        [cmd("openCustomer", "x-o1", customerId="X1", name="X", currency="CHF",
             paymentTermsNetDays=10, openedDate="2026-01-01"),
         cmd("openCustomer", "x-o2", customerId="X2", name="Y", currency="CHF",
             openedDate="2026-01-01"),
         inv("x-i1", "XI1", "2026-01-02", 700), inv("x-i2", "XI2", "2026-01-03", 300),
         inv("x-i3", "XI3", "2026-01-04", 50)],
        [cmd("issueCreditNote", "x-n1", creditNoteId="XN1", customerId="X1", amountMinor=400,
             currency="CHF", issueDate="2026-01-05", reasonCode="GOODWILL"),
         cmd("allocateCreditNote", "x-a1", creditNoteId="XN1", effectiveDate="2026-01-06"),
         cmd("voidInvoice", "x-v1", invoiceId="XI3", effectiveDate="2026-01-06",
             reason="duplicate"),
         cmd("updateCustomer", "x-u1", customerId="X1", actor="ann", reason="moved",
             effectiveDate="2026-01-07", address={"city": "Bern", "country": "CH"},
             creditLimitMinor=5000),
         cmd("closeCustomer", "x-c2", customerId="X2", effectiveDate="2026-01-08"),
         inv("x-bad", "XI1", "2026-01-09", 1)],                       # rejected: duplicate
        [inv("x-i4", "XI4", "2026-01-09", 10), inv("x-i5", "XI5", "2026-01-09", 0)],  # aborted
        [cmd("recordPayment", "x-p1", paymentId="XP1", customerId="X1", amountMinor=900,
             currency="CHF", method="CASH", valueDate="2026-01-20"),
         cmd("reversePayment", "x-r1", paymentId="XP1", effectiveDate="2026-01-25",
             reversalReason="RETURNED_CHEQUE")],
    ]


def fill(ledger) -> None:
    for batch in synthetic.generate_batches(SPEC, 400):
        ledger.submit(batch)
    for n, batch in enumerate(extras()):
        ledger.submit(batch, atomic=n == 2)


def snapshot(ledger) -> dict:
    """What a reader sees: digest, views (now, in the past, as known earlier) and the log."""
    with ledger.reading() as S:
        past, early = parse_day("2026-03-31", "d"), max(S.head_seq // 2, 1)
        balances = [views.balance(S, c, day, known) for c in range(S.customers.n)
                    for day, known in ((S.max_effective_day, S.head_seq), (past, S.head_seq),
                                       (past, early))]
        aging = [views.aging(S, None, day, S.head_seq) for day in (past, S.max_effective_day)]
        out = {"digest": S.digest(), "head": (S.head_position, S.head_seq, S.head_hash),
               "balances": balances, "aging": aging}
    out["log"] = list(ledger.entries(1))
    return out


def test_a_restart_rebuilds_the_same_state_views_and_log_from_a_few_thousand_commands(
        location, clock):
    ledger = location.open(clock=clock)
    fill(ledger)
    before = snapshot(ledger)
    assert before["head"][0] > 3000
    assert "XI4" not in ledger.state.invoice_ix  # the aborted atomic batch left nothing
    ledger.close()
    again = location.open(clock=clock)
    try:
        after = snapshot(again)
        assert after["digest"] == before["digest"]
        assert after == before
        # And the rebuilt ledger carries on where the first one stopped.
        (o,) = again.submit([cmd("issueInvoice", "x-i9", invoiceId="XI9", customerId="X1",
                                 issueDate="2026-02-01", amountMinor=5)])
        assert (o.status, o.position) == ("ACCEPTED", before["head"][0] + 1)
    finally:
        again.close()


def test_verify_accepts_an_intact_log_live_and_offline(location, clock):
    ledger = location.open(clock=clock)
    fill(ledger)
    S = ledger.state
    rep = ledger.verify()
    assert rep.ok, rep
    assert (rep.segments_checked, rep.entries_checked, rep.head_hash) == \
        (S.head_seq, S.head_position, S.head_hash)
    ledger.close()
    offline = Ledger(location.store(), clock)
    try:
        assert offline.verify() == rep
    finally:
        offline.store.close()


# ---- tampering -----------------------------------------------------------------------------

def _ledger_with_segments(path, clock, n=6):
    """A ledger on `path` with n segments, left open."""
    ledger = open_ledger(path, clock=clock)
    cmds = list(synthetic.generate(synthetic.PortfolioSpec(customers=20, seed=1)))
    step = len(cmds) // n + 1
    for i in range(0, len(cmds), step):
        ledger.submit(cmds[i:i + step])
    assert ledger.state.head_seq == n
    return ledger


def _blob(con, seq):
    return bytearray(con.execute("SELECT state FROM segments WHERE originator_version=?",
                                 (seq,)).fetchone()[0])


def _put(con, seq, blob):
    con.execute("UPDATE segments SET state=? WHERE originator_version=?", (bytes(blob), seq))


def _flip(offset):
    def damage(con, n):
        b = _blob(con, 3)
        b[offset(len(b))] ^= 0x01
        _put(con, 3, b)
        return 3
    return damage


def _delete(con, n):
    con.execute("DELETE FROM segments WHERE originator_version=2")
    return 2


def _swap(con, n):
    a, b = _blob(con, 2), _blob(con, 3)
    _put(con, 2, b)
    _put(con, 3, a)
    return 2


def _truncate(seq_of):
    def damage(con, n):
        seq = seq_of(n)
        _put(con, seq, _blob(con, seq)[:-7])
        return seq
    return damage


def _replace_with_own_copy(con, n):
    # A forger re-encodes segment 4 with a changed amount and a matching body hash: only the
    # next segment's prev_hash can tell.
    from arledger.engine.segment import decode, encode
    seg = decode(bytes(_blob(con, 4)))
    col = seg.tables["entry"]["effective_day"]
    seg.tables["entry"]["effective_day"] = col + 1
    _put(con, 4, encode(seg))
    return 4


DAMAGE = {
    "flip_a_body_byte": _flip(lambda size: size // 2),
    "flip_a_header_byte": _flip(lambda size: 40),
    "flip_the_last_byte": _flip(lambda size: size - 1),
    "delete_a_segment": _delete,
    "swap_two_segments": _swap,
    "truncate_a_middle_segment": _truncate(lambda n: 3),
    "truncate_the_tail_segment": _truncate(lambda n: n),
    "re_encode_a_segment": _replace_with_own_copy,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_verify_names_the_first_damaged_segment_and_a_restart_refuses_the_log(tmp_path, clock,
                                                                            damage):
    data = tmp_path / "d"
    ledger = _ledger_with_segments(data, clock)
    with sqlite3.connect(data / "ledger.db") as con:  # behind the running ledger's back
        first_bad = DAMAGE[damage](con, ledger.state.head_seq)
    con.close()
    live = ledger.verify()
    ledger.close()
    assert (live.ok, live.first_bad_segment) == (False, first_bad), live
    assert live.problem
    offline = Ledger(SegmentStore.sqlite(data / "ledger.db"), clock)
    try:
        rep = offline.verify()
    finally:
        offline.store.close()
    assert (rep.ok, rep.first_bad_segment) == (False, first_bad), rep
    with pytest.raises(LedgerError) as e:
        open_ledger(data, clock=clock)
    assert e.value.reason == "LOG_CORRUPT"


def test_a_running_ledger_notices_that_its_newest_segments_were_deleted(tmp_path, clock):
    ledger = _ledger_with_segments(tmp_path / "d", clock)
    with sqlite3.connect(tmp_path / "d" / "ledger.db") as con:
        con.execute("DELETE FROM segments WHERE originator_version>=5")
    con.close()
    try:
        rep = ledger.verify()
    finally:
        ledger.close()
    assert (rep.ok, rep.first_bad_segment, rep.segments_checked) == (False, 5, 4), rep


def test_verify_reports_an_unreadable_store_instead_of_crashing(tmp_path, clock):
    ledger = _ledger_with_segments(tmp_path / "d", clock)
    with sqlite3.connect(tmp_path / "d" / "ledger.db") as con:
        con.execute("DROP TABLE segments")
    con.close()
    try:
        rep = ledger.verify()
    finally:
        ledger.close()
    assert (rep.ok, rep.first_bad_segment) == (False, 1), rep
    assert "unreadable" in rep.problem


def test_a_changed_header_of_the_newest_segment_is_detected_after_a_restart(tmp_path, clock):
    data = tmp_path / "d"
    ledger = _ledger_with_segments(data, clock)
    n = ledger.state.head_seq
    ledger.close()
    with sqlite3.connect(data / "ledger.db") as con:
        b = _blob(con, n)
        i = b.index(b'"recorded_at_us":') + len('"recorded_at_us":') + 3
        b[i] = ord("9") if b[i] != ord("9") else ord("8")  # recorded ~100 days later
        _put(con, n, b)
    con.close()
    offline = Ledger(SegmentStore.sqlite(data / "ledger.db"), clock)
    try:
        rep = offline.verify()
    finally:
        offline.store.close()
    assert (rep.ok, rep.first_bad_segment) == (False, n), rep


def test_a_failed_fold_halts_writes_and_a_restart_recovers_the_stored_segment(tmp_path, clock,
                                                                               monkeypatch):
    from arledger.engine.state import State

    def opened(n):
        return cmd("openCustomer", f"o{n}", customerId=f"C{n}", name="n", currency="EUR",
                   openedDate="2026-01-01")

    ledger = open_ledger(tmp_path / "d", clock=clock)
    ledger.submit([opened(1)])
    real = State.apply_segment

    def broken(self, seg, h, recs=None):
        raise RuntimeError("injected fault while folding")

    monkeypatch.setattr(State, "apply_segment", broken)
    with pytest.raises(RuntimeError):
        ledger.submit([opened(2)])  # stored, not folded: the caller is not told ACCEPTED
    monkeypatch.setattr(State, "apply_segment", real)
    (o,) = ledger.submit([opened(3)])
    assert (o.status, o.error.reason) == ("REJECTED", "LEDGER_HALTED")
    ledger.close()
    again = open_ledger(tmp_path / "d", clock=clock)
    try:
        assert set(again.state.customer_ix) == {"C1", "C2"}  # the stored segment is not lost
        assert again.verify().ok
    finally:
        again.close()


# (damage, how many segments after it the fold notices: a re-encoded segment decodes, and
# only the next one's prev_hash shows it was changed)
@pytest.mark.parametrize(("damage", "later"), [("flip_a_body_byte", 0),
                                               ("re_encode_a_segment", 1)])
def test_replay_folds_every_segment_before_a_damaged_one_and_stops_there(tmp_path, clock,
                                                                          damage, later):
    # Replay decodes and sizes a page of segments at a time; the fold must still stop
    # exactly where the damage is noticed, with everything before it folded (a follower
    # keeps serving that state).
    data = tmp_path / "d"
    ledger = _ledger_with_segments(data, clock)
    head = ledger.state.head_seq
    with sqlite3.connect(data / "ledger.db") as con:
        first_bad = DAMAGE[damage](con, head) + later
    con.close()
    ledger.close()
    assert 1 < first_bad < head
    _replay_stops_at(data, clock, first_bad)


def _replay_stops_at(data, clock, bad: int) -> None:  # type: ignore[no-untyped-def]
    """Replay of the log in `data` reports segment `bad` LOG_CORRUPT, everything before it
    folded."""
    offline = Ledger(SegmentStore.sqlite(data / "ledger.db"), clock)
    try:
        with pytest.raises(LedgerError) as e:
            offline.replay()
        assert e.value.reason == "LOG_CORRUPT"
        assert f"segment {bad}:" in str(e.value)
        assert offline.state.head_seq == bad - 1
    finally:
        offline.store.close()


def test_replay_sizes_the_state_from_the_headers_so_no_segment_grows_it(tmp_path, clock):
    # Replay reads each page's sizes off the segments' headers (segment.layout) and decodes
    # the segments one at a time after: the headers must say what the decoded segments
    # hold, and the room reserved from them must be all the fold needs.
    from arledger.engine.segment import decode, layout
    from arledger.engine.state import State
    from arledger.engine.text import StrColumn

    data = tmp_path / "d"
    _ledger_with_segments(data, clock).close()
    store = SegmentStore.sqlite(data / "ledger.db")
    try:
        blobs = [b for _, b in store.read()]
    finally:
        store.close()
    assert len(blobs) >= 6
    for blob in blobs:
        seg = decode(blob)
        count, tables = layout(blob)
        assert count == seg.count
        assert set(tables) == set(seg.tables)
        for name, (rows, nbytes) in tables.items():
            cols = seg.tables[name]
            assert set(nbytes) == set(cols)
            for cname, col in cols.items():
                assert len(col) == rows
                assert nbytes[cname] == (len(col.data) if isinstance(col, StrColumn)
                                         else col.nbytes)
    S = State()
    S.reserve_layouts([layout(b) for b in blobs])
    cap, ids = S.book.cap.copy(), [len(a) for a in S.book.ids.arrays().arena]
    grown = []
    real = S.book.reserve

    def watch(*args, **kwargs):
        laid_out = real(*args, **kwargs)
        grown.append(laid_out)
        return laid_out
    S.book.reserve = watch
    for blob in blobs:
        S.apply_segment(decode(blob), "")
    assert grown and not any(grown)  # asked every segment, laid out again for none
    assert (S.book.cap == cap).all()
    assert [len(a) for a in S.book.ids.arrays().arena] == ids


def _forge_header(change):
    """A forger edits segment 4's header and signs it again (its own hash is no proof)."""
    def damage(con, n):
        import hashlib
        import json
        import struct

        from arledger.engine.segment import MAGIC
        b = bytes(_blob(con, 4))
        (hlen,) = struct.unpack_from("<I", b, len(MAGIC))
        off = len(MAGIC) + 4
        h = json.loads(b[off:off + hlen])
        h.pop("header_sha256")
        change(h)
        h["header_sha256"] = hashlib.sha256(
            json.dumps(h, separators=(",", ":")).encode()).hexdigest()
        hb = json.dumps(h, separators=(",", ":")).encode()
        _put(con, 4, MAGIC + struct.pack("<I", len(hb)) + hb + b[off + hlen:])
        return 4
    return damage


def _rows(table, rows):
    def change(h):
        name = table if table in h["tables"] else next(
            t for t, m in h["tables"].items() if m["rows"])
        h["tables"][name]["rows"] = rows
    return change


FORGED = {
    "allocations_rows_2**59": _rows("allocations", 2**59),
    "invoices_rows_2**40": _rows("InvoiceIssued", 2**40),
    "invoices_rows_2**60": _rows("InvoiceIssued", 2**60),
    "entry_rows_negative": _rows("entry", -1),
    "entry_count_2**62": lambda h: h.update(count=2**62),
    "entry_count_a_string": lambda h: h.update(count="7"),
    "tables_not_a_map": lambda h: h.update(tables=[]),
    "a_column_longer_than_the_body": lambda h: h["tables"]["entry"]["columns"][0].__setitem__(
        2, 2**50),
    "a_table_without_its_columns": lambda h: h["tables"]["entry"].update(columns=[]),
}


@pytest.mark.parametrize("forgery", list(FORGED))
def test_a_forged_header_is_refused_before_it_sizes_the_state(tmp_path, clock, forgery):
    # Replay sizes the state from the headers before it decodes a segment, and the compiled
    # fold trusts the sizes: a re-signed header claiming 2**59 rows once crashed the process
    # (SIGSEGV) or stopped replay with a MemoryError before segment 1. Its sizes are held to
    # the blob's length: the segment is LOG_CORRUPT in its turn, everything before it folded.
    from arledger.engine.segment import SegmentFormatError, layout

    data = tmp_path / "d"
    ledger = _ledger_with_segments(data, clock)
    ledger.close()
    with sqlite3.connect(data / "ledger.db") as con:
        bad = _forge_header(FORGED[forgery])(con, 6)
        forged = bytes(_blob(con, bad))
    con.close()
    with pytest.raises(SegmentFormatError):
        layout(forged)
    _replay_stops_at(data, clock, bad)


def test_a_failed_allocation_leaves_the_book_as_it_was(tmp_path, clock):
    # Compiled code reads the book's capacities and offsets unchecked: growing must
    # allocate before it changes either, so a refused allocation changes nothing.
    ledger = _ledger_with_segments(tmp_path / "d", clock)
    try:
        B = ledger.state.book
        cap, base, arrays = B.cap.copy(), B.base.copy(), B.arrays()
        with pytest.raises((MemoryError, ValueError)):
            B.reserve({"invoices": 2**60})
        assert (B.cap == cap).all() and (B.base == base).all()
        assert B.arrays() is arrays
        ids = B.ids
        icap = ids.cap.copy()
        with pytest.raises((MemoryError, ValueError)):
            ids.reserve("invoice", 2**60, 0)
        assert (ids.cap == icap).all()
    finally:
        ledger.close()


def test_a_group_in_flight_when_writes_halt_is_told_they_halted(tmp_path, clock, monkeypatch):
    # A second group decided while the first is being stored is lost with it; when the
    # first halts the ledger, the second's callers are told LEDGER_HALTED (a retry would
    # meet it), not "store unavailable, retry".
    import threading

    from arledger.engine.state import State

    def opened(n):
        return cmd("openCustomer", f"o{n}", customerId=f"C{n}", name="n", currency="EUR",
                   openedDate="2026-01-01")

    ledger = open_ledger(tmp_path / "d", clock=clock)
    ledger.submit([opened(1)])
    gate, release = threading.Event(), threading.Event()
    seal = Ledger._seal

    def slow_seal(self, g):  # type: ignore[no-untyped-def]
        gate.set()
        assert release.wait(10)
        seal(self, g)

    def broken(self, seg, h, recs=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("injected fault while folding")

    monkeypatch.setattr(Ledger, "_seal", slow_seal)
    monkeypatch.setattr(State, "apply_segment", broken)
    first = ledger.submit_async([opened(2)])
    assert gate.wait(10)
    second = ledger.submit_async([opened(3)])
    while ledger._store_q.qsize() < 1:  # the second group is decided and queued
        threading.Event().wait(0.001)
    release.set()
    with pytest.raises(RuntimeError):
        first.result(10)
    (o,) = second.result(10)
    assert (o.status, o.error.reason) == ("REJECTED", "LEDGER_HALTED")
    ledger.close()
