"""RiskService: portfolio re-scores, single scores, the expected-loss worklist, calibration,
the provision matrix and model registration, over projections/risk.py.

Computations run under the ledger's read lock; the commands that record them
(RecordPortfolioRescore, RegisterRiskModel) are submitted after it is released, since the
writer needs that lock to fold them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import grpc

from arledger.domain import limits
from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import LedgerError, error
from arledger.domain.risk_models import BUILTIN, DEFAULT_VERSION
from arledger.engine import Ledger
from arledger.projections import risk, views
from arledger.server import auth
from arledger.server.requests import Clocks, abort, customer, guard, next_token, page
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import risk_pb2 as rpb
from arledger.v1 import risk_pb2_grpc as rgrpc

SERVICE = rpb.DESCRIPTOR.services_by_name["RiskService"]
ERRORS_DOC = ("MALFORMED_DATE, MALFORMED_ID, CUSTOMER_NOT_FOUND, UNKNOWN_MODEL_VERSION, "
              "INVALID_RISK_MODEL, MODEL_VERSION_EXISTS, INVALID_RISK_PARAMETER, "
              "NOT_ENOUGH_HISTORY, INVALID_BUCKET_EDGES, UNKNOWN_CURRENCY, INVALID_ENUM, "
              "INVALID_PAGE_SIZE, INVALID_PAGE_TOKEN, INVALID_TIMESTAMP, ACTOR_REQUIRED, "
              "REASON_REQUIRED, REQUEST_ID_REUSED, "
              "READ_ONLY_FOLLOWER (recording on a follower; RescorePortfolio takes dry_run)")


def _mutating(request, what: str) -> None:  # type: ignore[no-untyped-def]
    """A call that records an entry needs a request id, an actor and a reason, like every
    command. The actor is the authenticated principal (or principal/detail): set here."""
    request.actor = auth.actor_for(auth.current(), request.actor)
    V.ident(request.request_id, "request_id")
    V.person(request.actor, request.reason, what)


def _contrib(items: list[risk.Contribution]) -> list[rpb.FeatureContribution]:
    return [rpb.FeatureContribution(feature=t.feature, value=t.value,
                                    contribution=t.contribution) for t in items]


class RiskServicer(rgrpc.RiskServiceServicer):
    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self.clocks = Clocks(ledger, clock)

    def _version(self, v: str) -> str:
        return V.ident(v, "model_version") if v else DEFAULT_VERSION

    def _submit(self, cmd: cpb.Command):  # type: ignore[no-untyped-def]
        auth.authorize_commands(auth.current(), (cmd,))  # permission per command, actor
        (o,) = self.ledger.submit([cmd])
        if o.status == "REJECTED":
            raise o.error
        return o

    def RescorePortfolio(self, request, context):  # type: ignore[no-untyped-def]
        try:
            chunk = request.chunk_size or limits.rescore_chunk_customers_default
            if not 0 < chunk <= limits.rescore_chunk_customers_max:
                raise error("INVALID_RISK_PARAMETER", "chunk_size must be "
                            f"1..{limits.rescore_chunk_customers_max}")
            as_of = self.clocks.as_of(request.as_of)
            version = self._version(request.model_version)
            rid = request.request_id
            with self.ledger.reading() as S:
                r = risk.rescore(S, risk.model_of(S, version), as_of)
                known_position = S.head_position
                if not request.dry_run:  # a retry carries what the first one recorded
                    recorded = risk.recorded_rescore(S, rid, version, as_of, r.digest)
                    if recorded is not None:
                        known_position = recorded
                ids = S.customer_ids
                cur_names = S.currencies
                codes = r.portfolio.currency[r.customers]
                # Ids of the scored customers: a list reference is enough, entities are
                # append-only and indexes never change.
            summary_json = json.dumps(r.summary, sort_keys=True, separators=(",", ":"))
            summary = rpb.RescoreSummary(model_version=version, as_of=day_to_iso(as_of),
                                         customer_count=len(r.customers),
                                         score_digest=r.digest, known_position=known_position,
                                         summary_json=summary_json)
            if not request.dry_run:  # it records an entry: who, why, and which request
                _mutating(request, "recording a re-score")
                rec = cpb.RecordPortfolioRescoreRequest
                o = self._submit(cpb.Command(record_portfolio_rescore=rec(
                    request_id=rid,
                    actor=request.actor, reason=request.reason, model_version=version,
                    as_of=day_to_iso(as_of), known_position=known_position,
                    customer_count=len(r.customers), score_digest=r.digest,
                    summary_json=summary_json)))
                summary.position = o.position
        except LedgerError as e:
            abort(context, e)
            return
        yield rpb.RescoreChunk(summary=summary)
        cust = r.customers
        for lo in range(0, len(cust), chunk):
            part = cust[lo:lo + chunk].tolist()
            yield rpb.RescoreChunk(customer_ids=[ids[c] for c in part],
                                   currencies=[cur_names[c] for c in codes[lo:lo + chunk].tolist()],
                                   pd=r.pd[lo:lo + chunk].tolist(),
                                   exposure_minor=r.portfolio.exposure[part].tolist(),
                                   expected_loss_minor=r.expected_loss[lo:lo + chunk].tolist())

    @guard
    def GetScore(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        version = self._version(request.model_version)
        known_at = self.clocks.known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ix = customer(S, request.customer_id)
            model = risk.model_of(S, version)
            s = risk.customer_score(S, model, as_of, views.known_seq_at(S, known_at), ix)
        return rpb.CustomerScore(customer_id=request.customer_id, currency=s.currency,
                                 model_version=version, as_of=day_to_iso(as_of), pd=s.pd,
                                 exposure_minor=s.exposure_minor,
                                 expected_loss_minor=s.expected_loss_minor,
                                 loss_given_default=s.loss_given_default,
                                 top_features=_contrib(s.top_features),
                                 features=_contrib(s.features))

    @guard
    def GetWorklist(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        version = self._version(request.model_version)
        if request.currency:
            V.currency(request.currency)
        disputes = {rpb.DISPUTE_FILTER_UNSPECIFIED: risk.DISPUTES_ANY,
                    rpb.WITH_OPEN_DISPUTE: risk.DISPUTES_WITH,
                    rpb.WITHOUT_OPEN_DISPUTE: risk.DISPUTES_WITHOUT}.get(request.disputes)
        promises = {rpb.PROMISE_FILTER_UNSPECIFIED: risk.PROMISES_ANY,
                    rpb.WITH_ACTIVE_PROMISE: risk.PROMISES_ACTIVE,
                    rpb.WITHOUT_ACTIVE_PROMISE: risk.PROMISES_NONE_ACTIVE,
                    rpb.WITH_BROKEN_PROMISE: risk.PROMISES_BROKEN}.get(request.promises)
        if disputes is None or promises is None:
            raise error("INVALID_ENUM", "unknown dispute or promise filter")
        if not 0 <= request.dunning_level_min <= limits.dunning_level_filter_max:
            raise error("INVALID_RISK_PARAMETER",
                        f"dunning_level_min must be 0..{limits.dunning_level_filter_max}")
        known_at = self.clocks.known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ks, offset, size = page(request, S, as_of, known_at,
                                    default=limits.worklist_page_size_default,
                                    maximum=limits.worklist_page_size_max)
            total, rows = risk.worklist_page(
                S, risk.model_of(S, version), as_of, currency=request.currency,
                disputes=disputes, dunning_min=request.dunning_level_min, promises=promises,
                limit=size, offset=offset, known_seq=ks)
        out = rpb.Worklist(model_version=version, as_of=day_to_iso(as_of), total_size=total)
        out.next_page_token = next_token(request, as_of, ks, offset, size, total)
        for r in rows:
            out.rows.add(rank=r.rank, customer_id=r.customer_id, currency=r.currency, pd=r.pd,
                         exposure_minor=r.exposure_minor,
                         expected_loss_minor=r.expected_loss_minor,
                         open_disputes=r.open_disputes, top_features=_contrib(r.top_features),
                         why=r.why, dunning_level=r.dunning_level,
                         active_promise=r.active_promise, broken_promises=r.broken_promises)
        return out

    @guard
    def Calibrate(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        version = ""
        if request.register:
            _mutating(request, "registering a risk model")
            version = V.ident(request.new_version, "new_version")
        elif request.new_version:
            version = V.ident(request.new_version, "new_version")
        with self.ledger.reading() as S:
            if version and (version in BUILTIN or version in S.risk_model_ix):
                raise error("MODEL_VERSION_EXISTS", f"risk model {version!r} is registered "
                            "already")
            fit = risk.calibrate(S, as_of, horizon=request.horizon_days or 90,
                                 step=request.step_days or 30,
                                 history=request.history_days or 365,
                                 holdout=request.holdout_share or 0.3, version=version)
        rep = fit.report
        model_json = json.dumps(fit.model, sort_keys=True, separators=(",", ":"))
        out = rpb.CalibrationReport(
            model_json=model_json, samples_train=rep.samples_train,
            samples_holdout=rep.samples_holdout, defaults_train=rep.defaults_train,
            defaults_holdout=rep.defaults_holdout, snapshots=rep.snapshots,
            auc_train=rep.auc_train, auc_holdout=rep.auc_holdout,
            brier_holdout=rep.brier_holdout,
            calibration=[rpb.CalibrationBin(pd_low=b.pd_low, pd_high=b.pd_high, count=b.count,
                                            mean_pd=b.mean_pd, observed_rate=b.observed_rate)
                         for b in rep.calibration],
            coefficients=[rpb.Coefficient(feature=c.feature, coefficient=c.coefficient,
                                          std_error=c.std_error) for c in rep.coefficients])
        if request.register:
            o = self._submit(cpb.Command(register_risk_model=cpb.RegisterRiskModelRequest(
                request_id=request.request_id,
                actor=request.actor, reason=request.reason, model_version=version,
                model_json=model_json, effective_date=day_to_iso(as_of))))
            out.registered, out.position = True, o.position
        return out

    @guard
    def GetProvisionMatrix(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self.clocks.as_of(request.as_of)
        edges = tuple(request.bucket_edges_days) or risk.views.DEFAULT_EDGES_DAYS
        with self.ledger.reading() as S:
            pm = risk.provision_matrix(S, as_of, edges=edges,
                                       maturity=request.maturity_days or 180,
                                       history=request.history_days or 365)
        out = rpb.ProvisionMatrix(as_of=day_to_iso(as_of), bucket_labels=pm.bucket_labels,
                                  maturity_days=pm.maturity_days, history_days=pm.history_days,
                                  cohort_invoices=pm.cohort_invoices)
        for r in pm.rows:
            out.rows.add(currency=r.currency, entered_minor=r.entered_minor,
                         never_paid_minor=r.never_paid_minor,
                         loss_rate=[math.nan if x is None else x for x in r.loss_rate],
                         open_minor=r.open_minor, ecl_minor=r.ecl_minor,
                         total_open_minor=r.total_open_minor, total_ecl_minor=r.total_ecl_minor)
        return out

    @guard
    def RegisterModel(self, request, context):  # type: ignore[no-untyped-def]
        try:
            version = json.loads(request.model_json).get("version", "")
        except (ValueError, AttributeError):
            raise error("INVALID_RISK_MODEL", "model_json is not a JSON object") from None
        if not isinstance(version, str) or not version:
            raise error("INVALID_RISK_MODEL", "the model JSON needs a \"version\"")
        _mutating(request, "registering a risk model")
        day = request.effective_date or day_to_iso(self.clocks.as_of(""))
        o = self._submit(cpb.Command(register_risk_model=cpb.RegisterRiskModelRequest(
            request_id=request.request_id, actor=request.actor,
            reason=request.reason, model_version=version, model_json=request.model_json,
            effective_date=day)))
        return rpb.RegisterModelResponse(model_version=version, position=o.position)

    @guard
    def ListModels(self, request, context):  # type: ignore[no-untyped-def]
        out = rpb.ListModelsResponse()
        for v, text in BUILTIN.items():
            out.models.add(model_version=v, builtin=True, model_json=text)
        with self.ledger.reading() as S:
            for v, text in zip(S.risk_model_versions, S.risk_model_json):
                out.models.add(model_version=v, builtin=False, model_json=text)
        return out


def add_to_server(server: grpc.Server, ledger: Ledger, clock: Callable[[], int]) -> str:
    rgrpc.add_RiskServiceServicer_to_server(RiskServicer(ledger, clock), server)
    return SERVICE.full_name


__all__ = ["SERVICE", "ERRORS_DOC", "add_to_server", "RiskServicer"]
