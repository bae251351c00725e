"""Bank statement files -> `Statement`s (domain/bank.py), in the ledger's units.

- CAMT.053 (ISO 20022 Bank-to-Customer Statement, any version's namespace): parsed with
  lxml (entities, DTDs and network off; elements found by local name so camt.053.001.02
  .. .08 all read). One line per transaction detail (TxDtls) of an entry, or per entry
  when it has none.
- MT940: the `mt-940` library (with its SEPA/GVC field processors: end-to-end id, purpose,
  counterparty IBAN and name); one statement per :20: block.
- BAI2: the `bai2` library; one statement per account record (group as-of date).
- CSV: the standard library's csv with a column mapping (header names).

Every parser either returns all statements or raises BAD_STATEMENT_FILE /
BAD_STATEMENT_LINE naming the line of the file; nothing is recorded from a failed file
(the import commands are built only after the whole file parsed).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from arledger.domain import bank as BK
from arledger.domain import limits
from arledger.domain.dates import day_to_iso  # noqa: F401  (re-exported for callers)
from arledger.domain.errors import LedgerError, error
from arledger.domain.money import MINOR_UNITS

_EPOCH = dt.date(1970, 1, 1)
# mt-940 logs every tag that fails its regex at ERROR, with the regex: a client's bad file
# would fill the server's log. The refusal (BAD_STATEMENT_FILE, naming the line) says it.
logging.getLogger("mt940").setLevel(logging.CRITICAL)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _bad(line: int, message: str) -> LedgerError:
    return error("BAD_STATEMENT_FILE", f"line {line}: {message}", line=str(line))


def _bad_line(line: int, message: str) -> LedgerError:
    return error("BAD_STATEMENT_LINE", f"line {line}: {message}", line=str(line))


def _day(d: dt.date) -> int:
    return (d - _EPOCH).days


_PLAIN = re.compile(r"[0-9]+(\.[0-9]+)?")
_SIGNED = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _minor(amount: Any, currency: str, line: int, signed: bool = False) -> int:
    """A decimal amount in major units -> minor units of `currency` (exact or refused).
    Only ASCII digits with an optional point (no exponent, no separators); a sign only where
    the format carries the direction in it (`signed`), never beside a credit/debit mark."""
    if currency not in MINOR_UNITS:
        raise _bad_line(line, f"unknown currency {currency[:8]!r}")
    text = str(amount).strip()
    if not (_SIGNED if signed else _PLAIN).fullmatch(text):
        raise _bad_line(line, f"amount {text[:30]!r} is not a plain decimal"
                        + ("" if signed else " without a sign (the entry says credit or debit)"))
    try:
        q = Decimal(text) * (10 ** MINOR_UNITS[currency])
    except (ArithmeticError, ValueError):  # decimal's InvalidOperation, Overflow, ...
        raise _bad_line(line, f"amount {str(amount)[:30]!r} is not a number") from None
    if not q.is_finite():
        raise _bad_line(line, f"amount {str(amount)[:30]!r} is not a number")
    if q != q.to_integral_value():
        raise _bad_line(line, f"amount {amount} has more decimals than {currency} has")
    v = int(q)
    if v == 0 or abs(v) > limits.amount_minor_max:
        raise _bad_line(line, f"amount {amount} is zero or too large")
    return v


def _text(v: Any) -> str:
    return " ".join(str(v).split()) if v is not None else ""


def _check_size(content: bytes) -> None:
    if len(content) > limits.bank_file_bytes_max:
        raise error("BAD_STATEMENT_FILE", f"the file is larger than "
                    f"{limits.bank_file_bytes_max} bytes", line="0")
    if not content.strip():
        raise error("BAD_STATEMENT_FILE", "the file is empty", line="0")


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")  # MT940 and BAI2 files from older bank systems


def _finish(stmts: list[BK.Statement]) -> list[BK.Statement]:
    total = sum(len(s.lines) for s in stmts)
    if not stmts or not total:
        raise error("BAD_STATEMENT_FILE", "the file holds no statement line", line="0")
    if total > limits.bank_lines_per_file_max:
        raise error("BAD_STATEMENT_FILE", f"more than {limits.bank_lines_per_file_max} "
                    "lines in one file", line="0")
    seen: set[tuple[str, str]] = set()
    for s in stmts:
        key = (s.account, s.statement_id)
        if key in seen:  # its lines would be taken for the first one's and dropped
            raise error("BAD_STATEMENT_FILE", f"statement {s.statement_id!r} of account "
                        f"{s.account!r} appears twice in the file", line="0")
        seen.add(key)
        for ln in s.lines:
            for f in ("counterparty_name", "counterparty_account", "remittance",
                      "end_to_end_id", "bank_reference"):
                BK.bank_text(getattr(ln, f), f, ln.line_number)
    return stmts


# ---- CAMT.053 -----------------------------------------------------------------------------

def _local(el: Any) -> str:
    t = el.tag
    return t.rsplit("}", 1)[-1] if isinstance(t, str) else ""


def _kids(el: Any, name: str) -> list:
    return [c for c in el if _local(c) == name]


def _kid(el: Any, *path: str) -> Any:
    for name in path:
        if el is None:
            return None
        found = _kids(el, name)
        el = found[0] if found else None
    return el


def _txt(el: Any, *path: str) -> str:
    e = _kid(el, *path)
    return _text(e.text) if e is not None and e.text is not None else ""


def _camt_date(el: Any, what: str) -> int:
    if el is None:
        return -1
    v = _txt(el, "Dt") or _txt(el, "DtTm")[:10]
    try:
        return _day(dt.date.fromisoformat(v[:10]))
    except ValueError:
        raise _bad_line(el.sourceline or 0, f"{what} {v[:20]!r} is not a date") from None


def _tx_amounts(ntry: Any, amt_el: Any, txs: list) -> list:
    """Each transaction's own amount element (None: it has none). A batch entry (several
    transactions) is split only by amounts that each transaction carries and that add up
    to the entry's; anything else would record the entry's money more than once, or lose it."""
    own = [(_kid(t, "AmtDtls", "TxAmt", "Amt") if _kid(t, "AmtDtls", "TxAmt", "Amt")
            is not None else _kid(t, "Amt")) if t is not None else None for t in txs]
    if len(txs) > 1:
        if any(a is None for a in own):
            raise _bad_line(ntry.sourceline or 0, f"a batch entry of {len(txs)} transactions "
                            "that do not each carry an amount")
        parts = sum(_minor(a.text or "", a.get("Ccy", ""), a.sourceline or 0) for a in own)
        whole = _minor(amt_el.text or "", amt_el.get("Ccy", ""), amt_el.sourceline or 0)
        if parts != whole:
            raise _bad_line(ntry.sourceline or 0, "the transactions of a batch entry add up "
                            f"to {parts}, not to the entry's {whole}")
    return own


def parse_camt053(content: bytes) -> list[BK.Statement]:
    from lxml import etree
    _check_size(content)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as e:
        line = e.position[0] if getattr(e, "position", None) else 0
        raise _bad(line, f"not well-formed XML ({e.msg})") from None
    top = _kid(root, "BkToCstmrStmt")
    if top is None:
        raise _bad(root.sourceline or 1, "not a camt.053 document (no BkToCstmrStmt)")
    out = []
    for st in _kids(top, "Stmt"):
        sid = _txt(st, "Id")
        acct_el = _kid(st, "Acct")
        account = _txt(acct_el, "Id", "IBAN") or _txt(acct_el, "Id", "Othr", "Id")
        if not sid or not account:
            raise _bad(st.sourceline or 0, "a statement without Id or Acct/Id")
        lines: list[BK.StatementLine] = []
        n = 0
        for ntry in _kids(st, "Ntry"):
            amt_el = _kid(ntry, "Amt")
            if amt_el is None:
                raise _bad_line(ntry.sourceline or 0, "an entry without Amt")
            sign = {"CRDT": 1, "DBIT": -1}.get(_txt(ntry, "CdtDbtInd"))
            if sign is None:
                raise _bad_line(ntry.sourceline or 0, "CdtDbtInd is not CRDT or DBIT")
            book = _camt_date(_kid(ntry, "BookgDt"), "BookgDt")
            val = _camt_date(_kid(ntry, "ValDt"), "ValDt")
            if book < 0:
                book = val
            if book < 0:
                raise _bad_line(ntry.sourceline or 0, "an entry without BookgDt or ValDt")
            val = book if val < 0 else val
            ref = _txt(ntry, "AcctSvcrRef")
            txs = [t for d in _kids(ntry, "NtryDtls") for t in _kids(d, "TxDtls")] or [None]
            own = _tx_amounts(ntry, amt_el, txs)
            for tx, a_el in zip(txs, own):
                n += 1
                if a_el is None:
                    a_el = amt_el
                cur = a_el.get("Ccy", "")
                amount = sign * _minor(a_el.text or "", cur, a_el.sourceline or 0)
                if sign > 0:  # money in: the debtor paid us
                    party, acct = "Dbtr", "DbtrAcct"
                else:
                    party, acct = "Cdtr", "CdtrAcct"
                rp = _kid(tx, "RltdPties") if tx is not None else None
                name = _txt(rp, party, "Nm") or _txt(rp, party, "Pty", "Nm")
                cp_acct = _txt(rp, acct, "Id", "IBAN") or _txt(rp, acct, "Id", "Othr", "Id")
                rmt = _kid(tx, "RmtInf") if tx is not None else None
                parts = [_text(u.text) for u in _kids(rmt, "Ustrd")] if rmt is not None else []
                if rmt is not None:
                    for s in _kids(rmt, "Strd"):
                        parts += [_txt(r, "Nb") for r in _kids(s, "RfrdDocInf")]
                        parts.append(_txt(s, "CdtrRefInf", "Ref"))
                if tx is None:
                    parts.append(_txt(ntry, "AddtlNtryInf"))
                e2e = _e2e(_txt(tx, "Refs", "EndToEndId") if tx is not None else "")
                lines.append(BK.StatementLine(
                    n, book, val, amount, cur, name, cp_acct,
                    " ".join(p for p in parts if p), e2e,
                    ref or (_txt(tx, "Refs", "AcctSvcrRef") if tx is not None else "")))
        out.append(BK.Statement(account, sid, "CAMT053", tuple(lines),
                                _kid(acct_el, "Ccy").text if _kid(acct_el, "Ccy") is not None
                                else ""))
    return _finish(out)


# ---- MT940 --------------------------------------------------------------------------------

def parse_mt940(content: bytes) -> list[BK.Statement]:
    import mt940
    _check_size(content)
    text = _decode(content).replace("\r\n", "\n").replace("\r", "\n")
    rows = text.split("\n")
    starts = [k for k, r in enumerate(rows) if r.startswith(":20:")]
    if not starts:
        raise _bad(1, "no :20: (transaction reference) tag: not an MT940 statement")
    out = []
    for s, e in zip(starts, starts[1:] + [len(rows)]):
        block = "\n".join(rows[s:e])
        try:
            tr = mt940.parse(block, options=mt940.Options(applicant_iban=True))
        except Exception as exc:  # the library raises RuntimeError/ValueError/KeyError
            raise _bad(_line_of(rows, s, e, exc), f"MT940 does not parse: "
                       f"{str(exc).splitlines()[0][:160]}") from None
        data = tr.data
        account = _text(data.get("account_identification"))
        num = _text(data.get("statement_number"))
        seq = _text(data.get("sequence_number"))
        ref = _text(data.get("transaction_reference"))
        if not account:
            raise _bad(s + 1, "a statement without :25: (account)")
        sid = f"{num}/{seq}" if num and seq else (num or ref)
        if not sid:
            raise _bad(s + 1, "a statement without :28C: or :20:")
        tag61 = [k for k in range(s, e) if rows[k].startswith(":61:")]
        lines = []
        for n, t in enumerate(tr.transactions, 1):
            d = t.data
            line = tag61[n - 1] + 1 if n - 1 < len(tag61) else s + 1
            amt = d.get("amount")
            if amt is None or d.get("date") is None:
                raise _bad_line(line, "a :61: line without amount or value date")
            cur = amt.currency or d.get("currency") or ""
            minor = _minor(amt.amount, cur, line, signed=True)
            val = _day(d["date"])
            entry = d.get("entry_date") or d["date"]
            purpose = " ".join(_text(d.get(k)) for k in ("purpose", "additional_purpose",
                                                          "transaction_details") if d.get(k))
            cref = _text(d.get("customer_reference"))
            if cref and cref != "NONREF":
                purpose = f"{purpose} {cref}".strip()
            lines.append(BK.StatementLine(
                n, _day(entry), val, minor, cur, _text(d.get("applicant_name")),
                _text(d.get("applicant_iban") or d.get("gvc_applicant_iban")), purpose,
                _e2e(_text(d.get("end_to_end_reference"))), _text(d.get("bank_reference"))))
        out.append(BK.Statement(account, sid, "MT940", tuple(lines)))
    return _finish(out)


def _e2e(v: str) -> str:
    return "" if v.upper() == "NOTPROVIDED" else v


def _line_of(rows: list[str], s: int, e: int, exc: Exception) -> int:
    """The file line a parse error of the mt-940 library is about (it names the text)."""
    for arg in getattr(exc, "args", ())[2:3] + getattr(exc, "args", ())[:1]:
        if isinstance(arg, str):
            frag = arg.strip().splitlines()[0] if arg.strip() else ""
            for k in range(s, e):
                if frag and frag[:40] in rows[k]:
                    return k + 1
    return s + 1


# ---- BAI2 ---------------------------------------------------------------------------------

def parse_bai2(content: bytes) -> list[BK.Statement]:
    from bai2 import bai2
    _check_size(content)
    text = _decode(content)
    try:
        f = bai2.parse_from_string(text, check_integrity=True)
    except Exception as exc:  # ParsingException, IntegrityException, ValueError, ...
        line = 0
        msg = str(exc)
        for k, row in enumerate(text.splitlines(), 1):
            if msg and row and row[:20] in msg:
                line = k
                break
        raise _bad(line, f"BAI2 does not parse: {msg.splitlines()[0][:160] if msg else exc!r}"
                   ) from None
    try:
        return _finish(_bai2_statements(f, text))
    except (AttributeError, TypeError, ValueError) as exc:  # a record the library left empty
        raise _bad(0, f"BAI2 record incomplete: {exc}") from None


def _bai2_statements(f: Any, text: str) -> list[BK.Statement]:
    from bai2.constants import TypeCodeTransaction
    out = []
    rows = text.splitlines()
    det = [k + 1 for k, r in enumerate(rows) if r.startswith("16,")]
    k = 0
    file_id = _text(getattr(f.header, "file_id", ""))
    for g in f.children:
        as_of = g.header.as_of_date
        gcur = g.header.currency or "USD"
        for acc in g.children:
            account = _text(acc.header.customer_account_number)
            cur = acc.header.currency or gcur
            lines = []
            for n, t in enumerate(acc.children, 1):
                line = det[k] if k < len(det) else 0
                k += 1
                sign = 1 if t.type_code.transaction == TypeCodeTransaction.credit else -1
                if cur not in MINOR_UNITS:
                    raise _bad_line(line, f"unknown currency {cur!r}")
                if not 0 < int(t.amount) <= limits.amount_minor_max:
                    raise _bad_line(line, f"amount {t.amount} is zero, signed or too large "
                                    "(the type code says credit or debit)")
                amount = sign * int(t.amount)
                day = _day(as_of)
                lines.append(BK.StatementLine(
                    n, day, day, amount, cur, "", "",
                    " ".join(x for x in (_text(t.text), _text(t.customer_reference)) if x),
                    "", _text(t.bank_reference)))
            sid = f"{file_id or 'BAI2'}:{as_of.isoformat()}"
            out.append(BK.Statement(account, sid, "BAI2", tuple(lines), cur))
    return out


# ---- CSV ------------------------------------------------------------------------------------

CSV_FIELDS = ("booking_date", "value_date", "amount", "credit", "debit", "currency",
              "counterparty_name", "counterparty_account", "remittance", "end_to_end_id",
              "bank_reference")


def parse_csv(content: bytes, mapping: Mapping[str, str], account: str,
              statement_id: str) -> list[BK.Statement]:
    _check_size(content)
    m = {k: v for k, v in mapping.items() if v}
    if not account or not statement_id:
        raise error("INVALID_COLUMN_MAPPING", "a CSV import names the account and the "
                    "statement id")
    if "booking_date" not in m or not ("amount" in m or "credit" in m or "debit" in m):
        raise error("INVALID_COLUMN_MAPPING", "the mapping names booking_date and amount "
                    "(or credit / debit)")
    fmt = m.get("date_format", "%Y-%m-%d")
    sep = m.get("decimal_separator", ".")
    delim = m.get("delimiter", ",")
    if len(delim) != 1 or sep not in (".", ","):
        raise error("INVALID_COLUMN_MAPPING", "delimiter is one character, decimal_separator "
                    "'.' or ','")
    default_cur = m.get("default_currency", "")
    reader = csv.reader(io.StringIO(_decode(content)), delimiter=delim)
    try:
        header = next(reader)
    except StopIteration:
        raise error("BAD_STATEMENT_FILE", "the file is empty", line="0") from None
    except csv.Error as exc:
        raise _bad(1, f"not CSV ({exc})") from None
    header = [h.strip() for h in header]
    col = {}
    for f in CSV_FIELDS:
        if f in m:
            if m[f] not in header:
                raise error("INVALID_COLUMN_MAPPING", f"{f}: the file has no column "
                            f"{m[f]!r}")
            col[f] = header.index(m[f])
    if "currency" not in col and default_cur not in MINOR_UNITS:
        raise error("INVALID_COLUMN_MAPPING", "no currency column and no default_currency")
    lines: list[BK.StatementLine] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise _bad(line, f"{len(row)} fields, the header has {len(header)}")

            def get(f: str) -> str:
                return row[col[f]].strip() if f in col else ""

            def date(f: str) -> int:
                v = get(f)
                try:
                    return _day(dt.datetime.strptime(v, fmt).date())
                except ValueError:
                    raise _bad_line(line, f"{f} {v[:20]!r} is not a date like {fmt}") from None

            cur = get("currency") or default_cur
            if cur not in MINOR_UNITS:
                raise _bad_line(line, f"unknown currency {cur[:8]!r}")

            def num(v: str) -> str:
                v = v.replace(" ", "")
                if sep == ",":
                    v = v.replace(".", "").replace(",", ".")
                else:
                    v = v.replace(",", "")
                return v

            if "amount" in col:
                amount = _minor(num(get("amount")), cur, line, signed=True)
            else:
                cr, db = num(get("credit")), num(get("debit"))
                if bool(cr) == bool(db):
                    raise _bad_line(line, "exactly one of credit and debit is filled")
                amount = _minor(cr, cur, line) if cr else -abs(_minor(db, cur, line))
            book = date("booking_date")
            val = date("value_date") if get("value_date") else book
            lines.append(BK.StatementLine(
                len(lines) + 1, book, val, amount, cur, get("counterparty_name"),
                get("counterparty_account"), get("remittance"), get("end_to_end_id"),
                get("bank_reference")))
    except csv.Error as exc:
        raise _bad(reader.line_num, f"not CSV ({exc})") from None
    return _finish([BK.Statement(account, statement_id, "CSV", tuple(lines))])


def parse(content: bytes, fmt: str, mapping: Mapping[str, str] | None = None,
          account: str = "", statement_id: str = "") -> list[BK.Statement]:
    """Parse a statement file of `fmt` (CAMT053, MT940, BAI2, CSV)."""
    fmt = fmt.upper().replace(".", "").replace("-", "")
    if fmt == "CAMT053":
        return parse_camt053(content)
    if fmt == "MT940":
        return parse_mt940(content)
    if fmt == "BAI2":
        return parse_bai2(content)
    if fmt == "CSV":
        return parse_csv(content, mapping or {}, account, statement_id)
    raise error("INVALID_ENUM", f"format is one of {', '.join(BK.FORMATS)}")
