"""The arledger command against a real server, and offline on a data directory."""

import json

from google.protobuf import json_format

from arledger import cli, synthetic
from arledger.engine import open_ledger


def test_submit_streams_a_jsonl_file_and_reports_each_rejection_by_line(served, tmp_path, capsys):
    cmds = list(synthetic.generate(synthetic.PortfolioSpec(customers=30, seed=9)))
    lines = [json_format.MessageToJson(c, indent=None) for c in cmds]
    lines.insert(5, json.dumps({"issueInvoice": {"requestId": "bad-1", "invoiceId": "X",
                                                 "customerId": "NOPE", "issueDate": "2026-01-02",
                                                 "amountMinor": 5}}))
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rc = cli.main(["--target", served.target, "--format", "json", "submit", str(path),
                   "--batch-size", "100"])
    out = capsys.readouterr().out
    assert rc == 3  # some rejected
    summary, rejections = out.split("\n}\n", 1)
    summary = json.loads(summary + "}")
    assert (summary["commands"], summary["accepted"], summary["rejected"]) == (
        len(lines), len(cmds), 1)
    assert json.loads(rejections) == [{"line": 6, "request_id": "bad-1",
                                       "reason": "CUSTOMER_NOT_FOUND",
                                       "message": "no customer 'NOPE'"}]
    assert served.ledger.state.head_position >= len(cmds)
    # Submitting the same file again writes nothing new: every line is a duplicate.
    head = served.ledger.state.head_position
    cli.main(["--target", served.target, "--format", "json", "submit", str(path)])
    assert served.ledger.state.head_position == head


def test_a_malformed_line_is_named_and_nothing_is_sent(served, tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"issueInvoice": {"requestId": "a"}}\n{"noSuchCommand": {}}\n')
    assert cli.main(["--target", served.target, "submit", str(path)]) == 2
    assert "MALFORMED_JSON: line 2" in capsys.readouterr().err
    assert served.ledger.state.head_position == 0


def test_demo_loads_a_portfolio_into_a_running_server(served, capsys):
    assert cli.main(["--target", served.target, "--format", "json", "demo",
                     "--customers", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rejected"] == 0 and out["accepted"] > 200
    assert served.ledger.state.customers.n == 20


def test_replay_and_verify_work_offline_on_a_data_directory(tmp_path, capsys):
    data = tmp_path / "data"
    ledger = open_ledger(data)
    for b in synthetic.generate_batches(synthetic.PortfolioSpec(customers=20, seed=3), 100):
        ledger.submit(b)
    digest = ledger.state.digest()
    ledger.close()
    assert cli.main(["--format", "json", "replay", "--data-dir", str(data)]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["state_digest"] == digest and rep["entries"] > 200
    assert cli.main(["--format", "json", "verify", "--data-dir", str(data)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_every_subcommand_has_help_that_argparse_accepts(capsys):
    parser = cli.build_parser()
    import argparse
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in sub.choices:
        try:
            parser.parse_args([name, "--help"])
        except SystemExit as e:
            assert e.code == 0
    assert "serve" in capsys.readouterr().out
