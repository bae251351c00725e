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
    FEES_INTEREST_PRINCIPAL: _ClassVar[AllocationStrategy]

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

class TermsBasis(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TERMS_BASIS_UNSPECIFIED: _ClassVar[TermsBasis]
    NET: _ClassVar[TermsBasis]
    END_OF_MONTH: _ClassVar[TermsBasis]
    DAYS_THEN_END_OF_MONTH: _ClassVar[TermsBasis]

class OverLimitAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OVER_LIMIT_ACTION_UNSPECIFIED: _ClassVar[OverLimitAction]
    REJECT: _ClassVar[OverLimitAction]
    HOLD: _ClassVar[OverLimitAction]
    WARN: _ClassVar[OverLimitAction]

class DunningAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DUNNING_ACTION_UNSPECIFIED: _ClassVar[DunningAction]
    REMINDER: _ClassVar[DunningAction]
    SECOND_NOTICE: _ClassVar[DunningAction]
    FINAL_NOTICE: _ClassVar[DunningAction]
    HOLD_ACCOUNT: _ClassVar[DunningAction]
    HAND_TO_AGENCY: _ClassVar[DunningAction]

class AllowanceRounding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALLOWANCE_ROUNDING_UNSPECIFIED: _ClassVar[AllowanceRounding]
    PER_BUCKET: _ClassVar[AllowanceRounding]
    TOTAL: _ClassVar[AllowanceRounding]

class BankLineAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BANK_LINE_ACTION_UNSPECIFIED: _ClassVar[BankLineAction]
    BANK_LINE_ACCEPT_CANDIDATE: _ClassVar[BankLineAction]
    BANK_LINE_APPLY_TO_INVOICES: _ClassVar[BankLineAction]
    BANK_LINE_ASSIGN_CUSTOMER: _ClassVar[BankLineAction]
    BANK_LINE_LEAVE_UNAPPLIED: _ClassVar[BankLineAction]
    BANK_LINE_DISMISS: _ClassVar[BankLineAction]
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
FEES_INTEREST_PRINCIPAL: AllocationStrategy
REVERSAL_REASON_UNSPECIFIED: ReversalReason
RETURNED_CHEQUE: ReversalReason
FAILED_DIRECT_DEBIT: ReversalReason
CHARGEBACK: ReversalReason
REVERSAL_OTHER: ReversalReason
DISPUTE_OUTCOME_UNSPECIFIED: DisputeOutcome
DISPUTE_UPHELD: DisputeOutcome
DISPUTE_REJECTED: DisputeOutcome
DISPUTE_PARTIALLY_UPHELD: DisputeOutcome
TERMS_BASIS_UNSPECIFIED: TermsBasis
NET: TermsBasis
END_OF_MONTH: TermsBasis
DAYS_THEN_END_OF_MONTH: TermsBasis
OVER_LIMIT_ACTION_UNSPECIFIED: OverLimitAction
REJECT: OverLimitAction
HOLD: OverLimitAction
WARN: OverLimitAction
DUNNING_ACTION_UNSPECIFIED: DunningAction
REMINDER: DunningAction
SECOND_NOTICE: DunningAction
FINAL_NOTICE: DunningAction
HOLD_ACCOUNT: DunningAction
HAND_TO_AGENCY: DunningAction
ALLOWANCE_ROUNDING_UNSPECIFIED: AllowanceRounding
PER_BUCKET: AllowanceRounding
TOTAL: AllowanceRounding
BANK_LINE_ACTION_UNSPECIFIED: BankLineAction
BANK_LINE_ACCEPT_CANDIDATE: BankLineAction
BANK_LINE_APPLY_TO_INVOICES: BankLineAction
BANK_LINE_ASSIGN_CUSTOMER: BankLineAction
BANK_LINE_LEAVE_UNAPPLIED: BankLineAction
BANK_LINE_DISMISS: BankLineAction

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
    __slots__ = ("request_id", "actor", "reason", "invoice_id", "customer_id", "po_number", "issue_date", "due_date", "currency", "amount_minor", "lines", "terms_id", "terms_version")
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
    TERMS_ID_FIELD_NUMBER: _ClassVar[int]
    TERMS_VERSION_FIELD_NUMBER: _ClassVar[int]
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
    terms_id: str
    terms_version: int
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., invoice_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., po_number: _Optional[str] = ..., issue_date: _Optional[str] = ..., due_date: _Optional[str] = ..., currency: _Optional[str] = ..., amount_minor: _Optional[int] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., terms_id: _Optional[str] = ..., terms_version: _Optional[int] = ...) -> None: ...

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

class TermsInstallment(_message.Message):
    __slots__ = ("percent_bp", "days", "basis", "day_of_month", "months")
    PERCENT_BP_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    DAY_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    percent_bp: int
    days: int
    basis: TermsBasis
    day_of_month: int
    months: int
    def __init__(self, percent_bp: _Optional[int] = ..., days: _Optional[int] = ..., basis: _Optional[_Union[TermsBasis, str]] = ..., day_of_month: _Optional[int] = ..., months: _Optional[int] = ...) -> None: ...

class DefinePaymentTermsRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "terms_id", "basis", "days", "day_of_month", "installments", "discount_bp", "discount_days", "effective_date", "months", "discount_fixed_minor", "discount_currency")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TERMS_ID_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    DAY_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_BP_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_DAYS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_FIXED_MINOR_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    terms_id: str
    basis: TermsBasis
    days: int
    day_of_month: int
    installments: _containers.RepeatedCompositeFieldContainer[TermsInstallment]
    discount_bp: int
    discount_days: int
    effective_date: str
    months: int
    discount_fixed_minor: int
    discount_currency: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., terms_id: _Optional[str] = ..., basis: _Optional[_Union[TermsBasis, str]] = ..., days: _Optional[int] = ..., day_of_month: _Optional[int] = ..., installments: _Optional[_Iterable[_Union[TermsInstallment, _Mapping]]] = ..., discount_bp: _Optional[int] = ..., discount_days: _Optional[int] = ..., effective_date: _Optional[str] = ..., months: _Optional[int] = ..., discount_fixed_minor: _Optional[int] = ..., discount_currency: _Optional[str] = ...) -> None: ...

class DefineCreditPolicyRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "over_limit_action", "hold_days_past_due", "short_pay_tolerance_minor", "short_pay_tolerance_bp", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OVER_LIMIT_ACTION_FIELD_NUMBER: _ClassVar[int]
    HOLD_DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    SHORT_PAY_TOLERANCE_MINOR_FIELD_NUMBER: _ClassVar[int]
    SHORT_PAY_TOLERANCE_BP_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    over_limit_action: OverLimitAction
    hold_days_past_due: int
    short_pay_tolerance_minor: int
    short_pay_tolerance_bp: int
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., over_limit_action: _Optional[_Union[OverLimitAction, str]] = ..., hold_days_past_due: _Optional[int] = ..., short_pay_tolerance_minor: _Optional[int] = ..., short_pay_tolerance_bp: _Optional[int] = ..., effective_date: _Optional[str] = ...) -> None: ...

class SetCustomerPoliciesRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "customer_id", "payment_terms_id", "over_limit_action", "allocation_strategy", "dunning_policy_id", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_ID_FIELD_NUMBER: _ClassVar[int]
    OVER_LIMIT_ACTION_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    DUNNING_POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    customer_id: str
    payment_terms_id: str
    over_limit_action: OverLimitAction
    allocation_strategy: AllocationStrategy
    dunning_policy_id: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., customer_id: _Optional[str] = ..., payment_terms_id: _Optional[str] = ..., over_limit_action: _Optional[_Union[OverLimitAction, str]] = ..., allocation_strategy: _Optional[_Union[AllocationStrategy, str]] = ..., dunning_policy_id: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class ChangeCreditLimitRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "customer_id", "new_limit_minor", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_LIMIT_MINOR_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    customer_id: str
    new_limit_minor: int
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., customer_id: _Optional[str] = ..., new_limit_minor: _Optional[int] = ..., effective_date: _Optional[str] = ...) -> None: ...

class PlaceHoldRequest(_message.Message):
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

class ReleaseHoldRequest(_message.Message):
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

class ReviewDisputeRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "dispute_id", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    dispute_id: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., dispute_id: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class PromiseInstallment(_message.Message):
    __slots__ = ("due_date", "amount_minor")
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    due_date: str
    amount_minor: int
    def __init__(self, due_date: _Optional[str] = ..., amount_minor: _Optional[int] = ...) -> None: ...

class RecordPromiseRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "promise_id", "customer_id", "invoice_ids", "installments", "made_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PROMISE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_IDS_FIELD_NUMBER: _ClassVar[int]
    INSTALLMENTS_FIELD_NUMBER: _ClassVar[int]
    MADE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    promise_id: str
    customer_id: str
    invoice_ids: _containers.RepeatedScalarFieldContainer[str]
    installments: _containers.RepeatedCompositeFieldContainer[PromiseInstallment]
    made_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., promise_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., invoice_ids: _Optional[_Iterable[str]] = ..., installments: _Optional[_Iterable[_Union[PromiseInstallment, _Mapping]]] = ..., made_date: _Optional[str] = ...) -> None: ...

class DunningLevelSpec(_message.Message):
    __slots__ = ("days_past_due", "action", "fee_fixed_minor", "fee_bp", "interest_bp_per_year", "text_key")
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FEE_FIXED_MINOR_FIELD_NUMBER: _ClassVar[int]
    FEE_BP_FIELD_NUMBER: _ClassVar[int]
    INTEREST_BP_PER_YEAR_FIELD_NUMBER: _ClassVar[int]
    TEXT_KEY_FIELD_NUMBER: _ClassVar[int]
    days_past_due: int
    action: DunningAction
    fee_fixed_minor: int
    fee_bp: int
    interest_bp_per_year: int
    text_key: str
    def __init__(self, days_past_due: _Optional[int] = ..., action: _Optional[_Union[DunningAction, str]] = ..., fee_fixed_minor: _Optional[int] = ..., fee_bp: _Optional[int] = ..., interest_bp_per_year: _Optional[int] = ..., text_key: _Optional[str] = ...) -> None: ...

class DefineDunningPolicyRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "policy_id", "levels", "day_count", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    DAY_COUNT_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    policy_id: str
    levels: _containers.RepeatedCompositeFieldContainer[DunningLevelSpec]
    day_count: int
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., policy_id: _Optional[str] = ..., levels: _Optional[_Iterable[_Union[DunningLevelSpec, _Mapping]]] = ..., day_count: _Optional[int] = ..., effective_date: _Optional[str] = ...) -> None: ...

class RunDunningRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "as_of_date", "default_policy_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AS_OF_DATE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    as_of_date: str
    default_policy_id: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., as_of_date: _Optional[str] = ..., default_policy_id: _Optional[str] = ...) -> None: ...

class WriteOffCustomerRequest(_message.Message):
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

class RecordRecoveryRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "recovery_id", "customer_id", "amount_minor", "currency", "method", "value_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    recovery_id: str
    customer_id: str
    amount_minor: int
    currency: str
    method: PaymentMethod
    value_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., recovery_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., value_date: _Optional[str] = ...) -> None: ...

class SellReceivablesRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "sale_id", "agency", "invoice_ids", "price_bp", "sale_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SALE_ID_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    INVOICE_IDS_FIELD_NUMBER: _ClassVar[int]
    PRICE_BP_FIELD_NUMBER: _ClassVar[int]
    SALE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    sale_id: str
    agency: str
    invoice_ids: _containers.RepeatedScalarFieldContainer[str]
    price_bp: int
    sale_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., sale_id: _Optional[str] = ..., agency: _Optional[str] = ..., invoice_ids: _Optional[_Iterable[str]] = ..., price_bp: _Optional[int] = ..., sale_date: _Optional[str] = ...) -> None: ...

class RecallSoldReceivablesRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "sale_id", "invoice_ids", "recall_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SALE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_IDS_FIELD_NUMBER: _ClassVar[int]
    RECALL_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    sale_id: str
    invoice_ids: _containers.RepeatedScalarFieldContainer[str]
    recall_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., sale_id: _Optional[str] = ..., invoice_ids: _Optional[_Iterable[str]] = ..., recall_date: _Optional[str] = ...) -> None: ...

class RefundUnappliedRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "refund_id", "payment_id", "credit_note_id", "amount_minor", "method", "refund_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFUND_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REFUND_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    refund_id: str
    payment_id: str
    credit_note_id: str
    amount_minor: int
    method: PaymentMethod
    refund_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., refund_id: _Optional[str] = ..., payment_id: _Optional[str] = ..., credit_note_id: _Optional[str] = ..., amount_minor: _Optional[int] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., refund_date: _Optional[str] = ...) -> None: ...

class Command(_message.Message):
    __slots__ = ("open_customer", "update_customer", "close_customer", "issue_invoice", "void_invoice", "record_payment", "allocate_payment", "reverse_payment", "issue_credit_note", "allocate_credit_note", "open_dispute", "resolve_dispute", "write_off_invoice", "define_payment_terms", "define_credit_policy", "set_customer_policies", "change_credit_limit", "place_hold", "release_hold", "review_dispute", "record_promise", "define_dunning_policy", "run_dunning", "write_off_customer", "record_recovery", "sell_receivables", "recall_sold_receivables", "refund_unapplied", "register_risk_model", "record_portfolio_rescore", "add_note", "define_allowance_rates", "record_fx_rate", "import_bank_statement", "define_bank_match_rules", "match_bank_lines", "resolve_bank_line")
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
    DEFINE_PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    DEFINE_CREDIT_POLICY_FIELD_NUMBER: _ClassVar[int]
    SET_CUSTOMER_POLICIES_FIELD_NUMBER: _ClassVar[int]
    CHANGE_CREDIT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    PLACE_HOLD_FIELD_NUMBER: _ClassVar[int]
    RELEASE_HOLD_FIELD_NUMBER: _ClassVar[int]
    REVIEW_DISPUTE_FIELD_NUMBER: _ClassVar[int]
    RECORD_PROMISE_FIELD_NUMBER: _ClassVar[int]
    DEFINE_DUNNING_POLICY_FIELD_NUMBER: _ClassVar[int]
    RUN_DUNNING_FIELD_NUMBER: _ClassVar[int]
    WRITE_OFF_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    RECORD_RECOVERY_FIELD_NUMBER: _ClassVar[int]
    SELL_RECEIVABLES_FIELD_NUMBER: _ClassVar[int]
    RECALL_SOLD_RECEIVABLES_FIELD_NUMBER: _ClassVar[int]
    REFUND_UNAPPLIED_FIELD_NUMBER: _ClassVar[int]
    REGISTER_RISK_MODEL_FIELD_NUMBER: _ClassVar[int]
    RECORD_PORTFOLIO_RESCORE_FIELD_NUMBER: _ClassVar[int]
    ADD_NOTE_FIELD_NUMBER: _ClassVar[int]
    DEFINE_ALLOWANCE_RATES_FIELD_NUMBER: _ClassVar[int]
    RECORD_FX_RATE_FIELD_NUMBER: _ClassVar[int]
    IMPORT_BANK_STATEMENT_FIELD_NUMBER: _ClassVar[int]
    DEFINE_BANK_MATCH_RULES_FIELD_NUMBER: _ClassVar[int]
    MATCH_BANK_LINES_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_BANK_LINE_FIELD_NUMBER: _ClassVar[int]
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
    define_payment_terms: DefinePaymentTermsRequest
    define_credit_policy: DefineCreditPolicyRequest
    set_customer_policies: SetCustomerPoliciesRequest
    change_credit_limit: ChangeCreditLimitRequest
    place_hold: PlaceHoldRequest
    release_hold: ReleaseHoldRequest
    review_dispute: ReviewDisputeRequest
    record_promise: RecordPromiseRequest
    define_dunning_policy: DefineDunningPolicyRequest
    run_dunning: RunDunningRequest
    write_off_customer: WriteOffCustomerRequest
    record_recovery: RecordRecoveryRequest
    sell_receivables: SellReceivablesRequest
    recall_sold_receivables: RecallSoldReceivablesRequest
    refund_unapplied: RefundUnappliedRequest
    register_risk_model: RegisterRiskModelRequest
    record_portfolio_rescore: RecordPortfolioRescoreRequest
    add_note: AddNoteRequest
    define_allowance_rates: DefineAllowanceRatesRequest
    record_fx_rate: RecordFxRateRequest
    import_bank_statement: ImportBankStatementRequest
    define_bank_match_rules: DefineBankMatchRulesRequest
    match_bank_lines: MatchBankLinesRequest
    resolve_bank_line: ResolveBankLineRequest
    def __init__(self, open_customer: _Optional[_Union[OpenCustomerRequest, _Mapping]] = ..., update_customer: _Optional[_Union[UpdateCustomerRequest, _Mapping]] = ..., close_customer: _Optional[_Union[CloseCustomerRequest, _Mapping]] = ..., issue_invoice: _Optional[_Union[IssueInvoiceRequest, _Mapping]] = ..., void_invoice: _Optional[_Union[VoidInvoiceRequest, _Mapping]] = ..., record_payment: _Optional[_Union[RecordPaymentRequest, _Mapping]] = ..., allocate_payment: _Optional[_Union[AllocatePaymentRequest, _Mapping]] = ..., reverse_payment: _Optional[_Union[ReversePaymentRequest, _Mapping]] = ..., issue_credit_note: _Optional[_Union[IssueCreditNoteRequest, _Mapping]] = ..., allocate_credit_note: _Optional[_Union[AllocateCreditNoteRequest, _Mapping]] = ..., open_dispute: _Optional[_Union[OpenDisputeRequest, _Mapping]] = ..., resolve_dispute: _Optional[_Union[ResolveDisputeRequest, _Mapping]] = ..., write_off_invoice: _Optional[_Union[WriteOffInvoiceRequest, _Mapping]] = ..., define_payment_terms: _Optional[_Union[DefinePaymentTermsRequest, _Mapping]] = ..., define_credit_policy: _Optional[_Union[DefineCreditPolicyRequest, _Mapping]] = ..., set_customer_policies: _Optional[_Union[SetCustomerPoliciesRequest, _Mapping]] = ..., change_credit_limit: _Optional[_Union[ChangeCreditLimitRequest, _Mapping]] = ..., place_hold: _Optional[_Union[PlaceHoldRequest, _Mapping]] = ..., release_hold: _Optional[_Union[ReleaseHoldRequest, _Mapping]] = ..., review_dispute: _Optional[_Union[ReviewDisputeRequest, _Mapping]] = ..., record_promise: _Optional[_Union[RecordPromiseRequest, _Mapping]] = ..., define_dunning_policy: _Optional[_Union[DefineDunningPolicyRequest, _Mapping]] = ..., run_dunning: _Optional[_Union[RunDunningRequest, _Mapping]] = ..., write_off_customer: _Optional[_Union[WriteOffCustomerRequest, _Mapping]] = ..., record_recovery: _Optional[_Union[RecordRecoveryRequest, _Mapping]] = ..., sell_receivables: _Optional[_Union[SellReceivablesRequest, _Mapping]] = ..., recall_sold_receivables: _Optional[_Union[RecallSoldReceivablesRequest, _Mapping]] = ..., refund_unapplied: _Optional[_Union[RefundUnappliedRequest, _Mapping]] = ..., register_risk_model: _Optional[_Union[RegisterRiskModelRequest, _Mapping]] = ..., record_portfolio_rescore: _Optional[_Union[RecordPortfolioRescoreRequest, _Mapping]] = ..., add_note: _Optional[_Union[AddNoteRequest, _Mapping]] = ..., define_allowance_rates: _Optional[_Union[DefineAllowanceRatesRequest, _Mapping]] = ..., record_fx_rate: _Optional[_Union[RecordFxRateRequest, _Mapping]] = ..., import_bank_statement: _Optional[_Union[ImportBankStatementRequest, _Mapping]] = ..., define_bank_match_rules: _Optional[_Union[DefineBankMatchRulesRequest, _Mapping]] = ..., match_bank_lines: _Optional[_Union[MatchBankLinesRequest, _Mapping]] = ..., resolve_bank_line: _Optional[_Union[ResolveBankLineRequest, _Mapping]] = ...) -> None: ...

class Batch(_message.Message):
    __slots__ = ("commands", "atomic")
    COMMANDS_FIELD_NUMBER: _ClassVar[int]
    ATOMIC_FIELD_NUMBER: _ClassVar[int]
    commands: _containers.RepeatedCompositeFieldContainer[Command]
    atomic: bool
    def __init__(self, commands: _Optional[_Iterable[_Union[Command, _Mapping]]] = ..., atomic: _Optional[bool] = ...) -> None: ...

class RegisterRiskModelRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "model_version", "model_json", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    MODEL_JSON_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    model_version: str
    model_json: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., model_version: _Optional[str] = ..., model_json: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class RecordPortfolioRescoreRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "model_version", "as_of", "known_position", "customer_count", "score_digest", "summary_json")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    KNOWN_POSITION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_COUNT_FIELD_NUMBER: _ClassVar[int]
    SCORE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_JSON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    model_version: str
    as_of: str
    known_position: int
    customer_count: int
    score_digest: str
    summary_json: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., model_version: _Optional[str] = ..., as_of: _Optional[str] = ..., known_position: _Optional[int] = ..., customer_count: _Optional[int] = ..., score_digest: _Optional[str] = ..., summary_json: _Optional[str] = ...) -> None: ...

class AddNoteRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "customer_id", "text", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    customer_id: str
    text: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., customer_id: _Optional[str] = ..., text: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class DefineAllowanceRatesRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "allowance_id", "bucket_edges_days", "rates_bp", "rounding", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ALLOWANCE_ID_FIELD_NUMBER: _ClassVar[int]
    BUCKET_EDGES_DAYS_FIELD_NUMBER: _ClassVar[int]
    RATES_BP_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    allowance_id: str
    bucket_edges_days: _containers.RepeatedScalarFieldContainer[int]
    rates_bp: _containers.RepeatedScalarFieldContainer[int]
    rounding: AllowanceRounding
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., allowance_id: _Optional[str] = ..., bucket_edges_days: _Optional[_Iterable[int]] = ..., rates_bp: _Optional[_Iterable[int]] = ..., rounding: _Optional[_Union[AllowanceRounding, str]] = ..., effective_date: _Optional[str] = ...) -> None: ...

class RecordFxRateRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "base_currency", "quote_currency", "rate", "rate_date", "source")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BASE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    QUOTE_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    RATE_DATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    base_currency: str
    quote_currency: str
    rate: str
    rate_date: str
    source: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., base_currency: _Optional[str] = ..., quote_currency: _Optional[str] = ..., rate: _Optional[str] = ..., rate_date: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class BankStatementLine(_message.Message):
    __slots__ = ("line_number", "booking_date", "value_date", "amount_minor", "currency", "counterparty_name", "counterparty_account", "remittance", "end_to_end_id", "bank_reference")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BOOKING_DATE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_MINOR_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_NAME_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    REMITTANCE_FIELD_NUMBER: _ClassVar[int]
    END_TO_END_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    booking_date: str
    value_date: str
    amount_minor: int
    currency: str
    counterparty_name: str
    counterparty_account: str
    remittance: str
    end_to_end_id: str
    bank_reference: str
    def __init__(self, line_number: _Optional[int] = ..., booking_date: _Optional[str] = ..., value_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., counterparty_name: _Optional[str] = ..., counterparty_account: _Optional[str] = ..., remittance: _Optional[str] = ..., end_to_end_id: _Optional[str] = ..., bank_reference: _Optional[str] = ...) -> None: ...

class ImportBankStatementRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "account", "statement_id", "format", "file_sha256", "lines")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    account: str
    statement_id: str
    format: str
    file_sha256: str
    lines: _containers.RepeatedCompositeFieldContainer[BankStatementLine]
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., account: _Optional[str] = ..., statement_id: _Optional[str] = ..., format: _Optional[str] = ..., file_sha256: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[BankStatementLine, _Mapping]]] = ...) -> None: ...

class DefineBankMatchRulesRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "definition_json", "effective_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_JSON_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    definition_json: str
    effective_date: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., definition_json: _Optional[str] = ..., effective_date: _Optional[str] = ...) -> None: ...

class MatchBankLinesRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "limit")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    limit: int
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ResolveBankLineRequest(_message.Message):
    __slots__ = ("request_id", "actor", "reason", "line_id", "action", "candidate_rank", "customer_id", "allocations")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_RANK_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    reason: str
    line_id: str
    action: BankLineAction
    candidate_rank: int
    customer_id: str
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., reason: _Optional[str] = ..., line_id: _Optional[str] = ..., action: _Optional[_Union[BankLineAction, str]] = ..., candidate_rank: _Optional[int] = ..., customer_id: _Optional[str] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ...) -> None: ...
