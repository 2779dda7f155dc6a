"""Consent and verify, bad secrets with exact errors, and the token cache."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import send, simple_body
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


def consent(connection: str) -> Any:
    return invoke(
        "get_consent", api_event("get_consent", path_parameters={"connection": connection})
    )


def verify(connection: str) -> Any:
    return invoke(
        "verify_connection",
        api_event("verify_connection", path_parameters={"connection": connection}),
    )


def token_requests(emulator: Any, integration_key: str) -> int:
    return int(emulator.state.token_requests.get(integration_key, 0))


def test_consent_url(connections: Any, emulator: Any) -> None:
    conn = connections.create("consent-a", consented=False)
    result = consent("consent-a")
    assert result.status == 200
    assert result.body["consentUrl"] == (
        f"{emulator.url}/oauth/auth?response_type=code&scope=signature%20impersonation"
        f"&client_id={conn.integration_key}"
        "&redirect_uri=https%3A%2F%2Fdevelopers.docusign.com%2Fplatform%2Fauth%2Fconsent"
    )
    assert "privateKey" not in str(result.body)


def test_send_without_consent_is_a_403_carrying_the_consent_url(
    connections: Any, emulator: Any
) -> None:
    conn = connections.create("consent-b", consented=False)
    result = send("consent-b", simple_body())
    assert result.status == 403
    assert result.body["error"]["code"] == "CONSENT_REQUIRED"
    assert result.body["error"]["details"][0]["consentUrl"].startswith(
        f"{emulator.url}/oauth/auth?"
    )
    assert conn.integration_key in result.body["error"]["details"][0]["consentUrl"]


def test_verify_checks_with_a_fresh_token_every_time(connections: Any, emulator: Any) -> None:
    conn = connections.create("verify-a")
    first = verify("verify-a")
    assert first.status == 200, first.body
    assert first.body["ok"] is True
    assert first.body["accountId"] == conn.account_id
    assert first.body["baseUri"] == emulator.url
    assert first.body["tokenExpiresIn"] == 3600
    before = token_requests(emulator, conn.integration_key)
    assert verify("verify-a").status == 200
    assert token_requests(emulator, conn.integration_key) == before + 1
    body = str(first.body)
    assert "PRIVATE KEY" not in body and "access_token" not in body


def test_verify_never_trusts_a_cached_token_after_the_key_changed(
    connections: Any, emulator: Any
) -> None:
    """K2's known issue: wrong credentials accepted while an old token is cached."""
    conn = connections.create("verify-b")
    assert send("verify-b", simple_body()).status == 201  # a token is now cached
    from local.resources import put_connection_secret
    from tests.conftest import REGION, SECRET_PREFIX, rsa_key_pair

    other_private, _ = rsa_key_pair()  # not registered at DocuSign
    put_connection_secret(
        connections.stack.endpoint_url,
        REGION,
        SECRET_PREFIX,
        "verify-b",
        {**conn.secret, "privateKey": other_private},
    )
    result = verify("verify-b")
    assert result.status == 422
    assert result.body["error"]["code"] == "INVALID_GRANT"
    assert "private key does not match" in result.body["error"]["message"]


def test_one_token_request_per_connection_per_container(connections: Any, emulator: Any) -> None:
    conn = connections.create("token-cache")
    for _ in range(5):
        assert send("token-cache", simple_body()).status == 201
    assert token_requests(emulator, conn.integration_key) == 1
    userinfo = [r for r in emulator.state.requests if r["path"] == "/oauth/userinfo"]
    assert len([r for r in userinfo if conn.integration_key in str(r)]) <= 1


BAD_SECRETS = [
    pytest.param({"integrationKey": None}, "MISSING_FIELD", "integrationKey", id="missing-key"),
    pytest.param({"userId": None}, "MISSING_FIELD", "userId", id="missing-user"),
    pytest.param({"privateKey": None}, "MISSING_FIELD", "privateKey", id="missing-private-key"),
    pytest.param({"privateKey": "PUBLIC"}, "PUBLIC_KEY_GIVEN", "public key", id="public-key"),
    pytest.param({"privateKey": "EC"}, "NOT_AN_RSA_KEY", "not an RSA key", id="ec-key"),
    pytest.param(
        {"privateKey": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"},
        "INVALID_PRIVATE_KEY",
        "could not be read",
        id="garbage-key",
    ),
    pytest.param(
        {"authServer": "http://account-d.docusign.com"},
        "INVALID_CONNECTION_URL",
        "https",
        id="plain-http-remote",
    ),
    pytest.param(
        {"accountId": "11111111-2222-3333-4444-555555555555"},
        "UNKNOWN_ACCOUNT",
        "not an account of this user",
        id="unknown-account",
    ),
    pytest.param(
        {"baseUri": "https://eu.docusign.net"},
        "BASE_URI_MISMATCH",
        "does not belong",
        id="base-uri-mismatch",
    ),
    pytest.param(
        {"accountId": "18745623"},
        "INVALID_ACCOUNT_ID",
        "use the API Account ID (a GUID",
        id="account-number",
    ),
    pytest.param({"surprise": "x"}, "UNKNOWN_FIELD", "surprise", id="unknown-field"),
    pytest.param({"scopes": ["signature"]}, "INVALID_FIELD", "impersonation", id="scopes"),
]


@pytest.mark.parametrize(("overrides", "code", "phrase"), BAD_SECRETS)
def test_bad_secrets_say_exactly_what_is_wrong(
    connections: Any, emulator: Any, overrides: dict[str, Any], code: str, phrase: str
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    name = "bad-" + code.lower().replace("_", "-")[:40]
    conn = connections.create(name, secret_overrides={})
    secret = dict(conn.secret)
    for key, value in overrides.items():
        if value == "PUBLIC":
            value = conn.public_key_pem
        elif value == "EC":
            value = (
                ec.generate_private_key(ec.SECP256R1())
                .private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                .decode()
            )
        if value is None:
            secret.pop(key, None)
        else:
            secret[key] = value
    connections.put_secret(name, secret)
    emulator.state.clear_requests()
    result = verify(name)
    assert result.status == 422, result.body
    assert result.body["error"]["code"] == code
    assert phrase in result.body["error"]["message"]
    text = str(result.body)
    material = [
        *conn.private_key_pem.strip().splitlines()[1:-1],
        *conn.public_key_pem.strip().splitlines()[1:-1],
    ]
    assert not any(line in text for line in material)


def test_secret_that_is_not_json(connections: Any, stack: Any) -> None:
    from tests.conftest import SECRET_PREFIX

    stack.client("secretsmanager").create_secret(
        Name=f"{SECRET_PREFIX}/not-json", SecretString="integrationKey=abc"
    )
    result = verify("not-json")
    assert result.status == 422
    assert result.body["error"]["code"] == "SECRET_NOT_JSON"


def test_unregistered_integration_key_is_invalid_grant(connections: Any) -> None:
    connections.create("ghost", register=False)
    result = verify("ghost")
    assert result.status == 422
    assert result.body["error"]["code"] == "INVALID_GRANT"
    assert "integration key is not known" in result.body["error"]["message"]


def test_keys_and_tokens_never_reach_the_logs(
    connections: Any, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connections.create("no-leak")
    assert send("no-leak", simple_body()).status == 201
    assert verify("no-leak").status == 200
    tokens = [t for t in getattr(emulator.state, "tokens", {})]
    out = capsys.readouterr()
    logged = out.out + out.err
    assert "PRIVATE KEY" not in logged
    body_lines = conn.private_key_pem.strip().splitlines()[1:-1]
    assert not any(line in logged for line in body_lines)
    assert not any(token in logged for token in tokens)
    assert "Bearer " not in logged


@pytest.mark.parametrize(
    "base_uri",
    [
        "https://attacker.example.net",
        "https://docusign.net.attacker.example",
        "https://demo.docusign.net.attacker.example",
        "http://demo.docusign.net",
        "https://demo.docusign.net:8443",
        "https://user@demo.docusign.net",
    ],
)
def test_a_base_uri_outside_docusign_never_gets_the_token(
    connections: Any, emulator: Any, base_uri: str
) -> None:
    """DocuSign's userinfo (here, one that lies) names where the API calls go, with the
    access token: anything but an https host of DocuSign's is refused before any call."""
    name = "lying-userinfo-" + str(abs(hash(base_uri)) % 10_000)
    connections.create(name, base_uri=base_uri)
    emulator.state.clear_requests()

    result = verify(name)

    assert result.status == 422, result.body
    assert result.body["error"]["code"] == "BASE_URI_NOT_DOCUSIGN"
    # Only the token and userinfo were asked for, of the auth server itself.
    assert [r["path"] for r in emulator.state.requests] == ["/oauth/token", "/oauth/userinfo"]
    sent = send(name, simple_body())
    assert sent.status == 422 and sent.body["error"]["code"] == "BASE_URI_NOT_DOCUSIGN"
    assert not [r for r in emulator.state.requests if "/restapi/" in r["path"]]
