"""Bulk Send batches (BulkSendBatch, BulkSendEnvelopes): a batch's counts and errors, the
account's batches, and the envelopes a batch made (see `bulk_send.py` for how they are made)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from . import rest
from .bulk_rules import bulk_error
from .bulk_send import account_setting, bulk_store, queued_copies, require_bulk_send, split_list
from .errors import DocuSignError
from .state import EmulatorState


def _counts(batch: dict[str, Any]) -> dict[str, str]:
    return {
        "batchSize": str(batch["batchSize"]),
        "sent": str(len(batch["envelopeIds"])),
        "queued": str(len(batch["pending"])),
        "failed": str(len(batch["errors"])),
    }


def _batch_of(st: EmulatorState, account_id: str, batch_id: str) -> dict[str, Any]:
    batch = bulk_store(st)["batches"].get(batch_id)
    if batch is None or batch["accountId"] != account_id:
        # DocuSign names no code for an unknown batch: its generic one for a missing resource.
        raise DocuSignError(404, "RESOURCE_NOT_FOUND", f"Bulk send batch {batch_id} not found.")
    return batch


@rest.bp.get("/bulk_send_batch")
def list_bulk_send_batches(account_id: str):
    """BulkSendV2Batch_GetBulkSendBatches: `batch_ids`, `status` (all, failed, sent, queued),
    `search_text` (DocuSign does not say what it searches: the emulator matches batch names),
    `count` (1-100, default 100), `start_position`."""
    st = rest.state()
    require_bulk_send(st, account_id)
    args = request.args
    wanted_ids = set(split_list(args.get("batch_ids")))
    status = (args.get("status") or "all").lower()
    text = (args.get("search_text") or "").lower()
    try:
        count = max(1, min(100, int(args.get("count") or 100)))
        start = max(0, int(args.get("start_position") or 0))
    except ValueError:
        raise bulk_error(
            "INVALID_REQUEST_PARAMETER", "count and start_position are numbers."
        ) from None
    with st.lock:
        batches = [
            b
            for b in bulk_store(st)["batches"].values()
            if b["accountId"] == account_id
            and (not wanted_ids or b["batchId"] in wanted_ids)
            and (not text or text in b["batchName"].lower())
        ]
        if status in ("failed", "sent", "queued"):
            key = {"failed": "errors", "sent": "envelopeIds", "queued": "pending"}[status]
            batches = [b for b in batches if b[key]]
        page = batches[start : start + count]
        limit = account_setting(st, account_id, "bulkSendMaxUnprocessedEnvelopesCount")
        queued = str(queued_copies(st, account_id))
        return jsonify(
            {
                "batchSizeLimit": account_setting(st, account_id, "bulkSendMaxCopiesInBatch"),
                "queueLimit": limit,
                "totalQueued": queued,
                "bulkProcessQueueLimit": limit,
                "bulkProcessTotalQueued": queued,
                "resultSetSize": str(len(page)),
                "startPosition": str(start),
                "endPosition": str(start + max(0, len(page) - 1)),
                "totalSetSize": str(len(batches)),
                "bulkBatchSummaries": [
                    {
                        "batchId": b["batchId"],
                        "batchName": b["batchName"],
                        "batchUri": f"/bulk_send_batch/{b['batchId']}",
                        "submittedDate": b["submittedDate"],
                        **_counts(b),
                    }
                    for b in page
                ],
            }
        )


@rest.bp.get("/bulk_send_batch/<batch_id>")
def get_bulk_send_batch(account_id: str, batch_id: str):
    st = rest.state()
    require_bulk_send(st, account_id)
    with st.lock:
        batch = _batch_of(st, account_id, batch_id)
        return jsonify(
            {
                "batchId": batch_id,
                "batchName": batch["batchName"],
                "envelopeIdOrTemplateId": batch["draftId"],
                "mailingListId": batch["mailingListId"],
                "mailingListName": batch["mailingListName"],
                "senderUserId": batch["senderUserId"],
                "ownerUserId": batch["senderUserId"],
                "submittedDate": batch["submittedDate"],
                "envelopesUri": f"/bulk_send_batch/{batch_id}/envelopes",
                "bulkErrors": list(batch["errors"]),
                **_counts(batch),
            }
        )


@rest.bp.get("/bulk_send_batch/<batch_id>/envelopes")
def list_bulk_send_batch_envelopes(account_id: str, batch_id: str):
    """BulkSendV2Envelopes_GetBulkSendBatchEnvelopes: `envelopesInformation` of the batch's
    envelopes, `count` 1-1000, `start_position`, `order` (desc by default), `include`
    (recipients, custom_fields, as listStatusChanges renders them; DocuSign documents only
    `recipients` for this route)."""
    st = rest.state()
    require_bulk_send(st, account_id)
    args = request.args
    try:
        count = max(1, min(1000, int(args.get("count") or 1000)))
        start = max(0, int(args.get("start_position") or 0))
    except ValueError:
        raise bulk_error(
            "INVALID_REQUEST_PARAMETER", "count and start_position are numbers."
        ) from None
    include = set(split_list(args.get("include")))
    with st.lock:
        batch = _batch_of(st, account_id, batch_id)
        ids = list(batch["envelopeIds"])
        if (args.get("order") or "desc").lower() == "desc":
            ids.reverse()
        page = ids[start : start + count]
        envelopes = [rest.render_envelope(st.envelopes[i], include) for i in page]
        return jsonify(
            {
                "envelopes": envelopes,
                "resultSetSize": str(len(envelopes)),
                "startPosition": str(start),
                "endPosition": str(start + max(0, len(envelopes) - 1)),
                "totalSetSize": str(len(ids)),
            }
        )
