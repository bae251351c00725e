"""The routing client against two real partition writers, each on its own port."""

import pytest

from arledger.engine import partition_of
from arledger.server import create_server
from arledger_client import FailedPrecondition, NotFound, PartitionedClient


@pytest.fixture
def two_writers(location, clock):
    ledgers, servers, targets = [], [], []
    for i in range(2):
        led = location.open(clock=clock, partition=f"{i}/2")
        server, port = create_server(led, "127.0.0.1:0")
        server.start()
        ledgers.append(led)
        servers.append(server)
        targets.append(f"127.0.0.1:{port}")
    try:
        yield ledgers, targets
    finally:
        for s in servers:
            s.stop(0)


def test_commands_and_queries_reach_the_writer_of_their_customer(two_writers):
    ledgers, targets = two_writers
    ids = [f"CUST-{n}" for n in range(12)]
    with PartitionedClient(targets) as pc:
        for c in ids:
            pc.send(pc.commands.open_customer(c, c, "EUR", "2026-01-01"))
            pc.send(pc.commands.issue_invoice(f"INV-{c}", c, "2026-01-05", amount_minor=1000))
        for led, i in zip(ledgers, (0, 1)):
            assert set(led.state.customer_ix) == {c for c in ids if partition_of(c, 2) == i}
        # A command that names only an item is routed by its customer hint ...
        c = ids[3]
        r = pc.send(pc.commands.void_invoice(f"INV-{c}", "2026-01-06", reason="duplicate billing"),
                    customer_id=c)
        assert r.status == "ACCEPTED"
        assert pc.client_for(c).get_balance(c, "2026-03-01").open_minor == 0
        # ... and a wrong hint is harmless: the other partition does not know the item.
        other = next(x for x in ids if partition_of(x, 2) != partition_of(ids[4], 2))
        with pytest.raises(NotFound) as e:
            pc.send(pc.commands.void_invoice(f"INV-{ids[4]}", "2026-01-06", reason="x"), customer_id=other)
        assert e.value.reason == "INVOICE_NOT_FOUND"
        with pytest.raises(ValueError):
            pc.send(pc.commands.void_invoice(f"INV-{ids[4]}", "2026-01-06", reason="x"))
        # A batch is split by partition, one result per partition.
        results = pc.submit_batch([pc.commands.issue_invoice(f"B-{c}", c, "2026-01-06",
                                                             amount_minor=5) for c in ids])
        assert sum(r.accepted for r in results) == len(ids) and len(results) == 2
        # Sent to the wrong writer directly, a customer is refused with its owner named.
        wrong = pc.clients[1 - partition_of(ids[0], 2)]
        with pytest.raises(FailedPrecondition) as e:
            wrong.issue_invoice("X", ids[0], "2026-01-07", amount_minor=5)
        assert e.value.reason == "WRONG_PARTITION"
        assert e.value.metadata["partition"] == f"{partition_of(ids[0], 2)}/2"


def test_policies_go_to_every_partition_and_dunning_runs_on_each(two_writers):
    ledgers, targets = two_writers
    ids = [f"CUST-{n}" for n in range(8)]
    with PartitionedClient(targets) as pc:
        results = pc.send_to_all(pc.commands.define_dunning_policy(
            "STD", [{"days_past_due": 5, "action": "REMINDER"}], "2026-01-01", actor="ann",
            reason="ladder"))
        assert [r.status for r in results] == ["ACCEPTED", "ACCEPTED"]
        for c in ids:
            pc.send(pc.commands.open_customer(c, c, "EUR", "2026-01-01"))
            pc.send(pc.commands.issue_invoice(f"INV-{c}", c, "2026-01-05", amount_minor=1000))
        runs = pc.run_dunning("2026-03-01", default_policy_id="STD")
        for run, led, i in zip(runs, ledgers, (0, 1)):
            mine = {c for c in ids if partition_of(c, 2) == i}
            assert {n["customer_id"] for n in run.notices} == mine
            assert led.state.dunning_steps.n == len(mine)
