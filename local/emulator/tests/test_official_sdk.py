"""DocuSign's official Python SDK (`docusign-esign`) against the emulator, over https as the
SDK requires: the emulator's answers must fit the SDK's models and its calls the emulator's
routes, for the life of an envelope (JWT Grant, userinfo, create, read, recipients, status
changes, documents, views, templates, void) and for DocuSign's error body."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
import requests

from local.emulator.tests.helpers import SAMPLE_PDF, b64

docusign_esign = pytest.importorskip("docusign_esign")


def envelope_definition(**overrides: Any) -> Any:
    from docusign_esign import (
        CustomFields,
        Document,
        EnvelopeDefinition,
        Recipients,
        Signer,
        SignHere,
        Tabs,
        TextCustomField,
    )

    signer = Signer(
        email="bo@example.com",
        name="Bo Signer",
        recipient_id="1",
        routing_order="1",
        client_user_id="bo-1",
        tabs=Tabs(
            sign_here_tabs=[
                SignHere(document_id="1", page_number="1", x_position="100", y_position="600")
            ]
        ),
    )
    values: dict[str, Any] = {
        "email_subject": "Please sign the NDA",
        "documents": [
            Document(
                document_base64=b64(SAMPLE_PDF), name="NDA", file_extension="pdf", document_id="1"
            )
        ],
        "recipients": Recipients(signers=[signer]),
        "custom_fields": CustomFields(
            text_custom_fields=[TextCustomField(name="caseId", value="C-1", show="true")]
        ),
        "status": "sent",
    }
    values.update(overrides)
    return EnvelopeDefinition(**values)


def test_an_envelope_s_life_through_the_sdk(sdk: Any) -> None:
    from docusign_esign import Envelope, EnvelopesApi, RecipientViewRequest

    client, account_id, server, cert = sdk
    envelopes = EnvelopesApi(client)
    started = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)).isoformat()

    summary = envelopes.create_envelope(account_id, envelope_definition=envelope_definition())
    assert summary.status == "sent" and uuid.UUID(summary.envelope_id)
    envelope_id = summary.envelope_id

    envelope = envelopes.get_envelope(account_id, envelope_id, include="recipients,custom_fields")
    assert (envelope.envelope_id, envelope.status) == (envelope_id, "sent")
    assert envelope.email_subject == "Please sign the NDA"
    assert envelope.recipients.signers[0].email == "bo@example.com"
    assert envelope.custom_fields.text_custom_fields[0].value == "C-1"

    recipients = envelopes.list_recipients(account_id, envelope_id, include_tabs="true")
    [signer] = recipients.signers
    assert signer.status == "sent" and signer.tabs.sign_here_tabs[0].page_number == "1"

    changes = envelopes.list_status_changes(account_id, from_date=started)
    assert envelope_id in [e.envelope_id for e in changes.envelopes]
    assert int(changes.result_set_size) >= 1

    view = envelopes.create_recipient_view(
        account_id,
        envelope_id,
        recipient_view_request=RecipientViewRequest(
            authentication_method="none",
            client_user_id="bo-1",
            email="bo@example.com",
            user_name="Bo Signer",
            return_url="https://workflow.example.com/back",
        ),
    )
    assert view.url.startswith(server.url)

    listed = envelopes.list_documents(account_id, envelope_id)
    assert [d.document_id for d in listed.envelope_documents] == ["1", "certificate"]
    # The SDK hands a downloaded document back as the response's bytes.
    document = envelopes.get_document(account_id, "1", envelope_id)
    assert document.startswith(b"%PDF") and document.rstrip().endswith(b"%%EOF")

    complete = requests.post(
        f"{server.url}/_emulator/envelopes/{envelope_id}/complete",
        verify=str(cert),
        timeout=10,
    )
    assert complete.status_code == 200, complete.text
    done = envelopes.get_envelope(account_id, envelope_id)
    assert done.status == "completed" and done.completed_date_time
    form = envelopes.get_form_data(account_id, envelope_id)
    assert form.envelope_id == envelope_id

    # Voiding a completed envelope is DocuSign's error, in the SDK's ApiException.
    from docusign_esign.client.api_exception import ApiException

    with pytest.raises(ApiException) as refused:
        envelopes.update(
            account_id,
            envelope_id,
            envelope=Envelope(status="voided", voided_reason="changed our mind"),
        )
    assert refused.value.status == 400
    assert b"ENVELOPE_CANNOT_VOID_INVALID_STATE" in refused.value.body


def test_void_and_draft_through_the_sdk(sdk: Any) -> None:
    from docusign_esign import Envelope, EnvelopesApi

    client, account_id, _, _ = sdk
    envelopes = EnvelopesApi(client)
    draft = envelopes.create_envelope(
        account_id, envelope_definition=envelope_definition(status="created")
    )
    assert draft.status == "created"
    sent = envelopes.create_envelope(account_id, envelope_definition=envelope_definition())
    answer = envelopes.update(
        account_id,
        sent.envelope_id,
        envelope=Envelope(status="voided", voided_reason="sent by mistake"),
    )
    assert answer.envelope_id == sent.envelope_id
    voided = envelopes.get_envelope(account_id, sent.envelope_id)
    assert (voided.status, voided.voided_reason) == ("voided", "sent by mistake")


def test_templates_through_the_sdk(sdk: Any) -> None:
    from docusign_esign import (
        Document,
        EnvelopeDefinition,
        EnvelopesApi,
        EnvelopeTemplate,
        Recipients,
        Signer,
        TemplateRole,
        TemplatesApi,
    )

    client, account_id, _, _ = sdk
    templates = TemplatesApi(client)
    created = templates.create_template(
        account_id,
        envelope_template=EnvelopeTemplate(
            name="Standard NDA",
            email_subject="Please sign our NDA",
            documents=[
                Document(
                    document_base64=b64(SAMPLE_PDF),
                    name="NDA",
                    file_extension="pdf",
                    document_id="1",
                )
            ],
            recipients=Recipients(
                signers=[Signer(role_name="Client", recipient_id="1", routing_order="1")]
            ),
        ),
    )
    template_id = created.template_id
    listed = templates.list_templates(account_id)
    assert template_id in [t.template_id for t in listed.envelope_templates]
    template = templates.get(account_id, template_id)
    assert template.recipients.signers[0].role_name == "Client"

    summary = EnvelopesApi(client).create_envelope(
        account_id,
        envelope_definition=EnvelopeDefinition(
            template_id=template_id,
            template_roles=[
                TemplateRole(
                    role_name="Client", email="cy@example.com", name="Cy", access_code="4711"
                )
            ],
            status="sent",
        ),
    )
    envelope = EnvelopesApi(client).get_envelope(
        account_id, summary.envelope_id, include="recipients"
    )
    assert envelope.recipients.signers[0].email == "cy@example.com"


def test_docusign_s_error_body_reaches_the_sdk(sdk: Any) -> None:
    from docusign_esign import EnvelopesApi
    from docusign_esign.client.api_exception import ApiException

    client, account_id, _, _ = sdk
    with pytest.raises(ApiException) as refused:
        EnvelopesApi(client).create_envelope(
            account_id, envelope_definition=envelope_definition(email_subject=None)
        )
    assert refused.value.status == 400
    assert b'"errorCode"' in refused.value.body and b'"message"' in refused.value.body
    with pytest.raises(ApiException) as missing:
        EnvelopesApi(client).get_envelope(account_id, str(uuid.uuid4()))
    assert missing.value.status in (400, 404)


def test_after_the_send_through_the_sdk(sdk: Any) -> None:
    """What the connector does after a send, made with the SDK's calls: correct a recipient,
    resend, read the notification settings, custom fields and audit events, download the
    combined PDF and the archive, a sender view of a draft, and paging status changes."""
    import io
    import zipfile

    from docusign_esign import (
        Envelope,
        EnvelopesApi,
        EnvelopeViewRequest,
        Recipients,
        Signer,
    )

    client, account_id, server, _ = sdk
    envelopes = EnvelopesApi(client)
    started = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)).isoformat()
    envelope_id = envelopes.create_envelope(
        account_id, envelope_definition=envelope_definition()
    ).envelope_id

    corrected = envelopes.update_recipients(
        account_id,
        envelope_id,
        recipients=Recipients(
            signers=[Signer(recipient_id="1", email="bo.new@example.com", name="Bo Signer")]
        ),
        resend_envelope="true",
    )
    assert corrected.recipient_update_results[0].recipient_id == "1"
    recipients = envelopes.list_recipients(account_id, envelope_id)
    assert recipients.signers[0].email == "bo.new@example.com"

    resent = envelopes.update(account_id, envelope_id, resend_envelope="true", envelope=Envelope())
    assert resent.envelope_id == envelope_id

    notification = envelopes.get_notification_settings(account_id, envelope_id)
    assert notification.reminders is not None and notification.expirations is not None
    fields = envelopes.list_custom_fields(account_id, envelope_id)
    assert [(f.name, f.value) for f in fields.text_custom_fields] == [("caseId", "C-1")]
    audit = envelopes.list_audit_events(account_id, envelope_id)
    assert audit.audit_events and audit.audit_events[0].event_fields

    combined = envelopes.get_document(account_id, "combined", envelope_id)
    assert combined.startswith(b"%PDF")
    archive = envelopes.get_document(account_id, "archive", envelope_id)
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        assert any(name.lower().endswith(".pdf") for name in bundle.namelist())

    draft_id = envelopes.create_envelope(
        account_id, envelope_definition=envelope_definition(status="created")
    ).envelope_id
    view = envelopes.create_sender_view(
        account_id,
        draft_id,
        envelope_view_request=EnvelopeViewRequest(return_url="https://workflow.example.com/sent"),
    )
    assert view.url.startswith(server.url)

    first = envelopes.list_status_changes(account_id, from_date=started, count="1")
    assert len(first.envelopes) == 1 and int(first.total_set_size) >= 2
    second = envelopes.list_status_changes(
        account_id, from_date=started, count="1", start_position="1"
    )
    assert second.envelopes[0].envelope_id != first.envelopes[0].envelope_id


def test_connect_and_account_settings_through_the_sdk(sdk: Any) -> None:
    from docusign_esign import AccountsApi, ConnectApi, ConnectCustomConfiguration

    client, account_id, server, cert = sdk
    # DocuSign signs Connect messages only once the account has an HMAC key (Settings >
    # Connect > Connect Keys): the emulator's control route stands for that screen.
    keys = requests.post(
        f"{server.url}/_emulator/connect/keys",
        json={"accountId": account_id, "keys": ["hmac-key-1"]},
        verify=str(cert),
        timeout=10,
    )
    assert keys.status_code == 200, keys.text
    connect = ConnectApi(client)
    created = connect.create_configuration(
        account_id,
        connect_custom_configuration=ConnectCustomConfiguration(
            name="connector",
            url_to_publish_to="https://hooks.example.com/docusign",
            configuration_type="custom",
            allow_envelope_publish="true",
            event_data={"version": "restv2.1", "format": "json"},
            events=["envelope-sent", "envelope-completed"],
            include_hmac="true",
            all_users="true",
            delivery_mode="SIM",
        ),
    )
    listed = connect.list_configurations(account_id)
    assert created.connect_id in [c.connect_id for c in listed.configurations]
    mine = next(c for c in listed.configurations if c.connect_id == created.connect_id)
    assert mine.url_to_publish_to == "https://hooks.example.com/docusign"
    assert mine.include_hmac == "true"
    assert set(mine.events) == {"envelope-sent", "envelope-completed"}

    settings = AccountsApi(client).list_settings(account_id)
    assert settings.allow_envelope_custom_fields is not None
