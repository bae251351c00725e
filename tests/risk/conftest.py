"""Helpers for the risk tests: synthetic portfolios loaded into a ledger."""

import itertools

import pytest

from arledger import synthetic
from arledger.engine import open_ledger


def load(ledger, spec: synthetic.PortfolioSpec) -> None:  # type: ignore[no-untyped-def]
    for batch in synthetic.generate_batches(spec, 2000):
        outs = ledger.submit(batch)
        assert all(o.status != "REJECTED" for o in outs), [o.error for o in outs if o.error]


@pytest.fixture
def make_ledger(tmp_path):
    """A SQLite ledger per call (for tests of projections, which do not depend on the store)."""
    opened = []

    def make(spec: synthetic.PortfolioSpec | None = None, name: str = "data"):  # type: ignore[no-untyped-def]
        ticks = itertools.count(1_790_000_000_000_000, 1_000)
        led = open_ledger(tmp_path / name, clock=lambda: next(ticks))
        opened.append(led)
        if spec is not None:
            load(led, spec)
        return led
    yield make
    for led in opened:
        led.close()


@pytest.fixture
def risk_served(location):
    """A real server (every service, RiskService included) on a free port, on each store,
    with a synthetic portfolio loaded. Yields (ledger, target)."""
    from arledger.server import create_server

    ticks = itertools.count(1_790_000_000_000_000, 1_000)
    ledger = location.open(clock=lambda: next(ticks))
    load(ledger, synthetic.PortfolioSpec(customers=120, seed=41))
    server, port = create_server(ledger, "127.0.0.1:0", clock=lambda: 1_790_000_000_000_000)
    server.start()
    try:
        yield ledger, f"127.0.0.1:{port}"
    finally:
        server.stop(0)
