"""Fields per recipient (DocuSign tabs), the checks made before any DocuSign call, recipient
authentication, in-person signers and certified deliveries, against the DocuSign emulator."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from local.emulator import make_docx
from local.emulator.pdf import make_pdf
from tests.integration.helpers import b64, envelope_creates, item_count, send

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

PDF = make_pdf("Service agreement", ["Terms of service.", "Signature: /sig1/", "Date: /date1/"])
OPTIONS_TYPES = {"radioGroup", "list"}
GROUPS = {
    "signHere": "signHereTabs",
    "initialHere": "initialHereTabs",
    "dateSigned": "dateSignedTabs",
    "fullName": "fullNameTabs",
    "email": "emailTabs",
    "company": "companyTabs",
    "title": "titleTabs",
    "text": "textTabs",
    "number": "numberTabs",
    "date": "dateTabs",
    "checkbox": "checkboxTabs",
    "radioGroup": "radioGroupTabs",
    "list": "listTabs",
    "approve": "approveTabs",
    "decline": "declineTabs",
    "note": "noteTabs",
}


@pytest.fixture(scope="module")
def fields_conn(connections: Any) -> Any:
    return connections.create("fields")


@pytest.fixture(autouse=True)
def _clean_log(emulator: Any) -> None:
    emulator.state.clear_requests()


def body(fields: list[dict[str, Any]] | None = None, **signer: Any) -> dict[str, Any]:
    return {
        "emailSubject": "Please sign",
        "documents": [{"name": "agreement.pdf", "contentBase64": b64(PDF)}],
        "signers": [{"email": "ana@example.com", "name": "Ana", "fields": fields or [], **signer}],
    }


def table_items(stack: Any) -> list[dict[str, Any]]:
    dynamodb = stack.client("dynamodb")
    items: list[dict[str, Any]] = []
    for name in dynamodb.list_tables()["TableNames"]:
        items.extend(dynamodb.scan(TableName=name)["Items"])
    return items


def sent_signer(emulator: Any, kind: str = "signers") -> dict[str, Any]:
    creates = envelope_creates(emulator)
    assert len(creates) == 1
    return creates[0]["json"]["recipients"][kind][0]


@pytest.mark.parametrize("field_type", sorted(GROUPS))
def test_each_field_type_by_anchor(fields_conn: Any, emulator: Any, field_type: str) -> None:
    field: dict[str, Any] = {
        "type": field_type,
        "label": f"my-{field_type}",
        "anchor": {"text": "/sig1/", "xOffset": 10, "yOffset": -0.5, "units": "inches"},
    }
    if field_type in OPTIONS_TYPES:
        field["options"] = ["red", "blue"]
    result = send("fields", body([field]))
    assert result.status == 201, result.body
    tabs = sent_signer(emulator)["tabs"]
    assert list(tabs) == [GROUPS[field_type]]
    (tab,) = tabs[GROUPS[field_type]]
    anchor = {
        "anchorString": "/sig1/",
        "anchorXOffset": "10",
        "anchorYOffset": "-0.5",
        "anchorUnits": "inches",
        "anchorIgnoreIfNotPresent": "false",
    }
    if field_type == "radioGroup":
        assert tab["groupName"] == "my-radioGroup"
        assert [r["value"] for r in tab["radios"]] == ["red", "blue"]
        # The second radio sits 20 points (20/72 inch) below the first.
        assert tab["radios"][0]["anchorYOffset"] == "-0.5"
        assert tab["radios"][1]["anchorYOffset"] == "-0.22"
    else:
        assert {k: tab[k] for k in anchor} == anchor
        assert tab["tabLabel"] == f"my-{field_type}"
    # DocuSign (the emulator) placed it where the anchor is, with an id.
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    (placed,) = envelope["recipients"]["signers"][0]["tabs"][GROUPS[field_type]]
    spot = placed["radios"][0] if field_type == "radioGroup" else placed
    assert spot["pageNumber"] == "1" and spot["tabId"]
    assert int(spot["xPosition"]) > 72 + 720 - 1  # the anchor's x plus 10 inches


@pytest.mark.parametrize("field_type", sorted(GROUPS))
def test_each_field_type_by_position(fields_conn: Any, emulator: Any, field_type: str) -> None:
    field: dict[str, Any] = {
        "type": field_type,
        "position": {"documentId": 1, "page": 1, "x": 100, "y": 650.4},
    }
    if field_type in OPTIONS_TYPES:
        field.update(label="choice", options=["a", "b"], value="b")
    elif field_type in ("text", "number", "company", "title", "email", "date"):
        field.update(label="given", value="42", required=True, locked=True, fontSize=12)
    result = send("fields", body([field]))
    assert result.status == 201, result.body
    (tab,) = sent_signer(emulator)["tabs"][GROUPS[field_type]]
    where = {"pageNumber": "1", "xPosition": "100", "yPosition": "650"}
    if field_type == "radioGroup":
        assert tab["documentId"] == "1"
        assert tab["radios"] == [
            {**where, "value": "a", "selected": "false"},
            {
                "pageNumber": "1",
                "xPosition": "100",
                "yPosition": "670",
                "value": "b",
                "selected": "true",
            },
        ]
    elif field_type == "list":
        assert tab == {
            "documentId": "1",
            **where,
            "tabLabel": "choice",
            "listItems": [
                {"text": "a", "value": "a", "selected": "false"},
                {"text": "b", "value": "b", "selected": "true"},
            ],
            "value": "b",
        }
    elif "value" in field:
        assert tab == {
            "documentId": "1",
            **where,
            "tabLabel": "given",
            "required": "true",
            "locked": "true",
            "fontSize": "Size12",
            "value": "42",
        }
    elif field_type == "checkbox":
        assert tab == {"documentId": "1", **where, "selected": "false"}
    else:
        assert tab == {"documentId": "1", **where}


def test_sign_here_required_false_is_optional_and_sizes(fields_conn: Any, emulator: Any) -> None:
    field = {
        "type": "signHere",
        "required": False,
        "width": 120,
        "height": 40,
        "position": {"x": 300, "y": 700},
    }
    assert send("fields", body([field])).status == 201
    (tab,) = sent_signer(emulator)["tabs"]["signHereTabs"]
    assert tab == {
        "documentId": "1",
        "pageNumber": "1",
        "xPosition": "300",
        "yPosition": "700",
        "optional": "true",
        "width": "120",
        "height": "40",
    }


@pytest.mark.parametrize(
    ("fields", "code", "where"),
    [
        (
            [{"type": "signHere", "anchor": {"text": "/nowhere/"}}],
            "ANCHOR_NOT_FOUND",
            "signers[0].fields[0]",
        ),
        (
            [{"type": "signHere", "position": {"page": 2, "x": 10, "y": 10}}],
            "FIELD_PAGE_OUT_OF_RANGE",
            "signers[0].fields[0]",
        ),
        (
            [{"type": "signHere", "position": {"page": 1, "x": 700, "y": 10}}],
            "FIELD_POSITION_OFF_PAGE",
            "signers[0].fields[0]",
        ),
        (
            [{"type": "text", "width": 200, "position": {"page": 1, "x": 500, "y": 10}}],
            "FIELD_POSITION_OFF_PAGE",
            "signers[0].fields[0]",
        ),
        (
            [
                {"type": "text", "position": {"x": 1, "y": 1}},
                {"type": "signHere", "position": {"documentId": 2, "x": 10, "y": 10}},
            ],
            "FIELD_DOCUMENT_NOT_FOUND",
            "signers[0].fields[1]",
        ),
        (
            [{"type": "radioGroup", "label": "colour", "position": {"x": 1, "y": 1}}],
            "FIELD_OPTIONS_REQUIRED",
            "signers[0].fields[0]",
        ),
        (
            [{"type": "signHere", "locked": True, "position": {"x": 1, "y": 1}}],
            "FIELD_PROPERTY_NOT_ALLOWED",
            "signers[0].fields[0]",
        ),
        (
            [{"type": "signHere"}],
            "FIELD_PLACEMENT_REQUIRED",
            "signers[0].fields[0]",
        ),
        (
            [{"type": "text", "anchor": {"text": "/sig1/", "xOffset": 5}}],
            "ANCHOR_UNITS_REQUIRED",
            "signers[0].fields[0].anchor",
        ),
        (
            [{"type": "text", "fontSize": 13, "position": {"x": 1, "y": 1}}],
            "INVALID_FONT_SIZE",
            "signers[0].fields[0]",
        ),
    ],
)
def test_pre_send_refusals(
    fields_conn: Any, emulator: Any, stack: Any, fields: list[dict[str, Any]], code: str, where: str
) -> None:
    before = item_count(stack)
    result = send("fields", body(fields))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == code
    assert where in result.body["error"]["message"]
    assert emulator.state.requests == [] or all(
        "/restapi/" not in r["path"] for r in emulator.state.requests
    )
    assert item_count(stack) == before


def test_missing_anchor_may_be_ignored(fields_conn: Any, emulator: Any) -> None:
    field = {"type": "signHere", "anchor": {"text": "/nowhere/", "ignoreIfMissing": True}}
    result = send("fields", body([field]))
    assert result.status == 201, result.body
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    # DocuSign leaves the tab out.
    assert envelope["recipients"]["signers"][0]["tabs"]["signHereTabs"] == []


def test_anchor_text_in_another_case_is_sent_and_placed_at_each_occurrence(
    fields_conn: Any, emulator: Any
) -> None:
    """DocuSign matches anchors regardless of case unless anchorCaseSensitive is true (which
    the connector never sends), and places a tab at every occurrence: the connector's check
    before the send must not refuse what DocuSign places."""
    request = body([{"type": "signHere", "anchor": {"text": "/SIG1/"}}])
    request["documents"].append(
        {"name": "annex.pdf", "contentBase64": b64(make_pdf("Annex", ["Initials: /Sig1/"]))}
    )
    result = send("fields", request)
    assert result.status == 201, result.body
    [tab] = sent_signer(emulator)["tabs"]["signHereTabs"]
    assert "anchorCaseSensitive" not in tab
    placed = emulator.state.envelopes[result.body["envelopeId"]]["recipients"]["signers"][0]
    assert [t["documentId"] for t in placed["tabs"]["signHereTabs"]] == ["1", "2"]


def test_documents_that_cannot_be_read_skip_the_anchor_check(
    fields_conn: Any, emulator: Any
) -> None:
    request = body([{"type": "signHere", "anchor": {"text": "/sig1/"}}])
    request["documents"].append(
        {"name": "annex.docx", "contentBase64": b64(make_docx(["Annex", "Initials: /sig1/"]))}
    )
    request["signers"][0]["fields"].append(
        {"type": "initialHere", "anchor": {"text": "/only-in-the-annex/"}}
    )
    result = send("fields", request)
    # Not refused by the connector: the annex's text is unknown to it. DocuSign checks, and
    # its refusal is a 400 naming its code (a caller can fix it).
    assert result.status == 400
    assert result.body["error"]["code"] == "ANCHOR_TAB_STRING_NOT_FOUND"
    assert result.body["error"]["details"][0]["docusignErrorCode"] == "ANCHOR_TAB_STRING_NOT_FOUND"
    assert len(envelope_creates(emulator)) == 1


def test_fields_on_a_carbon_copy_are_refused(fields_conn: Any, emulator: Any) -> None:
    request = body()
    request["carbonCopies"] = [
        {"email": "cc@example.com", "name": "Cc", "fields": [{"type": "text"}]}
    ]
    result = send("fields", request)
    assert result.status == 400
    assert result.body["error"]["code"] == "FIELDS_NOT_ALLOWED"
    assert envelope_creates(emulator) == []


def test_access_code_signs_and_never_leaks(
    fields_conn: Any, emulator: Any, stack: Any, caplog: Any, capsys: Any
) -> None:
    code = "Zq7-secret-4711"
    caplog.set_level(logging.DEBUG)
    request = body([{"type": "signHere", "anchor": {"text": "/sig1/"}}])
    request["signers"][0]["authentication"] = {"accessCode": code}
    result = send("fields", request, {"Idempotency-Key": "access-code-1"})
    assert result.status == 201, result.body
    assert sent_signer(emulator)["accessCode"] == code
    again = send("fields", request, {"Idempotency-Key": "access-code-1"})
    assert again.body == result.body
    assert len(envelope_creates(emulator)) == 1
    other = json.loads(json.dumps(request))
    other["signers"][0]["authentication"]["accessCode"] = "another"
    assert send("fields", other, {"Idempotency-Key": "access-code-1"}).status == 409
    envelope_id = result.body["envelopeId"]
    status = __import__("tests.integration.helpers", fromlist=["status"]).status(
        "fields", envelope_id
    )
    assert status.status == 200
    captured = capsys.readouterr()
    everything = json.dumps([result.body, again.body, status.body, table_items(stack)])
    everything += caplog.text + captured.out + captured.err
    assert code not in everything


@pytest.mark.parametrize(
    "auth",
    [{"sms": "5551234567"}, {"phone": "+1 555 123 4567"}, {"sms": "+0123"}, {}],
)
def test_bad_authentication_is_refused(fields_conn: Any, emulator: Any, auth: Any) -> None:
    result = send("fields", body(authentication=auth))
    assert result.status == 400
    assert result.body["error"]["code"] in (
        "INVALID_PHONE_NUMBER",
        "AUTHENTICATION_METHOD_REQUIRED",
    )
    assert envelope_creates(emulator) == []


def test_in_person_signer_and_certified_delivery(fields_conn: Any, emulator: Any) -> None:
    request = body(signingOrder=1)
    request["inPersonSigners"] = [
        {
            "hostName": "Hana Host",
            "hostEmail": "hana@example.com",
            "signerName": "Walk-in Customer",
            "signingOrder": 2,
            "fields": [{"type": "signHere", "anchor": {"text": "/date1/"}}],
        }
    ]
    request["certifiedDeliveries"] = [
        {
            "email": "auditor@example.com",
            "name": "Auditor",
            "signingOrder": 3,
            "emailNotification": {"subject": "Please review", "body": "FYI", "language": "de"},
        }
    ]
    result = send("fields", request)
    assert result.status == 201, result.body
    recipients = envelope_creates(emulator)[0]["json"]["recipients"]
    assert recipients["inPersonSigners"] == [
        {
            "hostName": "Hana Host",
            "hostEmail": "hana@example.com",
            "signerName": "Walk-in Customer",
            "recipientId": "2",
            "routingOrder": "2",
            "tabs": {
                "signHereTabs": [
                    {
                        "anchorString": "/date1/",
                        "anchorXOffset": "0",
                        "anchorYOffset": "0",
                        "anchorUnits": "pixels",
                        "anchorIgnoreIfNotPresent": "false",
                    }
                ]
            },
        }
    ]
    assert recipients["certifiedDeliveries"] == [
        {
            "email": "auditor@example.com",
            "name": "Auditor",
            "recipientId": "3",
            "routingOrder": "3",
            "emailNotification": {
                "emailSubject": "Please review",
                "emailBody": "FYI",
                "supportedLanguage": "de",
            },
        }
    ]
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    assert envelope["recipients"]["inPersonSigners"][0]["recipientType"] == "inpersonsigner"
    assert envelope["recipients"]["certifiedDeliveries"][0]["recipientType"] == "certifieddelivery"


def test_per_recipient_email_notification(fields_conn: Any, emulator: Any) -> None:
    request = body(emailNotification={"subject": "Hola Ana", "language": "es"})
    assert send("fields", request).status == 201
    assert sent_signer(emulator)["emailNotification"] == {
        "emailSubject": "Hola Ana",
        "supportedLanguage": "es",
    }
    bad = body(emailNotification={"language": "Spanish"})
    result = send("fields", bad)
    assert result.status == 400
    assert result.body["error"]["code"] == "INVALID_EMAIL_LANGUAGE"


def test_flat_form_per_signer_authentication(fields_conn: Any, emulator: Any, stack: Any) -> None:
    flat = {
        "emailSubject": "Flat",
        "documents": [{"name": "agreement.pdf", "contentBase64": b64(PDF)}],
        "signersEmails": ["a@example.com", "b@example.com", "c@example.com"],
        "signersNames": ["A", "B", "C"],
        "signersAccessCodes": ["1234", None, ""],
        "signersSmsNumbers": [None, "+15551234567", None],
    }
    result = send("fields", flat)
    assert result.status == 201, result.body
    signers = envelope_creates(emulator)[0]["json"]["recipients"]["signers"]
    assert signers[0]["accessCode"] == "1234"
    # SMS goes through the account's phone authentication workflow (test_recipient_authentication)
    assert signers[1]["identityVerification"]["inputOptions"][0]["phoneNumberList"] == [
        {"countryCode": "1", "number": "5551234567"}
    ]
    assert not {"accessCode", "identityVerification", "idCheckConfigurationName"} & set(signers[2])
    emulator.state.clear_requests()
    short = dict(flat, signersPhoneNumbers=["+15551234567"])
    refused = send("fields", short)
    assert refused.status == 400
    assert refused.body["error"]["code"] == "SIGNER_AUTHENTICATION_LENGTH_MISMATCH"
    assert envelope_creates(emulator) == []


def test_flat_form_places_each_signature_at_its_anchor(fields_conn: Any, emulator: Any) -> None:
    flat = {
        "emailSubject": "Flat with anchors",
        "documents": [{"name": "agreement.pdf", "contentBase64": b64(PDF)}],
        "signersEmails": ["a@example.com", "b@example.com"],
        "signersNames": ["A", "B"],
        "signersAnchors": ["/sig1/", None],
    }
    result = send("fields", flat)
    assert result.status == 201, result.body
    first, second = envelope_creates(emulator)[0]["json"]["recipients"]["signers"]
    [tab] = first["tabs"]["signHereTabs"]
    assert tab["anchorString"] == "/sig1/" and tab["anchorIgnoreIfNotPresent"] == "false"
    assert "tabs" not in second
    # An anchor in none of the documents is the caller's 400, before DocuSign is called.
    emulator.state.clear_requests()
    refused = send("fields", dict(flat, signersAnchors=["/nowhere/", None]))
    assert refused.status == 400
    assert refused.body["error"]["code"] == "ANCHOR_NOT_FOUND"
    assert envelope_creates(emulator) == []
