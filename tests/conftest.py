"""Fixtures shared by the tiers: a fixed clock and a ledger in a temporary directory."""

import itertools

import pytest

from arledger.engine import open_ledger

T0_US = 1_790_000_000_000_000  # 2026-09-21, an arbitrary fixed start of recorded time


@pytest.fixture
def clock():
    ticks = itertools.count(T0_US, 1_000)
    return lambda: next(ticks)


@pytest.fixture
def ledger(tmp_path, clock):
    led = open_ledger(tmp_path / "data", clock=clock)
    try:
        yield led
    finally:
        led.close()
