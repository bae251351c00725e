from arledger_client.v1 import commands_pb2 as _commands_pb2
from arledger_client.v1 import ledger_pb2 as _ledger_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CsvMapping(_message.Message):
    __slots__ = ("booking_date", "value_date", "amount", "credit", "debit", "currency", "counterparty_name", "counterparty_account", "remittance", "end_to_end_id", "bank_reference", "date_format", "decimal_separator", "delimiter", "default_currency")
    BOOKING_DATE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    DEBIT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_NAME_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    REMITTANCE_FIELD_NUMBER: _ClassVar[int]
    END_TO_END_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DATE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    DECIMAL_SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    DELIMITER_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CURRENCY_FIELD_NUMBER: _ClassVar[int]
    booking_date: str
    value_date: str
    amount: str
    credit: str
    debit: str
    currency: str
    counterparty_name: str
    counterparty_account: str
    remittance: str
    end_to_end_id: str
    bank_reference: str
    date_format: str
    decimal_separator: str
    delimiter: str
    default_currency: str
    def __init__(self, booking_date: _Optional[str] = ..., value_date: _Optional[str] = ..., amount: _Optional[str] = ..., credit: _Optional[str] = ..., debit: _Optional[str] = ..., currency: _Optional[str] = ..., counterparty_name: _Optional[str] = ..., counterparty_account: _Optional[str] = ..., remittance: _Optional[str] = ..., end_to_end_id: _Optional[str] = ..., bank_reference: _Optional[str] = ..., date_format: _Optional[str] = ..., decimal_separator: _Optional[str] = ..., delimiter: _Optional[str] = ..., default_currency: _Optional[str] = ...) -> None: ...

class ImportStatementRequest(_message.Message):
    __slots__ = ("request_id", "actor", "format", "content", "csv_mapping", "account", "statement_id", "skip_match")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CSV_MAPPING_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SKIP_MATCH_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    format: str
    content: bytes
    csv_mapping: CsvMapping
    account: str
    statement_id: str
    skip_match: bool
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ..., format: _Optional[str] = ..., content: _Optional[bytes] = ..., csv_mapping: _Optional[_Union[CsvMapping, _Mapping]] = ..., account: _Optional[str] = ..., statement_id: _Optional[str] = ..., skip_match: _Optional[bool] = ...) -> None: ...

class ImportStatementResponse(_message.Message):
    __slots__ = ("statements", "lines_in_file", "lines_recorded", "lines_known_before", "file_sha256", "match", "line_ids")
    STATEMENTS_FIELD_NUMBER: _ClassVar[int]
    LINES_IN_FILE_FIELD_NUMBER: _ClassVar[int]
    LINES_RECORDED_FIELD_NUMBER: _ClassVar[int]
    LINES_KNOWN_BEFORE_FIELD_NUMBER: _ClassVar[int]
    FILE_SHA256_FIELD_NUMBER: _ClassVar[int]
    MATCH_FIELD_NUMBER: _ClassVar[int]
    LINE_IDS_FIELD_NUMBER: _ClassVar[int]
    statements: int
    lines_in_file: int
    lines_recorded: int
    lines_known_before: int
    file_sha256: str
    match: MatchSummary
    line_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, statements: _Optional[int] = ..., lines_in_file: _Optional[int] = ..., lines_recorded: _Optional[int] = ..., lines_known_before: _Optional[int] = ..., file_sha256: _Optional[str] = ..., match: _Optional[_Union[MatchSummary, _Mapping]] = ..., line_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MatchLinesRequest(_message.Message):
    __slots__ = ("request_id", "actor")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    actor: str
    def __init__(self, request_id: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class MatchSummary(_message.Message):
    __slots__ = ("decided", "applied", "queued", "rules_version", "position")
    DECIDED_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    decided: int
    applied: int
    queued: int
    rules_version: int
    position: int
    def __init__(self, decided: _Optional[int] = ..., applied: _Optional[int] = ..., queued: _Optional[int] = ..., rules_version: _Optional[int] = ..., position: _Optional[int] = ...) -> None: ...

class ListLinesRequest(_message.Message):
    __slots__ = ("status", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: str
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListLinesResponse(_message.Message):
    __slots__ = ("lines", "next_page_token", "total")
    LINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[BankLine]
    next_page_token: str
    total: int
    def __init__(self, lines: _Optional[_Iterable[_Union[BankLine, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class GetLineRequest(_message.Message):
    __slots__ = ("line_id",)
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    def __init__(self, line_id: _Optional[str] = ...) -> None: ...

class BankCandidate(_message.Message):
    __slots__ = ("rank", "customer_id", "score_bp", "allocations", "discounts", "write_offs", "unapplied_minor", "reasons")
    RANK_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_BP_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    DISCOUNTS_FIELD_NUMBER: _ClassVar[int]
    WRITE_OFFS_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_MINOR_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    rank: int
    customer_id: str
    score_bp: int
    allocations: _containers.RepeatedCompositeFieldContainer[_commands_pb2.Allocation]
    discounts: _containers.RepeatedCompositeFieldContainer[_commands_pb2.Allocation]
    write_offs: _containers.RepeatedCompositeFieldContainer[_commands_pb2.Allocation]
    unapplied_minor: int
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rank: _Optional[int] = ..., customer_id: _Optional[str] = ..., score_bp: _Optional[int] = ..., allocations: _Optional[_Iterable[_Union[_commands_pb2.Allocation, _Mapping]]] = ..., discounts: _Optional[_Iterable[_Union[_commands_pb2.Allocation, _Mapping]]] = ..., write_offs: _Optional[_Iterable[_Union[_commands_pb2.Allocation, _Mapping]]] = ..., unapplied_minor: _Optional[int] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class BankLine(_message.Message):
    __slots__ = ("line_id", "account", "statement_id", "line_number", "booking_date", "value_date", "amount_minor", "currency", "counterparty_name", "counterparty_account", "remittance", "end_to_end_id", "bank_reference", "status", "score_bp", "rules_version", "decided_by", "actor", "customer_id", "payment_id", "candidates", "reasons", "position", "decided_position")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_ID_FIELD_NUMBER: _ClassVar[int]
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
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCORE_BP_FIELD_NUMBER: _ClassVar[int]
    RULES_VERSION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    DECIDED_POSITION_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    account: str
    statement_id: str
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
    status: str
    score_bp: int
    rules_version: int
    decided_by: str
    actor: str
    customer_id: str
    payment_id: str
    candidates: _containers.RepeatedCompositeFieldContainer[BankCandidate]
    reasons: _containers.RepeatedScalarFieldContainer[str]
    position: int
    decided_position: int
    def __init__(self, line_id: _Optional[str] = ..., account: _Optional[str] = ..., statement_id: _Optional[str] = ..., line_number: _Optional[int] = ..., booking_date: _Optional[str] = ..., value_date: _Optional[str] = ..., amount_minor: _Optional[int] = ..., currency: _Optional[str] = ..., counterparty_name: _Optional[str] = ..., counterparty_account: _Optional[str] = ..., remittance: _Optional[str] = ..., end_to_end_id: _Optional[str] = ..., bank_reference: _Optional[str] = ..., status: _Optional[str] = ..., score_bp: _Optional[int] = ..., rules_version: _Optional[int] = ..., decided_by: _Optional[str] = ..., actor: _Optional[str] = ..., customer_id: _Optional[str] = ..., payment_id: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[BankCandidate, _Mapping]]] = ..., reasons: _Optional[_Iterable[str]] = ..., position: _Optional[int] = ..., decided_position: _Optional[int] = ...) -> None: ...

class GetMatchRulesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MatchRules(_message.Message):
    __slots__ = ("version", "definition_json")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DEFINITION_JSON_FIELD_NUMBER: _ClassVar[int]
    version: int
    definition_json: str
    def __init__(self, version: _Optional[int] = ..., definition_json: _Optional[str] = ...) -> None: ...
