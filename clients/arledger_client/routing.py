"""Routing commands to the writer of their customer's partition.

A partitioned arledger runs one writer per partition ``I/N``; a customer belongs to
partition ``blake2b64(customer_id) mod N`` and every invoice, payment, credit note
and dispute lives with its customer. `partition_of` is the same function as the
server's (arledger.engine.partition; a test keeps them equal), so routing needs no
lookup. Commands that name only an item (void, allocate, reverse, dispute, ...)
need the customer as a routing hint: `send(cmd, customer_id=...)`. A wrong hint
is harmless: the other partition does not know the item and refuses it. Policies
(terms, credit policy, dunning ladders) are defined on every partition (`send_to_all`),
and a dunning run runs on each (`run_dunning`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from arledger_client.client import ArledgerClient, _message
from arledger_client.commands import Command
from arledger_client.models import BatchResult, CommandResult, DunningRun

CommandLike = Command | dict


def partition_of(customer_id: str, count: int) -> int:
    if count == 1:
        return 0
    h = hashlib.blake2b(customer_id.encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") % count


def customer_of(command: CommandLike) -> str:
    """The customer a command names, or "" when it names only an item."""
    msg = _message(command)
    body = getattr(msg, msg.WhichOneof("command") or "", None)
    return getattr(body, "customer_id", "") if body is not None else ""


class PartitionedClient:
    """One ArledgerClient per partition writer; commands and queries go to the owner.

        with PartitionedClient(["127.0.0.1:50051", "127.0.0.1:50052"]) as pc:
            pc.send(pc.commands.open_customer("ACME", "Acme", "EUR", "2026-01-01"))
            pc.client_for("ACME").get_balance("ACME")
    """

    def __init__(self, targets: Sequence[str], **client_options: Any) -> None:
        if not targets:
            raise ValueError("a partitioned client needs one target per partition")
        self.clients = [ArledgerClient(t, **client_options) for t in targets]
        self.commands = self.clients[0].commands

    @property
    def count(self) -> int:
        return len(self.clients)

    def client_for(self, customer_id: str) -> ArledgerClient:
        return self.clients[partition_of(customer_id, self.count)]

    def _route(self, command: CommandLike, customer_id: str | None) -> int:
        cid = customer_id or customer_of(command)
        if not cid:
            raise ValueError("this command names no customer: pass customer_id= to route it")
        return partition_of(cid, self.count)

    def send(self, command: CommandLike, *, customer_id: str | None = None) -> CommandResult:
        return self.clients[self._route(command, customer_id)].send(command)

    def submit_batch(self, commands: Iterable[CommandLike],
                     customer_ids: Sequence[str | None] | None = None) -> list[BatchResult]:
        """Split a batch by partition (each part decided in order, not atomically across
        partitions); one BatchResult per partition that received commands, in partition
        order. `customer_ids` gives routing hints for commands that name only an item."""
        cmds = list(commands)
        hints = list(customer_ids) if customer_ids is not None else [None] * len(cmds)
        parts: dict[int, list[CommandLike]] = {}
        for c, h in zip(cmds, hints, strict=True):
            parts.setdefault(self._route(c, h), []).append(c)
        return [self.clients[p].submit_batch(parts[p]) for p in sorted(parts)]

    def send_to_all(self, command: CommandLike) -> list[CommandResult]:
        """Send a command that names no customer to every partition, in partition order:
        policies (terms, the credit policy, dunning ladders) live in each partition's log.
        The same request id on each is safe: each partition is its own log."""
        return [c.send(command) for c in self.clients]

    def run_dunning(self, as_of_date: Any, *, default_policy_id: str = "",
                    request_id: str | None = None) -> list[DunningRun]:
        """A dunning run on every partition (each over its own customers), in order."""
        from arledger_client.commands import new_request_id
        rid = request_id or new_request_id()
        return [c.run_dunning(as_of_date, default_policy_id=default_policy_id, request_id=rid)
                for c in self.clients]

    def close(self) -> None:
        for c in self.clients:
            c.close()

    def __enter__(self) -> "PartitionedClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
