"""Who is acting: the caller of the request being handled (DESIGN §11), for the records and
history entries it causes and for the logs.

Set once per request by the API's router from what the authorizer answered (or, on the
IAM-authorised API, from the SigV4 caller's ARN), and read where a record is written, so that
no action has to carry it through every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_CALLER: ContextVar[str | None] = ContextVar("caller", default=None)
# The senders the caller may send as (DESIGN §12), when its record limits them; None: any the
# connection allows.
_SENDERS: ContextVar[tuple[str, ...] | None] = ContextVar("senders", default=None)


def current_caller() -> str | None:
    return _CALLER.get()


def caller_senders() -> tuple[str, ...] | None:
    return _SENDERS.get()


@contextmanager
def acting_as(caller: str | None, senders: tuple[str, ...] | None = None) -> Iterator[None]:
    token = _CALLER.set(caller)
    limit = _SENDERS.set(senders)
    try:
        yield
    finally:
        _SENDERS.reset(limit)
        _CALLER.reset(token)


def senders_of(event: dict[str, Any]) -> tuple[str, ...] | None:
    """The senders the front door's authorizer says this caller is limited to, if any."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    listed = authorizer.get("senders") if isinstance(authorizer, dict) else None
    if not isinstance(listed, str) or not listed.strip():
        return None
    return tuple(listed.lower().split())


def caller_of(event: dict[str, Any]) -> str | None:
    """The caller an API Gateway proxy event names: the front door's authorizer context
    (`caller`), else the IAM principal of a SigV4 request."""
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    name = authorizer.get("caller") if isinstance(authorizer, dict) else None
    if isinstance(name, str) and name:
        return name
    identity = context.get("identity") or {}
    arn = identity.get("userArn") if isinstance(identity, dict) else None
    return f"iam:{arn}" if isinstance(arn, str) and arn else None
