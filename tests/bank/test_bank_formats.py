"""Each statement format parsed from a real-format sample the test writes (bank_samples):
the fields every line carries, debits negative, minor units exact; and bad files refused
with the line of the file named."""

import sys
from pathlib import Path

import pytest

from arledger.bank import formats
from arledger.domain.errors import LedgerError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bank_samples import CSV_MAPPING, Pay, bai2, camt053, csv_file, mt940  # noqa: E402

ROWS = [Pay("1690.00", "ACME GMBH", "DE44500105175407324931", "INV 1043 1044 less 2 percent",
            "E2E-77"),
        Pay("-5.00", "Bank", "", "account fee"),
        Pay("777.10", "Northwind Foods", "GB33BUKB20201555555555", "", date="2026-02-03")]
DAY = 20486  # 2026-02-02


def _check(stmts, *, names=True, e2e=True, currency="EUR", dated=True):
    (s,) = stmts
    a, b, c = s.lines
    assert [ln.line_number for ln in s.lines] == [1, 2, 3]
    assert (a.amount_minor, b.amount_minor, c.amount_minor) == (169_000, -500, 77_710)
    assert {ln.currency for ln in s.lines} == {currency}
    # BAI2 dates a whole group (its as-of date), not each transaction.
    assert (a.booking_day, a.value_day, c.value_day) == (DAY, DAY, DAY + dated)
    assert "INV 1043 1044" in a.remittance
    if names:
        assert a.counterparty_name == "ACME GMBH"
        assert a.counterparty_account == "DE44500105175407324931"
    if e2e:
        assert a.end_to_end_id == "E2E-77" and b.end_to_end_id == ""
    return s


def test_camt053():
    s = _check(formats.parse(camt053(ROWS), "CAMT053"))
    assert (s.account, s.statement_id, s.format) == ("DE89370400440532013000", "STMT-1",
                                                      "CAMT053")
    assert s.lines[0].bank_reference == "BREF1"


def test_camt053_with_several_transactions_in_one_entry_gives_a_line_each():
    xml = camt053(ROWS[:1]).decode()
    tx = xml[xml.index("<TxDtls>"):xml.index("</TxDtls>") + len("</TxDtls>")]
    one = tx.replace("<Refs>", "<Refs><AcctSvcrRef>T1</AcctSvcrRef>").replace(
        "</Refs>", "</Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">1000.00</Amt></TxAmt></AmtDtls>")
    two = tx.replace("</Refs>", "</Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">690.00</Amt></TxAmt>"
                     "</AmtDtls>").replace("INV 1043 1044", "INV 2001")
    (s,) = formats.parse(xml.replace(tx, one + two).encode(), "CAMT053")
    assert [ln.amount_minor for ln in s.lines] == [100_000, 69_000]
    assert s.lines[1].remittance.startswith("INV 2001")


def test_mt940_with_sepa_subfields():
    s = _check(formats.parse(mt940(ROWS), "MT940"))
    assert (s.account, s.statement_id) == ("DE89370400440532013000", "00001/001")


def test_mt940_with_two_statements_in_one_file():
    both = mt940(ROWS[:1]) + mt940(ROWS[1:], number="00002")
    a, b = formats.parse(both, "MT940")
    assert (a.statement_id, b.statement_id) == ("00001/001", "00002/001")
    assert (len(a.lines), len(b.lines)) == (1, 2)


def test_bai2():
    s = _check(formats.parse(bai2(ROWS), "BAI2"), names=False, e2e=False, currency="USD",
               dated=False)
    assert s.account == "0975312468" and s.statement_id == "1:2026-02-02"
    assert "ACME GMBH" in s.lines[0].remittance


def test_csv_with_a_column_mapping():
    s = _check(formats.parse(csv_file(ROWS), "CSV", CSV_MAPPING, "DE89", "2026-02"))
    assert (s.account, s.statement_id) == ("DE89", "2026-02")
    # Credit and debit in two columns, another date format and separator.
    text = "Booked,In,Out,Who\n02/02/2026,\"1,690.00\",,ACME\n02/02/2026,,5.00,Bank\n"
    (s,) = formats.parse(text.encode(), "CSV", {
        "booking_date": "Booked", "credit": "In", "debit": "Out",
        "counterparty_name": "Who", "date_format": "%m/%d/%Y",
        "default_currency": "EUR"}, "A", "S")
    assert [ln.amount_minor for ln in s.lines] == [169_000, -500]


@pytest.mark.parametrize("fmt,content,line", [
    ("CAMT053", camt053(ROWS).replace(b"777.10", b"7.7.7"), None),
    ("CAMT053", camt053(ROWS).replace(b"<Amt Ccy=\"EUR\">777.10",
                                      b"<Amt Ccy=\"EUR\">777.105"), None),
    ("CAMT053", camt053(ROWS).replace(b"777.10", b"Infinity"), None),
    ("CAMT053", camt053(ROWS).replace(b"777.10", b"1e999999"), None),
    ("CAMT053", b"<?xml version='1.0'?>\n<Document>\n<BkToCstmrStmt>\n<Stmt>", 4),
    ("MT940", mt940(ROWS).replace(b":61:2602030203C777,10", b":61:26AB03C777,10"), 9),
    ("MT940", b"no tags here\n", 1),
    ("BAI2", b"01,BANK\n99,1/\n", None),
    ("CSV", csv_file(ROWS).replace(b"03.02.2026", b"2026-13-45"), 4),
    ("CSV", csv_file(ROWS).replace(b"-5,00", b"minus five"), 3),
])
def test_bad_files_are_refused_naming_the_line(fmt, content, line):
    with pytest.raises(LedgerError) as e:
        formats.parse(content, fmt, CSV_MAPPING, "A", "S")
    assert e.value.reason in ("BAD_STATEMENT_FILE", "BAD_STATEMENT_LINE")
    assert "line" in e.value.metadata
    if line is not None:
        assert e.value.metadata["line"] == str(line), e.value.message
    else:
        assert int(e.value.metadata["line"]) >= 0


def test_a_camt_file_with_an_entity_is_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b"<Document><BkToCstmrStmt><Stmt><Id>&b;</Id></Stmt></BkToCstmrStmt></Document>")
    with pytest.raises(LedgerError) as e:
        formats.parse(bomb, "CAMT053")
    assert e.value.reason == "BAD_STATEMENT_FILE"


# ---- what an adversarial review found (each recorded or moved money wrongly) ----------------

def _batch(amounts: list[str | None], entry: str = "300.00") -> bytes:
    """One CRDT entry of `entry` with a TxDtls per amount (None: the TxDtls has none)."""
    xml = camt053([Pay(entry, "ACME GMBH", "", "INV-1044")], stmt_id="BATCH").decode()
    i, j = xml.index("<TxDtls>"), xml.index("</TxDtls>") + len("</TxDtls>")
    tx = xml[i:j]
    parts = [tx if a is None else tx.replace(
        "</Refs>", f"</Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">{a}</Amt></TxAmt></AmtDtls>")
        for a in amounts]
    return (xml[:i] + "".join(parts) + xml[j:]).encode()


def test_a_batch_entry_is_split_only_by_amounts_that_add_up_to_it():
    # Three TxDtls without amounts each took the entry's whole 300.00: 900.00 recorded.
    with pytest.raises(LedgerError) as e:
        formats.parse(_batch([None, None, None]), "CAMT053")
    assert e.value.reason == "BAD_STATEMENT_LINE" and "each carry an amount" in e.value.message
    with pytest.raises(LedgerError) as e:
        formats.parse(_batch(["100.00", "150.00"]), "CAMT053")
    assert "add up to 25000, not to the entry's 30000" in e.value.message
    (s,) = formats.parse(_batch(["100.00", "200.00"]), "CAMT053")
    assert [ln.amount_minor for ln in s.lines] == [10_000, 20_000]


@pytest.mark.parametrize("amount", ["-100.00", "+100.00", "1E2", "1_00.00", "١٠٠.٠٠"])
def test_a_camt_amount_is_plain_digits_its_direction_the_credit_debit_mark(amount):
    # "-100.00" beside DBIT became a receipt of 100.00 that the matcher then applied.
    xml = camt053([Pay("100.00", "ACME GMBH", "", "INV-1043")]).replace(
        b">100.00<", f">{amount}<".encode())
    with pytest.raises(LedgerError) as e:
        formats.parse(xml, "CAMT053")
    assert e.value.reason == "BAD_STATEMENT_LINE"


@pytest.mark.parametrize("cents", ["-500", str(10**15 + 1), "0"])
def test_a_bai2_amount_is_positive_and_within_the_limit(cents):
    # A signed amount turned a debit (475) into a receipt; one past int64 answered INTERNAL.
    total = 100000 + int(cents)  # the file's control totals agree with the line
    content = bai2([Pay("5.00", "ACME")]).replace(b"16,195,500,", f"16,195,{cents},".encode())
    content = content.replace(b"100500,", f"{total},".encode())
    with pytest.raises(LedgerError) as e:
        formats.parse(content, "BAI2")
    assert e.value.reason == "BAD_STATEMENT_LINE"


def test_a_statement_twice_in_one_file_is_refused_not_half_dropped():
    content = camt053(ROWS[:1], stmt_id="S").decode()
    doc = content.replace("</BkToCstmrStmt>", content[content.index("<Stmt>"):
                                                      content.index("</Stmt>") + 7]
                          .replace("1690.00", "20.00") + "</BkToCstmrStmt>")
    with pytest.raises(LedgerError) as e:
        formats.parse(doc.encode(), "CAMT053")
    assert e.value.reason == "BAD_STATEMENT_FILE" and "appears twice" in e.value.message
