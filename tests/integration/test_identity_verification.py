"""ID verification at the DocuSign boundary: the account's workflows listed (and read once per
container), a recipient's `authentication.idv` by workflow id or name sent as DocuSign's
`identityVerification`, and every workflow the account does not have refused before anything
is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from local.emulator.signing import ID_VERIFICATION, checks_needed
from local.emulator.state import id_verification_workflow
from tests.integration.helpers import docusign_requests, envelope_creates, send, simple_body
from tests.support.lambda_events import ApiResult, api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

CONNECTION = "verifying"


@pytest.fixture(scope="module")
def verifying(connections: Any) -> Any:
    return connections.create(CONNECTION)


@pytest.fixture
def account(emulator: Any, verifying: Any) -> Iterator[dict[str, Any]]:
    """The account has DocuSign's Identity Verification product: one ID workflow beside the
    phone workflow."""
    account_id = emulator.state.user_accounts(verifying.user_id)[0]["account_id"]
    account = emulator.state.accounts[account_id]
    kept = list(account["identityVerification"])
    account["identityVerification"] = [*kept, id_verification_workflow()]
    emulator.state.clear_requests()
    yield account
    account["identityVerification"] = kept


def id_workflow(account: dict[str, Any]) -> dict[str, Any]:
    return next(
        w for w in account["identityVerification"] if w["defaultName"] != "Phone Authentication"
    )


def list_workflows() -> ApiResult:
    return invoke(
        "list_identity_workflows",
        api_event("list_identity_workflows", path_parameters={"connection": CONNECTION}),
    )


def workflow_reads(emulator: Any) -> int:
    return len(
        [
            r
            for r in docusign_requests(emulator, "GET")
            if r["path"].endswith("/identity_verification")
        ]
    )


def idv_body(idv: dict[str, Any]) -> dict[str, Any]:
    return simple_body(
        signers=[{"email": "ana@example.com", "name": "Ana", "authentication": {"idv": idv}}]
    )


def test_the_account_s_workflows_are_listed_and_read_once_per_container(
    emulator: Any, account: dict[str, Any]
) -> None:
    phone, idv = account["identityVerification"]
    result = list_workflows()
    assert result.status == 200, result.body
    assert result.body == {
        "connection": CONNECTION,
        "workflows": [
            {
                "workflowId": phone["workflowId"],
                "name": "Phone Authentication",
                "description": phone["defaultDescription"],
                "inputOptions": ["phone_number_list"],
                "useAs": "sms or phone",
            },
            {
                "workflowId": idv["workflowId"],
                "name": "DocuSign ID Verification",
                "description": idv["defaultDescription"],
                "inputOptions": [],
                "useAs": "idv",
            },
        ],
    }
    assert workflow_reads(emulator) == 1
    # The list is kept briefly: the listing again and a send by name read nothing more.
    assert list_workflows().status == 200
    assert send(CONNECTION, idv_body({"workflowName": "DocuSign ID Verification"})).status == 201
    assert workflow_reads(emulator) == 1


@pytest.mark.parametrize("by", ["workflowId", "workflowName"])
def test_idv_is_sent_as_docusign_s_identity_verification(
    emulator: Any, account: dict[str, Any], by: str
) -> None:
    workflow = id_workflow(account)
    named = (
        {"workflowId": workflow["workflowId"].upper()}
        if by == "workflowId"
        else {"workflowName": "docusign id verification"}
    )
    result = send(CONNECTION, idv_body(named))
    assert result.status == 201, result.body
    (create,) = envelope_creates(emulator)
    (signer,) = create["json"]["recipients"]["signers"]
    assert signer["identityVerification"] == {"workflowId": workflow["workflowId"]}
    assert not {"requireIdLookup", "idCheckConfigurationName", "accessCode"} & set(signer)
    stored = emulator.state.envelopes[result.body["envelopeId"]]["recipients"]["signers"][0]
    assert checks_needed(stored) == [ID_VERIFICATION]


@pytest.mark.parametrize(
    "idv",
    [{"workflowId": "0b9e3c1a-1111-4222-8333-944455556666"}, {"workflowName": "Passport check"}],
    ids=["id", "name"],
)
def test_a_workflow_the_account_does_not_have_is_refused_before_sending(
    emulator: Any, account: dict[str, Any], idv: dict[str, Any]
) -> None:
    before = len(emulator.state.envelopes)
    result = send(CONNECTION, idv_body(idv))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "IDV_WORKFLOW_UNKNOWN"
    assert {d["name"] for d in result.body["error"]["details"]} == {
        "Phone Authentication",
        "DocuSign ID Verification",
    }
    assert envelope_creates(emulator) == []
    assert len(emulator.state.envelopes) == before


def test_a_workflow_added_since_the_list_was_read_is_found(
    emulator: Any, account: dict[str, Any]
) -> None:
    assert list_workflows().status == 200  # the container keeps this list
    added = id_verification_workflow("EU eID")
    account["identityVerification"].append(added)
    result = send(CONNECTION, idv_body({"workflowName": "EU eID"}))
    assert result.status == 201, result.body
    # A name the kept list lacks reads the list once more before refusing.
    assert workflow_reads(emulator) == 2
    (create,) = envelope_creates(emulator)
    assert create["json"]["recipients"]["signers"][0]["identityVerification"] == {
        "workflowId": added["workflowId"]
    }


def test_a_workflow_removed_since_the_list_was_read_is_docusign_s_refusal_said_plainly(
    emulator: Any, account: dict[str, Any]
) -> None:
    workflow = id_workflow(account)
    assert list_workflows().status == 200
    account["identityVerification"].remove(workflow)
    before = len(emulator.state.envelopes)
    result = send(CONNECTION, idv_body({"workflowId": workflow["workflowId"]}))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "IDV_WORKFLOW_UNKNOWN"
    assert result.body["error"]["details"][0]["docusignErrorCode"] == "IDENTITY_WORKFLOW_INVALID_ID"
    assert len(emulator.state.envelopes) == before
    # The stale copy is dropped: the next send reads the list and refuses before sending.
    emulator.state.clear_requests()
    again = send(CONNECTION, idv_body({"workflowId": workflow["workflowId"]}))
    assert again.body["error"]["code"] == "IDV_WORKFLOW_UNKNOWN"
    assert workflow_reads(emulator) == 1
    assert envelope_creates(emulator) == []


def test_two_workflows_of_one_name_and_the_phone_workflow_are_refused(
    emulator: Any, account: dict[str, Any]
) -> None:
    account["identityVerification"].append(id_verification_workflow())
    twice = send(CONNECTION, idv_body({"workflowName": "DocuSign ID Verification"}))
    phone = send(CONNECTION, idv_body({"workflowName": "Phone Authentication"}))
    assert twice.status == 400 and twice.body["error"]["code"] == "IDV_WORKFLOW_AMBIGUOUS"
    assert phone.status == 400 and phone.body["error"]["code"] == "IDV_USE_SMS_OR_PHONE"
    assert envelope_creates(emulator) == []


@pytest.mark.parametrize(
    ("authentication", "code"),
    [
        ({"idv": {"workflowId": "not-a-guid"}}, "INVALID_IDV_WORKFLOW_ID"),
        ({"idv": {}}, "IDV_WORKFLOW_REQUIRED"),
        (
            {"idv": {"workflowName": "x", "workflowId": "0b9e3c1a-1111-4222-8333-944455556666"}},
            "IDV_WORKFLOW_REQUIRED",
        ),
        ({"idv": {"workflowName": "a\nb"}}, "CONTROL_CHARACTERS"),
        ({"idv": {"workflowName": "x"}, "sms": "+15551234567"}, "AUTHENTICATION_METHOD_REQUIRED"),
    ],
)
def test_bad_idv_is_a_400_and_nothing_is_asked_of_docusign(
    emulator: Any, account: dict[str, Any], authentication: dict[str, Any], code: str
) -> None:
    body = simple_body(
        signers=[{"email": "ana@example.com", "name": "Ana", "authentication": authentication}]
    )
    result = send(CONNECTION, body)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == code
    assert docusign_requests(emulator) == []


def test_a_template_role_cannot_take_idv(emulator: Any, account: dict[str, Any]) -> None:
    body = {
        "emailSubject": "From a template",
        "templateId": "0b9e3c1a-1111-4222-8333-944455556666",
        "templateRoles": [
            {
                "roleName": "Signer",
                "email": "ana@example.com",
                "name": "Ana",
                "authentication": {"idv": {"workflowName": "DocuSign ID Verification"}},
            }
        ],
    }
    result = send(CONNECTION, body)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "TEMPLATE_ROLE_AUTHENTICATION"
    assert docusign_requests(emulator) == []


def test_a_correction_to_idv_sends_what_the_send_sends(
    emulator: Any, account: dict[str, Any]
) -> None:
    workflow = id_workflow(account)
    envelope_id = send(CONNECTION, simple_body()).body["envelopeId"]
    emulator.state.clear_requests()
    path = {"connection": CONNECTION, "envelopeId": envelope_id, "recipientId": "1"}
    result = invoke(
        "correct_recipient",
        api_event(
            "correct_recipient",
            path_parameters=path,
            body={"authentication": {"idv": {"workflowName": "DocuSign ID Verification"}}},
        ),
    )
    assert result.status == 200, result.body
    (put,) = [r for r in docusign_requests(emulator, "PUT") if r["path"].endswith("/recipients")]
    assert json.loads(put["body"]) == {
        "signers": [
            {"recipientId": "1", "identityVerification": {"workflowId": workflow["workflowId"]}}
        ]
    }
    stored = emulator.state.envelopes[envelope_id]["recipients"]["signers"][0]
    assert checks_needed(stored) == [ID_VERIFICATION]
