"""Phone authentication as DocuSign does it now (the account's "Phone Authentication" ID
verification workflow) and as it did before (the `SMS Auth $` ID check, which runs only with
`requireIdLookup`), and DocuSign's access code rule."""

from __future__ import annotations

import re

import pytest
import requests

from local.emulator.tests.test_signing_fields import definition, signing_url
from local.emulator.tests.test_views import form_action, open_page

pytestmark = pytest.mark.integration


def phone_workflow(api) -> dict:
    response = api.get("/identity_verification")
    assert response.status_code == 200, response.text
    (workflow,) = response.json()["identityVerification"]
    assert workflow["defaultName"] == "Phone Authentication"
    return workflow


def verification(workflow_id: str, number: str = "5551234567") -> dict:
    return {
        "identityVerification": {
            "workflowId": workflow_id,
            "inputOptions": [
                {
                    "name": "phone_number_list",
                    "valueType": "PhoneNumberList",
                    "phoneNumberList": [{"countryCode": "1", "number": number}],
                }
            ],
        }
    }


def test_the_phone_workflow_asks_for_the_code_by_text_or_call(api, emulator):
    workflow = phone_workflow(api)
    envelope_id = api.create(definition(verification(workflow["workflowId"]), {}))
    page = open_page(signing_url(api, envelope_id))
    assert "Text message" in page.text and "Phone call" in page.text and "4567" in page.text
    code = re.search(r"the code is <code>(\d{6})</code>", page.text).group(1)
    wrong = requests.post(form_action(page, emulator.url), data={"code": "000000"}, timeout=10)
    assert wrong.status_code == 401
    done = requests.post(
        form_action(page, emulator.url),
        data={"code": code, "via": "voice"},
        allow_redirects=False,
        timeout=10,
    )
    assert done.status_code == 303
    recipient = api.get(f"/envelopes/{envelope_id}/recipients").json()["signers"][0]
    assert recipient["recipientAuthenticationStatus"]["identityVerificationResult"]["status"] == (
        "Passed"
    )


def test_a_workflow_the_account_does_not_have_is_refused(api):
    response = api.post("/envelopes", json=definition(verification("not-a-workflow"), {}))
    assert response.status_code == 400
    assert response.json() == {
        "errorCode": "IDENTITY_WORKFLOW_INVALID_ID",
        "message": "The identity workflow ID specified is not valid.",
    }


def test_the_phone_workflow_needs_a_number(api):
    extra = verification(phone_workflow(api)["workflowId"])
    extra["identityVerification"]["inputOptions"] = []
    response = api.post("/envelopes", json=definition(extra, {}))
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"


def test_the_older_id_check_runs_only_with_require_id_lookup(api):
    without = {
        "idCheckConfigurationName": "SMS Auth $",
        "smsAuthentication": {"senderProvidedNumbers": ["+15551234567"]},
    }
    envelope_id = api.create(definition(without, {}))
    assert "Sign and finish" in open_page(signing_url(api, envelope_id)).text
    envelope_id = api.create(definition({**without, "requireIdLookup": "true"}, {}))
    page = open_page(signing_url(api, envelope_id))
    assert "Sign and finish" not in page.text and "text message" in page.text


@pytest.mark.parametrize("code", ["x" * 51, "a<b", "a>b", "a&b", "#12"])
def test_access_codes_follow_docusign_s_rule(api, code):
    response = api.post("/envelopes", json=definition({"accessCode": code}, {}))
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"
    assert api.post("/envelopes", json=definition({"accessCode": "x" * 50}, {})).status_code == 201
