"""A dunning run over the whole portfolio: the vectorised scan and the steps it records.

    .venv/bin/python bench/dunning_run.py [--customers 100000] [--invoices 1000000]

Builds a ledger on a temporary SQLite data directory through the engine (N customers,
M open invoices issued over 120 days, a third of them under 3-installment terms, a
five-level ladder), then times, each as one command through `Ledger.submit`:

1. the first run as of 31 May (most installments reach a level: one step each, fees and
   interest as charge invoices; a run takes at most 10,000 steps), then runs for the same
   day until nothing more is due,
2. one more run for that day (the scan finds nothing new and records nothing): the
   cost of deciding over every open installment,
3. the plan alone (`engine.dunning.plan_run`) on the state after 2: the numpy scan with
   no store write.

Results: bench/results-dunning.json (machine included).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from arledger.domain.dates import day_to_iso, parse_day  # noqa: E402
from arledger.engine import open_ledger  # noqa: E402
from arledger.v1 import commands_pb2 as pb  # noqa: E402


def build(led, customers: int, invoices: int) -> None:
    env = dict(actor="bench", reason="bench")
    start = parse_day("2026-01-01", "d")
    led.submit([
        pb.Command(define_payment_terms=pb.DefinePaymentTermsRequest(
            request_id="t", terms_id="THIRDS", basis=pb.NET, days=0, effective_date="2026-01-01",
            installments=[pb.TermsInstallment(percent_bp=3333, days=30),
                          pb.TermsInstallment(percent_bp=3333, days=60),
                          pb.TermsInstallment(percent_bp=3334, days=90)], **env)),
        pb.Command(define_dunning_policy=pb.DefineDunningPolicyRequest(
            request_id="l", policy_id="STD", effective_date="2026-01-01", levels=[
                pb.DunningLevelSpec(days_past_due=-3, action=pb.REMINDER),
                pb.DunningLevelSpec(days_past_due=14, action=pb.SECOND_NOTICE,
                                    fee_fixed_minor=500),
                pb.DunningLevelSpec(days_past_due=30, action=pb.FINAL_NOTICE,
                                    interest_bp_per_year=800),
                pb.DunningLevelSpec(days_past_due=60, action=pb.HOLD_ACCOUNT),
                pb.DunningLevelSpec(days_past_due=90, action=pb.HAND_TO_AGENCY)], **env))])
    batch = []
    for c in range(customers):
        batch.append(pb.Command(open_customer=pb.OpenCustomerRequest(
            request_id=f"c{c}", customer_id=f"C{c}", name=f"Customer {c}", currency="EUR",
            payment_terms_net_days=30, opened_date="2026-01-01")))
        if len(batch) == 5000:
            led.submit(batch)
            batch = []
    for i in range(invoices):
        kw = {"terms_id": "THIRDS"} if i % 3 == 0 else {}
        batch.append(pb.Command(issue_invoice=pb.IssueInvoiceRequest(
            request_id=f"i{i}", invoice_id=f"I{i}", customer_id=f"C{i % customers}",
            issue_date=day_to_iso(start + (i * 7919) % 120), amount_minor=10_000 + i % 90_000,
            **kw)))
        if len(batch) == 5000:
            led.submit(batch)
            batch = []
    if batch:
        led.submit(batch)


def run(led, as_of: str, rid: str):
    t0 = time.perf_counter()
    (o,) = led.submit([pb.Command(run_dunning=pb.RunDunningRequest(
        request_id=rid, as_of_date=as_of, default_policy_id="STD"))])
    dt = time.perf_counter() - t0
    assert o.status == "ACCEPTED", o.error
    return dt, o


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--invoices", type=int, default=1_000_000)
    ap.add_argument("--out", default=str(HERE / "results-dunning.json"))
    args = ap.parse_args()
    from arledger.engine.dunning import plan_run
    from arledger.domain import policies as P
    from arledger.engine import amounts as A
    with tempfile.TemporaryDirectory() as tmp:
        led = open_ledger(tmp)
        t0 = time.perf_counter()
        build(led, args.customers, args.invoices)
        build_s = time.perf_counter() - t0
        with led.reading() as S:
            rows = len(A.open_rows(S, A.open_amounts(S, 10**6, S.head_seq, None)).invoice)
        first_s, first = run(led, "2026-05-31", "run-1")
        runs, total_s, steps = 1, first_s, len(first.detail.steps)
        more = first.detail.more
        while more:  # a run takes at most 10,000 steps; the next one goes on
            runs += 1
            t, o = run(led, "2026-05-31", f"run-{runs}")
            total_s += t
            steps += len(o.detail.steps)
            more = o.detail.more
        second_s, second = run(led, "2026-05-31", "run-again")
        S = led.state
        default = (S.dunning_versions["STD"][-1], 1, S.dunning_policies[-1])
        t0 = time.perf_counter()
        plan = plan_run(S, parse_day("2026-05-31", "d"), default, P.DEFAULT_CREDIT_POLICY)
        plan_s = time.perf_counter() - t0
        assert not plan.steps and second.entry_count == 0
        led.close()
    from ingest_replay import machine  # the same machine description as every bench
    res = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": machine(),
        "customers": args.customers, "invoices": args.invoices, "open_installment_rows": rows,
        "build_s": round(build_s, 2),
        "first_run": {"seconds": round(first_s, 3), "steps": len(first.detail.steps),
                      "entries": first.entry_count},
        "until_done": {"runs": runs, "seconds": round(total_s, 2), "steps": steps,
                       "steps_per_s": round(steps / total_s)},
        "second_run_same_day": {"seconds": round(second_s, 3), "entries": second.entry_count},
        "plan_only": {"seconds": round(plan_s, 3),
                      "ns_per_open_row": round(plan_s / rows * 1e9, 1)},
    }
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
