import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from arledger_client.v1 import commands_pb2 as _commands_pb2
from arledger_client.v1 import columnar_pb2 as _columnar_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CommandStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMMAND_STATUS_UNSPECIFIED: _ClassVar[CommandStatus]
    ACCEPTED: _ClassVar[CommandStatus]
    DUPLICATE: _ClassVar[CommandStatus]
    REJECTED: _ClassVar[CommandStatus]

class AgingBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGING_BASIS_UNSPECIFIED: _ClassVar[AgingBasis]
    DUE_DATE: _ClassVar[AgingBasis]
    INVOICE_DATE: _ClassVar[AgingBasis]
COMMAND_STATUS_UNSPECIFIED: CommandStatus
ACCEPTED: CommandStatus
DUPLICATE: CommandStatus
REJECTED: CommandStatus
AGING_BASIS_UNSPECIFIED: AgingBasis
DUE_DATE: AgingBasis
INVOICE_DATE: AgingBasis

class CommandResult(_message.Message):
    __slots__ = ("status", "request_id", "position", "entry_count", "reason", "code", "message", "allocations", "unapplied_minor", "due_date", "warnings")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    status: CommandStatus
    request_id: str
    position: int
    entry_count: int
    reason: str
    code: str
    message: str
    allocations: _containers.RepeatedCompositeFieldContainer[_commands_pb2.Allocation]
    unapplied_minor: int
    due_date: str
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, status: _Optional[_Union[CommandStatus, str]] = ..., request_id: _Optional[str] = ..., position: _Optional[int] = ..., entry_count: _Optional[int] = ..., reason: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., allocations: _Optional[_Iterable[_Union[_commands_pb2.Allocation, _Mapping]]] = ..., unapplied_minor: _Optional[int] = ..., due_date: _Optional[str] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ("results", "accepted", "duplicates", "rejected")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[CommandResult]
    accepted: int
    duplicates: int
    rejected: int
    def __init__(self, results: _Optional[_Iterable[_Union[CommandResult, _Mapping]]] = ..., accepted: _Optional[int] = ..., duplicates: _Optional[int] = ..., rejected: _Optional[int] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("batch_index", "command_index", "request_id", "reason", "code", "message")
    BATCH_INDEX_FIELD_NUMBER: _ClassVar[int]
    COMMAND_INDEX_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    batch_index: int
    command_index: int
    request_id: str
    reason: str
    code: str
    message: str
    def __init__(self, batch_index: _Optional[int] = ..., command_index: _Optional[int] = ..., request_id: _Optional[str] = ..., reason: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class SubmitBatchStreamResponse(_message.Message):
    __slots__ = ("batches", "commands", "accepted", "duplicates", "rejected", "rejections", "last_position")
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    COMMANDS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    batches: int
    commands: int
    accepted: int
    duplicates: int
    rejected: int
    rejections: _containers.RepeatedCompositeFieldContainer[Rejection]
    last_position: int
    def __init__(self, batches: _Optional[int] = ..., commands: _Optional[int] = ..., accepted: _Optional[int] = ..., duplicates: _Optional[int] = ..., rejected: _Optional[int] = ..., rejections: _Optional[_Iterable[_Union[Rejection, _Mapping]]] = ..., last_position: _Optional[int] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ("customer_id",)
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    def __init__(self, customer_id: _Optional[str] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ("customer_id", "name", "currency", "billing_contact", "address", "payment_terms_net_days", "credit_limit_minor", "status", "opened_date")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BILLING_CONTACT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_NET_DAYS_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPENED_DATE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    name: str
    currency: str
    billing_contact: str
    address: _commands_pb2.Address
    payment_terms_net_days: int
    credit_limit_minor: int
    status: str
    opened_date: str
    def __init__(self, customer_id: _Optional[str] = ..., name: _Optional[str] = ..., currency: _Optional[str] = ..., billing_contact: _Optional[str] = ..., address: _Optional[_Union[_commands_pb2.Address, _Mapping]] = ..., payment_terms_net_days: _Optional[int] = ..., credit_limit_minor: _Optional[int] = ..., status: _Optional[str] = ..., opened_date: _Optional[str] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ("customer_id", "as_of", "known_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("customer_id", "currency", "as_of", "open_minor", "overdue_minor", "unapplied_cash_minor", "unapplied_credit_minor", "disputed_minor", "balance_minor", "credit_limit_minor", "headroom_minor", "position")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_CASH_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_CREDIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    HEADROOM_MINOR_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    currency: str
    as_of: str
    open_minor: int
    overdue_minor: int
    unapplied_cash_minor: int
    unapplied_credit_minor: int
    disputed_minor: int
    balance_minor: int
    credit_limit_minor: int
    headroom_minor: int
    position: int
    def __init__(self, customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., as_of: _Optional[str] = ..., open_minor: _Optional[int] = ..., overdue_minor: _Optional[int] = ..., unapplied_cash_minor: _Optional[int] = ..., unapplied_credit_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ..., credit_limit_minor: _Optional[int] = ..., headroom_minor: _Optional[int] = ..., position: _Optional[int] = ...) -> None: ...

class ListOpenItemsRequest(_message.Message):
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

class OpenItem(_message.Message):
    __slots__ = ("kind", "item_id", "issue_date", "due_date", "amount_minor", "open_minor", "disputed_minor", "days_past_due")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    item_id: str
    issue_date: str
    due_date: str
    amount_minor: int
    open_minor: int
    disputed_minor: int
    days_past_due: int
    def __init__(self, kind: _Optional[str] = ..., item_id: _Optional[str] = ..., issue_date: _Optional[str] = ..., due_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., open_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., days_past_due: _Optional[int] = ...) -> None: ...

class ListOpenItemsResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[OpenItem]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[OpenItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetAgingRequest(_message.Message):
    __slots__ = ("customer_id", "as_of", "known_at", "basis", "bucket_edges_days")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_EDGES_DAYS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    basis: AgingBasis
    bucket_edges_days: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, customer_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., basis: _Optional[_Union[AgingBasis, str]] = ..., bucket_edges_days: _Optional[_Iterable[int]] = ...) -> None: ...

class AgingRow(_message.Message):
    __slots__ = ("currency", "buckets_minor", "unapplied_minor", "disputed_minor", "balance_minor", "open_item_count")
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_MINOR_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISPUTED_MINOR_FIELD_NUMBER: _ClassVar[int]
    BALANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPEN_ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    currency: str
    buckets_minor: _containers.RepeatedScalarFieldContainer[int]
    unapplied_minor: int
    disputed_minor: int
    balance_minor: int
    open_item_count: int
    def __init__(self, currency: _Optional[str] = ..., buckets_minor: _Optional[_Iterable[int]] = ..., unapplied_minor: _Optional[int] = ..., disputed_minor: _Optional[int] = ..., balance_minor: _Optional[int] = ..., open_item_count: _Optional[int] = ...) -> None: ...

class AgingReport(_message.Message):
    __slots__ = ("as_of", "basis", "bucket_labels", "rows", "position")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_LABELS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    as_of: str
    basis: AgingBasis
    bucket_labels: _containers.RepeatedScalarFieldContainer[str]
    rows: _containers.RepeatedCompositeFieldContainer[AgingRow]
    position: int
    def __init__(self, as_of: _Optional[str] = ..., basis: _Optional[_Union[AgingBasis, str]] = ..., bucket_labels: _Optional[_Iterable[str]] = ..., rows: _Optional[_Iterable[_Union[AgingRow, _Mapping]]] = ..., position: _Optional[int] = ...) -> None: ...

class DunningNoticeItem(_message.Message):
    __slots__ = ("invoice_id", "installment", "due_date", "days_past_due", "level", "action", "text_key", "open_minor", "fee_minor", "interest_minor", "fee_invoice_id", "interest_invoice_id")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TEXT_KEY_FIELD_NUMBER: _ClassVar[int]
    OPEN_MINOR_FIELD_NUMBER: _ClassVar[int]
    FEE_MINOR_FIELD_NUMBER: _ClassVar[int]
    INTEREST_MINOR_FIELD_NUMBER: _ClassVar[int]
    FEE_INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INTEREST_INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    installment: int
    due_date: str
    days_past_due: int
    level: int
    action: str
    text_key: str
    open_minor: int
    fee_minor: int
    interest_minor: int
    fee_invoice_id: str
    interest_invoice_id: str
    def __init__(self, invoice_id: _Optional[str] = ..., installment: _Optional[int] = ..., due_date: _Optional[str] = ..., days_past_due: _Optional[int] = ..., level: _Optional[int] = ..., action: _Optional[str] = ..., text_key: _Optional[str] = ..., open_minor: _Optional[int] = ..., fee_minor: _Optional[int] = ..., interest_minor: _Optional[int] = ..., fee_invoice_id: _Optional[str] = ..., interest_invoice_id: _Optional[str] = ...) -> None: ...

class DunningNotice(_message.Message):
    __slots__ = ("customer_id", "name", "billing_contact", "currency", "action", "text_key", "items", "fee_minor", "interest_minor", "policy_id", "policy_version")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_CONTACT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    TEXT_KEY_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    FEE_MINOR_FIELD_NUMBER: _ClassVar[int]
    INTEREST_MINOR_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    name: str
    billing_contact: str
    currency: str
    action: str
    text_key: str
    items: _containers.RepeatedCompositeFieldContainer[DunningNoticeItem]
    fee_minor: int
    interest_minor: int
    policy_id: str
    policy_version: int
    def __init__(self, customer_id: _Optional[str] = ..., name: _Optional[str] = ..., billing_contact: _Optional[str] = ..., currency: _Optional[str] = ..., action: _Optional[str] = ..., text_key: _Optional[str] = ..., items: _Optional[_Iterable[_Union[DunningNoticeItem, _Mapping]]] = ..., fee_minor: _Optional[int] = ..., interest_minor: _Optional[int] = ..., policy_id: _Optional[str] = ..., policy_version: _Optional[int] = ...) -> None: ...

class DunningRunResult(_message.Message):
    __slots__ = ("result", "as_of", "notices", "steps", "holds_placed", "promises_broken", "skipped_disputed", "skipped_promised", "more")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    HOLDS_PLACED_FIELD_NUMBER: _ClassVar[int]
    PROMISES_BROKEN_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_DISPUTED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_PROMISED_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    result: CommandResult
    as_of: str
    notices: _containers.RepeatedCompositeFieldContainer[DunningNotice]
    steps: int
    holds_placed: int
    promises_broken: int
    skipped_disputed: int
    skipped_promised: int
    more: bool
    def __init__(self, result: _Optional[_Union[CommandResult, _Mapping]] = ..., as_of: _Optional[str] = ..., notices: _Optional[_Iterable[_Union[DunningNotice, _Mapping]]] = ..., steps: _Optional[int] = ..., holds_placed: _Optional[int] = ..., promises_broken: _Optional[int] = ..., skipped_disputed: _Optional[int] = ..., skipped_promised: _Optional[int] = ..., more: _Optional[bool] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("customer_id", "as_of", "known_at")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_AT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    as_of: str
    known_at: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., as_of: _Optional[str] = ..., known_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TermsVersion(_message.Message):
    __slots__ = ("terms_id", "version", "definition_json")
    TERMS_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_JSON_FIELD_NUMBER: _ClassVar[int]
    terms_id: str
    version: int
    definition_json: str
    def __init__(self, terms_id: _Optional[str] = ..., version: _Optional[int] = ..., definition_json: _Optional[str] = ...) -> None: ...

class HoldEvent(_message.Message):
    __slots__ = ("date", "event", "source", "actor", "reason")
    DATE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    date: str
    event: str
    source: str
    actor: str
    reason: str
    def __init__(self, date: _Optional[str] = ..., event: _Optional[str] = ..., source: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class LimitChange(_message.Message):
    __slots__ = ("date", "old_limit_minor", "new_limit_minor", "actor", "reason")
    DATE_FIELD_NUMBER: _ClassVar[int]
    OLD_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    NEW_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    date: str
    old_limit_minor: int
    new_limit_minor: int
    actor: str
    reason: str
    def __init__(self, date: _Optional[str] = ..., old_limit_minor: _Optional[int] = ..., new_limit_minor: _Optional[int] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CreditCheck(_message.Message):
    __slots__ = ("date", "invoice_id", "action", "exposure_before_minor", "invoice_minor", "limit_minor")
    DATE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    EXPOSURE_BEFORE_MINOR_FIELD_NUMBER: _ClassVar[int]
    INVOICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    date: str
    invoice_id: str
    action: str
    exposure_before_minor: int
    invoice_minor: int
    limit_minor: int
    def __init__(self, date: _Optional[str] = ..., invoice_id: _Optional[str] = ..., action: _Optional[str] = ..., exposure_before_minor: _Optional[int] = ..., invoice_minor: _Optional[int] = ..., limit_minor: _Optional[int] = ...) -> None: ...

class DisputeView(_message.Message):
    __slots__ = ("dispute_id", "invoice_id", "amount_minor", "reason_code", "opened_date", "state", "resolved_date")
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    OPENED_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_DATE_FIELD_NUMBER: _ClassVar[int]
    dispute_id: str
    invoice_id: str
    amount_minor: int
    reason_code: str
    opened_date: str
    state: str
    resolved_date: str
    def __init__(self, dispute_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., reason_code: _Optional[str] = ..., opened_date: _Optional[str] = ..., state: _Optional[str] = ..., resolved_date: _Optional[str] = ...) -> None: ...

class PromiseView(_message.Message):
    __slots__ = ("promise_id", "made_date", "invoice_ids", "installments", "status", "promised_minor", "paid_minor")
    PROMISE_ID_FIELD_NUMBER: _ClassVar[int]
    MADE_DATE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_IDS_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_MINOR_FIELD_NUMBER: _ClassVar[int]
    PAID_MINOR_FIELD_NUMBER: _ClassVar[int]
    promise_id: str
    made_date: str
    invoice_ids: _containers.RepeatedScalarFieldContainer[str]
    installments: _containers.RepeatedCompositeFieldContainer[_commands_pb2.PromiseInstallment]
    status: str
    promised_minor: int
    paid_minor: int
    def __init__(self, promise_id: _Optional[str] = ..., made_date: _Optional[str] = ..., invoice_ids: _Optional[_Iterable[str]] = ..., installments: _Optional[_Iterable[_Union[_commands_pb2.PromiseInstallment, _Mapping]]] = ..., status: _Optional[str] = ..., promised_minor: _Optional[int] = ..., paid_minor: _Optional[int] = ...) -> None: ...

class DunningStepView(_message.Message):
    __slots__ = ("date", "invoice_id", "installment", "level", "action", "policy_id", "policy_version", "fee_minor", "interest_minor")
    DATE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    FEE_MINOR_FIELD_NUMBER: _ClassVar[int]
    INTEREST_MINOR_FIELD_NUMBER: _ClassVar[int]
    date: str
    invoice_id: str
    installment: int
    level: int
    action: str
    policy_id: str
    policy_version: int
    fee_minor: int
    interest_minor: int
    def __init__(self, date: _Optional[str] = ..., invoice_id: _Optional[str] = ..., installment: _Optional[int] = ..., level: _Optional[int] = ..., action: _Optional[str] = ..., policy_id: _Optional[str] = ..., policy_version: _Optional[int] = ..., fee_minor: _Optional[int] = ..., interest_minor: _Optional[int] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("customer_id", "currency", "terms", "over_limit_action", "allocation_strategy", "dunning_policy_id", "credit_limit_minor", "exposure_minor", "on_hold", "holds", "limit_changes", "credit_checks", "disputes", "promises", "dunning", "written_off_minor", "recovered_minor", "sold_minor", "as_of")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    OVER_LIMIT_ACTION_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    DUNNING_POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    EXPOSURE_MINOR_FIELD_NUMBER: _ClassVar[int]
    ON_HOLD_FIELD_NUMBER: _ClassVar[int]
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_CHANGES_FIELD_NUMBER: _ClassVar[int]
    CREDIT_CHECKS_FIELD_NUMBER: _ClassVar[int]
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    PROMISES_FIELD_NUMBER: _ClassVar[int]
    DUNNING_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_OFF_MINOR_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_MINOR_FIELD_NUMBER: _ClassVar[int]
    SOLD_MINOR_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    currency: str
    terms: TermsVersion
    over_limit_action: str
    allocation_strategy: str
    dunning_policy_id: str
    credit_limit_minor: int
    exposure_minor: int
    on_hold: bool
    holds: _containers.RepeatedCompositeFieldContainer[HoldEvent]
    limit_changes: _containers.RepeatedCompositeFieldContainer[LimitChange]
    credit_checks: _containers.RepeatedCompositeFieldContainer[CreditCheck]
    disputes: _containers.RepeatedCompositeFieldContainer[DisputeView]
    promises: _containers.RepeatedCompositeFieldContainer[PromiseView]
    dunning: _containers.RepeatedCompositeFieldContainer[DunningStepView]
    written_off_minor: int
    recovered_minor: int
    sold_minor: int
    as_of: str
    def __init__(self, customer_id: _Optional[str] = ..., currency: _Optional[str] = ..., terms: _Optional[_Union[TermsVersion, _Mapping]] = ..., over_limit_action: _Optional[str] = ..., allocation_strategy: _Optional[str] = ..., dunning_policy_id: _Optional[str] = ..., credit_limit_minor: _Optional[int] = ..., exposure_minor: _Optional[int] = ..., on_hold: _Optional[bool] = ..., holds: _Optional[_Iterable[_Union[HoldEvent, _Mapping]]] = ..., limit_changes: _Optional[_Iterable[_Union[LimitChange, _Mapping]]] = ..., credit_checks: _Optional[_Iterable[_Union[CreditCheck, _Mapping]]] = ..., disputes: _Optional[_Iterable[_Union[DisputeView, _Mapping]]] = ..., promises: _Optional[_Iterable[_Union[PromiseView, _Mapping]]] = ..., dunning: _Optional[_Iterable[_Union[DunningStepView, _Mapping]]] = ..., written_off_minor: _Optional[int] = ..., recovered_minor: _Optional[int] = ..., sold_minor: _Optional[int] = ..., as_of: _Optional[str] = ...) -> None: ...

class LogEntry(_message.Message):
    __slots__ = ("position", "segment", "type", "effective_date", "recorded_at", "request_id", "actor", "reason", "fields")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    position: int
    segment: int
    type: str
    effective_date: str
    recorded_at: _timestamp_pb2.Timestamp
    request_id: str
    actor: str
    reason: str
    fields: _struct_pb2.Struct
    def __init__(self, position: _Optional[int] = ..., segment: _Optional[int] = ..., type: _Optional[str] = ..., effective_date: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., fields: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class StreamEntriesRequest(_message.Message):
    __slots__ = ("from_position", "limit")
    FROM_POSITION_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    from_position: int
    limit: int
    def __init__(self, from_position: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class GetLogHeadRequest(_message.Message):
    __slots__ = ("with_state_digest",)
    WITH_STATE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    with_state_digest: bool
    def __init__(self, with_state_digest: _Optional[bool] = ...) -> None: ...

class LogHead(_message.Message):
    __slots__ = ("position", "segment", "head_hash", "recorded_at", "state_digest", "role", "partition", "store_segment", "lag_segments", "lag_ms", "follow_error", "principal", "principal_roles", "principal_permissions")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PARTITION_FIELD_NUMBER: _ClassVar[int]
    STORE_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    LAG_SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    LAG_MS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_ERROR_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_ROLES_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    position: int
    segment: int
    head_hash: str
    recorded_at: _timestamp_pb2.Timestamp
    state_digest: str
    role: str
    partition: str
    store_segment: int
    lag_segments: int
    lag_ms: int
    follow_error: str
    principal: str
    principal_roles: _containers.RepeatedScalarFieldContainer[str]
    principal_permissions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, position: _Optional[int] = ..., segment: _Optional[int] = ..., head_hash: _Optional[str] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_digest: _Optional[str] = ..., role: _Optional[str] = ..., partition: _Optional[str] = ..., store_segment: _Optional[int] = ..., lag_segments: _Optional[int] = ..., lag_ms: _Optional[int] = ..., follow_error: _Optional[str] = ..., principal: _Optional[str] = ..., principal_roles: _Optional[_Iterable[str]] = ..., principal_permissions: _Optional[_Iterable[str]] = ...) -> None: ...

class VerifyLogRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerifyLogResponse(_message.Message):
    __slots__ = ("ok", "segments_checked", "entries_checked", "first_bad_segment", "problem", "head_hash")
    OK_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BAD_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    segments_checked: int
    entries_checked: int
    first_bad_segment: int
    problem: str
    head_hash: str
    def __init__(self, ok: _Optional[bool] = ..., segments_checked: _Optional[int] = ..., entries_checked: _Optional[int] = ..., first_bad_segment: _Optional[int] = ..., problem: _Optional[str] = ..., head_hash: _Optional[str] = ...) -> None: ...
