"""`arledger customers|invoices|payments` and the worklist's page token, against a real
server (the README runs the table forms; these check the data and the paging)."""

import json

from arledger import cli, synthetic
from arledger_client import ArledgerClient, Command


def _load(served) -> None:  # type: ignore[no-untyped-def]
    with ArledgerClient(served.target) as c:
        res = c.submit_batch([Command.from_proto(x) for x in synthetic.generate(
            synthetic.PortfolioSpec(customers=25, seed=3))])
        assert res.rejected == 0


def _json(capsys) -> object:  # type: ignore[no-untyped-def]
    return json.loads(capsys.readouterr().out)


def test_customers_list_pages_and_search(served, capsys):
    _load(served)
    base = ["--target", served.target, "--format", "json"]
    assert cli.main(base + ["customers", "list", "--order-by", "customer_id", "--page-size",
                            "10", "--as-of", "2026-10-01"]) == 0
    first = _json(capsys)
    assert first["total_size"] == 25 and len(first["rows"]) == 10 and first["next_page_token"]
    assert cli.main(base + ["customers", "list", "--order-by", "customer_id", "--page-size",
                            "10", "--as-of", "2026-10-01", "--page-token",
                            first["next_page_token"]]) == 0
    second = _json(capsys)
    ids = [r["customer_id"] for r in first["rows"] + second["rows"]]
    assert ids == sorted(ids) and len(set(ids)) == 20
    assert cli.main(base + ["customers", "list", "--all", "--page-size", "7",
                            "--as-of", "2026-10-01"]) == 0
    assert len(_json(capsys)["rows"]) == 25
    name = first["rows"][0]["name"]
    assert cli.main(base + ["customers", "search", name.split()[0], "--as-of",
                            "2026-10-01"]) == 0
    assert all(name.split()[0].lower() in r["name"].lower() for r in _json(capsys)["rows"])


def test_invoices_and_payments_list_and_show(served, capsys):
    _load(served)
    base = ["--target", served.target, "--format", "json"]
    assert cli.main(base + ["invoices", "list", "--status", "PAID", "--as-of", "2026-10-01",
                            "--page-size", "3"]) == 0
    rows = _json(capsys)["rows"]
    assert rows and all(r["status"] == "PAID" for r in rows)
    assert cli.main(base + ["invoices", "show", rows[0]["invoice_id"], "--as-of",
                            "2026-10-01", "--full"]) == 0
    d = _json(capsys)
    assert d["invoice"]["open_minor"] == 0 and d["allocations"] and d["entries"]
    assert cli.main(base + ["payments", "list", "--as-of", "2026-10-01", "--page-size",
                            "1"]) == 0
    pay = _json(capsys)["rows"][0]["payment_id"]
    assert cli.main(base + ["payments", "show", pay, "--as-of", "2026-10-01"]) == 0
    assert _json(capsys)["payment"]["payment_id"] == pay
    assert cli.main(["--target", served.target, "invoices", "show", "NOPE"]) == 2


def test_the_worklist_pages_with_a_token(served, capsys):
    _load(served)
    base = ["--target", served.target, "--format", "json", "risk", "worklist", "--as-of",
            "2026-10-01", "--limit", "4"]
    assert cli.main(base) == 0
    out = capsys.readouterr()
    first = json.loads(out.out)
    token = out.err.split("--page-token ")[1].split()[0]
    assert cli.main(base + ["--page-token", token]) == 0
    second = json.loads(capsys.readouterr().out)
    assert len(first) == len(second) == 4
    assert not {r["customer_id"] for r in first} & {r["customer_id"] for r in second}
