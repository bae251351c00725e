import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from arledger_client.v1 import ledger_pb2 as _ledger_pb2
from arledger_client.v1 import risk_pb2 as _risk_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PromiseStatusFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROMISE_STATUS_FILTER_UNSPECIFIED: _ClassVar[PromiseStatusFilter]
    PROMISE_ACTIVE: _ClassVar[PromiseStatusFilter]
    PROMISE_NONE_ACTIVE: _ClassVar[PromiseStatusFilter]
    PROMISE_BROKEN: _ClassVar[PromiseStatusFilter]

class Tristate(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRISTATE_UNSPECIFIED: _ClassVar[Tristate]
    YES: _ClassVar[Tristate]
    NO: _ClassVar[Tristate]

class InvoiceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_STATUS_UNSPECIFIED: _ClassVar[InvoiceStatus]
    INVOICE_OPEN: _ClassVar[InvoiceStatus]
    INVOICE_PAID: _ClassVar[InvoiceStatus]
    INVOICE_WRITTEN_OFF: _ClassVar[InvoiceStatus]
    INVOICE_SOLD: _ClassVar[InvoiceStatus]
    INVOICE_VOIDED: _ClassVar[InvoiceStatus]

class PaymentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_STATUS_UNSPECIFIED: _ClassVar[PaymentStatus]
    PAYMENT_UNAPPLIED: _ClassVar[PaymentStatus]
    PAYMENT_APPLIED: _ClassVar[PaymentStatus]
    PAYMENT_REVERSED: _ClassVar[PaymentStatus]

class DetailView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DETAIL_VIEW_UNSPECIFIED: _ClassVar[DetailView]
    BASIC: _ClassVar[DetailView]
    FULL: _ClassVar[DetailView]
PROMISE_STATUS_FILTER_UNSPECIFIED: PromiseStatusFilter
PROMISE_ACTIVE: PromiseStatusFilter
PROMISE_NONE_ACTIVE: PromiseStatusFilter
PROMISE_BROKEN: PromiseStatusFilter
TRISTATE_UNSPECIFIED: Tristate
YES: Tristate
NO: Tristate
INVOICE_STATUS_UNSPECIFIED: InvoiceStatus
INVOICE_OPEN: InvoiceStatus
INVOICE_PAID: InvoiceStatus
INVOICE_WRITTEN_OFF: InvoiceStatus
INVOICE_SOLD: InvoiceStatus
INVOICE_VOIDED: InvoiceStatus
PAYMENT_STATUS_UNSPECIFIED: PaymentStatus
PAYMENT_UNAPPLIED: PaymentStatus
PAYMENT_APPLIED: PaymentStatus
PAYMENT_REVERSED: PaymentStatus
DETAIL_VIEW_UNSPECIFIED: DetailView
BASIC: DetailView
FULL: DetailView

class ListCustomersRequest(_message.Message):
    __slots__ = ("as_of", "known_at", "query", "query_prefix", "currency", "on_hold", "over_limit", "past_due_days_min", "dunning_level_min", "promise", "disputes", "include_closed", "order_by", "page_size", "page_token", "skip", "with_risk", "model_version")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    QUERY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ON_HOLD_FIELD_NUMBER: _ClassVar[int]
    OVER_LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAST_DUE_DAYS_MIN_FIELD_NUMBER: _ClassVar[int]
    DUNNING_LEVEL_MIN_FIELD_NUMBER: _ClassVar[int]
    PROMISE_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CLOSED_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    WITH_RISK_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    query: str
    query_prefix: bool
    currency: str
    on_hold: Tristate
    over_limit: Tristate
    past_due_days_min: int
    dunning_level_min: int
    promise: PromiseStatusFilter
    disputes: _risk_pb2.DisputeFilter
    include_closed: bool
    order_by: str
    page_size: int
    page_token: str
    skip: int
    with_risk: bool
    model_version: str
    def __init__(self, as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., query: _Optional[str] = ..., query_prefix: _Optional[bool] = ..., currency: _Optional[str] = ..., on_hold: _Optional[_Union[Tristate, str]] = ..., over_limit: _Optional[_Union[Tristate, str]] = ..., past_due_days_min: _Optional[int] = ..., dunning_level_min: _Optional[int] = ..., promise: _Optional[_Union[PromiseStatusFilter, str]] = ..., disputes: _Optional[_Union[_risk_pb2.DisputeFilter, str]] = ..., include_closed: _Optional[bool] = ..., order_by: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., skip: _Optional[int] = ..., with_risk: _Optional[bool] = ..., model_version: _Optional[str] = ...) -> None: ...

class CustomerRow(_message.Message):
    __slots__ = ("customer_id", "name", "currency", "status", "balance_minor", "open_minor", "overdue_minor", "disputed_minor", "unapplied_minor", "credit_limit_minor", "on_hold", "over_limit", "oldest_past_due_days", "open_invoices", "dunning_level", "promise_status", "open_disputes", "has_risk", "pd", "expected_loss_minor")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    ON_HOLD_FIELD_NUMBER: _ClassVar[int]
    OVER_LIMIT_FIELD_NUMBER: _ClassVar[int]
    OLDEST_PAST_DUE_DAYS_FIELD_NUMBER: _ClassVar[int]
    OPEN_INVOICES_FIELD_NUMBER: _ClassVar[int]
    DUNNING_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PROMISE_STATUS_FIELD_NUMBER: _ClassVar[int]
    OPEN_DISPUTES_FIELD_NUMBER: _ClassVar[int]
    HAS_RISK_FIELD_NUMBER: _ClassVar[int]
    PD_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_LOSS_MINOR_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    name: str
    currency: str
    status: str
    balance_minor: int
    open_minor: int
    overdue_minor: int
    disputed_minor: int
    unapplied_minor: int
    credit_limit_minor: int
    on_hold: bool
    over_limit: bool
    oldest_past_due_days: int
    open_invoices: int
    dunning_level: int
    promise_status: str
    open_disputes: int
    has_risk: bool
    pd: float
    expected_loss_minor: int
    def __init__(self, customer_id: _Optional[str] = ..., name: _Optional[str] = ..., currency: _Optional[str] = ..., status: _Optional[str] = ..., balance_minor: _Optional[int] = ..., open_minor: _Optional[int] = ..., overdue_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., unapplied_minor: _Optional[int] = ..., credit_limit_minor: _Optional[int] = ..., on_hold: _Optional[bool] = ..., over_limit: _Optional[bool] = ..., oldest_past_due_days: _Optional[int] = ..., open_invoices: _Optional[int] = ..., dunning_level: _Optional[int] = ..., promise_status: _Optional[str] = ..., open_disputes: _Optional[int] = ..., has_risk: _Optional[bool] = ..., pd: _Optional[float] = ..., expected_loss_minor: _Optional[int] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "next_page_token", "total_size", "as_of", "position")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[CustomerRow]
    next_page_token: str
    total_size: int
    as_of: str
    position: int
    def __init__(self, customers: _Optional[_Iterable[_Union[CustomerRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., as_of: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("as_of", "known_at", "customer_id", "query", "statuses", "currency", "issued_from", "issued_to", "due_from", "due_to", "disputed_only", "order_by", "page_size", "page_token", "skip")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUED_FROM_FIELD_NUMBER: _ClassVar[int]
    ISSUED_TO_FIELD_NUMBER: _ClassVar[int]
    DUE_FROM_FIELD_NUMBER: _ClassVar[int]
    DUE_TO_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_ONLY_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    customer_id: str
    query: str
    statuses: _containers.RepeatedScalarFieldContainer[InvoiceStatus]
    currency: str
    issued_from: str
    issued_to: str
    due_from: str
    due_to: str
    disputed_only: bool
    order_by: str
    page_size: int
    page_token: str
    skip: int
    def __init__(self, as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ..., query: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[InvoiceStatus, str]]] = ..., currency: _Optional[str] = ..., issued_from: _Optional[str] = ..., issued_to: _Optional[str] = ..., due_from: _Optional[str] = ..., due_to: _Optional[str] = ..., disputed_only: _Optional[bool] = ..., order_by: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., skip: _Optional[int] = ...) -> None: ...

class InvoiceRow(_message.Message):
    __slots__ = ("invoice_id", "customer_id", "currency", "po_number", "issue_date", "due_date", "amount_minor", "open_minor", "disputed_minor", "status", "days_past_due", "kind", "installments")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    customer_id: str
    currency: str
    po_number: str
    issue_date: str
    due_date: str
    amount_minor: int
    open_minor: int
    disputed_minor: int
    status: InvoiceStatus
    days_past_due: int
    kind: str
    installments: int
    def __init__(self, invoice_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., po_number: _Optional[str] = ..., issue_date: _Optional[str] = ..., due_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., open_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., status: _Optional[_Union[InvoiceStatus, str]] = ..., days_past_due: _Optional[int] = ..., kind: _Optional[str] = ..., installments: _Optional[int] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "next_page_token", "total_size", "as_of", "position")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[InvoiceRow]
    next_page_token: str
    total_size: int
    as_of: str
    position: int
    def __init__(self, invoices: _Optional[_Iterable[_Union[InvoiceRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., as_of: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ListPaymentsRequest(_message.Message):
    __slots__ = ("as_of", "known_at", "customer_id", "query", "statuses", "currency", "value_from", "value_to", "order_by", "page_size", "page_token", "skip")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FROM_FIELD_NUMBER: _ClassVar[int]
    VALUE_TO_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    customer_id: str
    query: str
    statuses: _containers.RepeatedScalarFieldContainer[PaymentStatus]
    currency: str
    value_from: str
    value_to: str
    order_by: str
    page_size: int
    page_token: str
    skip: int
    def __init__(self, as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ..., query: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[PaymentStatus, str]]] = ..., currency: _Optional[str] = ..., value_from: _Optional[str] = ..., value_to: _Optional[str] = ..., order_by: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., skip: _Optional[int] = ...) -> None: ...

class PaymentRow(_message.Message):
    __slots__ = ("payment_id", "customer_id", "currency", "value_date", "amount_minor", "unapplied_minor", "status")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    payment_id: str
    customer_id: str
    currency: str
    value_date: str
    amount_minor: int
    unapplied_minor: int
    status: PaymentStatus
    def __init__(self, payment_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., value_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., unapplied_minor: _Optional[int] = ..., status: _Optional[_Union[PaymentStatus, str]] = ...) -> None: ...

class ListPaymentsResponse(_message.Message):
    __slots__ = ("payments", "next_page_token", "total_size", "as_of", "position")
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[PaymentRow]
    next_page_token: str
    total_size: int
    as_of: str
    position: int
    def __init__(self, payments: _Optional[_Iterable[_Union[PaymentRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., as_of: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ListCreditNotesRequest(_message.Message):
    __slots__ = ("as_of", "known_at", "customer_id", "query", "unapplied_only", "currency", "issued_from", "issued_to", "order_by", "page_size", "page_token", "skip")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_ONLY_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUED_FROM_FIELD_NUMBER: _ClassVar[int]
    ISSUED_TO_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SKIP_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    customer_id: str
    query: str
    unapplied_only: bool
    currency: str
    issued_from: str
    issued_to: str
    order_by: str
    page_size: int
    page_token: str
    skip: int
    def __init__(self, as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ..., query: _Optional[str] = ..., unapplied_only: _Optional[bool] = ..., currency: _Optional[str] = ..., issued_from: _Optional[str] = ..., issued_to: _Optional[str] = ..., order_by: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., skip: _Optional[int] = ...) -> None: ...

class CreditNoteRow(_message.Message):
    __slots__ = ("credit_note_id", "customer_id", "currency", "issue_date", "amount_minor", "unapplied_minor")
    CREDIT_NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    credit_note_id: str
    customer_id: str
    currency: str
    issue_date: str
    amount_minor: int
    unapplied_minor: int
    def __init__(self, credit_note_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., issue_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., unapplied_minor: _Optional[int] = ...) -> None: ...

class ListCreditNotesResponse(_message.Message):
    __slots__ = ("credit_notes", "next_page_token", "total_size", "as_of", "position")
    CREDIT_NOTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    credit_notes: _containers.RepeatedCompositeFieldContainer[CreditNoteRow]
    next_page_token: str
    total_size: int
    as_of: str
    position: int
    def __init__(self, credit_notes: _Optional[_Iterable[_Union[CreditNoteRow, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., as_of: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("invoice_id", "as_of", "known_at", "view")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    view: DetailView
    def __init__(self, invoice_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., view: _Optional[_Union[DetailView, str]] = ...) -> None: ...

class InstallmentRow(_message.Message):
    __slots__ = ("number", "due_date", "amount_minor", "open_minor", "disputed_minor", "days_past_due")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    number: int
    due_date: str
    amount_minor: int
    open_minor: int
    disputed_minor: int
    days_past_due: int
    def __init__(self, number: _Optional[int] = ..., due_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., open_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., days_past_due: _Optional[int] = ...) -> None: ...

class AppliedAmount(_message.Message):
    __slots__ = ("source_kind", "source_id", "invoice_id", "effective_date", "amount_minor", "position", "entry_type")
    SOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ENTRY_TYPE_FIELD_NUMBER: _ClassVar[int]
    source_kind: str
    source_id: str
    invoice_id: str
    effective_date: str
    amount_minor: int
    position: int
    entry_type: str
    def __init__(self, source_kind: _Optional[str] = ..., source_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., position: _Optional[int] = ..., entry_type: _Optional[str] = ...) -> None: ...

class HistoryRow(_message.Message):
    __slots__ = ("position", "entry_type", "effective_date", "recorded_at", "delta_minor", "disputed_delta_minor", "balance_after_minor", "detail")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ENTRY_TYPE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    DELTA_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_DELTA_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_MINOR_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    position: int
    entry_type: str
    effective_date: str
    recorded_at: _timestamp_pb2.Timestamp
    delta_minor: int
    disputed_delta_minor: int
    balance_after_minor: int
    detail: str
    def __init__(self, position: _Optional[int] = ..., entry_type: _Optional[str] = ..., effective_date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delta_minor: _Optional[int] = ..., disputed_delta_minor: _Optional[int] = ..., balance_after_minor: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class InvoiceDetail(_message.Message):
    __slots__ = ("invoice", "installments", "allocations", "history", "entries", "discount_minor", "discount_until", "as_of", "position", "terms_id")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_UNTIL_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TERMS_ID_FIELD_NUMBER: _ClassVar[int]
    invoice: InvoiceRow
    installments: _containers.RepeatedCompositeFieldContainer[InstallmentRow]
    allocations: _containers.RepeatedCompositeFieldContainer[AppliedAmount]
    history: _containers.RepeatedCompositeFieldContainer[HistoryRow]
    entries: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.LogEntry]
    discount_minor: int
    discount_until: str
    as_of: str
    position: int
    terms_id: str
    def __init__(self, invoice: _Optional[_Union[InvoiceRow, _Mapping]] = ..., installments: _Optional[_Iterable[_Union[InstallmentRow, _Mapping]]] = ..., allocations: _Optional[_Iterable[_Union[AppliedAmount, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[HistoryRow, _Mapping]]] = ..., entries: _Optional[_Iterable[_Union[_ledger_pb2.LogEntry, _Mapping]]] = ..., discount_minor: _Optional[int] = ..., discount_until: _Optional[str] = ..., as_of: _Optional[str] = ..., position: _Optional[int] = ..., terms_id: _Optional[str] = ...) -> None: ...

class GetPaymentRequest(_message.Message):
    __slots__ = ("payment_id", "as_of", "known_at", "view")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    payment_id: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    view: DetailView
    def __init__(self, payment_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., view: _Optional[_Union[DetailView, str]] = ...) -> None: ...

class PaymentDetail(_message.Message):
    __slots__ = ("payment", "applied", "allocations", "history", "entries", "as_of", "position")
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    payment: PaymentRow
    applied: _containers.RepeatedCompositeFieldContainer[AppliedAmount]
    allocations: _containers.RepeatedCompositeFieldContainer[AppliedAmount]
    history: _containers.RepeatedCompositeFieldContainer[HistoryRow]
    entries: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.LogEntry]
    as_of: str
    position: int
    def __init__(self, payment: _Optional[_Union[PaymentRow, _Mapping]] = ..., applied: _Optional[_Iterable[_Union[AppliedAmount, _Mapping]]] = ..., allocations: _Optional[_Iterable[_Union[AppliedAmount, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[HistoryRow, _Mapping]]] = ..., entries: _Optional[_Iterable[_Union[_ledger_pb2.LogEntry, _Mapping]]] = ..., as_of: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ListNotesRequest(_message.Message):
    __slots__ = ("customer_id", "as_of", "known_at", "page_size", "page_token")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, customer_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class Note(_message.Message):
    __slots__ = ("customer_id", "effective_date", "recorded_at", "actor", "text", "position")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    effective_date: str
    recorded_at: _timestamp_pb2.Timestamp
    actor: str
    text: str
    position: int
    def __init__(self, customer_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., text: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class ListNotesResponse(_message.Message):
    __slots__ = ("notes", "next_page_token", "total_size")
    NOTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    next_page_token: str
    total_size: int
    def __init__(self, notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ListDunningNoticesRequest(_message.Message):
    __slots__ = ("as_of", "known_at", "page_size", "page_token")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDunningNoticesResponse(_message.Message):
    __slots__ = ("run_date", "notices", "next_page_token", "total_size")
    RUN_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    run_date: str
    notices: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.DunningNotice]
    next_page_token: str
    total_size: int
    def __init__(self, run_date: _Optional[str] = ..., notices: _Optional[_Iterable[_Union[_ledger_pb2.DunningNotice, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...
