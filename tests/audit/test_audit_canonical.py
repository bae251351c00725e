"""The canonical form against the log stream's renderer (engine/render.py, written
independently): same ids, dates, versions and customer for every entry, including issue
4's terms, policies, promises, dunning, sales, refunds and holds."""

import itertools
import json

from audit_helpers import cmd

from arledger import audit as A
from arledger import synthetic
from arledger.engine import render
from arledger.engine.segment import decode
from arledger.server.audit import proof_to_pb
from arledger_client import audit as C

PERSON = dict(actor="ann", reason="audit test")


def commands():  # type: ignore[no-untyped-def]
    d = "2026-01-0{}".format
    return [
        cmd("definePaymentTerms", "t1", termsId="NET10", basis="NET", days=10,
            effectiveDate=d(1), **PERSON),
        cmd("definePaymentTerms", "t1b", termsId="NET10", basis="NET", days=12,
            effectiveDate=d(2), **PERSON),
        cmd("definePaymentTerms", "t2", termsId="THIRDS", basis="NET", days=0, installments=[
            {"percentBp": 5000, "days": 15}, {"percentBp": 5000, "days": 45}],
            effectiveDate=d(1), **PERSON),
        cmd("definePaymentTerms", "t3", termsId="2-10", basis="NET", days=30, discountBp=200,
            discountDays=10, effectiveDate=d(1), **PERSON),
        cmd("defineDunningPolicy", "dp", policyId="STD", effectiveDate=d(1), levels=[
            {"daysPastDue": 1, "action": "REMINDER"},
            {"daysPastDue": 10, "action": "SECOND_NOTICE", "feeFixedMinor": 250}], **PERSON),
        cmd("defineCreditPolicy", "cp", overLimitAction="WARN", effectiveDate=d(1), **PERSON),
        cmd("openCustomer", "o0", customerId="C0", name="Zero", currency="EUR",
            paymentTermsNetDays=30, creditLimitMinor=100_000, openedDate=d(1)),
        cmd("openCustomer", "o1", customerId="C1", name="One", currency="CHF",
            paymentTermsNetDays=30, creditLimitMinor=50_000, openedDate=d(1)),
        cmd("issueInvoice", "i1", invoiceId="I1", customerId="C0", issueDate=d(3),
            amountMinor=30_000, termsId="THIRDS"),
        cmd("issueInvoice", "i2", invoiceId="I2", customerId="C0", issueDate=d(3),
            amountMinor=10_000, termsId="2-10"),
        cmd("issueInvoice", "i3", invoiceId="I3", customerId="C1", issueDate=d(3),
            amountMinor=20_000, termsId="NET10"),
        cmd("issueInvoice", "i4", invoiceId="I4", customerId="C1", issueDate=d(4),
            amountMinor=5_000),
        cmd("recordPayment", "p1", paymentId="P1", customerId="C0", amountMinor=9_800,
            currency="EUR", method="BANK_TRANSFER", valueDate=d(8)),
        cmd("recordPayment", "p2", paymentId="P2", customerId="C0", amountMinor=4_000,
            currency="EUR", method="BANK_TRANSFER", valueDate=d(8), strategy="LEAVE_UNAPPLIED"),
        cmd("refundUnapplied", "rf", refundId="RF1", paymentId="P2", amountMinor=1_000,
            method="CASH", refundDate=d(9), **PERSON),
        cmd("placeHold", "h1", customerId="C1", effectiveDate=d(5), **PERSON),
        cmd("releaseHold", "h2", customerId="C1", effectiveDate=d(6), **PERSON),
        cmd("changeCreditLimit", "l1", customerId="C1", newLimitMinor=70_000,
            effectiveDate=d(6), **PERSON),
        cmd("setCustomerPolicies", "sp", customerId="C0", overLimitAction="HOLD",
            allocationStrategy="OLDEST_DUE_FIRST", effectiveDate=d(6), **PERSON),
        cmd("recordPromise", "pr", promiseId="PR1", customerId="C0", madeDate=d(9),
            installments=[{"dueDate": "2026-01-20", "amountMinor": 5_000}]),
        cmd("runDunning", "dn", asOfDate="2026-02-20", defaultPolicyId="STD"),
        cmd("sellReceivables", "s1", saleId="S1", agency="A", invoiceIds=["I3"],
            priceBp=6_000, saleDate="2026-02-21", **PERSON),
        cmd("recallSoldReceivables", "s2", saleId="S1", invoiceIds=["I3"],
            recallDate="2026-02-22", **PERSON),
        cmd("openDispute", "ds", disputeId="D1", invoiceId="I1", amountMinor=1_000,
            reasonCode="PRICING", openedDate="2026-02-23"),
        cmd("writeOffCustomer", "wc", customerId="C1", effectiveDate="2026-03-01", **PERSON),
    ]


def test_every_entry_has_the_ids_dates_versions_and_customer_the_log_stream_shows(ledger):
    for c in commands():
        ledger.submit([c])  # some may be refused by the rules: only what was written counts
    currency = {}
    types = set()
    with ledger.reading() as S:
        for _, blob in ledger.store.read():
            seg = decode(blob)
            for m, r in zip(A.entry_records(S, seg), render.entries(S, seg), strict=True):
                types.add(m["type"])
                assert [m[k] for k in ("position", "type", "request_id", "actor", "reason",
                                       "effective_date")] == \
                       [r[k] for k in ("position", "type", "request_id", "actor", "reason",
                                       "effective_date")]
                f = m["fields"]
                if m["type"] == "CustomerOpened":
                    currency[f["customer_id"]] = f["currency"]
                for k, v in r["fields"].items():
                    if k[:-3] + "_version" in f:  # a reference to one version of a policy
                        assert f"{f[k]} v{f[k[:-3] + '_version']}" == v, (m, r)
                    elif (k.endswith("_id") or k.endswith("_date")) and isinstance(v, str):
                        assert f.get(k) == v, (k, m, r)
                if m["type"] != "CustomerOpened" and m["customer_id"] and "currency" in r["fields"]:
                    assert currency[m["customer_id"]] == r["fields"]["currency"], (m, r)
                assert not [k for k in f if k.endswith("_ix")], m  # every index named
                assert "1969-12-31" not in json.dumps(m), m  # -1 days are left out
    assert {"PaymentTermsDefined", "DunningPolicyDefined", "InvoiceTermsApplied",
            "PromiseMade", "DunningStepTaken", "ReceivablesSold",
            "UnappliedRefunded"} <= types, types


def test_a_slice_of_a_segment_renders_as_those_entries_of_the_whole(ledger):
    """Proofs render only their entry's run (audit.slice_segment): every slice of a segment
    holding every kind of entry and child row renders exactly as that part of the whole."""
    ledger.submit(commands())  # one segment, every entry type the engine writes here
    ledger.submit(list(synthetic.generate(synthetic.PortfolioSpec(customers=12, seed=3))))
    with ledger.reading() as S:
        for _, blob in ledger.store.read():
            seg = decode(blob)
            whole = A.entry_lines(S, seg)
            cuts = sorted({0, 1, seg.count // 3, seg.count // 2, seg.count - 1, seg.count,
                           *range(0, seg.count, 7)})
            for lo, hi in itertools.combinations(cuts, 2):
                part = A.slice_segment(seg, lo, hi)
                assert (part.first_position, part.count) == (seg.first_position + lo, hi - lo)
                assert A.entry_lines(S, part) == whole[lo:hi], (seg.seq, lo, hi)


def test_proofs_from_runs_are_the_whole_segment_tree_paths(ledger, tmp_path):
    """A segment of more than RUN entries: each entry's path, made from its run and the
    saved run roots, is the RFC 6962 path in the whole segment's tree, and verifies."""
    ledger.submit(list(synthetic.generate(synthetic.PortfolioSpec(customers=40, seed=4))))
    seg = decode(ledger.store.get(1))
    assert seg.count > 3 * A.RUN and seg.count % A.RUN  # several runs, a partial last
    signer = A.Signer(ledger, A.load_or_create_key(tmp_path / "k.pem"), lambda: 1)
    d = C.verify_digest(signer.digest(), signer.key.public_key())
    with ledger.reading() as S:
        lv = A.tree_levels(A.line_leaves(A.entry_lines(S, seg)))
    assert signer.merkle.nodes[0].entries_root == A.tree_root(lv)
    for i in range(seg.count):
        p = signer.merkle.prove(seg.first_position + i, 1)
        assert p["entry_path"] == A.inclusion_path(lv, i), i
    for i in (0, A.RUN - 1, A.RUN, seg.count - 1):
        p = proof_to_pb(signer.merkle.prove(seg.first_position + i, 1))
        assert C.verify_inclusion(p, d)["position"] == seg.first_position + i
