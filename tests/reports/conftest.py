"""A real server (real port) for the report tests, over a ledger on each store."""

import itertools

import pytest

from _report_helpers import T0_US
from arledger.server import create_server


@pytest.fixture
def report_server(location):
    """(ledger, target); recorded time ticks 1 ms per segment from T0_US."""
    ticks = itertools.count(T0_US, 1_000)
    ledger = location.open(clock=lambda: next(ticks))
    server, port = create_server(ledger, "127.0.0.1:0", clock=lambda: T0_US)
    server.start()
    try:
        yield ledger, f"127.0.0.1:{port}"
    finally:
        server.stop(0)
        ledger.close()
