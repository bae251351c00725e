"""Commands as columns: the volume path's batches, engine side.

A billing platform's stream is mostly five kinds of command: open a customer, issue an
invoice, record a payment, issue a credit note, allocate a payment. A `Batch` holds them
as columns (one table per kind: a row of int64 numbers and a row of string references
into one byte buffer; invoice lines and allocations as child tables), in submission order
(`kind`, `row`), so the compiled decider (engine/decide/volume.py) reads a whole batch
through a few arrays. Any other command rides along at its place as a protobuf message
(kind OTHER) and is decided by Python in order.

A batch comes from the wire's columnar message (`from_wire`: raw little-endian columns,
strings NUL-joined) or from row commands (`from_commands`: the row-wise RPCs, `arledger
submit`). Either way every command of the five kinds gets the same canonical payload hash
(`canonical_hashes`: XXH64 over its kind, envelope and fields in a fixed order), so a retry
is recognised whichever form it comes in. Dates are day numbers: NO_DATE where none was
given, BAD_DATE where a row's text was not a date (the Python decider then refuses it with
the exact reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from arledger.domain import money
from arledger.domain import validate as V
from arledger.domain.dates import DAY_MAX, DAY_MIN, day_to_iso
from arledger.domain.errors import LedgerError
from arledger.engine.hashing import xxh64
from arledger.engine.jit import kernel
from arledger.engine.text import nul_bounds
from arledger.v1 import commands_pb2 as pb

OTHER, OPEN_CUSTOMER, ISSUE_INVOICE, RECORD_PAYMENT, ISSUE_CREDIT_NOTE, ALLOCATE_PAYMENT = range(6)
NO_DATE = -(2**63)
BAD_DATE = -(2**63) + 1
# Currency column: the index among the ledger's currencies (filled by `resolve`), or
CUR_EMPTY, CUR_NEW, CUR_UNKNOWN = -3, -2, -1  # none given / valid but new / not ISO 4217

ADDRESS = ("line1", "line2", "city", "region", "postal_code", "country")


@dataclass(frozen=True)
class KindSpec:
    name: str                 # the Command oneof field
    nums: tuple[str, ...]     # int64 columns (message fields, or derived ones in brackets)
    strs: tuple[str, ...]     # string columns (message fields; "address.city" = nested)
    child: str = ""           # "lines" or "allocations"


SPECS: dict[int, KindSpec] = {
    OPEN_CUSTOMER: KindSpec(
        "open_customer", ("payment_terms_net_days", "credit_limit_minor", "opened_date",
                          "[currency]", "[owned]"),
        ("customer_id", "currency", "name", "billing_contact",
         *(f"address.{a}" for a in ADDRESS))),
    ISSUE_INVOICE: KindSpec(
        "issue_invoice", ("issue_date", "due_date", "amount_minor", "[currency]",
                          "[child_first]", "[child_count]", "terms_version"),
        ("invoice_id", "customer_id", "po_number", "terms_id", "currency"), "lines"),
    RECORD_PAYMENT: KindSpec(
        "record_payment", ("amount_minor", "[currency]", "method", "value_date", "strategy",
                           "[child_first]", "[child_count]"),
        ("payment_id", "customer_id", "remittance_reference", "currency"), "allocations"),
    ISSUE_CREDIT_NOTE: KindSpec(
        "issue_credit_note", ("amount_minor", "[currency]", "issue_date"),
        ("credit_note_id", "customer_id", "invoice_id", "reason_code", "currency")),
    ALLOCATE_PAYMENT: KindSpec(
        "allocate_payment", ("effective_date", "strategy", "[child_first]", "[child_count]"),
        ("payment_id",), "allocations"),
}
KIND_OF = {s.name: k for k, s in SPECS.items()}
# Column numbers, for compiled code: <KIND>_<COLUMN> (numbers) and <KIND>_S_<COLUMN> (strings).
for _k, _s in SPECS.items():
    _p = {OPEN_CUSTOMER: "OC", ISSUE_INVOICE: "II", RECORD_PAYMENT: "RP",
          ISSUE_CREDIT_NOTE: "CN", ALLOCATE_PAYMENT: "AP"}[_k]
    for _i, _n in enumerate(_s.nums):
        globals()[f"{_p}_{_n.strip('[]').upper()}"] = _i
    for _i, _n in enumerate(_s.strs):
        globals()[f"{_p}_S_{_n.replace('address.', 'address_').upper()}"] = _i
# ... declared for the type checker (tests/unit/test_typed_columns.py: the same names).
OC_PAYMENT_TERMS_NET_DAYS: int
OC_CREDIT_LIMIT_MINOR: int
OC_OPENED_DATE: int
OC_CURRENCY: int
OC_OWNED: int
OC_S_CUSTOMER_ID: int
OC_S_CURRENCY: int
OC_S_NAME: int
OC_S_BILLING_CONTACT: int
OC_S_ADDRESS_LINE1: int
OC_S_ADDRESS_LINE2: int
OC_S_ADDRESS_CITY: int
OC_S_ADDRESS_REGION: int
OC_S_ADDRESS_POSTAL_CODE: int
OC_S_ADDRESS_COUNTRY: int
II_ISSUE_DATE: int
II_DUE_DATE: int
II_AMOUNT_MINOR: int
II_CURRENCY: int
II_CHILD_FIRST: int
II_CHILD_COUNT: int
II_TERMS_VERSION: int
II_S_INVOICE_ID: int
II_S_CUSTOMER_ID: int
II_S_PO_NUMBER: int
II_S_TERMS_ID: int
II_S_CURRENCY: int
RP_AMOUNT_MINOR: int
RP_CURRENCY: int
RP_METHOD: int
RP_VALUE_DATE: int
RP_STRATEGY: int
RP_CHILD_FIRST: int
RP_CHILD_COUNT: int
RP_S_PAYMENT_ID: int
RP_S_CUSTOMER_ID: int
RP_S_REMITTANCE_REFERENCE: int
RP_S_CURRENCY: int
CN_AMOUNT_MINOR: int
CN_CURRENCY: int
CN_ISSUE_DATE: int
CN_S_CREDIT_NOTE_ID: int
CN_S_CUSTOMER_ID: int
CN_S_INVOICE_ID: int
CN_S_REASON_CODE: int
CN_S_CURRENCY: int
AP_EFFECTIVE_DATE: int
AP_STRATEGY: int
AP_CHILD_FIRST: int
AP_CHILD_COUNT: int
AP_S_PAYMENT_ID: int
# Child tables: lines (quantity, unit price; description) and allocations (amount; invoice).
LINE_NUMS, LINE_STRS = ("quantity", "unit_price_minor"), ("description",)
ALLOC_NUMS, ALLOC_STRS = ("amount_minor",), ("invoice_id",)
_DATE_FIELDS = {"opened_date", "issue_date", "due_date", "value_date", "effective_date"}


class Cols(NamedTuple):
    """A batch as compiled code reads it (string refs are (start, end) into `sbuf`)."""

    kind: np.ndarray   # int64 per command
    row: np.ndarray    # int64 per command: its row in its kind's tables
    env: np.ndarray    # int64 (n, 3, 2): request_id, actor, reason
    hash: np.ndarray   # uint64 per command: canonical payload hash (OTHER: 0)
    oc_n: np.ndarray
    oc_s: np.ndarray
    ii_n: np.ndarray
    ii_s: np.ndarray
    rp_n: np.ndarray
    rp_s: np.ndarray
    cn_n: np.ndarray
    cn_s: np.ndarray
    ap_n: np.ndarray
    ap_s: np.ndarray
    ln_n: np.ndarray   # (lines, 2): quantity, unit price
    ln_s: np.ndarray   # (lines, 1, 2): description
    al_n: np.ndarray   # (allocations, 1): amount
    al_s: np.ndarray   # (allocations, 1, 2): invoice id
    sbuf: np.ndarray   # uint8: every string's bytes


@dataclass
class Batch:
    """Commands in submission order, as columns (see the module docstring)."""

    cols: Cols
    others: list[pb.Command] = field(default_factory=list)   # kind OTHER, by row
    rows: Sequence[pb.Command] | None = None  # the row messages, when it came from them

    @property
    def n(self) -> int:
        return len(self.cols.kind)

    def command(self, i: int) -> pb.Command:
        """Command i as a protobuf message (for the Python decider)."""
        if self.rows is not None:
            return self.rows[i]
        k = int(self.cols.kind[i])
        if k == OTHER:
            return self.others[int(self.cols.row[i])]
        return _to_command(self, i, k)

    def request_id(self, i: int) -> str:
        return self.text(self.cols.env[i, 0])

    def text(self, ref: np.ndarray) -> str:
        """The text a (start, end) reference of the batch names."""
        return self.cols.sbuf[int(ref[0]):int(ref[1])].tobytes().decode(errors="replace")


# ---- building a batch ------------------------------------------------------------------------

_DAY_CACHE: dict[str, int] = {}


def _day(text: str) -> int:
    if not text:
        return NO_DATE
    d = _DAY_CACHE.get(text)
    if d is None:
        try:
            d = V.day(text, "date")
        except LedgerError:
            d = BAD_DATE
        if len(_DAY_CACHE) < 1_000_000:
            _DAY_CACHE[text] = d
    return d


def _getter(names: tuple[str, ...]) -> Any:
    """A function of a message returning the named (dotted) fields as a tuple."""
    if not names:
        return lambda m: ()
    get = attrgetter(*names)
    return (lambda m: (get(m),)) if len(names) == 1 else get


@dataclass(frozen=True)
class _Plan:
    """How from_commands reads one kind: its number columns by what fills them, its
    string fields, its children."""

    width: int
    ints: tuple[int, ...]
    get_ints: Any
    dates: tuple[int, ...]
    get_dates: Any
    get_strs: Any
    child: str
    first: int
    count: int


def _plan(spec: KindSpec) -> _Plan:
    ints = [(j, n) for j, n in enumerate(spec.nums)
            if not n.startswith("[") and n not in _DATE_FIELDS]
    dates = [(j, n) for j, n in enumerate(spec.nums) if n in _DATE_FIELDS]
    pos = {n: j for j, n in enumerate(spec.nums)}
    return _Plan(len(spec.nums), tuple(j for j, _ in ints), _getter(tuple(n for _, n in ints)),
                 tuple(j for j, _ in dates), _getter(tuple(n for _, n in dates)),
                 _getter(spec.strs), spec.child, pos.get("[child_first]", -1),
                 pos.get("[child_count]", -1))


_PLANS = {k: _plan(s) for k, s in SPECS.items()}
_ENV = attrgetter("request_id", "actor", "reason")


def _assemble(texts: list[str], kinds: list[int], rows: list[int], env_i: list[int],
              nums: dict[int, np.ndarray], firsts: dict[int, list[int]],
              ln_n: list[tuple[int, int]], ln_i: list[int], al_n: list[int],
              al_i: list[int]) -> Cols:
    """from_commands' columns: every string laid out once in one buffer, each reference
    (start, end) found from the index of the string it names."""
    joined = "".join(texts)
    if joined.isascii():  # the common case: a character is a byte
        buf = joined.encode("ascii")
        lens = np.fromiter(map(len, texts), np.int64, len(texts))
    else:
        enc = [t.encode() for t in texts]
        buf = b"".join(enc)
        lens = np.fromiter(map(len, enc), np.int64, len(enc))
    ends = np.cumsum(lens)
    ref = np.stack([ends - lens, ends], axis=1)  # (strings, 2)

    def refs(first: list[int], width: int) -> np.ndarray:
        at = np.asarray(first, np.int64).reshape(-1, 1) + np.arange(width)
        return ref[at].reshape(len(first), width, 2)

    return Cols._make([
        np.asarray(kinds, np.int64), np.asarray(rows, np.int64), refs(env_i, 3),
        np.zeros(len(kinds), np.uint64),
        *[a for k in SPECS for a in (nums[k], refs(firsts[k], len(SPECS[k].strs)))],
        np.asarray(ln_n, np.int64).reshape(len(ln_n), 2), refs(ln_i, 1),
        np.asarray(al_n, np.int64).reshape(len(al_n), 1), refs(al_i, 1),
        np.frombuffer(buf, np.uint8).copy() if buf else np.zeros(0, np.uint8)])


def from_commands(commands: list[pb.Command]) -> Batch:
    """A batch of row commands (kept, for the Python decider's exact refusals). Every string
    is gathered in order and laid out in one buffer at the end; each row keeps the index of
    its first string. The row-wise RPCs' cost is this loop, so it only reads: each kind's
    number fields come out as one tuple per command (one C call) and become a column block
    at the end, in bulk, as do the dates."""
    texts: list[str] = []
    ints: dict[int, list[tuple[Any, ...]]] = {k: [] for k in SPECS}
    dates: dict[int, list[str]] = {k: [] for k in SPECS}  # each kind's date fields, flat
    kid_at: dict[int, list[int]] = {k: [] for k in SPECS}  # first child row, per command
    kid_n: dict[int, list[int]] = {k: [] for k in SPECS}
    firsts: dict[int, list[int]] = {k: [] for k in SPECS}  # index of each row's first string
    ln_n: list[tuple[int, int]] = []
    al_n: list[int] = []
    ln_i: list[int] = []
    al_i: list[int] = []
    kinds, rows, env_i = [], [], []
    others: list[pb.Command] = []
    for cmd in commands:
        which = cmd.WhichOneof("command")
        k = KIND_OF.get(which, OTHER) if which else OTHER
        env_i.append(len(texts))
        if k == OTHER:
            kinds.append(OTHER)
            rows.append(len(others))
            others.append(cmd)
            texts.extend(_ENV(getattr(cmd, which)) if which else ("", "", ""))
            continue
        assert which is not None  # a volume kind (k), so the oneof is set
        m = getattr(cmd, which)
        texts.extend(_ENV(m))
        P = _PLANS[k]
        kinds.append(k)
        rows.append(len(firsts[k]))
        ints[k].append(P.get_ints(m))
        dates[k].extend(P.get_dates(m))
        if P.child == "lines":
            kid_at[k].append(len(ln_n))
            kid_n[k].append(len(m.lines))
            for line in m.lines:
                ln_n.append((line.quantity, line.unit_price_minor))
                ln_i.append(len(texts))
                texts.append(line.description)
        elif P.child == "allocations":
            kid_at[k].append(len(al_n))
            kid_n[k].append(len(m.allocations))
            for al in m.allocations:
                al_n.append(al.amount_minor)
                al_i.append(len(texts))
                texts.append(al.invoice_id)
        firsts[k].append(len(texts))
        texts.extend(P.get_strs(m))
    nums = {k: _numbers(_PLANS[k], ints[k], dates[k], kid_at[k], kid_n[k]) for k in SPECS}
    cols = _assemble(texts, kinds, rows, env_i, nums, firsts, ln_n, ln_i, al_n, al_i)
    return Batch(cols, others, list(commands))


def _numbers(P: _Plan, ints: list[tuple[Any, ...]], dates: list[str], kid_at: list[int],
             kid_n: list[int]) -> np.ndarray:
    """One kind's number block (rows, width) from what from_commands read: its integer
    fields as tuples, its date texts flat (each made a day number, or NO_DATE / BAD_DATE),
    and where its children start and how many there are; derived columns 0."""
    out = np.zeros((len(ints), P.width), np.int64)
    if not ints:
        return out
    if P.ints:
        out[:, P.ints] = np.array(ints, np.int64).reshape(len(ints), len(P.ints))
    if P.dates:
        out[:, P.dates] = np.fromiter(map(_day, dates), np.int64, len(dates)).reshape(
            len(ints), len(P.dates))
    if P.first >= 0:
        out[:, P.first] = kid_at
        out[:, P.count] = kid_n
    return out


def resolve(batch: Batch, currencies: list[str], owns: Any) -> None:
    """Fill the derived columns against the ledger: each currency's index among the
    ledger's currencies (or CUR_NEW / CUR_UNKNOWN / CUR_EMPTY) and whether this partition
    owns each new customer id (`owns(id) -> bool`, or None when it owns every id)."""
    c = batch.cols
    index = {code: i for i, code in enumerate(currencies)}
    for n, s, col, scol, opening in (
            (c.oc_n, c.oc_s, OC_CURRENCY, OC_S_CURRENCY, True),  # noqa: F821
            (c.ii_n, c.ii_s, II_CURRENCY, II_S_CURRENCY, False),  # noqa: F821
            (c.rp_n, c.rp_s, RP_CURRENCY, RP_S_CURRENCY, False),  # noqa: F821
            (c.cn_n, c.cn_s, CN_CURRENCY, CN_S_CURRENCY, False)):  # noqa: F821
        if not len(n):
            continue
        codes, which = _distinct_texts(c.sbuf, s[:, scol])
        n[:, col] = np.array([_currency_index(code, index, opening) for code in codes],
                             np.int64)[which]
    if len(c.oc_n) and owns is None:
        c.oc_n[:, OC_OWNED] = 1  # noqa: F821
    elif len(c.oc_n):
        ids = _texts(c.sbuf, c.oc_s[:, OC_S_CUSTOMER_ID])  # noqa: F821
        c.oc_n[:, OC_OWNED] = [1 if owns(x) else 0 for x in ids]  # noqa: F821


def _currency_index(code: str, index: dict[str, int], opening: bool) -> int:
    """An account opens only in a current ISO code; money for an existing account may be
    in the account's own currency whatever ISO did since (V.currency, V.account_currency):
    a code the ledger holds but ISO withdrew stops the loop for an opening (Python words
    the refusal) and is matched against the account's currency otherwise."""
    if not code:
        return CUR_EMPTY
    if code in index:
        if opening and code not in money.CURRENT:
            return CUR_UNKNOWN
        return index[code]
    try:
        V.currency(code)
    except LedgerError:
        return CUR_UNKNOWN
    return CUR_NEW


_FEW = 32


@kernel
def _few_short(sbuf, refs, which, first, keys):
    """The common case of `_distinct_texts` in one pass: every text at most 7 bytes (packed
    into a 64-bit key with its length) and at most _FEW distinct ones (a column of currency
    codes); `which` per row, `first` row of each distinct text. -1 when the column is not
    such a one (the caller takes the general path). `keys`: room for _FEW uint64."""
    nd = 0
    for i in range(refs.shape[0]):
        a, b = refs[i, 0], refs[i, 1]
        n = b - a
        if a < 0 or n < 0 or n > 7 or b > len(sbuf):
            return -1
        key = np.uint64(n)
        for k in range(7):
            byte = sbuf[a + k] if k < n else 0
            key = (key << np.uint64(8)) | np.uint64(byte)
        j = 0
        while j < nd and keys[j] != key:
            j += 1
        if j == nd:
            if nd == len(keys):
                return -1
            keys[nd] = key
            first[nd] = i
            nd += 1
        which[i] = j
    return nd


def _distinct_texts(sbuf: np.ndarray, refs: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The distinct texts of a column of (start, end) refs and, per row, which of them it
    is; each distinct text decoded once (a column of currency codes has a handful: one
    compiled pass; anything else, in Python)."""
    if len(refs):
        which = np.empty(len(refs), np.int64)
        first = np.empty(_FEW, np.int64)
        nd = _few_short(sbuf, refs, which, first, np.empty(_FEW, np.uint64))
        if nd >= 0:
            raw = sbuf.tobytes()
            return [raw[int(refs[i, 0]):int(refs[i, 1])].decode(errors="replace")
                    for i in first[:nd].tolist()], which
    texts = _texts(sbuf, refs)
    distinct = sorted(set(texts))
    at = {t: i for i, t in enumerate(distinct)}
    return distinct, np.array([at[t] for t in texts], np.int64)


def _texts(sbuf: np.ndarray, refs: np.ndarray) -> list[str]:
    raw = sbuf.tobytes()
    return [raw[int(a):int(b)].decode(errors="replace") for a, b in refs]


# ---- the canonical payload hash ----------------------------------------------------------------

@kernel
def _put_int(buf, p, v):
    u = np.uint64(v)
    for k in range(8):
        buf[p + k] = np.uint8((u >> np.uint64(8 * k)) & np.uint64(255))
    return p + 8


@kernel
def _put_str(buf, p, sbuf, a, b):
    p = _put_int(buf, p, b - a)
    for k in range(a, b):
        buf[p] = sbuf[k]
        p += 1
    return p


@kernel
def _hash_row(C, i, buf, nums, strs, child_n, child_s, first_col, count_col):
    p = _put_int(buf, 0, C.kind[i])
    for j in range(1, 3):  # actor, reason (the request id names the command, not its payload)
        p = _put_str(buf, p, C.sbuf, C.env[i, j, 0], C.env[i, j, 1])
    r = C.row[i]
    for j in range(nums.shape[1]):
        if j != first_col:  # where its children sit in the batch is not payload
            p = _put_int(buf, p, nums[r, j])
    for j in range(strs.shape[1]):
        p = _put_str(buf, p, C.sbuf, strs[r, j, 0], strs[r, j, 1])
    if count_col >= 0:
        for c in range(nums[r, first_col], nums[r, first_col] + nums[r, count_col]):
            for j in range(child_n.shape[1]):
                p = _put_int(buf, p, child_n[c, j])
            p = _put_str(buf, p, C.sbuf, child_s[c, 0, 0], child_s[c, 0, 1])
    return xxh64(buf, 0, p, np.uint64(0x61726C6564676572))


@kernel
def _canonical_hashes(C, buf):
    for i in range(len(C.kind)):
        k = C.kind[i]
        if k == OPEN_CUSTOMER:
            C.hash[i] = _hash_row(C, i, buf, C.oc_n, C.oc_s, C.ln_n, C.ln_s, -1, -1)
        elif k == ISSUE_INVOICE:
            C.hash[i] = _hash_row(C, i, buf, C.ii_n, C.ii_s, C.ln_n, C.ln_s, 4, 5)
        elif k == RECORD_PAYMENT:
            C.hash[i] = _hash_row(C, i, buf, C.rp_n, C.rp_s, C.al_n, C.al_s, 5, 6)
        elif k == ISSUE_CREDIT_NOTE:
            C.hash[i] = _hash_row(C, i, buf, C.cn_n, C.cn_s, C.al_n, C.al_s, -1, -1)
        elif k == ALLOCATE_PAYMENT:
            C.hash[i] = _hash_row(C, i, buf, C.ap_n, C.ap_s, C.al_n, C.al_s, 2, 3)


def canonical_hashes(batch: Batch) -> None:
    """Hash every command of the five kinds (derived columns are zero while hashing: the
    hash is of what the caller sent). Other kinds keep 0: the Python decider hashes them."""
    c = batch.cols
    saved = [(n, col, n[:, col].copy()) for n, col in (
        (c.oc_n, OC_CURRENCY), (c.oc_n, OC_OWNED), (c.ii_n, II_CURRENCY),  # noqa: F821
        (c.rp_n, RP_CURRENCY), (c.cn_n, CN_CURRENCY))]  # noqa: F821
    for n, col, _ in saved:
        n[:, col] = 0
    children = len(c.ln_n) + len(c.al_n)
    width = max(len(SPECS[k].nums) + len(SPECS[k].strs) for k in SPECS) + 8
    size = len(c.sbuf) + 8 * (width + 3 * children + 8)
    _canonical_hashes(c, np.empty(max(size, 64), np.uint8))
    for n, col, old in saved:
        n[:, col] = old
    # A command of the five kinds sent whole among `commands` (a client may) hashes as if
    # it came as columns, so that its retry, sent either way, is recognised.
    for i in np.flatnonzero(c.kind == OTHER).tolist():
        cmd = batch.command(i)
        if cmd.WhichOneof("command") in KIND_OF:
            one = from_commands([cmd])
            canonical_hashes(one)
            c.hash[i] = one.cols.hash[0]


# ---- back to a message (the Python decider's view of a columnar command) -------------------

def _iso(day: int) -> str:
    if day == NO_DATE:
        return ""
    if day == BAD_DATE or not DAY_MIN <= day <= DAY_MAX:
        return f"day {day}"  # refused as MALFORMED_DATE, naming the number sent
    return day_to_iso(day)


def _to_command(batch: Batch, i: int, k: int) -> pb.Command:
    c = batch.cols
    spec = SPECS[k]
    r = int(c.row[i])
    nums = {OPEN_CUSTOMER: c.oc_n, ISSUE_INVOICE: c.ii_n, RECORD_PAYMENT: c.rp_n,
            ISSUE_CREDIT_NOTE: c.cn_n, ALLOCATE_PAYMENT: c.ap_n}[k][r]
    strs = {OPEN_CUSTOMER: c.oc_s, ISSUE_INVOICE: c.ii_s, RECORD_PAYMENT: c.rp_s,
            ISSUE_CREDIT_NOTE: c.cn_s, ALLOCATE_PAYMENT: c.ap_s}[k][r]
    msg = getattr(pb.Command(), spec.name).__class__()
    msg.request_id = batch.text(c.env[i, 0])
    msg.actor = batch.text(c.env[i, 1])
    msg.reason = batch.text(c.env[i, 2])
    for j, name in enumerate(spec.strs):
        value = batch.text(strs[j])
        if name.startswith("address."):
            setattr(msg.address, name[8:], value)
        else:
            setattr(msg, name, value)
    first = count = 0
    for j, name in enumerate(spec.nums):
        v = int(nums[j])
        if name == "[child_first]":
            first = v
        elif name == "[child_count]":
            count = v
        elif name.startswith("["):
            continue
        elif name in _DATE_FIELDS:
            setattr(msg, name, _iso(v))
        else:
            try:
                setattr(msg, name, v)
            except ValueError:  # out of the field's range: refused on the nearest value
                setattr(msg, name, -1 if v < 0 else 2**31 - 1)
    if spec.child == "lines":
        for q in range(first, first + count):
            msg.lines.add(description=batch.text(c.ln_s[q, 0]), quantity=int(c.ln_n[q, 0]),
                          unit_price_minor=int(c.ln_n[q, 1]))
    elif spec.child == "allocations":
        for q in range(first, first + count):
            msg.allocations.add(invoice_id=batch.text(c.al_s[q, 0]),
                                amount_minor=int(c.al_n[q, 0]))
    return pb.Command(**{spec.name: msg})


def bounds(data: bytes, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start/end of the n NUL-separated strings of a wire column; ValueError if not n."""
    starts, ends = np.empty(n, np.int64), np.empty(n, np.int64)
    buf = np.frombuffer(data, np.uint8) if data else np.zeros(0, np.uint8)
    if not nul_bounds(buf, n, starts, ends):
        raise ValueError(f"{n} strings expected")
    return starts, ends


# ---- from the wire -------------------------------------------------------------------------------

_WIRE = {  # kind -> (message field, number columns by spec name, string columns, children)
    OPEN_CUSTOMER: ("open_customer", {"payment_terms_net_days": "payment_terms_net_days",
                                      "credit_limit_minor": "credit_limit_minor",
                                      "opened_date": "opened_day"},
                    {"customer_id": "customer_id", "currency": "currency", "name": "name",
                     "billing_contact": "billing_contact",
                     **{f"address.{a}": f"address_{a}" for a in ADDRESS}}, None),
    ISSUE_INVOICE: ("issue_invoice", {"issue_date": "issue_day", "due_date": "due_day",
                                      "amount_minor": "amount_minor",
                                      "terms_version": "terms_version"},
                    {"invoice_id": "invoice_id", "customer_id": "customer_id",
                     "po_number": "po_number", "terms_id": "terms_id", "currency": "currency"},
                    ("line_count", ("line_quantity", "line_unit_price_minor"),
                     "line_description")),
    RECORD_PAYMENT: ("record_payment", {"amount_minor": "amount_minor", "method": "method",
                                        "value_date": "value_day", "strategy": "strategy"},
                     {"payment_id": "payment_id", "customer_id": "customer_id",
                      "remittance_reference": "remittance_reference", "currency": "currency"},
                     ("allocation_count", ("allocation_amount_minor",),
                      "allocation_invoice_id")),
    ISSUE_CREDIT_NOTE: ("issue_credit_note", {"amount_minor": "amount_minor",
                                              "issue_date": "issue_day"},
                        {"credit_note_id": "credit_note_id", "customer_id": "customer_id",
                         "invoice_id": "invoice_id", "reason_code": "reason_code",
                         "currency": "currency"}, None),
    ALLOCATE_PAYMENT: ("allocate_payment", {"effective_date": "effective_day",
                                            "strategy": "strategy"},
                       {"payment_id": "payment_id"},
                       ("allocation_count", ("allocation_amount_minor",),
                        "allocation_invoice_id")),
}


def _malformed(what: str) -> LedgerError:
    from arledger.domain.errors import error
    return error("MALFORMED_BATCH", what)


class _Parts:
    """String columns gathered into one buffer."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def strings(self, data: bytes, n: int, what: str) -> np.ndarray:
        """(n, 2) references of a NUL-joined column (empty bytes: n empty strings)."""
        if not data and n != 1:
            return np.zeros((n, 2), np.int64) + self.size
        if not data.isascii():  # the row path's strings are UTF-8 by protobuf's rules
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as err:
                raise _malformed(f"{what}: not UTF-8 (byte {err.start})") from None
        try:
            s, e = bounds(data, n)
        except ValueError:
            raise _malformed(f"{what}: expected {n} NUL-separated strings") from None
        out = np.stack([s, e], axis=1) + self.size
        self.chunks.append(data)
        self.size += len(data)
        return out


def _ints(data: bytes, n: int, what: str) -> np.ndarray:
    if len(data) != 8 * n:
        if not data:  # an empty column: every value 0 (or "not given" for a date)
            return np.full(n, NO_DATE if what.endswith("_day") else 0, np.int64)
        raise _malformed(f"{what}: expected {n} int64 values ({8 * n} bytes), got "
                         f"{len(data)} bytes")
    return np.frombuffer(data, "<i8").astype(np.int64)


def _child_counts(cols: Any, field_name: str, count_col: str, first_child_col: str,
                  rows: int) -> tuple[np.ndarray, int]:
    """Each row's child count, and their total: summed in Python ints (an int64 sum of
    hostile counts wraps around) and held to the child rows the message carries, so that
    no count points past them."""
    per = _ints(getattr(cols, count_col), rows, f"{field_name}.{count_col}")
    if (per < 0).any():
        raise _malformed(f"{field_name}.{count_col}: negative")
    total = sum(per.tolist())
    carried = len(getattr(cols, first_child_col)) // 8
    if total != carried:
        raise _malformed(f"{field_name}.{count_col}: the counts add up to {total} but "
                         f"{carried} child rows were sent")
    return per, total


def from_wire(msg: Any) -> Batch:
    """A batch from a ColumnarBatch message (columnar.proto); MALFORMED_BATCH when its
    columns do not add up."""
    kinds = np.frombuffer(msg.kinds, np.uint8).astype(np.int64)
    n = len(kinds)
    if n and int(kinds.max()) > ALLOCATE_PAYMENT:
        raise _malformed("kinds: a kind byte is not 0..5")
    parts = _Parts()
    env = np.stack([parts.strings(msg.request_ids, n, "request_ids"),
                    parts.strings(msg.actors, n, "actors"),
                    parts.strings(msg.reasons, n, "reasons")], axis=1)
    rows = np.zeros(n, np.int64)
    counts = np.bincount(kinds, minlength=6)
    for k in range(6):
        m = kinds == k
        rows[m] = np.arange(int(counts[k]))
    if int(counts[OTHER]) != len(msg.commands):
        raise _malformed(f"{int(counts[OTHER])} COLUMNAR_COMMAND kinds but "
                         f"{len(msg.commands)} commands")
    tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    kids: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"lines": [], "allocations": []}
    kid_rows = {"lines": 0, "allocations": 0}
    for k, (field_name, num_cols, str_cols, child) in _WIRE.items():
        spec = SPECS[k]
        rows_k = int(counts[k])
        cols = getattr(msg, field_name)
        num = np.zeros((rows_k, len(spec.nums)), np.int64)
        for j, name in enumerate(spec.nums):
            if name in num_cols:
                num[:, j] = _ints(getattr(cols, num_cols[name]), rows_k,
                                  f"{field_name}.{num_cols[name]}")
        strs = np.zeros((rows_k, len(spec.strs), 2), np.int64)
        for j, name in enumerate(spec.strs):
            strs[:, j] = parts.strings(getattr(cols, str_cols[name]), rows_k,
                                       f"{field_name}.{str_cols[name]}")
        if child is not None:
            count_col, child_nums, child_str = child
            per, total = _child_counts(cols, field_name, count_col, child_nums[0], rows_k)
            which = spec.child
            num[:, spec.nums.index("[child_first]")] = \
                kid_rows[which] + np.concatenate(([0], np.cumsum(per)[:-1])) if rows_k else 0
            num[:, spec.nums.index("[child_count]")] = per
            kn = np.stack([_ints(getattr(cols, c), total, f"{field_name}.{c}")
                           for c in child_nums], axis=1).reshape(total, len(child_nums))
            ks = parts.strings(getattr(cols, child_str), total,
                               f"{field_name}.{child_str}").reshape(total, 1, 2)
            kids[which].append((kn, ks))
            kid_rows[which] += total
        tables[k] = (num, strs)

    def joined(which: str, width: int) -> tuple[np.ndarray, np.ndarray]:
        if not kids[which]:
            return np.zeros((0, width), np.int64), np.zeros((0, 1, 2), np.int64)
        return (np.concatenate([a for a, _ in kids[which]]),
                np.concatenate([b for _, b in kids[which]]))

    ln_n, ln_s = joined("lines", 2)
    al_n, al_s = joined("allocations", 1)
    sbuf = np.frombuffer(b"".join(parts.chunks), np.uint8).copy() if parts.size \
        else np.zeros(0, np.uint8)
    cols = Cols._make([kinds, rows, env, np.zeros(n, np.uint64),
                       *[a for k in SPECS for a in tables[k]], ln_n, ln_s, al_n, al_s, sbuf])
    return Batch(cols, list(msg.commands))
