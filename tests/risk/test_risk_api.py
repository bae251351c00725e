"""RiskService over a real gRPC server (both stores), through the SDK and the CLI."""

import json

import numpy as np
import pytest

from arledger.cli import main
from arledger.domain.dates import parse_day
from arledger.domain.risk_models import DEFAULT_MODEL
from arledger.projections import risk, views
from arledger_client import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from arledger_client.risk import RiskClient

AS_OF = "2026-10-20"


def figures(S) -> dict:  # type: ignore[no-untyped-def]
    """Every money figure the ledger reports, on several days, and its entity columns."""
    out = {}
    for day in ("2026-03-31", "2026-07-15", AS_OF, "2027-06-30"):
        d = parse_day(day, "d")
        ks = views.known_seq_at(S, None)
        out[day] = ([views.balance(S, c, d, ks) for c in range(S.customers.n)],
                    views.aging(S, None, d, ks), views.open_items(S, 3, d, ks))
    for cols in (S.customers, S.invoices, S.payments, S.credit_notes, S.disputes, S.journal,
                 S.master_changes):
        for name in cols.spec:
            out[f"{id(cols)}.{name}"] = cols.view(name).tobytes()
    return out


def test_a_rescore_records_one_entry_and_changes_no_figure(risk_served, location):
    ledger, target = risk_served
    with ledger.reading() as S:
        before = figures(S)
        head = S.head_position
    with RiskClient(target) as rc:
        run = rc.rescore(as_of=AS_OF, actor="risk-team", reason="month end", chunk_size=7)
    s = run.summary
    assert s["position"] == head + 1 and s["known_position"] == head
    assert s["customer_count"] == len(run.customer_ids) == len(run.pd) == 120
    with ledger.reading() as S:
        assert figures(S) == before
        assert S.head_position == head + 1
        assert S.rescore_digests == [f"default-v1:{s['score_digest']}"]
        # The streamed scores are the ones the digest covers.
        cust = np.asarray([S.customer_ix[c] for c in run.customer_ids])
        pd = np.asarray(run.pd, dtype=np.float32)
        assert risk.score_digest("default-v1", parse_day(AS_OF, "d"), cust, pd) == \
            s["score_digest"]
        digest = S.digest()
    entry = ledger.entry_at(head + 1)
    assert entry["type"] == "PortfolioRescored"
    assert entry["fields"]["score_digest"] == s["score_digest"]
    assert entry["fields"]["as_of_date"] == AS_OF
    # A replay rebuilds the same state, the re-score included.
    ledger.close()
    again = location.open()
    assert again.state.digest() == digest


def test_models_are_registered_once_and_unknown_versions_are_refused(risk_served):
    ledger, target = risk_served
    model = dict(DEFAULT_MODEL, version="ops-v2", intercept=-2.0)
    with RiskClient(target) as rc:
        r = rc.register_model(model, actor="ann", reason="tighter", effective_date="2026-10-01")
        assert r["model_version"] == "ops-v2" and r["position"] > 0
        with pytest.raises(AlreadyExists) as e:
            rc.register_model(model, actor="ann", reason="again")
        assert e.value.reason == "MODEL_VERSION_EXISTS"
        with pytest.raises(AlreadyExists):
            rc.register_model(DEFAULT_MODEL, actor="ann", reason="built in")
        with pytest.raises(InvalidArgument) as e:
            rc.register_model(dict(model, version="bad", features=["nope"]), actor="a",
                              reason="r")
        assert e.value.reason == "INVALID_RISK_MODEL"
        with pytest.raises(InvalidArgument) as e:
            rc.register_model(dict(model, version="ops-v3"), actor="", reason="r")
        assert e.value.reason == "ACTOR_REQUIRED"
        with pytest.raises(NotFound) as e:
            rc.rescore(model_version="nobody-v9", as_of=AS_OF)
        assert e.value.reason == "UNKNOWN_MODEL_VERSION"
        run = rc.rescore(model_version="ops-v2", as_of=AS_OF, dry_run=True)
        assert run.summary["position"] == 0
        versions = [m["model_version"] for m in rc.list_models()]
    assert versions == ["default-v1", "ops-v2"]
    with ledger.reading() as S:
        local = risk.rescore(S, risk.Model.from_json(json.dumps(model)), parse_day(AS_OF, "d"))
        assert not S.rescore_digests  # a dry run records nothing
    assert local.digest == run.summary["score_digest"]
    assert local.pd.tolist() == run.pd


def test_one_score_and_the_worklist_agree_with_the_portfolio(risk_served):
    ledger, target = risk_served
    with RiskClient(target) as rc:
        run = rc.rescore(as_of=AS_OF, dry_run=True)
        wl = rc.worklist(as_of=AS_OF, currency="EUR", limit=5)
        assert wl and [r["rank"] for r in wl] == list(range(1, len(wl) + 1))
        top = wl[0]
        one = rc.score(top["customer_id"], as_of=AS_OF)
        with pytest.raises(NotFound) as e:
            rc.score("NOBODY", as_of=AS_OF)
        assert e.value.reason == "CUSTOMER_NOT_FOUND"
        with pytest.raises(InvalidArgument) as e:
            rc.worklist(as_of=AS_OF, currency="XXX")
        assert e.value.reason == "UNKNOWN_CURRENCY"
    k = run.customer_ids.index(top["customer_id"])
    assert one["pd"] == pytest.approx(run.pd[k], rel=1e-6)
    assert one["expected_loss_minor"] == run.expected_loss_minor[k] == \
        top["expected_loss_minor"]
    eur = sorted((el for el, c in zip(run.expected_loss_minor, run.currencies) if c == "EUR"),
                 reverse=True)
    assert [r["expected_loss_minor"] for r in wl] == eur[:len(wl)]
    contrib = [t["contribution"] for t in one["features"]]
    assert [t["contribution"] for t in one["top_features"]] == sorted(contrib, reverse=True)[:3]


def test_provision_and_calibration_over_grpc(risk_served):
    ledger, target = risk_served
    with RiskClient(target) as rc:
        pm = rc.provision_matrix(as_of=AS_OF, bucket_edges_days=(30, 60, 90))
        with pytest.raises(InvalidArgument) as e:
            rc.provision_matrix(as_of=AS_OF, bucket_edges_days=(30, 60, 90), maturity_days=60)
        assert e.value.reason == "INVALID_RISK_PARAMETER"
        with pytest.raises(FailedPrecondition) as e:
            rc.calibrate(as_of="2026-02-01")
        assert e.value.reason == "NOT_ENOUGH_HISTORY"
    with ledger.reading() as S:
        local = risk.provision_matrix(S, parse_day(AS_OF, "d"), edges=(30, 60, 90))
    assert [r["ecl_minor"] for r in pm["rows"]] == [r.ecl_minor for r in local.rows]
    assert pm["bucket_labels"] == ["current", "1-30", "31-60", "61-90", "over 90"]


def test_the_cli_prints_tables_json_csv_and_writes_plots(risk_served, tmp_path, capsys):
    ledger, target = risk_served
    t = ["--target", target]
    dist = tmp_path / "dist.png"
    assert main(t + ["risk", "rescore", "--as-of", AS_OF, "--dry-run", "--plot", str(dist)]) == 0
    out = capsys.readouterr().out
    assert "score_digest" in out and "customer_count" in out
    assert dist.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and dist.stat().st_size > 5000
    assert main(t + ["--format", "csv", "risk", "worklist", "--as-of", AS_OF, "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("rank,customer_id,currency,pd") and len(lines) >= 2
    assert main(t + ["--format", "json", "risk", "worklist", "--as-of", AS_OF, "--limit", "1000",
                     "--promises", "none-active", "--dunning-min", "0"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(not r["active_promise"] for r in rows)
    assert main(t + ["--format", "json", "risk", "worklist", "--as-of", AS_OF,
                     "--dunning-min", "1"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nobody was dunned in this portfolio
    assert main(t + ["--format", "json", "risk", "provision", "--as-of", AS_OF]) == 0
    assert json.loads(capsys.readouterr().out)["bucket_labels"][0] == "current"
    assert main(t + ["risk", "models"]) == 0
    assert "default-v1" in capsys.readouterr().out
    assert main(t + ["risk", "score", "NOBODY", "--as-of", AS_OF]) == 2
    assert "CUSTOMER_NOT_FOUND" in capsys.readouterr().err


def test_a_retried_rescore_with_the_same_request_id_is_recorded_once(risk_served):
    ledger, target = risk_served
    with RiskClient(target) as rc:
        first = rc.rescore(as_of=AS_OF, request_id="month-end-1", actor="risk", reason="r")
        again = rc.rescore(as_of=AS_OF, request_id="month-end-1", actor="risk", reason="r")
        assert again.summary["position"] == first.summary["position"]
        assert again.summary["score_digest"] == first.summary["score_digest"]
        # The same request id for another re-score (another day) is refused.
        with pytest.raises(AlreadyExists) as e:
            rc.rescore(as_of="2026-10-21", request_id="month-end-1", actor="risk", reason="r")
        assert e.value.reason == "REQUEST_ID_REUSED"
    with ledger.reading() as S:
        assert len(S.rescore_digests) == 1
