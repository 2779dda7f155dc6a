"""A small DocuSign eSignature REST v2.1 client on requests (no DocuSign SDK).

Envelope bodies are streamed: document bytes go from their source (the caller's base64 or an S3
object) to DocuSign in chunks, so sending a large file needs little more memory than one chunk.
DocuSign's answers that are not successes become domain errors in `to_connector_error`.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import requests

from .auth import Account, TokenProvider
from .connections import Connection
from .errors import (
    BadRequest,
    Conflict,
    ConnectorError,
    DocuSignApiError,
    NotFound,
    Throttled,
    UpstreamError,
    Unprocessable,
    UpstreamUnavailable,
)

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
        self._length = sum(
            len(p) if isinstance(p, bytes) else p.base64_length for p in self._parts
        )
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


class DocuSignClient:
    """The REST calls the connector makes, for one connection."""

    def __init__(
        self,
        connection: Connection,
        tokens: TokenProvider,
        *,
        session: requests.Session | None = None,
        deadline: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self._tokens = tokens
        self._session = session or tokens.session
        self._deadline = deadline  # seconds left in this invocation
        self._sleep = sleep
        self.rate_limit = RateLimit()
        self.calls = 0

    @property
    def account(self) -> Account:
        return self._tokens.account(self.connection)

    def _url(self, path: str) -> str:
        account = self.account
        return f"{account.base_uri}{API_PREFIX}/{quote(account.account_id)}{path}"

    # -- transport ---------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        body_factory: Callable[[], Any] | None = None,
        stream: bool = False,
        retry: bool = True,
    ) -> requests.Response:
        """One DocuSign call; GETs and PUTs are retried on throttling and server errors."""
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            token = self._tokens.token(self.connection, fresh=False)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            data = None
            if body_factory is not None:
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
                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                    stream=stream,
                )
            except requests.RequestException as exc:
                if retry and self._may_retry(attempt, 0.5 * attempt):
                    continue
                raise UpstreamUnavailable(
                    "DocuSign could not be reached", code="DOCUSIGN_UNREACHABLE"
                ) from exc
            self._note_rate_limit(response)
            if response.status_code == 401 and not refreshed:
                # The token may have been revoked or expired early: one retry with a new one.
                refreshed = True
                self._tokens.forget(self.connection)
                response.close()
                continue
            if response.status_code in RETRYABLE_STATUS and retry:
                wait = _retry_after(response, attempt)
                if self._may_retry(attempt, wait):
                    response.close()
                    continue
            if response.status_code >= 400:
                raise to_connector_error(_api_error(response), response)
            return response

    def _may_retry(self, attempt: int, wait: float) -> bool:
        if attempt >= 3:
            return False
        if self._deadline is not None and self._deadline() - wait < READ_TIMEOUT / 2:
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
        self, definition: dict[str, Any], sources: list[DocumentSource]
    ) -> dict[str, Any]:
        response = self._send(
            "POST",
            "/envelopes",
            body_factory=lambda: _StreamingEnvelopeBody(definition, sources),
            retry=False,
        )
        return _body(response)

    def get_envelope(self, envelope_id: str, include: str = "recipients,custom_fields") -> dict:
        response = self._send("GET", f"/envelopes/{envelope_id}", params={"include": include})
        return _body(response)

    def void_envelope(self, envelope_id: str, reason: str) -> dict[str, Any]:
        response = self._send(
            "PUT",
            f"/envelopes/{envelope_id}",
            json_body={"status": "voided", "voidedReason": reason},
        )
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


def _retry_after(response: requests.Response, attempt: int) -> float:
    value = response.headers.get("Retry-After")
    if value and value.isdigit():
        return float(value)
    reset = response.headers.get("X-RateLimit-Reset")
    if response.status_code == 429 and reset and reset.isdigit():
        return max(0.0, float(reset) - time.time())
    return min(8.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


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
        if response is not None:
            retry_after = max(1, int(_retry_after(response, 1)))
        return Throttled(
            "DocuSign is throttling requests for this account; retry later",
            retry_after=retry_after,
            details=details,
        )
    if code in _NOT_FOUND_CODES or (err.status == 404 and not code):
        return NotFound(
            "the envelope or document does not exist in this connection's DocuSign account",
            code="ENVELOPE_NOT_FOUND" if code != "DOCUMENT_DOES_NOT_EXIST" else "DOCUMENT_NOT_FOUND",
            details=details,
        )
    if code in _CONFLICT_CODES:
        return Conflict(
            err.message or "the envelope is not in a state that allows this", code="INVALID_STATE",
            details=details,
        )
    if code in _CALLER_CODES:
        return BadRequest(err.message or "DocuSign rejected the request", code=code,
                          details=details)
    if err.status >= 500:
        return UpstreamUnavailable("DocuSign is unavailable; retry later", details=details)
    if err.status == 401:
        return UpstreamError("DocuSign did not accept the connector's access token",
                             code="DOCUSIGN_AUTHENTICATION_FAILED", details=details)
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
