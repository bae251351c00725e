"""Back-dated entries: a report as of March 31 as known on a day K is the same whenever
it is asked, before or after entries dated on or before March 31 arrive; as known after
them, it shows them. Every report, on both stores, and through a fresh replay."""

import pytest

from arledger.projections import views

from _report_helpers import cmd, day, snapshot, submit_ok

AS_OF = day("2026-03-31")


def history_to_march(led) -> None:  # type: ignore[no-untyped-def]
    submit_ok(led, cmd("openCustomer", customerId="A", name="A", currency="EUR",
                       paymentTermsNetDays=30, creditLimitMinor=100_000, openedDate="2025-12-01"),
              cmd("openCustomer", customerId="B", name="B", currency="USD",
                  paymentTermsNetDays=14, creditLimitMinor=50_000, openedDate="2025-12-01"))
    submit_ok(led, *[cmd("issueInvoice", invoiceId=f"A{k}", customerId="A",
                         issueDate=f"2026-0{1 + k % 3}-0{1 + k}", amountMinor=20_000 + k * 1000)
                     for k in range(6)])
    submit_ok(led, cmd("issueInvoice", invoiceId="B1", customerId="B", issueDate="2026-01-05",
                       amountMinor=70_000),
              cmd("recordPayment", paymentId="PA1", customerId="A", amountMinor=25_000,
                  currency="EUR", method="CARD", valueDate="2026-02-10"),
              cmd("openDispute", disputeId="DA1", invoiceId="A2", amountMinor=3_000,
                  reasonCode="PRICING", openedDate="2026-03-05"))


def back_dated(led) -> None:  # type: ignore[no-untyped-def]
    """What arrives in April, dated on or before March 31 (each its own segment)."""
    for c in (
        cmd("recordPayment", paymentId="PB1", customerId="B", amountMinor=30_000,
            currency="USD", method="BANK_TRANSFER", valueDate="2026-03-30"),
        cmd("issueCreditNote", creditNoteId="NA1", customerId="A", invoiceId="A4",
            amountMinor=5_000, currency="EUR", issueDate="2026-03-15", reasonCode="PRICING"),
        cmd("issueInvoice", invoiceId="A9", customerId="A", issueDate="2026-01-20",
            amountMinor=9_000),
        cmd("openDispute", disputeId="DA2", invoiceId="A1", amountMinor=1_000,
            reasonCode="QUALITY", openedDate="2026-02-25"),
        cmd("resolveDispute", disputeId="DA1", outcome="DISPUTE_REJECTED",
            resolvedDate="2026-03-20", actor="ann", reason="agreed price"),
        cmd("writeOffInvoice", invoiceId="A3", effectiveDate="2026-03-28", actor="ann",
            reason="insolvent"),
        cmd("recordPayment", paymentId="PA2", customerId="A", amountMinor=4_000,
            currency="EUR", method="CASH", valueDate="2026-01-02", strategy="LEAVE_UNAPPLIED"),
        cmd("updateCustomer", customerId="B", name="B Ltd", effectiveDate="2026-03-29",
            actor="ann", reason="renamed"),
        cmd("voidInvoice", invoiceId="A5", effectiveDate="2026-03-10", reason="duplicate"),
    ):
        submit_ok(led, c)


def test_reports_as_known_at_k_never_change_after_k(location, clock):
    led = location.open(clock=clock)
    history_to_march(led)
    with led.reading() as S:
        k = S.head_seq
        k_time = int(S.segments.recorded_at_us[k - 1])
        before = snapshot(S, AS_OF, k)
        assert views.known_seq_at(S, k_time) == k
    back_dated(led)
    with led.reading() as S:
        assert views.known_seq_at(S, k_time) == k
        assert snapshot(S, AS_OF, k) == before
        now = snapshot(S, AS_OF, S.head_seq)
        # Each back-dated entry changed what the same as_of shows as known now.
        assert now["aging"] != before["aging"]
        assert now["kpis"] != before["kpis"]
        assert now["exceptions"] != before["exceptions"]
        assert [len(s.lines) for s in now["statements"]] > [
            len(s.lines) for s in before["statements"]]
        # Between K and now, every intermediate known segment is its own stable view too.
        mid = {ks: snapshot(S, AS_OF, ks) for ks in range(k, S.head_seq + 1)}
    led.close()
    # A fresh replay of the same log answers every report, at every known segment, alike.
    again = location.open(clock=clock)
    with again.reading() as S:
        for ks, want in mid.items():
            assert snapshot(S, AS_OF, ks) == want
    again.close()


def test_later_entries_dated_after_as_of_do_not_move_the_as_of_view(sqlite_ledger):
    led = sqlite_ledger
    history_to_march(led)
    with led.reading() as S:
        before = snapshot(S, AS_OF, S.head_seq)
    submit_ok(led, cmd("recordPayment", paymentId="PA9", customerId="A", amountMinor=90_000,
                       currency="EUR", method="CARD", valueDate="2026-04-02"),
              cmd("issueInvoice", invoiceId="A10", customerId="A", issueDate="2026-04-03",
                  amountMinor=1_000))
    with led.reading() as S:
        assert snapshot(S, AS_OF, S.head_seq) == before
        assert snapshot(S, AS_OF + 3, S.head_seq) != snapshot(S, AS_OF + 3, S.head_seq - 1)


@pytest.mark.parametrize("as_of", ["2026-01-31", "2026-03-31", "2026-06-30"])
def test_live_state_and_a_full_replay_give_every_report_alike(location, clock, as_of):
    from arledger import synthetic
    led = location.open(clock=clock)
    for batch in synthetic.generate_batches(synthetic.PortfolioSpec(customers=60, seed=5), 300):
        led.submit(batch)
    history_to_march(led)
    back_dated(led)
    with led.reading() as S:
        heads = (S.head_seq // 3, S.head_seq)
        live = {ks: snapshot(S, day(as_of), ks) for ks in heads}
        digest = S.digest()
    led.close()
    again = location.open(clock=clock)
    with again.reading() as S:
        assert S.digest() == digest
        for ks, want in live.items():
            assert snapshot(S, day(as_of), ks) == want
    again.close()
