"""An envelope's form data: every field's recipient, label, type and value, from DocuSign's
form-data endpoint (the values) and the recipients' tabs (the kinds of field). Archived as
`formdata.json` beside the signed PDFs when the envelope completes."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from ..adapters.docusign import after_send
from ..adapters.docusign.client import DocuSignClient
from ..container import Services, get_services
from ..documents import FORMDATA_FILE, signed_prefix
from ..domain import Deadline, EnvelopeRecord
from ..errors import BadRequest, Unprocessable
from ..models.after_send import FormDataResponse, FormField
from .status import tracked_with_client

logger = Logger(child=True)

TAB_GROUP_SUFFIX = "Tabs"


def formdata_key(record: EnvelopeRecord) -> str:
    return signed_prefix(record.connection, record.envelope_id) + FORMDATA_FILE


def tab_label(tab: dict[str, Any]) -> str | None:
    """The name DocuSign's form data gives a tab: its `tabLabel`, or for a radio group (which
    has none) its `groupName`."""
    label = tab.get("tabLabel") or tab.get("groupName")
    return str(label) if label else None


def field_kinds(recipients: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(recipientId, tab label) → the tab's kind in camelCase, from the name of its group in
    DocuSign's `tabs` (`textTabs` → `text`, `radioGroupTabs` → `radioGroup`, `ssnTabs` →
    `ssn`): every kind DocuSign lists, not only those the connector places."""
    kinds: dict[tuple[str, str], str] = {}
    for group in recipients.values():
        for recipient in group if isinstance(group, list) else []:
            if not isinstance(recipient, dict):
                continue
            recipient_id = str(recipient.get("recipientId") or "")
            for tab_group, tabs in (recipient.get("tabs") or {}).items():
                if not tab_group.endswith(TAB_GROUP_SUFFIX) or not isinstance(tabs, list):
                    continue
                kind = tab_group[: -len(TAB_GROUP_SUFFIX)]
                for tab in tabs:
                    label = tab_label(tab) if isinstance(tab, dict) else None
                    if label:
                        kinds.setdefault((recipient_id, label), kind)
    return kinds


# Tabs that take no value (spec: a sign-here, initial, approve or decline tab has no `value`).
VALUELESS_GROUPS = frozenset({"signHereTabs", "initialHereTabs", "approveTabs", "declineTabs"})


def _tab_value(group: str, tab: dict[str, Any]) -> str:
    if group == "radioGroupTabs":
        chosen = [
            r.get("value")
            for r in tab.get("radios") or []
            if isinstance(r, dict) and str(r.get("selected")).lower() == "true"
        ]
        return str(chosen[0] if chosen else "")
    value = tab.get("value")
    if value is None and "selected" in tab:
        return "X" if str(tab.get("selected")).lower() == "true" else ""
    return str(value or "")


def form_data_from_tabs(
    envelope_id: str, status: str | None, recipients: dict[str, Any]
) -> FormDataResponse:
    """The form data the recipients' tabs already hold (each tab's `value`; a checkbox's
    `selected` as X, a radio group's selected radio): what the confirming GET of a completed
    envelope brought with `include=recipients,tabs`, so no form-data call is needed."""
    fields: list[FormField] = []
    for group in recipients.values():
        for recipient in group if isinstance(group, list) else []:
            if not isinstance(recipient, dict):
                continue
            recipient_id = str(recipient.get("recipientId") or "") or None
            for tab_group, tabs in (recipient.get("tabs") or {}).items():
                if tab_group in VALUELESS_GROUPS or not isinstance(tabs, list):
                    continue
                kind = tab_group.removesuffix(TAB_GROUP_SUFFIX)
                for tab in tabs:
                    label = tab_label(tab) if isinstance(tab, dict) else None
                    if label is None:
                        continue
                    fields.append(
                        FormField(
                            recipient_id=recipient_id,
                            recipient_email=recipient.get("email"),
                            recipient_name=recipient.get("name"),
                            label=label,
                            type=kind,
                            value=_tab_value(tab_group, tab),
                        )
                    )
    return FormDataResponse(envelope_id=envelope_id, status=status, fields=fields)


def read_form_data(
    client: DocuSignClient, envelope_id: str, recipients: dict[str, Any] | None = None
) -> FormDataResponse:
    """The values (one DocuSign call) and each field's kind, from `recipients` with all their
    tabs when the caller already has them, else from one more call."""
    form_data = after_send.get_form_data(client, envelope_id)
    if recipients is None:
        recipients = after_send.list_recipients_with_tabs(client, envelope_id)
    kinds = field_kinds(recipients)
    return FormDataResponse.from_docusign(envelope_id, form_data, kinds)


def get_form_data(
    connection_name: str,
    envelope_id: str,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> FormDataResponse:
    services = services or get_services()
    record, client = tracked_with_client(services, connection_name, envelope_id, deadline)
    return read_form_data(client, record.envelope_id)


def archive_form_data(
    services: Services,
    client: DocuSignClient,
    record: EnvelopeRecord,
    recipients: dict[str, Any] | None = None,
) -> str:
    """Write the envelope's form data to `signed/{c}/{id}/formdata.json`; its key. Recipients
    with their tabs (the confirming GET's) give it without a call of its own."""
    if recipients is not None:
        response = form_data_from_tabs(record.envelope_id, record.status, recipients)
    else:
        response = read_form_data(client, record.envelope_id, recipients)
    key = formdata_key(record)
    services.documents.put_json(key, json.dumps(response.dump(), indent=2).encode())
    return key


def archive_completed_form_data(
    services: Services,
    client: DocuSignClient,
    record: EnvelopeRecord,
    recipients: dict[str, Any] | None = None,
) -> str | None:
    """`archive_form_data`, or None (logged) when the account does not let the sender
    download form data: the signed documents are archived all the same."""
    try:
        return archive_form_data(services, client, record, recipients)
    except (BadRequest, Unprocessable) as refusal:
        logger.warning(
            "form data not archived",
            extra={"envelope_id": record.envelope_id, "reason": refusal.code},
        )
        return None
