"""Callers' grants, keys, scopes, the authorizer's policy, and the token checks of each kind of
issuer (no network: the keys are handed to the verifier)."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from docusign_connector.adapters.access_tokens import (
    InvalidToken,
    Issuer,
    KeySet,
    TokenVerifier,
    check_jwks_url,
)
from docusign_connector.api.authorizer import (
    Authorized,
    Unauthorized,
    allowed_resources,
    authorize,
    handle,
)
from docusign_connector.api.routes import ROUTES
from docusign_connector.callers import (
    Caller,
    Grants,
    hash_key,
    key_id_of,
    key_matches,
    new_api_key,
    parse_connections,
    parse_permissions,
    scope_grants,
)
from docusign_connector.errors import BadRequest

ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1/GET/connections/demo/envelopes"
PREFIX = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1"


# ---------------------------------------------------------------------------- keys, grants


def test_a_new_key_is_long_random_and_kept_as_its_hash_only() -> None:
    first, second = new_api_key(), new_api_key()
    assert first.key != second.key and first.key_id != second.key_id
    assert first.key.startswith(f"dsc_{first.key_id}_") and len(first.key) == 4 + 16 + 1 + 43
    assert first.key_hash == hash_key(first.key) and first.key not in first.key_hash
    assert key_id_of(first.key) == first.key_id
    assert key_matches(first.key, first.key_hash) and not key_matches(second.key, first.key_hash)
    for shaped_wrong in (first.key + "\n", first.key[:-1], "x" + first.key, ""):
        assert key_id_of(shaped_wrong) is None


def test_grants_and_what_a_token_may_take_of_them() -> None:
    caller = Caller("qflow", ("acme", "beta"), ("send", "read"))
    assert caller.grants.allows("acme", "send") and not caller.grants.allows("acme", "manage")
    assert not caller.grants.allows("other", "read")
    everywhere = Caller("ops", ("*",), ("read",)).grants
    assert everywhere.allows("anything", "read") and not everywhere.allows("anything", "send")
    # a bare permission holds where the caller may use it; never beyond the caller
    token = scope_grants(
        ["docusign-connector/send", "docusign-connector/manage"], "docusign-connector/"
    )
    assert token.within(caller.grants).by_connection == {
        "acme": frozenset({"send"}),
        "beta": frozenset({"send"}),
    }
    token = scope_grants(["acme:read", "other:read", "*:manage", "weird", "beta:delete"])
    assert token.within(caller.grants).by_connection == {"acme": frozenset({"read"})}
    assert scope_grants(["other-server/send"], "docusign-connector/").is_empty()


def test_the_tool_s_lists_are_checked() -> None:
    assert parse_connections("beta, acme") == ("acme", "beta")
    assert parse_connections("*") == ("*",)
    assert parse_permissions("read,send") == ("send", "read")
    for bad in ("", "*,acme", "Acme", "a/b"):
        with pytest.raises(BadRequest):
            parse_connections(bad)
    for bad in ("", "write", "send,delete"):
        with pytest.raises(BadRequest):
            parse_permissions(bad)


# ---------------------------------------------------------------------------- the policy


def test_the_policy_names_exactly_the_routes_of_each_grant() -> None:
    grants = Grants.of(["demo"], ["read"])
    resources = allowed_resources(ARN, grants)
    read_routes = [r for r in ROUTES if r.permission == "read"]
    assert f"{PREFIX}/GET/connections/demo/envelopes" in resources
    assert f"{PREFIX}/GET/connections/demo/envelopes/*" in resources
    assert f"{PREFIX}/GET/openapi.json" in resources  # every caller's
    assert len(resources) == len(read_routes) + 1
    assert not [r for r in resources if "/POST/" in r or "/PATCH/" in r]
    everywhere = allowed_resources(ARN, Grants.of(["*"], ["manage"]))
    assert f"{PREFIX}/POST/connections/*/envelopes/*/void" in everywhere
    assert f"{PREFIX}/POST/connections/*/envelopes" not in everywhere  # that one is send
    assert not [r for r in everywhere if "webhooks" in r]  # the listener has no authorizer


class FakeCallers:
    def __init__(self, *callers: Caller, keys: dict[str, tuple[str, str]] | None = None) -> None:
        self.by_name = {c.name: c for c in callers}
        self.keys = keys or {}
        self.clients: dict[tuple[str, str], str] = {}

    def key_record(self, key_id: str) -> tuple[str, str] | None:
        return self.keys.get(key_id)

    def caller(self, name: str) -> Caller | None:
        return self.by_name.get(name)

    def client_caller(self, issuer: str, subject: str) -> str | None:
        return self.clients.get((issuer, subject))


class Services:
    def __init__(self, callers: FakeCallers, verifier: Any = None) -> None:
        self.callers = callers
        self.token_verifier = verifier


def test_a_key_authorizes_its_caller_and_nothing_else() -> None:
    key = new_api_key()
    caller = Caller("k2", ("demo",), ("send",), key_ids=(key.key_id,))
    services = Services(FakeCallers(caller, keys={key.key_id: ("k2", key.key_hash)}))
    answer = handle({"authorizationToken": f"Bearer {key.key}", "methodArn": ARN}, services)
    assert answer["principalId"] == "k2"
    assert answer["context"] == {"caller": "k2", "authenticatedBy": "apiKey", "grants": "demo:send"}
    statement = answer["policyDocument"]["Statement"][0]
    assert (
        statement["Effect"] == "Allow"
        and f"{PREFIX}/POST/connections/demo/envelopes" in (statement["Resource"])
    )
    for refused in (
        Caller("k2", ("demo",), ("send",), status="revoked", key_ids=(key.key_id,)),
        Caller("k2", ("demo",), ("send",), key_ids=()),  # retired
    ):
        with pytest.raises(Unauthorized):
            authorize(
                key.key, Services(FakeCallers(refused, keys={key.key_id: ("k2", key.key_hash)}))
            )
    other = new_api_key()
    with pytest.raises(Unauthorized):  # a key id of one key with another's secret
        authorize(
            f"dsc_{key.key_id}_{other.key.rsplit('_', 1)[1]}",
            services,
        )
    for header in ("", f"Basic {key.key}", key.key, "Bearer "):
        with pytest.raises(Unauthorized):
            handle({"authorizationToken": header, "methodArn": ARN}, services)


# ---------------------------------------------------------------------------- tokens


def _rsa() -> tuple[Any, dict[str, Any]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return key, {**jwk, "kid": "r1", "alg": "RS256", "use": "sig"}


def _ec() -> tuple[Any, dict[str, Any]]:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return key, {**jwk, "kid": "e1", "alg": "ES256"}


ISSUER = "https://login.example.com/tenant/v2.0"
AUDIENCE = "api://docusign-connector"


def _verifier(*jwks: dict[str, Any], kind: str = "oidc") -> TokenVerifier:
    issuer = Issuer(
        ISSUER, f"{ISSUER}/keys", kind=kind, audience=AUDIENCE if kind == "oidc" else ""
    )
    keys = KeySet(issuer.jwks_url, fetch=lambda url: {"keys": list(jwks)})
    return TokenVerifier([issuer], {ISSUER: keys})


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "azp": "n8n-app",
        "iat": now,
        "exp": now + 600,
        "scp": "demo:send demo:read",
        **extra,
    }


def test_an_oidc_token_signed_with_rs256_or_es256_for_this_audience_is_accepted() -> None:
    rsa_key, rsa_jwk = _rsa()
    ec_key, ec_jwk = _ec()
    verifier = _verifier(rsa_jwk, ec_jwk)
    for key, kid, alg in ((rsa_key, "r1", "RS256"), (ec_key, "e1", "ES256")):
        token = jwt.encode(_claims(), key, algorithm=alg, headers={"kid": kid})
        verified = verifier.verify(token)
        assert verified.subject == "n8n-app"
        assert verified.scopes == ("demo:send", "demo:read")


def test_foreign_expired_and_forged_oidc_tokens_are_refused() -> None:
    rsa_key, rsa_jwk = _rsa()
    ec_key, ec_jwk = _ec()
    verifier = _verifier(rsa_jwk, ec_jwk)
    other_key, _ = _rsa()
    now = int(time.time())
    refused = {
        "foreign audience": jwt.encode(
            _claims(aud="api://another-app"), rsa_key, "RS256", {"kid": "r1"}
        ),
        "no audience": jwt.encode(
            {k: v for k, v in _claims().items() if k != "aud"}, rsa_key, "RS256", {"kid": "r1"}
        ),
        "expired": jwt.encode(_claims(exp=now - 120), rsa_key, "RS256", {"kid": "r1"}),
        "no expiry": jwt.encode(
            {k: v for k, v in _claims().items() if k != "exp"}, rsa_key, "RS256", {"kid": "r1"}
        ),
        "not before": jwt.encode(_claims(nbf=now + 600), rsa_key, "RS256", {"kid": "r1"}),
        "issued later": jwt.encode(_claims(iat=now + 600), rsa_key, "RS256", {"kid": "r1"}),
        "other issuer": jwt.encode(
            _claims(iss="https://evil.example"), rsa_key, "RS256", {"kid": "r1"}
        ),
        "other key": jwt.encode(_claims(), other_key, "RS256", {"kid": "r1"}),
        "EC key named for RS256": jwt.encode(_claims(), ec_key, "ES256", {"kid": "r1"}),
        "alg none": jwt.encode(_claims(), None, "none"),
        "HS256": jwt.encode(_claims(), "secret-of-32-bytes-at-the-least!", "HS256", {"kid": "r1"}),
        "RS512": jwt.encode(_claims(), rsa_key, "RS512", {"kid": "r1"}),
        "unknown key": jwt.encode(_claims(), rsa_key, "RS256", {"kid": "nope"}),
        "not a jwt": "a.b",
    }
    for label, token in refused.items():
        with pytest.raises(InvalidToken):
            verifier.verify(token if token.count(".") == 2 or label == "not a jwt" else token + ".")
            pytest.fail(label)


def test_cognito_tokens_are_access_tokens_of_a_client_and_carry_no_audience() -> None:
    rsa_key, rsa_jwk = _rsa()
    verifier = _verifier(rsa_jwk, kind="cognito")
    claims = {
        "iss": ISSUER,
        "client_id": "app1",
        "token_use": "access",
        "exp": int(time.time()) + 60,
        "scope": "docusign-connector/read",
    }
    assert verifier.verify(jwt.encode(claims, rsa_key, "RS256", {"kid": "r1"})).subject == "app1"
    with pytest.raises(InvalidToken):
        verifier.verify(jwt.encode({**claims, "token_use": "id"}, rsa_key, "RS256", {"kid": "r1"}))


def test_an_unknown_key_id_fetches_the_keys_again_at_most_once_a_minute() -> None:
    fetched: list[str] = []
    now = [1000.0]
    keys = KeySet(
        "https://issuer.example/jwks",
        fetch=lambda url: fetched.append(url) or {"keys": [{"kid": "a", "kty": "RSA"}]},
        clock=lambda: now[0],
    )
    assert keys.key("a") is not None and len(fetched) == 1
    for _ in range(50):
        assert keys.key("forged") is None
    assert len(fetched) == 1
    now[0] += 61
    keys.key("forged")
    assert len(fetched) == 2


def test_keys_come_over_https_only_but_from_loopback() -> None:
    assert check_jwks_url("https://login.example.com/keys")
    assert check_jwks_url("http://127.0.0.1:8080/pool/.well-known/jwks.json")
    for refused in ("http://login.example.com/keys", "file:///etc/passwd", "ftp://x/y", "https://"):
        with pytest.raises(ValueError):
            check_jwks_url(refused)


def test_a_token_authorizes_what_both_its_scopes_and_its_caller_allow() -> None:
    rsa_key, rsa_jwk = _rsa()
    callers = FakeCallers(Caller("n8n", ("demo", "beta"), ("send", "read")))
    callers.clients[(ISSUER, "n8n-app")] = "n8n"
    services = Services(callers, _verifier(rsa_jwk))
    token = jwt.encode(
        _claims(scp="demo:send demo:manage beta:read"), rsa_key, "RS256", {"kid": "r1"}
    )
    answer = authorize(token, services)
    assert answer == Authorized(
        "n8n", "oauth", Grants({"demo": frozenset({"send"}), "beta": frozenset({"read"})})
    )
    unregistered = jwt.encode(_claims(azp="someone"), rsa_key, "RS256", {"kid": "r1"})
    with pytest.raises(Unauthorized):
        authorize(unregistered, services)
    assert json.dumps(answer.grants.as_scopes()) == '["beta:read", "demo:send"]'
