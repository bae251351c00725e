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
import numpy as np

from arledger.domain import validate as V
from arledger.domain.dates import day_to_iso
from arledger.domain.errors import LedgerError, error
from arledger.domain.risk_models import BUILTIN, DEFAULT_VERSION
from arledger.engine.state import request_of
from arledger.engine import Ledger
from arledger.projections import risk
from arledger.projections import views
from arledger.server import QueryServicer, _abort, _guard, _make_token, _read_token, auth
from arledger.server.search import _query_key
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
CHUNK_DEFAULT, CHUNK_MAX = 10_000, 100_000
WORKLIST_DEFAULT, WORKLIST_MAX = 50, 1000


def _mutating(request, what: str) -> None:  # type: ignore[no-untyped-def]
    """A call that records an entry needs a request id, an actor and a reason, like every
    command. The actor is the authenticated principal (or principal/detail): set here."""
    request.actor = auth.actor_for(auth.current(), request.actor)
    V.ident(request.request_id, "request_id")
    V.person(request.actor, request.reason, what)


def _contrib(items: list[dict]) -> list[rpb.FeatureContribution]:
    return [rpb.FeatureContribution(feature=t["feature"], value=t["value"],
                                    contribution=t["contribution"]) for t in items]


class RiskServicer(rgrpc.RiskServiceServicer):
    def __init__(self, ledger: Ledger, clock: Callable[[], int]) -> None:
        self.ledger = ledger
        self._q = QueryServicer(ledger, clock)  # as_of defaults and customer lookups

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
            chunk = request.chunk_size or CHUNK_DEFAULT
            if not 0 < chunk <= CHUNK_MAX:
                raise error("INVALID_RISK_PARAMETER", f"chunk_size must be 1..{CHUNK_MAX}")
            as_of = self._q._as_of(request.as_of)
            version = self._version(request.model_version)
            rid = request.request_id
            with self.ledger.reading() as S:
                r = risk.rescore(S, risk.model_of(S, version), as_of)
                known_position = S.head_position
                prior = request_of(S, rid) if not request.dry_run else None
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
            if prior is not None:
                # A retry: when it scores the same (nothing moved since but entries that change
                # no figure, like the re-score itself), it is the recorded re-score; carry the
                # position recorded then, so the ledger answers DUPLICATE, not REQUEST_ID_REUSED.
                f = self.ledger.entry_at(prior[1])["fields"]
                if (f.get("score_digest"), f.get("model_version"), f.get("as_of_date")) == (
                        r.digest, version, day_to_iso(as_of)):
                    known_position = int(f["known_position"])
                    summary.known_position = known_position
            if not request.dry_run:  # it records an entry: who, why, and which request
                _mutating(request, "recording a re-score")
                o = self._submit(cpb.Command(record_portfolio_rescore=cpb.RecordPortfolioRescoreRequest(
                    request_id=rid,
                    actor=request.actor, reason=request.reason, model_version=version,
                    as_of=day_to_iso(as_of), known_position=known_position,
                    customer_count=len(r.customers), score_digest=r.digest,
                    summary_json=summary_json)))
                summary.position = o.position
        except LedgerError as e:
            _abort(context, e)
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

    @_guard
    def GetScore(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self._q._as_of(request.as_of)
        version = self._version(request.model_version)
        known_at = self._q._known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ix = self._q._customer(S, request.customer_id)
            model = risk.model_of(S, version)
            pf = risk.features(S, as_of, views.known_seq_at(S, known_at))
            one = np.asarray([ix])
            pd = float(risk.score(model, np.ascontiguousarray(pf.X[:, one]))[0])
            exposure = int(pf.exposure[ix])
            el = int(risk.expected_loss(model, np.asarray([pd], np.float32),
                                        np.asarray([exposure]))[0])
            c = risk.contributions(model, pf.X, one)[0]
            feats = [{"feature": f, "value": float(pf.X[model.rows[k], ix]),
                      "contribution": float(c[k])} for k, f in enumerate(model.features)]
            currency = S.currencies[S.customers.currency[ix]]
        top = sorted(feats, key=lambda t: -t["contribution"])[:3]
        return rpb.CustomerScore(customer_id=request.customer_id, currency=currency,
                                 model_version=version, as_of=day_to_iso(as_of), pd=pd,
                                 exposure_minor=exposure, expected_loss_minor=el,
                                 loss_given_default=model.lgd, top_features=_contrib(top),
                                 features=_contrib(feats))

    @_guard
    def GetWorklist(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self._q._as_of(request.as_of)
        version = self._version(request.model_version)
        size = request.page_size or WORKLIST_DEFAULT
        if not 0 < size <= WORKLIST_MAX:
            raise error("INVALID_PAGE_SIZE", f"page_size must be 1..{WORKLIST_MAX}")
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
        if not 0 <= request.dunning_level_min <= 1000:
            raise error("INVALID_RISK_PARAMETER", "dunning_level_min must be 0..1000")
        known_at = self._q._known_at(request)  # settled before the lock
        with self.ledger.reading() as S:
            ks, offset = views.known_seq_at(S, known_at), 0
            if request.page_token:  # the token pins the view (its known segment)
                tok = _read_token(request.page_token)
                if tok.get("c") != _query_key(request) or tok.get("a") != as_of:
                    raise error("INVALID_PAGE_TOKEN", "the token belongs to another query")
                try:
                    ks, offset = int(tok["k"]), int(tok["o"])
                except (TypeError, ValueError):
                    raise error("INVALID_PAGE_TOKEN", "not a page token this server "
                                "issued") from None
                if not 0 <= ks <= S.head_seq or offset < 0:
                    raise error("INVALID_PAGE_TOKEN", "not a page token this server issued")
            if request.skip < 0:
                raise error("INVALID_PAGE_SIZE", "skip must be >= 0")
            offset += request.skip
            total, rows = risk.worklist_page(
                S, risk.model_of(S, version), as_of, currency=request.currency,
                disputes=disputes, dunning_min=request.dunning_level_min, promises=promises,
                limit=size, offset=offset, known_seq=ks)
        out = rpb.Worklist(model_version=version, as_of=day_to_iso(as_of), total_size=total)
        if offset + size < total:
            out.next_page_token = _make_token({"c": _query_key(request), "a": as_of, "k": ks,
                                               "o": offset + size})
        for r in rows:
            out.rows.add(rank=r["rank"], customer_id=r["customer_id"], currency=r["currency"],
                         pd=r["pd"], exposure_minor=r["exposure_minor"],
                         expected_loss_minor=r["expected_loss_minor"],
                         open_disputes=r["open_disputes"], top_features=_contrib(r["top_features"]),
                         why=r["why"], dunning_level=r["dunning_level"],
                         active_promise=r["active_promise"],
                         broken_promises=r["broken_promises"])
        return out

    @_guard
    def Calibrate(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self._q._as_of(request.as_of)
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
        rep = fit["report"]
        model_json = json.dumps(fit["model"], sort_keys=True, separators=(",", ":"))
        out = rpb.CalibrationReport(
            model_json=model_json, samples_train=rep["samples_train"],
            samples_holdout=rep["samples_holdout"], defaults_train=rep["defaults_train"],
            defaults_holdout=rep["defaults_holdout"], snapshots=rep["snapshots"],
            auc_train=rep["auc_train"], auc_holdout=rep["auc_holdout"],
            brier_holdout=rep["brier_holdout"],
            calibration=[rpb.CalibrationBin(**b) for b in rep["calibration"]],
            coefficients=[rpb.Coefficient(**c) for c in rep["coefficients"]])
        if request.register:
            o = self._submit(cpb.Command(register_risk_model=cpb.RegisterRiskModelRequest(
                request_id=request.request_id,
                actor=request.actor, reason=request.reason, model_version=version,
                model_json=model_json, effective_date=day_to_iso(as_of))))
            out.registered, out.position = True, o.position
        return out

    @_guard
    def GetProvisionMatrix(self, request, context):  # type: ignore[no-untyped-def]
        as_of = self._q._as_of(request.as_of)
        edges = tuple(request.bucket_edges_days) or risk.views.DEFAULT_EDGES_DAYS
        with self.ledger.reading() as S:
            pm = risk.provision_matrix(S, as_of, edges=edges,
                                       maturity=request.maturity_days or 180,
                                       history=request.history_days or 365)
        out = rpb.ProvisionMatrix(as_of=day_to_iso(as_of), bucket_labels=pm["bucket_labels"],
                                  maturity_days=pm["maturity_days"],
                                  history_days=pm["history_days"],
                                  cohort_invoices=pm["cohort_invoices"])
        for r in pm["rows"]:
            out.rows.add(currency=r["currency"], entered_minor=r["entered_minor"],
                         never_paid_minor=r["never_paid_minor"],
                         loss_rate=[math.nan if x is None else x for x in r["loss_rate"]],
                         open_minor=r["open_minor"], ecl_minor=r["ecl_minor"],
                         total_open_minor=r["total_open_minor"],
                         total_ecl_minor=r["total_ecl_minor"])
        return out

    @_guard
    def RegisterModel(self, request, context):  # type: ignore[no-untyped-def]
        try:
            version = json.loads(request.model_json).get("version", "")
        except (ValueError, AttributeError):
            raise error("INVALID_RISK_MODEL", "model_json is not a JSON object") from None
        if not isinstance(version, str) or not version:
            raise error("INVALID_RISK_MODEL", "the model JSON needs a \"version\"")
        _mutating(request, "registering a risk model")
        day = request.effective_date or day_to_iso(self._q._as_of(""))
        o = self._submit(cpb.Command(register_risk_model=cpb.RegisterRiskModelRequest(
            request_id=request.request_id, actor=request.actor,
            reason=request.reason, model_version=version, model_json=request.model_json,
            effective_date=day)))
        return rpb.RegisterModelResponse(model_version=version, position=o.position)

    @_guard
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
