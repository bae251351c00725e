"""Terms, credit control, promises and dunning over gRPC on a real server: the SDK, the
RunDunning notices, GetAccount, and the `arledger` commands that print them."""

import csv
import io
import json

import pytest

from arledger import cli
from arledger_client import ArledgerClient, FailedPrecondition

PERSON = dict(actor="ann", reason="credit committee")
LADDER = [{"days_past_due": -3, "action": "REMINDER", "text_key": "remind"},
          {"days_past_due": 14, "action": "SECOND_NOTICE", "fee_fixed_minor": 500,
           "text_key": "second"},
          {"days_past_due": 30, "action": "FINAL_NOTICE", "interest_bp_per_year": 800,
           "text_key": "final"}]


def portfolio(client):
    client.define_payment_terms("2-10-N30", "NET", 30, "2026-01-01", discount_bp=200,
                                discount_days=10, **PERSON)
    client.define_dunning_policy("STD", LADDER, "2026-01-01", **PERSON)
    client.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01", credit_limit_minor=150_000,
                         billing_contact="ap@acme.example")
    client.open_customer("BETA", "Beta SA", "EUR", "2026-01-01")
    client.set_customer_policies("ACME", "2026-01-01", payment_terms_id="2-10-N30",
                                 over_limit_action="REJECT", **PERSON)
    r = client.issue_invoice("A-1", "ACME", "2026-01-15", amount_minor=100_000)
    assert r.due_date == "2026-02-14"
    client.issue_invoice("B-1", "BETA", "2026-01-10", amount_minor=40_000)
    client.open_dispute("D-1", "B-1", 40_000, "PRICING", "2026-01-20")


def test_the_sdk_sends_every_new_command_and_reads_notices_and_the_account(served):
    with ArledgerClient(served.target) as client:
        portfolio(client)
        with pytest.raises(FailedPrecondition) as e:
            client.issue_invoice("A-2", "ACME", "2026-01-16", amount_minor=60_000)
        assert e.value.reason == "CREDIT_LIMIT_EXCEEDED"
        assert e.value.metadata["limit_minor"] == "150000"
        run = client.run_dunning("2026-02-28", default_policy_id="STD")
        assert (run.steps, run.skipped_disputed) == (1, 1)
        (notice,) = run.notices
        assert notice["customer_id"] == "ACME" and notice["action"] == "SECOND_NOTICE"
        assert notice["billing_contact"] == "ap@acme.example" and notice["fee_minor"] == 500
        (item,) = notice["items"]
        assert (item["invoice_id"], item["days_past_due"], item["open_minor"]) == ("A-1", 14,
                                                                                  100_000)
        assert item["fee_invoice_id"].startswith("fee:")
        # The same request again answers with the same notices and writes nothing.
        head = served.ledger.state.head_position
        again = client.run_dunning("2026-02-28", default_policy_id="STD",
                                   request_id=run.result.request_id)
        assert again.result.status == "DUPLICATE" and again.notices == run.notices
        assert served.ledger.state.head_position == head
        assert client.run_dunning("2026-02-28", default_policy_id="STD").notices == ()
        client.place_hold("ACME", "2026-03-01", actor="ann", reason="cheque bounced")
        client.record_promise("PR-1", "ACME", "2026-03-01",
                              [{"due_date": "2026-03-20", "amount_minor": 100_500}])
        acct = client.get_account("ACME", as_of="2026-03-05")
        assert acct["on_hold"] and acct["terms"]["terms_id"] == "2-10-N30"
        assert acct["over_limit_action"] == "REJECT"
        assert [p["status"] for p in acct["promises"]] == ["ACTIVE"]
        assert [(d["level"], d["action"], d["fee_minor"]) for d in acct["dunning"]] == [
            (2, "SECOND_NOTICE", 500)]
        assert acct["exposure_minor"] == 100_500
        assert client.get_account("ACME", as_of="2026-03-25")["promises"][0]["status"] == \
            "BROKEN"


def test_the_cli_defines_runs_and_shows_an_account_readably(served, capsys):
    t = ["--target", served.target]
    assert cli.main(t + ["customer", "open", "ACME", "--name", "Acme", "--currency", "EUR",
                         "--opened", "2026-01-01"]) == 0
    assert cli.main(t + ["terms", "define", "THIRDS", "--basis", "NET", "--days", "0",
                         "--installment", "3333:30", "--installment", "3333:60",
                         "--installment", "3334:90", "--actor", "ann", "--reason", "plan",
                         "--effective-date", "2026-01-01"]) == 0
    assert cli.main(t + ["dunning", "policy", "STD", "--level=-3:REMINDER:text=remind",
                         "--level", "14:SECOND_NOTICE:fee=500", "--actor", "ann", "--reason",
                         "ladder", "--effective-date", "2026-01-01"]) == 0
    assert cli.main(t + ["credit", "set", "ACME", "--terms", "THIRDS", "--dunning", "STD",
                         "--actor", "ann", "--reason", "onboarding",
                         "--effective-date", "2026-01-01"]) == 0
    assert cli.main(t + ["invoice", "issue", "I-1", "--customer", "ACME", "--amount", "90000",
                         "--issue-date", "2026-01-01"]) == 0
    assert cli.main(t + ["credit", "limit", "ACME", "500000", "--actor", "cfo", "--reason",
                         "review", "--effective-date", "2026-01-05"]) == 0
    capsys.readouterr()
    assert cli.main(t + ["dunning", "run", "--as-of", "2026-02-14"]) == 0
    got = capsys.readouterr()
    assert "1 notices, 1 steps" in got.err  # the summary is for the reader: on stderr
    assert "SECOND_NOTICE" in got.out and "I-1" in got.out and "5.00 EUR" in got.out
    assert cli.main(t + ["--format", "json", "dunning", "run", "--as-of", "2026-02-14"]) == 0
    assert json.loads(capsys.readouterr().out)["notices"] == []
    assert cli.main(t + ["account", "ACME", "--as-of", "2026-02-20"]) == 0
    out = capsys.readouterr().out
    for text in ("THIRDS v1: installments 33.33 % net 30; 33.33 % net 60; 33.34 % net 90",
                 "credit-limit decisions", "cfo", "dunning history", "5,000.00 EUR",
                 "STD v1", "SECOND_NOTICE", "holds"):
        assert text in out, (text, out)
    assert cli.main(t + ["--format", "csv", "account", "ACME"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["section"] == "account" and rows[0]["customer_id"] == "ACME"
    assert {"account", "credit-limit decisions", "dunning history"} <= {r["section"]
                                                                       for r in rows}
    assert "500000" in {r["new_limit_minor"] for r in rows}  # minor units in CSV
    # A refused command prints its reason and exits 2.
    assert cli.main(t + ["credit", "release", "ACME", "--actor", "a", "--reason", "r"]) == 2
    assert "NOT_ON_HOLD" in capsys.readouterr().err


def test_a_report_as_known_at_k_waits_for_a_segment_recorded_by_k_still_being_stored(served):
    """A segment is stamped with its recorded time before it is stored and folded; a view
    as known at a later time asked meanwhile waits for it, so asking again never differs."""
    import threading
    import time

    from arledger.server import create_server
    from arledger_client import ArledgerClient
    led = served.ledger
    server, port = create_server(led, "127.0.0.1:0", clock=led.clock)  # one clock, as in life
    server.start()
    with ArledgerClient(f"127.0.0.1:{port}") as client:
        client.open_customer("C", "C", "EUR", "2026-01-01")
        store_append = led.store.append
        entered = threading.Event()

        def slow_append(seq, blob):  # a store that takes its time (the real one, delayed)
            entered.set()
            time.sleep(0.5)
            return store_append(seq, blob)
        led.store.append = slow_append
        try:
            t = threading.Thread(target=client.issue_invoice, args=("I", "C", "2026-01-02"),
                                 kwargs={"amount_minor": 10_000})
            t.start()
            assert entered.wait(5)
            import datetime as dt
            k = dt.datetime.fromtimestamp(led._inflight_us[0] / 1e6 + 1, dt.timezone.utc)
            during = client.get_balance("C", "2026-02-01", known_at=k).open_minor
            t.join()
        finally:
            led.store.append = store_append
        after = client.get_balance("C", "2026-02-01", known_at=k).open_minor
    server.stop(0)
    assert during == after == 10_000
