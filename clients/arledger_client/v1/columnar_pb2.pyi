from arledger_client.v1 import commands_pb2 as _commands_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ColumnarKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COLUMNAR_COMMAND: _ClassVar[ColumnarKind]
    COLUMNAR_OPEN_CUSTOMER: _ClassVar[ColumnarKind]
    COLUMNAR_ISSUE_INVOICE: _ClassVar[ColumnarKind]
    COLUMNAR_RECORD_PAYMENT: _ClassVar[ColumnarKind]
    COLUMNAR_ISSUE_CREDIT_NOTE: _ClassVar[ColumnarKind]
    COLUMNAR_ALLOCATE_PAYMENT: _ClassVar[ColumnarKind]

class ColumnarWarning(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COLUMNAR_WARNING_NONE: _ClassVar[ColumnarWarning]
    DISCOUNT_TAKEN_BIT: _ClassVar[ColumnarWarning]
    SMALL_BALANCE_WRITTEN_OFF_BIT: _ClassVar[ColumnarWarning]
    CREDIT_LIMIT_EXCEEDED_BIT: _ClassVar[ColumnarWarning]
    ON_HOLD_PLACED_BIT: _ClassVar[ColumnarWarning]
COLUMNAR_COMMAND: ColumnarKind
COLUMNAR_OPEN_CUSTOMER: ColumnarKind
COLUMNAR_ISSUE_INVOICE: ColumnarKind
COLUMNAR_RECORD_PAYMENT: ColumnarKind
COLUMNAR_ISSUE_CREDIT_NOTE: ColumnarKind
COLUMNAR_ALLOCATE_PAYMENT: ColumnarKind
COLUMNAR_WARNING_NONE: ColumnarWarning
DISCOUNT_TAKEN_BIT: ColumnarWarning
SMALL_BALANCE_WRITTEN_OFF_BIT: ColumnarWarning
CREDIT_LIMIT_EXCEEDED_BIT: ColumnarWarning
ON_HOLD_PLACED_BIT: ColumnarWarning

class OpenCustomerColumns(_message.Message):
    __slots__ = ("customer_id", "name", "currency", "billing_contact", "address_line1", "address_line2", "address_city", "address_region", "address_postal_code", "address_country", "payment_terms_net_days", "credit_limit_minor", "opened_day")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BILLING_CONTACT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_LINE1_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_LINE2_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_CITY_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_REGION_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_NET_DAYS_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPENED_DAY_FIELD_NUMBER: _ClassVar[int]
    customer_id: bytes
    name: bytes
    currency: bytes
    billing_contact: bytes
    address_line1: bytes
    address_line2: bytes
    address_city: bytes
    address_region: bytes
    address_postal_code: bytes
    address_country: bytes
    payment_terms_net_days: bytes
    credit_limit_minor: bytes
    opened_day: bytes
    def __init__(self, customer_id: _Optional[bytes] = ..., name: _Optional[bytes] = ..., currency: _Optional[bytes] = ..., billing_contact: _Optional[bytes] = ..., address_line1: _Optional[bytes] = ..., address_line2: _Optional[bytes] = ..., address_city: _Optional[bytes] = ..., address_region: _Optional[bytes] = ..., address_postal_code: _Optional[bytes] = ..., address_country: _Optional[bytes] = ..., payment_terms_net_days: _Optional[bytes] = ..., credit_limit_minor: _Optional[bytes] = ..., opened_day: _Optional[bytes] = ...) -> None: ...

class IssueInvoiceColumns(_message.Message):
    __slots__ = ("invoice_id", "customer_id", "po_number", "currency", "terms_id", "issue_day", "due_day", "amount_minor", "terms_version", "line_count", "line_description", "line_quantity", "line_unit_price_minor")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TERMS_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DAY_FIELD_NUMBER: _ClassVar[int]
    DUE_DAY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    TERMS_VERSION_FIELD_NUMBER: _ClassVar[int]
    LINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LINE_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LINE_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LINE_UNIT_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    invoice_id: bytes
    customer_id: bytes
    po_number: bytes
    currency: bytes
    terms_id: bytes
    issue_day: bytes
    due_day: bytes
    amount_minor: bytes
    terms_version: bytes
    line_count: bytes
    line_description: bytes
    line_quantity: bytes
    line_unit_price_minor: bytes
    def __init__(self, invoice_id: _Optional[bytes] = ..., customer_id: _Optional[bytes] = ..., po_number: _Optional[bytes] = ..., currency: _Optional[bytes] = ..., terms_id: _Optional[bytes] = ..., issue_day: _Optional[bytes] = ..., due_day: _Optional[bytes] = ..., amount_minor: _Optional[bytes] = ..., terms_version: _Optional[bytes] = ..., line_count: _Optional[bytes] = ..., line_description: _Optional[bytes] = ..., line_quantity: _Optional[bytes] = ..., line_unit_price_minor: _Optional[bytes] = ...) -> None: ...

class RecordPaymentColumns(_message.Message):
    __slots__ = ("payment_id", "customer_id", "currency", "remittance_reference", "amount_minor", "method", "value_day", "strategy", "allocation_count", "allocation_invoice_id", "allocation_amount_minor")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REMITTANCE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    VALUE_DAY_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    payment_id: bytes
    customer_id: bytes
    currency: bytes
    remittance_reference: bytes
    amount_minor: bytes
    method: bytes
    value_day: bytes
    strategy: bytes
    allocation_count: bytes
    allocation_invoice_id: bytes
    allocation_amount_minor: bytes
    def __init__(self, payment_id: _Optional[bytes] = ..., customer_id: _Optional[bytes] = ..., currency: _Optional[bytes] = ..., remittance_reference: _Optional[bytes] = ..., amount_minor: _Optional[bytes] = ..., method: _Optional[bytes] = ..., value_day: _Optional[bytes] = ..., strategy: _Optional[bytes] = ..., allocation_count: _Optional[bytes] = ..., allocation_invoice_id: _Optional[bytes] = ..., allocation_amount_minor: _Optional[bytes] = ...) -> None: ...

class IssueCreditNoteColumns(_message.Message):
    __slots__ = ("credit_note_id", "customer_id", "invoice_id", "currency", "reason_code", "amount_minor", "issue_day")
    CREDIT_NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DAY_FIELD_NUMBER: _ClassVar[int]
    credit_note_id: bytes
    customer_id: bytes
    invoice_id: bytes
    currency: bytes
    reason_code: bytes
    amount_minor: bytes
    issue_day: bytes
    def __init__(self, credit_note_id: _Optional[bytes] = ..., customer_id: _Optional[bytes] = ..., invoice_id: _Optional[bytes] = ..., currency: _Optional[bytes] = ..., reason_code: _Optional[bytes] = ..., amount_minor: _Optional[bytes] = ..., issue_day: _Optional[bytes] = ...) -> None: ...

class AllocatePaymentColumns(_message.Message):
    __slots__ = ("payment_id", "effective_day", "strategy", "allocation_count", "allocation_invoice_id", "allocation_amount_minor")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DAY_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    payment_id: bytes
    effective_day: bytes
    strategy: bytes
    allocation_count: bytes
    allocation_invoice_id: bytes
    allocation_amount_minor: bytes
    def __init__(self, payment_id: _Optional[bytes] = ..., effective_day: _Optional[bytes] = ..., strategy: _Optional[bytes] = ..., allocation_count: _Optional[bytes] = ..., allocation_invoice_id: _Optional[bytes] = ..., allocation_amount_minor: _Optional[bytes] = ...) -> None: ...

class ColumnarBatch(_message.Message):
    __slots__ = ("kinds", "request_ids", "actors", "reasons", "open_customer", "issue_invoice", "record_payment", "issue_credit_note", "allocate_payment", "commands", "atomic")
    KINDS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_IDS_FIELD_NUMBER: _ClassVar[int]
    ACTORS_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    OPEN_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ISSUE_INVOICE_FIELD_NUMBER: _ClassVar[int]
    RECORD_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    ISSUE_CREDIT_NOTE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATE_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    COMMANDS_FIELD_NUMBER: _ClassVar[int]
    ATOMIC_FIELD_NUMBER: _ClassVar[int]
    kinds: bytes
    request_ids: bytes
    actors: bytes
    reasons: bytes
    open_customer: OpenCustomerColumns
    issue_invoice: IssueInvoiceColumns
    record_payment: RecordPaymentColumns
    issue_credit_note: IssueCreditNoteColumns
    allocate_payment: AllocatePaymentColumns
    commands: _containers.RepeatedCompositeFieldContainer[_commands_pb2.Command]
    atomic: bool
    def __init__(self, kinds: _Optional[bytes] = ..., request_ids: _Optional[bytes] = ..., actors: _Optional[bytes] = ..., reasons: _Optional[bytes] = ..., open_customer: _Optional[_Union[OpenCustomerColumns, _Mapping]] = ..., issue_invoice: _Optional[_Union[IssueInvoiceColumns, _Mapping]] = ..., record_payment: _Optional[_Union[RecordPaymentColumns, _Mapping]] = ..., issue_credit_note: _Optional[_Union[IssueCreditNoteColumns, _Mapping]] = ..., allocate_payment: _Optional[_Union[AllocatePaymentColumns, _Mapping]] = ..., commands: _Optional[_Iterable[_Union[_commands_pb2.Command, _Mapping]]] = ..., atomic: _Optional[bool] = ...) -> None: ...

class ColumnarRejection(_message.Message):
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

class ColumnarResult(_message.Message):
    __slots__ = ("status", "position", "entry_count", "unapplied_minor", "due_day", "warnings", "allocation_command", "allocation_invoice_id", "allocation_amount_minor", "rejections", "accepted", "duplicates", "rejected", "last_position")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DUE_DAY_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_COMMAND_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    LAST_POSITION_FIELD_NUMBER: _ClassVar[int]
    status: bytes
    position: bytes
    entry_count: bytes
    unapplied_minor: bytes
    due_day: bytes
    warnings: bytes
    allocation_command: bytes
    allocation_invoice_id: bytes
    allocation_amount_minor: bytes
    rejections: _containers.RepeatedCompositeFieldContainer[ColumnarRejection]
    accepted: int
    duplicates: int
    rejected: int
    last_position: int
    def __init__(self, status: _Optional[bytes] = ..., position: _Optional[bytes] = ..., entry_count: _Optional[bytes] = ..., unapplied_minor: _Optional[bytes] = ..., due_day: _Optional[bytes] = ..., warnings: _Optional[bytes] = ..., allocation_command: _Optional[bytes] = ..., allocation_invoice_id: _Optional[bytes] = ..., allocation_amount_minor: _Optional[bytes] = ..., rejections: _Optional[_Iterable[_Union[ColumnarRejection, _Mapping]]] = ..., accepted: _Optional[int] = ..., duplicates: _Optional[int] = ..., rejected: _Optional[int] = ..., last_position: _Optional[int] = ...) -> None: ...
