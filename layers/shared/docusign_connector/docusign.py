"""A small DocuSign eSignature REST v2.1 client on requests (no DocuSign SDK).

Envelope bodies are streamed: document bytes go from their source (the caller's base64 or an S3
object) to DocuSign in chunks, so sending a large file needs little more memory than one chunk.
DocuSign's answers that are not successes become domain errors in `to_connector_error`.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from .auth import Account, TokenProvider
from .connections import Connection
from .errors import (
    BadRequest,
    Conflict,
    ConnectorError,
    DocuSignApiError,
    NotFound,
    OutcomeUnknown,
    Throttled,
    Unprocessable,
    UpstreamError,
    UpstreamUnavailable,
)

if TYPE_CHECKING:
    # Imported where first used: a call answered from the table never loads an HTTP client.
    import requests

API_PREFIX = "/restapi/v2.1/accounts"
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 25
MAX_REQUEST_BYTES = 35_651_584  # DocuSign's limit on one HTTP request body
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5  # seconds before the first retry when DocuSign names no wait
BACKOFF_CAP = 8.0
# Kept back from the Lambda's remaining time to record the result and answer the caller.
ANSWER_MARGIN = 2.0
# The shortest time worth giving one more request; less than this and we stop retrying.
MIN_ATTEMPT_SECONDS = 3.0
MIN_READ_TIMEOUT = 1.0
# Without a Lambda deadline (command-line tools), never wait longer than this for a retry.
MAX_WAIT_WITHOUT_DEADLINE = 30.0
_THROTTLE_CODES = {
    "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
    "BURST_APIINVOCATION_LIMIT_EXCEEDED",
    "HOURLY_ENVELOPE_POLLING_LIMIT_EXCEEDED",
    "BURST_ENVELOPE_POLLING_LIMIT_EXCEEDED",
    "HOURLY_APIINVOCATION_ENVELOPE_LIMIT_EXCEEDED",
    "BURST_APIINVOCATION_ENVELOPE_LIMIT_EXCEEDED",
    "API_REQUEST_IS_THROTTLED",
}
_NOT_FOUND_CODES = {"ENVELOPE_DOES_NOT_EXIST", "DOCUMENT_DOES_NOT_EXIST", "RESOURCE_NOT_FOUND"}
_CONFLICT_CODES = {"ENVELOPE_CANNOT_VOID_INVALID_STATE", "ENVELOPE_INVALID_STATUS"}
_CALLER_CODES = {"INVALID_EMAIL_ADDRESS_FOR_RECIPIENT", "UNABLE_TO_LOAD_DOCUMENT"}


class DocumentSource(Protocol):
    """Where the bytes of one document come from, as base64 text produced in chunks."""

    @property
    def base64_length(self) -> int: ...

    def iter_base64(self) -> Iterator[bytes]: ...


class _StreamingEnvelopeBody:
    """A file-like request body: the envelope JSON with each document's base64 spliced in.

    It has a length (so requests sends Content-Length, not chunked encoding) and is read in
    pieces, so the whole body never sits in memory.
    """

    def __init__(self, definition: dict[str, Any], sources: list[DocumentSource]) -> None:
        marker = f"@@document-{uuid.uuid4().hex}-"
        documents = definition.get("documents") or []
        if len(documents) != len(sources):
            raise ValueError("one source is needed per document")
        patched = dict(definition)
        patched["documents"] = [
            {**doc, "documentBase64": f"{marker}{i}@@"} for i, doc in enumerate(documents)
        ]
        text = json.dumps(patched, separators=(",", ":"), ensure_ascii=False)
        self._parts: list[bytes | DocumentSource] = []
        rest = text
        for i, source in enumerate(sources):
            before, rest = rest.split(f"{marker}{i}@@", 1)
            self._parts.append(before.encode())
            self._parts.append(source)
        self._parts.append(rest.encode())
        self._length = sum(len(p) if isinstance(p, bytes) else p.base64_length for p in self._parts)
        self._chunks = self._generate()
        self._buffer = b""

    def __len__(self) -> int:
        return self._length

    def _generate(self) -> Iterator[bytes]:
        for part in self._parts:
            if isinstance(part, bytes):
                yield part
            else:
                yield from part.iter_base64()

    def __iter__(self) -> Iterator[bytes]:
        if self._buffer:
            yield self._buffer
            self._buffer = b""
        yield from self._chunks

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._buffer + b"".join(self._chunks)
            self._buffer = b""
            return data
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def request_size(definition: dict[str, Any], sources: list[DocumentSource]) -> int:
    return len(_StreamingEnvelopeBody(definition, sources))


@dataclass
class RateLimit:
    limit: int | None = None
    remaining: int | None = None
    reset_epoch: int | None = None


class _AttemptFailed(Exception):
    """One request failed in a way that another attempt may fix.

    `error` is what the caller gets if we stop here. `wait` is the pause DocuSign asked for
    (Retry-After, or the rate-limit reset), if any. `refused` means DocuSign certainly did not
    act on the request (it throttled it, or no connection was made); otherwise a create may or
    may not have happened.
    `timed_out` means DocuSign did not answer in time and may still be working on it.
    """

    def __init__(
        self,
        error: ConnectorError,
        *,
        wait: float | None = None,
        refused: bool = False,
        timed_out: bool = False,
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait
        self.refused = refused
        self.timed_out = timed_out


# Transaction ids whose create ended without a known outcome in this container: the next
# create with the same id looks for the envelope before posting.
_UNSETTLED_TRANSACTIONS: set[str] = set()


def _pause(seconds: float) -> None:
    time.sleep(seconds)


class DocuSignClient:
    """The REST calls the connector makes, for one connection.

    Retries: calls other than a create are retried on throttling (429), server errors (5xx),
    dropped connections and timeouts, with exponential backoff and jitter, or exactly as long
    as DocuSign asks (Retry-After, X-RateLimit-Reset), and only while the Lambda's remaining
    time (`deadline`) leaves room for another attempt and the answer. A create is retried only
    after looking the envelope up by its transactionId, so a create whose answer was lost is
    found, never made twice.
    """

    def __init__(
        self,
        connection: Connection,
        tokens: TokenProvider,
        *,
        session: requests.Session | None = None,
        deadline: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.connection = connection
        self._tokens = tokens
        self._session = session or tokens.session
        self._deadline = deadline  # seconds left in this invocation
        self._sleep = sleep if sleep is not None else _pause
        self.rate_limit = RateLimit()
        self.calls = 0
        # Set by `_send` when an attempt failed after DocuSign may have acted on it.
        self._retried_unsettled = False

    @property
    def account(self) -> Account:
        return self._tokens.account(self.connection)

    def _url(self, path: str) -> str:
        account = self.account
        return f"{account.base_uri}{API_PREFIX}/{quote(account.account_id)}{path}"

    # -- transport ---------------------------------------------------------------------------

    def _remaining(self) -> float | None:
        return None if self._deadline is None else float(self._deadline())

    def _timeouts(self) -> tuple[float, float]:
        """Connect and read timeouts: the usual ones, shortened so that an answer that does not
        come still leaves time to answer the caller."""
        remaining = self._remaining()
        if remaining is None:
            return CONNECT_TIMEOUT, READ_TIMEOUT
        read = max(MIN_READ_TIMEOUT, min(READ_TIMEOUT, remaining - ANSWER_MARGIN))
        return min(CONNECT_TIMEOUT, read), read

    def _attempt(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        body_factory: Callable[[], Any] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """One request (plus one more with a fresh token if DocuSign answers 401).

        Raises `_AttemptFailed` for failures another attempt may fix, and the mapped domain
        error for every other non-success answer.
        """
        import requests

        refreshed = False
        while True:
            token = self._tokens.token(self.connection, fresh=False)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            data = None
            if body_factory is not None:
                # A streamed body is read once: every attempt gets a new one.
                data = body_factory()
                headers["Content-Type"] = "application/json"
            self.calls += 1
            try:
                response = self._session.request(
                    method,
                    self._url(path),
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                    timeout=self._timeouts(),
                    stream=stream,
                )
            except requests.Timeout as exc:
                connect_only = isinstance(exc, requests.ConnectTimeout)
                raise _AttemptFailed(
                    UpstreamUnavailable("DocuSign did not answer in time", code="DOCUSIGN_TIMEOUT"),
                    refused=connect_only,
                    timed_out=not connect_only,
                ) from exc
            except requests.RequestException as exc:
                raise _AttemptFailed(
                    UpstreamUnavailable(
                        "DocuSign could not be reached", code="DOCUSIGN_UNREACHABLE"
                    )
                ) from exc
            self._note_rate_limit(response)
            if response.status_code == 401 and not refreshed:
                # The token may have been revoked or expired early: one retry with a new one.
                refreshed = True
                self._tokens.forget(self.connection)
                response.close()
                continue
            if response.status_code in RETRYABLE_STATUS:
                wait = _server_wait(response)
                error = to_connector_error(_api_error(response), response)
                raise _AttemptFailed(error, wait=wait, refused=response.status_code == 429)
            if response.status_code >= 400:
                raise to_connector_error(_api_error(response), response)
            return response

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        stream: bool = False,
        retry: bool = True,
    ) -> requests.Response:
        """One DocuSign call that is safe to repeat (reads, void, signing and sending views),
        retried within the time budget. Creates go through `create_envelope` instead."""
        self._retried_unsettled = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(
                    method, path, params=params, json_body=json_body, stream=stream
                )
            except _AttemptFailed as failure:
                if not retry or not self._wait_before_retry(attempt, failure):
                    raise failure.error from failure
                if not failure.refused:
                    self._retried_unsettled = True

    def _wait_before_retry(self, attempt: int, failure: _AttemptFailed) -> bool:
        """Pause before attempt `attempt + 1`, or say there is none to make."""
        if attempt >= MAX_ATTEMPTS:
            return False
        wait = _backoff(attempt) if failure.wait is None else failure.wait + _jitter()
        remaining = self._remaining()
        if remaining is None:
            if wait > MAX_WAIT_WITHOUT_DEADLINE:
                return False
        elif remaining - wait < ANSWER_MARGIN + MIN_ATTEMPT_SECONDS:
            return False
        self._sleep(wait)
        return True

    def _note_rate_limit(self, response: requests.Response) -> None:
        def number(name: str) -> int | None:
            value = response.headers.get(name)
            return int(value) if value and value.isdigit() else None

        self.rate_limit = RateLimit(
            limit=number("X-RateLimit-Limit"),
            remaining=number("X-RateLimit-Remaining"),
            reset_epoch=number("X-RateLimit-Reset"),
        )

    # -- operations --------------------------------------------------------------------------

    def create_envelope(
        self,
        definition: dict[str, Any],
        sources: list[DocumentSource],
        *,
        look_up_first: bool = False,
    ) -> dict[str, Any]:
        """Create (and usually send) an envelope; DocuSign's `envelopeSummary` comes back.

        With a `transactionId` in the definition, a create that fails without a clear refusal
        (server error, dropped connection, timeout) is looked up by that id before it is ever
        posted again; if DocuSign has it, its summary is returned as if the create had
        answered. A throttled create (429) was refused outright, so it is posted again after
        the wait DocuSign asks for, if the time budget allows. `look_up_first` looks before the
        first post (for a caller that knows an earlier attempt ended without an answer).
        """
        transaction_id = str(definition.get("transactionId") or "")

        def post() -> dict[str, Any]:
            response = self._attempt(
                "POST",
                "/envelopes",
                body_factory=lambda: _StreamingEnvelopeBody(definition, sources),
            )
            return _body(response)

        if not transaction_id:
            # Nothing to find a lost envelope by: one attempt, never repeated.
            try:
                return post()
            except _AttemptFailed as failure:
                raise failure.error from failure

        if look_up_first or transaction_id in _UNSETTLED_TRANSACTIONS:
            found = self.find_by_transaction_id(transaction_id)
            if found is not None:
                _UNSETTLED_TRANSACTIONS.discard(transaction_id)
                return found

        attempt = 0
        while True:
            attempt += 1
            try:
                summary = post()
            except _AttemptFailed as failure:
                if failure.refused:
                    if self._wait_before_retry(attempt, failure):
                        continue
                    raise failure.error from failure
                _UNSETTLED_TRANSACTIONS.add(transaction_id)
                # Wait first, then look: DocuSign gets time to finish what it may have begun.
                waited = not failure.timed_out and self._wait_before_retry(attempt, failure)
                found = self._find_after_failure(transaction_id, attempt, failure)
                if found is not None:
                    _UNSETTLED_TRANSACTIONS.discard(transaction_id)
                    return found
                if waited:
                    continue
                # Out of attempts or time; or it timed out, and DocuSign may still be creating
                # it, so posting again could make a second one.
                raise self._unknown_outcome(failure) from failure
            _UNSETTLED_TRANSACTIONS.discard(transaction_id)
            return summary

    def _find_after_failure(
        self, transaction_id: str, attempt: int, failure: _AttemptFailed
    ) -> dict[str, Any] | None:
        """Look for the envelope of a create that failed. After a timeout, look again a few
        times (with backoff, within the time budget): DocuSign may finish the create late."""
        looks = 0
        while True:
            looks += 1
            try:
                found = self.find_by_transaction_id(transaction_id)
            except ConnectorError as exc:
                if isinstance(exc, Throttled):
                    raise
                raise self._unknown_outcome(failure) from exc
            if found is not None or not failure.timed_out:
                return found
            if not self._wait_before_retry(attempt + looks - 1, _AttemptFailed(failure.error)):
                return None

    @staticmethod
    def _unknown_outcome(failure: _AttemptFailed) -> ConnectorError:
        if isinstance(failure.error, Throttled):
            return failure.error
        return OutcomeUnknown(
            "DocuSign did not confirm the envelope and it could not be found yet; retry with "
            "the same Idempotency-Key to get the envelope without sending it twice",
            details=failure.error.details,
            headers={"Retry-After": "5"},
        )

    def find_by_transaction_id(self, transaction_id: str) -> dict[str, Any] | None:
        """The summary of the envelope created with this transactionId, or None.

        DocuSign's list-status-changes call accepts `transaction_ids` alone (no `from_date`);
        transaction ids are valid for 7 days.
        """
        response = self._send("GET", "/envelopes", params={"transaction_ids": transaction_id})
        body = _body(response)
        candidates: list[dict[str, Any]] = []
        for key in ("envelopes", "envelopeTransactionStatuses"):
            for entry in body.get(key) or []:
                if not isinstance(entry, dict) or not entry.get("envelopeId"):
                    continue
                # Trust only entries that name our id (when DocuSign includes it at all).
                if entry.get("transactionId") not in (None, transaction_id):
                    continue
                candidates.append(entry)
        if not candidates:
            return None
        entry = candidates[0]
        return {
            "envelopeId": str(entry["envelopeId"]),
            "status": str(entry.get("status") or "").lower() or None,
            "statusDateTime": entry.get("statusChangedDateTime")
            or entry.get("statusDateTime")
            or entry.get("sentDateTime")
            or entry.get("createdDateTime"),
            "transactionId": transaction_id,
        }

    def get_envelope(self, envelope_id: str, include: str = "recipients,custom_fields") -> dict:
        response = self._send("GET", f"/envelopes/{envelope_id}", params={"include": include})
        return _body(response)

    def void_envelope(self, envelope_id: str, reason: str) -> dict[str, Any]:
        try:
            response = self._send(
                "PUT",
                f"/envelopes/{envelope_id}",
                json_body={"status": "voided", "voidedReason": reason},
            )
        except Conflict:
            if not self._retried_unsettled:
                raise
            # An earlier attempt may have voided it before its answer was lost: if so, this
            # refusal is our own success.
            envelope = self.get_envelope(envelope_id, include="")
            if (
                str(envelope.get("status") or "").lower() != "voided"
                or envelope.get("voidedReason") != reason
            ):
                raise
            return {"envelopeId": envelope_id}
        return _body(response)

    def list_documents(self, envelope_id: str) -> list[dict[str, Any]]:
        response = self._send("GET", f"/envelopes/{envelope_id}/documents")
        documents = _body(response).get("envelopeDocuments") or []
        return [d for d in documents if isinstance(d, dict)]

    @contextmanager
    def open_document(self, envelope_id: str, document_id: str) -> Iterator[requests.Response]:
        """Stream one document (or `certificate`) as PDF bytes."""
        response = self._send(
            "GET", f"/envelopes/{envelope_id}/documents/{quote(document_id)}", stream=True
        )
        try:
            yield response
        finally:
            response.close()

    def create_recipient_view(self, envelope_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Embedded signing URL (`recipientViewRequest`); each call makes a new one-time URL."""
        response = self._send(
            "POST", f"/envelopes/{envelope_id}/views/recipient", json_body=request
        )
        return _body(response)

    def create_sender_view(self, envelope_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Embedded sending / edit URL (`returnUrlRequest`)."""
        response = self._send("POST", f"/envelopes/{envelope_id}/views/sender", json_body=request)
        return _body(response)

    def list_templates(self, params: dict[str, str]) -> dict[str, Any]:
        response = self._send("GET", "/templates", params=params)
        return _body(response)

    # -- Connect and status changes ----------------------------------------------------------

    def list_status_changes(
        self,
        from_date: str,
        *,
        to_date: str | None = None,
        include: str = "recipients,custom_fields",
        page_size: int = 100,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every envelope of the account whose status changed since `from_date` (ISO 8601,
        UTC), with DocuSign's `lastQueriedDateTime`. One call per `page_size` envelopes: the
        way to follow many envelopes without polling each one (DocuSign's polling rule)."""
        envelopes: list[dict[str, Any]] = []
        last_queried: str | None = None
        start = 0
        while True:
            params = {
                "from_date": from_date,
                "from_to_status": "changed",
                "include": include,
                "count": str(page_size),
                "start_position": str(start),
            }
            if to_date:
                params["to_date"] = to_date
            body = _body(self._send("GET", "/envelopes", params=params))
            page = [e for e in body.get("envelopes") or [] if isinstance(e, dict)]
            envelopes.extend(page)
            last_queried = str(body.get("lastQueriedDateTime") or "") or last_queried
            total = str(body.get("totalSetSize") or "0")
            if not page or start + len(page) >= (int(total) if total.isdigit() else 0):
                return envelopes, last_queried
            start += len(page)

    def list_connect_configurations(self) -> list[dict[str, Any]]:
        """The account's Connect configurations (`connectCustomConfiguration`)."""
        body = _body(self._send("GET", "/connect"))
        return [c for c in body.get("configurations") or [] if isinstance(c, dict)]

    def create_connect_configuration(self, configuration: dict[str, Any]) -> dict[str, Any]:
        """Register a Connect configuration; not retried (a retry could make a second one)."""
        response = self._send("POST", "/connect", json_body=configuration, retry=False)
        return _body(response)


def _jitter() -> float:
    # A little spread so that callers told the same Retry-After do not all come back at once.
    return random.uniform(0.0, 0.25)


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter: about 0.5 s, 1 s, 2 s … (each between half and all)."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def _server_wait(response: requests.Response) -> float | None:
    """How long DocuSign asked us to wait: Retry-After (seconds), else, when throttled, until
    the rate-limit window resets (X-RateLimit-Reset, epoch seconds); None if it did not say."""
    value = (response.headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    reset = (response.headers.get("X-RateLimit-Reset") or "").strip()
    if response.status_code == 429 and reset.isdigit():
        return max(0.0, float(reset) - time.time())
    return None


def _body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise UpstreamError(
            f"DocuSign answered {response.status_code} with a body that is not JSON"
        ) from None
    if not isinstance(body, dict):
        raise UpstreamError("DocuSign answered with an unexpected body")
    return body


def _api_error(response: requests.Response) -> DocuSignApiError:
    code, message = "", ""
    try:
        body = response.json()
        if isinstance(body, dict):
            code = str(body.get("errorCode") or "")
            message = str(body.get("message") or "")
    except ValueError:
        pass
    finally:
        response.close()
    return DocuSignApiError(response.status_code, code, message or response.reason or "")


def to_connector_error(
    err: DocuSignApiError, response: requests.Response | None = None
) -> ConnectorError:
    """The one mapping from DocuSign's answers to what the caller sees."""
    code = err.error_code.upper()
    details = [err.detail()]
    if err.status == 429 or code in _THROTTLE_CODES:
        retry_after = 60
        wait = _server_wait(response) if response is not None else None
        if wait is not None:
            retry_after = max(1, math.ceil(wait))
        return Throttled(
            "DocuSign is throttling requests for this account; retry later",
            retry_after=retry_after,
            details=details,
        )
    if code in _NOT_FOUND_CODES or (err.status == 404 and not code):
        document = code == "DOCUMENT_DOES_NOT_EXIST"
        return NotFound(
            "the envelope or document does not exist in this connection's DocuSign account",
            code="DOCUMENT_NOT_FOUND" if document else "ENVELOPE_NOT_FOUND",
            details=details,
        )
    if code in _CONFLICT_CODES:
        return Conflict(
            err.message or "the envelope is not in a state that allows this",
            code="INVALID_STATE",
            details=details,
        )
    if code in _CALLER_CODES:
        return BadRequest(
            err.message or "DocuSign rejected the request", code=code, details=details
        )
    if err.status >= 500:
        return UpstreamUnavailable("DocuSign is unavailable; retry later", details=details)
    if err.status == 401:
        return UpstreamError(
            "DocuSign did not accept the connector's access token",
            code="DOCUSIGN_AUTHENTICATION_FAILED",
            details=details,
        )
    if 400 <= err.status < 500:
        # Retrying will not help: DocuSign refused what it was given.
        return Unprocessable(
            f"DocuSign rejected the request: {err.message or err.error_code}",
            code="DOCUSIGN_REJECTED",
            details=details,
        )
    return UpstreamError(
        f"DocuSign answered {err.status}: {err.message or err.error_code}", details=details
    )
