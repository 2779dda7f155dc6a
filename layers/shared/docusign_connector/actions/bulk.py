"""Bulk sends from the S3 inbox, and inbox work that waits for the DocuSign rate budget.

`inbox/{connection}/….csv` sends one envelope per row (`models.csv_rows` describes the file).
Rows go out in order, each with its own idempotency key: the file's content identity (the
SHA-256 of its bytes, never its S3 ETag, which is the MD5 only of a single-part upload) and the
row number, in the inbox's namespace. A notification delivered twice, a chunk run again, the
same bytes uploaded again in any way (multipart, any part size, SSE-KMS) or copied under
another key of the connection never send a row twice: the copy's result lists the envelopes
the rows already have. A bad row gets an error in the result and the others go on. A file over
MAX_CSV_BYTES is refused by its size, before a byte of it is read.

The outbox gets `….csv.result.csv` (row, envelopeId, status, errorCode, errorMessage) and
`….csv.progress.json`, both rewritten every few rows: the progress file says how far the file
has gone, and a run that stops (the Lambda's time is nearly up, or the account's DocuSign budget
is spent) continues from there in a message put back on the inbox queue, delayed until the
budget resets. That message is new, so waiting never counts toward the queue's poison-message
limit; only a message that fails for another reason reaches the dead-letter queue.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..container import Services, get_services
from ..domain import Deadline
from ..errors import BadRequest, ConnectorError, Throttled
from ..idempotency_keys import IdempotencyKey, content_identity
from ..models.csv_rows import CsvRow, csv_records, spreadsheet_safe
from .bulk_rows import BULK_MAX_BYTES, row_request, send_in_bulk
from .inbox import Manifest, manifests_in, process_manifest
from .send import send_envelope

logger = Logger(child=True)

RESULT_COLUMNS = ("row", "envelopeId", "status", "errorCode", "errorMessage")
CHECKPOINT_ROWS = 25
# Seconds of Lambda time kept to write the progress and queue the rest.
STOP_MARGIN_SECONDS = 15.0
MAX_CSV_BYTES = 100 * 1024 * 1024
READ_CHUNK = 64 * 1024
# A row still being sent by another delivery of the same file: look again shortly.
IN_PROGRESS_DELAY_SECONDS = 5


@dataclass
class CsvOutcome:
    rows_done: int
    sent: int
    failed: int
    finished: bool
    wait_seconds: float | None = None  # set when the run stopped early
    sent_now: int = 0  # envelopes this run sent (the others were sent by earlier runs)


@dataclass
class InboxRun:
    envelopes_sent: int = 0
    requeued_after: int | None = None  # seconds, when the message was put back for later


def _keys(manifest: Manifest) -> tuple[str, str]:
    relative = manifest.key[len(f"inbox/{manifest.connection}/") :]
    base = f"outbox/{manifest.connection}/{relative}"
    return f"{base}.result.csv", f"{base}.progress.json"


def _is_transient(error: ConnectorError) -> bool:
    return error.status_code >= 500 or isinstance(error, Throttled)


class _Results:
    """The result CSV as it grows, and the progress file beside it."""

    def __init__(
        self, manifest: Manifest, version: str, services: Services, legacy_version: str = ""
    ) -> None:
        self.manifest = manifest
        self.version = version
        # The ETag an earlier release keyed this file's rows on: a run it began continues
        # with its keys, so no row it sent is sent again.
        self.legacy_version = legacy_version
        self.legacy = False
        self.services = services
        self.result_key, self.progress_key = _keys(manifest)
        self.rows_done = 0
        self.sent = 0
        self.failed = 0
        self.text = io.StringIO()
        self.writer = csv.writer(self.text, lineterminator="\r\n")
        self.started_at = clock.now_iso()
        self.sent_before = 0
        self.path: str | None = None  # "bulk" (DocuSign's Bulk Send) or "per-row", once chosen

    def resume(self) -> bool:
        """Pick up an earlier run of this version; True when it had finished."""
        raw = self.services.documents.read_if_present(self.progress_key)
        progress = json.loads(raw) if raw else None
        earlier = progress.get("version") if isinstance(progress, dict) else None
        if self.legacy_version and earlier == self.legacy_version:
            self.version, self.legacy = self.legacy_version, True
        if not isinstance(progress, dict) or earlier != self.version:
            self.writer.writerow(RESULT_COLUMNS)
            return False
        previous = self.services.documents.read_if_present(self.result_key) or b""
        self.text.write(previous.decode("utf-8"))
        self.rows_done = int(progress.get("rowsDone") or 0)
        self.sent = int(progress.get("sent") or 0)
        self.failed = int(progress.get("failed") or 0)
        self.started_at = str(progress.get("startedAt") or self.started_at)
        self.sent_before = self.sent
        self.path = progress.get("path") if progress.get("path") in ("bulk", "per-row") else None
        if not previous:
            self.writer.writerow(RESULT_COLUMNS)
        return progress.get("state") == "done"

    def add(self, number: int, answer: dict[str, Any]) -> None:
        error = answer.get("error") or {}
        if error:
            self.failed += 1
        else:
            self.sent += 1
        cells = [
            number,
            answer.get("envelopeId") or "",
            answer.get("status") or ("" if error else "sent"),
            error.get("code") or "",
            error.get("message") or "",
        ]
        # Back-office users open the result in a spreadsheet: no cell may be a formula.
        self.writer.writerow([spreadsheet_safe(cell) for cell in cells])
        self.rows_done = number

    def save(self, state: str, file_error: dict[str, Any] | None = None) -> None:
        documents = self.services.documents
        documents.put_bytes(self.result_key, self.text.getvalue().encode(), "text/csv")
        progress: dict[str, Any] = {
            "manifest": self.manifest.key,
            "version": self.version,
            "state": state,
            "rowsDone": self.rows_done,
            "sent": self.sent,
            "failed": self.failed,
            "startedAt": self.started_at,
            "updatedAt": clock.now_iso(),
            "result": self.result_key,
        }
        if self.path:
            progress["path"] = self.path
        if file_error:
            progress["error"] = file_error
        documents.put_json(self.progress_key, json.dumps(progress, indent=2).encode())


def row_key(manifest: Manifest, version: str, number: int, *, legacy: bool) -> IdempotencyKey:
    if legacy:
        return IdempotencyKey.api(f"s3:{manifest.key}:{version}:row{number}")
    return IdempotencyKey.inbox(f"csv:{version}:row{number}")


def _send_row(
    manifest: Manifest,
    results: _Results,
    header: list[str],
    row: CsvRow,
    services: Services,
    deadline: Deadline,
) -> dict[str, Any]:
    try:
        request = row_request(header, row)
        result = send_envelope(
            manifest.connection,
            request,
            idempotency_key=row_key(manifest, results.version, row.number, legacy=results.legacy),
            deadline=deadline,
            services=services,
        )
        return result.dump()
    except ConnectorError as exc:
        if _is_transient(exc) or exc.code == "IDEMPOTENCY_IN_PROGRESS":
            raise
        return exc.to_body()


def process_csv(
    manifest: Manifest,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> CsvOutcome:
    """Send the rows of a bulk CSV not sent yet, as far as time and the rate budget allow."""
    services = services or get_services()
    if manifest.bucket != services.settings.documents_bucket_name:
        raise BadRequest("manifest in an unexpected bucket", code="UNKNOWN_BUCKET")
    documents = services.documents
    body, version_id, etag, size = documents.open_version(manifest.key, manifest.version_id)
    legacy_version = str(etag or manifest.etag or "").strip('"')
    if size > MAX_CSV_BYTES:
        body.close()
        results = _Results(manifest, f"size:{size}", services)
        results.writer.writerow(RESULT_COLUMNS)
        too_large = BadRequest(
            f"the CSV file is {size} bytes; at most {MAX_CSV_BYTES} bytes are read (split it "
            "into several files)",
            code="CSV_TOO_LARGE",
        )
        results.save("done", too_large.to_body()["error"])
        _tag(manifest, "error", services)
        return CsvOutcome(0, 0, 0, finished=True)
    try:
        digest = hashlib.sha256()
        for chunk in body.iter_chunks(READ_CHUNK):
            digest.update(chunk)
    finally:
        body.close()
    # The rows are read from the very version that was hashed.
    body, _, _, _ = documents.open_version(manifest.key, version_id, if_match=etag)
    results = _Results(manifest, content_identity(digest.hexdigest()), services, legacy_version)
    outcome = _run_csv(manifest, body, results, services, deadline, size)
    outcome.sent_now = outcome.sent - results.sent_before
    return outcome


def _run_csv(
    manifest: Manifest,
    body: Any,
    results: _Results,
    services: Services,
    deadline: Deadline,
    size: int = 0,
) -> CsvOutcome:
    try:
        if results.resume():
            return CsvOutcome(results.rows_done, results.sent, results.failed, finished=True)
        try:
            header, rows = csv_records(body.iter_chunks(READ_CHUNK))
            if results.path != "per-row" and not results.legacy and size <= BULK_MAX_BYTES:
                listed, file_error = _read_all(rows)
                run = None
                if file_error is None:
                    run = send_in_bulk(
                        manifest.connection, header, listed, results, services, deadline
                    )
                if run is not None and not run.finished:
                    return CsvOutcome(
                        results.rows_done, results.sent, results.failed, False, run.wait_seconds
                    )
                # A file that breaks part-way goes row by row: the rows before keep theirs.
                rows = _replay([] if run is not None else listed, file_error)
            if results.path != "bulk":
                results.path = "per-row"
            for row in rows:
                if row.number <= results.rows_done:
                    continue
                if deadline is not None and deadline() < STOP_MARGIN_SECONDS:
                    results.save("in-progress")
                    return CsvOutcome(results.rows_done, results.sent, results.failed, False, 0.0)
                try:
                    answer = _send_row(manifest, results, header, row, services, deadline)
                except Throttled as exc:
                    results.save("in-progress")
                    wait = float(getattr(exc, "wait_seconds", exc.retry_after)) + 1
                    return CsvOutcome(results.rows_done, results.sent, results.failed, False, wait)
                except ConnectorError as exc:
                    results.save("in-progress")
                    if exc.code == "IDEMPOTENCY_IN_PROGRESS":
                        return CsvOutcome(
                            results.rows_done,
                            results.sent,
                            results.failed,
                            False,
                            IN_PROGRESS_DELAY_SECONDS,
                        )
                    raise  # DocuSign or AWS unavailable: SQS retries the message
                results.add(row.number, answer)
                if row.number % CHECKPOINT_ROWS == 0:
                    results.save("in-progress")
        except BadRequest as exc:
            # The file itself is unusable (header, encoding, a broken quote): the rows read so
            # far keep their results, the file gets the error.
            results.save("done", exc.to_body()["error"])
            _tag(manifest, "error", services)
            return CsvOutcome(results.rows_done, results.sent, results.failed, True)
    finally:
        body.close()
    results.save("done")
    _tag(manifest, "sent" if not results.failed else "partial", services)
    logger.info(
        "bulk CSV processed",
        extra={"manifest": manifest.key, "sent": results.sent, "failed": results.failed},
    )
    return CsvOutcome(results.rows_done, results.sent, results.failed, True)


def _read_all(rows: Iterator[CsvRow]) -> tuple[list[CsvRow], BadRequest | None]:
    listed: list[CsvRow] = []
    try:
        for row in rows:
            listed.append(row)
    except BadRequest as exc:
        return listed, exc
    return listed, None


def _replay(listed: list[CsvRow], error: BadRequest | None) -> Iterator[CsvRow]:
    yield from listed
    if error is not None:
        raise error


def _tag(manifest: Manifest, outcome: str, services: Services) -> None:
    services.documents.tag(manifest.key, manifest.version_id, {"docusign-result": outcome})


def handle_inbox_message(
    message_body: str,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> InboxRun:
    """One inbox queue message: its JSON manifests and CSV files. Work that must wait for the
    DocuSign rate budget (or for more Lambda time) is queued again, delayed, and the message
    counts as done."""
    services = services or get_services()
    run = InboxRun()
    wait: float | None = None
    for manifest in manifests_in(message_body):
        try:
            if manifest.key.endswith(".csv"):
                outcome = process_csv(manifest, deadline=deadline, services=services)
                run.envelopes_sent += outcome.sent_now
                if not outcome.finished:
                    wait = max(wait or 0.0, outcome.wait_seconds or 0.0)
            else:
                result = process_manifest(manifest, deadline=deadline, services=services)
                run.envelopes_sent += sum(
                    1 for answer in result.get("envelopes", [result]) if answer.get("envelopeId")
                )
        except Throttled as exc:
            wait = max(wait or 0.0, float(getattr(exc, "wait_seconds", exc.retry_after)) + 1)
    if wait is not None:
        # The whole message goes back: what was done is found again by its idempotency keys.
        run.requeued_after = services.inbox_queue.send(message_body, delay_seconds=wait)
        logger.info(
            "inbox work waits for the DocuSign budget or more time",
            extra={"delay_seconds": run.requeued_after},
        )
    return run
