"""Envelopes made from compositeTemplates: server and inline templates overlaid by sequence,
roles matched by roleName, a composite's own document, several composites in one envelope."""

from __future__ import annotations

import pytest

from local.emulator.pdf import make_pdf
from local.emulator.tests.helpers import SAMPLE_PDF, b64

pytestmark = pytest.mark.integration

OWN_PDF = make_pdf("Our own contract", ["Signed by the client below."])


def make_template(api, name, role, label):
    body = {
        "name": name,
        "emailSubject": f"Please sign the {name}",
        "documents": [
            {"documentId": "1", "name": f"{name}.pdf", "documentBase64": b64(SAMPLE_PDF)}
        ],
        "recipients": {
            "signers": [
                {
                    "recipientId": "1",
                    "roleName": role,
                    "routingOrder": "1",
                    "tabs": {
                        "signHereTabs": [
                            {
                                "documentId": "1",
                                "pageNumber": "1",
                                "xPosition": "100",
                                "yPosition": "100",
                            }
                        ],
                        "textTabs": [
                            {
                                "tabLabel": label,
                                "documentId": "1",
                                "pageNumber": "1",
                                "xPosition": "100",
                                "yPosition": "200",
                            }
                        ],
                    },
                }
            ]
        },
    }
    response = api.post("/templates", json=body)
    assert response.status_code == 201, response.text
    return response.json()["templateId"]


def signer(role, recipient_id="1", **extra):
    return {
        "email": "client@example.com",
        "name": "Cleo Client",
        "roleName": role,
        "recipientId": recipient_id,
        "routingOrder": "1",
        **extra,
    }


def composite(template_id, sequence_server="1", sequence_inline="2", **extra):
    return {
        "serverTemplates": [{"sequence": sequence_server, "templateId": template_id}],
        "inlineTemplates": [
            {"sequence": sequence_inline, "recipients": {"signers": [extra.pop("who")]}}
        ],
        **extra,
    }


def create(api, composites, **extra):
    body = {"emailSubject": "Two templates", "status": "sent", "compositeTemplates": composites}
    body.update(extra)
    return api.post("/envelopes", json=body)


def envelope_of(api, response):
    assert response.status_code == 201, response.text
    envelope_id = response.json()["envelopeId"]
    documents = api.get(f"/envelopes/{envelope_id}/documents").json()["envelopeDocuments"]
    recipients = api.get(f"/envelopes/{envelope_id}/recipients", params={"include_tabs": "true"})
    return [d for d in documents if d["type"] == "content"], recipients.json()


def test_two_composites_append_documents_and_share_one_recipient(api):
    nda = make_template(api, "NDA", "Client", "Company")
    lease = make_template(api, "Lease", "Tenant", "Address")
    response = create(
        api,
        [
            composite(
                nda,
                who=signer("Client", tabs={"textTabs": [{"tabLabel": "Company", "value": "Acme"}]}),
            ),
            composite(lease, who=signer("Tenant")),
        ],
    )
    documents, recipients = envelope_of(api, response)
    assert [(d["documentId"], d["name"]) for d in documents] == [
        ("1", "NDA.pdf"),
        ("2", "Lease.pdf"),
    ]
    [only] = recipients["signers"]
    assert (only["email"], only["recipientId"]) == ("client@example.com", "1")
    assert recipients["recipientCount"] == "1"
    texts = {t["tabLabel"]: (t["documentId"], t.get("value")) for t in only["tabs"]["textTabs"]}
    assert texts == {"Company": ("1", "Acme"), "Address": ("2", "")} or texts == {
        "Company": ("1", "Acme"),
        "Address": ("2", None),
    }
    assert sorted(t["documentId"] for t in only["tabs"]["signHereTabs"]) == ["1", "2"]


def test_distinct_recipient_ids_are_distinct_recipients(api):
    nda = make_template(api, "NDA", "Client", "Company")
    lease = make_template(api, "Lease", "Tenant", "Address")
    other = {**signer("Tenant", "2"), "email": "tom@example.com", "name": "Tom Tenant"}
    _, recipients = envelope_of(
        api, create(api, [composite(nda, who=signer("Client")), composite(lease, who=other)])
    )
    assert [(s["recipientId"], s["roleName"]) for s in recipients["signers"]] == [
        ("1", "Client"),
        ("2", "Tenant"),
    ]


def test_a_composites_document_replaces_the_templates_documents(api):
    nda = make_template(api, "NDA", "Client", "Company")
    own = {"documentId": "1", "name": "Our contract.pdf", "documentBase64": b64(OWN_PDF)}
    documents, recipients = envelope_of(
        api, create(api, [composite(nda, who=signer("Client"), document=own)])
    )
    assert [d["name"] for d in documents] == ["Our contract.pdf"]
    [only] = recipients["signers"]
    assert only["tabs"]["signHereTabs"][0]["documentId"] == "1"
    envelope = api.get("/envelopes", params={"from_date": "2000-01-01"}).json()
    assert envelope


def test_later_sequence_overrides_and_unmatched_role_is_added(api):
    nda = make_template(api, "NDA", "Client", "Company")
    # The inline template comes first here: the server template's (empty) role is overlaid
    # on it and leaves the given name and email, which the server role does not have.
    body = composite(nda, sequence_server="2", sequence_inline="1", who=signer("client"))
    _, recipients = envelope_of(api, create(api, [body]))
    assert [(s["roleName"], s["email"]) for s in recipients["signers"]] == [
        ("client", "client@example.com")
    ]
    extra = composite(nda, who=signer("Witness", "2", email="w@example.com", name="Wendy"))
    _, recipients = envelope_of(api, create(api, [extra], status="created"))
    # "Client" is not filled (a draft leaves it out); "Witness" matches no role: added.
    assert [(s["roleName"], s["recipientId"]) for s in recipients["signers"]] == [("Witness", "2")]


def test_unknown_template_and_unsupported_parts_are_refused(api):
    nda = make_template(api, "NDA", "Client", "Company")
    unknown = composite("9f1c1f5e-0000-4000-8000-000000000000", who=signer("Client"))
    response = create(api, [unknown])
    assert response.status_code == 400
    assert response.json()["errorCode"] == "TEMPLATE_ID_INVALID"
    pdf_form = {**composite(nda, who=signer("Client")), "pdfMetaDataTemplateSequence": "1"}
    response = create(api, [pdf_form])
    assert response.status_code == 400
    assert "pdfMetaDataTemplateSequence" in response.json()["message"]
    response = create(api, [{"inlineTemplates": [{"recipients": {}}]}])
    assert response.status_code == 400
    assert "sequence" in response.json()["message"]
    assert api.get("/envelopes", params={"from_date": "2000-01-01"}).json().get(
        "resultSetSize"
    ) in (None, "0")


def test_custom_fields_come_from_the_inline_template(api):
    nda = make_template(api, "NDA", "Client", "Company")
    body = composite(nda, who=signer("Client"))
    fields = {"textCustomFields": [{"name": "ref", "value": "A-1", "show": "false"}]}
    body["inlineTemplates"][0]["customFields"] = fields
    response = create(
        api, [body], customFields={"textCustomFields": [{"name": "root", "value": "x"}]}
    )
    assert response.status_code == 201, response.text
    envelope_id = response.json()["envelopeId"]
    got = api.get(f"/envelopes/{envelope_id}/custom_fields").json()
    assert [f["name"] for f in got["textCustomFields"]] == ["ref"]
