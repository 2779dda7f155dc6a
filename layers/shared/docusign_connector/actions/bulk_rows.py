"""A bulk CSV's rows through DocuSign's Bulk Send, when they qualify (`bulk_plan`) and the
connection's account has it; else None, and the rows go one create each (`actions.bulk`).

The path is chosen once per file and kept in its progress (`"path": "bulk"` or `"per-row"`).
Each row still gets its own result line — its envelope id and status, or its error — written
when its batch is done, in row order. An account that refuses Bulk Send part-way sends the
rest one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from ..container import Services
from ..domain import Deadline
from ..errors import BadRequest, ConnectorError, Throttled
from ..models.csv_rows import CsvRow, envelope_body
from ..models.requests import SendEnvelopeRequest
from ..models.validation import validation_error
from .bulk_plan import PlannedRow, bulk_worthy, chunks_of
from .bulk_send import BulkUnavailable, bulk_send_allowed, finish_chunk, run_chunk

# Files larger than this are read row by row and sent one create each (the rows of a bulk
# file are held in memory to be compared and grouped).
BULK_MAX_BYTES = 10 * 1024 * 1024
STOP_MARGIN_SECONDS = 15.0


@dataclass
class BulkRun:
    finished: bool
    wait_seconds: float | None = None


def row_request(header: list[str], row: CsvRow) -> SendEnvelopeRequest:
    """A CSV row as the send it asks for; a row that is not one raises its BadRequest."""
    try:
        return SendEnvelopeRequest.model_validate(envelope_body(header, row))
    except ValidationError as exc:
        raise validation_error(exc) from None


def planned_row(header: list[str], row: CsvRow) -> PlannedRow:
    try:
        request = row_request(header, row)
    except BadRequest as exc:
        return PlannedRow(row.number, None, exc.to_body())
    return PlannedRow(row.number, request)


def send_in_bulk(
    connection: str,
    header: list[str],
    rows: list[CsvRow],
    results: Any,
    services: Services,
    deadline: Deadline,
) -> BulkRun | None:
    """`results` is the file's result CSV and progress (`actions.bulk`): `rows_done`,
    `path`, `version`, `add(number, answer)`, `save(state)`."""
    planned = [planned_row(header, row) for row in rows]
    if results.path is None:
        if not bulk_worthy(planned) or not bulk_send_allowed(services, connection, deadline):
            return None
        results.path = "bulk"
    for chunk in chunks_of(planned):
        if chunk.last_row <= results.rows_done:
            continue
        if deadline is not None and deadline() < STOP_MARGIN_SECONDS:
            results.save("in-progress")
            return BulkRun(False, 0.0)
        answers: dict[int, dict[str, Any]] = {}
        if chunk.valid:
            try:
                outcome = run_chunk(connection, results.version, chunk, services, deadline)
            except BulkUnavailable:
                results.path = "per-row"
                return None
            except Throttled as exc:
                results.save("in-progress")
                return BulkRun(False, float(getattr(exc, "wait_seconds", exc.retry_after)) + 1)
            except ConnectorError as exc:
                if exc.status_code >= 500:
                    results.save("in-progress")
                    raise  # DocuSign or AWS unavailable: SQS retries the message
                # DocuSign refused the batch itself: each of its rows gets the refusal.
                outcome = None
                answers = {row.number: exc.to_body() for row in chunk.valid}
            if outcome is not None:
                if outcome.answers is None:
                    results.save("in-progress")
                    return BulkRun(False, outcome.wait_seconds)
                answers = outcome.answers
        for row in chunk.rows:
            results.add(row.number, row.error or answers[row.number])
        results.save("in-progress")
        if chunk.valid:
            finish_chunk(connection, results.version, chunk, services)
    return BulkRun(True)
