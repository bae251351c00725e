"""Shared by the audit tests: a scenario with every kind of movement."""

from google.protobuf import json_format

from arledger import synthetic
from arledger.v1 import commands_pb2 as pb


def cmd(kind: str, rid: str, **fields) -> pb.Command:
    return json_format.ParseDict({kind: {"requestId": rid, **fields}}, pb.Command())


def scenario() -> list[list[pb.Command]]:
    """Batches (one segment each): a small synthetic portfolio, then one account with every
    kind of movement (a disputed, credited, paid and written-off invoice)."""
    batches = list(synthetic.generate_batches(synthetic.PortfolioSpec(customers=25, seed=5),
                                              300))
    batches.append([
        cmd("openCustomer", "a-o", customerId="AUD", name="Audit Ltd", currency="EUR",
            paymentTermsNetDays=30, openedDate="2026-01-01"),
        cmd("issueInvoice", "a-i1", invoiceId="AUD-1", customerId="AUD", issueDate="2026-01-05",
            amountMinor=10_000),
        cmd("issueInvoice", "a-i2", invoiceId="AUD-2", customerId="AUD", issueDate="2026-01-06",
            lines=[{"description": "Café crème", "quantity": 2, "unitPriceMinor": 2_500}]),
    ])
    batches.append([
        cmd("openDispute", "a-d1", disputeId="AUD-D1", invoiceId="AUD-1", amountMinor=3_000,
            reasonCode="PRICING", openedDate="2026-01-10"),
        cmd("recordPayment", "a-p1", paymentId="AUD-P1", customerId="AUD", amountMinor=4_000,
            currency="EUR", method="BANK_TRANSFER", valueDate="2026-01-20",
            allocations=[{"invoiceId": "AUD-1", "amountMinor": 4_000}]),
    ])
    batches.append([
        cmd("resolveDispute", "a-r1", disputeId="AUD-D1", outcome="DISPUTE_PARTIALLY_UPHELD",
            creditedAmountMinor=1_000, creditNoteId="AUD-CN1", resolvedDate="2026-02-01",
            actor="ann", reason="price agreed"),
        cmd("writeOffInvoice", "a-w1", invoiceId="AUD-1", effectiveDate="2026-03-01",
            actor="bob", reason="uncollectable"),
    ])
    return batches
