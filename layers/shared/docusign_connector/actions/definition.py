"""From the connector's send request to DocuSign's `envelopeDefinition`.

DocuSign types nearly every scalar as a string, so numbers and booleans are sent as strings
("routingOrder": "1", "reminderEnabled": "true").
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest
from ..models.requests import SendEnvelopeRequest
from .authentication import AccountWorkflows, recipient_authentication
from .composite import composite_templates
from .tabs import email_notification, recipient_extras


@dataclass(frozen=True)
class PreparedDocument:
    name: str
    file_extension: str


def routing_orders(orders: list[int | None]) -> list[int]:
    """Signing order as BPM connectors define it.

    Signers with an order > 0 receive the envelope in ascending order (equal orders in
    parallel); signers with no order (or 0) receive it together after all ordered ones; when
    nobody has an order, everyone receives it at once.
    """
    given = [o for o in orders if o]
    if not given:
        return [1] * len(orders)
    after_all = max(given) + 1
    return [o if o else after_all for o in orders]


def file_extension(name: str, fallback_name: str | None, head: bytes | None) -> str:
    for candidate in (name, fallback_name or ""):
        ext = posixpath.splitext(candidate)[1].lstrip(".").lower()
        if ext and ext.isalnum() and len(ext) <= 10:
            return ext
    if head is not None and b"%PDF-" in head[:1024]:
        return "pdf"
    raise BadRequest(
        f"document {name!r} has no file extension and is not a PDF; name it with its "
        "extension (e.g. contract.docx) so DocuSign can convert it",
        code="DOCUMENT_EXTENSION_REQUIRED",
    )


# DocuSign's system defaults (what it applies without a notification block): no reminders,
# expiry after 120 days, no warning. Sent for the half a caller leaves out, so that the outcome
# does not rest on what DocuSign does with a partial block (it does not say).
SYSTEM_REMINDERS = {"reminderEnabled": "false", "reminderDelay": "0", "reminderFrequency": "0"}
SYSTEM_EXPIRATIONS = {"expireEnabled": "true", "expireAfter": "120", "expireWarn": "0"}


def notification(request: SendEnvelopeRequest) -> dict[str, Any] | None:
    """DocuSign's `notification` block. Neither reminders nor expiration asked for: the
    account's own settings (`useAccountDefaults`; without a block DocuSign would apply its
    system defaults instead), or, from a template, no block, so the template's settings apply.
    Either asked for: both halves stated, the missing one as the system default."""
    if request.expiration is None and request.reminders is None:
        templates = request.template_id or request.templates
        return None if templates else {"useAccountDefaults": "true"}
    reminders_block = dict(SYSTEM_REMINDERS)
    if request.reminders is not None:
        reminders = request.reminders
        reminders_block = (
            {
                "reminderEnabled": "true",
                "reminderDelay": str(reminders.first_reminder_days or 0),
                "reminderFrequency": str(reminders.interval_days or 0),
            }
            if reminders.enabled
            else {"reminderEnabled": "false"}
        )
    expirations_block = dict(SYSTEM_EXPIRATIONS)
    if request.expiration is not None:
        expiration = request.expiration
        expirations_block = (
            {
                "expireEnabled": "true",
                "expireAfter": str(expiration.validity_days),
                "expireWarn": str(expiration.notice_days_before or 0),
            }
            # DocuSign has no "never expires": expireEnabled "false" means the account's
            # default expiration.
            if expiration.enabled
            else {"expireEnabled": "false"}
        )
    return {
        "useAccountDefaults": "false",
        "reminders": reminders_block,
        "expirations": expirations_block,
    }


def envelope_definition(
    request: SendEnvelopeRequest,
    documents: list[PreparedDocument],
    transaction_id: str | None,
    template_tabs: dict[str, dict[str, Any]] | None = None,
    workflows: AccountWorkflows | None = None,
    role_tabs: list[tuple[dict[str, dict[str, Any]], dict[str, str]]] | None = None,
) -> dict[str, Any]:
    """The JSON DocuSign receives, without the documents' bytes (streamed in later).
    `template_tabs` holds the prefilled tabs of each template role, by role name;
    `workflows` the account's ID verification workflows, when an authentication needs them;
    `role_tabs` the prefilled tabs and recipient groups of the roles of each of `templates`
    (actions.composite)."""
    definition: dict[str, Any] = {
        "emailSubject": request.email_subject,
        "status": request.status,
    }
    if request.email_blurb:
        definition["emailBlurb"] = request.email_blurb
    if request.templates:
        definition["compositeTemplates"] = composite_templates(
            request,
            [doc.file_extension for doc in documents],
            role_tabs or [({}, {}) for _ in request.templates],
            workflows,
            routing_orders,
        )
    elif request.template_id:
        definition["templateId"] = request.template_id
        orders = routing_orders([r.signing_order for r in request.template_roles])
        definition["templateRoles"] = [
            {
                "roleName": role.role_name,
                "name": role.name,
                "email": role.email,
                "routingOrder": str(order),
                # A role takes an access code only (models.requests.TemplateRole).
                **recipient_authentication(role.authentication, None),
                **email_notification(role.email_notification),
                **(
                    {"tabs": template_tabs[role.role_name]}
                    if template_tabs and template_tabs.get(role.role_name)
                    else {}
                ),
            }
            for role, order in zip(request.template_roles, orders, strict=True)
        ]
    else:
        definition["documents"] = [
            {
                "documentId": str(index),
                "name": doc.name,
                "fileExtension": doc.file_extension,
            }
            for index, doc in enumerate(documents, start=1)
        ]
        # In-person signers take their turn in the signing order like any signer.
        orders = routing_orders(
            [s.signing_order for s in request.signers]
            + [p.signing_order for p in request.in_person_signers]
        )
        signers = [
            {
                "email": signer.email,
                "name": signer.name,
                "recipientId": str(index),
                "routingOrder": str(order),
                **({"clientUserId": signer.client_user_id} if signer.client_user_id else {}),
                **recipient_extras(
                    signer.fields,
                    recipient_authentication(signer.authentication, workflows),
                    signer.email_notification,
                    f"signers[{index - 1}]",
                ),
            }
            for index, (signer, order) in enumerate(
                zip(request.signers, orders[: len(request.signers)], strict=True), start=1
            )
        ]
        in_person = [
            {
                "hostName": person.host_name,
                "hostEmail": person.host_email,
                "signerName": person.signer_name,
                **({"signerEmail": person.signer_email} if person.signer_email else {}),
                "recipientId": str(index),
                "routingOrder": str(order),
                **recipient_extras(
                    person.fields,
                    {},
                    person.email_notification,
                    f"inPersonSigners[{index - len(signers) - 1}]",
                ),
            }
            for index, (person, order) in enumerate(
                zip(request.in_person_signers, orders[len(signers) :], strict=True),
                start=len(signers) + 1,
            )
        ]
        first_cc_id = len(signers) + len(in_person) + 1
        carbon_copies = [
            {
                "email": cc.email,
                "name": cc.name,
                "recipientId": str(index),
                # A CC without an order of its own is copied as soon as the envelope is sent.
                "routingOrder": str(cc.signing_order or 1),
                **email_notification(cc.email_notification),
            }
            for index, cc in enumerate(request.carbon_copies, start=first_cc_id)
        ]
        certified = [
            {
                "email": viewer.email,
                "name": viewer.name,
                "recipientId": str(index),
                # Like a CC: without an order of its own it receives the envelope at once.
                "routingOrder": str(viewer.signing_order or 1),
                **email_notification(viewer.email_notification),
            }
            for index, viewer in enumerate(
                request.certified_deliveries, start=first_cc_id + len(carbon_copies)
            )
        ]
        recipients: dict[str, Any] = {"signers": signers}
        if in_person:
            recipients["inPersonSigners"] = in_person
        if carbon_copies:
            recipients["carbonCopies"] = carbon_copies
        if certified:
            recipients["certifiedDeliveries"] = certified
        definition["recipients"] = recipients
    block = notification(request)
    if block is not None:
        definition["notification"] = block
    if request.custom_fields and not request.templates:
        definition["customFields"] = {
            "textCustomFields": [
                {"name": key, "value": value, "show": "false", "required": "false"}
                for key, value in request.custom_fields.items()
            ]
        }
    if transaction_id:
        definition["transactionId"] = transaction_id
    return definition
