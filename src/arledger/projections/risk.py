"""Portfolio risk, vectorised over every customer: features, scores, explanations,
calibration (IRLS logistic regression, AUC, calibration table) and the provision matrix.

Everything here reads the state's columns and its movement journal, masked to an `as_of`
day and a known segment like the other views (projections/views.py); nothing reads the
clock, and nothing loops in Python per customer or per invoice. Scores are derived data:
computing them changes nothing in the state (RiskService records a re-score as its own
log entry, which moves no money).

The feature projection is float32, one contiguous row per feature (`Portfolio.X`, shape
features x customers): 44 bytes per customer for the eleven features, plus exposure
(int64), currency (int16), the dunning level (int16) and two flags: 58 bytes in all.
Scoring walks it in cache-sized chunks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from arledger.domain import entries as E
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import error
from arledger.domain.risk_models import BUILTIN, FEATURES, parse_model
from arledger.engine.amounts import installment_rows, known_position, open_amounts
from arledger.engine.promises import PROMISE_ACTIVE, PROMISE_BROKEN, promise_status
from arledger.engine.state import J_CASH, J_INVOICE, State, request_of
from arledger.projections import views
from arledger.projections.views import limits_as_of

F32 = np.float32
LAST_SETTLED_N = 6        # avg_days_late / late_trend look at this many settled invoices
YEAR_DAYS = 365
DEFAULT_DAYS = 90         # "over 90 days past due" (the calibration outcome)
CHUNK = 1 << 15           # customers per scoring chunk: 10 features x 32k x 4 B stay in L2
_ISSUED = E.BY_NAME["InvoiceIssued"].code
_VOIDED = E.BY_NAME["InvoiceVoided"].code
_WRITTEN_OFF = E.BY_NAME["InvoiceWrittenOff"].code
_REVERSED = E.BY_NAME["PaymentReversed"].code
FEATURE_INDEX = {f: i for i, f in enumerate(FEATURES)}


# ---- features ------------------------------------------------------------------------------

@dataclass
class Portfolio:
    """The feature projection of every customer as of a day (customer index = column)."""

    as_of: int
    known_seq: int
    X: np.ndarray          # float32 (len(FEATURES), n), one C-contiguous row per feature
    exposure: np.ndarray   # int64 minor units: max(balance, 0)
    currency: np.ndarray   # int16 currency code of the state (S.currencies)
    scored: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # opened by as_of
    # For the worklist's filters (promises and dunning, where the state has them).
    active_promise: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    dunning_level: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))

    @property
    def n(self) -> int:
        return self.X.shape[1]

    def feature(self, name: str) -> np.ndarray:
        return self.X[FEATURE_INDEX[name]]

    @property
    def nbytes(self) -> int:
        return (self.X.nbytes + self.exposure.nbytes + self.currency.nbytes
                + self.scored.nbytes + self.active_promise.nbytes + self.dunning_level.nbytes)


def _sum_int(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of `values` grouped by `index` (bincount would go through float)."""
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, index, values)
    return out


JOURNAL_CHUNK = 1 << 20  # journal rows per step of the features pass


@dataclass(frozen=True)
class _JournalFacts:
    """What the features read from the journal: per invoice and per customer."""

    open: np.ndarray            # per invoice: open amount (int64 minor units)
    disputed: np.ndarray        # per invoice: open disputed part
    last_day: np.ndarray        # per invoice: the last day a row moved it
    issued: np.ndarray          # per invoice: flags
    voided: np.ndarray
    written_off: np.ndarray
    balance: np.ndarray         # per customer: open invoices - unapplied cash and credit
    reversals: np.ndarray       # per customer: payment reversals in the year up to as_of
    write_offs: np.ndarray      # per customer: write-offs in that year


def _journal_pass(S: State, as_of: int, known_seq: int) -> _JournalFacts:
    """One pass over the journal rows effective by `as_of` and known by `known_seq`, in
    chunks of rows (so the transient memory is per invoice and per customer, not per row):

    per invoice: the last day a row moved it, and whether it was issued / voided / written
    off; per customer: payment reversals and write-offs in the year up to `as_of`. (Open
    amounts, disputed parts and balances are the engine's `open_amounts`, as everywhere.)
    """
    ni, n = S.invoices.n, S.customers.n
    last_day = np.full(ni, np.iinfo(np.int32).min, dtype=np.int32)
    flags = np.zeros(ni, dtype=np.uint8)  # 1 issued, 2 voided, 4 written off
    reversals = np.zeros(n, dtype=np.int64)
    write_offs = np.zeros(n, dtype=np.int64)
    j = S.journal
    for lo in range(0, j.n, JOURNAL_CHUNK):
        hi = min(lo + JOURNAL_CHUNK, j.n)
        day = j.day[lo:hi]
        m = (day <= as_of) & (j.seq[lo:hi] <= known_seq)
        kind, cust = j.kind[lo:hi][m], j.customer[lo:hi][m]
        day, delta, etype = day[m], j.delta[lo:hi][m], j.etype[lo:hi][m]
        inv = kind == J_INVOICE
        it, et, ic = j.item[lo:hi][m][inv], etype[inv], cust[inv]
        np.maximum.at(last_day, it, day[inv])
        for bit, code in ((1, _ISSUED), (2, _VOIDED), (4, _WRITTEN_OFF)):
            flags[it[et == code]] |= bit
        recent = day > as_of - YEAR_DAYS
        # A reversal writes the payment's own J_CASH row (delta < 0) and one row per
        # allocation it undoes (delta > 0), all with its entry type: count the first only.
        rv = recent & (kind == J_CASH) & (etype == _REVERSED) & (delta < 0)
        reversals += np.bincount(cust[rv], minlength=n)
        wo = recent[inv] & (et == _WRITTEN_OFF)
        write_offs += np.bincount(ic[wo], minlength=n)
    o = open_amounts(S, as_of, known_seq, None)
    open_ = np.zeros(ni, dtype=np.int64)
    open_[o.invoices] = o.invoice_open
    disputed = np.zeros(ni, dtype=np.int64)
    disputed[o.invoices] = o.invoice_disputed
    balance = np.zeros(n, dtype=np.int64)
    np.add.at(balance, S.invoices.customer[o.invoices], o.invoice_open)
    np.subtract.at(balance, S.payments.customer[o.payments], o.payment_unapplied)
    np.subtract.at(balance, S.credit_notes.customer[o.credit_notes], o.credit_unapplied)
    return _JournalFacts(open_, disputed, last_day, (flags & 1) > 0, (flags & 2) > 0,
                         (flags & 4) > 0, balance, reversals, write_offs)


def features(S: State, as_of: int, known_seq: int | None = None) -> Portfolio:
    """Every customer's features as of `as_of` (as known at segment `known_seq`, default the
    head), vectorised over the journal. docs/risk.md defines each feature."""
    ks = S.head_seq if known_seq is None else known_seq
    n = S.customers.n
    st = _journal_pass(S, as_of, ks)
    inv = S.invoices
    cust_of = inv.view("customer").astype(np.int64)
    due = inv.view("due_day").astype(np.int64)
    open_i = st.open
    # Past due per installment (like aging and PAST_DUE): an open invoice's open amount
    # settles its installments in due order, each with its own due day.
    op = np.flatnonzero(open_i > 0)
    rows = installment_rows(S, op, open_i[op], np.zeros(len(op), np.int64))
    r_cust = cust_of[rows.invoice]
    r_open = rows.open.astype(np.float64)
    r_due = rows.due_day.astype(np.int64)
    # Float sums are fine here: the features are ratios (the exposure stays exact int64).
    open_c = _f64_sum(r_cust, r_open, n)
    overdue_c = _f64_sum(r_cust, np.where(r_due < as_of, r_open, 0.0), n)
    wdpd_c = _f64_sum(r_cust, r_open * np.maximum(as_of - r_due, 0), n)
    disp_c = _f64_sum(cust_of, st.disputed, n)
    ndisp_c = np.bincount(cust_of[st.disputed > 0], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        has = open_c > 0
        share_pd = np.where(has, overdue_c / np.where(has, open_c, 1), 0.0)
        wdpd = np.where(has, wdpd_c / np.where(has, open_c, 1), 0.0)
        disp_share = np.where(has, disp_c / np.where(has, open_c, 1), 0.0)

    avg_late, trend = _lateness(st, cust_of, due, n)

    reversals, write_offs, balance = st.reversals, st.write_offs, st.balance
    # The limit in force as of as_of, as known at the segment (not today's).
    limit = limits_as_of(S, as_of, ks).astype(np.float64)
    util = np.clip(np.divide(balance.astype(np.float64), limit, out=np.zeros(n), where=limit > 0),
                   -1.0, 5.0)
    opened = S.customers.view("opened_day").astype(np.int64)
    age = np.maximum(as_of - opened, 0) / YEAR_DAYS

    broken, active, level = _collections(S, as_of, ks, n, open_i, cust_of)

    X = np.empty((len(FEATURES), n), dtype=F32)
    for name, v in (("share_past_due", share_pd), ("weighted_days_past_due", wdpd),
                    ("avg_days_late", avg_late), ("late_trend", trend),
                    ("open_disputes", ndisp_c), ("disputed_share", disp_share),
                    ("reversals_365d", reversals), ("write_offs_365d", write_offs),
                    ("utilisation", util), ("account_age_years", age),
                    ("broken_promises", broken)):
        X[FEATURE_INDEX[name]] = v
    return Portfolio(as_of, ks, X, np.maximum(balance, 0),
                     S.customers.view("currency").astype(np.int16), opened <= as_of,
                     active, level)


def _lateness(st: _JournalFacts, cust_of: np.ndarray, due: np.ndarray,
             n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per customer: the average days late of its last LAST_SETTLED_N settled invoices,
    and the trend (the newer half's average minus the older half's)."""
    # Settled invoices: issued, not voided, never written off, nothing open, moved after issue.
    # The settlement day is the last day a row moved the invoice (its running sum ends at 0
    # there; every earlier zero was reopened by a later row).
    settled = st.issued & ~st.voided & ~st.written_off & (st.open == 0)
    six = np.flatnonzero(settled)
    late = (st.last_day[six] - due[six]).astype(np.float64)
    sc = cust_of[six]
    order = np.lexsort((six, st.last_day[six], sc))  # by customer, then settlement day
    sc, late = sc[order], late[order]
    cnt = np.bincount(sc, minlength=n)
    ends = np.cumsum(cnt)
    r = ends[sc] - 1 - np.arange(len(sc))        # 0 = the customer's latest settlement
    k = np.minimum(cnt, LAST_SETTLED_N)
    keep = r < k[sc]
    avg_late = np.divide(np.bincount(sc[keep], late[keep], minlength=n), k,
                         out=np.zeros(n), where=k > 0)
    h = k // 2
    newer = keep & (r < h[sc])
    older = keep & (r >= (k - h)[sc])
    with np.errstate(divide="ignore", invalid="ignore"):
        trend = np.where(h > 0, np.bincount(sc[newer], late[newer], minlength=n) / np.maximum(h, 1)
                         - np.bincount(sc[older], late[older], minlength=n) / np.maximum(h, 1), 0.0)
    return avg_late, trend


def _collections(S: State, as_of: int, known_seq: int, n: int, open_i: np.ndarray,
                 cust_of: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer, from promises and dunning, both clocks applied: promises
    made by as_of and recorded by the known segment that are broken as of it, whether one is
    still active, and the highest dunning level taken (effective by as_of, recorded by the
    known segment) on an invoice that is still open."""
    broken = np.zeros(n, dtype=np.int64)
    active = np.zeros(n, dtype=bool)
    level = np.zeros(n, dtype=np.int16)
    P = getattr(S, "promises", None)
    if P is not None and P.n:
        ps = promise_status(S, as_of, known_seq)
        known = ps.known  # made by as_of and recorded by the known segment
        cust = P.view("customer").astype(np.int64)
        broken = np.bincount(cust[known & (ps.status == PROMISE_BROKEN)], minlength=n)
        active[cust[known & (ps.status == PROMISE_ACTIVE)]] = True
    D = getattr(S, "dunning_steps", None)
    if D is not None and D.n:
        m = (D.view("day") <= as_of) & (D.view("pos") <= known_position(S, known_seq))
        inv = D.view("invoice")[m]
        still = open_i[inv] > 0
        np.maximum.at(level, cust_of[inv[still]], D.view("level")[m][still].astype(np.int16))
    return broken, active, level


def _f64_sum(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(index, np.asarray(values, dtype=np.float64), minlength=n)


# ---- the model ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Model:
    """A logistic model as data (domain/risk_models.py has the format)."""

    version: str
    data: dict
    rows: np.ndarray       # indexes of the model's features in FEATURES
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    lgd: float

    @classmethod
    def from_json(cls, text: str, version: str | None = None) -> Model:
        d = parse_model(text, version)
        return cls(str(d.get("version", version or "")), d,
                   np.asarray([FEATURE_INDEX[f] for f in d["features"]], dtype=np.int64),
                   np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   np.asarray(d["coefficients"], float), float(d["intercept"]),
                   float(d["loss_given_default"]))

    @property
    def features(self) -> list[str]:
        return list(self.data["features"])

    def linear(self) -> tuple[np.ndarray, np.float32]:
        """Raw-feature weights and bias in float32: z = bias + sum w_k x_k."""
        w = self.coef / self.scale
        return w.astype(F32), F32(self.intercept - float(np.sum(w * self.mean)))

    def to_json(self) -> str:
        return json.dumps(self.data, sort_keys=True, separators=(",", ":"))


def model_of(S: State, version: str) -> Model:
    """A registered (or built-in) model version; UNKNOWN_MODEL_VERSION otherwise."""
    text = BUILTIN.get(version)
    if text is None:
        ix = S.risk_model_ix.get(version)
        if ix is None:
            raise error("UNKNOWN_MODEL_VERSION", f"no risk model {version!r}")
        text = S.risk_model_json[ix]
    return Model.from_json(text, version)


def score(model: Model, X: np.ndarray, out: np.ndarray | None = None,
          chunk: int = CHUNK, threads: int = 1) -> np.ndarray:
    """Probability of default (float32) for every column of X, in cache-sized chunks, on
    `threads` threads (numpy releases the GIL inside each operation).

    Every customer's result depends only on its own column, with the same operations in
    the same order whatever the chunking or threading, so a score is bit-for-bit
    reproducible.
    """
    n = X.shape[1]
    pd = np.empty(n, dtype=F32) if out is None else out
    w, b = model.linear()
    # -z is accumulated directly (negated weights): one pass fewer than negating z.
    nw = [F32(-x) for x in w.tolist()]
    nb = F32(-b)
    rows = model.rows.tolist()

    def run(span: tuple[int, int]) -> None:
        start, stop = span
        tmp = np.empty(min(chunk, max(stop - start, 1)), dtype=F32)
        for lo in range(start, stop, chunk):
            hi = min(lo + chunk, stop)
            z = pd[lo:hi]
            t = tmp[: hi - lo]
            np.multiply(X[rows[0], lo:hi], nw[0], out=z)
            for wk, r in zip(nw[1:], rows[1:]):
                np.multiply(X[r, lo:hi], wk, out=t)
                np.add(z, t, out=z)
            np.add(z, nb, out=z)
            # pd = 1 / (1 + exp(-z)); exp of a large -z is inf and gives pd = 0.
            with np.errstate(over="ignore"):
                np.exp(z, out=z)
            np.add(z, F32(1), out=z)
            np.reciprocal(z, out=z)

    if threads > 1 and n >= 4 * chunk:
        from concurrent.futures import ThreadPoolExecutor
        step = -(-n // (threads * 4 * chunk)) * chunk  # a few spans per thread, whole chunks
        with ThreadPoolExecutor(threads) as ex:
            list(ex.map(run, [(lo, min(lo + step, n)) for lo in range(0, n, step)]))
    else:
        run((0, n))
    return pd


def contributions(model: Model, X: np.ndarray, customers: np.ndarray) -> np.ndarray:
    """coefficient x standardised value, per (customer, model feature): why a score is high."""
    x = X[model.rows][:, customers].astype(np.float64).T
    return model.coef * (x - model.mean) / model.scale


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: float
    contribution: float     # to the log-odds


def top_features(model: Model, X: np.ndarray, customers: np.ndarray,
                 top: int = 3) -> list[list[Contribution]]:
    """For each customer, the `top` features raising its log-odds most (largest
    contribution first), with the raw value and the contribution in log-odds."""
    c = contributions(model, X, customers)
    order = np.argsort(-c, axis=1, kind="stable")[:, :top]
    names = model.features
    out = []
    for k, cust in enumerate(customers.tolist()):
        out.append([Contribution(names[j], float(X[model.rows[j], cust]), float(c[k, j]))
                    for j in order[k].tolist()])
    return out


def expected_loss(model: Model, pd: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """pd x exposure x LGD in minor units, rounded half up to whole minor units (int64)."""
    el = np.multiply(pd, exposure, dtype=np.float64)  # one pass, both cast on the fly
    if model.lgd != 1.0:
        el *= model.lgd
    el += 0.5
    np.floor(el, out=el)
    return el.astype(np.int64)


@dataclass(frozen=True)
class CustomerScore:
    """One customer's score and why: every feature's contribution, and the top three."""

    currency: str
    pd: float
    exposure_minor: int
    expected_loss_minor: int
    loss_given_default: float
    features: list[Contribution]      # in the model's order
    top_features: list[Contribution]  # the three raising the log-odds most, largest first


def customer_score(S: State, model: Model, as_of: int, known_seq: int,
                   ix: int) -> CustomerScore:
    """Score one customer as of a day, as known at a segment, with its explanation."""
    pf = features(S, as_of, known_seq)
    one = np.asarray([ix])
    pd = float(score(model, np.ascontiguousarray(pf.X[:, one]))[0])
    exposure = int(pf.exposure[ix])
    el = int(expected_loss(model, np.asarray([pd], np.float32), np.asarray([exposure]))[0])
    c = contributions(model, pf.X, one)[0]
    feats = [Contribution(f, float(pf.X[model.rows[k], ix]), float(c[k]))
             for k, f in enumerate(model.features)]
    top = sorted(feats, key=lambda t: -t.contribution)[:3]
    return CustomerScore(S.currencies[S.customers.currency[ix]], pd, exposure, el, model.lgd,
                         feats, top)


# ---- re-score ---------------------------------------------------------------------------------

@dataclass
class Rescore:
    model: Model
    portfolio: Portfolio
    customers: np.ndarray   # indexes scored (opened on or before as_of)
    pd: np.ndarray          # float32, aligned with customers
    expected_loss: np.ndarray  # int64 minor units
    digest: str
    summary: dict


def score_digest(version: str, as_of: int, customers: np.ndarray, pd: np.ndarray) -> str:
    """SHA-256 of what a re-score produced: model version, as_of, customers and their scores."""
    h = hashlib.sha256(f"arledger-risk-scores:v1:{version}:{as_of}:".encode())
    h.update(np.ascontiguousarray(customers, dtype="<i8").tobytes())
    h.update(np.ascontiguousarray(pd, dtype="<f4").tobytes())
    return h.hexdigest()


_BANDS = (0.01, 0.05, 0.2)


def rescore(S: State, model: Model, as_of: int, known_seq: int | None = None) -> Rescore:
    """Score every customer opened on or before `as_of`: one vectorised pass."""
    pf = features(S, as_of, known_seq)
    pd_all = score(model, pf.X)
    cust = np.flatnonzero(pf.scored)
    pd = pd_all[cust]
    el = expected_loss(model, pd, pf.exposure[cust])
    digest = score_digest(model.version, as_of, cust, pd)
    bands = np.bincount(np.searchsorted(np.asarray(_BANDS, F32), pd, side="right"),
                        minlength=len(_BANDS) + 1)
    cur = pf.currency[cust].astype(np.int64)
    ncur = max(len(S.currencies), 1)
    el_c = _sum_int(cur, el, ncur)
    ex_c = _sum_int(cur, pf.exposure[cust], ncur)
    # Every currency with exposure or expected loss (at most every ISO 4217 code: about
    # 10 kB of JSON at worst, within SUMMARY_JSON_MAX).
    top_cur = sorted(np.flatnonzero(ex_c | el_c).tolist(), key=lambda c: -int(el_c[c]))
    summary = {"customers": int(len(cust)),
               "mean_pd": round(float(pd.astype(np.float64).mean()), 6) if len(cust) else 0.0,
               "pd_bands": {"under 1%": int(bands[0]), "1-5%": int(bands[1]),
                            "5-20%": int(bands[2]), "20% and over": int(bands[3])},
               "expected_loss_minor": {S.currencies[c]: int(el_c[c]) for c in top_cur},
               "exposure_minor": {S.currencies[c]: int(ex_c[c]) for c in top_cur}}
    return Rescore(model, pf, cust, pd, el, digest, summary)


def recorded_rescore(S: State, request_id: str, version: str, as_of: int,
                     digest: str) -> int | None:
    """Re-score idempotency: when `request_id` already recorded a re-score that scored
    the same (model version, as_of, score digest: nothing moved since but entries that
    change no figure, like the re-score itself), the known position recorded then, which
    a retry carries so the ledger answers DUPLICATE rather than REQUEST_ID_REUSED; else
    None (a first request, or one that now scores differently)."""
    prior = request_of(S, request_id)
    if prior is None:
        return None
    rs = S.rescores
    k = np.flatnonzero(rs.view("pos") == prior[1])
    if not len(k):
        return None  # the request id recorded something else
    k0 = int(k[0])
    if S.rescore_digests[k0] != f"{version}:{digest}" or int(rs.as_of_day[k0]) != as_of:
        return None
    return int(rs.known_position[k0])


# ---- worklist ---------------------------------------------------------------------------------

DISPUTES_ANY, DISPUTES_WITH, DISPUTES_WITHOUT = 0, 1, 2


@dataclass(frozen=True)
class WorklistRow:
    """A customer on the expected-loss worklist, and why it is there."""

    rank: int                   # within its currency, from 1
    customer_id: str
    currency: str
    pd: float
    exposure_minor: int
    expected_loss_minor: int
    open_disputes: int
    dunning_level: int
    active_promise: bool
    broken_promises: int
    top_features: list[Contribution]
    why: str
PROMISES_ANY, PROMISES_ACTIVE, PROMISES_NONE_ACTIVE, PROMISES_BROKEN = 0, 1, 2, 3


def worklist(S: State, model: Model, as_of: int, *, currency: str = "",
             disputes: int = DISPUTES_ANY, dunning_min: int = 0,
             promises: int = PROMISES_ANY, limit: int = 50, top: int = 3) -> list[WorklistRow]:
    """Customers ranked by expected loss (pd x exposure x LGD), highest first, within each
    currency (amounts of different currencies are not compared); each row says why."""
    return worklist_page(S, model, as_of, currency=currency, disputes=disputes,
                         dunning_min=dunning_min, promises=promises, limit=limit, top=top)[1]


def worklist_page(S: State, model: Model, as_of: int, *, currency: str = "",
                  disputes: int = DISPUTES_ANY, dunning_min: int = 0,
                  promises: int = PROMISES_ANY, limit: int = 50, top: int = 3,
                  offset: int = 0, known_seq: int | None = None
                  ) -> tuple[int, list[WorklistRow]]:
    """(rows the filters keep in all, the worklist's rows offset..offset+limit), as of a day
    and as known at a segment (default the head); ranks count from the first row."""
    pf = features(S, as_of, known_seq)
    pd = score(model, pf.X)
    el = expected_loss(model, pd, pf.exposure)
    keep = pf.scored & (pf.exposure > 0)
    if currency:
        if currency not in S.currencies:
            return 0, []
        keep &= pf.currency == S.currencies.index(currency)
    nd = pf.feature("open_disputes")
    if disputes == DISPUTES_WITH:
        keep &= nd > 0
    elif disputes == DISPUTES_WITHOUT:
        keep &= nd == 0
    if dunning_min:
        keep &= pf.dunning_level >= dunning_min
    nbp = pf.feature("broken_promises")
    if promises == PROMISES_ACTIVE:
        keep &= pf.active_promise
    elif promises == PROMISES_NONE_ACTIVE:
        keep &= ~pf.active_promise
    elif promises == PROMISES_BROKEN:
        keep &= nbp > 0
    idx = np.flatnonzero(keep)
    # Rows grouped by currency code (alphabetical), then by expected loss, highest first.
    cur_rank = np.argsort(np.argsort(np.asarray(S.currencies or [""])))
    order = np.lexsort((idx, -el[idx], cur_rank[pf.currency[idx]]))
    idx = idx[order]
    # Rank within currency: position minus the currency's first position.
    cur = pf.currency[idx]
    first = np.r_[0, np.flatnonzero(np.diff(cur)) + 1] if len(idx) else np.zeros(0, np.int64)
    starts = np.repeat(first, np.diff(np.r_[first, len(idx)])) if len(idx) else first
    rank = np.arange(len(idx)) - starts + 1
    cur_total = _sum_int(cur.astype(np.int64), el[idx], max(len(S.currencies), 1))
    sel = idx[offset:offset + limit]
    rank = rank[offset:offset + limit]
    tops = top_features(model, pf.X, sel, top)
    rows = []
    for k, c in enumerate(sel.tolist()):
        code = S.currencies[pf.currency[c]]
        share = el[c] / cur_total[pf.currency[c]] if cur_total[pf.currency[c]] else 0.0
        drivers = ", ".join(f"{t.feature} {t.value:g} ({t.contribution:+.2f})"
                            for t in tops[k] if t.contribution > 0) or "nothing above average"
        rows.append(WorklistRow(
            rank=int(rank[k]), customer_id=S.customer_ids[c], currency=code,
            pd=round(float(pd[c]), 6), exposure_minor=int(pf.exposure[c]),
            expected_loss_minor=int(el[c]), open_disputes=int(nd[c]),
            dunning_level=int(pf.dunning_level[c]),
            active_promise=bool(pf.active_promise[c]), broken_promises=int(nbp[c]),
            top_features=tops[k],
            why=(f"expected loss {int(el[c]):,} = PD {float(pd[c]):.2%} x exposure "
                 f"{int(pf.exposure[c]):,} x LGD {model.lgd:g} ({share:.1%} of {code} "
                 f"expected loss); drivers: {drivers}")))
    return len(idx), rows


# ---- calibration ------------------------------------------------------------------------------

def fit_logistic(X: np.ndarray, y: np.ndarray, *, ridge: float = 1.0, max_iter: int = 100,
                 tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Logistic regression by IRLS (Newton's method with step halving): returns
    (beta, covariance), beta[0] the intercept, beta[1:] the coefficients of X's columns
    (samples x features, float64; standardise them first).

    `ridge` is an L2 penalty on the coefficients (not the intercept): with a feature that
    separates the outcomes perfectly, as "days past due" nearly does for "over 90 days past
    due", the unpenalised optimum is at infinity. With thousands of samples it moves a
    well-determined coefficient by well under its standard error.
    """
    n, k = X.shape
    A = np.empty((n, k + 1))
    A[:, 0] = 1.0
    A[:, 1:] = X
    y = np.asarray(y, dtype=np.float64)
    beta = np.zeros(k + 1)
    p0 = min(max(float(np.mean(y)), 1e-6), 1 - 1e-6)
    beta[0] = np.log(p0 / (1 - p0))
    reg = np.full(k + 1, ridge)
    reg[0] = 0.0

    def objective(b: np.ndarray) -> float:  # penalised negative log-likelihood
        z = A @ b
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(reg * b * b))

    f = objective(beta)
    H = np.eye(k + 1)
    for _ in range(max_iter):
        z = A @ beta
        p = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function without overflow
        w = np.clip(p * (1 - p), 1e-12, None)
        H = (A * w[:, None]).T @ A + np.diag(reg)
        g = A.T @ (y - p) - reg * beta
        step = np.linalg.solve(H, g)
        t = 1.0
        while True:
            cand = beta + t * step
            fc = objective(cand)
            if fc <= f + 1e-12 or t < 1e-6:
                break
            t /= 2
        beta, f_old, f = cand, f, fc
        if np.max(np.abs(t * step)) < tol or abs(f_old - f) < tol * max(1.0, abs(f)):
            break
    z = A @ beta
    p = 0.5 * (1.0 + np.tanh(0.5 * z))
    H = (A * np.clip(p * (1 - p), 1e-12, None)[:, None]).T @ A + np.diag(reg)
    return beta, np.linalg.inv(H)


def auc(score_: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count one half)."""
    y = np.asarray(y, bool)
    npos, nneg = int(y.sum()), int((~y).sum())
    if not npos or not nneg:
        return float("nan")
    order = np.argsort(score_, kind="stable")
    s = np.asarray(score_)[order]
    ranks = np.empty(len(s))
    # Average rank of each run of equal scores.
    bounds = np.r_[0, np.flatnonzero(np.diff(s)) + 1, len(s)]
    avg = (bounds[:-1] + bounds[1:] + 1) / 2.0
    ranks[order] = np.repeat(avg, np.diff(bounds))
    return float((ranks[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))


@dataclass(frozen=True)
class CalibrationBin:
    pd_low: float
    pd_high: float
    count: int
    mean_pd: float
    observed_rate: float


def calibration_table(pd: np.ndarray, y: np.ndarray, bins: int = 10) -> list[CalibrationBin]:
    """Predicted vs observed default rate by PD decile (equal-count bins)."""
    if not len(pd):
        return []
    order = np.argsort(pd, kind="stable")
    rows = []
    for part in np.array_split(order, min(bins, len(pd))):
        if not len(part):
            continue
        rows.append(CalibrationBin(float(pd[part].min()), float(pd[part].max()), int(len(part)),
                                   float(pd[part].mean()), float(np.mean(y[part]))))
    return rows


def outcomes(S: State, as_of: int, horizon: int, known_seq: int | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """(defaulted already at as_of, default within (as_of, as_of + horizon]) per customer.

    Default: an installment (an invoice without installments is one) over 90 days past
    due, or a write-off. An installment counts when its open part (its invoice's open amount
    settles the installments in due order) is positive on the first day it is over 90 days
    past due inside the window.
    """
    ks = S.head_seq if known_seq is None else known_seq
    n = S.customers.n
    inv = S.invoices
    cust_of = inv.view("customer").astype(np.int64)
    j = S.journal
    m = (j.view("seq") <= ks) & (j.view("kind") == J_INVOICE)
    item, day, delta, etype = (j.view(k)[m] for k in ("item", "day", "delta", "etype"))
    cust = j.view("customer")[m]
    open_at = _open_at_day(item, day, delta)
    rows = _all_installments(S, np.unique(item))
    already = np.zeros(n, dtype=bool)
    r = rows.at(rows.due_day + DEFAULT_DAYS < as_of)
    still = r.open_part(open_at(r.invoice, np.full(len(r.invoice), as_of))) > 0
    already[cust_of[r.invoice[still]]] = True
    t = np.maximum(as_of + 1, rows.due_day + DEFAULT_DAYS + 1)  # first day over 90 in the window
    in_window = t <= as_of + horizon
    r, t = rows.at(in_window), t[in_window]
    y = np.zeros(n, dtype=bool)
    y[cust_of[r.invoice[r.open_part(open_at(r.invoice, t)) > 0]]] = True
    wo = (etype == _WRITTEN_OFF) & (day > as_of) & (day <= as_of + horizon)
    y[cust[wo]] = True
    return already, y


def _open_at_day(item: np.ndarray, day: np.ndarray, delta: np.ndarray):
    """From invoice journal rows, a function (invoices, days) -> each invoice's open amount
    as of the paired day (exact int64; one sort, then a binary search per question)."""
    key = (item.astype(np.int64) << 32) + day.astype(np.int64)
    order = np.argsort(key, kind="stable")
    key = key[order]
    cs = np.concatenate(([0], np.cumsum(delta[order].astype(np.int64))))

    def at(invoices: np.ndarray, days: np.ndarray) -> np.ndarray:
        k = invoices.astype(np.int64) << 32
        return cs[np.searchsorted(key, k + days.astype(np.int64), "right")] - cs[
            np.searchsorted(key, k, "left")]
    return at


@dataclass
class _Installments:
    """Every installment of some invoices (an invoice without installments is one), with
    the running total of its invoice's installments up to and including it, in due order."""

    invoice: np.ndarray
    due_day: np.ndarray   # int64
    amount: np.ndarray
    cum: np.ndarray
    total: np.ndarray     # the invoice's amount

    def at(self, m: np.ndarray) -> _Installments:
        return _Installments(*(getattr(self, f)[m] for f in self.__dataclass_fields__))

    def open_part(self, invoice_open: np.ndarray) -> np.ndarray:
        """The installment's open part when its invoice has `invoice_open` open: what was
        applied settled the earlier installments first."""
        return np.clip(self.cum - (self.total - invoice_open), 0, self.amount)


def _all_installments(S: State, invoices: np.ndarray) -> _Installments:
    """installment_rows' expansion of `invoices` (nothing applied, so each open part is the
    installment's amount), with each row's running total within its invoice."""
    inv = np.asarray(invoices, dtype=np.int64)
    r = installment_rows(S, inv, S.invoices.amount[inv], np.zeros(len(inv), np.int64))
    a = r.column(S, "amount").astype(np.int64)
    # Rows of one invoice are consecutive, in installment (due) order.
    start = np.ones(len(a), dtype=bool)
    start[1:] = r.invoice[1:] != r.invoice[:-1]
    cs = np.cumsum(a)
    base = (cs - a)[np.flatnonzero(start)]
    cum = cs - np.repeat(base, np.diff(np.r_[np.flatnonzero(start), len(a)]))
    return _Installments(r.invoice.astype(np.int64), r.due_day.astype(np.int64), a, cum,
                         S.invoices.amount[r.invoice].astype(np.int64))


def training_set(S: State, as_of: int, horizon: int, step: int, history: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Samples from snapshots every `step` days whose outcome window ends by `as_of`:
    (X float64 samples x FEATURES, y, customer, snapshot day). Customers already in default
    at a snapshot, or not yet opened, are left out of it."""
    last = as_of - horizon
    first = max(last - history,
                int(S.customers.view("opened_day").min()) if S.customers.n else last)
    xs, ys, cs, ds = [], [], [], []
    for snap in range(last, first - 1, -step):  # a few snapshots, each vectorised
        pf = features(S, snap)
        already, y = outcomes(S, snap, horizon)
        keep = np.flatnonzero(pf.scored & ~already)
        xs.append(pf.X[:, keep].T.astype(np.float64))
        ys.append(y[keep])
        cs.append(keep)
        ds.append(np.full(len(keep), snap, dtype=np.int64))
    if not xs:
        return np.zeros((0, len(FEATURES))), np.zeros(0, bool), np.zeros(0, np.int64), \
            np.zeros(0, np.int64)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(cs), np.concatenate(ds)


def held_out(customers: np.ndarray, share: float) -> np.ndarray:
    """A fixed pseudo-random split by customer (Knuth's multiplicative hash), so every
    snapshot of a customer is on the same side."""
    return ((customers.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(1000)
            ) < np.uint64(round(share * 1000))


@dataclass(frozen=True)
class Coefficient:
    feature: str
    coefficient: float
    std_error: float


@dataclass(frozen=True)
class CalibrationReport:
    """How a fitted model does: sample counts, AUC, Brier score, the calibration table
    on the held-out customers, and each coefficient with its standard error."""

    samples_train: int
    samples_holdout: int
    defaults_train: int
    defaults_holdout: int
    snapshots: int
    auc_train: float
    auc_holdout: float
    brier_holdout: float
    calibration: list[CalibrationBin]
    coefficients: list[Coefficient]


@dataclass(frozen=True)
class Calibration:
    model: dict[str, Any]       # the model as data (domain/risk_models.py's JSON format)
    report: CalibrationReport


def calibrate(S: State, as_of: int, *, horizon: int = 90, step: int = 30, history: int = 365,
              holdout: float = 0.3, version: str = "", lgd: float = 1.0) -> Calibration:
    """Fit a logistic model on the ledger's own history (outcome: written off or over 90
    days past due within `horizon` days) and report it on a held-out part of the customers.

    Registering the model is the caller's decision.
    """
    if not (1 <= horizon <= 3650 and 1 <= step <= 3650 and 0 <= history <= 36500
            and 0.0 < holdout < 1.0):
        raise error("INVALID_RISK_PARAMETER", "horizon_days and step_days 1..3650, "
                    "history_days 0..36500, holdout_share strictly between 0 and 1")
    X, y, cust, snap = training_set(S, as_of, horizon, step, history)
    test = held_out(cust, holdout)
    tr = ~test
    if tr.sum() < 20 or test.sum() < 10 or y[tr].all() or not y[tr].any():
        raise error("NOT_ENOUGH_HISTORY", f"{int(tr.sum())} training samples with "
                    f"{int(y[tr].sum())} defaults, {int(test.sum())} held out: need at least "
                    "20 / 10 and outcomes of both kinds")
    mean = X[tr].mean(axis=0)
    sd = X[tr].std(axis=0)
    used = np.flatnonzero(sd > 1e-9)   # a feature that never varies says nothing
    Z = (X[:, used] - mean[used]) / sd[used]
    beta, cov = fit_logistic(Z[tr], y[tr].astype(np.float64))
    feats = [FEATURES[i] for i in used.tolist()]
    model: dict[str, Any] = {"version": version, "kind": "logistic", "features": feats,
             "mean": [float(v) for v in mean[used]], "scale": [float(v) for v in sd[used]],
             "coefficients": [float(v) for v in beta[1:]], "intercept": float(beta[0]),
             "loss_given_default": lgd,
             "outcome": f"written off or over 90 days past due within {horizon} days",
             "horizon_days": horizon,
             "description": f"Fitted by IRLS on {int(tr.sum())} customer snapshots "
                            f"(every {step} days over {history} days up to "
                            f"{day_to_iso(as_of - horizon)}); outcomes known by "
                            f"{day_to_iso(as_of)}"}
    m = Model.from_json(json.dumps(model), version or None)
    p_tr = score(m, _full(X[tr]))
    p_te = score(m, _full(X[test]))
    se = np.sqrt(np.maximum(np.diag(cov), 0))
    report = CalibrationReport(
        samples_train=int(tr.sum()), samples_holdout=int(test.sum()),
        defaults_train=int(y[tr].sum()), defaults_holdout=int(y[test].sum()),
        snapshots=int(len(np.unique(snap))),
        auc_train=auc(p_tr, y[tr]), auc_holdout=auc(p_te, y[test]),
        brier_holdout=float(np.mean((p_te.astype(np.float64) - y[test]) ** 2)),
        calibration=calibration_table(p_te.astype(np.float64), y[test].astype(np.float64)),
        coefficients=[Coefficient("(intercept)", float(beta[0]), float(se[0]))] +
                     [Coefficient(f, float(b), float(s))
                      for f, b, s in zip(feats, beta[1:], se[1:])])
    model["fit"] = {"auc_holdout": report.auc_holdout, "auc_train": report.auc_train,
                    "samples_train": report.samples_train}
    return Calibration(model, report)


def _full(Xs: np.ndarray) -> np.ndarray:
    """Samples x FEATURES (float64) -> the projection layout (features x samples, float32)."""
    return np.ascontiguousarray(Xs.T, dtype=F32)


# ---- provision matrix -------------------------------------------------------------------------

_SOLD = E.BY_NAME["InvoiceSold"].code
_RECALLED = E.BY_NAME["InvoiceRecalled"].code


def _sale_losses(S: State, as_of: int, known_seq: int) -> np.ndarray:
    """Per invoice, the loss on sale of what is sold to an agency as of `as_of` (as known at
    `known_seq`): amount sold - its price (price_bp of the amount, rounded half up per
    invoice, as the sale priced it), less the same for what was recalled.

    The journal's InvoiceSold rows do not name their sale; the sales' InvoiceSold entries
    follow each other in log order, and a sale's face is the sum of its rows, so the running
    total of sold amounts in log order says which sale each row belongs to. A recall belongs
    to the invoice's latest sale before it.
    """
    ni = S.invoices.n
    loss = np.zeros(ni, dtype=np.int64)
    if not S.sales.n:
        return loss
    j = S.journal
    et = j.view("etype")
    k = np.flatnonzero((j.view("kind") == J_INVOICE) & ((et == _SOLD) | (et == _RECALLED)))
    k = k[np.lexsort((k, j.view("pos")[k]))]          # log order
    sold = et[k] == _SOLD
    amt = np.abs(j.view("delta")[k].astype(np.int64))
    face_cs = np.cumsum(S.sales.view("face").astype(np.int64))
    sale = np.full(len(k), -1, dtype=np.int64)
    sale[sold] = np.minimum(np.searchsorted(face_cs, np.cumsum(amt[sold]), "left"),
                            S.sales.n - 1)
    # A recall takes the sale of the invoice's previous InvoiceSold row.
    item = j.view("item")[k].astype(np.int64)
    by_inv = np.lexsort((np.arange(len(k)), item))   # per invoice, in log order
    idx = np.where(sold[by_inv], np.arange(len(k)), -1)
    np.maximum.accumulate(idx, out=idx)  # last sold row so far (invoices start with a sale)
    sale[by_inv] = np.where(idx >= 0, sale[by_inv][np.maximum(idx, 0)], -1)
    bp = S.sales.view("price_bp").astype(np.int64)[np.maximum(sale, 0)]
    price = (2 * amt * bp + 10_000) // 20_000          # half up, as the sale rounded it
    sign = np.where(sold, 1, -1)
    keep = (j.view("day")[k] <= as_of) & (j.view("seq")[k] <= known_seq) & (sale >= 0)
    np.add.at(loss, item[keep], (sign * (amt - price))[keep])
    return loss

@dataclass(frozen=True)
class ProvisionRow:
    """One currency's provision matrix, by aging bucket."""

    currency: str
    entered_minor: list[int]            # history: open parts entering each bucket
    never_paid_minor: list[int]         # ... and the part of those never paid
    loss_rate: list[float | None]       # never paid / entered (None: nothing entered)
    open_minor: list[int]               # today's buckets (aging per installment)
    ecl_minor: list[int]                # rate x today's bucket, rounded half up
    total_open_minor: int
    total_ecl_minor: int


@dataclass(frozen=True)
class ProvisionMatrix:
    as_of: int
    bucket_labels: list[str]
    maturity_days: int
    history_days: int
    cohort_invoices: int                # invoices with an installment in the history
    cohort_installments: int
    rows: list[ProvisionRow]


@dataclass(frozen=True)
class _Cohort:
    """Per (currency, bucket) of the history, exact ints: what entered, what was lost."""

    entered: np.ndarray                 # object arrays of Python ints
    lost: np.ndarray
    invoices: int
    installments: int


def provision_matrix(S: State, as_of: int, *, edges: tuple[int, ...] = views.DEFAULT_EDGES_DAYS,
                     maturity: int = 180, history: int = 365,
                     known_seq: int | None = None) -> ProvisionMatrix:
    """Expected credit loss by aging bucket from the ledger's history, model-free.

    History: installments (an invoice without installments is one) due in
    [as_of - maturity - history, as_of - maturity] (old enough for their outcome to be
    known). For each bucket, the open part of an installment when it entered it (the
    current bucket at its invoice's issue, the others on the day after the previous edge
    past its own due day) and the part of that never paid (written off, sold at a loss
    (face - price), or still open at as_of: the invoice's latest installments carry it).
    Loss rate = never paid / entered, per currency; ECL = rate x today's bucket (aging per
    installment), rounded half up.
    """
    edges = views.check_edges(tuple(edges))
    if not (edges[-1] < maturity <= 36500 and 0 <= history <= 36500):
        raise error("INVALID_RISK_PARAMETER", f"maturity_days must exceed the last bucket edge "
                    f"({edges[-1]}) and be at most 36500; history_days 0..36500")
    ks = S.head_seq if known_seq is None else known_seq
    cohort = _provision_cohort(S, as_of, ks, edges, maturity, history)
    ag = views.aging(S, None, as_of, ks, edges)
    out = []
    for r in ag.rows:
        c = S.currencies.index(r.currency)
        ecl, rates = [], []
        for b, amount in enumerate(r.buckets_minor):
            e, lo = int(cohort.entered[c, b]), int(cohort.lost[c, b])
            rates.append(float(Fraction(lo, e)) if e else None)
            a = max(int(amount), 0)
            ecl.append((2 * a * lo + e) // (2 * e) if e else 0)  # half up, exact integers
        out.append(ProvisionRow(r.currency, [int(v) for v in cohort.entered[c]],
                                [int(v) for v in cohort.lost[c]], rates,
                                [int(v) for v in r.buckets_minor], ecl,
                                int(sum(r.buckets_minor)), int(sum(ecl))))
    return ProvisionMatrix(as_of, ag.labels, maturity, history, cohort.invoices,
                           cohort.installments, out)


def _provision_cohort(S: State, as_of: int, ks: int, edges: tuple[int, ...], maturity: int,
                      history: int) -> _Cohort:
    """The history `provision_matrix` learns its loss rates from."""
    inv = S.invoices
    ni = inv.n
    j = S.journal
    sale_loss = _sale_losses(S, as_of, ks)
    m = (j.view("seq") <= ks) & (j.view("kind") == J_INVOICE) & (j.view("day") <= as_of)
    item, day, delta, etype = (j.view(k)[m] for k in ("item", "day", "delta", "etype"))
    issued = np.zeros(ni, dtype=bool)
    issued[item[etype == _ISSUED]] = True
    voided = np.zeros(ni, dtype=bool)
    voided[item[etype == _VOIDED]] = True
    open_end = _sum_int(item, delta, ni)
    wo = etype == _WRITTEN_OFF
    written = -_sum_int(item[wo], delta[wo], ni)
    # Never paid by the customer: written off, sold at a loss (face - price), still open.
    never_paid = written + sale_loss + np.maximum(open_end, 0)
    # History per installment (an invoice without installments is one): installments of
    # issued, unvoided invoices due in the window. Each enters a bucket on its own due day.
    rows = _all_installments(S, np.flatnonzero(issued & ~voided))
    hist = (rows.due_day <= as_of - maturity) & (rows.due_day >= as_of - maturity - history)
    rows = rows.at(hist)
    # What was never paid falls on the latest installments (money settles the earliest first).
    np_row = rows.open_part(np.minimum(never_paid[rows.invoice], rows.total))
    ncur = max(len(S.currencies), 1)
    cur = S.customers.view("currency").astype(np.int64)[inv.view("customer")][rows.invoice]
    nb = len(edges) + 2
    entered = np.zeros((ncur, nb), dtype=object)
    lost = np.zeros((ncur, nb), dtype=object)
    open_at = _open_at_day(item, day, delta)
    # Day an installment enters bucket b: its invoice's issue day (current), else its due
    # day + previous edge + 1.
    starts = (0, 1) + tuple(e + 1 for e in edges)
    issue = inv.view("issue_day").astype(np.int64)[rows.invoice]
    for b in range(nb):  # one vectorised pass per bucket
        t = issue if b == 0 else rows.due_day + starts[b]
        at_entry = rows.open_part(open_at(rows.invoice, t))
        np_b = np.minimum(np_row, at_entry)
        entered[:, b] = [int(v) for v in _sum_int(cur, at_entry, ncur)]
        lost[:, b] = [int(v) for v in _sum_int(cur, np_b, ncur)]
    return _Cohort(entered, lost, int(len(np.unique(rows.invoice))), int(len(rows.invoice)))
