"""What the `arledger` command prints, against a real server on a real port: every format on
several nouns (CSV that the csv module reads, header first, no prose; money in major units
with its currency in tables, integers in minor units in JSON and CSV), and bad input refused
by the real console script with one line naming the flag and exit code 2, never a
traceback."""

import argparse
import csv
import io
import json
import os
import socket
import subprocess
import sys

import pytest

from arledger import cli

STORY = [
    ["customer", "open", "ACME", "--name", "Acme GmbH", "--currency", "EUR",
     "--opened", "2026-01-01"],
    ["customer", "open", "NIPPON", "--name", "Nippon KK", "--currency", "JPY",
     "--opened", "2026-01-01"],
    ["invoice", "issue", "INV-1", "--customer", "ACME", "--amount", "119000",
     "--issue-date", "2026-01-05"],
    ["invoice", "issue", "INV-2", "--customer", "NIPPON", "--amount", "500000",
     "--issue-date", "2026-01-05"],
    ["payment", "record", "PAY-1", "--customer", "ACME", "--amount", "19000", "--currency",
     "EUR", "--value-date", "2026-02-01", "--allocate", "INV-1=19000"],
]


@pytest.fixture
def story(served, capsys):
    t = ["--target", served.target]
    for argv in STORY:
        assert cli.main(t + argv) == 0, argv
    capsys.readouterr()
    return t


def run(capsys, argv: list[str]) -> str:
    assert cli.main(argv) == 0, argv
    return capsys.readouterr().out


def parse_csv(text: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, "no CSV"
    header = rows[0]
    assert header[0].isidentifier() and all(h and ":" not in h for h in header), \
        f"not a header: {header}"
    assert all(len(r) == len(header) for r in rows[1:]), "ragged CSV (a prose line?)"
    for r in rows[1:]:
        for cell in r:  # no Python reprs of containers, booleans or None
            assert not cell.startswith(("{'", "['", "(")) and cell not in ("True", "False",
                                                                         "None"), cell
    return [dict(zip(header, r)) for r in rows[1:]]


NOUNS = [
    (["balance", "ACME", "--as-of", "2026-04-01"], "balance_minor", "100000",
     "1,000.00 EUR"),
    (["open-items", "NIPPON", "--as-of", "2026-04-01"], "open_minor", "500000", "500,000 JPY"),
    (["aging", "--as-of", "2026-04-01"], "balance_minor", "100000", "1,000.00 EUR"),
    (["customers", "list", "--as-of", "2026-04-01"], "balance_minor", "500000",
     "500,000 JPY"),
    (["invoices", "list", "--customer", "ACME", "--as-of", "2026-04-01"], "amount_minor",
     "119000", "1,190.00 EUR"),
    (["payments", "show", "PAY-1", "--as-of", "2026-04-01"], "amount_minor", "19000",
     "190.00 EUR"),
    (["account", "ACME", "--as-of", "2026-04-01"], "exposure_minor", "100000",
     "1,000.00 EUR"),
]


@pytest.mark.parametrize("argv,field,minor,shown", NOUNS, ids=[n[0][0] for n in NOUNS])
def test_every_format_on_a_noun_table_with_money_csv_and_json_in_minor_units(
        story, capsys, argv, field, minor, shown):
    table = run(capsys, story + argv)
    assert shown in table, table  # major units with the currency
    text = run(capsys, story + argv + ["--format", "csv"])
    rows = parse_csv(text)
    assert minor in {r.get(field) for r in rows}, text
    assert all(r.get(field, "").lstrip("-").isdigit() for r in rows if r.get(field))
    before = run(capsys, story + ["--format", "csv"] + argv)  # the global flag: the same
    assert before == text
    data = json.loads(run(capsys, story + argv + ["--format", "json"]))
    assert minor in json.dumps(data)


def test_events_csv_keeps_each_entrys_fields_as_json_and_json_is_one_entry_a_line(story,
                                                                                 capsys):
    rows = parse_csv(run(capsys, story + ["events", "--from", "1", "--format", "csv"]))
    assert [r["position"] for r in rows[:3]] == ["1", "2", "3"]
    assert json.loads(rows[2]["fields"])["amount_minor"] == 119000
    lines = run(capsys, story + ["events", "--limit", "2", "--format", "json"]).splitlines()
    assert [json.loads(ln)["position"] for ln in lines] == [1, 2]


def test_the_aging_title_is_not_data_it_goes_to_stderr(story, capsys):
    assert cli.main(story + ["--format", "csv", "aging", "--as-of", "2026-04-01"]) == 0
    got = capsys.readouterr()
    assert got.out.splitlines()[0].startswith("currency,")
    assert "aging as of" not in got.out
    assert cli.main(story + ["aging", "--as-of", "2026-04-01"]) == 0
    assert "aging as of 2026-04-01" in capsys.readouterr().err


def test_format_is_accepted_after_every_subcommand():
    parser = cli.build_parser()
    from arledger.cli.app import leaves
    missing = [leaf.prog for leaf in leaves(parser) if leaf is not parser
               and "--format" not in leaf._option_string_actions]
    assert not missing, missing
    assert len(list(leaves(parser))) > 60
    ns = parser.parse_args(["customer", "show", "ACME", "--format", "csv"])
    assert isinstance(ns, argparse.Namespace) and ns.format == "csv"
    ns = parser.parse_args(["customer", "--format", "json", "show", "ACME"])
    assert ns.format == "json"  # between a noun and its action too


# ---- bad input: the real console script, one line naming the flag, exit 2 ----------------

def arledger(*argv: str) -> subprocess.CompletedProcess:
    exe = os.path.join(os.path.dirname(sys.executable), "arledger")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "arledger.cli"]
    return subprocess.run(cmd + ["--target", "127.0.0.1:9", *argv], capture_output=True,
                          text=True, timeout=120)


BAD = [
    (["payment", "record", "P", "--customer", "C", "--amount", "1", "--currency", "EUR",
      "--value-date", "2026-01-01", "--allocate", "INV-1:100"], "--allocate"),
    (["payment", "allocate", "P", "--effective-date", "2026-01-01", "--allocate", "INV=x"],
     "--allocate"),
    (["invoice", "issue", "I", "--customer", "C", "--issue-date", "2026-01-01", "--line",
      "Widget:3"], "--line"),
    (["aging", "--edges", "30,sixty"], "--edges"),
    (["report", "aging", "--edges", "60,30"], "--edges"),
    (["events", "--from", "-5"], "--from"),
    (["submit", "/nonexistent/commands.jsonl"], "file"),
    (["bank", "import", "/nonexistent/statement.xml"], "file"),
    (["terms", "define", "T", "--basis", "NET", "--days", "30", "--installment", "half"],
     "--installment"),
    (["dunning", "policy", "P", "--level", "14:SHOUT"], "--level"),
    # found by review: past int64 the message builder refused without naming the flag; a
    # port past 65535 was a traceback; these were exit 1
    (["invoice", "issue", "I", "--customer", "C", "--issue-date", "2026-01-01", "--amount",
      "99999999999999999999"], "--amount"),
    (["payment", "record", "P", "--customer", "C", "--amount", "-99999999999999999999",
      "--currency", "EUR", "--value-date", "2026-01-01"], "--amount"),
    (["serve", "--listen", "127.0.0.1:99999"], "--listen"),
    (["web", "--listen", "127.0.0.1:70000"], "--listen"),
    (["audit", "prove"], "positions"),
    (["audit", "prove", "0"], "positions"),
    (["--token-file", "/nonexistent/token", "balance", "C"], "--ca-file/--client-cert"),
]


@pytest.mark.parametrize("argv,flag", BAD, ids=[f"{b[0][0]}-{b[1]}" for b in BAD])
def test_bad_input_is_one_line_naming_the_flag_and_exit_2(argv, flag):
    r = arledger(*argv)
    assert r.returncode == 2, r
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"argument {flag}" in lines[0], lines[0]
    assert r.stdout == ""


def test_a_busy_port_is_one_line_naming_listen_and_exit_2(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = arledger("serve", "--data-dir", str(tmp_path / "data"), "--listen",
                     f"127.0.0.1:{port}")
    assert r.returncode == 2, r
    assert "Traceback" not in r.stderr
    (line,) = [ln for ln in r.stderr.splitlines() if "arledger" in ln]
    assert "argument --listen" in line and str(port) in line, r.stderr
    assert not (tmp_path / "data" / "ledger.db").exists()  # refused before opening anything
