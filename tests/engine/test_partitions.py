"""Customers are partitioned across writers by a stable hash; each partition is its own log."""

import collections

import pytest
from google.protobuf import json_format

from arledger.domain.errors import LedgerError
from arledger.engine import Partition, partition_of
from arledger.v1 import commands_pb2 as pb
from arledger_client import routing


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def customer(cid: str) -> pb.Command:
    return cmd("openCustomer", f"o-{cid}", customerId=cid, name=cid, currency="EUR",
               openedDate="2026-01-01")


def invoice(iid: str, cid: str) -> pb.Command:
    return cmd("issueInvoice", f"i-{iid}", invoiceId=iid, customerId=cid,
               issueDate="2026-01-02", amountMinor=100)


IDS = [f"CUST-{n:05d}" for n in range(400)] + ["", "ü-ñ", "a" * 64, "ACME"]


@pytest.mark.parametrize("count", [1, 2, 3, 8, 64])
def test_server_and_client_agree_on_every_customer_and_the_split_is_even(count):
    owners = [partition_of(c, count) for c in IDS]
    assert owners == [routing.partition_of(c, count) for c in IDS]
    assert all(0 <= o < count for o in owners)
    if count <= 8:  # 404 ids: every partition gets a fair share (hash, not ranges)
        per = collections.Counter(owners[:400])
        assert len(per) == count and min(per.values()) > 400 / count / 2
    # Stable: a fixed id always lands in the same place (ids are routed without a lookup).
    assert partition_of("ACME", 8) == routing.partition_of("ACME", 8) == \
        int.from_bytes(__import__("hashlib").blake2b(b"ACME", digest_size=8).digest(), "big") % 8


@pytest.mark.parametrize("spec", ["2/2", "-1/2", "x", "1/0", "", "1/2/3"])
def test_a_malformed_partition_is_refused(spec):
    with pytest.raises(LedgerError) as e:
        Partition.parse(spec)
    assert e.value.reason == "INVALID_PARTITION"


def test_a_partition_accepts_its_customers_and_refuses_the_others_writing_nothing(
        location, clock):
    ledger = location.open(clock=clock, partition="1/2")
    mine = [c for c in IDS[:40] if partition_of(c, 2) == 1][:5]
    theirs = [c for c in IDS[:40] if partition_of(c, 2) == 0][:5]
    outs = ledger.submit([customer(c) for c in mine] + [invoice(f"I{c}", c) for c in mine])
    assert {o.status for o in outs} == {"ACCEPTED"}
    head = ledger.state.head_position, ledger.store.head_seq()
    outs = ledger.submit([customer(theirs[0]), invoice("X1", theirs[1]),
                          cmd("recordPayment", "p", paymentId="P", customerId=theirs[2],
                              amountMinor=5, valueDate="2026-01-03")])
    assert [(o.status, o.error.reason) for o in outs] == [("REJECTED", "WRONG_PARTITION")] * 3
    assert outs[0].error.metadata["partition"] == "0/2"
    assert (ledger.state.head_position, ledger.store.head_seq()) == head
    assert set(ledger.state.customer_ix) == set(mine)


def test_two_partitions_are_separate_logs_that_each_verify(location, clock):
    a = location.open(clock=clock, partition="0/2")
    b = location.open(clock=clock, partition="1/2")
    ids = IDS[:30]
    for c in ids:
        led = (a, b)[partition_of(c, 2)]
        (o,) = led.submit([customer(c)])
        assert o.status == "ACCEPTED"
    assert set(a.state.customer_ix) | set(b.state.customer_ix) == set(ids)
    assert not set(a.state.customer_ix) & set(b.state.customer_ix)
    assert a.verify().ok and b.verify().ok
    assert a.state.head_hash != b.state.head_hash
