"""Domain exceptions. Each one knows its HTTP status and error code; `api.http` turns them into
responses in one place, by type. Adapters raise these, never botocore's or requests' errors."""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    """Base of every error the connector reports to a caller."""

    status_code = 500
    code = "INTERNAL_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []
        self.headers = headers or {}

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(ConnectorError):
    status_code = 400
    code = "BAD_REQUEST"


class Forbidden(ConnectorError):
    status_code = 403
    code = "FORBIDDEN"


class ConsentRequired(Forbidden):
    code = "CONSENT_REQUIRED"

    def __init__(self, consent_url: str, user_id: str | None = None) -> None:
        super().__init__(
            "The DocuSign user has not granted consent to this integration. Open the consent URL "
            "once as that user (or an administrator), then retry.",
            details=[{"consentUrl": consent_url, **({"userId": user_id} if user_id else {})}],
        )
        self.consent_url = consent_url
        self.user_id = user_id


class NotFound(ConnectorError):
    status_code = 404
    code = "NOT_FOUND"


class MethodNotAllowed(ConnectorError):
    status_code = 405
    code = "METHOD_NOT_ALLOWED"


class Conflict(ConnectorError):
    status_code = 409
    code = "CONFLICT"


class PayloadTooLarge(ConnectorError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"


class Unprocessable(ConnectorError):
    status_code = 422
    code = "UNPROCESSABLE"


class ConnectionMisconfigured(Unprocessable):
    """The connection's secret is missing or wrong. The message says exactly what to fix."""

    code = "CONNECTION_MISCONFIGURED"


class Throttled(ConnectorError):
    status_code = 429
    code = "THROTTLED"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        headers = {"Retry-After": str(max(1, int(retry_after)))}
        super().__init__(message, headers=headers, **kwargs)
        self.retry_after = retry_after


class UpstreamError(ConnectorError):
    """DocuSign answered with something we cannot turn into a caller error."""

    status_code = 502
    code = "DOCUSIGN_ERROR"


class UpstreamUnavailable(ConnectorError):
    status_code = 503
    code = "DOCUSIGN_UNAVAILABLE"


class OutcomeUnknown(UpstreamUnavailable):
    """A create got no answer and DocuSign could not yet tell whether it happened; the caller
    retries with the same Idempotency-Key, which finds the envelope instead of sending again."""

    code = "DOCUSIGN_OUTCOME_UNKNOWN"


class AwsUnavailable(ConnectorError):
    """An AWS service throttled the connector or failed for a moment: retrying will work."""

    status_code = 503
    code = "AWS_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int = 2, **kwargs: Any) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))}, **kwargs)


class AwsFailure(ConnectorError):
    """An AWS call failed in a way retrying will not fix (permissions, a missing resource):
    a deployment problem. The caller sees an opaque 500; the log names the AWS error."""

    status_code = 500
    code = "INTERNAL_ERROR"
