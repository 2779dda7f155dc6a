"""Two users of one account: every answer about an envelope names the user who sent it, as
DocuSign's `envelope.sender` (GET, list status changes, Connect's envelopeSummary and
`data.userId`). And the download-overrides fault switch."""

from __future__ import annotations

import uuid
from typing import Any

from local.emulator.tests.helpers import (
    Api,
    Integration,
    b64,
    request_token,
    sample_definition,
    wait_for,
)


def second_user(emulator: Any, integration: Integration, other_key_pair: Any) -> Api:
    """Another user (another integration) of the same account, and a client acting as them."""
    private, public = other_key_pair
    key, user_id = str(uuid.uuid4()), str(uuid.uuid4())
    emulator.state.register_integration(
        key,
        public,
        user_id,
        user_name="Bo Colleague",
        user_email="bo.colleague@example.com",
        accounts=[
            {
                "account_id": integration.account_id,
                "account_name": "Acme",
                "is_default": True,
                "base_uri": None,
            }
        ],
    )
    other = Integration(key, user_id, integration.account_id, private, integration.host)
    token = request_token(emulator, other.assertion()).json()["access_token"]
    return Api(emulator.url, integration.account_id, token)


def test_each_answer_names_the_sender(
    emulator: Any, integration: Integration, api: Api, other_key_pair: Any, listener: Any
) -> None:
    emulator.state.add_connect_configuration(
        account_id=integration.account_id, url=listener.url, events=["envelope-sent"]
    )
    colleague = second_user(emulator, integration, other_key_pair)
    mine = api.create(sample_definition())
    theirs = colleague.create(sample_definition())

    for reader in (api, colleague):  # any user of the account reads both
        for envelope_id, sender in ((mine, integration.user_id), (theirs, None)):
            envelope = reader.get(f"/envelopes/{envelope_id}").json()
            if sender is not None:
                assert envelope["sender"]["userId"] == sender
            assert envelope["sender"]["accountId"] == integration.account_id
    assert api.get(f"/envelopes/{mine}").json()["sender"]["email"] == "ana.sender@example.com"
    their_sender = api.get(f"/envelopes/{theirs}").json()["sender"]
    assert their_sender["email"] == "bo.colleague@example.com"
    assert their_sender["userId"] != integration.user_id

    listed = api.get("/envelopes", params={"from_date": "2000-01-01"}).json()["envelopes"]
    senders = {e["envelopeId"]: e["sender"]["userId"] for e in listed}
    assert senders[mine] == integration.user_id
    assert senders[theirs] == their_sender["userId"]

    messages = wait_for(lambda: len(listener.messages()) >= 2 and listener.messages())
    by_envelope = {m["data"]["envelopeId"]: m["data"] for m in messages}
    for envelope_id, user_id in ((mine, integration.user_id), (theirs, their_sender["userId"])):
        assert by_envelope[envelope_id]["userId"] == user_id
        assert by_envelope[envelope_id]["envelopeSummary"]["sender"]["userId"] == user_id


def test_a_download_override_answers_its_bytes_until_cleared(api: Api) -> None:
    envelope_id = api.create(sample_definition())
    override = api.control(
        "POST",
        "/download-overrides",
        json={
            "documentId": "archive",
            "contentBase64": b64(b"not a zip"),
            "contentType": "text/plain",
        },
    )
    assert override.status_code == 200 and override.json()["bytes"] == 9
    answer = api.get(f"/envelopes/{envelope_id}/documents/archive")
    assert (answer.status_code, answer.content) == (200, b"not a zip")
    assert answer.headers["Content-Type"].startswith("text/plain")
    api.control("POST", "/download-overrides", json={"documentId": "archive"})
    restored = api.get(f"/envelopes/{envelope_id}/documents/archive")
    assert restored.content[:2] == b"PK"
