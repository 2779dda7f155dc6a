"""Send documents for signature (or save a draft): once per Idempotency-Key."""

from __future__ import annotations

import math
import uuid
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..adapters.callbacks import check_callback_target
from ..adapters.docusign.body import MAX_REQUEST_BYTES, DocumentSource, request_size
from ..adapters.docusign.client import DocuSignClient
from ..audit import current_caller
from ..container import Services, get_services
from ..documents import InlineDocument
from ..domain import Deadline, EnvelopeStatus
from ..errors import BadRequest, ConnectorError, OutcomeUnknown, PayloadTooLarge
from ..idempotency_keys import IdempotencyKey
from ..mapping import record_from_envelope
from ..models.requests import SendEnvelopeRequest
from ..models.responses import SendEnvelopeResponse
from .anchors import check_placements, source_bytes
from .authentication import forget_workflows, refuse_unavailable_authentication, workflows_for
from .composite import composite_recipients
from .definition import PreparedDocument, envelope_definition, file_extension
from .docgen import fill_draft
from .pdf_facts import PdfBudget
from .senders import client_as, resolve_sender
from .tabs import without_access_codes
from .template_fields import composite_prefill, prefill_tabs

logger = Logger(child=True)

# How long an earlier create of a keyed send may still commit at DocuSign after its answer was
# lost: DocuSign finishes most creates within 10 s and complex ones in 30-60 s "or longer"
# ("From the Trenches: Managing long-running createEnvelope calls"); until then a retry only
# looks the envelope up, it never posts again.
CREATE_SETTLE_SECONDS = 300
# A retry during that time is asked back this soon: the envelope may turn up in the lookup.
SETTLE_RETRY_AFTER_SECONDS = 15


def transaction_id_for(connection: str, idempotency_key: str | IdempotencyKey | None) -> str:
    """DocuSign's transactionId: derived from the send's idempotency key when there is one (a
    text is the caller's Idempotency-Key), so a send whose answer was lost can be found again."""
    if isinstance(idempotency_key, str):
        idempotency_key = IdempotencyKey.api(idempotency_key)
    if idempotency_key is not None:
        return idempotency_key.transaction_id(connection)
    return uuid.uuid4().hex


def prepare_documents(
    services: Services, connection: str, request: SendEnvelopeRequest
) -> tuple[list[PreparedDocument], list[DocumentSource]]:
    prepared: list[PreparedDocument] = []
    sources: list[DocumentSource] = []
    own = [t.document for t in request.templates if t.document is not None]
    for document in own + list(request.documents):
        if document.content_base64 is not None:
            inline = InlineDocument.from_base64(document.name, document.content_base64)
            extension = file_extension(document.name, None, inline.head)
            sources.append(inline)
        else:
            assert document.s3_key is not None
            stored = services.documents.inbox_document(connection, document.s3_key)
            try:
                extension = file_extension(document.name, document.s3_key, None)
            except BadRequest:
                head = services.documents.head_bytes(stored.key, stored.version_id)
                extension = file_extension(document.name, document.s3_key, head)
            sources.append(stored)
        prepared.append(PreparedDocument(name=document.name, file_extension=extension))
    return prepared, sources


def _recipients_as_sent(definition: dict[str, Any], status: str) -> dict[str, Any]:
    """The definition's recipients as DocuSign reports them right after the send: those of
    the first routing order have been sent the envelope, the others wait."""
    groups = definition.get("recipients") or {}
    signers = list(groups.get("signers", [])) + list(definition.get("templateRoles", []))
    copies = list(groups.get("carbonCopies", []))
    for group, entry in composite_recipients(definition):
        if group in ("signers", "carbonCopies"):
            (signers if group == "signers" else copies).append(entry)
    first = min((int(r["routingOrder"]) for r in signers + copies), default=1)

    def as_sent(entry: dict[str, Any]) -> dict[str, Any]:
        current = status == EnvelopeStatus.SENT and int(entry["routingOrder"]) == first
        return {
            "email": entry["email"],
            "name": entry["name"],
            "routingOrder": entry["routingOrder"],
            "recipientId": entry.get("recipientId"),
            "status": "sent" if current else "created",
        }

    return {
        "signers": [as_sent(r) for r in signers],
        "carbonCopies": [as_sent(r) for r in copies],
    }


def _create_once(
    services: Services,
    client: DocuSignClient,
    definition: dict[str, Any],
    sources: list[DocumentSource],
    transaction_id: str,
) -> dict[str, Any]:
    """Post a keyed create at most once while an earlier post of it may still commit.

    The first attempt claims the transactionId in the table and posts. A later attempt (the
    caller's retry, in any container) looks the envelope up; if DocuSign does not have it
    and the claim is younger than CREATE_SETTLE_SECONDS, the earlier create may still be
    committing at DocuSign, so nothing is posted: a 503 with Retry-After. Once the claim is
    older, the retry takes the claim over (one retry only) and posts.
    """
    claim = services.store.claim_transaction(transaction_id)
    if not claim.first:
        found = client.find_by_transaction_id(transaction_id)
        if found is not None:
            return found
        age = clock.age_seconds(claim.claimed_at)
        settling = age is not None and age < CREATE_SETTLE_SECONDS
        renewed = (
            None if settling else services.store.renew_transaction_claim(transaction_id, claim)
        )
        if renewed is None:
            raise _still_settling(CREATE_SETTLE_SECONDS - (age or 0.0))
        claim = renewed
    try:
        return client.create_envelope(definition, sources)
    except OutcomeUnknown:
        raise
    except ConnectorError:
        # DocuSign refused the create, or it was never posted: nothing can commit later.
        services.store.release_transaction_claim(transaction_id, claim)
        raise


def _still_settling(seconds_left: float) -> OutcomeUnknown:
    wait = max(1, min(SETTLE_RETRY_AFTER_SECONDS, math.ceil(seconds_left)))
    return OutcomeUnknown(
        "an earlier attempt with this Idempotency-Key may still be creating the envelope at "
        "DocuSign, which has not confirmed it yet; retry with the same Idempotency-Key later: "
        "the envelope is then returned, or sent once DocuSign has certainly not created it",
        code="DOCUSIGN_OUTCOME_UNKNOWN",
        details=[{"settlesInSeconds": max(0, math.ceil(seconds_left))}],
        headers={"Retry-After": str(wait)},
    )


def send_envelope(
    connection_name: str,
    request: SendEnvelopeRequest,
    *,
    idempotency_key: str | IdempotencyKey | None = None,
    deadline: Deadline = None,
    services: Services | None = None,
) -> SendEnvelopeResponse:
    """Send once per idempotency key (a text is the caller's Idempotency-Key; the inbox gives
    keys of its own namespace): the same key and body return the first answer; the same key
    with another body is a 409; a send still under way with that key is a 409 too."""
    services = services or get_services()
    if not idempotency_key:
        return _send(connection_name, request, None, deadline, services)
    key = (
        IdempotencyKey.api(idempotency_key) if isinstance(idempotency_key, str) else idempotency_key
    )
    # Access codes never reach the idempotency table, not even inside its payload.
    secret = services.connections.get(connection_name).fingerprint
    answer = services.idempotency.run_once(
        key.text(connection_name),
        without_access_codes(request.model_dump(mode="json", by_alias=True), secret),
        lambda: _send(connection_name, request, key, deadline, services).dump(),
        deadline=deadline,
    )
    return SendEnvelopeResponse.model_validate(answer)


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        "the documents are too large for one DocuSign request (about 25 MB of files at "
        "most); send fewer or smaller documents",
        code="ENVELOPE_TOO_LARGE",
    )


def _send(
    connection_name: str,
    request: SendEnvelopeRequest,
    idempotency_key: IdempotencyKey | None,
    deadline: Deadline,
    services: Services,
) -> SendEnvelopeResponse:
    if request.callback_url is not None:
        check_callback_target(
            request.callback_url,
            services.connections.callback_secret(connection_name),
            connection_name,
        )
    # Whom it comes from, checked before anything is read or sent (a refusal costs nothing).
    sender = resolve_sender(services, connection_name, request.sender, deadline)
    prepared, sources = prepare_documents(services, connection_name, request)
    # The sizes are known before any byte is read (the request's base64, the inbox objects'
    # HEAD): documents DocuSign could not take are refused before the fields check reads them.
    if sum(source.base64_length for source in sources) > MAX_REQUEST_BYTES:
        raise _too_large()
    check_placements(
        request,
        lambda number: source_bytes(sources[number - 1]),
        budget=PdfBudget(deadline=deadline),
    )
    client = client_as(services, connection_name, sender.user_id if sender else None, deadline)
    template_tabs = prefill_tabs(services, connection_name, client, request)
    role_tabs = composite_prefill(services, connection_name, client, request)
    auths = [s.authentication for s in request.signers]
    auths += [r.authentication for r in request.template_roles]
    auths += [r.authentication for t in request.templates for r in t.roles]
    workflows = workflows_for(services, connection_name, client, auths)
    transaction_id = transaction_id_for(connection_name, idempotency_key)
    definition = envelope_definition(
        request, prepared, transaction_id, template_tabs, workflows, role_tabs
    )
    if request.doc_gen_fields is not None:
        # DocGen: a draft first; its fields are filled, then it is sent (actions.docgen).
        definition["status"] = EnvelopeStatus.CREATED
    if sources and request_size(definition, sources) > MAX_REQUEST_BYTES:
        raise _too_large()
    with refuse_unavailable_authentication(
        auths, lambda: forget_workflows(services, connection_name)
    ):
        if idempotency_key is None:
            summary = client.create_envelope(definition, sources)
        else:
            summary = _create_once(services, client, definition, sources, transaction_id)
    status = str(summary.get("status") or request.status).lower()
    status_time = clock.normalize(summary.get("statusDateTime")) or clock.now_iso()
    if request.doc_gen_fields is not None and status == EnvelopeStatus.CREATED:
        status = fill_draft(
            client,
            str(summary["envelopeId"]),
            request.doc_gen_fields,
            send=request.status == EnvelopeStatus.SENT,
        )
        status_time = clock.now_iso() if status == EnvelopeStatus.SENT else status_time
    record = record_from_envelope(
        {
            "envelopeId": str(summary["envelopeId"]),
            "status": status,
            "statusChangedDateTime": status_time,
            "sentDateTime": status_time if status == EnvelopeStatus.SENT else None,
            "emailSubject": request.email_subject,
            "customFields": definition.get("customFields"),
            "recipients": _recipients_as_sent(definition, status),
            "transactionId": transaction_id,
        },
        connection_name,
        None,
        "connector",
    )
    record.callback_url = request.callback_url
    record.created_by = current_caller()
    if sender is not None:
        record.sender_user_id, record.sender_email = sender.user_id, sender.email
    services.store.create(record)
    services.store.add_history(
        record.envelope_id, f"envelope-{status}", status, status_time, "connector"
    )
    logger.info(
        "envelope created",
        extra={
            "connection": connection_name,
            "envelope_id": record.envelope_id,
            "status": status,
            "documents": len(sources),
            "docusign_calls": client.calls,
        },
    )
    return SendEnvelopeResponse(
        envelope_id=record.envelope_id,
        status=status,
        sent_date_time=record.sent_date_time,
        connection=connection_name,
    )
