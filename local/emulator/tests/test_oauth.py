"""JWT grant, consent and userinfo."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from local.emulator.tests.helpers import request_token

pytestmark = pytest.mark.integration


def test_jwt_grant_returns_bearer_token_and_counts_requests(emulator, integration):
    response = request_token(emulator, integration.assertion())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) > 30
    assert emulator.state.token_requests[integration.integration_key] == 1


def test_docusign_demo_audience_is_accepted(emulator, integration):
    response = request_token(emulator, integration.assertion(aud="account-d.docusign.com"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        (lambda now: {"aud": "account.docusign.com"}, "invalid_grant", "invalid_audience"),
        (
            lambda now: {"exp": now - 10, "iat": now - 600},
            "invalid_grant",
            "expired_assertion",
        ),
        (
            lambda now: {"iat": now + 600, "exp": now + 1200},
            "invalid_grant",
            "iat_in_the_future",
        ),
        (lambda now: {"exp": now + 7200}, "invalid_grant", "assertion_lifetime_too_long"),
        (lambda now: {"sub": str(uuid.uuid4())}, "invalid_grant", "user_not_found"),
        (lambda now: {"iss": str(uuid.uuid4())}, "invalid_grant", "issuer_not_found"),
        # DocuSign answers a missing impersonation scope as missing consent.
        (lambda now: {"scope": "signature"}, "consent_required", None),
    ],
)
def test_bad_assertions_are_refused(emulator, integration, overrides, error, description):
    # Times are taken when the test runs, not when the suite was collected minutes before.
    claims = overrides(int(time.time()))
    response = request_token(emulator, integration.assertion(**claims))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error
    if description:
        assert body["error_description"] == description


def test_signature_by_another_key_is_refused(emulator, integration, other_key_pair):
    other_private, _ = other_key_pair
    response = request_token(emulator, integration.assertion(key=other_private))
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "no_valid_keys_or_signatures",
    }


def test_hs256_assertion_is_refused(emulator, integration):
    response = request_token(emulator, integration.assertion(key="a" * 32, algorithm="HS256"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_grant_type_is_refused(emulator, integration):
    response = requests.post(
        f"{emulator.url}/oauth/token",
        data={"grant_type": "client_credentials", "assertion": integration.assertion()},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_an_assertion_as_long_lived_as_docusigns_examples_is_accepted(emulator, integration):
    # DocuSign's Python code examples ask for expires_in=4000.
    now = int(time.time())
    response = request_token(emulator, integration.assertion(iat=now, exp=now + 4000))
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


def test_consent_required_until_granted_on_the_consent_page(emulator, integration):
    emulator.state.set_consent(integration.integration_key, False)
    refused = request_token(emulator, integration.assertion())
    assert refused.status_code == 400
    assert refused.json() == {"error": "consent_required"}

    page = requests.get(
        f"{emulator.url}/oauth/auth",
        params={
            "response_type": "code",
            "scope": "signature impersonation",
            "client_id": integration.integration_key,
            "redirect_uri": "http://127.0.0.1:9/callback",
        },
        timeout=10,
    )
    assert page.status_code == 200
    assert "Allow access" in page.text
    assert "impersonation" in page.text
    assert integration.integration_key in page.text

    decision = requests.post(
        f"{emulator.url}/oauth/auth",
        data={
            "client_id": integration.integration_key,
            "redirect_uri": "http://127.0.0.1:9/callback",
            "state": "xyz",
            "decision": "allow",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert decision.status_code == 302
    location = decision.headers["Location"]
    assert location.startswith("http://127.0.0.1:9/callback?code=")
    assert "state=xyz" in location
    assert request_token(emulator, integration.assertion()).status_code == 200


def test_declining_consent_grants_nothing(emulator, integration):
    emulator.state.set_consent(integration.integration_key, False)
    decision = requests.post(
        f"{emulator.url}/oauth/auth",
        data={"client_id": integration.integration_key, "decision": "decline"},
        timeout=10,
    )
    assert decision.status_code == 200
    assert "declined" in decision.text
    assert request_token(emulator, integration.assertion()).json() == {"error": "consent_required"}


def test_consent_page_for_unknown_client_is_an_error(emulator):
    page = requests.get(
        f"{emulator.url}/oauth/auth",
        params={"response_type": "code", "scope": "signature", "client_id": "nope"},
        timeout=10,
    )
    assert page.status_code == 400
    assert "not a registered integration key" in page.text


def test_userinfo_lists_accounts_with_base_uri(emulator, integration, token):
    response = requests.get(
        f"{emulator.url}/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200
    body = response.json()
    assert body["sub"] == integration.user_id
    assert body["name"] == "Ana Sender"
    assert body["given_name"] == "Ana"
    assert body["family_name"] == "Sender"
    assert body["email"] == "ana.sender@example.com"
    assert body["created"]
    assert body["accounts"] == [
        {
            "account_id": integration.account_id,
            "is_default": True,
            "account_name": "Acme",
            "base_uri": emulator.url,
        }
    ]


def test_userinfo_refuses_bad_and_expired_tokens(emulator, token):
    bad = requests.get(
        f"{emulator.url}/oauth/userinfo", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert bad.status_code == 401
    emulator.state.advance_clock(3601)
    expired = requests.get(
        f"{emulator.url}/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert expired.status_code == 401


def test_default_account_is_created_when_none_given(emulator, key_pair):
    _, public = key_pair
    emulator.state.register_integration("ik-default", public, "user-default")
    accounts = emulator.state.user_accounts("user-default")
    assert len(accounts) == 1
    assert accounts[0]["is_default"] is True
    assert uuid.UUID(accounts[0]["account_id"])


def test_integration_registered_over_http(emulator, key_pair):
    _, public = key_pair
    response = requests.post(
        f"{emulator.url}/_emulator/integrations",
        json={
            "integrationKey": "ik-http",
            "publicKeyPem": public,
            "userId": "u-http",
            "userName": "Http User",
            "accounts": [
                {
                    "account_id": "acc-1",
                    "account_name": "One",
                    "is_default": True,
                    "base_uri": "https://demo.docusign.net",
                }
            ],
            "consented": False,
        },
        timeout=10,
    )
    assert response.status_code == 201
    assert response.json()["accounts"][0]["base_uri"] == "https://demo.docusign.net"
    assert emulator.state.integrations["ik-http"]["consented"] is False
    bad = requests.post(
        f"{emulator.url}/_emulator/integrations",
        json={"integrationKey": "x", "publicKeyPem": "not a key", "userId": "u"},
        timeout=10,
    )
    assert bad.status_code == 400


def test_revoked_tokens_are_refused(emulator, api):
    assert api.get("/envelopes", params={"from_date": "2020-01-01"}).status_code == 200
    assert requests.delete(f"{emulator.url}/_emulator/tokens", timeout=10).status_code == 204
    response = api.get("/envelopes", params={"from_date": "2020-01-01"})
    assert response.status_code == 401
    assert response.json()["errorCode"] == "USER_AUTHENTICATION_FAILED"
