"""Sending as the workflow's user (DESIGN §12), against the emulator, which knows whose token
made each call: a send as B is created with B's token and every later call on it acts as B;
consent, allowedSenders, unknown and inactive users are refused before anything is sent; two
senders never share a token; a CSV sends each row as its sender."""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Iterator
from typing import Any

import pytest

from docusign_connector.container import reset_services
from local.emulator.membership import add_user, grant_consent
from tests.integration.helpers import (
    b64,
    docusign_requests,
    envelope_creates,
    sample_pdf,
    simple_body,
)
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

NAME = "send-as"
ALLOWED = [
    "bee@example.com",
    "fay@example.com",
    "cee@example.com",
    "dee@example.com",
    "nobody@example.com",
]


@pytest.fixture(scope="module")
def account(connections: Any, emulator: Any) -> dict[str, Any]:
    """A connection allowed to send as some users of its account; users of every kind."""
    owner = connections.create(NAME, secret_overrides={"allowedSenders": ALLOWED})
    st = emulator.state
    users = {}
    for name, status, consented in (
        ("bee", "Active", True),
        ("fay", "Active", True),
        ("cee", "Active", False),  # allowed, never consented
        ("dee", "Disabled", True),  # allowed, no longer active
        ("eve", "Active", True),  # consented, not allowed
    ):
        user_id = add_user(
            st, owner.account_id, name=name.title(), email=f"{name}@example.com", status=status
        )
        if consented:
            grant_consent(st, owner.integration_key, user_id)
        users[name] = user_id
    return {"owner": owner, **users}


@pytest.fixture(autouse=True)
def clean(emulator: Any) -> Iterator[None]:
    emulator.state.clear_requests()
    yield


def send_as(sender: dict[str, str] | None, **overrides: Any) -> Any:
    body = simple_body(**overrides)
    if sender is not None:
        body["sender"] = sender
    event = api_event("send_envelope_nested", path_parameters={"connection": NAME}, body=body)
    event["headers"].pop("Idempotency-Key", None)
    event["multiValueHeaders"].pop("Idempotency-Key", None)
    return invoke("send_envelope", event)


def users_of(requests: list[dict[str, Any]]) -> list[str | None]:
    return [r["userId"] for r in requests]


def test_a_send_as_b_is_created_with_b_s_token_and_every_later_call_acts_as_b(
    account: dict[str, Any], emulator: Any
) -> None:
    sent = send_as({"email": "Bee@Example.com"})  # e-mail addresses match in any case
    assert sent.status == 201, sent.body
    envelope_id = sent.body["envelopeId"]
    (create,) = envelope_creates(emulator)
    assert create["userId"] == account["bee"]
    # the look-up by e-mail was made as the connection's own user
    (lookup,) = docusign_requests(emulator, "GET", "/users")
    assert lookup["userId"] == account["owner"].user_id
    assert lookup["query"] == {"email": "bee@example.com"}
    assert emulator.state.envelopes[envelope_id]["sender"]["userId"] == account["bee"]

    status = invoke(
        "get_envelope",
        api_event("get_envelope", path_parameters={"connection": NAME, "envelopeId": envelope_id}),
    )
    assert status.body["sender"] == {"userId": account["bee"], "email": "bee@example.com"}

    emulator.state.clear_requests()
    corrected = invoke(
        "correct_recipient",
        api_event(
            "correct_recipient",
            path_parameters={"connection": NAME, "envelopeId": envelope_id, "recipientId": "1"},
            body={"name": "Signer Renamed"},
        ),
    )
    assert corrected.status == 200, corrected.body
    emulator.state.sign(envelope_id, "1")
    documents = invoke(
        "get_documents",
        api_event("get_documents", path_parameters={"connection": NAME, "envelopeId": envelope_id}),
    )
    assert documents.status == 200, documents.body
    calls = docusign_requests(emulator)
    assert calls and set(users_of(calls)) == {account["bee"]}


def test_a_void_acts_as_the_sender(account: dict[str, Any], emulator: Any) -> None:
    envelope_id = send_as({"userId": account["fay"].upper()}).body["envelopeId"]
    emulator.state.clear_requests()
    voided = invoke(
        "void_envelope",
        api_event(
            "void_envelope",
            path_parameters={"connection": NAME, "envelopeId": envelope_id},
            body={"reason": "as Fay"},
        ),
    )
    assert voided.status == 200, voided.body
    (void,) = [r for r in docusign_requests(emulator, "PUT") if envelope_id in r["path"]]
    assert void["userId"] == account["fay"]
    assert emulator.state.envelopes[envelope_id]["status"] == "voided"


def test_a_sender_who_has_not_consented_is_a_403_with_the_consent_url_and_nothing_sent(
    account: dict[str, Any], emulator: Any
) -> None:
    refused = send_as({"email": "cee@example.com"})
    assert refused.status == 403, refused.body
    assert refused.body["error"]["code"] == "CONSENT_REQUIRED"
    (detail,) = refused.body["error"]["details"]
    assert detail["userId"] == account["cee"]
    assert detail["consentUrl"].startswith(f"{emulator.url}/oauth/auth?")
    assert envelope_creates(emulator) == []
    consent = invoke(
        "get_consent",
        api_event(
            "get_consent", path_parameters={"connection": NAME}, query={"user": "cee@example.com"}
        ),
    )
    assert consent.status == 200, consent.body
    assert (consent.body["userId"], consent.body["userEmail"]) == (
        account["cee"],
        "cee@example.com",
    )
    assert consent.body["consentUrl"] == detail["consentUrl"]


def test_a_sender_not_allowed_is_a_403_without_any_docusign_call(
    account: dict[str, Any], emulator: Any
) -> None:
    refused = send_as({"email": "eve@example.com"})
    assert refused.status == 403, refused.body
    assert refused.body["error"]["code"] == "SENDER_NOT_ALLOWED"
    assert emulator.state.requests == []  # not even a token or a user look-up
    # named by user id while the list names e-mails: one look-up (Users:get), nothing sent
    refused = send_as({"userId": account["eve"]})
    assert refused.status == 403 and refused.body["error"]["code"] == "SENDER_NOT_ALLOWED"
    assert [r["path"].rsplit("/", 2)[-2:] for r in docusign_requests(emulator)] == [
        ["users", account["eve"]]
    ]
    assert envelope_creates(emulator) == []


def test_no_user_and_an_inactive_user_are_a_400_and_nothing_sent(
    account: dict[str, Any], emulator: Any
) -> None:
    assert send_as({"email": "nobody@example.com"}).body["error"]["code"] == "SENDER_NOT_FOUND"
    assert send_as({"email": "dee@example.com"}).body["error"]["code"] == "SENDER_INACTIVE"
    malformed = send_as({"email": "bee@example.com", "userId": account["bee"]})
    assert malformed.status == 400 and malformed.body["error"]["code"] == "SENDER_ONE_OF"
    assert envelope_creates(emulator) == []


def test_the_flat_form_names_the_sender_too(account: dict[str, Any], emulator: Any) -> None:
    body = {
        "emailSubject": "Flat",
        "documents": [{"name": "a.pdf", "contentBase64": b64(sample_pdf())}],
        "signersEmails": ["s1@example.com"],
        "signersNames": ["Signer 1"],
        "senderEmail": "bee@example.com",
    }
    event = api_event("send_envelope_flat", path_parameters={"connection": NAME}, body=body)
    event["headers"].pop("Idempotency-Key", None)
    event["multiValueHeaders"].pop("Idempotency-Key", None)
    sent = invoke("send_envelope", event)
    assert sent.status == 201, sent.body
    assert [c["userId"] for c in envelope_creates(emulator)] == [account["bee"]]


def test_two_senders_in_one_burst_never_share_a_token(
    account: dict[str, Any], emulator: Any
) -> None:
    reset_services()
    tokens_before = emulator.state.token_requests[account["owner"].integration_key]
    senders = [{"email": "bee@example.com"}, {"email": "fay@example.com"}, None] * 3
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(send_as, senders))
    assert [a.status for a in answers] == [201] * len(senders)
    by_subject = {a.body["envelopeId"]: s for a, s in zip(answers, senders, strict=True)}
    expected = {"bee@example.com": account["bee"], "fay@example.com": account["fay"]}
    for envelope_id, sender in by_subject.items():
        owner = emulator.state.envelopes[envelope_id]["sender"]["userId"]
        assert owner == (expected[sender["email"]] if sender else account["owner"].user_id)
    # a token per user, each asked for once (per container), whatever the burst
    tokens = emulator.state.token_requests[account["owner"].integration_key] - tokens_before
    assert tokens == 3
    issued = {
        record["user_id"]
        for record in emulator.state.tokens.values()
        if record["integration_key"] == account["owner"].integration_key
    }
    assert {account["bee"], account["fay"], account["owner"].user_id} <= issued


def test_a_caller_limited_to_senders_may_use_only_them(
    account: dict[str, Any], emulator: Any
) -> None:
    def send_by_limited_caller(sender: dict[str, str]) -> Any:
        event = api_event(
            "send_envelope_nested", path_parameters={"connection": NAME}, body=simple_body()
        )
        event["body"] = json.dumps({**json.loads(event["body"]), "sender": sender})
        event["headers"].pop("Idempotency-Key", None)
        event["multiValueHeaders"].pop("Idempotency-Key", None)
        event["requestContext"]["authorizer"] = {
            "principalId": "hr-flow",
            "caller": "hr-flow",
            "senders": "fay@example.com",
        }
        return invoke("send_envelope", event)

    refused = send_by_limited_caller({"email": "bee@example.com"})
    assert refused.status == 403 and refused.body["error"]["code"] == "SENDER_NOT_ALLOWED"
    assert emulator.state.requests == []
    allowed = send_by_limited_caller({"email": "fay@example.com"})
    assert allowed.status == 201, allowed.body


def test_verify_checks_one_sender(account: dict[str, Any]) -> None:
    def verify(user: str) -> Any:
        return invoke(
            "verify_connection",
            api_event(
                "verify_connection", path_parameters={"connection": NAME}, query={"user": user}
            ),
        )

    ok = verify("bee@example.com")
    assert ok.status == 200, ok.body
    assert ok.body["userId"] == account["bee"]
    assert verify("cee@example.com").body["error"]["code"] == "CONSENT_REQUIRED"
    assert verify("eve@example.com").body["error"]["code"] == "SENDER_NOT_ALLOWED"


def test_an_allowed_sender_s_envelope_sent_elsewhere_is_this_connection_s(
    account: dict[str, Any], connections: Any, emulator: Any
) -> None:
    """Ownership (issue 19's rule) with send-as: the envelope of an allowed sender is tracked
    by the connection that may send as them, and by no neighbour."""
    import uuid

    from tests.integration.helpers import seed_envelope

    neighbour = connections.create("send-as-neighbour", account_id=account["owner"].account_id)
    envelope_id = str(uuid.uuid4())
    seed_envelope(emulator, account["owner"].account_id, account["bee"], envelope_id)

    def status_of(connection: str) -> Any:
        return invoke(
            "get_envelope",
            api_event(
                "get_envelope",
                path_parameters={"connection": connection, "envelopeId": envelope_id},
            ),
        )

    assert status_of(neighbour.name).status == 404
    tracked = status_of(NAME)
    assert tracked.status == 200, tracked.body
    assert tracked.body["sender"]["userId"] == account["bee"]


def test_a_csv_with_a_sender_column_sends_each_row_as_its_sender(
    account: dict[str, Any], emulator: Any, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copy

    from tests.support.lambda_events import invoke_raw, load_event

    stack.use_environment_of(monkeypatch, "ProcessInboxFunction")
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.bucket, Key=f"inbox/{NAME}/nda.pdf", Body=sample_pdf("NDA"))
    rows = [
        "emailSubject,signersEmails,signersNames,documentS3Keys,senderEmail",
        f"Row 1,s1@example.com,Signer 1,inbox/{NAME}/nda.pdf,bee@example.com",
        f"Row 2,s2@example.com,Signer 2,inbox/{NAME}/nda.pdf,fay@example.com",
        f"Row 3,s3@example.com,Signer 3,inbox/{NAME}/nda.pdf,",
        f"Row 4,s4@example.com,Signer 4,inbox/{NAME}/nda.pdf,eve@example.com",
    ]
    key = f"inbox/{NAME}/senders.csv"
    version = s3.put_object(
        Bucket=stack.bucket, Key=key, Body=("\r\n".join(rows) + "\r\n").encode()
    ).get("VersionId")
    event = load_event("process_inbox_manifest")
    record = copy.deepcopy(event["Records"][0])
    body = json.loads(record["body"])
    notified = body["Records"][0]["s3"]
    notified["bucket"]["name"] = stack.bucket
    notified["object"]["key"] = key
    notified["object"]["versionId"] = version
    record["body"] = json.dumps(body)
    event["Records"] = [record]

    assert invoke_raw("process_inbox", event) == {"batchItemFailures": []}

    by_subject = {c["json"]["emailSubject"]: c["userId"] for c in envelope_creates(emulator)}
    assert by_subject == {
        "Row 1": account["bee"],
        "Row 2": account["fay"],
        "Row 3": account["owner"].user_id,
    }
    result = (
        s3.get_object(Bucket=stack.bucket, Key=f"outbox/{NAME}/senders.csv.result.csv")["Body"]
        .read()
        .decode()
    )
    assert "SENDER_NOT_ALLOWED" in result.splitlines()[4]
