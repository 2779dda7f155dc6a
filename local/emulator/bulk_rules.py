"""Bulk Send v2.1: what DocuSign checks in a bulk send list and in a send of it, and how one copy
of the draft envelope becomes an envelope of its own.

The error codes and their conditions are DocuSign's, from the "Errors" tables of
BulkSend::createBulkSendList and BulkSend::createBulkSendRequest and the compatibility checks
of BulkSend::createBulkSendTestRequest (the spec, esignature.rest.swagger-v2.1.json, and
https://developers.docusign.com/docs/esign-rest-api/reference/bulkenvelopes/bulksend/). The
messages fill in DocuSign's `{0}` placeholders.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from .errors import DocuSignError
from .state import RECIPIENT_KINDS

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# DocuSign's default for `bulkSendMaxCopiesInBatch` ("In almost all cases, the default limit is
# 1000") and the account queue (`bulkSendMaxUnprocessedEnvelopesCount`: "An account can have a
# total of 2,000 total envelopes in the queue at a time").
DEFAULT_MAX_COPIES = 1000
DEFAULT_QUEUE_LIMIT = 2000


def bulk_error(code: str, message: str) -> DocuSignError:
    return DocuSignError(400, code, message)


def check_list(body: dict[str, Any], max_copies: int) -> None:
    """createBulkSendList's checks, in the order of DocuSign's table."""
    copies = body.get("bulkCopies") or []
    if len(copies) > max_copies:
        raise bulk_error(
            "BULK_SEND_MAX_COPIES_EXCEEDED",
            f"A bulk sending list cannot specify more than {max_copies} copies in the mailing "
            "list.",
        )
    uses_roles = uses_ids = False
    for bulk_copy in copies:
        recipients = bulk_copy.get("recipients") or []
        ids: set[str] = set()
        roles: set[str] = set()
        for recipient in recipients:
            label = recipient.get("recipientId") or recipient.get("roleName") or "?"
            recipient_id, role = recipient.get("recipientId"), recipient.get("roleName")
            if recipient_id and role:
                raise bulk_error(
                    "BULK_SEND_CANNOT_USE_BOTH_ROLE_AND_ID_ON_SAME_RECIPIENT",
                    f"Recipients cannot have both ID and Role; {label} has both.",
                )
            if not recipient_id and not role:
                raise bulk_error(
                    "BULK_SEND_RECIPIENT_ID_REQUIRED",
                    "If no RoleName is present, recipientID is required in mailing list's "
                    "bulkCopy.",
                )
            uses_ids, uses_roles = uses_ids or bool(recipient_id), uses_roles or bool(role)
            if recipient_id in ids:
                raise bulk_error(
                    "BULK_SEND_RECIPIENT_IDS_MUST_BE_UNIQUE",
                    "No two recipientIds can be same within a bulkCopy.",
                )
            if role in roles:
                raise bulk_error(
                    "BULK_SEND_ROLE_NAMES_MUST_BE_UNIQUE",
                    f"Recipient role names cannot be duplicated; role {role} appears multiple "
                    "times.",
                )
            ids.add(recipient_id) if recipient_id else roles.add(role)
            if not (recipient.get("name") or "").strip():
                raise bulk_error(
                    "BULK_SEND_RECIPIENT_NAME_REQUIRED", f"Recipient {label} has no name."
                )
            email = (recipient.get("email") or "").strip()
            if not email:
                raise bulk_error(
                    "BULK_SEND_EMAIL_ADDRESS_REQUIRED_FOR_EMAIL_RECIPIENT",
                    f"Recipient {label} is an email recipient with no email address.",
                )
            if not _EMAIL.fullmatch(email):
                raise bulk_error(
                    "BULK_SEND_EMAIL_ADDRESS_NOT_VALID",
                    f"Recipient {label} specifies email address {email}, which is not a valid "
                    "email address.",
                )
            _check_tabs(recipient.get("tabs") or [])
        _check_custom_fields(bulk_copy.get("customFields") or [])
    if uses_ids and uses_roles:
        raise bulk_error(
            "BULK_SEND_CANNOT_USE_BOTH_ROLE_AND_ID_IN_SAME_LIST",
            "Cannot use both recipient role and ID in the same list.",
        )


def _check_tabs(tabs: list[dict[str, Any]]) -> None:
    labels: set[str] = set()
    for tab in tabs:
        label = tab.get("tabLabel")
        if not label:
            raise bulk_error("BULK_SEND_TAB_LABEL_REQUIRED", "Tab label is required.")
        if tab.get("initialValue") is None:
            raise bulk_error("BULK_SEND_TAB_VALUE_REQUIRED", "Tab Label value is required.")
        if label in labels:
            raise bulk_error(
                "BULK_SEND_TAB_LABELS_MUST_BE_UNIQUE", f"Tab label {label} is duplicated."
            )
        labels.add(label)


def _check_custom_fields(fields: list[dict[str, Any]]) -> None:
    names: set[str] = set()
    for field in fields:
        name = field.get("name")
        if not name:
            raise bulk_error(
                "BULK_SEND_ENVELOPE_CUSTOM_FIELD_NAME_REQUIRED",
                "All custom fields must have names.",
            )
        if field.get("value") is None:
            raise bulk_error(
                "BULK_SEND_ENVELOPE_CUSTOM_FIELD_VALUE_REQUIRED",
                f"Custom field {name} has no value.",
            )
        if name in names:
            raise bulk_error(
                "BULK_SEND_ENVELOPE_CUSTOM_FIELD_NAME_MUST_BE_UNIQUE",
                f"Custom fields must have distinct names. The field {name} appears more than once "
                "in a copy.",
            )
        names.add(name)


def _recipients(base: dict[str, Any]) -> list[dict[str, Any]]:
    groups = base.get("recipients") or {}
    return [r for kind in RECIPIENT_KINDS for r in groups.get(kind) or []]


def _text_fields(base: dict[str, Any]) -> list[dict[str, Any]]:
    return list((base.get("customFields") or {}).get("textCustomFields") or [])


def _match(base: dict[str, Any], recipient: dict[str, Any]) -> dict[str, Any]:
    recipients = _recipients(base)
    if recipient.get("recipientId"):
        for candidate in recipients:
            if str(candidate.get("recipientId")) == str(recipient["recipientId"]):
                return candidate
        raise bulk_error(
            "BULK_SEND_RECIPIENT_ID_DOES_NOT_EXIST_IN_ENVELOPE",
            f"Recipient {recipient['recipientId']} does not exist in the envelope.",
        )
    for candidate in recipients:
        if candidate.get("roleName") == recipient.get("roleName"):
            return candidate
    raise bulk_error(
        "BULK_SEND_RECIPIENT_ROLE_DOES_NOT_MATCH",
        f"Recipient Role {recipient.get('roleName')} does not match.",
    )


def check_compatible(base: dict[str, Any], copies: list[dict[str, Any]]) -> None:
    """createBulkSendTestRequest's compatibility checks of a list against the envelope (a
    draft's record or a template's): recipients, their tabs, the envelope custom fields."""
    recipients = _recipients(base)
    for bulk_copy in copies:
        given = bulk_copy.get("recipients") or []
        if given and not recipients:
            raise bulk_error(
                "BULK_SEND_ENVELOPE_HAS_NO_RECIPIENTS",
                "Bulk sending copy contains recipients, but the specified envelope does not.",
            )
        for recipient in given:
            target = _match(base, recipient)
            labels = {
                tab.get("tabLabel")
                for tabs in (target.get("tabs") or {}).values()
                for tab in tabs or []
            }
            for tab in recipient.get("tabs") or []:
                if not labels:
                    raise bulk_error(
                        "BULK_SEND_ENVELOPE_HAS_NO_TABS",
                        "Bulk sending copy contains tabs, but the specified envelope does not.",
                    )
                if tab.get("tabLabel") not in labels:
                    raise bulk_error(
                        "BULK_SEND_TAB_LABEL_DOES_NOT_EXIST_IN_ENVELOPE",
                        f"Tab with label {tab.get('tabLabel')} does not exist in envelope.",
                    )
        names = {f.get("name") for f in _text_fields(base)}
        for field in bulk_copy.get("customFields") or []:
            if not names:
                raise bulk_error(
                    "BULK_SEND_ENVELOPE_HAS_NO_ENVELOPE_CUSTOM_FIELDS",
                    "Bulk sending copy contains custom fields, but the specified envelope does "
                    "not.",
                )
            if field.get("name") not in names:
                raise bulk_error(
                    "BULK_SEND_ENVELOPE_CUSTOM_FIELD_DOES_NOT_EXIST_IN_ENVELOPE",
                    f"Custom field {field.get('name')} does not exist in the envelope.",
                )


def copy_record(base: dict[str, Any], bulk_copy: dict[str, Any], envelope_id: str) -> dict:
    """The envelope record of one copy: the draft's, with the copy's recipients (e-mail, name,
    access code, note), tab values (by label, `initialValue`), subject, blurb and custom field
    values; sent."""
    record = copy.deepcopy({k: v for k, v in base.items() if k != "documents"})
    record["documents"] = base["documents"]  # the draft's files, shared (never changed)
    record["envelopeId"] = envelope_id
    record["status"] = "sent"
    for key in ("emailSubject", "emailBlurb"):
        if bulk_copy.get(key):
            record[key] = bulk_copy[key]
    for recipient in bulk_copy.get("recipients") or []:
        target = _match(record, recipient)
        for key in ("email", "name", "accessCode", "note", "clientUserId"):
            if recipient.get(key):
                target[key] = recipient[key]
        values = {t["tabLabel"]: t["initialValue"] for t in recipient.get("tabs") or []}
        for tabs in (target.get("tabs") or {}).values():
            for tab in tabs or []:
                if tab.get("tabLabel") in values:
                    tab["value"] = values[tab["tabLabel"]]
    fields = {f["name"]: f["value"] for f in bulk_copy.get("customFields") or []}
    for field in _text_fields(record):
        if field.get("name") in fields:
            field["value"] = fields[field["name"]]
    return record


def copy_emails(bulk_copy: dict[str, Any]) -> list[str]:
    return [str(r.get("email") or "") for r in bulk_copy.get("recipients") or []]
