"""Errors the emulator answers with, in DocuSign's two wire shapes."""

from __future__ import annotations


class DocuSignError(Exception):
    """A REST API error: answered as `{"errorCode": ..., "message": ...}`."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"errorCode": self.error_code, "message": self.message}


class OAuthError(Exception):
    """An OAuth endpoint error: answered as `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str | None = None, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description is not None:
            body["error_description"] = self.description
        return body


def invalid_request_body(detail: str) -> DocuSignError:
    return DocuSignError(
        400,
        "INVALID_REQUEST_BODY",
        "The request body is missing or improperly formatted. " + detail,
    )


def invalid_parameter(detail: str) -> DocuSignError:
    return DocuSignError(
        400,
        "INVALID_REQUEST_PARAMETER",
        "The request contained at least one invalid parameter. " + detail,
    )


def envelope_not_found() -> DocuSignError:
    return DocuSignError(
        404,
        "ENVELOPE_DOES_NOT_EXIST",
        "The envelope specified either does not exist or you have no rights to it.",
    )


def not_supported(what: str, why: str) -> DocuSignError:
    """A feature DocuSign has but the emulator cannot imitate faithfully: refused in
    DocuSign's error shape rather than accepted and ignored."""
    return DocuSignError(
        400,
        "INVALID_REQUEST_PARAMETER",
        f"The request contained at least one invalid parameter. {what} not supported by this "
        f"emulator: {why}.",
    )
