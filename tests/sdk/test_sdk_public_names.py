"""The SDK's public names are pinned: adding or removing one is a decision made here."""

import arledger_client

PUBLIC = {
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
    "AgingReport", "AgingRow", "Allocation", "Balance", "BatchResult", "Caller",
    "CommandResult", "Customer", "InvoiceLine", "LogEntry", "LogHead", "OpenItem",
    "OpenItemsPage", "Rejection", "StreamSummary", "VerifyResult", "DunningRun",
    # argument types
    "DateLike", "PaymentMethod", "AllocationStrategy", "ReversalReason", "DisputeOutcome",
    "AgingBasis",
    # errors
    "ArledgerError", "InvalidArgument", "NotFound", "AlreadyExists", "FailedPrecondition",
    "Aborted", "ResourceExhausted", "Unavailable", "DeadlineExceeded", "Unauthenticated",
    "PermissionDenied", "from_rpc_error", "from_status", "make_error",
    # retries
    "call_with_retries", "backoff_delay", "RETRYABLE_CODES",
}


def test_all_is_exactly_the_pinned_public_names():
    assert len(arledger_client.__all__) == len(set(arledger_client.__all__)), "a name twice"
    assert set(arledger_client.__all__) == PUBLIC, (
        f"added: {sorted(set(arledger_client.__all__) - PUBLIC)}, "
        f"removed: {sorted(PUBLIC - set(arledger_client.__all__))}")


def test_every_public_name_exists():
    missing = [n for n in arledger_client.__all__ if not hasattr(arledger_client, n)]
    assert not missing


def test_star_import_gives_exactly_the_public_names():
    namespace: dict = {}
    exec("from arledger_client import *", namespace)  # noqa: S102
    assert set(namespace) - {"__builtins__"} == PUBLIC
