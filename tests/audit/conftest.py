"""A real arledger server (with its AuditService) on a free port, restartable, per store."""

import itertools

import pytest

from arledger.server import create_server


class Served:
    def __init__(self, location, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        self.location = location
        if location.kind == "postgres":  # keep the test's key out of the home directory
            monkeypatch.setenv("ARLEDGER_KEY_FILE", str(tmp_path / "pg-key.pem"))
        self.ticks = itertools.count(1_790_000_000_000_000, 1_000)
        self.ledger = self.server = None
        self.start()

    def start(self) -> None:
        self.ledger = self.location.open(clock=lambda: next(self.ticks))
        self.server, port = create_server(self.ledger, "127.0.0.1:0",
                                          clock=lambda: 1_790_500_000_000_000)
        self.server.start()
        self.target = f"127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.stop(0)
        self.ledger.close()
        self.location.opened.remove(self.ledger)

    def submit(self, batches) -> None:  # type: ignore[no-untyped-def]
        for b in batches:
            outs = self.ledger.submit(b)
            assert all(o.status != "REJECTED" for o in outs), [o.error for o in outs
                                                               if o.error][:3]


@pytest.fixture
def served(location, tmp_path, monkeypatch):
    s = Served(location, tmp_path, monkeypatch)
    try:
        yield s
    finally:
        s.server.stop(0)
