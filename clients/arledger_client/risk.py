"""Portfolio risk from Python: re-scores, scores, the worklist, calibration, provision matrix.

    from arledger_client import RiskClient
    with RiskClient("127.0.0.1:50051") as risk:
        run = risk.rescore(as_of="2026-06-30")          # records a PortfolioRescored entry
        print(run.summary["score_digest"], len(run.customer_ids))
        for row in risk.worklist(as_of="2026-06-30", currency="EUR", limit=10):
            print(row["rank"], row["customer_id"], row["expected_loss_minor"], row["why"])

Results are plain dicts (field names as in proto/arledger/v1/risk.proto, 64-bit integers
as ints) and, for a re-score, a `Rescore` with numpy-free parallel lists. Errors are the
SDK's typed errors carrying the server's stable reason.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import json_format

from arledger_client.commands import new_request_id
from arledger_client.connection import Connection
from arledger_client.credentials import Credentials
from arledger_client.errors import from_rpc_error
from arledger_client.models import DateLike, _iso, _timestamp
from arledger_client.v1 import risk_pb2 as rpb
from arledger_client.v1 import risk_pb2_grpc as rgrpc

_DISPUTES: dict[str, rpb.DisputeFilter.ValueType] = {
    "any": rpb.DISPUTE_FILTER_UNSPECIFIED, "with": rpb.WITH_OPEN_DISPUTE,
    "without": rpb.WITHOUT_OPEN_DISPUTE}
_PROMISES: dict[str, rpb.PromiseFilter.ValueType] = {
    "any": rpb.PROMISE_FILTER_UNSPECIFIED, "active": rpb.WITH_ACTIVE_PROMISE,
    "none-active": rpb.WITHOUT_ACTIVE_PROMISE, "broken": rpb.WITH_BROKEN_PROMISE}


def _plain(msg: Any) -> dict[str, Any]:
    d = json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                  always_print_fields_with_no_presence=True)
    data: dict[str, Any] = _ints(msg, d)
    return data


def _ints(msg: Any, d: Any) -> Any:
    """protobuf's JSON mapping writes int64 as strings; give them back as ints."""
    if not isinstance(d, dict):
        return d
    for f in msg.DESCRIPTOR.fields:
        v = d.get(f.name)
        if v is None:
            continue
        if f.type in (f.TYPE_INT64, f.TYPE_UINT64):
            d[f.name] = [int(x) for x in v] if isinstance(v, list) else int(v)
        elif f.message_type is not None:
            sub = getattr(msg, f.name)
            d[f.name] = ([_ints(m, x) for m, x in zip(sub, v)] if isinstance(v, list)
                         else _ints(sub, v))
    return d


@dataclass
class Rescore:
    """A re-score: its summary (model_version, as_of, customer_count, score_digest,
    known_position, position, summary) and the scores as parallel lists."""

    summary: dict[str, Any] = field(default_factory=dict[str, Any])
    customer_ids: list[str] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)
    pd: list[float] = field(default_factory=list)
    exposure_minor: list[int] = field(default_factory=list)
    expected_loss_minor: list[int] = field(default_factory=list)


class RiskClient(Connection):
    """A connection to an arledger server's RiskService (use as a context manager)."""

    def __init__(self, target: str, *, timeout_s: float = 300.0,
                 channel: grpc.Channel | None = None,
                 credentials: Credentials | None = None) -> None:
        super().__init__(target, channel, timeout_s, credentials)
        self._stub = rgrpc.RiskServiceStub(self._channel)

    def _call(self, method: str, request: Any) -> Any:
        return self._unary(self._stub, method, request)

    def rescore(self, *, model_version: str = "", as_of: DateLike | None = None,
                dry_run: bool = False, request_id: str = "", actor: str = "",
                reason: str = "", chunk_size: int = 0) -> Rescore:
        """Score every customer; unless dry_run the server records it in the log."""
        req = rpb.RescorePortfolioRequest(model_version=model_version,
                                          as_of=_iso(as_of) if as_of else "", dry_run=dry_run,
                                          request_id=request_id or ("" if dry_run
                                                                    else new_request_id()),
                                          actor=actor, reason=reason, chunk_size=chunk_size)
        out = Rescore()
        try:
            for chunk in self._stub.RescorePortfolio(req, timeout=self.timeout_s):
                if chunk.HasField("summary"):
                    out.summary = _plain(chunk.summary)
                    out.summary["summary"] = json.loads(chunk.summary.summary_json or "{}")
                out.customer_ids.extend(chunk.customer_ids)
                out.currencies.extend(chunk.currencies)
                out.pd.extend(chunk.pd)
                out.exposure_minor.extend(chunk.exposure_minor)
                out.expected_loss_minor.extend(chunk.expected_loss_minor)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None
        return out

    def score(self, customer_id: str, *, model_version: str = "",
              as_of: DateLike | None = None, known_at: dt.datetime | None = None) -> dict[str, Any]:
        """One customer's PD, exposure, expected loss, top features and every feature."""
        req = rpb.GetScoreRequest(customer_id=customer_id, model_version=model_version,
                                  as_of=_iso(as_of) if as_of else "")
        if known_at is not None:
            req.known_at.CopyFrom(_timestamp(known_at))
        return _plain(self._call("GetScore", req))

    def worklist(self, *, model_version: str = "", as_of: DateLike | None = None,
                 currency: str = "", disputes: str = "any", dunning_level_min: int = 0,
                 promises: str = "any", limit: int = 50) -> list[dict[str, Any]]:
        """Customers ranked by expected loss within each currency; disputes is "any",
        "with" (an open dispute) or "without"; promises "any", "active", "none-active" or
        "broken"; dunning_level_min keeps customers dunned at least that far."""
        rows: list[dict[str, Any]] = self.worklist_page(
            model_version=model_version, as_of=as_of, currency=currency, disputes=disputes,
            dunning_level_min=dunning_level_min, promises=promises, page_size=limit)["rows"]
        return rows

    def worklist_page(self, *, model_version: str = "", as_of: DateLike | None = None,
                      known_at: dt.datetime | None = None, currency: str = "",
                      disputes: str = "any", dunning_level_min: int = 0, promises: str = "any",
                      page_size: int = 50, page_token: str = "", skip: int = 0) -> dict[str, Any]:
        """One page of the worklist: {"rows", "next_page_token" ("" on the last page),
        "total_size", "model_version", "as_of"}; pass next_page_token back for the next
        page (ranks continue, read at the first page's known segment)."""
        req = rpb.GetWorklistRequest(
            model_version=model_version, as_of=_iso(as_of) if as_of else "", currency=currency,
            disputes=_DISPUTES[disputes], page_size=page_size,
            dunning_level_min=dunning_level_min, promises=_PROMISES[promises],
            page_token=page_token, skip=skip)
        if known_at is not None:
            req.known_at.CopyFrom(_timestamp(known_at))
        out = _plain(self._call("GetWorklist", req))
        out.setdefault("rows", [])
        return out

    def calibrate(self, *, as_of: DateLike | None = None, horizon_days: int = 0,
                  step_days: int = 0, history_days: int = 0, holdout_share: float = 0.0,
                  new_version: str = "", register: bool = False, request_id: str = "",
                  actor: str = "", reason: str = "") -> dict[str, Any]:
        """Fit a model on the ledger's history; register it as new_version if asked."""
        rep = _plain(self._call("Calibrate", rpb.CalibrateRequest(
            as_of=_iso(as_of) if as_of else "", horizon_days=horizon_days,
            step_days=step_days, history_days=history_days, holdout_share=holdout_share,
            new_version=new_version, register=register,
            request_id=request_id or (new_request_id() if register else ""), actor=actor,
            reason=reason)))
        rep["model"] = json.loads(rep.pop("model_json"))
        return rep

    def provision_matrix(self, *, as_of: DateLike | None = None,
                         bucket_edges_days: tuple[int, ...] = (), maturity_days: int = 0,
                         history_days: int = 0) -> dict[str, Any]:
        """Loss rates per aging bucket from history, and the expected credit loss."""
        return _plain(self._call("GetProvisionMatrix", rpb.GetProvisionMatrixRequest(
            as_of=_iso(as_of) if as_of else "", bucket_edges_days=list(bucket_edges_days),
            maturity_days=maturity_days, history_days=history_days)))

    def register_model(self, model: dict[str, Any] | str, *, actor: str, reason: str,
                       effective_date: DateLike | None = None,
                       request_id: str = "") -> dict[str, Any]:
        """Register a model version (the JSON's "version" names it)."""
        text = model if isinstance(model, str) else json.dumps(model)
        return _plain(self._call("RegisterModel", rpb.RegisterModelRequest(
            model_json=text, actor=actor, reason=reason, request_id=request_id or new_request_id(),
            effective_date=_iso(effective_date) if effective_date else "")))

    def list_models(self) -> list[dict[str, Any]]:
        """Every model version (built in and registered), with its JSON parsed."""
        out: list[dict[str, Any]] = _plain(self._call("ListModels",
                                                      rpb.ListModelsRequest()))["models"]
        for m in out:
            m["model"] = json.loads(m.pop("model_json"))
        return out
