"""Real-format bank statement samples the tests write (no fixture files): CAMT.053
(camt.053.001.02 layout), MT940 (with the German GVC/SEPA :86: subfields), BAI2 and CSV,
each from a list of `Pay` rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Pay:
    amount: str             # major units, e.g. "1690.00"; a leading "-" is a debit
    name: str = ""
    iban: str = ""
    remittance: str = ""
    e2e: str = ""
    date: str = "2026-02-02"
    ref: str = ""


def camt053(rows: list[Pay], stmt_id: str = "STMT-1", iban: str = "DE89370400440532013000",
            ccy: str = "EUR") -> bytes:
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}">\n<BkToCstmrStmt>',
           "<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-02-03T06:00:00</CreDtTm></GrpHdr>",
           f"<Stmt><Id>{stmt_id}</Id><CreDtTm>2026-02-03T06:00:00</CreDtTm>",
           f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{ccy}</Ccy></Acct>"]
    for k, p in enumerate(rows):
        ind = "DBIT" if p.amount.startswith("-") else "CRDT"
        amt = p.amount.lstrip("-")
        party, acct = ("Dbtr", "DbtrAcct") if ind == "CRDT" else ("Cdtr", "CdtrAcct")
        out.append(
            f"<Ntry><Amt Ccy=\"{ccy}\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{p.date}</Dt></BookgDt><ValDt><Dt>{p.date}</Dt></ValDt>"
            f"<AcctSvcrRef>{p.ref or f'BREF{k + 1}'}</AcctSvcrRef>"
            "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
            "</Domn></BkTxCd><NtryDtls><TxDtls>"
            f"<Refs><EndToEndId>{p.e2e or 'NOTPROVIDED'}</EndToEndId></Refs>"
            f"<RltdPties><{party}><Nm>{p.name}</Nm></{party}>"
            f"<{acct}><Id><IBAN>{p.iban}</IBAN></Id></{acct}></RltdPties>"
            f"<RmtInf><Ustrd>{p.remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    out.append("</Stmt></BkToCstmrStmt></Document>\n")
    return "\n".join(out).encode()


def mt940(rows: list[Pay], number: str = "00001", account: str = "DE89370400440532013000",
          ccy: str = "EUR") -> bytes:
    out = [":20:STARTUMS", f":25:{account}", f":28C:{number}/001",
           f":60F:C260201{ccy}1000,00"]
    for p in rows:
        d = p.date.replace("-", "")[2:]
        mark = "D" if p.amount.startswith("-") else "C"
        amt = p.amount.lstrip("-").replace(".", ",")
        out.append(f":61:{d}{d[2:]}{mark}{amt}NTRFNONREF//{p.ref or 'BREF'}")
        svwz = p.remittance[:27]
        rest = p.remittance[27:]
        sub = f"?00GUTSCHRIFT?20EREF+{p.e2e or 'NOTPROVIDED'}?21SVWZ+{svwz}"
        if rest:
            sub += f"?22{rest}"
        sub += f"?30COBADEFFXXX?31{p.iban}?32{p.name[:27]}"
        out.append(f":86:166{sub}")
    out += [f":62F:C260202{ccy}1000,00", "-"]
    return ("\r\n".join(out) + "\r\n").encode("latin-1")


def bai2(rows: list[Pay], account: str = "0975312468", ccy: str = "USD") -> bytes:
    lines = ["01,BANKID,ARLEDGER,260202,0600,1,,,2/", f"02,ARLEDGER,BANKID,1,260202,,{ccy},2/",
             f"03,{account},{ccy},010,100000,,/"]
    total = 100000
    for k, p in enumerate(rows):
        code = "475" if p.amount.startswith("-") else "195"
        cents = int(round(float(p.amount.lstrip("-")) * 100))
        total += cents
        text = " ".join(x for x in (p.name, p.remittance) if x)
        lines.append(f"16,{code},{cents},0,{p.ref or f'BREF{k + 1}'},CREF{k + 1},{text}")
    n = len(lines) - 2 + 1
    lines.append(f"49,{total},{n}/")
    lines.append(f"98,{total},1,{n + 2}/")
    lines.append(f"99,{total},1,{n + 4}/")
    return ("\n".join(lines) + "\n").encode()


def csv_file(rows: list[Pay], ccy: str = "EUR") -> bytes:
    out = ["Date;Amount;Currency;Payer;IBAN;Purpose;E2E"]
    for p in rows:
        d = p.date.split("-")
        out.append(f"{d[2]}.{d[1]}.{d[0]};{p.amount.replace('.', ',')};{ccy};{p.name};"
                   f"{p.iban};{p.remittance};{p.e2e}")
    return ("\n".join(out) + "\n").encode()


CSV_MAPPING = {"booking_date": "Date", "amount": "Amount", "currency": "Currency",
               "counterparty_name": "Payer", "counterparty_account": "IBAN",
               "remittance": "Purpose", "end_to_end_id": "E2E", "date_format": "%d.%m.%Y",
               "decimal_separator": ",", "delimiter": ";"}
