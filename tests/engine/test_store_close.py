"""Closing a log store while another thread is reading it (a request handler still
streaming an export when the server stops): close waits for the call in flight, later
calls get STORE_UNAVAILABLE, nothing is freed under a running call (that crashed the
process with a segmentation fault in SQLite)."""

import threading
import time

import pytest

from arledger import synthetic
from arledger.domain.errors import LedgerError


def test_close_waits_for_a_read_in_flight_and_refuses_later_ones(ledger):
    ledger.submit(list(synthetic.generate(synthetic.PortfolioSpec(customers=5, seed=2))))
    store = ledger.store
    real = store.recorder.select_events
    inside, finished = threading.Event(), []

    def slow_select(*args, **kw):  # the real query, held open long enough to close under it
        rows = real(*args, **kw)
        inside.set()
        time.sleep(0.3)
        finished.append(time.monotonic())
        return rows

    store.recorder.select_events = slow_select
    got: list = []
    reader = threading.Thread(target=lambda: got.append(list(store.read())))
    reader.start()
    assert inside.wait(5)
    ledger.close()  # joins the writer, then closes the store
    closed_at = time.monotonic()
    reader.join(5)
    assert finished and finished[0] <= closed_at  # the call ended before the store closed
    assert got and got[0][0][0] == 1               # and the reader got its segments
    store.recorder.select_events = real
    with pytest.raises(LedgerError) as e:
        list(store.read())
    assert e.value.reason == "STORE_UNAVAILABLE"
    with pytest.raises(LedgerError):
        store.get(1)


def test_readers_racing_close_end_with_their_rows_or_a_typed_error(location, clock):
    for _ in range(5):
        led = location.open(clock=clock)
        led.submit(list(synthetic.generate(synthetic.PortfolioSpec(customers=3, seed=1))))
        outcomes: list = []

        def read(store=led.store):  # type: ignore[no-untyped-def]
            try:
                while True:
                    outcomes.append(len(list(store.read(page=1))))
            except LedgerError as e:
                outcomes.append(e.reason)

        threads = [threading.Thread(target=read) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.05)
        led.close()
        for t in threads:
            t.join(5)
        assert not any(t.is_alive() for t in threads)
        assert outcomes.count("STORE_UNAVAILABLE") == 3
        assert set(outcomes) - {"STORE_UNAVAILABLE"} == {led.state.head_seq}
