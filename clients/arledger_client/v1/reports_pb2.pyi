import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from arledger_client.v1 import ledger_pb2 as _ledger_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CeiVariant(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CEI_VARIANT_UNSPECIFIED: _ClassVar[CeiVariant]
    CEI_TOTAL: _ClassVar[CeiVariant]
    CEI_MONTHLY_AVERAGE: _ClassVar[CeiVariant]
CEI_VARIANT_UNSPECIFIED: CeiVariant
CEI_TOTAL: CeiVariant
CEI_MONTHLY_AVERAGE: CeiVariant

class CustomerAgingRequest(_message.Message):
    __slots__ = ("as_of", "known_at", "basis", "bucket_edges_days", "customer_id", "currency", "page_size", "page_token")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_EDGES_DAYS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    basis: _ledger_pb2.AgingBasis
    bucket_edges_days: _containers.RepeatedScalarFieldContainer[int]
    customer_id: str
    currency: str
    page_size: int
    page_token: str
    def __init__(self, as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., basis: _Optional[_Union[_ledger_pb2.AgingBasis, str]] = ..., bucket_edges_days: _Optional[_Iterable[int]] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class CustomerAgingRow(_message.Message):
    __slots__ = ("customer_id", "currency", "buckets_minor", "unapplied_minor", "disputed_minor", "balance_minor", "open_item_count")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    currency: str
    buckets_minor: _containers.RepeatedScalarFieldContainer[int]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int
    open_item_count: int
    def __init__(self, customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., buckets_minor: _Optional[_Iterable[int]] = ..., unapplied_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ..., open_item_count: _Optional[int] = ...) -> None: ...

class CurrencyAgingTotal(_message.Message):
    __slots__ = ("currency", "buckets_minor", "unapplied_minor", "disputed_minor", "balance_minor", "customers", "open_item_count")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    OPEN_ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    currency: str
    buckets_minor: _containers.RepeatedScalarFieldContainer[int]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int
    customers: int
    open_item_count: int
    def __init__(self, currency: _Optional[str] = ..., buckets_minor: _Optional[_Iterable[int]] = ..., unapplied_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ..., customers: _Optional[int] = ..., open_item_count: _Optional[int] = ...) -> None: ...

class CustomerAgingChunk(_message.Message):
    __slots__ = ("as_of", "basis", "bucket_labels", "totals", "position", "rows", "next_page_token", "total_rows")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_LABELS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    basis: _ledger_pb2.AgingBasis
    bucket_labels: _containers.RepeatedScalarFieldContainer[str]
    totals: _containers.RepeatedCompositeFieldContainer[CurrencyAgingTotal]
    position: int
    rows: _containers.RepeatedCompositeFieldContainer[CustomerAgingRow]
    next_page_token: str
    total_rows: int
    def __init__(self, as_of: _Optional[str] = ..., basis: _Optional[_Union[_ledger_pb2.AgingBasis, str]] = ..., bucket_labels: _Optional[_Iterable[str]] = ..., totals: _Optional[_Iterable[_Union[CurrencyAgingTotal, _Mapping]]] = ..., position: _Optional[int] = ..., rows: _Optional[_Iterable[_Union[CustomerAgingRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_rows: _Optional[int] = ...) -> None: ...

class AgingItemsRequest(_message.Message):
    __slots__ = ("as_of", "known_at", "basis", "bucket_edges_days", "bucket", "customer_id", "currency", "page_size", "page_token")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_EDGES_DAYS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    basis: _ledger_pb2.AgingBasis
    bucket_edges_days: _containers.RepeatedScalarFieldContainer[int]
    bucket: str
    customer_id: str
    currency: str
    page_size: int
    page_token: str
    def __init__(self, as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., basis: _Optional[_Union[_ledger_pb2.AgingBasis, str]] = ..., bucket_edges_days: _Optional[_Iterable[int]] = ..., bucket: _Optional[str] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class AgingItem(_message.Message):
    __slots__ = ("kind", "item_id", "customer_id", "currency", "issue_date", "due_date", "amount_minor", "open_minor", "disputed_minor", "days", "installment")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    item_id: str
    customer_id: str
    currency: str
    issue_date: str
    due_date: str
    amount_minor: int
    open_minor: int
    disputed_minor: int
    days: int
    installment: int
    def __init__(self, kind: _Optional[str] = ..., item_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., issue_date: _Optional[str] = ..., due_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., open_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., days: _Optional[int] = ..., installment: _Optional[int] = ...) -> None: ...

class AgingItemsChunk(_message.Message):
    __slots__ = ("items", "next_page_token", "position", "total_items")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[AgingItem]
    next_page_token: str
    position: int
    total_items: int
    def __init__(self, items: _Optional[_Iterable[_Union[AgingItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., position: _Optional[int] = ..., total_items: _Optional[int] = ...) -> None: ...

class StatementRequest(_message.Message):
    __slots__ = ("customer_id", "period_from", "period_to", "known_at", "basis", "bucket_edges_days", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_EDGES_DAYS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    period_from: str
    period_to: str
    known_at: _timestamp_pb2.Timestamp
    basis: _ledger_pb2.AgingBasis
    bucket_edges_days: _containers.RepeatedScalarFieldContainer[int]
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., basis: _Optional[_Union[_ledger_pb2.AgingBasis, str]] = ..., bucket_edges_days: _Optional[_Iterable[int]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class StatementLine(_message.Message):
    __slots__ = ("effective_date", "position", "type", "document_id", "debit_minor", "credit_minor", "disputed_delta_minor", "balance_minor")
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEBIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_DELTA_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    effective_date: str
    position: int
    type: str
    document_id: str
    debit_minor: int
    credit_minor: int
    disputed_delta_minor: int
    balance_minor: int
    def __init__(self, effective_date: _Optional[str] = ..., position: _Optional[int] = ..., type: _Optional[str] = ..., document_id: _Optional[str] = ..., debit_minor: _Optional[int] = ..., credit_minor: _Optional[int] = ..., disputed_delta_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ...) -> None: ...

class StatementChunk(_message.Message):
    __slots__ = ("customer_id", "currency", "period_from", "period_to", "opening_balance_minor", "closing_balance_minor", "bucket_labels", "aging_buckets_minor", "aging_unapplied_minor", "aging_disputed_minor", "position", "lines", "next_page_token", "total_lines")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    OPENING_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CLOSING_BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    BUCKET_LABELS_FIELD_NUMBER: _ClassVar[int]
    AGING_BUCKETS_MINOR_FIELD_NUMBER: _ClassVar[int]
    AGING_UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    AGING_DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LINES_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    currency: str
    period_from: str
    period_to: str
    opening_balance_minor: int
    closing_balance_minor: int
    bucket_labels: _containers.RepeatedScalarFieldContainer[str]
    aging_buckets_minor: _containers.RepeatedScalarFieldContainer[int]
    aging_unapplied_minor: int
    aging_disputed_minor: int
    position: int
    lines: _containers.RepeatedCompositeFieldContainer[StatementLine]
    next_page_token: str
    total_lines: int
    def __init__(self, customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., opening_balance_minor: _Optional[int] = ..., closing_balance_minor: _Optional[int] = ..., bucket_labels: _Optional[_Iterable[str]] = ..., aging_buckets_minor: _Optional[_Iterable[int]] = ..., aging_unapplied_minor: _Optional[int] = ..., aging_disputed_minor: _Optional[int] = ..., position: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[StatementLine, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_lines: _Optional[int] = ...) -> None: ...

class KpiRequest(_message.Message):
    __slots__ = ("period_from", "period_to", "known_at", "customer_id", "currency", "cei_variant", "cei_months", "monthly")
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    CEI_VARIANT_FIELD_NUMBER: _ClassVar[int]
    CEI_MONTHS_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_FIELD_NUMBER: _ClassVar[int]
    period_from: str
    period_to: str
    known_at: _timestamp_pb2.Timestamp
    customer_id: str
    currency: str
    cei_variant: CeiVariant
    cei_months: int
    monthly: bool
    def __init__(self, period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., cei_variant: _Optional[_Union[CeiVariant, str]] = ..., cei_months: _Optional[int] = ..., monthly: _Optional[bool] = ...) -> None: ...

class KpiRow(_message.Message):
    __slots__ = ("period_from", "period_to", "currency", "scope", "days_in_period", "receivables_begin_minor", "receivables_end_minor", "current_end_minor", "over_90_end_minor", "credit_sales_minor", "dso_simple", "dso_countback", "best_possible_dso", "add", "cei", "cei_variant", "cei_months", "pct_current", "pct_over_90", "disputes_opened", "disputes_resolved", "disputes_avg_days_to_resolve", "disputes_open_end", "disputes_open_avg_age_days", "write_offs_minor", "write_off_count", "promises_kept_rate", "recoveries_minor", "position", "promises_judged")
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    DAYS_IN_PERIOD_FIELD_NUMBER: _ClassVar[int]
    RECEIVABLES_BEGIN_MINOR_FIELD_NUMBER: _ClassVar[int]
    RECEIVABLES_END_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENT_END_MINOR_FIELD_NUMBER: _ClassVar[int]
    OVER_90_END_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_SALES_MINOR_FIELD_NUMBER: _ClassVar[int]
    DSO_SIMPLE_FIELD_NUMBER: _ClassVar[int]
    DSO_COUNTBACK_FIELD_NUMBER: _ClassVar[int]
    BEST_POSSIBLE_DSO_FIELD_NUMBER: _ClassVar[int]
    ADD_FIELD_NUMBER: _ClassVar[int]
    CEI_FIELD_NUMBER: _ClassVar[int]
    CEI_VARIANT_FIELD_NUMBER: _ClassVar[int]
    CEI_MONTHS_FIELD_NUMBER: _ClassVar[int]
    PCT_CURRENT_FIELD_NUMBER: _ClassVar[int]
    PCT_OVER_90_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_OPENED_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_AVG_DAYS_TO_RESOLVE_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_OPEN_END_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_OPEN_AVG_AGE_DAYS_FIELD_NUMBER: _ClassVar[int]
    WRITE_OFFS_MINOR_FIELD_NUMBER: _ClassVar[int]
    WRITE_OFF_COUNT_FIELD_NUMBER: _ClassVar[int]
    PROMISES_KEPT_RATE_FIELD_NUMBER: _ClassVar[int]
    RECOVERIES_MINOR_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PROMISES_JUDGED_FIELD_NUMBER: _ClassVar[int]
    period_from: str
    period_to: str
    currency: str
    scope: str
    days_in_period: int
    receivables_begin_minor: int
    receivables_end_minor: int
    current_end_minor: int
    over_90_end_minor: int
    credit_sales_minor: int
    dso_simple: float
    dso_countback: float
    best_possible_dso: float
    add: float
    cei: float
    cei_variant: str
    cei_months: int
    pct_current: float
    pct_over_90: float
    disputes_opened: int
    disputes_resolved: int
    disputes_avg_days_to_resolve: float
    disputes_open_end: int
    disputes_open_avg_age_days: float
    write_offs_minor: int
    write_off_count: int
    promises_kept_rate: float
    recoveries_minor: int
    position: int
    promises_judged: int
    def __init__(self, period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., currency: _Optional[str] = ..., scope: _Optional[str] = ..., days_in_period: _Optional[int] = ..., receivables_begin_minor: _Optional[int] = ..., receivables_end_minor: _Optional[int] = ..., current_end_minor: _Optional[int] = ..., over_90_end_minor: _Optional[int] = ..., credit_sales_minor: _Optional[int] = ..., dso_simple: _Optional[float] = ..., dso_countback: _Optional[float] = ..., best_possible_dso: _Optional[float] = ..., add: _Optional[float] = ..., cei: _Optional[float] = ..., cei_variant: _Optional[str] = ..., cei_months: _Optional[int] = ..., pct_current: _Optional[float] = ..., pct_over_90: _Optional[float] = ..., disputes_opened: _Optional[int] = ..., disputes_resolved: _Optional[int] = ..., disputes_avg_days_to_resolve: _Optional[float] = ..., disputes_open_end: _Optional[int] = ..., disputes_open_avg_age_days: _Optional[float] = ..., write_offs_minor: _Optional[int] = ..., write_off_count: _Optional[int] = ..., promises_kept_rate: _Optional[float] = ..., recoveries_minor: _Optional[int] = ..., position: _Optional[int] = ..., promises_judged: _Optional[int] = ...) -> None: ...

class ExceptionsRequest(_message.Message):
    __slots__ = ("as_of", "known_at", "kinds", "past_due_days", "min_past_due_minor", "unapplied_days", "dispute_days", "changes_from", "page_size", "page_token")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAST_DUE_DAYS_FIELD_NUMBER: _ClassVar[int]
    MIN_PAST_DUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_DAYS_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_DAYS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FROM_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    kinds: _containers.RepeatedScalarFieldContainer[str]
    past_due_days: int
    min_past_due_minor: int
    unapplied_days: int
    dispute_days: int
    changes_from: str
    page_size: int
    page_token: str
    def __init__(self, as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kinds: _Optional[_Iterable[str]] = ..., past_due_days: _Optional[int] = ..., min_past_due_minor: _Optional[int] = ..., unapplied_days: _Optional[int] = ..., dispute_days: _Optional[int] = ..., changes_from: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ExceptionRow(_message.Message):
    __slots__ = ("kind", "customer_id", "currency", "item_id", "amount_minor", "days", "detail")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    customer_id: str
    currency: str
    item_id: str
    amount_minor: int
    days: int
    detail: str
    def __init__(self, kind: _Optional[str] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., item_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., days: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class ExceptionsChunk(_message.Message):
    __slots__ = ("rows", "next_page_token", "position", "total_rows")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[ExceptionRow]
    next_page_token: str
    position: int
    total_rows: int
    def __init__(self, rows: _Optional[_Iterable[_Union[ExceptionRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., position: _Optional[int] = ..., total_rows: _Optional[int] = ...) -> None: ...
