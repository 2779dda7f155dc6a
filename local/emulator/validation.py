"""DocuSign's rules for an `envelopeDefinition` (createEnvelope), stated in prose in its API
reference rather than in the schema, and the conversion of a valid definition into an
envelope record."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from . import schema
from .composite import apply_composite_templates, inline_custom_fields
from .conversion import convert
from .docgen_fields import own_copy
from .errors import DocuSignError, invalid_parameter, invalid_request_body
from .state import NOTIFY_ONLY_KINDS, RECIPIENT_KINDS, new_guid
from .tabs import merge_prefill, place_tabs
from .workflow import check_workflow

MAX_REQUEST_BYTES = 35_651_584
MAX_EMAIL_SUBJECT = 100
MAX_EMAIL_BLURB = 10_000
MAX_RECIPIENT_NAME = 100
MAX_RECIPIENT_EMAIL = 100
MAX_RECIPIENTS = 100
MAX_CUSTOM_FIELD_TEXT = 100

# Recipient kinds that are reached by email, so need a name and an email address.
NAMED_KINDS = frozenset(
    {
        "signers",
        "carbonCopies",
        "certifiedDeliveries",
        "agents",
        "editors",
        "intermediaries",
        "witnesses",
    }
)

# DocuSign's system defaults, applied when a create has no `notification` block: no
# reminders, no expiration warning, expiry after 120 days. A new account's own settings are the
# same until an administrator changes them (`state.set_account_notification`).
SYSTEM_DEFAULT_REMINDERS = {
    "reminderEnabled": "false",
    "reminderDelay": "0",
    "reminderFrequency": "0",
}
SYSTEM_DEFAULT_EXPIRATIONS = {"expireEnabled": "true", "expireAfter": "120", "expireWarn": "0"}


# Deliberately simple: one @, no spaces, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_INCOMPLETE = DocuSignError(
    400,
    "ENVELOPE_IS_INCOMPLETE",
    "The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, "
    "Tabs, and a Subject Line.",
)


def _is_true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def _check_documents(definition: dict[str, Any]) -> list[dict[str, Any]]:
    documents = definition.get("documents") or []
    if not isinstance(documents, list):
        raise invalid_request_body("'documents' must be a JSON array.")
    seen: set[str] = set()
    records = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            raise invalid_request_body(f"documents[{index}] must be a JSON object.")
        document_id = document.get("documentId")
        if not document_id:
            raise invalid_parameter(f"documents[{index}] has no 'documentId'.")
        if not str(document_id).isdigit() or int(document_id) < 1:
            raise invalid_parameter(
                f"Document id '{document_id}' is invalid: it must be a positive integer."
            )
        if document_id in seen:
            raise invalid_parameter(f"Document id '{document_id}' is used more than once.")
        seen.add(document_id)
        name = document.get("name")
        if not name:
            raise DocuSignError(
                400,
                "UNABLE_TO_LOAD_DOCUMENT",
                f"Unable to load the document. Document {document_id} has no name.",
            )
        encoded = document.get("documentBase64")
        if encoded is None:
            if document.get("remoteUrl") or document.get("htmlDefinition"):
                raise DocuSignError(
                    400,
                    "UNABLE_TO_LOAD_DOCUMENT",
                    f"Unable to load the document. Document {document_id} ({name}): only "
                    "documentBase64 content is supported.",
                )
            raise DocuSignError(
                400,
                "UNABLE_TO_LOAD_DOCUMENT",
                f"Unable to load the document. Document {document_id} ({name}) has no content.",
            )
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DocuSignError(
                400,
                "UNABLE_TO_LOAD_DOCUMENT",
                f"Unable to load the document. Document {document_id} ({name}): "
                "documentBase64 is not valid base64.",
            ) from exc
        if not content:
            raise DocuSignError(
                400,
                "UNABLE_TO_LOAD_DOCUMENT",
                f"Unable to load the document. Document {document_id} ({name}) is empty.",
            )
        if not content.startswith(b"%PDF") and not document.get("fileExtension"):
            raise DocuSignError(
                400,
                "UNABLE_TO_LOAD_DOCUMENT",
                f"Unable to load the document. Document {document_id} ({name}) is not a PDF "
                "and has no fileExtension.",
            )
        converted = convert(document, content)
        record = {k: v for k, v in document.items() if k != "documentBase64"}
        record.update(
            {
                "documentId": str(document_id),
                "documentIdGuid": new_guid(),
                "name": name,
                "order": str(document.get("order") or index + 1),
                "display": document.get("display") or "inline",
                "includeInDownload": document.get("includeInDownload") or "true",
                "signerMustAcknowledge": document.get("signerMustAcknowledge") or "no_interaction",
                "_content": content,
                "_pdf": converted.pdf,
                "_pages": converted.pages,
                "_anchorSearch": converted.anchor_search,
            }
        )
        records.append(record)
    return records


def _check_recipients(definition: dict[str, Any]) -> dict[str, Any]:
    given = definition.get("recipients") or {}
    if not isinstance(given, dict):
        raise invalid_request_body("'recipients' must be a JSON object.")
    recipients: dict[str, Any] = {}
    seen_ids: set[str] = set()
    total = 0
    for kind, recipient_type in RECIPIENT_KINDS.items():
        members = given.get(kind)
        if members is None:
            continue
        if not isinstance(members, list):
            raise invalid_request_body(f"'recipients.{kind}' must be a JSON array.")
        records = []
        for recipient in members:
            if not isinstance(recipient, dict):
                raise invalid_request_body(f"'recipients.{kind}' must hold JSON objects.")
            recipient_id = recipient.get("recipientId")
            if not recipient_id or not str(recipient_id).strip():
                raise DocuSignError(
                    400, "INVALID_RECIPIENT_ID", "A recipient ID is missing or invalid."
                )
            if recipient_id in seen_ids:
                raise DocuSignError(
                    400,
                    "INVALID_RECIPIENT_ID",
                    f"A recipient ID is missing or invalid. Recipient ID '{recipient_id}' is "
                    "used by more than one recipient.",
                )
            seen_ids.add(recipient_id)
            routing_order = recipient.get("routingOrder") or "1"
            if not str(routing_order).isdigit():
                raise invalid_request_body(
                    f"Could not convert routingOrder '{routing_order}' of recipient "
                    f"{recipient_id} to an integer."
                )
            if kind == "inPersonSigners" and not (
                recipient.get("hostName") and recipient.get("hostEmail")
            ):
                raise DocuSignError(
                    400,
                    "INVALID_REQUEST_PARAMETER",
                    "The request contained at least one invalid parameter. An in-person "
                    f"signer needs hostName and hostEmail. Recipient ID: {recipient_id}",
                )
            if kind in NAMED_KINDS:
                name = recipient.get("name")
                if not name or not name.strip() or len(name) > MAX_RECIPIENT_NAME:
                    raise DocuSignError(
                        400,
                        "INVALID_USERNAME_FOR_RECIPIENT",
                        "The user name for the recipient is invalid. Names are required and "
                        f"at most {MAX_RECIPIENT_NAME} characters. Recipient ID: {recipient_id}",
                    )
                email = recipient.get("email")
                if not email or len(email) > MAX_RECIPIENT_EMAIL or not _EMAIL.match(email):
                    raise DocuSignError(
                        400,
                        "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
                        "The email address for the recipient is invalid. The recipient Id "
                        f"follows. {recipient_id}",
                    )
            record = dict(recipient)
            record.update(
                {
                    "recipientId": str(recipient_id),
                    "recipientIdGuid": new_guid(),
                    "routingOrder": str(int(routing_order)),
                    "recipientType": recipient_type,
                    "status": "created",
                    "_kind": kind,
                }
            )
            records.append(record)
            total += 1
        recipients[kind] = records
    if total > MAX_RECIPIENTS:
        raise invalid_parameter(f"An envelope may have at most {MAX_RECIPIENTS} recipients.")
    for kind in RECIPIENT_KINDS:
        recipients.setdefault(kind, [])
    acting = [r for kind, rs in recipients.items() if kind not in NOTIFY_ONLY_KINDS for r in rs]
    recipients["recipientCount"] = str(total)
    recipients["currentRoutingOrder"] = (
        str(min(int(r["routingOrder"]) for r in acting)) if acting else "1"
    )
    return recipients


def _check_custom_fields(definition: dict[str, Any]) -> dict[str, Any]:
    given = definition.get("customFields") or {}
    if not isinstance(given, dict):
        raise invalid_request_body("'customFields' must be a JSON object.")
    result: dict[str, Any] = {"textCustomFields": [], "listCustomFields": []}
    for key in ("textCustomFields", "listCustomFields"):
        for index, field in enumerate(given.get(key) or []):
            if not isinstance(field, dict):
                raise invalid_request_body(f"customFields.{key}[{index}] must be a JSON object.")
            name = field.get("name")
            if not name:
                raise invalid_parameter(f"customFields.{key}[{index}] has no 'name'.")
            value = field.get("value") or ""
            if len(name) > MAX_CUSTOM_FIELD_TEXT or len(value) > MAX_CUSTOM_FIELD_TEXT:
                raise invalid_parameter(
                    f"Custom field '{name[:40]}': names and values are at most "
                    f"{MAX_CUSTOM_FIELD_TEXT} characters."
                )
            stored = {
                "fieldId": str(10_000_000 + len(result[key]) + 1),
                "name": name,
                "show": field.get("show") or "false",
                "required": field.get("required") or "false",
                "value": value,
            }
            if key == "listCustomFields":
                stored["listItems"] = list(field.get("listItems") or [])
            result[key].append(stored)
    return result


def _check_notification(
    definition: dict[str, Any],
    account_settings: dict[str, Any] | None,
    template: dict[str, Any] | None,
) -> dict[str, Any]:
    """The reminders and expiration DocuSign applies to a new envelope.

    No `notification` block: the template's settings (when sent from a template that has
    them), else DocuSign's system defaults, NOT the account's. `useAccountDefaults: "true"`:
    the account's settings, whatever else the block says. Otherwise the halves given; a half
    left out gets the system default (DocuSign does not say), and `expireEnabled` other than
    "true" means the account's default expiration (the spec's words).
    """
    account = account_settings or {}
    account_reminders = dict(account.get("reminders") or SYSTEM_DEFAULT_REMINDERS)
    account_expirations = dict(account.get("expirations") or SYSTEM_DEFAULT_EXPIRATIONS)
    given = definition.get("notification")
    if given is None:
        inherited = (template or {}).get("notification") or {}
        return {
            "useAccountDefaults": "false",
            "reminders": {**SYSTEM_DEFAULT_REMINDERS, **(inherited.get("reminders") or {})},
            "expirations": {**SYSTEM_DEFAULT_EXPIRATIONS, **(inherited.get("expirations") or {})},
        }
    if not isinstance(given, dict):
        raise invalid_request_body("'notification' must be a JSON object.")
    reminders = given.get("reminders")
    expirations = given.get("expirations")
    for section, keys in (
        (reminders or {}, ("reminderDelay", "reminderFrequency")),
        (expirations or {}, ("expireAfter", "expireWarn")),
    ):
        if not isinstance(section, dict):
            raise invalid_request_body("'reminders' and 'expirations' must be JSON objects.")
        for key in keys:
            value = section.get(key)
            if value not in (None, "") and not str(value).isdigit():
                raise invalid_request_body(
                    f"Could not convert '{key}' value '{value}' to an integer."
                )
    if _is_true(given.get("useAccountDefaults")):
        return {
            "useAccountDefaults": "true",
            "reminders": account_reminders,
            "expirations": account_expirations,
        }
    effective_reminders = dict(SYSTEM_DEFAULT_REMINDERS)
    if reminders:
        effective_reminders = {
            "reminderEnabled": "true" if _is_true(reminders.get("reminderEnabled")) else "false",
            "reminderDelay": str(reminders.get("reminderDelay") or "0"),
            "reminderFrequency": str(reminders.get("reminderFrequency") or "0"),
        }
    effective_expirations = dict(SYSTEM_DEFAULT_EXPIRATIONS)
    if expirations is not None:
        # expireAfter applies only with expireEnabled "true"; otherwise the account's expiry.
        effective_expirations = account_expirations
        if _is_true(expirations.get("expireEnabled")):
            effective_expirations = {
                "expireEnabled": "true",
                "expireAfter": str(
                    expirations.get("expireAfter") or account_expirations["expireAfter"]
                ),
                "expireWarn": str(expirations.get("expireWarn") or "0"),
            }
    return {
        "useAccountDefaults": "false",
        "reminders": effective_reminders,
        "expirations": effective_expirations,
    }


SIM_EVENT_FOR_LEGACY = {
    ("envelope", "draft"): "envelope-created",
    ("envelope", "sent"): "envelope-sent",
    ("envelope", "delivered"): "envelope-delivered",
    ("envelope", "completed"): "envelope-completed",
    ("envelope", "declined"): "envelope-declined",
    ("envelope", "voided"): "envelope-voided",
    ("recipient", "sent"): "recipient-sent",
    ("recipient", "delivered"): "recipient-delivered",
    ("recipient", "completed"): "recipient-completed",
    ("recipient", "declined"): "recipient-declined",
}


def _check_event_notification(definition: dict[str, Any]) -> dict[str, Any] | None:
    """An envelope-level Connect subscription (`eventNotification`), normalised."""
    given = definition.get("eventNotification")
    if not given:
        return None
    url = (given.get("url") or "").strip()
    if not url.startswith(("http://", "https://")):
        raise invalid_parameter("eventNotification.url must be an http(s) URL.")
    events = [str(e) for e in given.get("events") or []]
    for entry in given.get("envelopeEvents") or []:
        code = str(entry.get("envelopeEventStatusCode") or "").lower()
        events.append(SIM_EVENT_FOR_LEGACY.get(("envelope", code), code))
    for entry in given.get("recipientEvents") or []:
        code = str(entry.get("recipientEventStatusCode") or "").lower()
        events.append(SIM_EVENT_FOR_LEGACY.get(("recipient", code), code))
    if not events:
        raise invalid_parameter(
            "eventNotification needs 'events' (or envelopeEvents / recipientEvents)."
        )
    event_data = given.get("eventData") or {}
    return {
        "url": url,
        "events": events,
        "includeData": list(event_data.get("includeData") or []),
        "includeHMAC": _is_true(given.get("includeHMAC")),
        "includeDocuments": _is_true(given.get("includeDocuments")),
    }


def _apply_template(
    definition: dict[str, Any], template: dict[str, Any], status: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Documents and recipients of an envelope made from a server template: each template
    role is filled from the `templateRoles` entry with the same roleName (unmatched entries
    are ignored, as DocuSign ignores them). In a draft, roles left without a name and email
    are left out; in a sent envelope they fail the usual recipient checks."""
    fills = {
        str(role.get("roleName") or "").strip().lower(): role
        for role in definition.get("templateRoles") or []
        if isinstance(role, dict)
    }
    recipients: dict[str, list[dict[str, Any]]] = {}
    for kind, roles in template["recipients"].items():
        merged_roles = []
        for role in roles:
            merged = {k: v for k, v in role.items() if not k.startswith("_")}
            fill = fills.get(str(role.get("roleName") or "").strip().lower())
            if fill:
                for key, value in fill.items():
                    if key == "tabs":
                        merged["tabs"] = merge_prefill(merged.get("tabs"), value)
                    elif value not in (None, "") and key != "roleName":
                        merged[key] = value
            if status != "sent" and not merged.get("email") and not merged.get("name"):
                continue
            merged_roles.append(merged)
        recipients[kind] = merged_roles
    documents = []
    for document in template["documents"]:
        copy = dict(document)
        copy["documentIdGuid"] = new_guid()
        own_copy(copy)
        documents.append(copy)
    return documents, _check_recipients({"recipients": recipients})


def _no_templates(template_id: str) -> dict[str, Any]:
    raise DocuSignError(400, "TEMPLATE_ID_INVALID", "Invalid template ID.")


def build_envelope(
    definition: Any,
    account_id: str,
    sender: dict[str, str],
    template: dict[str, Any] | None = None,
    account_notification: dict[str, Any] | None = None,
    *,
    strict_types: bool = False,
    now: datetime | None = None,
    find_template: Callable[[str], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Validate a createEnvelope body and return the envelope record to store. `template` is
    the server template named by `templateId`, already looked up by the caller;
    `account_notification` the account's reminder and expiration settings; `strict_types`
    refuses numbers and booleans where DocuSign's schema types a string (else they are read
    as their text, as DocuSign reads them); `now` is the emulator's clock."""
    if not isinstance(definition, dict):
        raise invalid_request_body("The body must be a JSON object (envelopeDefinition).")
    coerced: list[str] = []
    ignored = schema.check_body(
        "envelopeDefinition", definition, strict=strict_types, coerced=coerced
    )

    status = (definition.get("status") or "created").strip().lower()
    if status not in ("created", "sent"):
        raise DocuSignError(
            400,
            "ENVELOPE_INVALID_STATUS",
            f"Invalid envelope status. '{definition.get('status')}' is not valid when "
            "creating an envelope: use 'created' or 'sent'.",
        )
    composite_settings: dict[str, Any] | None = None
    if definition.get("compositeTemplates") is not None:
        documents, recipients, composite_settings = apply_composite_templates(
            definition, status, find_template or _no_templates, _check_documents, _check_recipients
        )
        template = composite_settings or None
        definition = {
            **{k: v for k, v in definition.items() if k != "customFields"},
            **inline_custom_fields(definition),
        }
    subject = definition.get("emailSubject") or (template or {}).get("emailSubject") or ""
    if len(subject) > MAX_EMAIL_SUBJECT:
        raise invalid_parameter(
            f"The email subject is {len(subject)} characters long; the maximum is "
            f"{MAX_EMAIL_SUBJECT}."
        )
    blurb = definition.get("emailBlurb") or (template or {}).get("emailBlurb") or ""
    if len(blurb) > MAX_EMAIL_BLURB:
        raise invalid_parameter(
            f"The email blurb is {len(blurb)} characters long; the maximum is {MAX_EMAIL_BLURB}."
        )
    if composite_settings is not None:
        pass
    elif template is not None:
        documents, recipients = _apply_template(definition, template, status)
    else:
        documents = _check_documents(definition)
        recipients = _check_recipients(definition)
    if status == "sent":
        has_recipients = int(recipients["recipientCount"]) > 0
        if not subject.strip() or not documents or not has_recipients:
            raise _INCOMPLETE
    place_tabs(recipients, documents)
    stored_definition = {k: v for k, v in definition.items() if k != "documents"}
    envelope_id = new_guid()
    return {
        "envelopeId": envelope_id,
        "accountId": account_id,
        "status": status,
        "emailSubject": subject,
        "emailBlurb": blurb,
        "transactionId": definition.get("transactionId"),
        "templateId": template.get("templateId") if template else None,
        "notification": _check_notification(definition, account_notification, template),
        "customFields": _check_custom_fields(definition),
        "eventNotification": _check_event_notification(definition),
        "recipients": recipients,
        "documents": documents,
        "sender": sender,
        "brandId": definition.get("brandId"),
        "signingLocation": definition.get("signingLocation") or "online",
        "workflow": check_workflow(definition.get("workflow"), now or datetime.now(UTC)),
        "definition": stored_definition,
        "_ignoredProperties": ignored,
        "_coercedProperties": coerced,
    }


def build_template(
    body: Any, account_id: str, owner: dict[str, str], *, strict_types: bool = False
) -> dict[str, Any]:
    """Validate a template (documents and recipient roles) and return its record."""
    if not isinstance(body, dict):
        raise invalid_request_body("The body must be a JSON object (envelopeTemplate).")
    coerced: list[str] = []
    ignored = schema.check_body("envelopeTemplate", body, strict=strict_types, coerced=coerced)
    name = (body.get("name") or "").strip()
    if not name:
        raise invalid_parameter("A template needs a 'name'.")
    subject = body.get("emailSubject") or ""
    if len(subject) > MAX_EMAIL_SUBJECT:
        raise invalid_parameter(
            f"The email subject is {len(subject)} characters long; the maximum is "
            f"{MAX_EMAIL_SUBJECT}."
        )
    documents = _check_documents(body)
    given = body.get("recipients") or {}
    if not isinstance(given, dict):
        raise invalid_request_body("'recipients' must be a JSON object.")
    roles: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    for kind, members in given.items():
        if kind not in RECIPIENT_KINDS or not isinstance(members, list):
            continue
        for role in members:
            recipient_id = str(role.get("recipientId") or "").strip()
            if not recipient_id or recipient_id in seen:
                raise DocuSignError(
                    400, "INVALID_RECIPIENT_ID", "A recipient ID is missing or invalid."
                )
            seen.add(recipient_id)
            if not str(role.get("roleName") or "").strip():
                raise invalid_parameter(f"Template recipient {recipient_id} needs a roleName.")
        roles[kind] = [dict(m) for m in members]
    return {
        "templateId": new_guid(),
        "accountId": account_id,
        "name": name,
        "description": body.get("description") or "",
        "emailSubject": subject,
        "emailBlurb": body.get("emailBlurb") or "",
        "documents": documents,
        "recipients": roles,
        "owner": owner,
        "shared": body.get("shared") or "false",
        # Reminders and expiration an envelope sent from this template gets without a block.
        "notification": body.get("notification")
        if isinstance(body.get("notification"), dict)
        else None,
        "_ignoredProperties": ignored,
        "_coercedProperties": coerced,
    }
