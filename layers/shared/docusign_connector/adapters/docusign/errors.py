"""DocuSign's answers that are not successes, and the one mapping from them to what the
connector's caller sees."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from ...errors import (
    BadRequest,
    Conflict,
    ConnectorError,
    NotFound,
    Throttled,
    Unprocessable,
    UpstreamError,
    UpstreamUnavailable,
)

if TYPE_CHECKING:
    import requests

_THROTTLE_CODES = {
    "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
    "BURST_APIINVOCATION_LIMIT_EXCEEDED",
    "HOURLY_ENVELOPE_POLLING_LIMIT_EXCEEDED",
    "BURST_ENVELOPE_POLLING_LIMIT_EXCEEDED",
    "HOURLY_APIINVOCATION_ENVELOPE_LIMIT_EXCEEDED",
    "BURST_APIINVOCATION_ENVELOPE_LIMIT_EXCEEDED",
    "API_REQUEST_IS_THROTTLED",
}
# USER_NOT_ENVELOPE_SENDER_OR_RECIPIENT (DocuSign's error-code list): DocuSign will not show
# the connection's user an envelope that user neither sent nor receives; for the connection
# it does not exist, as for any stranger.
_NOT_FOUND_CODES = {
    "ENVELOPE_DOES_NOT_EXIST",
    "DOCUMENT_DOES_NOT_EXIST",
    "RESOURCE_NOT_FOUND",
    "USER_NOT_ENVELOPE_SENDER_OR_RECIPIENT",
    # Users:get of an id that is no user of the account (a sender named by userId)
    "USER_DOES_NOT_EXIST_IN_SYSTEM",
}
_CONFLICT_CODES = {"ENVELOPE_CANNOT_VOID_INVALID_STATE", "ENVELOPE_INVALID_STATUS"}
# Refusals the caller can fix by changing the request: a 400 that names DocuSign's code.
_CALLER_CODES = {
    "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
    "UNABLE_TO_LOAD_DOCUMENT",
    "FORMAT_CONVERSION_ERROR",
    "ANCHOR_TAB_STRING_NOT_FOUND",
    "ENVELOPE_IS_INCOMPLETE",
    "RECIPIENT_NOT_IN_SEQUENCE",
}


class DocuSignApiError(Exception):
    """A non-success answer from DocuSign's REST API, before it is mapped for the caller."""

    def __init__(self, status: int, error_code: str | None, message: str) -> None:
        super().__init__(f"DocuSign answered {status} {error_code or ''}: {message}".strip())
        self.status = status
        self.error_code = error_code or ""
        self.message = message

    def detail(self) -> dict[str, Any]:
        return {"docusignErrorCode": self.error_code, "docusignMessage": self.message}


# DocuSign's burst limit counts requests over 30 seconds: a burst refusal clears within that.
BURST_WAIT_SECONDS = 30.0


def server_wait(response: requests.Response, error_code: str = "") -> float | None:
    """How long to wait before asking again; None if DocuSign gave nothing to go by.

    DocuSign documents no Retry-After (honoured if ever sent). A burst-limit refusal
    (`BURST_…` code, or X-BurstLimit-Remaining at 0 while the hour has room) clears within the
    30-second burst window; only the hourly limit waits for X-RateLimit-Reset (epoch seconds).
    """
    value = (response.headers.get("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    code = error_code.upper()
    throttled = response.status_code == 429 or code in _THROTTLE_CODES
    if not throttled:
        return None
    burst_out = (response.headers.get("X-BurstLimit-Remaining") or "").strip() == "0"
    hour_out = (response.headers.get("X-RateLimit-Remaining") or "").strip() == "0"
    if code.startswith("BURST_") or (burst_out and not hour_out and not code.startswith("HOURLY_")):
        return BURST_WAIT_SECONDS
    reset = (response.headers.get("X-RateLimit-Reset") or "").strip()
    if reset.isdigit():
        return max(0.0, float(reset) - time.time())
    return None


def json_body(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise UpstreamError(
            f"DocuSign answered {response.status_code} with a body that is not JSON"
        ) from None
    if not isinstance(body, dict):
        raise UpstreamError("DocuSign answered with an unexpected body")
    return body


def api_error(response: requests.Response) -> DocuSignApiError:
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
        wait = server_wait(response, code) if response is not None else None
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
