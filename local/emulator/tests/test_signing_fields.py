"""Tabs at creation (ids, placement, page checks) and on the signing page (required fields,
access code, SMS step)."""

from __future__ import annotations

import re

import pytest
import requests

from local.emulator.pdf import make_pdf
from local.emulator.tests.helpers import b64
from local.emulator.tests.test_views import event_of, form_action, open_page, view_request

pytestmark = pytest.mark.integration

PDF = make_pdf("Contract", ["Terms.", "Sign: /sig1/"])


def definition(signer_extra: dict, tabs: dict) -> dict:
    return {
        "emailSubject": "Fields",
        "status": "sent",
        "documents": [
            {"documentId": "1", "name": "c.pdf", "fileExtension": "pdf", "documentBase64": b64(PDF)}
        ],
        "recipients": {
            "signers": [
                {
                    "email": "signer@example.com",
                    "name": "Sam Signer",
                    "recipientId": "1",
                    "routingOrder": "1",
                    "clientUserId": "1000",
                    "tabs": tabs,
                    **signer_extra,
                }
            ]
        },
    }


TEXT = {
    "textTabs": [
        {
            "tabLabel": "po",
            "required": "true",
            "documentId": "1",
            "pageNumber": "1",
            "xPosition": "100",
            "yPosition": "200",
        }
    ],
    "signHereTabs": [{"anchorString": "/sig1/", "anchorUnits": "pixels", "anchorXOffset": "20"}],
}


def signing_url(api, envelope_id: str) -> str:
    response = api.post(f"/envelopes/{envelope_id}/views/recipient", json=view_request())
    assert response.status_code == 201, response.text
    return response.json()["url"]


def test_tabs_get_ids_and_places(api):
    envelope_id = api.create(definition({}, TEXT))
    tabs = api.get(f"/envelopes/{envelope_id}/recipients", params={"include_tabs": "true"}).json()[
        "signers"
    ][0]["tabs"]
    (sign,) = tabs["signHereTabs"]
    assert sign["tabId"] and sign["recipientId"] == "1" and sign["tabType"] == "signhere"
    assert sign["documentId"] == "1" and sign["pageNumber"] == "1"
    assert int(sign["xPosition"]) > 72 and int(sign["yPosition"]) > 72
    assert tabs["textTabs"][0]["xPosition"] == "100"


@pytest.mark.parametrize(
    ("tab", "code"),
    [
        (
            {"documentId": "1", "pageNumber": "3", "xPosition": "1", "yPosition": "1"},
            "TAB_PAGENUMBER_IS_NOT_IN_DOCUMENT",
        ),
        (
            {"documentId": "9", "pageNumber": "1", "xPosition": "1", "yPosition": "1"},
            "TAB_REFERS_TO_MISSING_DOCUMENT",
        ),
        ({"documentId": "1", "xPosition": "1", "yPosition": "1"}, "TAB_PAGE_NUMBER_NOT_SPECIFIED"),
        ({"anchorString": "/missing/"}, "ANCHOR_TAB_STRING_NOT_FOUND"),
    ],
)
def test_bad_tabs_are_refused(api, tab, code):
    response = api.post("/envelopes", json=definition({}, {"signHereTabs": [tab]}))
    assert response.status_code == 400
    assert response.json()["errorCode"] == code


def test_required_field_must_be_filled_before_signing(api, emulator):
    envelope_id = api.create(definition({}, TEXT))
    page = open_page(signing_url(api, envelope_id))
    assert 'data-page="1" data-x="100" data-y="200"' in page.text
    name = re.search(r'<input name="(tab-[^"]+)"', page.text).group(1)
    action = form_action(page, emulator.url)
    refused = requests.post(
        action, data={"action": "sign", name: ""}, allow_redirects=False, timeout=10
    )
    assert refused.status_code == 303
    again = requests.get(emulator.url + refused.headers["Location"], timeout=10)
    assert "Fill in the required fields: po" in again.text
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] != "completed"
    signed = requests.post(
        action, data={"action": "sign", name: "PO-42"}, allow_redirects=False, timeout=10
    )
    assert event_of(signed) == "signing_complete"
    tabs = api.get(f"/envelopes/{envelope_id}/recipients", params={"include_tabs": "true"}).json()
    assert tabs["signers"][0]["tabs"]["textTabs"][0]["value"] == "PO-42"


def test_access_code_is_asked_and_checked(api, emulator):
    envelope_id = api.create(definition({"accessCode": "4711"}, {}))
    page = open_page(signing_url(api, envelope_id))
    assert "Access code required" in page.text and "Sign and finish" not in page.text
    action = form_action(page, emulator.url)
    session = action.rsplit("/", 2)[-2]
    sign_url = f"{emulator.url}/Signing/session/{session}"
    assert (
        requests.post(
            sign_url, data={"action": "sign"}, allow_redirects=False, timeout=10
        ).status_code
        == 403
    )
    wrong = requests.post(action, data={"code": "1234"}, allow_redirects=False, timeout=10)
    assert wrong.status_code == 401
    recipient = api.get(f"/envelopes/{envelope_id}/recipients").json()["signers"][0]
    assert "accessCode" not in recipient
    assert recipient["recipientAuthenticationStatus"]["accessCodeResult"]["status"] == "Failed"
    right = requests.post(action, data={"code": "4711"}, allow_redirects=False, timeout=10)
    assert right.status_code == 303
    opened = requests.get(emulator.url + right.headers["Location"], timeout=10)
    assert "Sign and finish" in opened.text
    signed = requests.post(sign_url, data={"action": "sign"}, allow_redirects=False, timeout=10)
    assert event_of(signed) == "signing_complete"
    recipient = api.get(f"/envelopes/{envelope_id}/recipients").json()["signers"][0]
    assert recipient["recipientAuthenticationStatus"]["accessCodeResult"]["status"] == "Passed"


def test_sms_step_is_recorded(api, emulator):
    extra = {
        "requireIdLookup": "true",
        "idCheckConfigurationName": "SMS Auth $",
        "smsAuthentication": {"senderProvidedNumbers": ["+15551234567"]},
    }
    envelope_id = api.create(definition(extra, {}))
    page = open_page(signing_url(api, envelope_id))
    assert "text message" in page.text and "4567" in page.text
    code = re.search(r"the code is <code>(\d{6})</code>", page.text).group(1)
    done = requests.post(
        form_action(page, emulator.url), data={"code": code}, allow_redirects=False, timeout=10
    )
    assert done.status_code == 303
    recipient = api.get(f"/envelopes/{envelope_id}/recipients").json()["signers"][0]
    assert recipient["recipientAuthenticationStatus"]["smsAuthResult"]["status"] == "Passed"


def test_sms_without_numbers_is_refused(api):
    extra = {"requireIdLookup": "true", "idCheckConfigurationName": "SMS Auth $"}
    response = api.post("/envelopes", json=definition(extra, {}))
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"


def test_the_signed_pdf_carries_each_value_at_its_place(api, emulator):
    """The value typed into a field, and the signature, are drawn where the tabs were placed
    (a text layer over the original page), not only listed on the signature page."""
    import io

    from pypdf import PdfReader

    envelope_id = api.create(definition({}, TEXT))
    page = open_page(signing_url(api, envelope_id))
    name = re.search(r'<input name="(tab-[^"]+)"', page.text).group(1)
    signed = requests.post(
        form_action(page, emulator.url),
        data={"action": "sign", name: "PO-4711"},
        allow_redirects=False,
        timeout=10,
    )
    assert event_of(signed) == "signing_complete"

    response = api.get(f"/envelopes/{envelope_id}/documents/1")
    assert response.status_code == 200, response.text[:300]
    pdf = response.content
    reader = PdfReader(io.BytesIO(pdf))
    spots: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            spots[text.strip()] = (tm[4], tm[5])

    reader.pages[0].extract_text(visitor_text=visit)
    height = float(reader.pages[0].mediabox.height)
    x, baseline = spots["PO-4711"]
    assert (round(x), round(height - baseline)) == (100, 210)  # top at y=200, 10 pt text
    assert "Signed: Sam Signer" in spots
    assert "Terms." in reader.pages[0].extract_text()  # the original page is still there


NUMERICAL = {
    "numericalTabs": [
        {
            "tabLabel": "Salary",
            "documentId": "1",
            "pageNumber": "1",
            "xPosition": "210",
            "yPosition": "235",
            "validationType": "Currency",
            "numericalValue": "123000",
            "minNumericalValue": "1000",
            "maxNumericalValue": "500000",
            "localePolicy": {"cultureName": "en-US", "currencyCode": "usd"},
        }
    ]
}


def test_numerical_tabs_are_known_placed_and_validated(api, emulator):
    """numericalTabs (DocuSign's "Number fields") are newer than the 2022 spec: the emulator
    knows them from the SDK's models, places them, and checks the signer's number."""
    emulator.state.clear_requests()
    envelope_id = api.create(definition({}, NUMERICAL))
    assert emulator.state.requests[-1]["ignoredProperties"] == []
    tabs = api.get(f"/envelopes/{envelope_id}/recipients", params={"include_tabs": "true"}).json()
    [salary] = tabs["signers"][0]["tabs"]["numericalTabs"]
    assert salary["tabType"] == "numerical" and salary["tabId"]
    assert (salary["numericalValue"], salary["value"]) == ("123000", "123000")
    page = open_page(signing_url(api, envelope_id))
    name = re.search(r'<input name="(tab-[^"]+)" id="[^"]+" value="123000"', page.text).group(1)
    action = form_action(page, emulator.url)
    for typed, problem in (("lots", "a number"), ("999", "at least 1000")):
        refused = requests.post(
            action, data={"action": "sign", name: typed}, allow_redirects=False, timeout=10
        )
        again = requests.get(emulator.url + refused.headers["Location"], timeout=10)
        assert f"Salary ({problem})" in again.text
    signed = requests.post(
        action, data={"action": "sign", name: "125,500"}, allow_redirects=False, timeout=10
    )
    assert event_of(signed) == "signing_complete"
    form = api.get(f"/envelopes/{envelope_id}/form_data").json()
    assert {"name": "Salary", "value": "125500"} in form["formData"]
