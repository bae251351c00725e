"""Who is calling, and what they may do: principals, roles, the permission table, and the
actor every entry records.

Principals authenticate with a TLS client certificate (its subject CN is the principal's
name), a JWT bearer token (verified with PyJWT: pinned algorithms, `exp`, `aud`, `iss`,
`sub` required; `sub` is the name), or a static API key (`Bearer arl_...`, kept in the
configuration only as its SHA-256). A bearer token, when sent, decides the principal
(and must verify); otherwise the certificate does.

Roles (a principal may hold several) map to permissions; every RPC needs exactly one
permission (`PERMISSIONS`, the one table, which a test checks against the service
descriptors so that no RPC is forgotten). Commands inside batches are checked one by one
(`COMMAND_PERMISSIONS`): a writer cannot define a policy through SubmitBatch.

With no authentication configured (a loopback server, or `--insecure`), every caller is
ANONYMOUS, holds every permission, and commands keep the actor they name, as before.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arledger.domain import limits
from arledger.domain.errors import LedgerError, error
from arledger.engine import columnar
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb

# ---- permissions and roles --------------------------------------------------------------

COMMAND = "ledger.command"        # customers, invoices, payments, credits, disputes, dunning...
POLICY = "ledger.policy"          # payment terms, credit policy, dunning ladders
READ = "ledger.read"              # customers, balances, open items, aging, accounts, log head
LOG = "log.read"                  # the log itself: entries, verification
REPORT = "report.read"            # ReportService
AUDIT = "audit.read"              # proofs, range checks, export, history
AUDIT_KEY = "audit.key"           # the public key
AUDIT_SIGN = "audit.sign"         # a freshly signed digest of the head
RISK_READ = "risk.read"           # scores, worklist, provision matrix, models
RISK_RESCORE = "risk.rescore"     # RescorePortfolio (records a re-score)
RISK_CALIBRATE = "risk.calibrate"  # Calibrate
RISK_MODELS = "risk.models"       # RegisterModel (and Calibrate with register)
FX_RECORD = "fx.record"           # RecordFxRate: exchange rates (a feed, or a person)
BANK_IMPORT = "bank.import"       # import statements, run the matcher (BankService)
BANK_READ = "bank.read"           # statement lines, the exceptions queue, candidates
BANK_APPLY = "bank.apply"         # a person's decision on a line (confirm, assign, ...)
REFLECTION = "server.reflection"  # gRPC server reflection
PUBLIC = ""                       # health checks: no credentials needed

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "writer": frozenset({COMMAND, FX_RECORD, BANK_IMPORT, BANK_READ, BANK_APPLY}),
    "reader": frozenset({READ, REPORT, RISK_READ, BANK_READ}),
    "auditor": frozenset({READ, REPORT, RISK_READ, LOG, AUDIT, AUDIT_KEY, BANK_READ}),
    # Cash application: works the exceptions queue; cannot import or change rules.
    "collector": frozenset({READ, REPORT, RISK_READ, BANK_READ, BANK_APPLY}),
    "risk": frozenset({RISK_READ, RISK_RESCORE, RISK_CALIBRATE, RISK_MODELS}),
    "admin": frozenset({POLICY, FX_RECORD, AUDIT_SIGN, AUDIT_KEY, REFLECTION}),
}
ROLES = tuple(ROLE_PERMISSIONS)
ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())

_L, _Q, _G = "arledger.v1.LedgerService", "arledger.v1.QueryService", "arledger.v1.LogService"
_RE, _A, _R = "arledger.v1.ReportService", "arledger.v1.AuditService", "arledger.v1.RiskService"
_S = "arledger.v1.SearchService"
_V = "arledger.v1.ValuationService"
_B = "arledger.v1.BankService"

#: Full method name -> the permission it needs. THE table: nothing else grants access.
PERMISSIONS: dict[str, str] = {
    **{f"/{_L}/{m}": COMMAND for m in (
        "OpenCustomer", "UpdateCustomer", "CloseCustomer", "IssueInvoice", "VoidInvoice",
        "RecordPayment", "AllocatePayment", "ReversePayment", "IssueCreditNote",
        "AllocateCreditNote", "OpenDispute", "ResolveDispute", "WriteOffInvoice",
        "SetCustomerPolicies", "ChangeCreditLimit", "PlaceHold", "ReleaseHold",
        "ReviewDispute", "RecordPromise", "RunDunning", "WriteOffCustomer", "RecordRecovery",
        "SellReceivables", "RecallSoldReceivables", "RefundUnapplied", "AddNote",
        "SubmitBatch", "SubmitBatchStream", "SubmitColumnar", "SubmitColumnarStream")},
    f"/{_L}/DefinePaymentTerms": POLICY,
    f"/{_L}/DefineCreditPolicy": POLICY,
    f"/{_L}/DefineDunningPolicy": POLICY,
    **{f"/{_Q}/{m}": READ for m in ("GetCustomer", "GetBalance", "ListOpenItems", "GetAging",
                                     "GetAccount")},
    f"/{_G}/GetLogHead": READ,
    **{f"/{_S}/{m}": READ for m in ("ListCustomers", "ListInvoices", "ListPayments",
                                     "ListCreditNotes", "GetInvoice", "GetPayment",
                                     "ListNotes", "ListDunningNotices")},
    f"/{_G}/StreamEntries": LOG,
    f"/{_G}/VerifyLog": LOG,
    **{f"/{_RE}/{m}": REPORT for m in ("GetCustomerAging", "GetAgingItems", "GetStatement",
                                        "GetKpis", "GetExceptions")},
    f"/{_A}/GetSignedDigest": AUDIT_SIGN,
    f"/{_A}/GetPublicKey": AUDIT_KEY,
    **{f"/{_A}/{m}": AUDIT for m in ("VerifyRange", "GetInclusionProof", "ExportLog",
                                      "GetHistory")},
    f"/{_R}/RescorePortfolio": RISK_RESCORE,
    f"/{_R}/Calibrate": RISK_CALIBRATE,
    f"/{_R}/RegisterModel": RISK_MODELS,
    **{f"/{_R}/{m}": RISK_READ for m in ("GetScore", "GetWorklist", "GetProvisionMatrix",
                                          "ListModels")},
    f"/{_V}/DefineAllowanceRates": POLICY,
    f"/{_V}/RecordFxRate": FX_RECORD,
    **{f"/{_V}/{m}": REPORT for m in ("GetAllowance", "ListFxRates", "GetConsolidatedAging",
                                       "GetConsolidatedKpis", "GetConsolidatedExposure")},
    f"/{_B}/ImportStatement": BANK_IMPORT,
    f"/{_B}/MatchLines": BANK_IMPORT,
    f"/{_B}/ResolveBankLine": BANK_APPLY,
    f"/{_B}/DefineBankMatchRules": POLICY,
    **{f"/{_B}/{m}": BANK_READ for m in ("ListLines", "GetLine", "GetMatchRules")},
    **{f"/grpc.health.v1.Health/{m}": PUBLIC for m in ("Check", "Watch", "List")},
    **{f"/grpc.reflection.{v}.ServerReflection/ServerReflectionInfo": REFLECTION
       for v in ("v1alpha", "v1")},
}


def _command_permissions() -> dict[str, str]:
    """Command kind -> permission: the permission of the LedgerService RPC that takes the
    same message, and for the kinds only other services submit, theirs."""
    ledger = lpb.DESCRIPTOR.services_by_name["LedgerService"]
    by_input = {m.input_type.full_name: PERMISSIONS[f"/{_L}/{m.name}"] for m in ledger.methods}
    out = {"register_risk_model": RISK_MODELS, "record_portfolio_rescore": RISK_RESCORE,
           "define_allowance_rates": POLICY, "record_fx_rate": FX_RECORD,
           "import_bank_statement": BANK_IMPORT, "match_bank_lines": BANK_IMPORT,
           "resolve_bank_line": BANK_APPLY, "define_bank_match_rules": POLICY}
    for f in cpb.Command.DESCRIPTOR.oneofs_by_name["command"].fields:
        out.setdefault(f.name, by_input.get(f.message_type.full_name, ""))
    missing = [k for k, v in out.items() if not v]
    assert not missing, f"command kinds without a permission: {missing}"
    return out


COMMAND_PERMISSIONS = _command_permissions()


def permission_of(method: str) -> str | None:
    """The permission `method` (full name, "/pkg.Service/Method") needs; None: unknown
    (refused when authentication is on)."""
    return PERMISSIONS.get(method)


# ---- principals ---------------------------------------------------------------------------

# A principal's name is what entries record as their actor: no "/" (which separates the
# detail a caller may add) and nothing a log reader could mistake.
PRINCIPAL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]
    partitions: frozenset[str] | None = None  # None: every partition
    via: str = "none"                         # mtls, jwt, api-key, none

    @property
    def permissions(self) -> frozenset[str]:
        if self.via == "none":
            return ALL_PERMISSIONS
        return frozenset().union(*(ROLE_PERMISSIONS.get(r, ()) for r in self.roles))

    def may(self, permission: str) -> bool:
        return permission == PUBLIC or permission in self.permissions


ANONYMOUS = Principal("", frozenset(ROLES), None, "none")

_current: contextvars.ContextVar[Principal] = contextvars.ContextVar("arledger_principal",
                                                                     default=ANONYMOUS)


def current() -> Principal:
    """The principal of the call this thread is serving (ANONYMOUS when auth is off)."""
    return _current.get()


def bind(principal: Principal) -> contextvars.Token:
    return _current.set(principal)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


def denied(permission: str, principal: Principal, method: str = "", **more: str) -> LedgerError:
    return error("PERMISSION_DENIED",
                 f"{principal.name or 'the caller'} lacks the permission {permission!r}"
                 + (f" that {method} needs" if method else ""),
                 permission=permission, principal=principal.name, method=method, **more)


def check(principal: Principal, permission: str, method: str = "",
          partition: str = "") -> None:
    """Raise PERMISSION_DENIED / PARTITION_NOT_ALLOWED unless `principal` may."""
    if not principal.may(permission):
        raise denied(permission, principal, method)
    if partition and principal.partitions is not None and partition not in principal.partitions:
        raise error("PARTITION_NOT_ALLOWED", f"{principal.name} may not use partition "
                    f"{partition}", principal=principal.name, partition=partition)


# ---- the actor of every entry ---------------------------------------------------------

def actor_for(principal: Principal, requested: str) -> str:
    """The actor an entry records for a command `principal` sends naming `requested`.

    The principal itself ("" or its own name), or the principal with detail under it
    ("svc-billing/alice"); any other name is ACTOR_NOT_PRINCIPAL. With authentication
    off (ANONYMOUS) the requested actor stands, as before. Call it in the server layer
    before a command reaches Ledger.submit (a batch of one actor calls it once)."""
    if principal.via == "none":
        return requested
    name = principal.name
    if not requested or requested == name:
        return name
    if requested.startswith(name + "/") and len(requested) > len(name) + 1 \
            and len(requested) <= limits.text_length_max:
        return requested
    quoted = requested[:limits.error_quote_length_max]
    raise error("ACTOR_NOT_PRINCIPAL", f"actor {quoted!r} is not {name!r} or "
                f"{name + '/...'!r}", principal=name, actor=quoted)


def authorize_commands(principal: Principal, commands: Iterable[cpb.Command],
                       method: str = "") -> None:
    """Check each command's permission and set its actor (in place) to what the
    principal may record (actor_for). Raises before anything is submitted."""
    if principal.via == "none":
        return  # authentication off: nothing to check, actors stand
    perms = principal.permissions
    for i, cmd in enumerate(commands):
        kind = cmd.WhichOneof("command")
        if kind is None:
            continue  # the engine refuses it (EMPTY_COMMAND)
        perm = COMMAND_PERMISSIONS[kind]
        if perm not in perms:
            raise denied(perm, principal, method, command=kind, command_index=str(i))
        body = getattr(cmd, kind)
        body.actor = actor_for(principal, body.actor)


def authorize_batch(principal: Principal, batch: Any, method: str = "") -> None:
    """authorize_commands for a row batch read into columns (engine/rowwire.py), with the
    same outcome: the first command (in order) whose permission is missing or whose actor
    the principal may not record is refused with the same error; otherwise every actor
    becomes what actor_for makes it (the actor column's references, and the message of an
    OTHER command). Each distinct actor and each kind is looked at once, not each command."""
    if principal.via == "none":
        return
    cols = batch.cols
    n = batch.n
    perms = principal.permissions
    kinds = cols.kind
    skip = np.zeros(n, bool)  # a Command with nothing set: the engine refuses it
    first_bad: list[tuple[int, int, str, str]] = []  # (index, 0 permission / 1 actor, ...)
    for k, spec in columnar.SPECS.items():
        perm = COMMAND_PERMISSIONS[spec.name]
        if perm not in perms:
            at = np.flatnonzero(kinds == k)
            if len(at):
                first_bad.append((int(at[0]), 0, perm, spec.name))
    for i in np.flatnonzero(kinds == columnar.OTHER).tolist():
        which = batch.others[int(cols.row[i])].WhichOneof("command")
        if which is None:
            skip[i] = True
        elif COMMAND_PERMISSIONS[which] not in perms:
            first_bad.append((i, 0, COMMAND_PERMISSIONS[which], which))
            break
    live = np.flatnonzero(~skip)
    texts, which_text = columnar._distinct_texts(cols.sbuf, cols.env[live, 1])
    mapped: list[str | None] = []
    for t in texts:
        try:
            mapped.append(actor_for(principal, t))
        except LedgerError:
            mapped.append(None)
    for d, m in enumerate(mapped):
        if m is None:
            first_bad.append((int(live[np.argmax(which_text == d)]), 1, texts[d], ""))
    if first_bad:
        i, what, arg, kind = min(first_bad)
        if what == 0:
            raise denied(arg, principal, method, command=kind, command_index=str(i))
        actor_for(principal, arg)  # raises ACTOR_NOT_PRINCIPAL, as authorize_commands does
    extra = "".join(m or "" for m in mapped).encode()
    lens = np.array([len((m or "").encode()) for m in mapped], np.int64)
    ends = len(cols.sbuf) + np.cumsum(lens)
    cols.env[live, 1, 0] = (ends - lens)[which_text]
    cols.env[live, 1, 1] = ends[which_text]
    batch.cols = cols._replace(sbuf=np.concatenate([cols.sbuf, np.frombuffer(extra, np.uint8)]))
    for i in np.flatnonzero((kinds == columnar.OTHER) & ~skip).tolist():
        cmd = batch.others[int(cols.row[i])]
        body = getattr(cmd, cmd.WhichOneof("command"))
        body.actor = actor_for(principal, body.actor)


# ---- authentication ---------------------------------------------------------------------

API_KEY_PREFIX = "arl_"


def hash_api_key(key: str) -> str:
    """What the configuration keeps of an API key (keys are 256-bit random: a plain
    SHA-256 suffices, no slow KDF)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    import secrets
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass
class Grant:
    """Roles (and an optional partition scope) a principal is given by configuration."""
    roles: frozenset[str] = frozenset()
    partitions: frozenset[str] | None = None


@dataclass
class AuthSettings:
    """How callers authenticate. Empty: authentication off."""
    mtls: bool = False                                  # a client CA is configured
    jwt_key: Any = None                                 # a public key object, or HMAC bytes
    jwt_algorithms: tuple[str, ...] = ()
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_leeway_s: float = 30.0
    jwt_roles_claim: str = "roles"
    jwt_partitions_claim: str = "partitions"
    api_keys: dict[str, tuple[str, Grant]] = field(default_factory=dict)  # sha256 -> name, grant
    principals: dict[str, Grant] = field(default_factory=dict)  # name -> grant (certs, JWT subs)

    @property
    def enabled(self) -> bool:
        return self.mtls or self.jwt_key is not None or bool(self.api_keys)

    def modes(self) -> list[str]:
        return [m for m, on in (("mtls", self.mtls), ("jwt", self.jwt_key is not None),
                                ("api-key", bool(self.api_keys))) if on]


def _roles(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, (list, tuple)):
        return frozenset()
    return frozenset(r for r in value if isinstance(r, str) and r in ROLE_PERMISSIONS)


def _partitions(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return frozenset()  # malformed scope: nothing, never everything
    return frozenset(str(p) for p in value)


def _invalid(check_: str, message: str) -> LedgerError:
    return error("CREDENTIALS_INVALID", message, check=check_)


class Authenticator:
    """Turns a call's metadata and TLS peer into a Principal, or refuses it."""

    def __init__(self, settings: AuthSettings) -> None:
        self.s = settings

    def authenticate(self, metadata: Mapping[str, str],
                     auth_context: Mapping[str, Sequence[bytes]]) -> Principal:
        if not self.s.enabled:
            return ANONYMOUS
        header = metadata.get("authorization")
        if header is not None:
            scheme, _, token = header.partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                raise _invalid("format", "authorization must be 'Bearer <token>'")
            if token.startswith(API_KEY_PREFIX):
                return self._api_key(token)
            return self._jwt(token)
        if self.s.mtls:
            cn = auth_context.get("x509_common_name") or ()
            if cn:
                name = cn[0].decode(errors="replace")
                if not PRINCIPAL_NAME.fullmatch(name):
                    raise _invalid("certificate", "the client certificate's CN is not a "
                                   f"principal name ({PRINCIPAL_NAME.pattern})")
                g = self.s.principals.get(name, Grant())
                return Principal(name, g.roles, g.partitions, "mtls")
        raise error("CREDENTIALS_REQUIRED", "this server needs a client certificate or an "
                    "'authorization: Bearer' token")

    def _api_key(self, key: str) -> Principal:
        found = self.s.api_keys.get(hash_api_key(key))
        if found is None:
            # Compare once anyway so a miss costs what a hit costs.
            hmac.compare_digest(hash_api_key(key), hash_api_key(key))
            raise _invalid("api_key", "unknown API key")
        name, g = found
        return Principal(name, g.roles, g.partitions, "api-key")

    def _jwt(self, token: str) -> Principal:
        import jwt
        if self.s.jwt_key is None:
            raise _invalid("format", "this server accepts no JWT bearer tokens")
        try:
            claims = jwt.decode(token, self.s.jwt_key, algorithms=list(self.s.jwt_algorithms),
                                audience=self.s.jwt_audience, issuer=self.s.jwt_issuer,
                                leeway=self.s.jwt_leeway_s,
                                options={"require": ["exp", "iss", "aud", "sub"],
                                         "verify_signature": True, "verify_exp": True,
                                         "verify_aud": True, "verify_iss": True})
        except jwt.ExpiredSignatureError:
            raise error("CREDENTIALS_EXPIRED", "the token has expired") from None
        except jwt.InvalidAudienceError:
            raise _invalid("audience", "the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise _invalid("issuer", "the token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise _invalid("signature", "the token's signature does not verify") from None
        except jwt.InvalidAlgorithmError:
            raise _invalid("algorithm", "the token's algorithm is not accepted") from None
        except jwt.MissingRequiredClaimError as e:
            raise _invalid("claims", f"the token lacks {e.claim!r}") from None
        except jwt.ImmatureSignatureError:
            raise _invalid("claims", "the token is not valid yet (nbf/iat)") from None
        except jwt.InvalidTokenError:
            raise _invalid("format", "not a valid token") from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not PRINCIPAL_NAME.fullmatch(sub):
            raise _invalid("claims", f"the token's sub is not a principal name "
                           f"({PRINCIPAL_NAME.pattern})")
        g = self.s.principals.get(sub, Grant())
        roles = _roles(claims.get(self.s.jwt_roles_claim)) | g.roles
        parts = g.partitions
        if self.s.jwt_partitions_claim in claims:
            parts = _partitions(claims[self.s.jwt_partitions_claim])
        return Principal(sub, roles, parts, "jwt")


# ---- loading keys -----------------------------------------------------------------------

_HMAC = {"HS256", "HS384", "HS512"}


def load_jwt_key(path: Path, algorithms: Sequence[str] = ()) -> tuple[Any, tuple[str, ...]]:
    """A JWT verification key from `path`: a PEM public key (RSA, EC, Ed25519) or an HMAC
    secret (then the file must not be readable by group or others). Returns the key and
    the pinned algorithms (given, or the one the key type implies); 'none' and mixing
    HMAC with public keys are refused."""
    from cryptography.hazmat.primitives import serialization

    from arledger.server.files import check_private

    data = Path(path).read_bytes()
    algs = tuple(algorithms)
    if any(a.lower() == "none" for a in algs):
        raise ValueError("jwt_algorithms: 'none' is never accepted")
    if data.lstrip().startswith(b"-----BEGIN PUBLIC KEY") or b"BEGIN CERTIFICATE" in data:
        if b"BEGIN CERTIFICATE" in data:
            from cryptography import x509
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
        from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
        default = (("RS256",) if isinstance(key, rsa.RSAPublicKey) else
                   ("ES256",) if isinstance(key, ec.EllipticCurvePublicKey) else
                   ("EdDSA",) if isinstance(key, (ed25519.Ed25519PublicKey,
                                                  ed448.Ed448PublicKey)) else None)
        if default is None:
            raise ValueError(f"{path}: unsupported public key type {type(key).__name__}")
        algs = algs or default
        if set(algs) & _HMAC:
            raise ValueError("jwt_algorithms: HMAC algorithms with a public key")
        return key, algs
    check_private(Path(path), "the JWT secret")
    secret = data.strip()
    if len(secret) < limits.secret_bytes_min:
        raise ValueError(f"{path}: an HMAC secret needs at least "
                         f"{limits.secret_bytes_min} bytes")
    algs = algs or ("HS256",)
    if not set(algs) <= _HMAC:
        raise ValueError("jwt_algorithms: a secret takes only HS256/HS384/HS512")
    return secret, algs


__all__ = ["Principal", "ANONYMOUS", "PERMISSIONS", "COMMAND_PERMISSIONS", "ROLE_PERMISSIONS",
           "ROLES", "AuthSettings", "Authenticator", "Grant", "actor_for",
           "authorize_commands", "check", "current", "permission_of", "hash_api_key",
           "new_api_key", "load_jwt_key"]
