"""Terms both ways, allowance and exchange rates over gRPC on a real server: the new terms through
the SDK and the CLI, allowance rates and exchange rates through ValuationService (SDK and
`arledger`), and money printed with each currency's decimals."""

import datetime as dt
import json

import pytest

from arledger import cli
from arledger_client import ArledgerClient, FailedPrecondition, NotFound, ValuationClient

PERSON = dict(actor="ann", reason="quarter close")


def test_the_sdk_defines_terms_rates_and_reads_consolidated_views(served):
    with ArledgerClient(served.target) as client, ValuationClient(served.target) as v:
        client.define_payment_terms(
            "30-70", "NET", 0, "2026-01-01", installments=[
                {"percent_bp": 3000, "days": 0},
                {"percent_bp": 7000, "days": 0, "basis": "END_OF_MONTH", "months": 1}],
            **PERSON)
        client.define_payment_terms("D-EOM", "DAYS_THEN_END_OF_MONTH", 30, "2026-01-01",
                                    day_of_month=10, **PERSON)
        client.open_customer("EU", "Euro Co", "EUR", "2026-01-01")
        client.open_customer("KW", "Kuwait Co", "KWD", "2026-01-01")
        r = client.issue_invoice("E-1", "EU", "2026-01-20", amount_minor=100_000,
                                 terms_id="30-70")
        assert r.due_date == "2026-02-28"
        r = client.issue_invoice("K-1", "KW", "2026-01-15", amount_minor=12_345,
                                 terms_id="D-EOM")
        assert r.due_date == "2026-03-10"          # 14 Feb -> 28 Feb -> the 10th of March
        # Commands of ValuationService go through ArledgerClient too (batches, send).
        client.send(client.commands.record_fx_rate("EUR", "USD", "1.0800", "2026-03-28",
                                                   "ECB", actor="feed"))
        v.record_fx_rate("KWD", "USD", "3.252", "2026-03-28", "ECB", actor="feed")
        v.define_allowance_rates("STD", [100, 500, 1000, 5000], "2026-01-01",
                                 bucket_edges_days=[30, 60], **PERSON)
        a = v.allowance("STD", as_of="2026-03-20", rounding="TOTAL")
        assert a["version"] == 1 and a["rounding"] == "TOTAL"
        assert [r["currency"] for r in a["rows"]] == ["EUR", "KWD"]
        known = dt.datetime.fromtimestamp(served.ledger.state.head_recorded_at_us / 1e6,
                                          dt.timezone.utc)
        c = v.consolidated_aging("USD", as_of="2026-03-31")
        eur, kwd = c["rows"]
        assert eur["conversion"]["rate"]["rate"] == "1.08" and not eur["conversion"]["inverted"]
        assert c["balance_minor"] == sum(c["buckets_minor"]) + c["unapplied_minor"]
        v.record_fx_rate("EUR", "USD", "1.0834", "2026-03-31", "ECB late", actor="feed")
        assert v.consolidated_aging("USD", as_of="2026-03-31", known_at=known) == c
        assert v.consolidated_aging("USD", as_of="2026-03-31")["rows"][0]["conversion"][
            "rate"]["rate"] == "1.0834"
        assert len(v.fx_rates(base_currency="EUR")) == 2
        assert len(v.fx_rates(base_currency="EUR", known_at=known)) == 1
        x = v.consolidated_exposure("USD", as_of="2026-03-31")
        assert x["total"]["balance_minor"] == sum(r["reporting_balance_minor"] for r in x["rows"])
        k = v.consolidated_kpis("USD", "2026-01-01", "2026-03-31")
        assert k["kpis"]["currency"] == "USD" and len(k["conversions"]) == 2
        with pytest.raises(FailedPrecondition) as e:
            v.consolidated_aging("GBP", as_of="2026-03-31")
        assert e.value.reason == "FX_RATE_NOT_FOUND"
        with pytest.raises(NotFound) as e:
            v.allowance("NOPE")
        assert e.value.reason == "UNKNOWN_ALLOWANCE"


def test_the_cli_records_rates_and_prints_money_with_each_currencys_decimals(served, capsys):
    t = ["--target", served.target]
    assert cli.main(t + ["customer", "open", "JP", "--name", "Yen Co", "--currency", "JPY",
                         "--opened", "2026-01-01"]) == 0
    assert cli.main(t + ["customer", "open", "KW", "--name", "Dinar Co", "--currency", "KWD",
                         "--opened", "2026-01-01"]) == 0
    assert cli.main(t + ["terms", "define", "MIX", "--basis", "NET", "--days", "0",
                         "--installment", "3000:0",
                         "--installment", "7000:0:END_OF_MONTH:months=1",
                         "--discount-fixed", "1000:JPY:10", "--actor", "ann", "--reason",
                         "plan", "--effective-date", "2026-01-01"]) == 0
    assert cli.main(t + ["invoice", "issue", "J-1", "--customer", "JP", "--amount", "1234567",
                         "--issue-date", "2026-03-01"]) == 0
    assert cli.main(t + ["invoice", "issue", "K-1", "--customer", "KW", "--amount", "1234567",
                         "--issue-date", "2026-03-01"]) == 0
    assert cli.main(t + ["fx", "record", "USD", "JPY", "151.25", "--rate-date", "2026-03-31",
                         "--source", "ECB", "--actor", "feed"]) == 0
    assert cli.main(t + ["fx", "record", "KWD", "USD", "3.252", "--rate-date", "2026-03-31",
                         "--source", "ECB", "--actor", "feed"]) == 0
    assert cli.main(t + ["allowance", "define", "STD", "--rates", "100,500,1000,2500,5000,10000",
                         "--actor", "ann", "--reason", "policy", "--effective-date",
                         "2026-01-01"]) == 0
    capsys.readouterr()
    assert cli.main(t + ["allowance", "show", "STD", "--as-of", "2026-03-20"]) == 0
    out = capsys.readouterr().out
    assert "12,346" in out                      # 1 % of 1,234,567 yen: no decimals
    assert "1,234.567" in out and "12.346" in out  # KWD: three decimals
    assert cli.main(t + ["consolidated", "aging", "USD", "--as-of", "2026-03-31"]) == 0
    out = capsys.readouterr().out
    # 1,234,567 yen / 151.25 = 8,162.43 USD; 1,234.567 KWD x 3.252 = 4,014.81 USD.
    assert "8,162.43" in out and "4,014.81" in out and "USD/JPY 151.25 inverted" in out
    assert cli.main(t + ["--format", "json", "consolidated", "exposure", "USD",
                         "--as-of", "2026-03-31"]) == 0
    x = json.loads(capsys.readouterr().out)
    assert int(x["total"]["reporting_receivables_minor"]) == 816_243 + 401_481
    assert cli.main(t + ["fx", "list", "--base", "USD"]) == 0
    assert "USD/JPY" in capsys.readouterr().out
    assert cli.main(t + ["consolidated", "kpis", "USD", "--from", "2026-03-01", "--to",
                         "2026-03-31"]) == 0
    assert "dso_simple" in capsys.readouterr().out
    assert cli.main(t + ["consolidated", "aging", "GBP"]) == 2
    assert "FX_RATE_NOT_FOUND" in capsys.readouterr().err
