"""DocuSign's Bulk Send v2.1 calls: a bulk send list, its send with a draft envelope, and the
batch it makes (BulkSend, BulkSendBatch, BulkSendEnvelopes in the eSignature REST API)."""

from __future__ import annotations

from typing import Any

from ...errors import ConnectorError
from .client import DocuSignClient
from .errors import json_body
from .transport import segment

# DocuSign's page cap for a batch's envelopes (`count`: 1 to 1000).
ENVELOPES_PAGE = 1000


def docusign_code(error: ConnectorError) -> str:
    """DocuSign's `errorCode` behind a connector error, when DocuSign gave one."""
    for detail in error.details:
        if isinstance(detail, dict) and detail.get("docusignErrorCode"):
            return str(detail["docusignErrorCode"]).upper()
    return ""


class BulkSendCalls:
    """The Bulk Send calls of one connection, on its client's transport (token, time budget,
    retries, the account's rate budget)."""

    def __init__(self, client: DocuSignClient) -> None:
        self.client = client
        self.transport = client.transport

    def create_list(self, name: str, copies: list[dict[str, Any]]) -> str:
        """BulkSend::createBulkSendList → the list's id. Not retried: a retry could make a
        second list (harmless, but a list is never needed twice)."""
        response = self.transport.send(
            "POST",
            "/bulk_send_lists",
            json_body={"name": name, "bulkCopies": copies},
            retry=False,
        )
        return str(json_body(response)["listId"])

    def send_list(self, list_id: str, envelope_id: str, batch_name: str) -> dict[str, Any]:
        """BulkSend::createBulkSendRequest: queues the whole batch (`batchId`, `batchSize`,
        `queueLimit`, `totalQueued`). Never retried here: whether a lost answer queued the
        batch is found by its name (`find_batch`)."""
        response = self.transport.send(
            "POST",
            f"/bulk_send_lists/{segment(list_id)}/send",
            json_body={"envelopeOrTemplateId": envelope_id, "batchName": batch_name},
            retry=False,
        )
        return json_body(response)

    def find_batch(self, batch_name: str) -> str | None:
        """The id of the batch with exactly this name, if DocuSign has one."""
        response = self.transport.send(
            "GET",
            "/bulk_send_batch",
            params={"search_text": batch_name, "status": "all", "count": "100"},
        )
        for summary in json_body(response).get("bulkBatchSummaries") or []:
            if isinstance(summary, dict) and summary.get("batchName") == batch_name:
                return str(summary.get("batchId") or "") or None
        return None

    def batch_status(self, batch_id: str) -> dict[str, Any]:
        """BulkSendBatch::getBulkSendBatchStatus: `batchSize`, `sent`, `queued`, `failed`,
        `bulkErrors`."""
        response = self.transport.send("GET", f"/bulk_send_batch/{segment(batch_id)}")
        return json_body(response)

    def batch_envelopes(self, batch_id: str) -> list[dict[str, Any]]:
        """Every envelope the batch made, with recipients and custom fields, page by page."""
        envelopes: list[dict[str, Any]] = []
        start = 0
        while True:
            response = self.transport.send(
                "GET",
                f"/bulk_send_batch/{segment(batch_id)}/envelopes",
                params={
                    "count": str(ENVELOPES_PAGE),
                    "start_position": str(start),
                    "include": "recipients,custom_fields",
                    "order": "asc",
                },
            )
            body = json_body(response)
            page = [e for e in body.get("envelopes") or [] if isinstance(e, dict)]
            envelopes.extend(page)
            total = int(str(body.get("totalSetSize") or len(envelopes)) or 0)
            if not page or len(envelopes) >= total:
                return envelopes
            start += len(page)
