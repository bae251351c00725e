"""The channel every service client of the SDK holds: made here or given by the caller."""

from __future__ import annotations

from typing import Any, Self

import grpc

from arledger_client.credentials import Credentials
from arledger_client.errors import from_rpc_error

#: Largest message either way (a page of a report, a re-score chunk, a batch).
MAX_MESSAGE_BYTES = 64 << 20


class Connection:
    """A gRPC channel to one server: opened from `target`, or the caller's own `channel`
    (e.g. a secure one), which close() then leaves open. A context manager.

    `credentials` (TLS roots, client certificate, bearer token): when not given, they come
    from the environment or the client config file (`Credentials.load()`); none found
    means a plaintext channel."""

    def __init__(self, target: str, channel: grpc.Channel | None, timeout_s: float,
                 credentials: Credentials | None = None) -> None:
        self._owns_channel = channel is None
        if channel is None:
            creds = credentials if credentials is not None else Credentials.load()
            channel = creds.channel(
                target, [("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                         ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)])
        self._channel = channel
        self.timeout_s = timeout_s

    def close(self) -> None:
        """Close the channel (only if the client created it)."""
        if self._owns_channel:
            self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unary(self, stub: Any, method: str, request: Any) -> Any:
        """One call; a refusal becomes the SDK's typed error with the server's reason."""
        try:
            return getattr(stub, method)(request, timeout=self.timeout_s)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None
