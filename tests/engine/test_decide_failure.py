"""A batch whose deciding fails (a bug, or a row that will not parse) fails alone and takes
back what it had decided: the review of the row stream's compiled reader found a row the
Python decider could not parse leaving the first command's decision in the decision state,
never stored, and the next innocent command decided against it (its fold then halted the
ledger, and the log would not reopen)."""

from __future__ import annotations

import itertools
import threading

import pytest

from arledger.engine import columnar as col
from arledger.engine import open_ledger
from arledger.v1 import commands_pb2 as pb


class _Unreadable(list):
    """Row commands of which one fails to come out (as a row protobuf will not parse)."""

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if i == 1:
            raise RuntimeError("row 1 will not parse")
        return super().__getitem__(i)


def _open(rid: str, cid: str, day: str = "2026-01-01") -> pb.Command:
    return pb.Command(open_customer=pb.OpenCustomerRequest(
        request_id=rid, customer_id=cid, name=cid, currency="EUR", opened_date=day))


def test_a_batch_whose_deciding_fails_takes_back_what_it_decided(tmp_path) -> None:
    ticks = itertools.count(1_790_000_000_000_000, 1_000)
    led = open_ledger(tmp_path / "d", clock=lambda: next(ticks))
    # row 1 has a date that is no date: the compiled loop hands it to Python, which asks
    # for the row, which fails
    cmds = [_open("o1", "C1"), _open("o2", "C2", "2026-13-01")]
    batch = col.from_commands(cmds)
    batch.rows = _Unreadable(cmds)
    with pytest.raises(RuntimeError, match="will not parse"):
        led.submit_rows_async(batch).result(30)
    inv = pb.Command(issue_invoice=pb.IssueInvoiceRequest(
        request_id="i1", invoice_id="I1", customer_id="C1", issue_date="2026-01-05",
        amount_minor=100))
    (o,) = led.submit([inv])
    assert (o.status, o.error.reason) == ("REJECTED", "CUSTOMER_NOT_FOUND")
    assert [o.status for o in led.submit([_open("o1", "C1"), inv])] == ["ACCEPTED"] * 2
    digest, head = led.state.digest(), led.state.head_position
    led.close()
    again = open_ledger(tmp_path / "d", clock=lambda: next(ticks))
    try:
        assert (again.state.digest(), again.state.head_position) == (digest, head)
    finally:
        again.close()


class _Gate(list):
    """A row the writer stops at until released, so that what is submitted meanwhile is
    queued and decided as one group after it."""

    def __init__(self, items, entered, release):  # type: ignore[no-untyped-def]
        super().__init__(items)
        self.entered, self.release = entered, release

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "arledger-writer":
            self.entered.set()
            self.release.wait(30)
        return super().__getitem__(i)


@pytest.mark.parametrize("cancelled", [False, True])
def test_in_a_group_the_failing_submission_goes_alone_even_when_its_caller_gave_up(
        tmp_path, cancelled) -> None:
    # The second review: answering a cancelled submission's future raised, which escaped
    # the group after the first submission was decided and before anything was stored.
    ticks = itertools.count(1_790_000_000_000_000, 1_000)
    led = open_ledger(tmp_path / "d", clock=lambda: next(ticks))
    entered, release = threading.Event(), threading.Event()
    gate = pb.Command(add_note=pb.AddNoteRequest(request_id="gate", customer_id="NOPE",
                                                 text="x", effective_date="2026-01-01"))
    gb = col.from_commands([gate])
    gb.rows = _Gate([gate], entered, release)
    held = led.submit_rows_async(gb)
    assert entered.wait(30)
    first = led.submit_async([_open("o1", "C1")])
    bad_cmds = [_open("o2", "C2"), _open("o3", "C3", "2026-13-01")]
    bad = col.from_commands(bad_cmds)
    bad.rows = _Unreadable(bad_cmds)
    failing = led.submit_rows_async(bad)
    if cancelled:
        assert failing.cancel()
    release.set()
    held.result(30)
    assert [o.status for o in first.result(30)] == ["ACCEPTED"]
    if not cancelled:
        with pytest.raises(RuntimeError, match="will not parse"):
            failing.result(30)
    inv = pb.Command(issue_invoice=pb.IssueInvoiceRequest(
        request_id="i1", invoice_id="I1", customer_id="C1", issue_date="2026-01-05",
        amount_minor=100))
    c2 = pb.Command(issue_invoice=pb.IssueInvoiceRequest(
        request_id="i2", invoice_id="I2", customer_id="C2", issue_date="2026-01-05",
        amount_minor=100))
    assert [(o.status, o.error.reason if o.error else "") for o in led.submit([inv, c2])] \
        == [("ACCEPTED", ""), ("REJECTED", "CUSTOMER_NOT_FOUND")]
    digest = led.state.digest()
    led.close()
    again = open_ledger(tmp_path / "d", clock=lambda: next(ticks))
    try:
        assert again.state.digest() == digest
    finally:
        again.close()
