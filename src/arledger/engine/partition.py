"""Customers are partitioned across writer processes by a stable hash of the customer id.

A partition is written as ``I/N`` (index I of N). Each partition is its own log
(its own SQLite data directory, or its own PostgreSQL table) with exactly one
writer; every item (invoice, payment, credit note, dispute) lives in its
customer's partition. The hash is BLAKE2b-64 of the UTF-8 id, so any client can
route a command without asking the server (clients/arledger_client/routing.py
computes the same function; a test keeps the two equal).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from arledger.domain.errors import error

_SPEC = re.compile(r"([0-9]{1,4})/([0-9]{1,4})")  # full match, ASCII digits


def partition_of(customer_id: str, count: int) -> int:
    """The partition index that owns `customer_id` among `count` partitions."""
    if count == 1:
        return 0
    h = hashlib.blake2b(customer_id.encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") % count


@dataclass(frozen=True)
class Partition:
    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, spec: str | Partition) -> Partition:
        if isinstance(spec, Partition):
            return spec
        m = _SPEC.fullmatch(spec) if isinstance(spec, str) else None
        if not m or not 0 <= int(m.group(1)) < int(m.group(2)):
            raise error("INVALID_PARTITION", f"partition must be I/N with 0 <= I < N, got {spec!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def name(self) -> str:
        """The log's name: ``p0`` for an unpartitioned ledger, else ``p<I>of<N>``."""
        return "p0" if self.count == 1 else f"p{self.index}of{self.count}"

    def owns(self, customer_id: str) -> bool:
        return self.count == 1 or partition_of(customer_id, self.count) == self.index

    def owner_check(self) -> Callable[[str], bool] | None:
        """`owns`, or None when this partition owns every id (one partition in all)."""
        return None if self.count == 1 else self.owns

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
