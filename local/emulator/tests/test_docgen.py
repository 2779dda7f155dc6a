"""Document generation: a template's DocGen document, a draft's sender fields (GET, PUT), the
generated document, sending refused while required fields are empty, the recycle bin."""

from __future__ import annotations

import pytest

from local.emulator.conversion import make_docx
from local.emulator.tests.helpers import SAMPLE_PDF, b64

pytestmark = pytest.mark.integration

OFFER = make_docx(["Offer letter", "Dear {{Candidate_Name}},", "Start: {{Start_Date}}"])
FIELDS = [
    {"name": "Candidate_Name", "label": "Candidate name", "type": "TextBox", "required": "true"},
    {"name": "Start_Date", "type": "Date"},
    {"name": "Salary", "type": "Number"},
    {
        "name": "Job_Title",
        "type": "Select",
        "options": [{"value": "Technical Writer"}, {"value": "Test Engineer"}],
    },
]


def docgen_template(api, integration) -> str:
    created = api.control(
        "POST",
        "/templates",
        json={
            "accountId": integration.account_id,
            "name": "Offer letter",
            "emailSubject": "Your offer",
            "documents": [
                {
                    "documentId": "1",
                    "name": "Offer.docx",
                    "fileExtension": "docx",
                    "documentBase64": b64(OFFER),
                    "docGenFormFields": FIELDS,
                }
            ],
            "recipients": {"signers": [{"recipientId": "1", "roleName": "signer"}]},
        },
    )
    assert created.status_code == 201, created.text
    return created.json()["templateId"]


def draft(api, template_id: str) -> str:
    return api.create(
        {
            "templateId": template_id,
            "status": "created",
            "templateRoles": [{"roleName": "signer", "name": "Peggy", "email": "p@example.com"}],
        }
    )


def test_a_draft_lists_its_sender_fields(api, integration):
    envelope_id = draft(api, docgen_template(api, integration))
    body = api.get(f"/envelopes/{envelope_id}/docGenFormFields").json()
    [document] = body["docGenFormFields"]
    assert document["docGenDocumentStatus"] == "created"
    listed = {f["name"]: f for f in document["docGenFormFieldList"]}
    assert listed["Candidate_Name"] == {
        "name": "Candidate_Name",
        "label": "Candidate name",
        "type": "TextBox",
        "required": "True",
    }
    assert [o["value"] for o in listed["Job_Title"]["options"]] == [
        "Technical Writer",
        "Test Engineer",
    ]


def test_an_envelope_without_docgen_documents_answers_an_empty_object(api):
    envelope_id = api.create(
        {
            "emailSubject": "x",
            "status": "created",
            "documents": [{"documentId": "1", "name": "a.pdf", "documentBase64": b64(SAMPLE_PDF)}],
        }
    )
    response = api.get(f"/envelopes/{envelope_id}/docGenFormFields")
    assert response.status_code == 200
    assert response.json() == {}


def test_put_fills_the_document_and_changes_its_id(api, integration):
    envelope_id = draft(api, docgen_template(api, integration))
    before = api.get(f"/envelopes/{envelope_id}/docGenFormFields").json()
    document_id = before["docGenFormFields"][0]["documentId"]
    # Number and Date values are not validated by DocuSign: "soon" is taken as it is.
    response = api.put(
        f"/envelopes/{envelope_id}/docGenFormFields",
        json={
            "docGenFormFields": [
                {
                    "documentId": document_id,
                    "docGenFormFieldList": [
                        {"name": "Candidate_Name", "value": "Peggy Olson"},
                        {"name": "Start_Date", "value": "soon"},
                    ],
                }
            ]
        },
    )
    assert response.status_code == 200, response.text
    after = response.json()["docGenFormFields"][0]
    assert after["documentId"] != document_id
    values = {f["name"]: f.get("value") for f in after["docGenFormFieldList"]}
    assert values["Candidate_Name"] == "Peggy Olson" and values["Start_Date"] == "soon"
    pdf = api.get(f"/envelopes/{envelope_id}/documents/1").content
    assert b"Dear Peggy Olson," in pdf and b"Start: soon" in pdf
    assert b"{{Candidate_Name}}" not in pdf


def test_put_keeps_the_document_id_when_asked(api, integration):
    envelope_id = draft(api, docgen_template(api, integration))
    document_id = api.get(f"/envelopes/{envelope_id}/docGenFormFields").json()["docGenFormFields"][
        0
    ]["documentId"]
    body = {
        "docGenFormFields": [
            {"documentId": document_id, "docGenFormFieldList": [{"name": "Salary", "value": "1"}]}
        ]
    }
    response = api.put(
        f"/envelopes/{envelope_id}/docGenFormFields",
        params={"update_docgen_formfields_only": "true"},
        json=body,
    )
    assert response.json()["docGenFormFields"][0]["documentId"] == document_id


def test_put_refuses_an_unknown_field_and_an_unknown_document(api, integration):
    envelope_id = draft(api, docgen_template(api, integration))
    document_id = api.get(f"/envelopes/{envelope_id}/docGenFormFields").json()["docGenFormFields"][
        0
    ]["documentId"]
    unknown_field = api.put(
        f"/envelopes/{envelope_id}/docGenFormFields",
        json={
            "docGenFormFields": [
                {
                    "documentId": document_id,
                    "docGenFormFieldList": [{"name": "Bonus", "value": "1"}],
                }
            ]
        },
    )
    assert unknown_field.status_code == 400
    assert unknown_field.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"
    unknown_document = api.put(
        f"/envelopes/{envelope_id}/docGenFormFields",
        json={"docGenFormFields": [{"documentId": "nope", "docGenFormFieldList": []}]},
    )
    assert unknown_document.json()["errorCode"] == "DOCUMENT_DOES_NOT_EXIST"
    fields = api.get(f"/envelopes/{envelope_id}/docGenFormFields").json()
    assert all("value" not in f for f in fields["docGenFormFields"][0]["docGenFormFieldList"])


def test_sending_with_a_required_field_empty_is_refused_then_sent_once_filled(api, integration):
    envelope_id = draft(api, docgen_template(api, integration))
    refused = api.put(f"/envelopes/{envelope_id}", json={"status": "sent"})
    assert refused.status_code == 400
    assert refused.json()["errorCode"] == "ENVELOPE_IS_INCOMPLETE"
    assert "Candidate_Name" in refused.json()["message"]
    document_id = api.get(f"/envelopes/{envelope_id}/docGenFormFields").json()["docGenFormFields"][
        0
    ]["documentId"]
    api.put(
        f"/envelopes/{envelope_id}/docGenFormFields",
        json={
            "docGenFormFields": [
                {
                    "documentId": document_id,
                    "docGenFormFieldList": [{"name": "Candidate_Name", "value": "Peggy"}],
                }
            ]
        },
    )
    assert api.put(f"/envelopes/{envelope_id}", json={"status": "sent"}).status_code == 200
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "sent"
    late = api.put(
        f"/envelopes/{envelope_id}/docGenFormFields",
        json={"docGenFormFields": [{"documentId": document_id, "docGenFormFieldList": []}]},
    )
    assert late.json()["errorCode"] == "ENVELOPE_INVALID_STATUS"


def test_each_envelope_has_its_own_values(api, integration):
    template_id = docgen_template(api, integration)
    first, second = draft(api, template_id), draft(api, template_id)
    document_id = api.get(f"/envelopes/{first}/docGenFormFields").json()["docGenFormFields"][0][
        "documentId"
    ]
    api.put(
        f"/envelopes/{first}/docGenFormFields",
        json={
            "docGenFormFields": [
                {
                    "documentId": document_id,
                    "docGenFormFieldList": [{"name": "Salary", "value": "5"}],
                }
            ]
        },
    )
    other = api.get(f"/envelopes/{second}/docGenFormFields").json()["docGenFormFields"][0]
    assert all("value" not in f for f in other["docGenFormFieldList"])


def test_a_draft_moved_to_the_recycle_bin(api, integration):
    envelope_id = draft(api, docgen_template(api, integration))
    response = api.put("/folders/recyclebin", json={"envelopeIds": [envelope_id]})
    assert response.status_code == 200
    listed = api.control("GET", "/envelopes").json()["envelopes"]
    [moved] = [e for e in listed if e["envelopeId"] == envelope_id]
    assert moved["folder"] == "recyclebin" and moved["status"] == "created"
    other = api.put("/folders/inbox", json={"envelopeIds": [envelope_id]})
    assert other.status_code == 400


def test_registering_docgen_fields_needs_a_docx(api, integration):
    response = api.control(
        "POST",
        "/templates",
        json={
            "accountId": integration.account_id,
            "name": "Not Word",
            "documents": [
                {
                    "documentId": "1",
                    "name": "a.pdf",
                    "documentBase64": b64(SAMPLE_PDF),
                    "docGenFormFields": FIELDS,
                }
            ],
        },
    )
    assert response.status_code == 400


def test_a_dynamic_table_needs_every_column_in_each_row(api, integration):
    created = api.control(
        "POST",
        "/templates",
        json={
            "accountId": integration.account_id,
            "name": "Compensation",
            "documents": [
                {
                    "documentId": "1",
                    "name": "Pay.docx",
                    "fileExtension": "docx",
                    "documentBase64": b64(make_docx(["Package"])),
                    "docGenFormFields": [
                        {
                            "name": "Pay",
                            "type": "TableRow",
                            "rowValues": [
                                {"docGenFormFieldList": [{"name": "Item"}, {"name": "Amount"}]}
                            ],
                        }
                    ],
                }
            ],
            "recipients": {"signers": [{"recipientId": "1", "roleName": "signer"}]},
        },
    )
    envelope_id = draft(api, created.json()["templateId"])
    document_id = api.get(f"/envelopes/{envelope_id}/docGenFormFields").json()["docGenFormFields"][
        0
    ]["documentId"]

    def put(cells):
        return api.put(
            f"/envelopes/{envelope_id}/docGenFormFields",
            params={"update_docgen_formfields_only": "true"},
            json={
                "docGenFormFields": [
                    {
                        "documentId": document_id,
                        "docGenFormFieldList": [
                            {
                                "name": "Pay",
                                "type": "TableRow",
                                "rowValues": [{"docGenFormFieldList": cells}],
                            }
                        ],
                    }
                ]
            },
        )

    short = put([{"name": "Item", "value": "Salary"}])
    assert short.status_code == 400
    assert short.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"
    full = put([{"name": "Item", "value": "Salary"}, {"name": "Amount", "value": "$100"}])
    assert full.status_code == 200, full.text
    assert b"Salary | $100" in api.get(f"/envelopes/{envelope_id}/documents/1").content


def test_creating_a_sent_envelope_with_required_fields_empty_is_refused(api, integration):
    response = api.post(
        "/envelopes",
        json={
            "templateId": docgen_template(api, integration),
            "status": "sent",
            "templateRoles": [{"roleName": "signer", "name": "Peggy", "email": "p@example.com"}],
        },
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ENVELOPE_IS_INCOMPLETE"


def test_code_example_42_through_the_official_sdk(sdk):
    """DocuSign's eg042 steps 5-8 with its SDK: a draft from the template, its DocGen fields,
    the values merged, the draft sent; the SDK's DocGen models read the emulator's answers."""
    docusign_esign = pytest.importorskip("docusign_esign")
    import requests

    client, account_id, server, cert = sdk
    created = requests.post(
        f"{server.url}/_emulator/templates",
        json={
            "accountId": account_id,
            "name": "Example document generation template",
            "emailSubject": "Please sign this document",
            "documents": [
                {
                    "documentId": "1",
                    "name": "OfferLetterDemo.docx",
                    "fileExtension": "docx",
                    "documentBase64": b64(OFFER),
                    "docGenFormFields": FIELDS,
                }
            ],
            "recipients": {"signers": [{"recipientId": "1", "roleName": "signer"}]},
        },
        verify=str(cert),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    envelopes = docusign_esign.EnvelopesApi(client)
    envelope = envelopes.create_envelope(
        account_id,
        envelope_definition=docusign_esign.EnvelopeDefinition(
            template_roles=[
                docusign_esign.TemplateRole(
                    email="peggy@example.com", name="Peggy Olson", role_name="signer"
                )
            ],
            status="created",
            template_id=created.json()["templateId"],
        ),
    )
    fields = envelopes.get_envelope_doc_gen_form_fields(account_id, envelope.envelope_id)
    document_id = fields.doc_gen_form_fields[0].document_id
    names = [f.name for f in fields.doc_gen_form_fields[0].doc_gen_form_field_list]
    assert names == ["Candidate_Name", "Start_Date", "Salary", "Job_Title"]
    envelopes.update_envelope_doc_gen_form_fields(
        account_id,
        envelope.envelope_id,
        doc_gen_form_field_request=docusign_esign.DocGenFormFieldRequest(
            doc_gen_form_fields=[
                docusign_esign.DocGenFormFields(
                    document_id=document_id,
                    doc_gen_form_field_list=[
                        docusign_esign.DocGenFormField(name="Candidate_Name", value="Peggy Olson"),
                        docusign_esign.DocGenFormField(name="Start_Date", value="02/28/1960"),
                    ],
                )
            ]
        ),
    )
    sent = envelopes.update(
        account_id, envelope.envelope_id, envelope=docusign_esign.Envelope(status="sent")
    )
    assert sent.envelope_id == envelope.envelope_id
    assert envelopes.get_envelope(account_id, envelope.envelope_id).status == "sent"
