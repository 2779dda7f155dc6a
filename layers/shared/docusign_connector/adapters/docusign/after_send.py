"""The eSignature REST v2.1 calls made after the send: correcting and resending to recipients,
the envelope's form data, and the one-call downloads (`combined`, `archive`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ...errors import Conflict, UpstreamError
from .client import DocuSignClient
from .errors import json_body
from .transport import segment

if TYPE_CHECKING:
    import requests

# DocuSign's `errorCode` of a recipient it did update (`recipientUpdateResults[].errorDetails`).
UPDATED = "SUCCESS"


def update_recipients(
    client: DocuSignClient, envelope_id: str, recipients: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """`PUT …/recipients?resend_envelope=true` (Recipients_PutRecipients): corrects the given
    properties of each recipient (by recipientId, in its group) and mails them again.

    DocuSign answers 200 even when it refused a recipient (one who has signed): the refusal is
    in that recipient's `recipientUpdateResults[].errorDetails`, and becomes a Conflict here.
    """
    response = client.transport.send(
        "PUT",
        f"/envelopes/{segment(envelope_id)}/recipients",
        params={"resend_envelope": "true"},
        json_body=recipients,
    )
    results = [r for r in json_body(response).get("recipientUpdateResults") or [] if r]
    for result in results:
        details = result.get("errorDetails") if isinstance(result, dict) else None
        code = str((details or {}).get("errorCode") or UPDATED)
        if code.upper() != UPDATED:
            message = str((details or {}).get("message") or "DocuSign refused the correction")
            raise Conflict(
                f"recipient {result.get('recipientId')}: {message}",
                code="RECIPIENT_NOT_CORRECTABLE",
                details=[{"docusignErrorCode": code, "message": message}],
            )
    return [r for r in results if isinstance(r, dict)]


def resend_envelope(client: DocuSignClient, envelope_id: str) -> None:
    """`PUT …/envelopes/{id}?resend_envelope=true` with an empty envelope: every current
    recipient is mailed again."""
    client.transport.send(
        "PUT",
        f"/envelopes/{segment(envelope_id)}",
        params={"resend_envelope": "true"},
        json_body={},
    )


def list_recipients_with_tabs(client: DocuSignClient, envelope_id: str) -> dict[str, Any]:
    """`GET …/recipients?include_tabs=true`: each recipient's fields and their kinds."""
    response = client.transport.send(
        "GET", f"/envelopes/{segment(envelope_id)}/recipients", params={"include_tabs": "true"}
    )
    return json_body(response)


def get_form_data(client: DocuSignClient, envelope_id: str) -> dict[str, Any]:
    """`GET …/form_data` (FormData_GetFormData): every field's name and value, by recipient."""
    body = json_body(client.transport.send("GET", f"/envelopes/{segment(envelope_id)}/form_data"))
    if not isinstance(body.get("recipientFormData", []), list):
        raise UpstreamError("DocuSign's form data has no recipient list")
    return body


def list_audit_events(client: DocuSignClient, envelope_id: str) -> list[list[dict[str, Any]]]:
    """`GET …/audit_events` (Envelopes:listAuditEvents): each event's `eventFields`, a list of
    name/value pairs."""
    body = json_body(
        client.transport.send("GET", f"/envelopes/{segment(envelope_id)}/audit_events")
    )
    events = body.get("auditEvents") or []
    if not isinstance(events, list):
        raise UpstreamError("DocuSign's audit events are not a list")
    return [
        [f for f in event.get("eventFields") or [] if isinstance(f, dict)]
        for event in events
        if isinstance(event, dict)
    ]


@contextmanager
def open_download(
    client: DocuSignClient, envelope_id: str, keyword: str, params: dict[str, str] | None = None
) -> Iterator[requests.Response]:
    """Stream one of DocuSign's download keywords (`combined`, `archive`, `certificate`)."""
    response = client.transport.send(
        "GET",
        f"/envelopes/{segment(envelope_id)}/documents/{segment(keyword)}",
        params=params,
        stream=True,
    )
    try:
        yield response
    finally:
        response.close()
