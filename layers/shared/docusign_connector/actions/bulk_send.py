"""Send inbox rows through DocuSign's Bulk Send: per batch of at most 1,000 rows, a bulk send
list, a draft envelope, one send call, then the batch's progress until its envelopes exist.

Each step is recorded in the table before and after its call (`adapters.bulk_jobs`), so a
retried file — the same bytes, a redelivered message, a crash between two calls — resumes
where it stopped and never sends a batch twice: a send whose answer was lost is found by the
batch's name; until it is found, and for SEND_SETTLE_SECONDS after the attempt, nothing is sent
again. Batches go out one at a time, so the connector never has more than 1,000 copies in the
account's queue of 2,000; a full queue (BULK_SEND_ACCOUNT_HAS_TOO_MANY_QUEUED_ENVELOPES) waits.
The envelopes a batch made are tracked like any other (records, history, Connect, archive,
callbacks).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..adapters.bulk_jobs import BulkJobStore
from ..adapters.docusign.body import MAX_REQUEST_BYTES
from ..adapters.docusign.bulk import BulkSendCalls, docusign_code
from ..container import Services
from ..domain import Deadline, EnvelopeStatus
from ..errors import ConnectorError
from ..mapping import record_from_envelope
from .anchors import check_placements, source_bytes
from .bulk_plan import ROW_FIELD, Chunk, copy_of, draft_definition
from .pdf_facts import PdfBudget
from .send import prepare_documents

logger = Logger(child=True)

# How long a send whose answer was lost may take to show up in the batch list before the
# batch is sent again (DocuSign queues a batch whole, at once: a minute is ample).
SEND_SETTLE_SECONDS = 120
# Polls of a queued batch within one run, a second apart; then the file waits in the queue.
POLLS_PER_RUN = 5
POLL_PAUSE_SECONDS = 1.0
QUEUED_RETRY_SECONDS = 10
QUEUE_FULL_RETRY_SECONDS = 60
SETTINGS_SECONDS = 3600
# Time a step needs: below this much Lambda time left, the run stops and the file waits.
STEP_MARGIN_SECONDS = 20.0


class BulkUnavailable(Exception):
    """The account refused Bulk Send after all: the file goes the per-row way."""


@dataclass
class ChunkOutcome:
    answers: dict[int, dict[str, Any]] | None = None  # row number → result (done)
    wait_seconds: float | None = None  # not done yet: look again this much later


def bulk_send_allowed(services: Services, connection: str, deadline: Deadline) -> bool:
    """Whether the connection's account has Bulk Send (`allowBulkSend` in its settings), read
    once per connection and hour in a container."""
    now = time.monotonic()
    with services.lock:
        cached = services.bulk_send_allowed.get(connection)
    if cached is not None and now - cached[0] < SETTINGS_SECONDS:
        return cached[1]
    client = services.client(services.connections.get(connection), deadline)
    settings = client.get_account_settings()
    allowed = str(settings.get("allowBulkSend") or "").lower() == "true"
    remember_bulk_send(services, connection, allowed)
    return allowed


def remember_bulk_send(services: Services, connection: str, allowed: bool) -> None:
    with services.lock:
        services.bulk_send_allowed[connection] = (time.monotonic(), allowed)


def _time_left(deadline: Deadline) -> bool:
    return deadline is None or deadline() > STEP_MARGIN_SECONDS


def run_chunk(
    connection: str,
    identity: str,
    chunk: Chunk,
    services: Services,
    deadline: Deadline,
) -> ChunkOutcome:
    """Take one batch as far as it goes in this run."""
    job_key = f"{identity}:{chunk.index}"
    jobs = BulkJobStore(services.store)
    calls = BulkSendCalls(services.client(services.connections.get(connection), deadline))
    batch_name = f"inbox {identity.rsplit(':', 1)[-1][:16]} {chunk.index}"
    job = jobs.get_or_start(connection, job_key)
    try:
        while _time_left(deadline):
            step = job["step"]
            if step == "new":
                copies = [copy_of(row.number, row.request) for row in chunk.valid if row.request]
                list_id = calls.create_list(batch_name, copies)
                jobs.advance(connection, job_key, "new", "listed", listId=list_id)
            elif step == "listed":
                draft_id = _create_draft(connection, chunk, job["listId"], services, calls)
                jobs.advance(connection, job_key, "listed", "drafted", draftId=draft_id)
            elif step == "drafted":
                wait = _send(connection, job_key, job, batch_name, jobs, calls)
                if wait is not None:
                    return ChunkOutcome(wait_seconds=wait)
            elif step == "sending":
                wait = _resume_send(connection, job_key, job, batch_name, jobs, calls)
                if wait is not None:
                    return ChunkOutcome(wait_seconds=wait)
            else:  # "sent", or "done" by a run whose result lines may not have been saved
                return _collect(connection, chunk, job["batchId"], services, calls, deadline)
            job = jobs.get_or_start(connection, job_key)
    except ConnectorError as exc:
        code = docusign_code(exc)
        if code in ("ACCOUNT_LACKS_PERMISSIONS", "USER_LACKS_PERMISSIONS"):
            remember_bulk_send(services, connection, False)
            raise BulkUnavailable(code) from exc
        raise
    return ChunkOutcome(wait_seconds=0.0)


def finish_chunk(connection: str, identity: str, chunk: Chunk, services: Services) -> None:
    """The batch's result lines are saved: its job is done."""
    BulkJobStore(services.store).advance(connection, f"{identity}:{chunk.index}", "sent", "done")


def _create_draft(
    connection: str, chunk: Chunk, list_id: str, services: Services, calls: BulkSendCalls
) -> str:
    first = chunk.valid[0].request
    assert first is not None
    prepared, sources = prepare_documents(services, connection, first)
    if sum(source.base64_length for source in sources) > MAX_REQUEST_BYTES:
        raise ConnectorError("the documents are too large for one DocuSign request")
    check_placements(first, lambda n: source_bytes(sources[n - 1]), budget=PdfBudget())
    summary = calls.client.create_envelope(draft_definition(first, prepared, list_id), sources)
    return str(summary["envelopeId"])


def _send(
    connection: str,
    job_key: str,
    job: dict[str, Any],
    batch_name: str,
    jobs: BulkJobStore,
    calls: BulkSendCalls,
) -> float | None:
    attempt = clock.now_iso()
    if not jobs.advance(connection, job_key, "drafted", "sending", sendingAt=attempt):
        return None  # another run got there first: read the job again
    try:
        answer = calls.send_list(job["listId"], job["draftId"], batch_name)
    except ConnectorError as exc:
        if docusign_code(exc) == "BULK_SEND_ACCOUNT_HAS_TOO_MANY_QUEUED_ENVELOPES":
            # Refused outright: nothing was queued, the draft waits for room in the queue.
            jobs.advance(connection, job_key, "sending", "drafted", sending_at=attempt)
            return QUEUE_FULL_RETRY_SECONDS
        if exc.status_code < 500 and exc.status_code != 429:
            jobs.advance(connection, job_key, "sending", "drafted", sending_at=attempt)
        raise
    jobs.advance(connection, job_key, "sending", "sent", batchId=str(answer["batchId"]))
    logger.info(
        "bulk batch sent",
        extra={
            "connection": connection,
            "batch": answer.get("batchId"),
            "size": answer.get("batchSize"),
        },
    )
    return None


def _resume_send(
    connection: str,
    job_key: str,
    job: dict[str, Any],
    batch_name: str,
    jobs: BulkJobStore,
    calls: BulkSendCalls,
) -> float | None:
    """A send was attempted and its outcome not recorded: find its batch, or wait, or (once
    DocuSign has certainly not queued it) send again."""
    batch_id = calls.find_batch(batch_name)
    if batch_id:
        jobs.advance(connection, job_key, "sending", "sent", batchId=batch_id)
        return None
    age = clock.age_seconds(str(job.get("sendingAt") or "")) or 0.0
    if age < SEND_SETTLE_SECONDS:
        return max(1.0, SEND_SETTLE_SECONDS - age)
    jobs.advance(
        connection, job_key, "sending", "drafted", sending_at=str(job.get("sendingAt") or "")
    )
    return None


def _collect(
    connection: str,
    chunk: Chunk,
    batch_id: str,
    services: Services,
    calls: BulkSendCalls,
    deadline: Deadline,
) -> ChunkOutcome:
    """Poll the batch until none of its copies is queued, then record its envelopes."""
    for poll in range(POLLS_PER_RUN):
        status = calls.batch_status(batch_id)
        if int(str(status.get("queued") or "0")) == 0:
            break
        if poll == POLLS_PER_RUN - 1 or not _time_left(deadline):
            return ChunkOutcome(wait_seconds=QUEUED_RETRY_SECONDS)
        time.sleep(POLL_PAUSE_SECONDS)
    envelopes = calls.batch_envelopes(batch_id)
    answers: dict[int, dict[str, Any]] = {}
    for envelope in envelopes:
        fields = (envelope.get("customFields") or {}).get("textCustomFields") or []
        row = next((f.get("value") for f in fields if f.get("name") == ROW_FIELD), None)
        if not str(row or "").isdigit():
            continue
        record = record_from_envelope(envelope, connection, None, "connector")
        services.store.create(record)
        services.store.add_history(
            record.envelope_id,
            f"envelope-{record.status}",
            record.status,
            record.status_changed_date_time or clock.now_iso(),
            "connector",
        )
        answers[int(str(row))] = {
            "envelopeId": record.envelope_id,
            "status": record.status or EnvelopeStatus.SENT,
        }
    failures = status.get("bulkErrors") or []
    for row in chunk.valid:
        if row.number in answers:
            continue
        message = _failure_for(row, failures)
        answers[row.number] = {
            "error": {"code": "BULK_SEND_COPY_FAILED", "message": message, "details": []}
        }
    return ChunkOutcome(answers=answers)


def _failure_for(row: Any, failures: list[dict[str, Any]]) -> str:
    emails = {s.email.lower() for s in row.request.signers} if row.request else set()
    for failure in failures:
        named = {str(e).lower() for e in failure.get("recipientEmails") or []}
        if named & emails:
            return str(failure.get("errorMessage") or "DocuSign did not send this copy")[:500]
    return "DocuSign did not send this copy of the batch"
