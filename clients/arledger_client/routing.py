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

Listings fan out (issue 17): `list_customers_page`, `list_invoices_page`,
`list_payments_page`, `list_credit_notes_page` and `worklist_page` ask every partition for
a page, merge the pages in the server's order (`search.order_key`; a stable merge, so each
partition keeps its own order for ties) and return one page whose token remembers, per
partition, its own token and how many of that page's rows were taken (AIP-158 `skip`).
Every partition is read as known at the time of the first page, so pages agree. A listing
for one customer goes to its partition only; `get_invoice` / `get_payment` go to the
customer's partition when a `customer_id=` hint is given, else to each until one knows it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import heapq
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from arledger_client.client import ArledgerClient, _message
from arledger_client.commands import Command
from arledger_client.errors import InvalidArgument, NotFound
from arledger_client.models import BatchResult, CommandResult, DunningRun
from arledger_client.risk import RiskClient
from arledger_client.search import Page, SearchClient, order_key

CommandLike = Command | dict[str, Any]


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

    def __init__(self, targets: Sequence[str], *, channels: Sequence[Any] | None = None,
                 **client_options: Any) -> None:
        """`channels`: the caller's own channel per target (left open on close)."""
        if not targets:
            raise ValueError("a partitioned client needs one target per partition")
        chans = list(channels) if channels is not None else [None] * len(targets)
        self.clients = [ArledgerClient(t, channel=ch, **client_options)
                        for t, ch in zip(targets, chans, strict=True)]
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

    # ---- listings across partitions (issue 17) ----------------------------------------------

    @property
    def searches(self) -> list[SearchClient]:
        """A SearchClient per partition, on the same channels."""
        if not hasattr(self, "_searches"):
            self._searches = [SearchClient(c.target, channel=c._channel) for c in self.clients]
        return self._searches

    @property
    def risks(self) -> list[RiskClient]:
        if not hasattr(self, "_risks"):
            self._risks = [RiskClient(c.target, channel=c._channel) for c in self.clients]
        return self._risks

    def _merged(self, fetch: Callable[[int, str, int, dt.datetime], Page],
                key: Callable[[dict[str, Any]], Any], page_size: int, page_token: str,
                known_at: dt.datetime | None) -> tuple[Page, dict[str, Any]]:
        """One merged page: fetch(partition, its token, skip, known_at) per partition."""
        state: dict[str, Any] = _read_merge_token(page_token, self.count) if page_token else {
            "k": int((known_at or dt.datetime.now(dt.UTC)).timestamp() * 1e6),
            "p": [["", 0, False, 0] for _ in range(self.count)], "r": {}}
        k_at = dt.datetime.fromtimestamp(state["k"] / 1e6, dt.UTC)
        size = page_size or 50
        pages: list[Page] = []
        for p, (tok, skip, done, _) in enumerate(state["p"]):
            pages.append(Page() if done else fetch(p, tok, skip, k_at))
        tagged = [[(key(r), p, i) for i, r in enumerate(pg.items)] for p, pg in enumerate(pages)]
        taken = list(heapq.merge(*tagged, key=lambda t: t[0]))[:size]
        used = [0] * self.count
        for _, p, _ in taken:
            used[p] += 1
        for p, pg in enumerate(pages):
            tok, skip, done, total = state["p"][p]
            if done:
                continue
            if used[p] == len(pg.items):
                state["p"][p] = [pg.next_page_token, 0, not pg.next_page_token, pg.total_size]
            else:
                state["p"][p] = [tok, skip + used[p], False, pg.total_size]
        more = any(not d for _, _, d, _ in state["p"])
        out = Page([pages[p].items[i] for _, p, i in taken],
                   _make_merge_token(state) if more else "",
                   sum(t for _, _, _, t in state["p"]), next((pg.as_of for pg in pages
                                                              if pg.as_of), ""))
        return out, state

    def _listing(self, kind: str, method: str, customer_id: str, page_size: int,
                 page_token: str, kw: dict[str, Any]) -> Page:
        if customer_id:
            c = self.searches[partition_of(customer_id, self.count)]
            page: Page = getattr(c, method)(customer_id=customer_id, page_size=page_size,
                                            page_token=page_token, **kw)
            return page
        known_at = kw.pop("known_at", None)
        return self._merged(
            lambda p, tok, skip, k_at: getattr(self.searches[p], method)(
                page_size=page_size, page_token=tok, skip=skip, known_at=k_at, **kw),
            order_key(kind, kw.get("order_by", "")), page_size, page_token, known_at)[0]

    def list_customers_page(self, *, page_size: int = 0, page_token: str = "",
                            **kw: Any) -> Page:
        """SearchClient.list_customers_page over every partition, merged in order."""
        return self._listing("customers", "list_customers_page", "", page_size, page_token, kw)

    def list_invoices_page(self, *, customer_id: str = "", page_size: int = 0,
                           page_token: str = "", **kw: Any) -> Page:
        return self._listing("invoices", "list_invoices_page", customer_id, page_size,
                             page_token, kw)

    def list_payments_page(self, *, customer_id: str = "", page_size: int = 0,
                           page_token: str = "", **kw: Any) -> Page:
        return self._listing("payments", "list_payments_page", customer_id, page_size,
                             page_token, kw)

    def list_credit_notes_page(self, *, customer_id: str = "", page_size: int = 0,
                               page_token: str = "", **kw: Any) -> Page:
        return self._listing("credit_notes", "list_credit_notes_page", customer_id, page_size,
                             page_token, kw)

    def list_customers(self, **kw: Any) -> Iterator[dict[str, Any]]:
        """Every matching customer of every partition, in order."""
        token = ""
        while True:
            page = self.list_customers_page(page_token=token, **kw)
            yield from page.items
            token = page.next_page_token
            if not token:
                return

    def _find(self, method: str, item_id: str, customer_id: str | None,
              kw: dict[str, Any]) -> dict[str, Any]:
        if customer_id:
            found: dict[str, Any] = getattr(self.searches[partition_of(customer_id, self.count)],
                                            method)(item_id, **kw)
            return found
        for c in self.searches:
            try:
                found = getattr(c, method)(item_id, **kw)
                return found
            except NotFound:
                continue
        raise NotFound(f"{method[4:].upper()}_NOT_FOUND", "NOT_FOUND",
                       f"no partition knows {item_id!r}")

    def get_invoice(self, invoice_id: str, *, customer_id: str | None = None,
                    **kw: Any) -> dict[str, Any]:
        return self._find("get_invoice", invoice_id, customer_id, kw)

    def get_payment(self, payment_id: str, *, customer_id: str | None = None,
                    **kw: Any) -> dict[str, Any]:
        return self._find("get_payment", payment_id, customer_id, kw)

    def worklist_page(self, *, page_size: int = 50, page_token: str = "",
                      known_at: dt.datetime | None = None, **kw: Any) -> dict[str, Any]:
        """The expected-loss worklist of every partition, merged: ranked within each
        currency by expected loss, ranks renumbered across partitions."""
        def fetch(p: int, tok: str, skip: int, k_at: dt.datetime) -> Page:
            d = self.risks[p].worklist_page(page_size=page_size, page_token=tok, skip=skip,
                                            known_at=k_at, **kw)
            return Page(d["rows"], d.get("next_page_token", ""), int(d.get("total_size", 0)),
                        d.get("as_of", ""))
        page, state = self._merged(
            fetch, lambda r: (r["currency"], -r["expected_loss_minor"]), page_size, page_token,
            known_at)
        ranks = state["r"]
        for r in page.items:
            ranks[r["currency"]] = ranks.get(r["currency"], 0) + 1
            r["rank"] = ranks[r["currency"]]
        if page.next_page_token:
            page.next_page_token = _make_merge_token(state)
        return {"rows": page.items, "next_page_token": page.next_page_token,
                "total_size": page.total_size, "as_of": page.as_of}

    def close(self) -> None:
        for c in self.clients:
            c.close()

    def __enter__(self) -> PartitionedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _make_merge_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def _read_merge_token(token: str, count: int) -> dict[str, Any]:
    try:
        d = json.loads(base64.urlsafe_b64decode(token.encode()))
        if not (isinstance(d, dict) and isinstance(d.get("p"), list) and len(d["p"]) == count
                and isinstance(d.get("k"), int)):
            raise ValueError
        d.setdefault("r", {})
        return d
    except (ValueError, TypeError):
        raise InvalidArgument("INVALID_PAGE_TOKEN", "INVALID_ARGUMENT",
                              "not a page token of this partitioned listing") from None

