"""arledger: an event-sourced accounts-receivable ledger engine with a gRPC API."""

__version__ = "0.1.0"
