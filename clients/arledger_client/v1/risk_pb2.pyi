import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DisputeFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPUTE_FILTER_UNSPECIFIED: _ClassVar[DisputeFilter]
    WITH_OPEN_DISPUTE: _ClassVar[DisputeFilter]
    WITHOUT_OPEN_DISPUTE: _ClassVar[DisputeFilter]

class PromiseFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROMISE_FILTER_UNSPECIFIED: _ClassVar[PromiseFilter]
    WITH_ACTIVE_PROMISE: _ClassVar[PromiseFilter]
    WITHOUT_ACTIVE_PROMISE: _ClassVar[PromiseFilter]
    WITH_BROKEN_PROMISE: _ClassVar[PromiseFilter]
DISPUTE_FILTER_UNSPECIFIED: DisputeFilter
WITH_OPEN_DISPUTE: DisputeFilter
WITHOUT_OPEN_DISPUTE: DisputeFilter
PROMISE_FILTER_UNSPECIFIED: PromiseFilter
WITH_ACTIVE_PROMISE: PromiseFilter
WITHOUT_ACTIVE_PROMISE: PromiseFilter
WITH_BROKEN_PROMISE: PromiseFilter

class RescorePortfolioRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "model_version", "as_of", "dry_run", "chunk_size")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    model_version: str
    as_of: str
    dry_run: bool
    chunk_size: int
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., model_version: _Optional[str] = ..., as_of: _Optional[str] = ..., dry_run: _Optional[bool] = ..., chunk_size: _Optional[int] = ...) -> None: ...

class RescoreSummary(_message.Message):
    __slots__ = ("model_version", "as_of", "customer_count", "score_digest", "known_position", "position", "summary_json")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_COUNT_FIELD_NUMBER: _ClassVar[int]
    SCORE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    KNOWN_POSITION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_JSON_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    as_of: str
    customer_count: int
    score_digest: str
    known_position: int
    position: int
    summary_json: str
    def __init__(self, model_version: _Optional[str] = ..., as_of: _Optional[str] = ..., customer_count: _Optional[int] = ..., score_digest: _Optional[str] = ..., known_position: _Optional[int] = ..., position: _Optional[int] = ..., summary_json: _Optional[str] = ...) -> None: ...

class RescoreChunk(_message.Message):
    __slots__ = ("summary", "customer_ids", "currencies", "pd", "exposure_minor", "expected_loss_minor")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    CURRENCIES_FIELD_NUMBER: _ClassVar[int]
    PD_FIELD_NUMBER: _ClassVar[int]
    EXPOSURE_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_LOSS_MINOR_FIELD_NUMBER: _ClassVar[int]
    summary: RescoreSummary
    customer_ids: _containers.RepeatedScalarFieldContainer[str]
    currencies: _containers.RepeatedScalarFieldContainer[str]
    pd: _containers.RepeatedScalarFieldContainer[float]
    exposure_minor: _containers.RepeatedScalarFieldContainer[int]
    expected_loss_minor: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, summary: _Optional[_Union[RescoreSummary, _Mapping]] = ..., customer_ids: _Optional[_Iterable[str]] = ..., currencies: _Optional[_Iterable[str]] = ..., pd: _Optional[_Iterable[float]] = ..., exposure_minor: _Optional[_Iterable[int]] = ..., expected_loss_minor: _Optional[_Iterable[int]] = ...) -> None: ...

class GetScoreRequest(_message.Message):
    __slots__ = ("customer_id", "model_version", "as_of", "known_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    model_version: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., model_version: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FeatureContribution(_message.Message):
    __slots__ = ("feature", "value", "contribution")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    feature: str
    value: float
    contribution: float
    def __init__(self, feature: _Optional[str] = ..., value: _Optional[float] = ..., contribution: _Optional[float] = ...) -> None: ...

class CustomerScore(_message.Message):
    __slots__ = ("customer_id", "currency", "model_version", "as_of", "pd", "exposure_minor", "expected_loss_minor", "loss_given_default", "top_features", "features")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    PD_FIELD_NUMBER: _ClassVar[int]
    EXPOSURE_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_LOSS_MINOR_FIELD_NUMBER: _ClassVar[int]
    LOSS_GIVEN_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    TOP_FEATURES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    currency: str
    model_version: str
    as_of: str
    pd: float
    exposure_minor: int
    expected_loss_minor: int
    loss_given_default: float
    top_features: _containers.RepeatedCompositeFieldContainer[FeatureContribution]
    features: _containers.RepeatedCompositeFieldContainer[FeatureContribution]
    def __init__(self, customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., model_version: _Optional[str] = ..., as_of: _Optional[str] = ..., pd: _Optional[float] = ..., exposure_minor: _Optional[int] = ..., expected_loss_minor: _Optional[int] = ..., loss_given_default: _Optional[float] = ..., top_features: _Optional[_Iterable[_Union[FeatureContribution, _Mapping]]] = ..., features: _Optional[_Iterable[_Union[FeatureContribution, _Mapping]]] = ...) -> None: ...

class GetWorklistRequest(_message.Message):
    __slots__ = ("model_version", "as_of", "currency", "disputes", "page_size", "dunning_level_min", "promises", "page_token", "known_at", "skip")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    DUNNING_LEVEL_MIN_FIELD_NUMBER: _ClassVar[int]
    PROMISES_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    as_of: str
    currency: str
    disputes: DisputeFilter
    page_size: int
    dunning_level_min: int
    promises: PromiseFilter
    page_token: str
    known_at: _timestamp_pb2.Timestamp
    skip: int
    def __init__(self, model_version: _Optional[str] = ..., as_of: _Optional[str] = ..., currency: _Optional[str] = ..., disputes: _Optional[_Union[DisputeFilter, str]] = ..., page_size: _Optional[int] = ..., dunning_level_min: _Optional[int] = ..., promises: _Optional[_Union[PromiseFilter, str]] = ..., page_token: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., skip: _Optional[int] = ...) -> None: ...

class WorklistRow(_message.Message):
    __slots__ = ("rank", "customer_id", "currency", "pd", "exposure_minor", "expected_loss_minor", "open_disputes", "top_features", "why", "dunning_level", "active_promise", "broken_promises")
    RANK_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PD_FIELD_NUMBER: _ClassVar[int]
    EXPOSURE_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_LOSS_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_DISPUTES_FIELD_NUMBER: _ClassVar[int]
    TOP_FEATURES_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    DUNNING_LEVEL_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_PROMISE_FIELD_NUMBER: _ClassVar[int]
    BROKEN_PROMISES_FIELD_NUMBER: _ClassVar[int]
    rank: int
    customer_id: str
    currency: str
    pd: float
    exposure_minor: int
    expected_loss_minor: int
    open_disputes: int
    top_features: _containers.RepeatedCompositeFieldContainer[FeatureContribution]
    why: str
    dunning_level: int
    active_promise: bool
    broken_promises: int
    def __init__(self, rank: _Optional[int] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., pd: _Optional[float] = ..., exposure_minor: _Optional[int] = ..., expected_loss_minor: _Optional[int] = ..., open_disputes: _Optional[int] = ..., top_features: _Optional[_Iterable[_Union[FeatureContribution, _Mapping]]] = ..., why: _Optional[str] = ..., dunning_level: _Optional[int] = ..., active_promise: _Optional[bool] = ..., broken_promises: _Optional[int] = ...) -> None: ...

class Worklist(_message.Message):
    __slots__ = ("model_version", "as_of", "rows", "next_page_token", "total_size")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    as_of: str
    rows: _containers.RepeatedCompositeFieldContainer[WorklistRow]
    next_page_token: str
    total_size: int
    def __init__(self, model_version: _Optional[str] = ..., as_of: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[WorklistRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class CalibrateRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "as_of", "horizon_days", "step_days", "history_days", "holdout_share", "new_version", "register")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    HORIZON_DAYS_FIELD_NUMBER: _ClassVar[int]
    STEP_DAYS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_SHARE_FIELD_NUMBER: _ClassVar[int]
    NEW_VERSION_FIELD_NUMBER: _ClassVar[int]
    REGISTER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    as_of: str
    horizon_days: int
    step_days: int
    history_days: int
    holdout_share: float
    new_version: str
    register: bool
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., as_of: _Optional[str] = ..., horizon_days: _Optional[int] = ..., step_days: _Optional[int] = ..., history_days: _Optional[int] = ..., holdout_share: _Optional[float] = ..., new_version: _Optional[str] = ..., register: _Optional[bool] = ...) -> None: ...

class CalibrationBin(_message.Message):
    __slots__ = ("pd_low", "pd_high", "count", "mean_pd", "observed_rate")
    PD_LOW_FIELD_NUMBER: _ClassVar[int]
    PD_HIGH_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_PD_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_RATE_FIELD_NUMBER: _ClassVar[int]
    pd_low: float
    pd_high: float
    count: int
    mean_pd: float
    observed_rate: float
    def __init__(self, pd_low: _Optional[float] = ..., pd_high: _Optional[float] = ..., count: _Optional[int] = ..., mean_pd: _Optional[float] = ..., observed_rate: _Optional[float] = ...) -> None: ...

class Coefficient(_message.Message):
    __slots__ = ("feature", "coefficient", "std_error")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    COEFFICIENT_FIELD_NUMBER: _ClassVar[int]
    STD_ERROR_FIELD_NUMBER: _ClassVar[int]
    feature: str
    coefficient: float
    std_error: float
    def __init__(self, feature: _Optional[str] = ..., coefficient: _Optional[float] = ..., std_error: _Optional[float] = ...) -> None: ...

class CalibrationReport(_message.Message):
    __slots__ = ("model_json", "samples_train", "samples_holdout", "defaults_train", "defaults_holdout", "snapshots", "auc_train", "auc_holdout", "brier_holdout", "calibration", "coefficients", "registered", "position")
    MODEL_JSON_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_TRAIN_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_TRAIN_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    AUC_TRAIN_FIELD_NUMBER: _ClassVar[int]
    AUC_HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    BRIER_HOLDOUT_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    COEFFICIENTS_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    model_json: str
    samples_train: int
    samples_holdout: int
    defaults_train: int
    defaults_holdout: int
    snapshots: int
    auc_train: float
    auc_holdout: float
    brier_holdout: float
    calibration: _containers.RepeatedCompositeFieldContainer[CalibrationBin]
    coefficients: _containers.RepeatedCompositeFieldContainer[Coefficient]
    registered: bool
    position: int
    def __init__(self, model_json: _Optional[str] = ..., samples_train: _Optional[int] = ..., samples_holdout: _Optional[int] = ..., defaults_train: _Optional[int] = ..., defaults_holdout: _Optional[int] = ..., snapshots: _Optional[int] = ..., auc_train: _Optional[float] = ..., auc_holdout: _Optional[float] = ..., brier_holdout: _Optional[float] = ..., calibration: _Optional[_Iterable[_Union[CalibrationBin, _Mapping]]] = ..., coefficients: _Optional[_Iterable[_Union[Coefficient, _Mapping]]] = ..., registered: _Optional[bool] = ..., position: _Optional[int] = ...) -> None: ...

class GetProvisionMatrixRequest(_message.Message):
    __slots__ = ("as_of", "bucket_edges_days", "maturity_days", "history_days")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    BUCKET_EDGES_DAYS_FIELD_NUMBER: _ClassVar[int]
    MATURITY_DAYS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    bucket_edges_days: _containers.RepeatedScalarFieldContainer[int]
    maturity_days: int
    history_days: int
    def __init__(self, as_of: _Optional[str] = ..., bucket_edges_days: _Optional[_Iterable[int]] = ..., maturity_days: _Optional[int] = ..., history_days: _Optional[int] = ...) -> None: ...

class ProvisionRow(_message.Message):
    __slots__ = ("currency", "entered_minor", "never_paid_minor", "loss_rate", "open_minor", "ecl_minor", "total_open_minor", "total_ecl_minor")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ENTERED_MINOR_FIELD_NUMBER: _ClassVar[int]
    NEVER_PAID_MINOR_FIELD_NUMBER: _ClassVar[int]
    LOSS_RATE_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    ECL_MINOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ECL_MINOR_FIELD_NUMBER: _ClassVar[int]
    currency: str
    entered_minor: _containers.RepeatedScalarFieldContainer[int]
    never_paid_minor: _containers.RepeatedScalarFieldContainer[int]
    loss_rate: _containers.RepeatedScalarFieldContainer[float]
    open_minor: _containers.RepeatedScalarFieldContainer[int]
    ecl_minor: _containers.RepeatedScalarFieldContainer[int]
    total_open_minor: int
    total_ecl_minor: int
    def __init__(self, currency: _Optional[str] = ..., entered_minor: _Optional[_Iterable[int]] = ..., never_paid_minor: _Optional[_Iterable[int]] = ..., loss_rate: _Optional[_Iterable[float]] = ..., open_minor: _Optional[_Iterable[int]] = ..., ecl_minor: _Optional[_Iterable[int]] = ..., total_open_minor: _Optional[int] = ..., total_ecl_minor: _Optional[int] = ...) -> None: ...

class ProvisionMatrix(_message.Message):
    __slots__ = ("as_of", "bucket_labels", "maturity_days", "history_days", "cohort_invoices", "rows")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    BUCKET_LABELS_FIELD_NUMBER: _ClassVar[int]
    MATURITY_DAYS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    COHORT_INVOICES_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    bucket_labels: _containers.RepeatedScalarFieldContainer[str]
    maturity_days: int
    history_days: int
    cohort_invoices: int
    rows: _containers.RepeatedCompositeFieldContainer[ProvisionRow]
    def __init__(self, as_of: _Optional[str] = ..., bucket_labels: _Optional[_Iterable[str]] = ..., maturity_days: _Optional[int] = ..., history_days: _Optional[int] = ..., cohort_invoices: _Optional[int] = ..., rows: _Optional[_Iterable[_Union[ProvisionRow, _Mapping]]] = ...) -> None: ...

class RegisterModelRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "model_json", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MODEL_JSON_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    model_json: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., model_json: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class RegisterModelResponse(_message.Message):
    __slots__ = ("model_version", "position")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    position: int
    def __init__(self, model_version: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RiskModelInfo(_message.Message):
    __slots__ = ("model_version", "builtin", "model_json")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    BUILTIN_FIELD_NUMBER: _ClassVar[int]
    MODEL_JSON_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    builtin: bool
    model_json: str
    def __init__(self, model_version: _Optional[str] = ..., builtin: _Optional[bool] = ..., model_json: _Optional[str] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[RiskModelInfo]
    def __init__(self, models: _Optional[_Iterable[_Union[RiskModelInfo, _Mapping]]] = ...) -> None: ...
