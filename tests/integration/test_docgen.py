"""Document generation (DocGen) at the DocuSign boundary: listing a DocGen template's sender
fields through a draft that is deleted, and a send that fills them (draft → PUT
docGenFormFields → sent), with values checked against the fields' types before anything is
filled."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from local.emulator.conversion import make_docx
from tests.integration.helpers import create_template, docusign_requests, envelope_creates, send
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

OFFER = make_docx(
    ["Offer letter", "Dear {{Candidate_Name}},", "Start {{Start_Date}}, salary {{Salary}}"]
)
FIELDS = [
    {"name": "Candidate_Name", "label": "Candidate name", "type": "TextBox", "required": "true"},
    {"name": "Start_Date", "label": "Start date", "type": "Date"},
    {"name": "Salary", "type": "Number"},
    {
        "name": "Job_Title",
        "type": "Select",
        "options": [{"value": "Technical Writer"}, {"value": "Test Engineer"}],
    },
]
VALUES = {
    "Candidate_Name": "Peggy Olson",
    "Start_Date": "03/01/2027",
    "Salary": "3,380.50",
    "Job_Title": "Technical Writer",
}


@pytest.fixture(scope="module")
def docgen(connections: Any) -> Any:
    return connections.create("docgen")


@pytest.fixture(scope="module")
def template_id(docgen: Any, emulator: Any) -> str:
    """A DocGen template as DocuSign holds one after the Word document's upload (the emulator
    is told the sender fields DocuSign would read from the DOCX)."""
    created = requests.post(
        f"{emulator.url}/_emulator/templates",
        json={
            "accountId": docgen.account_id,
            "name": "Offer letter",
            "emailSubject": "Your offer",
            "documents": [
                {
                    "documentId": "1",
                    "name": "Offer.docx",
                    "fileExtension": "docx",
                    "documentBase64": base64.b64encode(OFFER).decode(),
                    "docGenFormFields": FIELDS,
                }
            ],
            "recipients": {"signers": [{"recipientId": "1", "roleName": "signer"}]},
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["templateId"])


def list_fields(connection: str, template: str) -> Any:
    return invoke(
        "list_docgen_fields",
        api_event(
            "list_docgen_fields",
            path_parameters={"connection": connection, "templateId": template},
        ),
    )


def offer(template: str, values: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "emailSubject": "Your offer",
        "templateId": template,
        "templateRoles": [{"roleName": "signer", "email": "peggy@example.com", "name": "Peggy"}],
        "docGenFields": VALUES if values is None else values,
    }


def calls(emulator: Any) -> list[tuple[str, str]]:
    base = "/restapi/v2.1/accounts/"
    return [
        (r["method"], r["path"].split(base, 1)[1].split("/", 1)[1])
        for r in docusign_requests(emulator)
    ]


def folder_of(emulator: Any, envelope_id: str) -> str | None:
    return emulator.state.envelopes[envelope_id].get("folder")


def test_listing_reads_a_draft_and_deletes_it(docgen: Any, emulator: Any, template_id: str) -> None:
    emulator.state.clear_requests()
    result = list_fields("docgen", template_id)
    assert result.status == 200, result.body
    (create,) = envelope_creates(emulator)
    # A draft of the template alone (the streamed body always carries its documents list).
    assert create["json"] == {"templateId": template_id, "status": "created", "documents": []}
    draft = calls(emulator)[1][1].split("/")[1]
    assert calls(emulator) == [
        ("POST", "envelopes"),
        ("GET", f"envelopes/{draft}/docGenFormFields"),
        ("PUT", "folders/recyclebin"),
    ]
    (delete,) = docusign_requests(emulator, "PUT")
    assert delete["json"] == {"envelopeIds": [draft]}
    assert folder_of(emulator, draft) == "recyclebin"
    assert emulator.state.envelopes[draft]["status"] == "created"
    assert result.body["docusignCalls"] == 3
    fields = {f["name"]: f for f in result.body["fields"]}
    assert list(fields) == ["Candidate_Name", "Start_Date", "Salary", "Job_Title"]
    assert fields["Candidate_Name"]["label"] == "Candidate name"
    assert fields["Candidate_Name"]["type"] == "TextBox" and fields["Candidate_Name"]["required"]
    assert fields["Start_Date"]["type"] == "Date" and not fields["Start_Date"]["required"]
    assert [o["value"] for o in fields["Job_Title"]["options"]] == [
        "Technical Writer",
        "Test Engineer",
    ]


def test_listing_a_template_without_docgen_documents(docgen: Any, emulator: Any) -> None:
    plain = create_template(docgen, "Plain", {"signers": [{"recipientId": "1", "roleName": "A"}]})
    emulator.state.clear_requests()
    result = list_fields("docgen", plain)
    assert result.status == 200, result.body
    assert result.body["fields"] == []
    assert [c[0] for c in calls(emulator)] == ["POST", "GET", "PUT"]


def test_listing_refuses_a_bad_template_id_without_calling_docusign(
    docgen: Any, emulator: Any
) -> None:
    emulator.state.clear_requests()
    result = list_fields("docgen", "not-a-guid")
    assert result.status == 400
    assert result.body["error"]["code"] == "INVALID_TEMPLATE_ID"
    assert docusign_requests(emulator) == []


def test_send_fills_the_draft_and_sends_it(docgen: Any, emulator: Any, template_id: str) -> None:
    emulator.state.clear_requests()
    result = send("docgen", offer(template_id))
    assert result.status == 201, result.body
    assert result.body["status"] == "sent"
    envelope_id = result.body["envelopeId"]
    (create,) = envelope_creates(emulator)
    assert create["json"]["status"] == "created"
    assert create["json"]["templateId"] == template_id
    assert calls(emulator) == [
        ("POST", "envelopes"),
        ("GET", f"envelopes/{envelope_id}/docGenFormFields"),
        ("PUT", f"envelopes/{envelope_id}/docGenFormFields"),
        ("PUT", f"envelopes/{envelope_id}"),
    ]
    fill, sent = docusign_requests(emulator, "PUT")
    envelope = emulator.state.envelopes[envelope_id]
    document_guids = [d["documentIdGuid"] for d in envelope["documents"]]
    (fill_entry,) = fill["json"]["docGenFormFields"]
    # The documentId the draft had before the PUT (DocuSign gives it a new one after).
    assert fill_entry["documentId"] not in document_guids
    assert fill_entry["docGenFormFieldList"] == [
        {"name": "Candidate_Name", "value": "Peggy Olson"},
        {"name": "Start_Date", "value": "03/01/2027"},
        {"name": "Salary", "value": "3,380.50"},
        {"name": "Job_Title", "value": "Technical Writer"},
    ]
    assert sent["json"] == {"status": "sent"}
    assert envelope["status"] == "sent"
    pdf = envelope["documents"][0]["_pdf"]
    assert b"Dear Peggy Olson," in pdf and b"Start 03/01/2027, salary 3,380.50" in pdf


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({**VALUES, "Bonus": "1"}, "DOCGEN_FIELD_UNKNOWN"),
        ({**VALUES, "Candidate_Name": " "}, "DOCGEN_FIELD_REQUIRED"),
        ({k: v for k, v in VALUES.items() if k != "Candidate_Name"}, "DOCGEN_FIELD_REQUIRED"),
        ({**VALUES, "Salary": "3380.555"}, "DOCGEN_FIELD_INVALID"),
        ({**VALUES, "Salary": "1000000000"}, "DOCGEN_FIELD_INVALID"),
        ({**VALUES, "Salary": "12,34"}, "DOCGEN_FIELD_INVALID"),
        ({**VALUES, "Start_Date": "2027-03-01"}, "DOCGEN_FIELD_INVALID"),
        ({**VALUES, "Start_Date": "31/31/2027"}, "DOCGEN_FIELD_INVALID"),
        ({**VALUES, "Job_Title": "Astronaut"}, "DOCGEN_FIELD_INVALID"),
    ],
)
def test_bad_values_send_nothing_and_delete_the_draft(
    docgen: Any, emulator: Any, template_id: str, values: dict[str, str], code: str
) -> None:
    emulator.state.clear_requests()
    result = send("docgen", offer(template_id, values))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == code
    assert len(envelope_creates(emulator)) == 1
    draft = calls(emulator)[1][1].split("/")[1]
    # Read, then deleted: no PUT of values, no send.
    assert calls(emulator) == [
        ("POST", "envelopes"),
        ("GET", f"envelopes/{draft}/docGenFormFields"),
        ("PUT", "folders/recyclebin"),
    ]
    envelope = emulator.state.envelopes[draft]
    assert envelope["status"] == "created" and envelope["folder"] == "recyclebin"
    assert envelope["documents"][0]["_docGen"]["values"] == {}


def test_docgen_fields_need_a_template(docgen: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    body = offer("00000000-0000-0000-0000-000000000000")
    body.pop("templateId")
    body.pop("templateRoles")
    body["signers"] = [{"email": "a@example.com", "name": "A"}]
    body["documents"] = [{"name": "a.pdf", "contentBase64": base64.b64encode(b"%PDF-1.4").decode()}]
    result = send("docgen", body)
    assert result.status == 400
    assert result.body["error"]["code"] == "TEMPLATE_ID_REQUIRED"
    assert docusign_requests(emulator) == []


def test_a_template_without_docgen_fields_is_refused(docgen: Any, emulator: Any) -> None:
    plain = create_template(
        docgen, "Plain send", {"signers": [{"recipientId": "1", "roleName": "signer"}]}
    )
    emulator.state.clear_requests()
    result = send("docgen", offer(plain))
    assert result.status == 400
    assert result.body["error"]["code"] == "DOCGEN_NOT_A_DOCGEN_TEMPLATE"
    assert [m for m, _ in calls(emulator)] == ["POST", "GET", "PUT"]
    assert calls(emulator)[-1] == ("PUT", "folders/recyclebin")


def test_a_retried_send_fills_and_sends_once(docgen: Any, emulator: Any, template_id: str) -> None:
    emulator.state.clear_requests()
    headers = {"Idempotency-Key": "docgen-offer-0001"}
    first = send("docgen", offer(template_id), headers=headers)
    again = send("docgen", offer(template_id), headers=headers)
    assert first.status == 201 and again.status == 201, (first.body, again.body)
    assert again.body["envelopeId"] == first.body["envelopeId"]
    assert len(envelope_creates(emulator)) == 1
    sends = [r for r in docusign_requests(emulator, "PUT") if r["json"] == {"status": "sent"}]
    assert len(sends) == 1


def test_a_draft_keeps_its_values_and_is_not_sent(
    docgen: Any, emulator: Any, template_id: str
) -> None:
    emulator.state.clear_requests()
    result = send("docgen", {**offer(template_id), "status": "created"})
    assert result.status == 201, result.body
    assert result.body["status"] == "created"
    envelope_id = result.body["envelopeId"]
    assert [m for m, _ in calls(emulator)] == ["POST", "GET", "PUT"]
    assert calls(emulator)[-1] == ("PUT", f"envelopes/{envelope_id}/docGenFormFields")
    envelope = emulator.state.envelopes[envelope_id]
    assert envelope["status"] == "created"
    assert envelope["documents"][0]["_docGen"]["values"]["Candidate_Name"] == "Peggy Olson"


def test_listing_an_unknown_template(docgen: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    result = list_fields("docgen", "00000000-0000-0000-0000-000000000000")
    assert result.status == 404, result.body
    assert result.body["error"]["code"] == "TEMPLATE_NOT_FOUND"
    assert [m for m, _ in calls(emulator)] == ["POST"]
