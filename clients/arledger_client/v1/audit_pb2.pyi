import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignedDigest(_message.Message):
    __slots__ = ("log", "position", "segment", "head_hash", "merkle_root", "signed_at_us", "key_id", "signature")
    LOG_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    MERKLE_ROOT_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_US_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    log: str
    position: int
    segment: int
    head_hash: str
    merkle_root: str
    signed_at_us: int
    key_id: str
    signature: str
    def __init__(self, log: _Optional[str] = ..., position: _Optional[int] = ..., segment: _Optional[int] = ..., head_hash: _Optional[str] = ..., merkle_root: _Optional[str] = ..., signed_at_us: _Optional[int] = ..., key_id: _Optional[str] = ..., signature: _Optional[str] = ...) -> None: ...

class GetSignedDigestRequest(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: int
    def __init__(self, segment: _Optional[int] = ...) -> None: ...

class GetPublicKeyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PublicKey(_message.Message):
    __slots__ = ("pem", "key_id", "algorithm")
    PEM_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    pem: str
    key_id: str
    algorithm: str
    def __init__(self, pem: _Optional[str] = ..., key_id: _Optional[str] = ..., algorithm: _Optional[str] = ...) -> None: ...

class VerifyRangeRequest(_message.Message):
    __slots__ = ("to",)
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    to: SignedDigest
    def __init__(self, to: _Optional[_Union[SignedDigest, _Mapping]] = ..., **kwargs) -> None: ...

class TreeNode(_message.Message):
    __slots__ = ("hash", "entries")
    HASH_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    hash: bytes
    entries: int
    def __init__(self, hash: _Optional[bytes] = ..., entries: _Optional[int] = ...) -> None: ...

class VerifyRangeResponse(_message.Message):
    __slots__ = ("ok", "first_bad_segment", "first_bad_position", "problem", "segments_checked", "to", "consistency_proof")
    OK_FIELD_NUMBER: _ClassVar[int]
    FIRST_BAD_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    FIRST_BAD_POSITION_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_PROOF_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    first_bad_segment: int
    first_bad_position: int
    problem: str
    segments_checked: int
    to: SignedDigest
    consistency_proof: _containers.RepeatedCompositeFieldContainer[TreeNode]
    def __init__(self, ok: _Optional[bool] = ..., first_bad_segment: _Optional[int] = ..., first_bad_position: _Optional[int] = ..., problem: _Optional[str] = ..., segments_checked: _Optional[int] = ..., to: _Optional[_Union[SignedDigest, _Mapping]] = ..., consistency_proof: _Optional[_Iterable[_Union[TreeNode, _Mapping]]] = ...) -> None: ...

class GetInclusionProofRequest(_message.Message):
    __slots__ = ("positions", "customer_id", "as_of", "segment")
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    positions: _containers.RepeatedScalarFieldContainer[int]
    customer_id: str
    as_of: str
    segment: int
    def __init__(self, positions: _Optional[_Iterable[int]] = ..., customer_id: _Optional[str] = ..., as_of: _Optional[str] = ..., segment: _Optional[int] = ...) -> None: ...

class InclusionProof(_message.Message):
    __slots__ = ("position", "entry_json", "segment", "segment_hash", "index_in_segment", "segment_entries", "entry_path", "segment_index", "tree_segments", "segment_path")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ENTRY_JSON_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_HASH_FIELD_NUMBER: _ClassVar[int]
    INDEX_IN_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    ENTRY_PATH_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_PATH_FIELD_NUMBER: _ClassVar[int]
    position: int
    entry_json: str
    segment: int
    segment_hash: str
    index_in_segment: int
    segment_entries: int
    entry_path: _containers.RepeatedScalarFieldContainer[bytes]
    segment_index: int
    tree_segments: int
    segment_path: _containers.RepeatedCompositeFieldContainer[TreeNode]
    def __init__(self, position: _Optional[int] = ..., entry_json: _Optional[str] = ..., segment: _Optional[int] = ..., segment_hash: _Optional[str] = ..., index_in_segment: _Optional[int] = ..., segment_entries: _Optional[int] = ..., entry_path: _Optional[_Iterable[bytes]] = ..., segment_index: _Optional[int] = ..., tree_segments: _Optional[int] = ..., segment_path: _Optional[_Iterable[_Union[TreeNode, _Mapping]]] = ...) -> None: ...

class InclusionProofs(_message.Message):
    __slots__ = ("digest", "proofs")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    PROOFS_FIELD_NUMBER: _ClassVar[int]
    digest: SignedDigest
    proofs: _containers.RepeatedCompositeFieldContainer[InclusionProof]
    def __init__(self, digest: _Optional[_Union[SignedDigest, _Mapping]] = ..., proofs: _Optional[_Iterable[_Union[InclusionProof, _Mapping]]] = ...) -> None: ...

class ExportLogRequest(_message.Message):
    __slots__ = ("customer_id", "entry_types", "effective_from", "effective_to", "recorded_from", "recorded_to")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    ENTRY_TYPES_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FROM_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_TO_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FROM_FIELD_NUMBER: _ClassVar[int]
    RECORDED_TO_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    entry_types: _containers.RepeatedScalarFieldContainer[str]
    effective_from: str
    effective_to: str
    recorded_from: _timestamp_pb2.Timestamp
    recorded_to: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., entry_types: _Optional[_Iterable[str]] = ..., effective_from: _Optional[str] = ..., effective_to: _Optional[str] = ..., recorded_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportItem(_message.Message):
    __slots__ = ("digest", "entry_json")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    ENTRY_JSON_FIELD_NUMBER: _ClassVar[int]
    digest: SignedDigest
    entry_json: str
    def __init__(self, digest: _Optional[_Union[SignedDigest, _Mapping]] = ..., entry_json: _Optional[str] = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ("invoice_id", "customer_id")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    customer_id: str
    def __init__(self, invoice_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...
