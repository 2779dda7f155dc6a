"""The S3 inbox: a JSON manifest dropped under `inbox/{connection}/` sends one envelope (the body
of POST /envelopes, documents by s3Key) or several (`{"envelopes": [...]}`).

The answer is written to `outbox/{connection}/{manifest path}.result.json` and the manifest is
tagged with its envelope id(s). A bad manifest gets an error result and is done with; only
passing troubles (DocuSign throttling or unavailable, AWS errors) are retried by SQS, and a
message that keeps failing ends in the dead-letter queue.

The same content is the same send, under any key of the connection's inbox: the idempotency
key is the SHA-256 of the manifest's bytes (and the envelope's place in a batch), in the
inbox's own namespace (`idempotency_keys`), so S3 delivering an event twice, an upload tool's
retry, a sync job run again, a multipart upload or a copy under another name never sends twice
(each result file gets the first answer). A deliberate resend of the same content gives the
manifest a new top-level `sendId` (any text up to 100 characters), which makes it a new send.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from ..container import Services, get_services
from ..domain import Deadline
from ..errors import BadRequest, ConnectorError
from ..idempotency_keys import IdempotencyKey, content_identity
from ..ids import is_connection_name
from ..models.requests import SendEnvelopeRequest
from ..models.validation import validation_error
from .send import send_envelope

logger = Logger(child=True)

MAX_MANIFEST_BYTES = 1024 * 1024
MAX_BATCH = 100
MAX_SEND_ID_LENGTH = 100


@dataclass(frozen=True)
class Manifest:
    bucket: str
    key: str
    version_id: str | None
    etag: str | None
    connection: str

    @property
    def result_key(self) -> str:
        relative = self.key[len(f"inbox/{self.connection}/") :]
        return f"outbox/{self.connection}/{relative}.result.json"


def manifests_in(message_body: str) -> list[Manifest]:
    """The manifests an S3 event notification (as delivered through SQS) points at."""
    from aws_lambda_powertools.utilities.data_classes import S3Event

    event = json.loads(message_body)
    if not isinstance(event, dict) or event.get("Event") == "s3:TestEvent":
        return []
    found: list[Manifest] = []
    for record in S3Event(event).records:
        if not record.event_name.startswith("ObjectCreated"):
            continue
        obj = record.s3.get_object
        key = unquote_plus(obj.key)
        parts = key.split("/")
        if len(parts) < 3 or parts[0] != "inbox" or not key.endswith((".json", ".csv")):
            continue
        if not is_connection_name(parts[1]):
            logger.warning("manifest outside any connection's inbox", extra={"key": key[:300]})
            continue
        found.append(
            Manifest(
                bucket=record.s3.bucket.name,
                key=key,
                version_id=obj.version_id,
                etag=obj.etag or None,
                connection=parts[1],
            )
        )
    return found


def _is_transient(error: ConnectorError) -> bool:
    return error.status_code >= 500 or error.status_code == 429


def _send_one(
    manifest: Manifest,
    version: str,
    index: int | None,
    body: Any,
    services: Services,
    deadline: Deadline,
) -> dict[str, Any]:
    try:
        if not isinstance(body, dict):
            raise BadRequest("each envelope must be a JSON object", code="INVALID_MANIFEST")
        try:
            request = SendEnvelopeRequest.model_validate(body)
        except ValidationError as exc:
            raise validation_error(exc) from None
        result = send_envelope(
            manifest.connection,
            request,
            idempotency_key=_item_key(services, manifest, version, index),
            deadline=deadline,
            services=services,
        )
        return result.dump()
    except ConnectorError as exc:
        if _is_transient(exc):
            raise
        return exc.to_body()


def _item_key(
    services: Services, manifest: Manifest, digest: str, index: int | None
) -> IdempotencyKey:
    """The idempotency key of one envelope of a manifest: its content's identity and place."""
    item = "single" if index is None else str(index)
    # A send begun before the inbox had a namespace of its own (its key named the manifest's
    # S3 key, in the API's namespace) keeps that key, so its retry finds it; such claims
    # expire after 7 days (TRANSACTION_MARKER_SECONDS), and with them this lookup's use.
    legacy = IdempotencyKey.api(f"s3:{manifest.key}:sha256:{digest}:{item}")
    if services.store.transaction_claimed(legacy.transaction_id(manifest.connection)):
        return legacy
    return IdempotencyKey.inbox(f"manifest:{content_identity(digest)}:{item}")


def _read_manifest(manifest: Manifest, services: Services) -> tuple[Any, str]:
    """The manifest's JSON and the SHA-256 of its bytes (what makes it the same send)."""
    raw, _, _ = services.documents.read_object(
        manifest.key, manifest.version_id, MAX_MANIFEST_BYTES
    )
    if raw is None:
        raise BadRequest("the manifest is larger than 1 MB", code="MANIFEST_TOO_LARGE")
    digest = hashlib.sha256(raw).hexdigest()
    try:
        return json.loads(raw), digest
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("the manifest is not valid JSON", code="INVALID_JSON") from None


def _without_send_id(data: Any) -> Any:
    """The manifest without its `sendId`, which only makes identical content a new send."""
    if not isinstance(data, dict) or "sendId" not in data:
        return data
    send_id = data["sendId"]
    if (
        not isinstance(send_id, str)
        or not 1 <= len(send_id) <= MAX_SEND_ID_LENGTH
        or not send_id.isprintable()
    ):
        raise BadRequest(
            f"'sendId' must be 1 to {MAX_SEND_ID_LENGTH} printable characters",
            code="INVALID_MANIFEST",
        )
    return {k: v for k, v in data.items() if k != "sendId"}


def process_manifest(
    manifest: Manifest,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> dict[str, Any]:
    services = services or get_services()
    if manifest.bucket != services.settings.documents_bucket_name:
        raise BadRequest("manifest in an unexpected bucket", code="UNKNOWN_BUCKET")
    result: dict[str, Any] = {"manifest": manifest.key, "versionId": manifest.version_id}
    try:
        data, version = _read_manifest(manifest, services)
        data = _without_send_id(data)
        if isinstance(data, dict) and "envelopes" in data:
            items = data["envelopes"]
            if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
                raise BadRequest(
                    f"'envelopes' must be a list of 1 to {MAX_BATCH} envelopes",
                    code="INVALID_MANIFEST",
                )
            if set(data) - {"envelopes"}:
                raise BadRequest("a batch manifest holds only 'envelopes'", code="INVALID_MANIFEST")
            result["envelopes"] = [
                {
                    "index": i,
                    **_send_one(manifest, version, i, item, services, deadline),
                }
                for i, item in enumerate(items)
            ]
        else:
            result.update(_send_one(manifest, version, None, data, services, deadline))
    except ConnectorError as exc:
        if _is_transient(exc):
            raise
        result.update(exc.to_body())
    _write_result(manifest, result, services)
    return result


def _write_result(manifest: Manifest, result: dict[str, Any], services: Services) -> None:
    services.documents.put_json(
        manifest.result_key, json.dumps(result, indent=2, ensure_ascii=False).encode()
    )
    ids = (
        [result["envelopeId"]]
        if result.get("envelopeId")
        else [e["envelopeId"] for e in result.get("envelopes", []) if e.get("envelopeId")]
    )
    tags = {"docusign-result": "error" if "error" in result else "sent"}
    if ids:
        joined = " ".join(ids)
        tags["docusign-envelope-id"] = joined if len(joined) <= 256 else f"{len(ids)} envelopes"
    services.documents.tag(manifest.key, manifest.version_id, tags)
    logger.info(
        "manifest processed",
        extra={"manifest": manifest.key, "envelopes": ids, "error": "error" in result},
    )
