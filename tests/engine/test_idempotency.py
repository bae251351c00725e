"""Request ids make submits idempotent: a retry is answered, never written twice."""

import threading
import time

import pytest
from google.protobuf import json_format

from arledger.v1 import commands_pb2 as pb


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def customer(rid: str = "o", cid: str = "C") -> pb.Command:
    return cmd("openCustomer", rid, customerId=cid, name=cid, currency="EUR",
               paymentTermsNetDays=30, openedDate="2026-01-01")


def invoice(rid: str, iid: str, amount: int = 100, cid: str = "C") -> pb.Command:
    return cmd("issueInvoice", rid, invoiceId=iid, customerId=cid, issueDate="2026-01-02",
               amountMinor=amount)


def heads(ledger) -> tuple[int, int, int]:
    """Log position, segment number in the state, and segments in the store."""
    return ledger.state.head_position, ledger.state.head_seq, ledger.store.head_seq()


def test_the_same_request_again_is_a_duplicate_with_the_original_position_and_writes_nothing(
        ledger):
    (first,) = ledger.submit([customer()])
    a, b = ledger.submit([invoice("i1", "I1"), invoice("i2", "I2")])
    before = heads(ledger)
    again = ledger.submit([invoice("i2", "I2"), invoice("i1", "I1")])
    assert [(o.status, o.position, o.entry_count) for o in again] == \
        [("DUPLICATE", b.position, 1), ("DUPLICATE", a.position, 1)]
    assert (a.position, b.position) == (first.position + 1, first.position + 2)
    assert heads(ledger) == before
    assert len(list(ledger.entries(1))) == 3


def test_a_duplicate_of_a_two_entry_command_reports_both_entries(ledger):
    ledger.submit([customer(), invoice("i", "I"),
                   cmd("openDispute", "d", disputeId="D", invoiceId="I", amountMinor=40,
                       reasonCode="PRICING", openedDate="2026-01-03")])
    resolve = cmd("resolveDispute", "r", disputeId="D", outcome="DISPUTE_UPHELD",
                  creditNoteId="N", resolvedDate="2026-01-04", actor="ann", reason="ok")
    (o,) = ledger.submit([resolve])
    (d,) = ledger.submit([resolve])
    assert (o.status, o.entry_count) == ("ACCEPTED", 2)  # resolved + credit note issued
    assert (d.status, d.position, d.entry_count) == ("DUPLICATE", o.position, 2)


def test_the_same_request_id_with_another_payload_is_refused_and_writes_nothing(ledger):
    ledger.submit([customer(), invoice("i1", "I1", 100)])
    before = heads(ledger)
    outs = ledger.submit([invoice("i1", "I1", 101),            # other amount
                          invoice("i1", "I9", 100),            # other invoice
                          cmd("recordPayment", "i1", paymentId="P", customerId="C",
                              amountMinor=5, currency="EUR", method="CARD",
                              valueDate="2026-01-05")])        # another command altogether
    assert [(o.status, o.error.reason) for o in outs] == [("REJECTED", "REQUEST_ID_REUSED")] * 3
    assert heads(ledger) == before
    assert "I9" not in ledger.state.invoice_ix and "P" not in ledger.state.payment_ix


def test_duplicates_inside_one_batch_are_answered_from_the_first_and_written_once(ledger):
    outs = ledger.submit([customer(), invoice("i", "I"), invoice("i", "I"),
                          invoice("i", "I", 999), customer()])
    assert [o.status for o in outs] == ["ACCEPTED", "ACCEPTED", "DUPLICATE", "REJECTED",
                                        "DUPLICATE"]
    assert outs[2].position == outs[1].position and outs[4].position == outs[0].position
    assert outs[3].error.reason == "REQUEST_ID_REUSED"
    assert ledger.state.head_position == 2
    assert [e["request_id"] for e in ledger.entries(1)] == ["o", "i"]


def test_a_retry_in_the_same_batch_as_its_original_answers_exactly_as_the_original(ledger):
    """Both the original and its retry name the same entries: each gets every allocation
    (a payment spread over two invoices), and so does a later retry."""
    ledger.submit([customer(), invoice("i1", "I1", 60), invoice("i2", "I2", 70)])
    pay = cmd("recordPayment", "p", paymentId="P", customerId="C", amountMinor=100,
              currency="EUR", method="CARD", valueDate="2026-01-05")
    outs = ledger.submit([pay, invoice("i3", "I3"), pay, pay])
    (later,) = ledger.submit([pay])
    want = [("I1", 60), ("I2", 40)]
    assert [o.status for o in outs] == ["ACCEPTED", "ACCEPTED", "DUPLICATE", "DUPLICATE"]
    assert [o.allocations for o in (outs[0], outs[2], outs[3], later)] == [want] * 4
    assert outs[1].allocations == []


def test_duplicates_are_recognised_after_a_restart(location, clock):
    led = location.open(clock=clock)
    outs = led.submit([customer(), invoice("i", "I")])
    led.close()
    led = location.open(clock=clock)
    try:
        before = heads(led)
        again = led.submit([invoice("i", "I"), customer(), invoice("i", "I", 5),
                            invoice("j", "J")])
        assert [(o.status, o.position) for o in again[:2]] == \
            [("DUPLICATE", outs[1].position), ("DUPLICATE", outs[0].position)]
        assert again[2].error.reason == "REQUEST_ID_REUSED"
        assert (again[3].status, again[3].position) == ("ACCEPTED", before[0] + 1)
    finally:
        led.close()


def test_an_atomic_batch_with_one_bad_command_writes_nothing_and_aborts_the_others(ledger):
    (o,) = ledger.submit([customer()])
    before = heads(ledger)
    outs = ledger.submit([invoice("i1", "I1"), invoice("i2", "I2"),
                          invoice("bad", "I3", 0),   # AMOUNT_NOT_POSITIVE
                          invoice("i1", "I1"),       # duplicate of a command of this batch
                          customer()],               # duplicate of a command already written
                         atomic=True)
    assert [(x.status, x.error.reason if x.error else None) for x in outs] == [
        ("REJECTED", "ATOMIC_BATCH_ABORTED"), ("REJECTED", "ATOMIC_BATCH_ABORTED"),
        ("REJECTED", "AMOUNT_NOT_POSITIVE"), ("REJECTED", "ATOMIC_BATCH_ABORTED"),
        ("DUPLICATE", None)]
    assert outs[4].position == o.position
    assert heads(ledger) == before
    assert "I1" not in ledger.state.invoice_ix
    # Nothing of the aborted batch was remembered: the same request ids go through now.
    outs = ledger.submit([invoice("i1", "I1"), invoice("i2", "I2")])
    assert [x.status for x in outs] == ["ACCEPTED", "ACCEPTED"]
    assert [x.position for x in outs] == [before[0] + 1, before[0] + 2]


def test_an_atomic_batch_without_a_bad_command_is_written_whole(ledger):
    outs = ledger.submit([customer(), invoice("i1", "I1"), invoice("i2", "I2")], atomic=True)
    assert [o.status for o in outs] == ["ACCEPTED"] * 3
    assert heads(ledger) == (3, 1, 1)


def test_a_rejected_command_writes_nothing_and_its_request_id_stays_free(ledger):
    ledger.submit([customer()])
    before = heads(ledger)
    (o,) = ledger.submit([invoice("x", "I1", cid="NOPE")])
    assert (o.status, o.error.reason) == ("REJECTED", "CUSTOMER_NOT_FOUND")
    assert heads(ledger) == before
    assert "x" not in ledger.state.requests
    # A rejection is not remembered: the corrected command with the same id is accepted.
    (o,) = ledger.submit([invoice("x", "I1")])
    assert (o.status, o.position) == ("ACCEPTED", before[0] + 1)


def test_a_malformed_or_reused_request_id_after_an_accepted_command_rejects_only_itself(ledger):
    ledger.submit([customer()])
    outs = ledger.submit([invoice("i1", "I1"), invoice("bad id", "I2"), invoice("", "I3"),
                          invoice("i1", "I4"), invoice("i5", "I5")])
    assert [(o.status, o.error.reason if o.error else None) for o in outs] == [
        ("ACCEPTED", None), ("REJECTED", "MALFORMED_ID"), ("REJECTED", "MISSING_FIELD"),
        ("REJECTED", "REQUEST_ID_REUSED"), ("ACCEPTED", None)]
    assert sorted(ledger.state.invoice_ix) == ["I1", "I5"]


@pytest.mark.parametrize("atomic", [False, True])
def test_the_same_command_sent_concurrently_is_written_once(ledger, atomic):
    ledger.submit([customer()])
    before = ledger.state.head_position
    outs: list = []
    start = threading.Barrier(8)

    def send():
        start.wait()
        outs.extend(ledger.submit([invoice("i", "I")], atomic=atomic))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.status for o in outs) == ["ACCEPTED"] + ["DUPLICATE"] * 7
    assert {o.position for o in outs} == {before + 1}
    assert ledger.state.head_position == before + 1


def test_a_store_failure_acknowledges_nothing_and_a_retry_with_the_same_ids_writes_once(
        ledger, monkeypatch):
    import sqlite3

    ledger.submit([customer()])
    before = heads(ledger)

    def failing(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ledger.store.recorder, "insert_events", failing)
    outs = ledger.submit([invoice("i1", "I1"), invoice("i1", "I1"), invoice("bad", "I3", 0),
                          customer()])
    assert [(o.status, o.error.reason if o.error else None) for o in outs] == [
        ("REJECTED", "STORE_UNAVAILABLE"), ("REJECTED", "STORE_UNAVAILABLE"),
        ("REJECTED", "AMOUNT_NOT_POSITIVE"), ("DUPLICATE", None)]
    assert heads(ledger) == before and "I1" not in ledger.state.invoice_ix
    monkeypatch.undo()
    outs = ledger.submit([invoice("i1", "I1"), invoice("i1", "I1")])
    assert [(o.status, o.position) for o in outs] == [("ACCEPTED", before[0] + 1),
                                                     ("DUPLICATE", before[0] + 1)]
    assert heads(ledger) == (before[0] + 1, before[1] + 1, before[2] + 1)
    # the segment after the failure chains onto the last one stored, not the lost one
    report = ledger.verify()
    assert report.ok and report.segments_checked == before[2] + 1, report


def test_a_store_failure_with_a_later_group_in_flight_loses_both_and_the_chain_holds(
        ledger, monkeypatch):
    """The store fails the first of two pipelined groups: the second, decided against it,
    is lost too (never sealed onto the failed one), both are retried with the same ids and
    the log verifies from the first segment to the last."""
    import sqlite3

    ledger.submit([customer()])
    before = heads(ledger)
    storing, release = threading.Event(), threading.Event()
    real = ledger.store.recorder.insert_events

    def failing(*args, **kwargs):  # the first append fails; the store is well after it
        if storing.is_set():
            return real(*args, **kwargs)
        storing.set()
        release.wait(10)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ledger.store.recorder, "insert_events", failing)
    first = ledger.submit_async([invoice("i1", "I1")])
    assert storing.wait(10)  # the store thread is appending the first group
    second = ledger.submit_async([invoice("i2", "I2")])
    deadline = time.monotonic() + 10
    while ledger._store_q.qsize() < 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert ledger._store_q.qsize() == 1, "the second group was not decided meanwhile"
    release.set()
    assert [(o.status, o.error.reason if o.error else None) for o in
            first.result() + second.result()] == [("REJECTED", "STORE_UNAVAILABLE")] * 2
    assert heads(ledger) == before
    outs = ledger.submit([invoice("i2", "I2"), invoice("i1", "I1")])
    assert [o.status for o in outs] == ["ACCEPTED", "ACCEPTED"]
    assert heads(ledger) == (before[0] + 2, before[1] + 1, before[2] + 1)
    report = ledger.verify()
    assert report.ok and report.segments_checked == before[2] + 1, report


def test_under_concurrent_callers_a_small_group_waits_for_company(tmp_path, clock):
    """Group commit with linger: two submissions apart in time share one segment once the
    writer has seen concurrency, and each still gets its own result."""
    from arledger.engine import Ledger, SegmentStore

    led = Ledger(SegmentStore.sqlite(tmp_path / "l.db"), clock, group_linger_us=2_000_000)
    first = [led.submit_async([customer("o1", "C1")]), led.submit_async([customer("o2", "C2")])]
    led.start()  # both were queued: one group of two submissions (concurrency seen)
    try:
        assert [f.result()[0].status for f in first] == ["ACCEPTED"] * 2
        assert led.state.head_seq == 1
        a = led.submit_async([invoice("i1", "I1", cid="C1")])
        time.sleep(0.05)  # well inside the linger: b joins a's group
        b = led.submit_async([invoice("i2", "I2", cid="C2")])
        (oa,), (ob,) = a.result(), b.result()
        assert (oa.status, ob.status) == ("ACCEPTED", "ACCEPTED")
        assert led.state.head_seq == 2 and ob.position == oa.position + 1
    finally:
        led.close()
