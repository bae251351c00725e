"""arledger Python client SDK: typed calls, request ids, safe retries, typed errors.

    from arledger_client import ArledgerClient
    with ArledgerClient("127.0.0.1:50051") as client:
        client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
"""

from arledger_client.client import (AgingReport, AgingRow, Allocation, ArledgerClient, Balance,
                                    BatchResult, Command, CommandResult, Customer, LogEntry,
                                    LogHead, OpenItem, Rejection, StreamSummary, VerifyResult,
                                    call_with_retries)
from arledger_client.errors import (Aborted, AlreadyExists, ArledgerError, DeadlineExceeded,
                                    FailedPrecondition, InvalidArgument, NotFound,
                                    ResourceExhausted, Unavailable, from_rpc_error)

__all__ = [
    "AgingReport", "AgingRow", "Allocation", "ArledgerClient", "Balance", "BatchResult",
    "Command", "CommandResult", "Customer", "LogEntry", "LogHead", "OpenItem", "Rejection",
    "StreamSummary", "VerifyResult", "call_with_retries", "Aborted", "AlreadyExists",
    "ArledgerError", "DeadlineExceeded", "FailedPrecondition", "InvalidArgument", "NotFound",
    "ResourceExhausted", "Unavailable", "from_rpc_error",
]
