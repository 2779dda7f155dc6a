"""Bodies of the embedded views: where DocuSign sends the signer's (or sender's) browser after."""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from ..connections import is_loopback
from .requests import ApiModel, Email, Name
from .text import single_line

# The cloud metadata services: a signer's browser is never sent there.
_METADATA_HOSTS = {"169.254.169.254", "fd00:ec2::254", "metadata.google.internal"}


def _return_url(value: str) -> str:
    """Where DocuSign sends the signer's browser afterwards: https (http only to loopback, for
    a local stack), no user name or password, no link-local or metadata address."""
    single_line(value)
    parts = urlsplit(value)
    try:
        host = (parts.hostname or "").lower()
    except ValueError:
        host = ""
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
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host in _METADATA_HOSTS or (
        address is not None and (address.is_link_local or address.is_unspecified)
    ):
        raise PydanticCustomError(
            "INVALID_RETURN_URL", "returnUrl must not point at a link-local or metadata address"
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
