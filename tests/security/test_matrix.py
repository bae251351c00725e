"""Every RPC x every role x every way of (not) authenticating, generated from the service
descriptors and the one permission table: a new RPC without a permission fails here.

Allowed means the call is not refused by authentication or authorization (it may still
fail on its empty request: INVALID_ARGUMENT and the like); denied means PERMISSION_DENIED
with the reason PERMISSION_DENIED and the missing permission named in the ErrorInfo.
"""

from __future__ import annotations

import grpc
import pytest
from arledger.server.auth import PERMISSIONS, PUBLIC, ROLE_PERMISSIONS, ROLES


from security_helpers import call, served_methods


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def admin_token(pki) -> str:
    return pki.token("jwt-admin", ["admin"])


def expect_role(role: str, path: str, got: tuple[str, str, dict]) -> str:
    """'' when `got` is what the table says for `role`, else why not."""
    perm = PERMISSIONS[path]
    code, reason, md = got
    allowed = perm == PUBLIC or perm in ROLE_PERMISSIONS.get(role, ())
    if allowed:
        if code in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
            return f"{role} {path}: allowed by the table, got {code} {reason}"
        return ""
    if (code, reason) != ("PERMISSION_DENIED", "PERMISSION_DENIED") \
            or md.get("permission") != perm:
        return f"{role} {path}: denied by the table ({perm}), got {code} {reason} {md}"
    return ""


COUNTS: dict[str, int] = {}


def test_the_permission_table_covers_exactly_the_served_rpcs(tls_server, pki):
    creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.pem)
    served = {p for p, _ in served_methods(tls_server.target, creds, admin_token(pki))}
    assert served, "reflection listed nothing"
    missing = served - set(PERMISSIONS)
    assert not missing, f"RPCs without a permission in auth.PERMISSIONS: {sorted(missing)}"
    # Entries for RPCs nothing serves are dead weight (a reflection version grpc does
    # not serve is allowed for when it does).
    extra = {p for p in set(PERMISSIONS) - served if "ServerReflection" not in p}
    assert not extra, f"permissions for RPCs no service has: {sorted(extra)}"
    assert {p for p, v in PERMISSIONS.items() if v == PUBLIC} == {
        p for p in PERMISSIONS if p.startswith("/grpc.health.v1.Health/")}


@pytest.mark.parametrize("via", ["jwt", "api-key"])
def test_every_rpc_for_every_role_is_as_the_table_says(tls_server, pki, via):
    creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.pem)
    methods = served_methods(tls_server.target, creds, admin_token(pki))
    ch = grpc.secure_channel(tls_server.target, creds)
    wrong = []
    for role in ROLES + ("none",):
        if via == "jwt":
            md = bearer(pki.token(f"jwt-{role}", [role] if role != "none" else []))
        else:
            if role == "none":
                continue
            md = bearer(pki.api_keys[role])
        for path, m in methods:
            why = expect_role(role, path, call(ch, path, m, md))
            if why:
                wrong.append(why)
            COUNTS[via] = COUNTS.get(via, 0) + 1
    ch.close()
    assert not wrong, "\n".join(wrong)


def test_every_rpc_for_every_role_by_client_certificate(mtls_server, pki):
    creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.pem,
                                         private_key=pki.client_certs["admin"][1],
                                         certificate_chain=pki.client_certs["admin"][0])
    methods = served_methods(mtls_server.target, creds)
    wrong = []
    for role in ROLES + ("nobody",):
        ch = mtls_server.channel(cert_role=role)
        for path, m in methods:
            why = expect_role(role, path, call(ch, path, m))
            if why:
                wrong.append(why)
        ch.close()
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("case", ["no credentials", "bad signature", "expired",
                                  "wrong audience", "wrong issuer", "unknown api key",
                                  "not bearer", "alg none"])
def test_bad_credentials_are_unauthenticated_on_every_rpc_but_health(tls_server, pki, case):
    from cryptography.hazmat.primitives.asymmetric import ec
    import jwt as pyjwt
    other = ec.generate_private_key(ec.SECP256R1())
    md = {"no credentials": None,
          "bad signature": bearer(pki.token("jwt-admin", ["admin"], key=other)),
          "expired": bearer(pki.token("jwt-admin", ["admin"], exp_s=-3600)),
          "wrong audience": bearer(pki.token("jwt-admin", ["admin"], aud="another-service")),
          "wrong issuer": bearer(pki.token("jwt-admin", ["admin"], iss="https://evil.test")),
          "unknown api key": bearer("arl_" + "x" * 43),
          "not bearer": [("authorization", "Basic YWRtaW46YWRtaW4=")],
          "alg none": bearer(pyjwt.encode({"sub": "jwt-admin", "iss": "https://idp.test",
                                           "aud": "arledger-test", "exp": 4102444800,
                                           "roles": ["admin"]}, None, algorithm="none")),
          }[case]
    want = {"no credentials": "CREDENTIALS_REQUIRED", "expired": "CREDENTIALS_EXPIRED"}.get(
        case, "CREDENTIALS_INVALID")
    creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.pem)
    methods = served_methods(tls_server.target, creds, admin_token(pki))
    ch = grpc.secure_channel(tls_server.target, creds)
    wrong = []
    for path, m in methods:
        code, reason, _ = call(ch, path, m, md)
        if PERMISSIONS[path] == PUBLIC:
            if code != "OK":
                wrong.append(f"{path}: health must answer without credentials, got {code}")
        elif (code, reason) != ("UNAUTHENTICATED", want):
            wrong.append(f"{path}: {code} {reason}, want UNAUTHENTICATED {want}")
    ch.close()
    assert not wrong, "\n".join(wrong)


def test_a_plaintext_channel_reaches_no_rpc_of_a_tls_server(tls_server, pki):
    creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.pem)
    methods = served_methods(tls_server.target, creds, admin_token(pki))
    ch = grpc.insecure_channel(tls_server.target)
    codes = {call(ch, path, m, bearer(admin_token(pki)))[0] for path, m in methods}
    ch.close()
    assert codes == {"UNAVAILABLE"}


def test_mtls_refuses_a_connection_without_a_certificate_or_with_a_foreign_one(mtls_server,
                                                                               pki):
    from security_helpers import CA
    creds = grpc.ssl_channel_credentials(root_certificates=pki.ca.pem)
    methods = served_methods(mtls_server.target, grpc.ssl_channel_credentials(
        root_certificates=pki.ca.pem, private_key=pki.client_certs["admin"][1],
        certificate_chain=pki.client_certs["admin"][0]))
    foreign = CA.make("another CA").issue("cert-admin")
    for ch in (grpc.secure_channel(mtls_server.target, creds),
               grpc.secure_channel(mtls_server.target, grpc.ssl_channel_credentials(
                   root_certificates=pki.ca.pem, private_key=foreign[1],
                   certificate_chain=foreign[0]))):
        codes = {call(ch, path, m, bearer(admin_token(pki)))[0] for path, m in methods}
        ch.close()
        assert codes == {"UNAVAILABLE"}


def test_a_bearer_token_over_mtls_decides_the_principal(mtls_server, pki):
    """The certificate authenticates the connection; a token, when sent, is who calls."""
    from arledger.v1 import ledger_pb2 as lpb
    ch = mtls_server.channel(cert_role="writer")
    path = "/arledger.v1.QueryService/GetCustomer"
    m = lpb.DESCRIPTOR.services_by_name["QueryService"].methods_by_name["GetCustomer"]
    assert call(ch, path, m)[0] == "PERMISSION_DENIED"  # a writer certificate
    assert call(ch, path, m, bearer(pki.token("jwt-reader", ["reader"])))[:2] == (
        "INVALID_ARGUMENT", "MISSING_FIELD")  # read as the reader
    assert call(ch, path, m, bearer(pki.token("jwt-reader", ["reader"], exp_s=-3600)))[0] \
        == "UNAUTHENTICATED"  # a bad token never falls back to the certificate
    ch.close()
