"""arledger Python client SDK: typed calls, request ids, safe retries, typed errors.

    from arledger_client import ArledgerClient, FailedPrecondition
    with ArledgerClient("127.0.0.1:50051") as client:
        client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01")
        client.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=100_000)
        batch = [client.commands.issue_invoice(f"INV-{i}", "ACME", "2026-01-06",
                                               amount_minor=500) for i in range(2, 10)]
        print(client.submit_batch(batch).accepted)
"""

from arledger_client.audit import AuditClient, VerificationFailed
from arledger_client.bank import BankClient
from arledger_client.client import ArledgerClient
from arledger_client.columnar import ColumnarBatch, ColumnarRejection, ColumnarResult
from arledger_client.commands import (
                                      KINDS,
                                      Command,
                                      Commands,
                                      batched,
                                      command,
                                      commands,
                                      new_request_id,
)
from arledger_client.credentials import Credentials
from arledger_client.errors import (
                                      Aborted,
                                      AlreadyExists,
                                      ArledgerError,
                                      DeadlineExceeded,
                                      FailedPrecondition,
                                      InvalidArgument,
                                      NotFound,
                                      PermissionDenied,
                                      ResourceExhausted,
                                      Unauthenticated,
                                      Unavailable,
                                      from_rpc_error,
                                      from_status,
                                      make_error,
)
from arledger_client.models import (
                                      AgingBasis,
                                      AgingReport,
                                      AgingRow,
                                      Allocation,
                                      AllocationStrategy,
                                      Balance,
                                      BatchResult,
                                      Caller,
                                      CommandResult,
                                      Customer,
                                      DateLike,
                                      DisputeOutcome,
                                      DunningRun,
                                      InvoiceLine,
                                      LogEntry,
                                      LogHead,
                                      OpenItem,
                                      OpenItemsPage,
                                      PaymentMethod,
                                      Rejection,
                                      ReversalReason,
                                      StreamSummary,
                                      VerifyResult,
)
from arledger_client.reports import ReportsClient
from arledger_client.retry import RETRYABLE_CODES, backoff_delay, call_with_retries
from arledger_client.risk import RiskClient
from arledger_client.routing import PartitionedClient, customer_of, partition_of
from arledger_client.search import Page, SearchClient, order_key
from arledger_client.valuation import ValuationClient

__all__ = [
    # clients
    "ArledgerClient", "Credentials", "PartitionedClient", "partition_of", "customer_of",
    # the services beside the ledger's (the README names each)
    "AuditClient", "VerificationFailed", "BankClient", "ReportsClient", "RiskClient",
    "SearchClient", "Page", "order_key", "ValuationClient",
    # the volume path
    "ColumnarBatch", "ColumnarRejection", "ColumnarResult",
    # commands for batches
    "Command", "Commands", "commands", "command", "batched", "new_request_id", "KINDS",
    # results
    "AgingReport", "AgingRow", "Allocation", "Balance", "BatchResult", "Caller", "CommandResult",
    "Customer", "InvoiceLine", "LogEntry", "LogHead", "OpenItem", "OpenItemsPage", "Rejection",
    "StreamSummary", "VerifyResult", "DunningRun",
    # argument types
    "DateLike", "PaymentMethod", "AllocationStrategy", "ReversalReason", "DisputeOutcome",
    "AgingBasis",
    # errors
    "ArledgerError", "InvalidArgument", "NotFound", "AlreadyExists", "FailedPrecondition",
    "Aborted", "ResourceExhausted", "Unavailable", "DeadlineExceeded", "Unauthenticated",
    "PermissionDenied", "from_rpc_error",
    "from_status", "make_error",
    # retries
    "call_with_retries", "backoff_delay", "RETRYABLE_CODES",
]
