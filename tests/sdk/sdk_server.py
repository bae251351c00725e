"""A real arledger server on a free port for the SDK's tests (helpers; fixtures in conftest)."""

from arledger.engine import Ledger
from arledger.server import create_server

T0_US = 1_790_000_000_000_000


def serve(ledger: Ledger):  # type: ignore[no-untyped-def]
    """Start a gRPC server over `ledger` on a free port: (server, "127.0.0.1:PORT")."""
    server, port = create_server(ledger, "127.0.0.1:0", clock=lambda: T0_US)
    server.start()
    return server, f"127.0.0.1:{port}"
