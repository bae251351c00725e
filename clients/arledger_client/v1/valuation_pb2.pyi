import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from arledger_client.v1 import commands_pb2 as _commands_pb2
from arledger_client.v1 import ledger_pb2 as _ledger_pb2
from arledger_client.v1 import reports_pb2 as _reports_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetAllowanceRequest(_message.Message):
    __slots__ = ("allowance_id", "version", "as_of", "known_at", "rounding", "currency", "customer_id")
    ALLOWANCE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    allowance_id: str
    version: int
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    rounding: _commands_pb2.AllowanceRounding
    currency: str
    customer_id: str
    def __init__(self, allowance_id: _Optional[str] = ..., version: _Optional[int] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rounding: _Optional[_Union[_commands_pb2.AllowanceRounding, str]] = ..., currency: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class AllowanceRow(_message.Message):
    __slots__ = ("currency", "open_minor", "allowance_minor", "total_open_minor", "total_allowance_minor", "exact_total_minor")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    ALLOWANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ALLOWANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXACT_TOTAL_MINOR_FIELD_NUMBER: _ClassVar[int]
    currency: str
    open_minor: _containers.RepeatedScalarFieldContainer[int]
    allowance_minor: _containers.RepeatedScalarFieldContainer[int]
    total_open_minor: int
    total_allowance_minor: int
    exact_total_minor: str
    def __init__(self, currency: _Optional[str] = ..., open_minor: _Optional[_Iterable[int]] = ..., allowance_minor: _Optional[_Iterable[int]] = ..., total_open_minor: _Optional[int] = ..., total_allowance_minor: _Optional[int] = ..., exact_total_minor: _Optional[str] = ...) -> None: ...

class Allowance(_message.Message):
    __slots__ = ("as_of", "position", "allowance_id", "version", "effective_date", "defined_position", "rounding", "bucket_labels", "rates_bp", "rows")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ALLOWANCE_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    DEFINED_POSITION_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    BUCKET_LABELS_FIELD_NUMBER: _ClassVar[int]
    RATES_BP_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    position: int
    allowance_id: str
    version: int
    effective_date: str
    defined_position: int
    rounding: str
    bucket_labels: _containers.RepeatedScalarFieldContainer[str]
    rates_bp: _containers.RepeatedScalarFieldContainer[int]
    rows: _containers.RepeatedCompositeFieldContainer[AllowanceRow]
    def __init__(self, as_of: _Optional[str] = ..., position: _Optional[int] = ..., allowance_id: _Optional[str] = ..., version: _Optional[int] = ..., effective_date: _Optional[str] = ..., defined_position: _Optional[int] = ..., rounding: _Optional[str] = ..., bucket_labels: _Optional[_Iterable[str]] = ..., rates_bp: _Optional[_Iterable[int]] = ..., rows: _Optional[_Iterable[_Union[AllowanceRow, _Mapping]]] = ...) -> None: ...

class FxRate(_message.Message):
    __slots__ = ("base_currency", "quote_currency", "rate", "rate_date", "source", "position", "recorded_at")
    BASE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    QUOTE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    RATE_DATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    base_currency: str
    quote_currency: str
    rate: str
    rate_date: str
    source: str
    position: int
    recorded_at: _timestamp_pb2.Timestamp
    def __init__(self, base_currency: _Optional[str] = ..., quote_currency: _Optional[str] = ..., rate: _Optional[str] = ..., rate_date: _Optional[str] = ..., source: _Optional[str] = ..., position: _Optional[int] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListFxRatesRequest(_message.Message):
    __slots__ = ("base_currency", "quote_currency", "from_date", "to_date", "known_at", "page_size", "page_token")
    BASE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    QUOTE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    base_currency: str
    quote_currency: str
    from_date: str
    to_date: str
    known_at: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, base_currency: _Optional[str] = ..., quote_currency: _Optional[str] = ..., from_date: _Optional[str] = ..., to_date: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFxRatesResponse(_message.Message):
    __slots__ = ("rates", "next_page_token", "position")
    RATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    rates: _containers.RepeatedCompositeFieldContainer[FxRate]
    next_page_token: str
    position: int
    def __init__(self, rates: _Optional[_Iterable[_Union[FxRate, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ConversionRate(_message.Message):
    __slots__ = ("currency", "rate", "inverted")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    INVERTED_FIELD_NUMBER: _ClassVar[int]
    currency: str
    rate: FxRate
    inverted: bool
    def __init__(self, currency: _Optional[str] = ..., rate: _Optional[_Union[FxRate, _Mapping]] = ..., inverted: _Optional[bool] = ...) -> None: ...

class ConsolidatedAgingRequest(_message.Message):
    __slots__ = ("reporting_currency", "as_of", "known_at", "basis", "bucket_edges_days")
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_EDGES_DAYS_FIELD_NUMBER: _ClassVar[int]
    reporting_currency: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    basis: _ledger_pb2.AgingBasis
    bucket_edges_days: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, reporting_currency: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., basis: _Optional[_Union[_ledger_pb2.AgingBasis, str]] = ..., bucket_edges_days: _Optional[_Iterable[int]] = ...) -> None: ...

class ConsolidatedAgingRow(_message.Message):
    __slots__ = ("currency", "conversion", "buckets_minor", "unapplied_minor", "disputed_minor", "balance_minor", "reporting_buckets_minor", "reporting_unapplied_minor", "reporting_disputed_minor", "reporting_balance_minor")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_BUCKETS_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    currency: str
    conversion: ConversionRate
    buckets_minor: _containers.RepeatedScalarFieldContainer[int]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int
    reporting_buckets_minor: _containers.RepeatedScalarFieldContainer[int]
    reporting_unapplied_minor: int
    reporting_disputed_minor: int
    reporting_balance_minor: int
    def __init__(self, currency: _Optional[str] = ..., conversion: _Optional[_Union[ConversionRate, _Mapping]] = ..., buckets_minor: _Optional[_Iterable[int]] = ..., unapplied_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ..., reporting_buckets_minor: _Optional[_Iterable[int]] = ..., reporting_unapplied_minor: _Optional[int] = ..., reporting_disputed_minor: _Optional[int] = ..., reporting_balance_minor: _Optional[int] = ...) -> None: ...

class ConsolidatedAging(_message.Message):
    __slots__ = ("reporting_currency", "as_of", "position", "basis", "bucket_labels", "rows", "buckets_minor", "unapplied_minor", "disputed_minor", "balance_minor")
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_LABELS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    reporting_currency: str
    as_of: str
    position: int
    basis: _ledger_pb2.AgingBasis
    bucket_labels: _containers.RepeatedScalarFieldContainer[str]
    rows: _containers.RepeatedCompositeFieldContainer[ConsolidatedAgingRow]
    buckets_minor: _containers.RepeatedScalarFieldContainer[int]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int
    def __init__(self, reporting_currency: _Optional[str] = ..., as_of: _Optional[str] = ..., position: _Optional[int] = ..., basis: _Optional[_Union[_ledger_pb2.AgingBasis, str]] = ..., bucket_labels: _Optional[_Iterable[str]] = ..., rows: _Optional[_Iterable[_Union[ConsolidatedAgingRow, _Mapping]]] = ..., buckets_minor: _Optional[_Iterable[int]] = ..., unapplied_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ...) -> None: ...

class ConsolidatedKpisRequest(_message.Message):
    __slots__ = ("reporting_currency", "period_from", "period_to", "known_at", "cei_variant", "cei_months")
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    CEI_VARIANT_FIELD_NUMBER: _ClassVar[int]
    CEI_MONTHS_FIELD_NUMBER: _ClassVar[int]
    reporting_currency: str
    period_from: str
    period_to: str
    known_at: _timestamp_pb2.Timestamp
    cei_variant: _reports_pb2.CeiVariant
    cei_months: int
    def __init__(self, reporting_currency: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cei_variant: _Optional[_Union[_reports_pb2.CeiVariant, str]] = ..., cei_months: _Optional[int] = ...) -> None: ...

class ConsolidatedKpis(_message.Message):
    __slots__ = ("reporting_currency", "position", "conversions", "kpis")
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    CONVERSIONS_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    reporting_currency: str
    position: int
    conversions: _containers.RepeatedCompositeFieldContainer[ConversionRate]
    kpis: _reports_pb2.KpiRow
    def __init__(self, reporting_currency: _Optional[str] = ..., position: _Optional[int] = ..., conversions: _Optional[_Iterable[_Union[ConversionRate, _Mapping]]] = ..., kpis: _Optional[_Union[_reports_pb2.KpiRow, _Mapping]] = ...) -> None: ...

class ConsolidatedExposureRequest(_message.Message):
    __slots__ = ("reporting_currency", "as_of", "known_at")
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    reporting_currency: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    def __init__(self, reporting_currency: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExposureRow(_message.Message):
    __slots__ = ("currency", "conversion", "receivables_minor", "unapplied_minor", "balance_minor", "exposure_minor", "past_due_minor", "disputed_minor", "credit_limit_minor", "over_limit_minor", "customers", "reporting_receivables_minor", "reporting_unapplied_minor", "reporting_balance_minor", "reporting_exposure_minor", "reporting_past_due_minor", "reporting_disputed_minor", "reporting_credit_limit_minor", "reporting_over_limit_minor")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CONVERSION_FIELD_NUMBER: _ClassVar[int]
    RECEIVABLES_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXPOSURE_MINOR_FIELD_NUMBER: _ClassVar[int]
    PAST_DUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    OVER_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    REPORTING_RECEIVABLES_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_EXPOSURE_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_PAST_DUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    REPORTING_OVER_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    currency: str
    conversion: ConversionRate
    receivables_minor: int
    unapplied_minor: int
    balance_minor: int
    exposure_minor: int
    past_due_minor: int
    disputed_minor: int
    credit_limit_minor: int
    over_limit_minor: int
    customers: int
    reporting_receivables_minor: int
    reporting_unapplied_minor: int
    reporting_balance_minor: int
    reporting_exposure_minor: int
    reporting_past_due_minor: int
    reporting_disputed_minor: int
    reporting_credit_limit_minor: int
    reporting_over_limit_minor: int
    def __init__(self, currency: _Optional[str] = ..., conversion: _Optional[_Union[ConversionRate, _Mapping]] = ..., receivables_minor: _Optional[int] = ..., unapplied_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ..., exposure_minor: _Optional[int] = ..., past_due_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., credit_limit_minor: _Optional[int] = ..., over_limit_minor: _Optional[int] = ..., customers: _Optional[int] = ..., reporting_receivables_minor: _Optional[int] = ..., reporting_unapplied_minor: _Optional[int] = ..., reporting_balance_minor: _Optional[int] = ..., reporting_exposure_minor: _Optional[int] = ..., reporting_past_due_minor: _Optional[int] = ..., reporting_disputed_minor: _Optional[int] = ..., reporting_credit_limit_minor: _Optional[int] = ..., reporting_over_limit_minor: _Optional[int] = ...) -> None: ...

class ConsolidatedExposure(_message.Message):
    __slots__ = ("reporting_currency", "as_of", "position", "rows", "total")
    REPORTING_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    reporting_currency: str
    as_of: str
    position: int
    rows: _containers.RepeatedCompositeFieldContainer[ExposureRow]
    total: ExposureRow
    def __init__(self, reporting_currency: _Optional[str] = ..., as_of: _Optional[str] = ..., position: _Optional[int] = ..., rows: _Optional[_Iterable[_Union[ExposureRow, _Mapping]]] = ..., total: _Optional[_Union[ExposureRow, _Mapping]] = ...) -> None: ...
