"""Bulk Send API v2.1 (BulkSend, BulkSendBatch, BulkSendEnvelopes): bulk send lists, a send of a
list with a draft envelope, its batch and the envelopes the batch made.

A send queues the batch whole (createBulkSendRequest: "Only the entire batch is queued"); its
copies become envelopes later, "in a metered fashion" (the BulkSend resource page). The
emulator meters them per request: each REST call of the account afterwards turns at most
`state.bulk_send_step` queued copies (default 1,000) into envelopes, each a real envelope (sent,
with its Connect events, documents and completion like any other). `bulk_send_step = 0` keeps
batches queued until `process_bulk_sends(state)`; e-mails in `state.bulk_send_failing` make
their copy fail (`bulkErrors`). The pace is the emulator's: DocuSign publishes none.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import g, jsonify

from . import rest
from .bulk_rules import (
    DEFAULT_MAX_COPIES,
    DEFAULT_QUEUE_LIMIT,
    bulk_error,
    check_compatible,
    check_list,
    copy_emails,
    copy_record,
)
from .errors import DocuSignError, invalid_request_body, not_supported
from .state import EmulatorState

# The account settings DocuSign names for Bulk Send (spec, `accountSettingsInformation`):
# `allowBulkSend` ("bulk send functionality is enabled for the account"), the copies a batch
# may hold and the envelopes the account may have queued.
BULK_SETTINGS = {
    "allowBulkSend": "true",
    "bulkSendMaxCopiesInBatch": str(DEFAULT_MAX_COPIES),
    "bulkSendMaxUnprocessedEnvelopesCount": str(DEFAULT_QUEUE_LIMIT),
}
rest.DEFAULT_ACCOUNT_SETTINGS.update(BULK_SETTINGS)
MAILING_LIST_FIELD = "mailingListId"


def bulk_store(st: EmulatorState) -> dict[str, dict[str, Any]]:
    return st.bulk


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def account_setting(st: EmulatorState, account_id: str, name: str) -> str:
    settings = {**rest.DEFAULT_ACCOUNT_SETTINGS, **st.account_settings.get(account_id, {})}
    return str(settings.get(name, ""))


def require_bulk_send(st: EmulatorState, account_id: str) -> None:
    """An account whose plan lacks Bulk Send ("only available on Business Pro and Enterprise Pro
    plans") reports `allowBulkSend` "false"; DocuSign does not publish what its bulk routes then
    answer: the emulator refuses them with ACCOUNT_LACKS_PERMISSIONS, one of DocuSign's codes."""
    if account_setting(st, account_id, "allowBulkSend").lower() != "true":
        raise DocuSignError(
            400,
            "ACCOUNT_LACKS_PERMISSIONS",
            "This Account lacks sufficient permissions. Bulk Send is not enabled for the account.",
        )


def _body(definition: str) -> dict[str, Any]:
    body = rest.json_body()
    if not isinstance(body, dict):
        raise invalid_request_body(f"The body must be a JSON object ({definition}).")
    rest.check_body(definition, body)
    return body


def _list_of(st: EmulatorState, account_id: str, list_id: str) -> dict[str, Any]:
    found = bulk_store(st)["lists"].get(list_id)
    if found is None or found["accountId"] != account_id:
        raise bulk_error(
            "BULK_SEND_LIST_NOT_FOUND",
            f"Bulk Sending list {list_id} does not exist or you do not have permission to access "
            "it.",
        )
    return found


def _render_list(found: dict[str, Any]) -> dict[str, Any]:
    return {"listId": found["listId"], "name": found["name"], "bulkCopies": found["bulkCopies"]}


def _summaries(st: EmulatorState, account_id: str) -> dict[str, Any]:
    return {
        "bulkListSummaries": [
            {
                "bulkSendListId": item["listId"],
                "name": item["name"],
                "createdByUser": item["ownerUserId"],
                "createdDate": item["createdDate"],
            }
            for item in bulk_store(st)["lists"].values()
            if item["accountId"] == account_id and item["ownerUserId"] == g.user_id
        ]
    }


@rest.bp.post("/bulk_send_lists")
def create_bulk_send_list(account_id: str):
    st = rest.state()
    require_bulk_send(st, account_id)
    body = _body("bulkSendingList")
    with st.lock:
        check_list(body, int(account_setting(st, account_id, "bulkSendMaxCopiesInBatch")))
        list_id = str(uuid.uuid4())
        bulk_store(st)["lists"][list_id] = {
            "listId": list_id,
            "accountId": account_id,
            "ownerUserId": g.user_id,
            "name": str(body.get("name") or ""),
            "bulkCopies": body.get("bulkCopies") or [],
            "createdDate": st.timestamp(),
        }
        return jsonify(_render_list(bulk_store(st)["lists"][list_id])), 201


@rest.bp.get("/bulk_send_lists")
def list_bulk_send_lists(account_id: str):
    st = rest.state()
    require_bulk_send(st, account_id)
    with st.lock:
        return jsonify(_summaries(st, account_id))


@rest.bp.get("/bulk_send_lists/<list_id>")
def get_bulk_send_list(account_id: str, list_id: str):
    st = rest.state()
    require_bulk_send(st, account_id)
    with st.lock:
        return jsonify(_render_list(_list_of(st, account_id, list_id)))


@rest.bp.put("/bulk_send_lists/<list_id>")
def update_bulk_send_list(account_id: str, list_id: str):
    st = rest.state()
    require_bulk_send(st, account_id)
    body = _body("bulkSendingList")
    with st.lock:
        found = _list_of(st, account_id, list_id)
        check_list(body, int(account_setting(st, account_id, "bulkSendMaxCopiesInBatch")))
        found["name"] = str(body.get("name") or found["name"])
        found["bulkCopies"] = body.get("bulkCopies") or []
        return jsonify(_render_list(found))


@rest.bp.delete("/bulk_send_lists/<list_id>")
def delete_bulk_send_list(account_id: str, list_id: str):
    st = rest.state()
    require_bulk_send(st, account_id)
    with st.lock:
        _list_of(st, account_id, list_id)
        del bulk_store(st)["lists"][list_id]
        return jsonify(_summaries(st, account_id))


def queued_copies(st: EmulatorState, account_id: str) -> int:
    return sum(
        len(batch["pending"])
        for batch in bulk_store(st)["batches"].values()
        if batch["accountId"] == account_id
    )


def _checked_send(st: EmulatorState, account_id: str, list_id: str) -> tuple[dict, dict, dict]:
    """The list, the draft envelope and the request of a send (or its test), as DocuSign checks
    them: the list exists and holds 1 to bulkSendMaxCopiesInBatch copies; the envelope is given,
    exists, is a draft whose `mailingListId` custom field names the list (DocuSign's code
    example eg031 sets it before sending; an envelope without it is refused with
    BULK_SEND_LIST_NOT_FOUND, whose message names "the mailingListId specified"); the account's
    queue has room; the copies fit the envelope."""
    body = _body("bulkSendRequest")
    found = _list_of(st, account_id, list_id)
    copies = found["bulkCopies"]
    target = str(body.get("envelopeOrTemplateId") or "")
    if not target:
        raise bulk_error(
            "BULK_SEND_ENVELOPE_CANNOT_BE_NULL", "Cannot send a bulk list without an envelope."
        )
    if target in st.templates and st.templates[target]["accountId"] == account_id:
        raise not_supported("A template as envelopeOrTemplateId", "send a draft envelope")
    draft = st.envelopes.get(target)
    if draft is None or draft["accountId"] != account_id:
        raise bulk_error(
            "BULK_SEND_ENVELOPE_NOT_FOUND",
            f"Envelope {target} does not exist or you do not have permission to access it.",
        )
    if draft["status"] != "created":
        raise bulk_error(
            "BULK_SEND_ENVELOPE_NOT_IN_SENDABLE_STATE",
            f"Envelope {target} is not in a sendable state.",
        )
    fields = (draft.get("customFields") or {}).get("textCustomFields") or []
    if not any(f.get("name") == MAILING_LIST_FIELD and f.get("value") == list_id for f in fields):
        raise bulk_error(
            "BULK_SEND_LIST_NOT_FOUND",
            f"Bulk Sending list {list_id} does not exist or you do not have permission to access "
            "it. The mailingListId specified could not be found.",
        )
    if not copies:
        raise bulk_error(
            "BULK_SEND_ENVELOPE_LIST_CONTAINS_NO_COPIES",
            "Cannot send an envelope with a bulk sending list which contains no copies.",
        )
    most = int(account_setting(st, account_id, "bulkSendMaxCopiesInBatch"))
    if len(copies) > most:
        raise bulk_error(
            "BULK_SEND_ENVELOPE_LIST_CONTAINS_TOO_MANY_COPIES",
            f"Bulk sending list contains more than {most} copies.",
        )
    limit = int(account_setting(st, account_id, "bulkSendMaxUnprocessedEnvelopesCount"))
    queued = queued_copies(st, account_id)
    if queued + len(copies) > limit:
        raise bulk_error(
            "BULK_SEND_ACCOUNT_HAS_TOO_MANY_QUEUED_ENVELOPES",
            f"Cannot send this bulk sending list because doing so would exceed the maximum of "
            f"{limit} in-flight envelopes. This account currently has {queued} envelopes "
            "waiting to be processed. Please try again later.",
        )
    check_compatible(draft, copies)
    return found, draft, body


@rest.bp.post("/bulk_send_lists/<list_id>/send")
def send_bulk_send_list(account_id: str, list_id: str):
    st = rest.state()
    require_bulk_send(st, account_id)
    with st.lock:
        found, draft, body = _checked_send(st, account_id, list_id)
        batch_id = str(uuid.uuid4())
        name = str(body.get("batchName") or "")
        bulk_store(st)["batches"][batch_id] = {
            "batchId": batch_id,
            "batchName": name,
            "accountId": account_id,
            "senderUserId": g.user_id,
            "draftId": draft["envelopeId"],
            "mailingListId": list_id,
            "mailingListName": found["name"],
            "submittedDate": st.timestamp(),
            "pending": list(found["bulkCopies"]),
            "batchSize": len(found["bulkCopies"]),
            "envelopeIds": [],
            "errors": [],
        }
        limit = int(account_setting(st, account_id, "bulkSendMaxUnprocessedEnvelopesCount"))
        answer = {
            "batchId": batch_id,
            "batchName": name,
            "batchSize": str(len(found["bulkCopies"])),
            "envelopeOrTemplateId": draft["envelopeId"],
            "queueLimit": str(limit),
            "totalQueued": str(queued_copies(st, account_id)),
            "errors": [],
            "errorDetails": [],
        }
        g.skip_bulk_processing = True  # this very request only queues the batch
        return jsonify(answer), 201


@rest.bp.post("/bulk_send_lists/<list_id>/test")
def test_bulk_send_list(account_id: str, list_id: str):
    """createBulkSendTestRequest: `canBeSent` true, or the errors a send would meet."""
    st = rest.state()
    require_bulk_send(st, account_id)
    with st.lock:
        try:
            _checked_send(st, account_id, list_id)
        except DocuSignError as exc:
            if exc.error_code == "INVALID_REQUEST_BODY":
                raise
            return jsonify(
                {
                    "canBeSent": False,
                    "validationErrors": [exc.error_code],
                    "validationErrorDetails": [exc.message],
                }
            ), 201
        return jsonify(
            {"canBeSent": True, "validationErrors": [], "validationErrorDetails": []}
        ), 201


def process_bulk_sends(st: EmulatorState, account_id: str | None = None, most: int = 0) -> int:
    """Turn queued copies into envelopes, oldest batch first: `most` of them (0 = all)."""
    done = 0
    with st.lock:
        for batch in list(bulk_store(st)["batches"].values()):
            if account_id is not None and batch["accountId"] != account_id:
                continue
            draft = st.envelopes[batch["draftId"]]
            while batch["pending"] and (not most or done < most):
                bulk_copy = batch["pending"].pop(0)
                done += 1
                emails = copy_emails(bulk_copy)
                if any(e.lower() in st.bulk_send_failing for e in emails):
                    batch["errors"].append(
                        {
                            "created": st.timestamp(),
                            "errorMessage": "The emulator was told to fail this copy.",
                            "recipientEmails": emails,
                        }
                    )
                    continue
                record = copy_record(draft, bulk_copy, str(uuid.uuid4()))
                record["_bulkBatchId"] = batch["batchId"]
                st.add_envelope(record)
                batch["envelopeIds"].append(record["envelopeId"])
    return done


@rest.bp.after_request
def meter_bulk_sends(response):
    """After each REST call of an account, its queue moves on by `bulk_send_step` copies."""
    st = rest.state()
    if g.get("skip_bulk_processing") or not g.get("user_id"):
        return response
    account_id = g.get("rest_account_id")
    step = st.bulk_send_step
    if account_id and step > 0 and st.bulk["batches"]:
        process_bulk_sends(st, account_id, step)
    return response
