from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PaymentMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_METHOD_UNSPECIFIED: _ClassVar[PaymentMethod]
    BANK_TRANSFER: _ClassVar[PaymentMethod]
    CHEQUE: _ClassVar[PaymentMethod]
    CARD: _ClassVar[PaymentMethod]
    DIRECT_DEBIT: _ClassVar[PaymentMethod]
    E_WALLET: _ClassVar[PaymentMethod]
    CASH: _ClassVar[PaymentMethod]
    OTHER: _ClassVar[PaymentMethod]

class AllocationStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALLOCATION_STRATEGY_UNSPECIFIED: _ClassVar[AllocationStrategy]
    OLDEST_DUE_FIRST: _ClassVar[AllocationStrategy]
    EXPLICIT: _ClassVar[AllocationStrategy]
    LEAVE_UNAPPLIED: _ClassVar[AllocationStrategy]
    NEWEST_DUE_FIRST: _ClassVar[AllocationStrategy]

class ReversalReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVERSAL_REASON_UNSPECIFIED: _ClassVar[ReversalReason]
    RETURNED_CHEQUE: _ClassVar[ReversalReason]
    FAILED_DIRECT_DEBIT: _ClassVar[ReversalReason]
    CHARGEBACK: _ClassVar[ReversalReason]
    REVERSAL_OTHER: _ClassVar[ReversalReason]

class DisputeOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISPUTE_OUTCOME_UNSPECIFIED: _ClassVar[DisputeOutcome]
    DISPUTE_UPHELD: _ClassVar[DisputeOutcome]
    DISPUTE_REJECTED: _ClassVar[DisputeOutcome]
    DISPUTE_PARTIALLY_UPHELD: _ClassVar[DisputeOutcome]
PAYMENT_METHOD_UNSPECIFIED: PaymentMethod
BANK_TRANSFER: PaymentMethod
CHEQUE: PaymentMethod
CARD: PaymentMethod
DIRECT_DEBIT: PaymentMethod
E_WALLET: PaymentMethod
CASH: PaymentMethod
OTHER: PaymentMethod
ALLOCATION_STRATEGY_UNSPECIFIED: AllocationStrategy
OLDEST_DUE_FIRST: AllocationStrategy
EXPLICIT: AllocationStrategy
LEAVE_UNAPPLIED: AllocationStrategy
NEWEST_DUE_FIRST: AllocationStrategy
REVERSAL_REASON_UNSPECIFIED: ReversalReason
RETURNED_CHEQUE: ReversalReason
FAILED_DIRECT_DEBIT: ReversalReason
CHARGEBACK: ReversalReason
REVERSAL_OTHER: ReversalReason
DISPUTE_OUTCOME_UNSPECIFIED: DisputeOutcome
DISPUTE_UPHELD: DisputeOutcome
DISPUTE_REJECTED: DisputeOutcome
DISPUTE_PARTIALLY_UPHELD: DisputeOutcome

class Address(_message.Message):
    __slots__ = ("line1", "line2", "city", "region", "postal_code", "country")
    LINE1_FIELD_NUMBER: _ClassVar[int]
    LINE2_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    def __init__(self, line1: _Optional[str] = ..., line2: _Optional[str] = ..., city: _Optional[str] = ..., region: _Optional[str] = ..., postal_code: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class OpenCustomerRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "customer_id", "name", "currency", "billing_contact", "address", "payment_terms_net_days", "credit_limit_minor", "opened_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    BILLING_CONTACT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_NET_DAYS_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    OPENED_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    customer_id: str
    name: str
    currency: str
    billing_contact: str
    address: Address
    payment_terms_net_days: int
    credit_limit_minor: int
    opened_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., customer_id: _Optional[str] = ..., name: _Optional[str] = ..., currency: _Optional[str] = ..., billing_contact: _Optional[str] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., payment_terms_net_days: _Optional[int] = ..., credit_limit_minor: _Optional[int] = ..., opened_date: _Optional[str] = ...) -> None: ...

class UpdateCustomerRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "customer_id", "name", "billing_contact", "address", "payment_terms_net_days", "credit_limit_minor", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_CONTACT_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_NET_DAYS_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    customer_id: str
    name: str
    billing_contact: str
    address: Address
    payment_terms_net_days: int
    credit_limit_minor: int
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., customer_id: _Optional[str] = ..., name: _Optional[str] = ..., billing_contact: _Optional[str] = ..., address: _Optional[_Union[Address, _Mapping]] = ..., payment_terms_net_days: _Optional[int] = ..., credit_limit_minor: _Optional[int] = ..., effective_date: _Optional[str] = ...) -> None: ...

class CloseCustomerRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "customer_id", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    customer_id: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., customer_id: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class InvoiceLine(_message.Message):
    __slots__ = ("description", "quantity", "unit_price_minor")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_MINOR_FIELD_NUMBER: _ClassVar[int]
    description: str
    quantity: int
    unit_price_minor: int
    def __init__(self, description: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_price_minor: _Optional[int] = ...) -> None: ...

class IssueInvoiceRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "invoice_id", "customer_id", "po_number", "issue_date", "due_date", "currency", "amount_minor", "lines")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    invoice_id: str
    customer_id: str
    po_number: str
    issue_date: str
    due_date: str
    currency: str
    amount_minor: int
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., invoice_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., po_number: _Optional[str] = ..., issue_date: _Optional[str] = ..., due_date: _Optional[str] = ..., currency: _Optional[str] = ..., amount_minor: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ...) -> None: ...

class VoidInvoiceRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "invoice_id", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    invoice_id: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., invoice_id: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class Allocation(_message.Message):
    __slots__ = ("invoice_id", "amount_minor")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    amount_minor: int
    def __init__(self, invoice_id: _Optional[str] = ..., amount_minor: _Optional[int] = ...) -> None: ...

class RecordPaymentRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "payment_id", "customer_id", "amount_minor", "currency", "method", "value_date", "remittance_reference", "strategy", "allocations")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    REMITTANCE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    payment_id: str
    customer_id: str
    amount_minor: int
    currency: str
    method: PaymentMethod
    value_date: str
    remittance_reference: str
    strategy: AllocationStrategy
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., payment_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., value_date: _Optional[str] = ..., remittance_reference: _Optional[str] = ..., strategy: _Optional[_Union[AllocationStrategy, str]] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ...) -> None: ...

class AllocatePaymentRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "payment_id", "effective_date", "strategy", "allocations")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    payment_id: str
    effective_date: str
    strategy: AllocationStrategy
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., payment_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., strategy: _Optional[_Union[AllocationStrategy, str]] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ...) -> None: ...

class ReversePaymentRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "payment_id", "effective_date", "reversal_reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REVERSAL_REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    payment_id: str
    effective_date: str
    reversal_reason: ReversalReason
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., payment_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., reversal_reason: _Optional[_Union[ReversalReason, str]] = ...) -> None: ...

class IssueCreditNoteRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "credit_note_id", "customer_id", "invoice_id", "amount_minor", "currency", "issue_date", "reason_code")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    credit_note_id: str
    customer_id: str
    invoice_id: str
    amount_minor: int
    currency: str
    issue_date: str
    reason_code: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., credit_note_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., issue_date: _Optional[str] = ..., reason_code: _Optional[str] = ...) -> None: ...

class AllocateCreditNoteRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "credit_note_id", "effective_date", "strategy", "allocations")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    credit_note_id: str
    effective_date: str
    strategy: AllocationStrategy
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., credit_note_id: _Optional[str] = ..., effective_date: _Optional[str] = ..., strategy: _Optional[_Union[AllocationStrategy, str]] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ...) -> None: ...

class OpenDisputeRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "dispute_id", "invoice_id", "amount_minor", "reason_code", "opened_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    OPENED_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    dispute_id: str
    invoice_id: str
    amount_minor: int
    reason_code: str
    opened_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., dispute_id: _Optional[str] = ..., invoice_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., reason_code: _Optional[str] = ..., opened_date: _Optional[str] = ...) -> None: ...

class ResolveDisputeRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "dispute_id", "outcome", "credited_amount_minor", "credit_note_id", "resolved_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CREDITED_AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    dispute_id: str
    outcome: DisputeOutcome
    credited_amount_minor: int
    credit_note_id: str
    resolved_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., dispute_id: _Optional[str] = ..., outcome: _Optional[_Union[DisputeOutcome, str]] = ..., credited_amount_minor: _Optional[int] = ..., credit_note_id: _Optional[str] = ..., resolved_date: _Optional[str] = ...) -> None: ...

class WriteOffInvoiceRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "invoice_id", "amount_minor", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    invoice_id: str
    amount_minor: int
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., invoice_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., effective_date: _Optional[str] = ...) -> None: ...

class Command(_message.Message):
    __slots__ = ("open_customer", "update_customer", "close_customer", "issue_invoice", "void_invoice", "record_payment", "allocate_payment", "reverse_payment", "issue_credit_note", "allocate_credit_note", "open_dispute", "resolve_dispute", "write_off_invoice")
    OPEN_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    CLOSE_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ISSUE_INVOICE_FIELD_NUMBER: _ClassVar[int]
    VOID_INVOICE_FIELD_NUMBER: _ClassVar[int]
    RECORD_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    ALLOCATE_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    REVERSE_PAYMENT_FIELD_NUMBER: _ClassVar[int]
    ISSUE_CREDIT_NOTE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATE_CREDIT_NOTE_FIELD_NUMBER: _ClassVar[int]
    OPEN_DISPUTE_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_DISPUTE_FIELD_NUMBER: _ClassVar[int]
    WRITE_OFF_INVOICE_FIELD_NUMBER: _ClassVar[int]
    open_customer: OpenCustomerRequest
    update_customer: UpdateCustomerRequest
    close_customer: CloseCustomerRequest
    issue_invoice: IssueInvoiceRequest
    void_invoice: VoidInvoiceRequest
    record_payment: RecordPaymentRequest
    allocate_payment: AllocatePaymentRequest
    reverse_payment: ReversePaymentRequest
    issue_credit_note: IssueCreditNoteRequest
    allocate_credit_note: AllocateCreditNoteRequest
    open_dispute: OpenDisputeRequest
    resolve_dispute: ResolveDisputeRequest
    write_off_invoice: WriteOffInvoiceRequest
    def __init__(self, open_customer: _Optional[_Union[OpenCustomerRequest, _Mapping]] = ..., update_customer: _Optional[_Union[UpdateCustomerRequest, _Mapping]] = ..., close_customer: _Optional[_Union[CloseCustomerRequest, _Mapping]] = ..., issue_invoice: _Optional[_Union[IssueInvoiceRequest, _Mapping]] = ..., void_invoice: _Optional[_Union[VoidInvoiceRequest, _Mapping]] = ..., record_payment: _Optional[_Union[RecordPaymentRequest, _Mapping]] = ..., allocate_payment: _Optional[_Union[AllocatePaymentRequest, _Mapping]] = ..., reverse_payment: _Optional[_Union[ReversePaymentRequest, _Mapping]] = ..., issue_credit_note: _Optional[_Union[IssueCreditNoteRequest, _Mapping]] = ..., allocate_credit_note: _Optional[_Union[AllocateCreditNoteRequest, _Mapping]] = ..., open_dispute: _Optional[_Union[OpenDisputeRequest, _Mapping]] = ..., resolve_dispute: _Optional[_Union[ResolveDisputeRequest, _Mapping]] = ..., write_off_invoice: _Optional[_Union[WriteOffInvoiceRequest, _Mapping]] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("commands", "atomic")
    COMMANDS_FIELD_NUMBER: _ClassVar[int]
    ATOMIC_FIELD_NUMBER: _ClassVar[int]
    commands: _containers.RepeatedCompositeFieldContainer[Command]
    atomic: bool
    def __init__(self, commands: _Optional[_Iterable[_Union[Command, _Mapping]]] = ..., atomic: _Optional[bool] = ...) -> None: ...
