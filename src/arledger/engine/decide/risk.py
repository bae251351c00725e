"""Portfolio risk: registering a model version and recording a re-score. Derived data:
no money moves."""

from __future__ import annotations

import json

from arledger.domain import validate as V
from arledger.domain.errors import error
from arledger.engine.decide.context import Ctx
from arledger.v1 import commands_pb2 as pb


def model_known(ctx: Ctx, version: str) -> bool:
    from arledger.domain.risk_models import BUILTIN
    return version in BUILTIN or version in ctx.D.policies.risk_model_ix


def register_risk_model(ctx: Ctx, m: pb.RegisterRiskModelRequest) -> None:
    from arledger.domain.risk_models import parse_model
    V.person(m.actor, m.reason, "registering a risk model")
    version = V.ident(m.model_version, "model_version")
    model = parse_model(m.model_json, version)
    day = V.day(m.effective_date, "effective_date")
    if model_known(ctx, version):
        raise error("MODEL_VERSION_EXISTS", f"risk model {version!r} is registered already")
    # Canonical JSON: the same model always stores the same bytes (and no raw control
    # characters reach the segment's NUL-joined strings).
    ctx.entry("RiskModelRegistered", day, model_version=version,
              model_json=json.dumps(model, sort_keys=True, separators=(",", ":")))


def record_portfolio_rescore(ctx: Ctx, m: pb.RecordPortfolioRescoreRequest) -> None:
    from arledger.domain.risk_models import SUMMARY_JSON_MAX
    version = V.ident(m.model_version, "model_version")
    day = V.day(m.as_of, "as_of")
    digest = m.score_digest
    if (m.customer_count < 0 or not 0 <= m.known_position <= ctx.D.head_position
            or len(digest) != 64 or digest.strip("0123456789abcdef")):
        raise error("INVALID_RESCORE", "customer_count >= 0, known_position within the log, "
                    "score_digest 64 lower-case hex digits")
    try:
        summary = json.loads(m.summary_json or "{}")
    except ValueError:
        summary = None
    if not isinstance(summary, dict) or len(m.summary_json) > SUMMARY_JSON_MAX:
        raise error("INVALID_RESCORE", f"summary_json must be a JSON object of at most "
                    f"{SUMMARY_JSON_MAX} characters")
    if not model_known(ctx, version):
        raise error("UNKNOWN_MODEL_VERSION", f"no risk model {version!r}")
    ctx.entry("PortfolioRescored", day, model_version=version, as_of_day=day,
              known_position=m.known_position, customer_count=m.customer_count,
              score_digest=digest,
              summary_json=json.dumps(summary, sort_keys=True, separators=(",", ":")))


HANDLERS = {"register_risk_model": register_risk_model,
            "record_portfolio_rescore": record_portfolio_rescore}
