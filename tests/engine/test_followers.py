"""Read-only followers tail a partition's log, serve the same state, and report their lag."""

import time

import pytest
from google.protobuf import json_format

from arledger.domain.errors import LedgerError
from arledger.engine import open_ledger
from arledger.projections import views
from arledger.v1 import commands_pb2 as pb

WAIT_S = 60  # a guard against a follower that never catches up; nothing asserts on time


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def customer(cid: str) -> pb.Command:
    return cmd("openCustomer", f"o-{cid}", customerId=cid, name=cid, currency="EUR",
               paymentTermsNetDays=30, openedDate="2026-01-01")


def invoice(iid: str, cid: str, amount: int = 100) -> pb.Command:
    return cmd("issueInvoice", f"i-{iid}", invoiceId=iid, customerId=cid,
               issueDate="2026-01-02", amountMinor=amount)


def caught_up(follower, writer) -> None:
    deadline = time.monotonic() + WAIT_S
    while follower.state.head_seq < writer.state.head_seq:
        assert time.monotonic() < deadline, (follower.state.head_seq, writer.state.head_seq,
                                             follower.follow_error)
        time.sleep(0.01)


def test_a_follower_catches_up_with_the_writer_and_serves_the_same_views(location, clock):
    writer = location.open(clock=clock)
    writer.submit([customer("A"), invoice("I1", "A", 700)])
    follower = location.open(clock=clock, follower=True, poll_interval=0.02)
    assert follower.state.digest() == writer.state.digest()  # the opening replay
    for n in range(2, 12):  # ten more segments, appended while the follower runs
        writer.submit([invoice(f"I{n}", "A", n), customer(f"C{n}")])
    writer.submit([cmd("recordPayment", "p1", paymentId="P1", customerId="A", amountMinor=650,
                       valueDate="2026-02-01")])
    caught_up(follower, writer)
    assert follower.state.digest() == writer.state.digest()
    assert follower.lag() == (0, 0)
    day = 20_000
    with follower.reading() as F, writer.reading() as W:
        for known in (1, 5, F.head_seq):  # the head, and as known at earlier segments
            assert views.balance(F, F.customer_ix["A"], day, known) == \
                views.balance(W, W.customer_ix["A"], day, known)
    assert list(follower.entries(1)) == list(writer.entries(1))


def test_a_follower_refuses_commands_and_writes_nothing(location, clock):
    writer = location.open(clock=clock)
    writer.submit([customer("A")])
    follower = location.open(clock=clock, follower=True)
    with pytest.raises(LedgerError) as e:
        follower.submit([invoice("I1", "A")])
    assert e.value.reason == "READ_ONLY_FOLLOWER"
    assert writer.store.head_seq() == 1 and "I1" not in follower.state.invoice_ix
    # The writer still writes: a follower takes no lease.
    assert writer.submit([invoice("I1", "A")])[0].status == "ACCEPTED"


def test_a_follower_that_has_not_looked_yet_reports_how_far_behind_it_is(tmp_path, clock):
    writer = open_ledger(tmp_path / "d", clock=clock)
    follower = open_ledger(tmp_path / "d", clock=clock, follower=True, poll_interval=3600)
    try:
        writer.submit([customer("A")])
        writer.submit([customer("B")])
        behind, age_ms = follower.lag()
        assert behind == 2 and age_ms > 0
        assert follower.state.head_seq == 0
    finally:
        follower.close()  # promptly, though it would not look again for an hour
        writer.close()


def test_a_follower_needs_a_log_to_follow(tmp_path):
    with pytest.raises(LedgerError) as e:
        open_ledger(tmp_path / "empty", follower=True)
    assert e.value.reason == "STORE_UNAVAILABLE"


def test_a_follower_stops_at_a_segment_that_does_not_verify_and_keeps_serving(location, clock):
    writer = location.open(clock=clock)
    writer.submit([customer("A")])
    follower = location.open(clock=clock, follower=True, poll_interval=0.02)
    digest = follower.state.digest()
    location.insert_raw(2, b"not a segment")  # behind the writer's back
    deadline = time.monotonic() + WAIT_S
    while not follower.follow_error:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert "LOG_CORRUPT" in follower.follow_error
    assert follower.state.digest() == digest and follower.state.head_seq == 1
    # The writer finds its next segment number taken: fenced, not forked.
    (o,) = writer.submit([customer("B")])
    assert (o.status, o.error.reason) == ("REJECTED", "WRITER_FENCED")
