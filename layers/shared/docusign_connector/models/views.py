"""Bodies of the embedded views: where DocuSign sends the signer's (or sender's) browser after."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ..addresses import host_refusal
from ..connections import is_loopback
from .requests import ApiModel, Email, Name
from .text import single_line


def _return_url(value: str) -> str:
    """Where DocuSign sends the signer's browser afterwards: https (http only to loopback, for
    a local stack), no user name or password, and a host that is not a metadata, link-local,
    site-local or reserved address in any of its written forms — the callbacks' guard
    (`addresses`). Private addresses stay allowed: the browser is the signer's, in the
    signer's network, and intranet workflow pages are common."""
    single_line(value)
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise PydanticCustomError(
            "INVALID_RETURN_URL", "returnUrl must be an absolute URL"
        ) from None
    if parts.scheme not in ("https", "http") or not host:
        raise PydanticCustomError("INVALID_RETURN_URL", "returnUrl must be an absolute URL")
    if parts.username is not None or parts.password is not None:
        raise PydanticCustomError(
            "INVALID_RETURN_URL", "returnUrl must not carry a user name or password"
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise PydanticCustomError(
            "INVALID_RETURN_URL", "returnUrl must use https (plain http only for loopback)"
        )
    reason = host_refusal(host, allow_loopback=True, allow_private=True)
    if reason is not None:
        raise PydanticCustomError(
            "INVALID_RETURN_URL", "returnUrl must not point at {reason}", {"reason": reason}
        )
    return value


ReturnUrl = Annotated[str, Field(min_length=1, max_length=470), AfterValidator(_return_url)]

# Focused View (DocuSign's "Docusign JS embedded reference"): the origins that may frame the
# signing session and the one that posts its messages — origins only, https (plain http for
# localhost), at most 500 characters for all frame ancestors together.
MAX_FRAME_ANCESTORS = 10
MAX_FRAME_ANCESTORS_CHARS = 500


def _origin_of(value: str, code: str, name: str) -> str:
    single_line(value)
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise PydanticCustomError(
            code, "{name} holds origins: scheme://host[:port]", {"name": name}
        ) from None
    if parts.scheme not in ("https", "http") or not host:
        raise PydanticCustomError(
            code, "{name} holds origins: scheme://host[:port]", {"name": name}
        )
    if parts.username is not None or parts.password is not None:
        raise PydanticCustomError(
            code, "{name} must not carry a user name or password", {"name": name}
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise PydanticCustomError(
            code,
            "{name} holds origins, without a path, query or fragment ('{value}')",
            {"name": name, "value": value[:120]},
        )
    # DocuSign's one exception to https here is localhost ("Docusign JS embedded reference").
    if parts.scheme == "http" and host.lower() != "localhost":
        raise PydanticCustomError(
            code, "{name} must use https (plain http only for localhost)", {"name": name}
        )
    reason = host_refusal(host, allow_loopback=True, allow_private=True)
    if reason is not None:
        raise PydanticCustomError(
            code, "{name} must not point at {reason}", {"name": name, "reason": reason}
        )
    # The origin as browsers write it: lower case, no trailing slash.
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _frame_ancestor(value: str) -> str:
    return _origin_of(value, "INVALID_FRAME_ANCESTOR", "frameAncestors")


def _message_origin(value: str) -> str:
    return _origin_of(value, "INVALID_MESSAGE_ORIGIN", "messageOrigins")


FrameAncestor = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_frame_ancestor)]
MessageOrigin = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_message_origin)]


class RecipientViewRequest(ApiModel):
    """Embedded signing for a signer sent with a clientUserId."""

    return_url: ReturnUrl
    client_user_id: Annotated[str, Field(min_length=1, max_length=100)]
    email: Email
    name: Name
    recipient_id: Annotated[str | None, Field(max_length=100)] = None
    authentication_method: Annotated[str, Field(min_length=1, max_length=50)] = "None"
    # Focused View: the caller's origins that embed the signing session (DocuSign's signing
    # origin is added); messageOrigins defaults to that signing origin, the one DocuSign takes.
    frame_ancestors: list[FrameAncestor] = Field(
        default_factory=list, max_length=MAX_FRAME_ANCESTORS
    )
    message_origins: list[MessageOrigin] = Field(default_factory=list, max_length=1)

    @model_validator(mode="after")
    def _focused_view(self) -> RecipientViewRequest:
        if self.message_origins and not self.frame_ancestors:
            raise PydanticCustomError(
                "FRAME_ANCESTORS_REQUIRED",
                "messageOrigins is for Focused View, which needs frameAncestors too",
            )
        return self


class SenderViewRequest(ApiModel):
    return_url: ReturnUrl
