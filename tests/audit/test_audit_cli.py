"""`arledger audit ...` against a real server, and offline on its stored log."""

import csv
import json

import pytest
from audit_helpers import scenario
from test_audit_tamper import Raw, rewrite_and_rechain

from arledger import cli


def run(capsys, *argv) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    msg = ""
    try:
        rc = cli.main(list(argv))
    except SystemExit as e:  # argparse and the verifier's refusals exit (a str is printed)
        rc, msg = (1, e.code) if isinstance(e.code, str) else (e.code, "")
    out = capsys.readouterr()
    return rc, out.out, out.err + msg


def store_args(served) -> list[str]:  # type: ignore[no-untyped-def]
    loc = served.location
    if loc.kind == "sqlite":
        return ["--data-dir", str(loc.where)]
    return ["--store", str(loc.where), "--namespace", loc.namespace]


def test_an_auditor_saves_digests_proves_entries_and_verifies_the_log_offline(served, tmp_path,
                                                                              capsys):
    batches = scenario()
    served.submit(batches[:4])
    t = ["--target", served.target]
    rc, pem, _ = run(capsys, *t, "audit", "public-key")
    assert rc == 0 and pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = tmp_path / "ledger.pub.pem"
    key.write_text(pem)
    digests = tmp_path / "digests.jsonl"
    k = ["--public-key", str(key)]
    assert run(capsys, *t, "audit", "digest", "--save", str(digests), *k)[0] == 0
    served.submit(batches[4:])
    rc, out, _ = run(capsys, *t, "--format", "json", "audit", "digest", "--save", str(digests), *k)
    head = json.loads(out)
    assert rc == 0 and head["segment"] == served.ledger.state.head_seq
    assert len(digests.read_text().splitlines()) == 2

    # proofs, verified by the CLI, saved, and checked again offline
    proofs = tmp_path / "proofs.json"
    rc, out, _ = run(capsys, *t, "--format", "json", "audit", "prove", "1", "5", "--out",
                     str(proofs), *k)
    assert rc == 0 and [r["position"] for r in json.loads(out)] == [1, 5]
    rc, out, _ = run(capsys, "--format", "json", "audit", "verify-proof", str(proofs), *k)
    assert rc == 0 and [r["verified"] for r in json.loads(out)] == ["yes", "yes"]
    saved = json.loads(proofs.read_text())
    saved["proofs"][1]["entry_json"] = saved["proofs"][1]["entry_json"].replace(
        '"actor":"', '"actor":"z', 1)
    proofs.write_text(json.dumps(saved))
    rc, _, err = run(capsys, "audit", "verify-proof", str(proofs), *k)
    assert rc == 1 and "NOT VERIFIED (position 5" in err

    rc, out, _ = run(capsys, *t, "--format", "json", "audit", "prove", "--customer", "AUD", *k)
    assert rc == 0 and {r["type"] for r in json.loads(out)} >= {"InvoiceIssued",
                                                                "PaymentRecorded"}
    # the older saved digest against the head
    first = tmp_path / "first.json"
    first.write_text(digests.read_text().splitlines()[0])
    rc, out, _ = run(capsys, *t, "--format", "json", "audit", "verify-range", "--from",
                     str(first), *k)
    assert rc == 0 and json.loads(out)["to_segment"] == head["segment"]

    # offline, while the writer runs: the chain and both saved digests, Merkle roots too
    rc, out, _ = run(capsys, "--format", "json", "audit", "verify", *store_args(served),
                     "--digests", str(digests), "--merkle", *k)
    rep = json.loads(out)
    assert rc == 0 and rep["ok"] and rep["digests_checked"] == 2
    assert rep["merkle_root"] == head["merkle_root"]

    # replay beside the live server: same state digest
    rc, out, _ = run(capsys, *t, "--format", "json", "audit", "replay", *store_args(served),
                     "--compare")
    rep = json.loads(out)
    assert rc == 0 and rep["match"] is True and rep["entries"] == head["position"]

    # the same from the top-level commands
    rc, out, _ = run(capsys, "--format", "json", "verify", *store_args(served), "--digests",
                     str(digests), *k)
    assert rc == 0 and json.loads(out)["digests_checked"] == 2
    rc, out, _ = run(capsys, *t, "--format", "json", "replay", *store_args(served),
                     "--compare")
    assert rc == 0 and json.loads(out)["match"] is True

    # an attacker rewrites history: the offline check names the first segment that differs
    served.stop()
    rewrite_and_rechain(Raw(served.location))
    rc, out, _ = run(capsys, "--format", "json", "audit", "verify", *store_args(served),
                     "--digests", str(digests), *k)
    rep = json.loads(out)
    assert rc == 1 and not rep["ok"] and rep["first_bad_segment"] == 4
    rc, out, _ = run(capsys, "--format", "json", "verify", *store_args(served))
    assert rc == 0 and json.loads(out)["ok"]  # the chain alone cannot tell


def test_export_and_history_from_the_command_line(served, tmp_path, capsys):
    served.submit(scenario())
    t = ["--target", served.target]
    out_file = tmp_path / "log.jsonl"
    rc, _, err = run(capsys, *t, "audit", "export", "--customer", "AUD", "--out", str(out_file))
    assert rc == 0
    lines = out_file.read_text().splitlines()
    recs = [json.loads(x) for x in lines]
    assert recs and all(r["customer_id"] == "AUD" for r in recs)
    # each line is already the canonical form the Merkle leaves hash
    assert all(json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == x
               for r, x in zip(recs, lines))
    digest = json.loads((tmp_path / "log.jsonl.digest.json").read_text())
    assert digest["position"] == served.ledger.state.head_position
    csv_file = tmp_path / "log.csv"
    rc, _, _ = run(capsys, *t, "audit", "export", "--customer", "AUD", "--as", "csv",
                   "--out", str(csv_file))
    rows = list(csv.DictReader(csv_file.open()))
    assert [int(r["position"]) for r in rows] == [r["position"] for r in recs]
    rc, out, _ = run(capsys, *t, "--format", "json", "audit", "history", "--invoice", "AUD-1")
    hist = json.loads(out)
    assert rc == 0 and [h["type"] for h in hist][-1] == "InvoiceWrittenOff"
    assert hist[-1]["actor"] == "bob" and hist[-1]["reason"] == "uncollectable"
    rc, out, _ = run(capsys, *t, "audit", "history", "--customer", "AUD")
    assert rc == 0 and "InvoiceWrittenOff" in out and "RECORDED_AT" in out
    rc, _, err = run(capsys, *t, "audit", "history", "--invoice", "NOPE")
    assert rc == 2 and "INVOICE_NOT_FOUND" in err


def test_digest_checks_need_the_auditors_key(served, tmp_path, capsys):
    served.submit(scenario()[:2])
    t = ["--target", served.target]
    digests = tmp_path / "d.jsonl"
    # an auditor never keeps a digest that was not checked: --save needs the key
    rc, _, err = run(capsys, *t, "audit", "digest", "--save", str(digests))
    assert rc != 0 and "--public-key" in err and not digests.exists()
    # shown without a key, it says it is the server's word
    rc, out, err = run(capsys, *t, "--format", "json", "audit", "digest")
    assert rc == 0 and "UNVERIFIED" in err and json.loads(out)["verified"] is False
    key = tmp_path / "pub.pem"
    key.write_text(run(capsys, *t, "audit", "public-key")[1])
    assert run(capsys, *t, "audit", "digest", "--save", str(digests), "--public-key",
               str(key))[0] == 0
    rc, _, err = run(capsys, "audit", "verify", *store_args(served), "--digests", str(digests))
    assert rc != 0 and "--public-key" in err
    with pytest.raises(SystemExit):
        cli.main(["--target", served.target, "audit", "prove", "1"])
