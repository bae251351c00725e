"""The exceptions queue as a page of the workspace, over a real server: queued
lines with their candidates, every control labelled, and a person's decisions as ledger
commands with the logged-in name as actor."""

import re
import sys
from pathlib import Path

from conftest import WEB_NOW, csrf_of

from arledger_client import BankClient, SearchClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bank"))
from bank_samples import Pay, camt053  # noqa: E402


def test_the_queue_page_shows_candidates_and_takes_decisions(client, demo):
    led, target = demo
    with SearchClient(target) as s:
        a = s.list_customers_page(as_of=WEB_NOW.date(), order_by="overdue desc",
                                  page_size=1).items[0]
    cur = a["currency"]
    today = WEB_NOW.date().isoformat()  # after every demo account opened (a payment is
    rows = [Pay("0.07", "Odd Payer", "XX01", "", a["customer_id"], date=today),  # never dated
            Pay("1.23", "Stranger", "XX02", "interest", date=today)]      # before its account)
    with BankClient(target) as bank:
        out = bank.import_statement(camt053(rows, stmt_id="WEB-1", ccy=cur), format="CAMT053")
        assert out["match"]["queued"] == 2
    page = client.get("/bank")
    assert page.status_code == 200
    html = page.text
    assert "BL-1" in html and "BL-2" in html and a["customer_id"] in html
    assert "END_TO_END_ID" in html and "2 waiting" in html
    assert "NEW 0, QUEUED 2, APPLIED 0, DISMISSED 0, DEBIT 0" in html
    ids = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for inp in re.findall(r'<(?:input|select|textarea)\b[^>]*>', html):
        if 'type="hidden"' in inp or 'type="submit"' in inp:
            continue
        m = re.search(r'id="([^"]+)"', inp)
        assert m and m.group(1) in ids, inp
    token = csrf_of(html)
    assert client.post("/bank/0/BL-1/accept", data={"csrf": "forged", "rank": "1",
                                                    "reason": "x"}).status_code == 403
    r = client.post("/bank/0/BL-1/accept", data={"csrf": token, "rank": "1", "reason": ""},
                    follow_redirects=True)
    assert "Not done" in r.text and "REASON_REQUIRED" in r.text
    r = client.post("/bank/0/BL-1/accept", data={"csrf": token, "rank": "1",
                                                 "reason": "payer phoned"},
                    follow_redirects=True)
    assert "BL-1: candidate 1 applied." in r.text
    r = client.post("/bank/0/BL-2/dismiss", data={"csrf": token, "reason": "bank interest"},
                    follow_redirects=True)
    assert "BL-2: dismissed." in r.text and "Nothing waits for a decision." in r.text
    with BankClient(target) as bank:
        one, two = bank.line("BL-1"), bank.line("BL-2")
    assert one["status"] == "APPLIED" and one["actor"] == "ann"
    assert one["customer_id"] == a["customer_id"] and one["decided_by"] == "CONFIRMED"
    assert two["status"] == "DISMISSED" and two["reasons"] == ["bank interest"]
