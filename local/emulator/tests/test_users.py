"""Several users per account: JWT Grant for each user who consented (individually or by an
administrator for the account), Users:list and Users:get, envelopes refused to a user who
neither sent nor receives them, and Connect limited to the configuration's users."""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator.membership import add_user, grant_admin_consent, grant_consent
from local.emulator.tests.helpers import Api, request_token, sample_definition, wait_for


def token_for(emulator: Any, integration: Any, user_id: str) -> Any:
    return request_token(emulator, integration.assertion(sub=user_id))


def test_a_token_for_another_user_needs_that_user_s_consent_or_an_admin_s(
    emulator: Any, integration: Any
) -> None:
    st = emulator.state
    bee = add_user(st, integration.account_id, name="Bee", email="bee@example.com")
    refused = token_for(emulator, integration, bee)
    assert refused.status_code == 400 and refused.json()["error"] == "consent_required"
    grant_consent(st, integration.integration_key, bee)
    assert token_for(emulator, integration, bee).status_code == 200
    # an administrator's consent covers every user of the account, now and later
    cee = add_user(st, integration.account_id, name="Cee", email="cee@example.com")
    assert token_for(emulator, integration, cee).json()["error"] == "consent_required"
    grant_admin_consent(st, integration.integration_key, integration.account_id)
    assert token_for(emulator, integration, cee).status_code == 200
    unknown = token_for(emulator, integration, "0b7c1c3e-2f4a-4c6e-9d1b-8a7f6e5d4c3b")
    assert unknown.json() == {"error": "invalid_grant", "error_description": "user_not_found"}


def test_users_are_listed_by_e_mail_and_got_by_id(
    api: Api, emulator: Any, integration: Any
) -> None:
    st = emulator.state
    bee = add_user(st, integration.account_id, name="Bee Keeper", email="Bee@Example.com")
    add_user(st, integration.account_id, name="Old Bee", email="old@example.com", status="Closed")
    found = api.get("/users", params={"email": "bee@example.com"}).json()
    assert [u["userId"] for u in found["users"]] == [bee]
    (user,) = found["users"]
    assert (user["userName"], user["userStatus"], user["isAdmin"]) == (
        "Bee Keeper",
        "Active",
        "False",
    )
    assert found["resultSetSize"] == "1"
    assert api.get("/users", params={"email": "nobody@example.com"}).json()["users"] == []
    closed = api.get("/users", params={"status": "Closed"}).json()["users"]
    assert [u["email"] for u in closed] == ["old@example.com"]
    assert api.get(f"/users/{bee}").json()["email"] == "Bee@Example.com"
    missing = api.get("/users/0b7c1c3e-2f4a-4c6e-9d1b-8a7f6e5d4c3b")
    assert missing.status_code == 400
    assert missing.json()["errorCode"] == "USER_DOES_NOT_EXIST_IN_SYSTEM"


def test_an_envelope_is_refused_to_a_user_who_neither_sent_nor_receives_it(
    api: Api, emulator: Any, integration: Any
) -> None:
    st = emulator.state
    bee = add_user(st, integration.account_id, name="Bee", email="bee@example.com")
    grant_consent(st, integration.integration_key, bee)
    as_bee = Api(
        emulator.url,
        integration.account_id,
        token_for(emulator, integration, bee).json()["access_token"],
    )
    envelope_id = as_bee.create(sample_definition())
    assert st.envelopes[envelope_id]["sender"]["userId"] == bee
    assert as_bee.get(f"/envelopes/{envelope_id}").status_code == 200
    # the integration's user administers the account: it may see it
    assert api.get(f"/envelopes/{envelope_id}").status_code == 200
    cee = add_user(st, integration.account_id, name="Cee", email="cee@example.com")
    grant_consent(st, integration.integration_key, cee)
    as_cee = Api(
        emulator.url,
        integration.account_id,
        token_for(emulator, integration, cee).json()["access_token"],
    )
    for method, path, body in (
        ("GET", f"/envelopes/{envelope_id}", None),
        ("PUT", f"/envelopes/{envelope_id}", {"status": "voided", "voidedReason": "not mine"}),
    ):
        refused = as_cee.request(method, path, json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["errorCode"] == "USER_NOT_ENVELOPE_SENDER_OR_RECIPIENT"
    assert st.envelopes[envelope_id]["status"] == "sent"
    assert [r["userId"] for r in st.requests if r["path"].endswith(envelope_id)][-2:] == [cee, cee]


@pytest.mark.parametrize("all_users", [True, False])
def test_connect_follows_the_configuration_s_users(
    api: Api, emulator: Any, integration: Any, listener: Any, all_users: bool
) -> None:
    st = emulator.state
    bee = add_user(st, integration.account_id, name="Bee", email="bee@example.com")
    grant_consent(st, integration.integration_key, bee)
    users: dict[str, Any] = (
        {"allUsers": "true"}
        if all_users
        else {"allUsers": "false", "userIds": [integration.user_id]}
    )
    created = api.post(
        "/connect",
        json={
            "urlToPublishTo": listener.url,
            "events": ["envelope-sent"],
            "eventData": {"version": "restv2.1", "format": "json"},
            **users,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["allUsers"] == users["allUsers"]
    as_bee = Api(
        emulator.url,
        integration.account_id,
        token_for(emulator, integration, bee).json()["access_token"],
    )
    theirs = as_bee.create(sample_definition())  # first: delivered first, if at all
    mine = api.create(sample_definition())
    expected = {mine, theirs} if all_users else {mine}
    wait_for(lambda: expected <= {m["data"]["envelopeId"] for m in listener.messages()})
    delivered = {m["data"]["envelopeId"] for m in listener.messages()}
    assert (theirs in delivered) is all_users
    # the configuration's users follow an update (ConnectConfigurations:update)
    updated = api.put(
        "/connect",
        json={**created.json(), "allUsers": "false", "userIds": [bee]},
    )
    assert updated.status_code == 200 and updated.json()["userIds"] == [bee]
