"""The calls of DocuSign's Python code examples (docusign/code-examples-python, the `eg0NN`
workers), made here with DocuSign's official SDK against the emulator over https, and what
DocuSign does with them checked: a divergence from DocuSign shows as a failing test.

The drivers are this project's own: they send what each example sends (the same SDK models
and values, numbers included where the examples use numbers, `document_id=1` and
`client_user_id=1000`), with documents made here in place of the examples' demo files.
"""

from __future__ import annotations

import base64
import datetime
import io
import uuid
from typing import Any

import pytest
from pypdf import PdfReader

from local.emulator import make_docx, make_pdf

docusign_esign = pytest.importorskip("docusign_esign")

pytestmark = pytest.mark.integration

# As the examples' constants: an embedded signer's id is the number 1000.
SIGNER_CLIENT_ID = 1000
RETURN_URL = "https://app.example.com/ds/return"
LOREM_PDF = make_pdf("World Wide Corp", ["Lorem ipsum dolor sit amet.", "Signature: /sn1/"])
BATTLE_PLAN_DOCX = make_docx(["Battle plan of Trafalgar", "", "Admiral: /sn1/"])
WELCOME_TXT = b"Welcome to World Wide Corp.\nPlease sign below.\n"


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def envelopes_api(sdk: Any) -> Any:
    return docusign_esign.EnvelopesApi(sdk[0])


def last_create(server: Any) -> dict[str, Any]:
    return next(
        r
        for r in reversed(server.state.requests)
        if r["method"] == "POST" and r["path"].endswith("/envelopes")
    )


def placed_tabs(server: Any, envelope_id: str, kind: str = "signers") -> dict[str, Any]:
    envelope = server.state.envelopes[envelope_id]
    return envelope["recipients"][kind][0]["tabs"]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_eg001_embedded_signing(sdk: Any) -> None:
    from docusign_esign import (
        Document,
        EnvelopeDefinition,
        Recipients,
        RecipientViewRequest,
        Signer,
        SignHere,
        Tabs,
    )

    account_id = sdk[1]
    server = sdk[2]
    signer = Signer(
        email="bo@example.com",
        name="Bo Signer",
        recipient_id="1",
        routing_order="1",
        client_user_id=SIGNER_CLIENT_ID,
        tabs=Tabs(
            sign_here_tabs=[
                SignHere(
                    anchor_string="/sn1/",
                    anchor_units="pixels",
                    anchor_y_offset="10",
                    anchor_x_offset="20",
                )
            ]
        ),
    )
    definition = EnvelopeDefinition(
        email_subject="Please sign this document sent from the Python SDK",
        documents=[
            Document(
                document_base64=b64(LOREM_PDF),
                name="Example document",
                file_extension="pdf",
                document_id=1,
            )
        ],
        recipients=Recipients(signers=[signer]),
        status="sent",
    )
    summary = envelopes_api(sdk).create_envelope(account_id, envelope_definition=definition)
    # DocuSign receives the numbers the example sends, and reads them as text.
    sent = last_create(server)["json"]
    assert sent["documents"][0]["documentId"] == 1
    assert sent["recipients"]["signers"][0]["clientUserId"] == 1000
    [tab] = placed_tabs(server, summary.envelope_id)["signHereTabs"]
    assert (tab["documentId"], tab["pageNumber"]) == ("1", "1")

    view = envelopes_api(sdk).create_recipient_view(
        account_id,
        summary.envelope_id,
        recipient_view_request=RecipientViewRequest(
            authentication_method="None",
            client_user_id=SIGNER_CLIENT_ID,
            recipient_id="1",
            return_url=RETURN_URL,
            user_name="Bo Signer",
            email="bo@example.com",
        ),
    )
    assert view.url.startswith(server.url + "/Signing/")


def test_eg002_signing_via_email_with_html_docx_and_pdf(sdk: Any) -> None:
    from docusign_esign import (
        CarbonCopy,
        Document,
        EnvelopeDefinition,
        Recipients,
        Signer,
        SignHere,
        Tabs,
    )

    account_id = sdk[1]
    server = sdk[2]
    html = (
        "<!DOCTYPE html><html><head><meta charset='UTF-8'></head><body>"
        "<h1>World Wide Corp</h1><h4>Ordered by Bo Signer</h4>"
        "<p>Candy bonbon pastry jujubes lollipop wafer biscuit.</p>"
        "<h3>Agreed: <span style='color:white;'>**signature_1**/</span></h3></body></html>"
    )
    anchors = [
        SignHere(
            anchor_string=text, anchor_units="pixels", anchor_y_offset="10", anchor_x_offset="20"
        )
        for text in ("**signature_1**", "/sn1/")
    ]
    definition = EnvelopeDefinition(
        email_subject="Please sign this document set",
        documents=[
            Document(
                document_base64=b64(html.encode()),
                name="Order acknowledgement",
                file_extension="html",
                document_id="1",
            ),
            Document(
                document_base64=b64(BATTLE_PLAN_DOCX),
                name="Battle Plan",
                file_extension="docx",
                document_id="2",
            ),
            Document(
                document_base64=b64(LOREM_PDF),
                name="Lorem Ipsum",
                file_extension="pdf",
                document_id="3",
            ),
        ],
        recipients=Recipients(
            signers=[
                Signer(
                    email="bo@example.com",
                    name="Bo Signer",
                    recipient_id="1",
                    routing_order="1",
                    tabs=Tabs(sign_here_tabs=anchors),
                )
            ],
            carbon_copies=[
                CarbonCopy(email="cy@example.com", name="Cy", recipient_id="2", routing_order="2")
            ],
        ),
        status="sent",
    )
    summary = envelopes_api(sdk).create_envelope(account_id, envelope_definition=definition)
    # DocuSign converts all three to PDF and places a field at every anchor it finds: the
    # HTML's once, /sn1/ once in the Word document and once in the PDF.
    tabs = placed_tabs(server, summary.envelope_id)["signHereTabs"]
    assert sorted((t["anchorString"], t["documentId"]) for t in tabs) == [
        ("**signature_1**", "1"),
        ("/sn1/", "2"),
        ("/sn1/", "3"),
    ]
    converted = envelopes_api(sdk).get_document(account_id, "2", summary.envelope_id)
    assert "Admiral: /sn1/" in pdf_text(converted)


def test_eg003_to_eg007_list_inspect_and_download(sdk: Any) -> None:
    from docusign_esign import Document, EnvelopeDefinition, Recipients, Signer

    account_id = sdk[1]
    api = envelopes_api(sdk)
    definition = EnvelopeDefinition(
        email_subject="Status please",
        documents=[
            Document(
                document_base64=b64(LOREM_PDF), name="Lorem", file_extension="pdf", document_id=1
            )
        ],
        recipients=Recipients(
            signers=[Signer(email="bo@example.com", name="Bo", recipient_id=1, routing_order=1)]
        ),
        status="sent",
    )
    envelope_id = api.create_envelope(account_id, envelope_definition=definition).envelope_id
    # eg003: the envelopes changed since a date (the example sends a date without a time).
    from_date = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)).strftime(
        "%Y-%m-%d"
    )
    listed = api.list_status_changes(account_id, from_date=from_date)
    assert envelope_id in [e.envelope_id for e in listed.envelopes]
    # eg004, eg005
    assert api.get_envelope(account_id, envelope_id).status == "sent"
    recipients = api.list_recipients(account_id, envelope_id)
    assert [(s.recipient_id, s.status) for s in recipients.signers] == [("1", "sent")]
    # eg006: the example lists the documents and names the certificate
    documents = api.list_documents(account_id, envelope_id)
    assert [(d.document_id, d.type) for d in documents.envelope_documents] == [
        ("1", "content"),
        ("certificate", "summary"),
    ]
    # eg007: each download the example offers
    for document_id in ("1", "combined", "certificate", "portfolio"):
        assert api.get_document(account_id, document_id, envelope_id).startswith(b"%PDF")
    assert api.get_document(account_id, "archive", envelope_id).startswith(b"PK\x03\x04")


def test_eg008_eg009_create_a_template_and_send_from_it(sdk: Any) -> None:
    from docusign_esign import (
        CarbonCopy,
        Checkbox,
        Document,
        EnvelopeDefinition,
        EnvelopeTemplate,
        Numerical,
        Recipients,
        Signer,
        SignHere,
        Tabs,
        TemplateRole,
        TemplatesApi,
    )

    client = sdk[0]
    account_id = sdk[1]
    server = sdk[2]
    signer = Signer(role_name="signer", recipient_id="1", routing_order="1")
    signer.tabs = Tabs(
        sign_here_tabs=[
            SignHere(document_id="1", page_number="1", x_position="191", y_position="148")
        ],
        checkbox_tabs=[
            Checkbox(
                document_id="1",
                page_number="1",
                x_position="75",
                y_position="417",
                tab_label="ckAuthorization",
            )
        ],
        numerical_tabs=[
            Numerical(
                document_id="1",
                validation_type="Currency",
                page_number="1",
                x_position="163",
                y_position="260",
                tab_label="numericalCurrency",
                width="84",
                height="23",
                required="false",
            )
        ],
    )
    template = EnvelopeTemplate(
        name=f"Example Signer and CC template {uuid.uuid4()}",
        description="Example template created via the API",
        email_subject="Please sign this document",
        documents=[
            Document(
                document_base64=b64(LOREM_PDF),
                name="Lorem Ipsum",
                file_extension="pdf",
                document_id=1,
            )
        ],
        recipients=Recipients(
            signers=[signer],
            carbon_copies=[CarbonCopy(role_name="cc", recipient_id="2", routing_order="2")],
        ),
        status="created",
    )
    created = TemplatesApi(client).create_template(account_id, envelope_template=template)
    found = TemplatesApi(client).list_templates(account_id)
    assert created.template_id in [t.template_id for t in found.envelope_templates]

    summary = envelopes_api(sdk).create_envelope(
        account_id,
        envelope_definition=EnvelopeDefinition(
            status="sent",
            template_id=created.template_id,
            template_roles=[
                TemplateRole(email="bo@example.com", name="Bo Signer", role_name="signer"),
                TemplateRole(email="cy@example.com", name="Cy", role_name="cc"),
            ],
        ),
    )
    envelope = server.state.envelopes[summary.envelope_id]
    [bo] = envelope["recipients"]["signers"]
    assert (bo["email"], bo["status"]) == ("bo@example.com", "sent")
    assert [t["tabType"] for t in bo["tabs"]["numericalTabs"]] == ["numerical"]
    assert envelope["recipients"]["carbonCopies"][0]["email"] == "cy@example.com"


def test_eg016_set_tab_values_with_numerical_tabs(sdk: Any) -> None:
    from docusign_esign import (
        CustomFields,
        Document,
        EnvelopeDefinition,
        LocalePolicyTab,
        Numerical,
        Recipients,
        Signer,
        SignHere,
        Tabs,
        Text,
        TextCustomField,
    )

    account_id = sdk[1]
    server = sdk[2]
    salary_docx = make_docx(
        [
            "Salary review",
            "Legal name: /legal/",
            "Familiar name: /familiar/",
            "Salary:",
            "Signature: /sn1/",
        ]
    )
    texts = [
        Text(
            anchor_string=f"/{label}/",
            anchor_units="pixels",
            anchor_y_offset="-9",
            anchor_x_offset="5",
            font="helvetica",
            font_size="size11",
            bold="true",
            value="Bo Signer",
            locked="false",
            tab_id=f"{label}_name",
            tab_label=f"{label.capitalize()} name",
        )
        for label in ("legal", "familiar")
    ]
    salary = Numerical(
        page_number="1",
        document_id="1",
        x_position="210",
        y_position="235",
        validation_type="Currency",
        font="helvetica",
        font_size="size11",
        bold="true",
        locked="false",
        height="23",
        tab_id="salary",
        tab_label="Salary",
        numerical_value="123000",
        locale_policy=LocalePolicyTab(
            culture_name="en-US",
            currency_code="usd",
            currency_positive_format="csym_1_comma_234_comma_567_period_89",
            currency_negative_format="minus_csym_1_comma_234_comma_567_period_89",
            use_long_currency_format="true",
        ),
    )
    signer = Signer(
        email="bo@example.com",
        name="Bo Signer",
        recipient_id="1",
        routing_order="1",
        client_user_id=SIGNER_CLIENT_ID,
        tabs=Tabs(
            sign_here_tabs=[
                SignHere(
                    anchor_string="/sn1/",
                    anchor_units="pixels",
                    anchor_y_offset="10",
                    anchor_x_offset="20",
                )
            ],
            text_tabs=texts,
            numerical_tabs=[salary],
        ),
    )
    definition = EnvelopeDefinition(
        email_subject="Please sign this document sent from the Python SDK",
        documents=[
            Document(
                document_base64=b64(salary_docx),
                name="Lorem Ipsum",
                file_extension="docx",
                document_id=1,
            )
        ],
        recipients=Recipients(signers=[signer]),
        custom_fields=CustomFields(
            text_custom_fields=[
                TextCustomField(name="salary", required="false", show="true", value=str(123000))
            ]
        ),
        status="sent",
    )
    summary = envelopes_api(sdk).create_envelope(account_id, envelope_definition=definition)
    tabs = placed_tabs(server, summary.envelope_id)
    assert [t["tabLabel"] for t in tabs["textTabs"]] == ["Legal name", "Familiar name"]
    assert [t["numericalValue"] for t in tabs["numericalTabs"]] == ["123000"]
    # numericalTabs are DocuSign's: the emulator does not drop them as unknown.
    assert (
        "recipients.signers[0].tabs.numericalTabs" not in last_create(server)["ignoredProperties"]
    )
    listed = envelopes_api(sdk).list_recipients(
        account_id, summary.envelope_id, include_tabs="true"
    )
    assert listed.signers[0].tabs.numerical_tabs[0].numerical_value == "123000"


def test_eg032_eg033_pause_and_unpause_a_signature_workflow(sdk: Any) -> None:
    from docusign_esign import (
        Document,
        EnvelopeDefinition,
        Recipients,
        Signer,
        SignHere,
        Tabs,
    )
    from docusign_esign.models import Workflow, WorkflowStep

    account_id = sdk[1]
    server = sdk[2]
    signers = [
        Signer(
            email=f"s{n}@example.com",
            name=f"Signer {n}",
            recipient_id=str(n),
            routing_order=str(n),
            tabs=Tabs(
                sign_here_tabs=[
                    SignHere(
                        document_id="1",
                        page_number="1",
                        tab_label="Sign Here",
                        x_position=str(100 + 100 * n),
                        y_position="200",
                    )
                ]
            ),
        )
        for n in (1, 2)
    ]
    definition = EnvelopeDefinition(
        email_subject="EnvelopeWorkflowTest",
        documents=[
            Document(
                document_base64=b64(WELCOME_TXT),
                name="Welcome",
                file_extension="txt",
                document_id="1",
            )
        ],
        recipients=Recipients(signers=signers),
        workflow=Workflow(
            workflow_steps=[
                WorkflowStep(action="pause_before", trigger_on_item="routing_order", item_id="2")
            ]
        ),
        status="Sent",
    )
    api = envelopes_api(sdk)
    envelope_id = api.create_envelope(account_id, envelope_definition=definition).envelope_id
    server.state.sign(envelope_id, "1")
    envelope = server.state.envelopes[envelope_id]
    assert envelope["recipients"]["signers"][1]["status"] == "created"
    assert api.get_envelope_workflow_definition(account_id, envelope_id).workflow_status == "paused"

    # eg033 unpauses with Envelopes:update, as DocuSign's how-to does.
    api.update(
        account_id,
        envelope_id,
        envelope=EnvelopeDefinition(workflow=Workflow(workflow_status="in_progress")),
        resend_envelope=True,
    )
    assert envelope["recipients"]["signers"][1]["status"] == "sent"
    assert (
        api.get_envelope_workflow_definition(account_id, envelope_id).workflow_status
        == "in_progress"
    )


def test_eg035_scheduled_sending_and_eg036_delayed_routing(sdk: Any) -> None:
    from docusign_esign import (
        DelayedRouting,
        Document,
        EnvelopeDefinition,
        EnvelopeDelayRule,
        Recipients,
        ScheduledSending,
        Signer,
        SignHere,
        Tabs,
        Workflow,
        WorkflowStep,
    )

    account_id = sdk[1]
    server = sdk[2]
    api = envelopes_api(sdk)

    def definition(workflow: Any, signers: int) -> Any:
        return EnvelopeDefinition(
            email_subject="Please sign this document",
            documents=[
                Document(
                    document_base64=b64(LOREM_PDF),
                    name="Lorem Ipsum",
                    file_extension="pdf",
                    document_id="1",
                )
            ],
            recipients=Recipients(
                signers=[
                    Signer(
                        email=f"s{n}@example.com",
                        name=f"Signer {n}",
                        recipient_id=str(n),
                        routing_order=str(n),
                        tabs=Tabs(
                            sign_here_tabs=[
                                SignHere(
                                    anchor_string="/sn1/",
                                    anchor_units="pixels",
                                    anchor_y_offset="10",
                                    anchor_x_offset="20",
                                )
                            ]
                        ),
                    )
                    for n in range(1, signers + 1)
                ]
            ),
            workflow=workflow,
            status="sent",
        )

    tomorrow = (server.state.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    scheduled = Workflow(
        scheduled_sending=ScheduledSending(
            rules=[EnvelopeDelayRule(resume_date=tomorrow + "T00:00:00.000Z")]
        )
    )
    scheduled_id = api.create_envelope(
        account_id, envelope_definition=definition(scheduled, 1)
    ).envelope_id
    assert server.state.envelopes[scheduled_id]["recipients"]["signers"][0]["status"] == "created"
    workflow = api.get_envelope_workflow_definition(account_id, scheduled_id)
    assert workflow.scheduled_sending.status == "started"

    step = WorkflowStep(
        action="pause_before",
        trigger_on_item="routing_order",
        item_id="2",
        delayed_routing=DelayedRouting(rules=[EnvelopeDelayRule(delay="0.1:00:00")]),
    )
    delayed_id = api.create_envelope(
        account_id, envelope_definition=definition(Workflow(workflow_steps=[step]), 2)
    ).envelope_id
    server.state.sign(delayed_id, "1")
    delayed = server.state.envelopes[delayed_id]
    assert delayed["recipients"]["signers"][1]["status"] == "created"
    routing = api.get_envelope_workflow_definition(account_id, delayed_id).workflow_steps[0]
    assert routing.delayed_routing.status == "started"


def test_eg039_in_person_signing(sdk: Any) -> None:
    from docusign_esign import (
        Document,
        EnvelopeDefinition,
        InPersonSigner,
        Recipients,
        RecipientViewRequest,
        SignHere,
        Tabs,
    )

    account_id = sdk[1]
    server = sdk[2]
    # The host is the sending user (the example takes the session's user name and e-mail).
    host_name, host_email = "Ana Sender", "ana.sender@example.com"
    signer = InPersonSigner(
        host_name=host_name,
        host_email=host_email,
        signer_name="Walk-in Customer",
        recipient_id="1",
        routing_order="1",
        tabs=Tabs(
            sign_here_tabs=[
                SignHere(
                    anchor_string="/sn1/",
                    anchor_units="pixels",
                    anchor_y_offset="10",
                    anchor_x_offset="20",
                )
            ]
        ),
    )
    definition = EnvelopeDefinition(
        email_subject="Please host this in-person signing session",
        documents=[
            Document(
                document_base64=b64(LOREM_PDF),
                name="Example document",
                file_extension="pdf",
                document_id=1,
            )
        ],
        recipients=Recipients(in_person_signers=[signer]),
        status="sent",
    )
    api = envelopes_api(sdk)
    envelope_id = api.create_envelope(account_id, envelope_definition=definition).envelope_id
    view = api.create_recipient_view(
        account_id,
        envelope_id,
        recipient_view_request=RecipientViewRequest(
            authentication_method="None",
            recipient_id="1",
            return_url=RETURN_URL,
            user_name=host_name,
            email=host_email,
        ),
    )
    assert view.url.startswith(server.url + "/Signing/")


def test_eg040_document_visibility(sdk: Any) -> None:
    from docusign_esign import (
        CarbonCopy,
        Document,
        EnvelopeDefinition,
        Recipients,
        Signer,
        SignHere,
        Tabs,
    )

    account_id = sdk[1]
    html = b"<html><body><h3>Agreed: <span>**signature_1**/</span></h3></body></html>"
    definition = EnvelopeDefinition(
        email_subject="Please sign this document set",
        enforce_signer_visibility="true",
        documents=[
            Document(
                document_base64=b64(html),
                name="Order acknowledgement",
                file_extension="html",
                document_id="1",
            ),
            Document(
                document_base64=b64(BATTLE_PLAN_DOCX),
                name="Battle Plan",
                file_extension="docx",
                document_id="2",
            ),
            Document(
                document_base64=b64(LOREM_PDF),
                name="Lorem Ipsum",
                file_extension="pdf",
                document_id="3",
            ),
        ],
        recipients=Recipients(
            signers=[
                Signer(
                    email="s1@example.com",
                    name="Signer 1",
                    excluded_documents=["2", "3"],
                    recipient_id="1",
                    routing_order="1",
                    role_name="Signer1",
                    tabs=Tabs(
                        sign_here_tabs=[
                            SignHere(
                                document_id="1",
                                page_number="1",
                                name="Signer1",
                                anchor_string="**signature_1**",
                                anchor_units="pixels",
                                anchor_y_offset="10",
                                anchor_x_offset="20",
                            )
                        ]
                    ),
                ),
                Signer(
                    email="s2@example.com",
                    name="Signer 2",
                    excluded_documents=["1"],
                    recipient_id="2",
                    routing_order="1",
                    role_name="Signer2",
                    tabs=Tabs(
                        sign_here_tabs=[
                            SignHere(
                                document_id="2",
                                anchor_string="/sn1/",
                                anchor_units="pixels",
                                anchor_y_offset="10",
                                anchor_x_offset="20",
                            )
                        ]
                    ),
                ),
            ],
            carbon_copies=[
                CarbonCopy(email="cc@example.com", name="Cc", recipient_id="3", routing_order="2")
            ],
        ),
        status="sent",
    )
    api = envelopes_api(sdk)
    envelope_id = api.create_envelope(account_id, envelope_definition=definition).envelope_id
    seen = {
        recipient: [
            d.document_id
            for d in api.list_documents(
                account_id, envelope_id, recipient_id=recipient
            ).envelope_documents
        ]
        for recipient in ("1", "2", "3")
    }
    assert seen == {
        "1": ["1", "certificate"],
        "2": ["2", "3", "certificate"],
        "3": ["1", "2", "3", "certificate"],
    }


def test_eg023_and_eg029_account_ids_an_envelope_names(sdk: Any) -> None:
    from docusign_esign import (
        AccountsApi,
        Brand,
        Document,
        EnvelopeDefinition,
        Recipients,
        Signer,
    )
    from docusign_esign.client.api_exception import ApiException

    client = sdk[0]
    account_id = sdk[1]
    accounts = AccountsApi(client)
    # eg023 looks for the account's "DocuSign ID Verification" workflow: this account has only
    # Phone Authentication (as DocuSign's developer environment: ID verification is off there).
    workflows = accounts.get_account_identity_verification(account_id).identity_verification
    assert [w.default_name for w in workflows] == ["Phone Authentication"]

    def definition(**extra: Any) -> Any:
        return EnvelopeDefinition(
            email_subject="Please Sign",
            documents=[
                Document(
                    document_base64=b64(LOREM_PDF),
                    name="lorem",
                    file_extension="pdf",
                    document_id=1,
                )
            ],
            recipients=Recipients(
                signers=[
                    Signer(
                        email="bo@example.com",
                        name="Bo",
                        recipient_id="1",
                        routing_order="1",
                        identity_verification=extra.pop("identity_verification", None),
                    )
                ]
            ),
            status="sent",
            **extra,
        )

    with pytest.raises(ApiException) as refused:
        envelopes_api(sdk).create_envelope(
            account_id,
            envelope_definition=definition(
                identity_verification={"workflowId": str(uuid.uuid4()), "steps": "null"}
            ),
        )
    assert refused.value.status == 400
    assert b"IDENTITY_WORKFLOW_INVALID_ID" in refused.value.body

    # eg028 creates a brand, eg029 sends with it; an id the account lacks is refused.
    brand = accounts.create_brand(
        account_id,
        brand=Brand(brand_name=f"Acme {uuid.uuid4()}", default_brand_language="en"),
    ).brands[0]
    assert brand.brand_id in [b.brand_id for b in accounts.list_brands(account_id).brands]
    summary = envelopes_api(sdk).create_envelope(
        account_id, envelope_definition=definition(brand_id=brand.brand_id)
    )
    assert envelopes_api(sdk).get_envelope(account_id, summary.envelope_id).brand_id == (
        brand.brand_id
    )
    with pytest.raises(ApiException) as unknown:
        envelopes_api(sdk).create_envelope(
            account_id, envelope_definition=definition(brand_id=str(uuid.uuid4()))
        )
    assert unknown.value.status == 400 and b"brandId" in unknown.value.body
