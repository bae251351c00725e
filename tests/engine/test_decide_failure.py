"""A batch whose deciding fails (a bug, or a row that will not parse) fails alone and takes
back what it had decided: the review of the row stream's compiled reader found a row the
Python decider could not parse leaving the first command's decision in the decision state,
never stored, and the next innocent command decided against it (its fold then halted the
ledger, and the log would not reopen)."""

from __future__ import annotations

import itertools

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
