"""The front door end to end: the local stack's API enforces callers as API Gateway would —
API keys and OAuth client-credentials tokens through the Lambda authorizer, 401 and 403 in the
one error shape with nothing sent, written or logged with the credential; rotation,
revocation and the authorizer cache; the caller named on what it causes."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from admin.connections import main as admin
from local.stack import DEMO_CONNECTION
from tests.integration.helpers import b64, sample_pdf
from tests.support.stacks import in_process_local_stack

pytestmark = pytest.mark.integration

UNAUTHORIZED = {
    "error": {
        "code": "UNAUTHORIZED",
        "message": "Send a valid API key or access token as Authorization: Bearer <credential>",
        "details": [],
    }
}


class FakeClock:
    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    with in_process_local_stack() as local:
        local.api.authorizer_runner.clock = FakeClock()
        yield local


@pytest.fixture
def clock(stack: Any) -> FakeClock:
    clock: FakeClock = stack.api.authorizer_runner.clock
    return clock


def cache_expires(stack: Any, clock: FakeClock) -> None:
    """Time passes beyond the authorizer cache's TTL (AuthorizerCacheSeconds)."""
    clock.now += 3601


def tool(capsys: pytest.CaptureFixture[str], stack: Any, *argv: str) -> dict[str, Any]:
    """`python -m admin caller …` against the local stack's callers table."""
    code = admin(["caller", "--table", stack.resources["CallersTable"], *argv])
    out = capsys.readouterr()
    assert code == 0, out.err
    # the tool's answer is an indented JSON document; the stack's threads may log beside it
    answer: dict[str, Any] = json.JSONDecoder().raw_decode(out.out[out.out.index("{\n") :])[0]
    return answer


def new_caller(capsys: Any, stack: Any, connections: str, permissions: str) -> tuple[str, str]:
    name = f"engine-{uuid.uuid4().hex[:8]}"
    answer = tool(
        capsys, stack, "add", name, "--connections", connections, "--permissions", permissions
    )
    return name, answer["apiKey"]


def base(stack: Any, connection: str = DEMO_CONNECTION) -> str:
    return f"{stack.api.url}/v1/connections/{connection}"


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def send_body(subject: str = "Front door") -> dict[str, Any]:
    return {
        "emailSubject": subject,
        "documents": [{"name": "a.pdf", "contentBase64": b64(sample_pdf())}],
        "signers": [{"email": "ana@example.com", "name": "Ana"}],
    }


def envelopes_at_docusign(stack: Any) -> int:
    return len(stack.emulator.state.envelopes)


def assert_refused(
    stack: Any, answer: requests.Response, status: int, code: str, created_before: int
) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert set(answer.json()["error"]) == {"code", "message", "details"}
    assert envelopes_at_docusign(stack) == created_before  # nothing sent


# ---------------------------------------------------------------------------- API keys


def test_no_credential_or_one_of_another_kind_is_a_401_without_asking_the_authorizer(
    stack: Any,
) -> None:
    runner = stack.api.authorizer_runner
    invocations = runner.invocations
    created = envelopes_at_docusign(stack)
    for headers in (
        {},
        {"Authorization": ""},
        {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
        {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-east-1/x"},
        {"X-Api-Key": stack.api_key},  # the key, but not where the front door reads it
    ):
        answer = requests.post(f"{base(stack)}/envelopes", json=send_body(), headers=headers)
        assert_refused(stack, answer, 401, "UNAUTHORIZED", created)
        assert answer.json() == UNAUTHORIZED
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert runner.invocations == invocations  # API Gateway answered these alone


def test_a_wrong_key_is_a_401_and_nothing_is_sent(stack: Any) -> None:
    created = envelopes_at_docusign(stack)
    forged = stack.api_key[:-4] + ("AAAA" if not stack.api_key.endswith("AAAA") else "BBBB")
    unknown_id = "dsc_0000000000000000_" + stack.api_key.rsplit("_", 1)[1]
    for key in (forged, unknown_id, "dsc_" + "a" * 60, "not-a-key-at-all-but-long"):
        answer = requests.post(f"{base(stack)}/envelopes", json=send_body(), headers=bearer(key))
        assert_refused(stack, answer, 401, "UNAUTHORIZED", created)


def test_a_key_works_only_on_its_connections_and_for_its_permissions(
    stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, key = new_caller(capsys, stack, DEMO_CONNECTION, "read")
    created = envelopes_at_docusign(stack)
    listed = requests.get(f"{base(stack)}/envelopes", headers=bearer(key))
    assert listed.status_code == 200, listed.text
    # read only: no send, no void, no consent
    denied = requests.post(f"{base(stack)}/envelopes", json=send_body(), headers=bearer(key))
    assert_refused(stack, denied, 403, "ACCESS_DENIED", created)
    assert "caller" in denied.json()["error"]["message"]
    # an envelope someone allowed to sent: the read-only key can neither void nor resend it
    sent = requests.post(f"{base(stack)}/envelopes", json=send_body(), headers=stack.api_headers)
    envelope = sent.json()["envelopeId"]
    created = envelopes_at_docusign(stack)
    stack.emulator.state.clear_requests()
    for method, path, body in (
        ("POST", f"/envelopes/{envelope}/void", {"reason": "not mine to void"}),
        ("POST", f"/envelopes/{envelope}/resend", {}),
        ("PATCH", f"/envelopes/{envelope}/recipients/1", {"name": "Someone Else"}),
        ("GET", "/consent", None),
        ("POST", "/verify", None),
    ):
        answer = requests.request(method, f"{base(stack)}{path}", json=body, headers=bearer(key))
        assert_refused(stack, answer, 403, "ACCESS_DENIED", created)
    # nothing reached DocuSign, and the envelope is as it was, in DocuSign and in the table
    assert [r for r in stack.emulator.state.requests if "/restapi/" in r["path"]] == []
    assert stack.emulator.state.envelopes[envelope]["status"] == "sent"
    status = requests.get(
        f"{base(stack)}/envelopes/{envelope}", params={"include": "history"}, headers=bearer(key)
    ).json()
    assert status["status"] == "sent"
    assert not [
        h for h in status["history"] if h["event"] in ("envelope-voided", "recipient-corrected")
    ]
    assert [r["name"] for r in status["recipients"]] == ["Ana"]
    # another connection, even one that exists nowhere
    other = requests.get(f"{base(stack, 'other-connection')}/envelopes", headers=bearer(key))
    assert_refused(stack, other, 403, "ACCESS_DENIED", created)
    # the API's own description is for every caller
    assert requests.get(f"{stack.api.url}/v1/openapi.json", headers=bearer(key)).status_code == 200


@pytest.fixture
def function_logs() -> Iterator[list[str]]:
    """Every line the functions log (Powertools' JSON, as CloudWatch would get it)."""
    import logging

    logger = logging.getLogger("docusign-connector")
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    keep = Keep()
    keep.setFormatter(logger.handlers[0].formatter if logger.handlers else logging.Formatter())
    logger.addHandler(keep)
    yield lines
    logger.removeHandler(keep)


def test_what_a_caller_sends_is_recorded_as_theirs_and_logs_name_it_never_its_key(
    stack: Any, capsys: pytest.CaptureFixture[str], function_logs: list[str]
) -> None:
    name, key = new_caller(capsys, stack, DEMO_CONNECTION, "send,read,manage")
    sent = requests.post(f"{base(stack)}/envelopes", json=send_body(), headers=bearer(key))
    assert sent.status_code == 201, sent.text
    envelope_id = sent.json()["envelopeId"]
    voided = requests.post(
        f"{base(stack)}/envelopes/{envelope_id}/void", json={"reason": "audit"}, headers=bearer(key)
    )
    assert voided.status_code == 200, voided.text
    status = requests.get(
        f"{base(stack)}/envelopes/{envelope_id}", params={"include": "history"}, headers=bearer(key)
    ).json()
    assert status["createdBy"] == name
    by_event = {entry["event"]: entry.get("by") for entry in status["history"]}
    assert by_event["envelope-sent"] == name
    assert by_event["envelope-voided"] == name
    listed = requests.get(f"{base(stack)}/envelopes", headers=bearer(key)).json()
    assert {e["envelopeId"]: e["createdBy"] for e in listed["envelopes"]}[envelope_id] == name
    named = [json.loads(line) for line in function_logs if name in line]
    assert {entry.get("caller") for entry in named} == {name}
    assert {"authorized", "envelope created"} <= {entry["message"] for entry in named}
    text = "\n".join(function_logs)
    assert key not in text and key.rsplit("_", 1)[1] not in text


def test_a_rotated_key_and_the_old_one_both_work_until_the_old_is_retired(
    stack: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    name, first = new_caller(capsys, stack, DEMO_CONNECTION, "read")
    rotated = tool(capsys, stack, "rotate", name)
    second = rotated["apiKey"]
    assert second != first and len(rotated["keys"]) == 2
    for key in (first, second):
        assert requests.get(f"{base(stack)}/envelopes", headers=bearer(key)).status_code == 200
    retired = tool(capsys, stack, "rotate", name, "--retire-old")
    assert [k["keyId"] for k in retired["keys"]] == [second.split("_")[1]]
    # the answer cached for the old key holds until the cache's TTL ends, as documented
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(first)).status_code == 200
    cache_expires(stack, clock)
    old = requests.get(f"{base(stack)}/envelopes", headers=bearer(first))
    assert old.status_code == 401 and old.json() == UNAUTHORIZED
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(second)).status_code == 200
    shown = tool(capsys, stack, "show", name)
    assert (
        "apiKey" not in shown and first not in json.dumps(shown) and second not in json.dumps(shown)
    )


def test_a_revoked_or_deleted_caller_is_refused_once_the_cache_expires(
    stack: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    name, key = new_caller(capsys, stack, "*", "read")
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(key)).status_code == 200
    tool(capsys, stack, "revoke", name)
    cache_expires(stack, clock)
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(key)).status_code == 401
    tool(capsys, stack, "revoke", name, "--restore")
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(key)).status_code == 200
    tool(capsys, stack, "delete", name)
    cache_expires(stack, clock)
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(key)).status_code == 401
    listed = tool(capsys, stack, "list")
    assert name not in {c["caller"] for c in listed["callers"]}


def test_keys_are_kept_only_as_hashes(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import boto3

    _, key = new_caller(capsys, stack, DEMO_CONNECTION, "read")
    table = boto3.client("dynamodb").scan(TableName=stack.resources["CallersTable"])
    stored = json.dumps(table["Items"])
    assert key not in stored and key.rsplit("_", 1)[1] not in stored
    assert key.split("_")[1] in stored  # the key id finds the record


# ---------------------------------------------------------------------------- OAuth tokens


def client_credentials(stack: Any, client_id: str, secret: str, scope: str | None = None) -> Any:
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return requests.post(
        stack.oauth_issuer.token_url, data=form, headers={"Authorization": f"Basic {basic}"}
    )


def pool_options(stack: Any) -> list[str]:
    """What `--stack` would read from a deployed stack's outputs: its user pool."""
    issuer = stack.oauth_issuer
    return [
        "--user-pool-id",
        issuer.user_pool_id,
        "--cognito-issuer",
        issuer.issuer,
        "--token-url",
        issuer.token_url,
    ]


def oauth_caller(capsys: Any, stack: Any, connections: str, permissions: str) -> dict[str, Any]:
    name = f"oauth-{uuid.uuid4().hex[:8]}"
    answer = tool(
        capsys,
        stack,
        *pool_options(stack),
        "add",
        name,
        "--connections",
        connections,
        "--permissions",
        permissions,
        "--oauth",
    )
    assert "apiKey" not in answer
    return {"name": name, **answer["oauth"]}


def test_a_client_credentials_token_from_the_user_pool_works_within_its_scopes(
    stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    caller = oauth_caller(capsys, stack, DEMO_CONNECTION, "send,read")
    assert caller["scopes"] == ["docusign-connector/send", "docusign-connector/read"]
    issued = client_credentials(stack, caller["clientId"], caller["clientSecret"])
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    assert issued.json()["token_type"] == "Bearer"
    sent = requests.post(f"{base(stack)}/envelopes", json=send_body(), headers=bearer(token))
    assert sent.status_code == 201, sent.text
    status = requests.get(
        f"{base(stack)}/envelopes/{sent.json()['envelopeId']}", headers=bearer(token)
    )
    assert status.json()["createdBy"] == caller["name"]
    # a token asked for fewer scopes carries fewer rights
    narrow = client_credentials(
        stack, caller["clientId"], caller["clientSecret"], "docusign-connector/read"
    ).json()["access_token"]
    created = envelopes_at_docusign(stack)
    denied = requests.post(f"{base(stack)}/envelopes", json=send_body(), headers=bearer(narrow))
    assert_refused(stack, denied, 403, "ACCESS_DENIED", created)
    # never more than the caller: its scopes cannot reach another connection
    other = requests.get(f"{base(stack, 'other-connection')}/envelopes", headers=bearer(token))
    assert_refused(stack, other, 403, "ACCESS_DENIED", created)
    # a wrong secret gets no token at all
    assert client_credentials(stack, caller["clientId"], "wrong").json() == {
        "error": "invalid_client"
    }


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hs256_with_public_key(issuer: Any, payload: str) -> str:
    """The classic forgery: the issuer's public key (PEM) used as an HMAC secret."""
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import RSAAlgorithm

    public = RSAAlgorithm.from_jwk(json.dumps(issuer.jwk))
    pem = public.public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = _segment(json.dumps({"alg": "HS256", "typ": "JWT", "kid": issuer.key_id}).encode())
    signature = hmac.new(pem, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{_segment(signature)}"


def test_forged_expired_and_foreign_tokens_are_a_401(
    stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import jwt

    caller = oauth_caller(capsys, stack, DEMO_CONNECTION, "send,read")
    issuer = stack.oauth_issuer
    now = int(time.time())
    claims = {
        "sub": caller["clientId"],
        "client_id": caller["clientId"],
        "token_use": "access",
        "scope": "docusign-connector/send docusign-connector/read",
        "iss": issuer.issuer,
        "iat": now,
        "exp": now + 600,
    }
    good = issuer.sign(claims)
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(good)).status_code == 200
    header, payload, _ = good.split(".")
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    tokens = {
        "expired": issuer.sign({**claims, "iat": now - 7200, "exp": now - 3600}),
        "not yet valid": issuer.sign({**claims, "nbf": now + 3600}),
        "alg none": unsigned if unsigned.count(".") == 2 else unsigned + ".",
        "alg none, kid kept": base64.urlsafe_b64encode(
            json.dumps({"alg": "none", "kid": issuer.key_id}).encode()
        )
        .decode()
        .rstrip("=")
        + f".{payload}.",
        "HS256 keyed with the public key": hs256_with_public_key(issuer, payload),
        "tampered": f"{header}.{payload[:-2]}AA.{good.split('.')[2]}",
        "another issuer": issuer.sign({**claims, "iss": "https://issuer.example/other"}),
        "an id token": issuer.sign({**claims, "token_use": "id"}),
        "an unregistered client": issuer.sign({**claims, "client_id": "someone-else"}),
        "unknown key": issuer.sign(claims, headers={"kid": "other-key"}),
    }
    created = envelopes_at_docusign(stack)
    for label, token in tokens.items():
        answer = requests.post(f"{base(stack)}/envelopes", json=send_body(), headers=bearer(token))
        assert answer.status_code == 401, (label, answer.text)
        assert answer.json() == UNAUTHORIZED, label
    assert envelopes_at_docusign(stack) == created


def test_a_revoked_oauth_caller_s_tokens_stop_working(
    stack: Any, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    caller = oauth_caller(capsys, stack, "*", "read")
    token = client_credentials(stack, caller["clientId"], caller["clientSecret"]).json()[
        "access_token"
    ]
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(token)).status_code == 200
    tool(capsys, stack, "revoke", caller["name"])
    cache_expires(stack, clock)
    assert requests.get(f"{base(stack)}/envelopes", headers=bearer(token)).status_code == 401
    deleted = tool(capsys, stack, *pool_options(stack), "delete", caller["name"])
    assert deleted["deletedAppClients"] == [caller["clientId"]]
    # the app client is gone from the pool: no new token
    again = client_credentials(stack, caller["clientId"], caller["clientSecret"])
    assert again.status_code == 400 and again.json() == {"error": "invalid_client"}
