"""Bodies of the embedded views: where DocuSign sends the signer's (or sender's) browser after."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
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


class RecipientViewRequest(ApiModel):
    """Embedded signing for a signer sent with a clientUserId."""

    return_url: ReturnUrl
    client_user_id: Annotated[str, Field(min_length=1, max_length=100)]
    email: Email
    name: Name
    recipient_id: Annotated[str | None, Field(max_length=100)] = None
    authentication_method: Annotated[str, Field(min_length=1, max_length=50)] = "None"


class SenderViewRequest(ApiModel):
    return_url: ReturnUrl
