"""A real arledger server on a free port for the SDK's own tests (as tests/api does)."""

import itertools
from dataclasses import dataclass

import pytest
from sdk_server import T0_US, serve

from arledger.engine import Ledger


@dataclass
class Served:
    ledger: Ledger
    target: str


@pytest.fixture
def served(location):
    """On each store (the `location` fixture is parametrised)."""
    ticks = itertools.count(T0_US, 1_000)
    ledger = location.open(clock=lambda: next(ticks))
    server, target = serve(ledger)
    try:
        yield Served(ledger, target)
    finally:
        server.stop(0)
        ledger.close()
