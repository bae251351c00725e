"""Risk models as data: the feature names, the shipped default model, and the checks a
model must pass before it is registered (no numpy, no I/O: the decider uses this too).

A model is a JSON object (see docs/risk.md):

    {"version": "default-v1", "kind": "logistic",
     "features": ["share_past_due", ...],      # names from FEATURES, any subset, any order
     "mean": [...], "scale": [...],            # standardisation: z_k = (x_k - mean_k) / scale_k
     "coefficients": [...], "intercept": -3.2, # pd = 1 / (1 + exp(-(intercept + sum c_k z_k)))
     "loss_given_default": 1.0,                # expected loss = pd x exposure x LGD
     "outcome": "...", "horizon_days": 90, "description": "..."}

Extra keys (fit statistics, provenance) are kept as they are.
"""

from __future__ import annotations

import json
import math

from arledger.domain.errors import error

# Every feature the projections compute, in their storage order (docs/risk.md says what
# each one means). Names are part of the model format: never renamed once released.
FEATURES: tuple[str, ...] = (
    "share_past_due",          # overdue open invoices / open invoices
    "weighted_days_past_due",  # open-amount-weighted days past due of open invoices (>= 0)
    "avg_days_late",           # mean (settled day - due day) over the last N settled invoices
    "late_trend",              # mean lateness of the newer half of those N minus the older half
    "open_disputes",           # invoices with an open disputed amount
    "disputed_share",          # disputed / open invoices
    "reversals_365d",          # payment reversals in the year up to as_of
    "write_offs_365d",         # write-offs in the year up to as_of
    "utilisation",             # balance / credit limit (0 without a limit), clipped to [-1, 5]
    "account_age_years",       # (as_of - opened) / 365
    "broken_promises",         # promises to pay made by as_of and broken as of it
)

MODEL_JSON_MAX = 16_384  # characters of a model's JSON
# Characters of a re-score's summary: two per-currency maps over every ISO 4217 code a
# partition may hold (about 180, now that accounts may open in any ISO 4217 currency: some
# 10 kB at worst).
SUMMARY_JSON_MAX = 16_384
KINDS = ("logistic",)

# The shipped default: expert-set, not fitted (docs/risk.md explains each weight). Means are
# 0 and scales are "one typical step" of each feature, so a coefficient is the change in
# log-odds for one such step. The intercept puts a customer with nothing overdue at ~4 %.
DEFAULT_VERSION = "default-v1"
DEFAULT_MODEL: dict = {
    "version": DEFAULT_VERSION,
    "kind": "logistic",
    "features": list(FEATURES),
    "mean": [0.0] * len(FEATURES),
    "scale": [0.25, 30.0, 15.0, 10.0, 1.0, 0.25, 1.0, 1.0, 0.5, 2.0, 1.0],
    "coefficients": [0.6, 0.8, 0.5, 0.3, 0.2, 0.2, 0.5, 0.7, 0.3, -0.2, 0.6],
    "intercept": -3.2,
    "loss_given_default": 1.0,
    "outcome": "written off or over 90 days past due within 90 days",
    "horizon_days": 90,
    "description": "Shipped default (expert-set weights): lateness, overdue share, reversals "
                   "and write-offs raise the PD; account age lowers it.",
}
DEFAULT_MODEL_JSON = json.dumps(DEFAULT_MODEL, sort_keys=True, separators=(",", ":"))

# Versions every ledger knows without a log entry.
BUILTIN: dict[str, str] = {DEFAULT_VERSION: DEFAULT_MODEL_JSON}


def parse_model(text: str, version: str | None = None) -> dict:
    """The model as a dict, checked; INVALID_RISK_MODEL says what is wrong.

    When `version` is given the JSON's "version" must equal it.
    """
    if len(text) > MODEL_JSON_MAX:
        raise error("INVALID_RISK_MODEL", f"model JSON longer than {MODEL_JSON_MAX} characters")
    try:
        m = json.loads(text)
    except ValueError as e:
        raise error("INVALID_RISK_MODEL", f"model is not JSON: {e}") from None
    if not isinstance(m, dict):
        raise error("INVALID_RISK_MODEL", "model JSON must be an object")
    if version is not None and m.get("version") != version:
        raise error("INVALID_RISK_MODEL", f"model JSON names version {m.get('version')!r}, "
                    f"registered as {version!r}")
    if m.get("kind") not in KINDS:
        raise error("INVALID_RISK_MODEL", f"kind must be one of {KINDS}")
    feats = m.get("features")
    if not isinstance(feats, list) or not feats or not all(isinstance(f, str) for f in feats):
        raise error("INVALID_RISK_MODEL", "features must be a non-empty list of names")
    unknown = [f for f in feats if f not in FEATURES]
    if unknown:
        raise error("INVALID_RISK_MODEL", f"unknown features {unknown}; known: {list(FEATURES)}")
    if len(set(feats)) != len(feats):
        raise error("INVALID_RISK_MODEL", "a feature is listed twice")
    for key in ("mean", "scale", "coefficients"):
        v = m.get(key)
        if not isinstance(v, list) or len(v) != len(feats) or not all(_finite(x) for x in v):
            raise error("INVALID_RISK_MODEL", f"{key} must be {len(feats)} finite numbers")
    if any(s <= 0 for s in m["scale"]):
        raise error("INVALID_RISK_MODEL", "every scale must be > 0")
    if not _finite(m.get("intercept")):
        raise error("INVALID_RISK_MODEL", "intercept must be a finite number")
    lgd = m.get("loss_given_default", 1.0)
    if not _finite(lgd) or not 0 <= lgd <= 1:
        raise error("INVALID_RISK_MODEL", "loss_given_default must be in [0, 1]")
    m.setdefault("loss_given_default", 1.0)
    return m


def _finite(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
