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


def test_listings_fan_out_and_merge_in_order(two_writers):
    """Listings across partitions: the routing client asks every partition and merges their pages
    in the server's order; pages continue where each partition left off, at one view."""
    ledgers, targets = two_writers
    ids = [f"CUST-{n:02d}" for n in range(14)]
    with PartitionedClient(targets) as pc:
        for n, c in enumerate(ids):
            pc.send(pc.commands.open_customer(c, f"Name {13 - n:02d}", "EUR", "2026-01-01"))
            pc.send(pc.commands.issue_invoice(f"INV-{c}", c, "2026-01-05",
                                              amount_minor=1000 + 100 * (n % 5)))
        assert {partition_of(c, 2) for c in ids} == {0, 1}
        for order, expect in (
                ("balance desc", sorted(ids, key=lambda c: -(1000 + 100 * (ids.index(c) % 5)))),
                ("name", list(reversed(ids))), ("customer_id desc", list(reversed(ids)))):
            got, token, pages = [], "", 0
            while True:
                page = pc.list_customers_page(as_of="2026-03-01", order_by=order, page_size=4,
                                              page_token=token)
                assert page.total_size == len(ids)
                got += [r["customer_id"] for r in page.items]
                pages += 1
                token = page.next_page_token
                if not token:
                    break
            assert pages == 4
            if order == "balance desc":  # ties keep each partition's order: compare amounts
                bal = {c: 1000 + 100 * (ids.index(c) % 5) for c in ids}
                assert sorted(got) == sorted(ids)
                assert [bal[c] for c in got] == sorted(bal.values(), reverse=True)
            else:
                assert got == expect
        # One customer's invoices go to its partition; an invoice is found without a hint.
        c = ids[5]
        assert [r["invoice_id"] for r in pc.list_invoices_page(customer_id=c).items] == \
            [f"INV-{c}"]
        assert pc.get_invoice(f"INV-{c}")["invoice"]["customer_id"] == c
        with pytest.raises(NotFound):
            pc.get_invoice("INV-NOPE")
        merged = pc.list_invoices_page(order_by="invoice_id", page_size=100)
        assert [r["invoice_id"] for r in merged.items] == sorted(f"INV-{c}" for c in ids)
        wl = pc.worklist_page(as_of="2026-06-30", page_size=5)
        assert wl["total_size"] == len(ids) and [r["rank"] for r in wl["rows"]] == [1, 2, 3, 4, 5]
        wl2 = pc.worklist_page(as_of="2026-06-30", page_size=5, page_token=wl["next_page_token"])
        assert [r["rank"] for r in wl2["rows"]] == [6, 7, 8, 9, 10]
        losses = [r["expected_loss_minor"] for r in wl["rows"] + wl2["rows"]]
        assert losses == sorted(losses, reverse=True)
