"""A real arledger server on a free port, over a ledger in a temporary directory."""

import itertools
from dataclasses import dataclass

import pytest

from arledger.engine import Ledger
from arledger.server import create_server


@dataclass
class Served:
    ledger: Ledger
    target: str


@pytest.fixture
def served(location):
    """On each store (the `location` fixture is parametrised)."""
    ticks = itertools.count(1_790_000_000_000_000, 1_000)
    ledger = location.open(clock=lambda: next(ticks))
    server, port = create_server(ledger, "127.0.0.1:0", clock=lambda: 1_790_000_000_000_000)
    server.start()
    try:
        yield Served(ledger, f"127.0.0.1:{port}")
    finally:
        server.stop(0)
        ledger.close()
