"""A mixed batch for tests/engine/test_warmup.py: every volume kind, some refused (Python
words refusals), other kinds the Python decider takes."""

from arledger.v1 import commands_pb2 as pb


def commands() -> list[pb.Command]:
    C = pb.Command
    out = [C(open_customer=pb.OpenCustomerRequest(
        request_id=f"oc{k}", customer_id=f"C{k}", name=f"Customer {k}", currency="EUR",
        payment_terms_net_days=30, opened_date="2026-01-01", credit_limit_minor=10_000))
        for k in range(3)]
    for k in range(6):
        out.append(C(issue_invoice=pb.IssueInvoiceRequest(
            request_id=f"ii{k}", invoice_id=f"I{k}", customer_id=f"C{k % 3}",
            issue_date="2026-01-05", amount_minor=1_000 + k,
            lines=[pb.InvoiceLine(description="x", quantity=2, unit_price_minor=500 + k)]
            if k == 5 else [])))
    out += [
        C(record_payment=pb.RecordPaymentRequest(
            request_id="rp1", payment_id="P1", customer_id="C0", amount_minor=3_000,
            currency="EUR", method=pb.BANK_TRANSFER, value_date="2026-01-20")),
        C(record_payment=pb.RecordPaymentRequest(
            request_id="rp2", payment_id="P2", customer_id="C1", amount_minor=500,
            currency="EUR", method=pb.CARD, value_date="2026-01-20",
            allocations=[pb.Allocation(invoice_id="I1", amount_minor=500)])),
        C(record_payment=pb.RecordPaymentRequest(  # refused: wrong currency
            request_id="rp3", payment_id="P3", customer_id="C1", amount_minor=500,
            currency="USD", method=pb.CARD, value_date="2026-01-20")),
        C(issue_credit_note=pb.IssueCreditNoteRequest(
            request_id="cn1", credit_note_id="N1", customer_id="C2", amount_minor=100,
            currency="EUR", issue_date="2026-01-21", invoice_id="I2", reason_code="RETURN")),
        C(open_dispute=pb.OpenDisputeRequest(
            request_id="od1", dispute_id="D1", invoice_id="I4", amount_minor=50,
            reason_code="PRICING", opened_date="2026-01-22")),
        C(void_invoice=pb.VoidInvoiceRequest(
            request_id="vi1", invoice_id="I5", effective_date="2026-01-22", actor="a",
            reason="wrong")),
        C(issue_invoice=pb.IssueInvoiceRequest(  # refused: unknown customer
            request_id="ii9", invoice_id="I9", customer_id="NOPE", issue_date="2026-01-05",
            amount_minor=1)),
    ]
    return out
