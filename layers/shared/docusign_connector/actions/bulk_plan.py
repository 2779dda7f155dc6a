"""Which inbox rows can go through DocuSign's Bulk Send, and what each becomes there (no I/O).

Rows qualify when their send bodies are one body but for what a bulk send list may set per
copy (DocuSign's "Bulk sending envelopes": recipients — e-mail, name, access code —, the e-mail
subject and blurb, and envelope custom field values): the same documents, fields, signing
order, expiration and reminders, sent now, from the connection's own user, without SMS or
phone checks and without a template. Each copy carries the row's number in the custom field
`inboxRow`, which is how its envelope is matched to its row afterwards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..models.requests import SendEnvelopeRequest
from .definition import PreparedDocument, envelope_definition

# DocuSign: at most 1,000 copies per list and per send (BulkSend resource).
MAX_COPIES = 1000
# Fewer rows than this cost fewer calls one by one (a batch costs about five).
MIN_BULK_ROWS = 5
ROW_FIELD = "inboxRow"
MAILING_LIST_FIELD = "mailingListId"
_PER_COPY = ("email", "name", "accessCode")


@dataclass
class PlannedRow:
    number: int
    request: SendEnvelopeRequest | None  # None: the row's error is in `error`
    error: dict[str, Any] | None = None


@dataclass
class Chunk:
    """One bulk send list and batch: consecutive rows, at most MAX_COPIES of them valid."""

    index: int
    rows: list[PlannedRow] = field(default_factory=list)

    @property
    def valid(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.request is not None]

    @property
    def last_row(self) -> int:
        return self.rows[-1].number


def qualifies(request: SendEnvelopeRequest) -> bool:
    """What a bulk copy cannot vary, or the connector does not send through Bulk Send."""
    if request.template_id or request.templates or request.sender or request.callback_url:
        return False
    if request.status != "sent" or request.in_person_signers or request.certified_deliveries:
        return False
    for signer in request.signers:
        auth = signer.authentication
        if signer.client_user_id or (auth is not None and auth.access_code is None):
            return False
    return bool(request.signers)


def _definition(request: SendEnvelopeRequest) -> dict[str, Any]:
    documents = [PreparedDocument(name=d.name, file_extension="") for d in request.documents]
    return envelope_definition(request, documents, None)


def shape_of(request: SendEnvelopeRequest) -> str:
    """The row's send body without what a copy may set: equal shapes, one draft envelope."""
    definition = _definition(request)
    definition.pop("emailSubject", None)
    definition.pop("emailBlurb", None)
    for group in (definition.get("recipients") or {}).values():
        for recipient in group:
            for key in _PER_COPY:
                recipient.pop(key, None)
    fields = (definition.get("customFields") or {}).get("textCustomFields") or []
    for entry in fields:
        entry.pop("value", None)
    definition["documentKeys"] = [d.s3_key or d.name for d in request.documents]
    return json.dumps(definition, sort_keys=True)


def copy_of(number: int, request: SendEnvelopeRequest) -> dict[str, Any]:
    """The row as one copy of a bulk send list (`bulkSendingCopy`), recipients by id."""
    definition = _definition(request)
    recipients = [
        {key: r[key] for key in ("recipientId", *_PER_COPY) if r.get(key)}
        for group in (definition.get("recipients") or {}).values()
        for r in group
    ]
    fields = [{"name": k, "value": v} for k, v in request.custom_fields.items()]
    bulk_copy: dict[str, Any] = {
        "emailSubject": request.email_subject,
        "recipients": recipients,
        "customFields": [*fields, {"name": ROW_FIELD, "value": str(number)}],
    }
    if request.email_blurb:
        bulk_copy["emailBlurb"] = request.email_blurb
    return bulk_copy


def draft_definition(
    request: SendEnvelopeRequest, documents: list[PreparedDocument], list_id: str
) -> dict[str, Any]:
    """The draft every copy is made from: the first row's body, saved (`created`), with the
    custom fields the copies fill and `mailingListId` naming the list (DocuSign's eg031)."""
    definition = envelope_definition(request, documents, None)
    definition["status"] = "created"
    fields = (definition.setdefault("customFields", {})).setdefault("textCustomFields", [])
    for name, value in ((ROW_FIELD, "0"), (MAILING_LIST_FIELD, list_id)):
        fields.append({"name": name, "value": value, "show": "false", "required": "false"})
    return definition


def chunks_of(rows: list[PlannedRow]) -> list[Chunk]:
    chunks: list[Chunk] = [Chunk(1)]
    for row in rows:
        if row.request is not None and len(chunks[-1].valid) == MAX_COPIES:
            chunks.append(Chunk(len(chunks) + 1))
        chunks[-1].rows.append(row)
    return chunks


def bulk_worthy(rows: list[PlannedRow]) -> bool:
    """Every valid row qualifies and shares one shape, and there are enough of them."""
    valid = [row.request for row in rows if row.request is not None]
    if len(valid) < MIN_BULK_ROWS or not all(qualifies(r) for r in valid):
        return False
    first = shape_of(valid[0])
    return all(shape_of(r) == first for r in valid[1:])
