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
    assert texts["Company"] == ("1", "Acme")
    assert texts["Address"][0] == "2" and not texts["Address"][1]
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


def test_unknown_template_and_unsupported_parts_are_refused(api, emulator):
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
    assert emulator.state.envelopes == {}


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


def test_eg013_embedded_signing_from_a_template_with_an_added_document(sdk):
    """DocuSign's code example eg013, with the official SDK: the template's documents and the
    added HTML document in one envelope, signed by one embedded signer."""
    from docusign_esign import (
        CarbonCopy,
        CompositeTemplate,
        Document,
        EnvelopeDefinition,
        EnvelopesApi,
        EnvelopeTemplate,
        InlineTemplate,
        Recipients,
        RecipientViewRequest,
        ServerTemplate,
        Signer,
        SignHere,
        Tabs,
        TemplatesApi,
    )

    client, account_id, server = sdk[0], sdk[1], sdk[2]
    role = Signer(role_name="signer", recipient_id="1", routing_order="1")
    role.tabs = Tabs(
        sign_here_tabs=[
            SignHere(document_id="1", page_number="1", x_position="191", y_position="148")
        ]
    )
    template = EnvelopeTemplate(
        name="Example Signer and CC template",
        email_subject="Please sign this document",
        documents=[
            Document(
                document_base64=b64(SAMPLE_PDF),
                name="Lorem Ipsum",
                file_extension="pdf",
                document_id=1,
            )
        ],
        recipients=Recipients(
            signers=[role],
            carbon_copies=[CarbonCopy(role_name="cc", recipient_id="2", routing_order="2")],
        ),
        status="created",
    )
    template_id = (
        TemplatesApi(client).create_template(account_id, envelope_template=template).template_id
    )
    signer1 = Signer(
        email="bo@example.com",
        name="Bo Signer",
        role_name="signer",
        recipient_id="1",
        client_user_id=1000,
    )
    cc1 = CarbonCopy(email="cy@example.com", name="Cy Copy", role_name="cc", recipient_id="2")
    first = CompositeTemplate(
        composite_template_id="1",
        server_templates=[ServerTemplate(sequence="1", template_id=template_id)],
        inline_templates=[
            InlineTemplate(
                sequence="2", recipients=Recipients(carbon_copies=[cc1], signers=[signer1])
            )
        ],
    )
    added_signer = Signer(
        email="bo@example.com",
        name="Bo Signer",
        role_name="signer",
        recipient_id="1",
        client_user_id=1000,
        tabs=Tabs(
            sign_here_tabs=[
                SignHere(
                    anchor_string="**signature_1**",
                    anchor_y_offset="10",
                    anchor_units="pixels",
                    anchor_x_offset="20",
                )
            ]
        ),
    )
    html = b"<html><body><h1>World Wide Corp</h1><h3>Agreed: **signature_1**/</h3></body></html>"
    second = CompositeTemplate(
        composite_template_id="2",
        inline_templates=[
            InlineTemplate(
                sequence="1", recipients=Recipients(carbon_copies=[cc1], signers=[added_signer])
            )
        ],
        document=Document(
            document_base64=b64(html),
            name="Appendix 1--Sales order",
            file_extension="html",
            document_id="1",
        ),
    )
    envelopes = EnvelopesApi(client)
    summary = envelopes.create_envelope(
        account_id,
        envelope_definition=EnvelopeDefinition(status="sent", composite_templates=[first, second]),
    )
    envelope = server.state.envelopes[summary.envelope_id]
    assert [(d["documentId"], d["name"]) for d in envelope["documents"]] == [
        ("1", "Lorem Ipsum"),
        ("2", "Appendix 1--Sales order"),
    ]
    [bo] = envelope["recipients"]["signers"]
    assert (bo["recipientId"], bo["clientUserId"], bo["status"]) == ("1", "1000", "sent")
    assert sorted(t["documentId"] for t in bo["tabs"]["signHereTabs"]) == ["1", "2"]
    [cy] = envelope["recipients"]["carbonCopies"]
    assert (cy["email"], cy["routingOrder"]) == ("cy@example.com", "2")
    view = envelopes.create_recipient_view(
        account_id,
        summary.envelope_id,
        recipient_view_request=RecipientViewRequest(
            authentication_method="None",
            client_user_id="1000",
            recipient_id="1",
            return_url="https://app.example.com/ds/return",
            user_name="Bo Signer",
            email="bo@example.com",
        ),
    )
    assert view.url
