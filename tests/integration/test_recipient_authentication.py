"""How a recipient proves who they are, as DocuSign receives it: SMS and phone through the
account's "Phone Authentication" workflow (or the older ID check where the account has no such
workflow), the same properties at the send and in a correction, and one access-code rule
(DocuSign's) for the send, the flat form, a CSV row, a manifest and a correction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.emulator.signing import checks_needed
from tests.integration.helpers import (
    b64,
    docusign_requests,
    envelope_creates,
    sample_pdf,
    send,
    simple_body,
)
from tests.support.lambda_events import ApiResult, api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

CONNECTION = "authenticating"


@pytest.fixture(scope="module")
def authenticating(connections: Any) -> Any:
    return connections.create(CONNECTION)


@pytest.fixture(autouse=True)
def _clean_log(emulator: Any) -> None:
    emulator.state.clear_requests()


def account_of(emulator: Any, registered: Any) -> dict[str, Any]:
    account_id = emulator.state.user_accounts(registered.user_id)[0]["account_id"]
    return emulator.state.accounts[account_id]


@pytest.fixture
def legacy_account(emulator: Any, authenticating: Any) -> Iterator[dict[str, Any]]:
    """The account has no "Phone Authentication" workflow: only the older ID checks."""
    account = account_of(emulator, authenticating)
    kept = account["identityVerification"]
    account["identityVerification"] = []
    yield account
    account["identityVerification"] = kept


def phone_workflow_id(emulator: Any, registered: Any) -> str:
    (workflow,) = account_of(emulator, registered)["identityVerification"]
    assert workflow["defaultName"] == "Phone Authentication"
    return str(workflow["workflowId"])


def workflow_auth(workflow_id: str, country: str, number: str) -> dict[str, Any]:
    return {
        "identityVerification": {
            "workflowId": workflow_id,
            "inputOptions": [
                {
                    "name": "phone_number_list",
                    "valueType": "PhoneNumberList",
                    "phoneNumberList": [{"countryCode": country, "number": number}],
                }
            ],
        }
    }


LEGACY = {
    "sms": {
        "requireIdLookup": "true",
        "idCheckConfigurationName": "SMS Auth $",
        "smsAuthentication": {"senderProvidedNumbers": ["+447700900123"]},
    },
    "phone": {
        "requireIdLookup": "true",
        "idCheckConfigurationName": "Phone Auth $",
        "phoneAuthentication": {
            "recipMayProvideNumber": "false",
            "senderProvidedNumbers": ["+447700900123"],
        },
    },
}
AUTH_KEYS = (
    "identityVerification",
    "requireIdLookup",
    "idCheckConfigurationName",
    "smsAuthentication",
    "phoneAuthentication",
    "accessCode",
)


def auth_properties(recipient: dict[str, Any]) -> dict[str, Any]:
    return {k: recipient[k] for k in AUTH_KEYS if k in recipient}


def sent_signer(emulator: Any) -> dict[str, Any]:
    (create,) = envelope_creates(emulator)
    return dict(create["json"]["recipients"]["signers"][0])


def correct(envelope_id: str, body: Any, recipient_id: str = "1") -> ApiResult:
    path = {"connection": CONNECTION, "envelopeId": envelope_id, "recipientId": recipient_id}
    return invoke(
        "correct_recipient", api_event("correct_recipient", path_parameters=path, body=body)
    )


def corrections(emulator: Any) -> list[dict[str, Any]]:
    return [
        json.loads(r["body"])
        for r in docusign_requests(emulator, "PUT")
        if r["path"].endswith("/recipients")
    ]


def workflow_lookups(emulator: Any) -> int:
    return len(
        [
            r
            for r in docusign_requests(emulator, "GET")
            if r["path"].endswith("/identity_verification")
        ]
    )


@pytest.mark.parametrize("method", ["sms", "phone"])
def test_sms_and_phone_use_the_account_s_phone_authentication_workflow(
    authenticating: Any, emulator: Any, method: str
) -> None:
    result = send(
        CONNECTION,
        simple_body(
            signers=[
                {
                    "email": "ana@example.com",
                    "name": "Ana",
                    "authentication": {method: "+447700900123"},
                }
            ]
        ),
    )
    assert result.status == 201, result.body
    signer = sent_signer(emulator)
    # The recipient chooses a text or a call: SMS and phone are the same workflow.
    assert auth_properties(signer) == workflow_auth(
        phone_workflow_id(emulator, authenticating), "44", "7700900123"
    )
    assert workflow_lookups(emulator) == 1
    stored = emulator.state.envelopes[result.body["envelopeId"]]["recipients"]["signers"][0]
    assert checks_needed(stored) == ["Phone Authentication"]

    # The account's workflows are read once per container, not for every send.
    emulator.state.clear_requests()
    again = simple_body(
        signers=[
            {"email": "bo@example.com", "name": "Bo", "authentication": {"sms": "+15551234567"}}
        ]
    )
    assert send(CONNECTION, again).status == 201
    assert workflow_lookups(emulator) == 0
    assert auth_properties(sent_signer(emulator)) == workflow_auth(
        phone_workflow_id(emulator, authenticating), "1", "5551234567"
    )


@pytest.mark.parametrize("method", ["sms", "phone"])
def test_an_account_without_the_workflow_gets_the_older_id_check(
    authenticating: Any, emulator: Any, legacy_account: Any, method: str
) -> None:
    result = send(
        CONNECTION,
        simple_body(
            signers=[
                {
                    "email": "ana@example.com",
                    "name": "Ana",
                    "authentication": {method: "+447700900123"},
                }
            ]
        ),
    )
    assert result.status == 201, result.body
    assert auth_properties(sent_signer(emulator)) == LEGACY[method]
    stored = emulator.state.envelopes[result.body["envelopeId"]]["recipients"]["signers"][0]
    assert checks_needed(stored) == [LEGACY[method]["idCheckConfigurationName"]]


@pytest.mark.parametrize("with_workflow", [True, False], ids=["workflow", "older-id-check"])
@pytest.mark.parametrize("method", ["sms", "phone"])
def test_a_correction_to_sms_or_phone_sends_what_the_send_sends(
    authenticating: Any,
    emulator: Any,
    request: pytest.FixtureRequest,
    with_workflow: bool,
    method: str,
) -> None:
    if not with_workflow:
        request.getfixturevalue("legacy_account")
    auth = {method: "+447700900123"}
    send(
        CONNECTION,
        simple_body(signers=[{"email": "ana@example.com", "name": "Ana", "authentication": auth}]),
    )
    at_send = auth_properties(sent_signer(emulator))
    envelope_id = send(CONNECTION, simple_body()).body["envelopeId"]
    emulator.state.clear_requests()

    result = correct(envelope_id, {"authentication": auth})

    assert result.status == 200, result.body
    assert corrections(emulator) == [{"signers": [{"recipientId": "1", **at_send}]}]
    # ... and DocuSign runs the check for the corrected recipient.
    stored = emulator.state.envelopes[envelope_id]["recipients"]["signers"][0]
    assert checks_needed(stored) == [
        "Phone Authentication" if with_workflow else LEGACY[method]["idCheckConfigurationName"]
    ]


def test_an_account_with_neither_is_told_before_anyone_signs_without_the_check(
    authenticating: Any, emulator: Any, legacy_account: dict[str, Any]
) -> None:
    legacy_account["idCheckConfigurations"] = set()
    before = len(emulator.state.envelopes)
    try:
        refused = send(
            CONNECTION,
            simple_body(
                signers=[
                    {
                        "email": "ana@example.com",
                        "name": "Ana",
                        "authentication": {"sms": "+15551234567"},
                    }
                ]
            ),
        )
        assert len(emulator.state.envelopes) == before  # DocuSign created nothing
        envelope_id = send(CONNECTION, simple_body()).body["envelopeId"]
        corrected = correct(envelope_id, {"authentication": {"phone": "+15551234567"}})
    finally:
        del legacy_account["idCheckConfigurations"]
    for result in (refused, corrected):
        assert result.status == 400, result.body
        assert result.body["error"]["code"] == "AUTHENTICATION_NOT_AVAILABLE"
        assert (
            result.body["error"]["details"][0]["docusignErrorCode"] == "ACCOUNT_LACKS_PERMISSIONS"
        )
    signer = emulator.state.envelopes[envelope_id]["recipients"]["signers"][0]
    assert checks_needed(signer) == []


def test_a_workflow_the_account_no_longer_has_is_refused_clearly(
    authenticating: Any, emulator: Any
) -> None:
    """The container still has the old workflow id (read within its cache time)."""
    auth = {"sms": "+15551234567"}
    assert (
        send(
            CONNECTION,
            simple_body(signers=[{"email": "a@example.com", "name": "A", "authentication": auth}]),
        ).status
        == 201
    )
    account = account_of(emulator, authenticating)
    kept = account["identityVerification"]
    account["identityVerification"] = [
        dict(kept[0], workflowId="00000000-0000-0000-0000-000000000001")
    ]
    try:
        result = send(
            CONNECTION,
            simple_body(signers=[{"email": "b@example.com", "name": "B", "authentication": auth}]),
        )
    finally:
        account["identityVerification"] = kept
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "AUTHENTICATION_NOT_AVAILABLE"
    assert result.body["error"]["details"][0]["docusignErrorCode"] == "IDENTITY_WORKFLOW_INVALID_ID"


# ------------------------------------------------------------------------- access codes

VALID_CODES = ["7", "ab", "1234", "x" * 50, "pa$$ word!", "Ünïcødé-ß"]
INVALID_CODES = ["", "x" * 51, "a<b", "a>b", "a&b", "#123"]


def _send_api(code: str) -> ApiResult:
    body = simple_body(
        signers=[
            {"email": "ana@example.com", "name": "Ana", "authentication": {"accessCode": code}}
        ]
    )
    return send(CONNECTION, body)


def _send_flat(code: str) -> ApiResult:
    return send(
        CONNECTION,
        {
            "emailSubject": "Flat",
            "documents": [{"name": "a.pdf", "contentBase64": b64(sample_pdf())}],
            "signersEmails": ["ana@example.com"],
            "signersNames": ["Ana"],
            "signersAccessCodes": [code],
        },
    )


def _correct(code: str) -> ApiResult:
    envelope_id = send(CONNECTION, simple_body()).body["envelopeId"]
    return correct(envelope_id, {"authentication": {"accessCode": code}})


@pytest.mark.parametrize("code", VALID_CODES + INVALID_CODES)
@pytest.mark.parametrize(
    "path", [_send_api, _send_flat, _correct], ids=["send", "flat", "correction"]
)
def test_one_access_code_rule_for_the_api(
    authenticating: Any, emulator: Any, path: Any, code: str
) -> None:
    result = path(code)
    emulator_log = envelope_creates(emulator)
    if code in VALID_CODES and code.strip():
        assert result.status in (200, 201), result.body
        return
    if path is _send_flat and code == "":
        # The flat form's "" means "no access code for this signer".
        assert result.status == 201, result.body
        assert "accessCode" not in emulator_log[-1]["json"]["recipients"]["signers"][0]
        return
    assert result.status == 400, result.body
    expected = {"": "ACCESS_CODE_REQUIRED", "x" * 51: "ACCESS_CODE_TOO_LONG"}
    assert result.body["error"]["code"] == expected.get(code, "INVALID_ACCESS_CODE")
    assert code not in json.dumps(result.body) or code == ""
    sent_codes = [c["json"]["recipients"]["signers"][0].get("accessCode") for c in emulator_log]
    assert code not in sent_codes
    assert corrections(emulator) == []
