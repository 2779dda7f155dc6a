"""GET /openapi.json: the API descriptions with the address the caller reached, so a document
fetched from a deployment imports as it is.

The base URL is taken from the request as API Gateway passes it: `requestContext.domainName`,
and `requestContext.path`, the path as the caller sent it (with the stage on an execute-api
host, with the base path mapping on a custom domain), less the route's own path; the scheme
from `X-Forwarded-Proto`. A value that is not a plain host or path is not copied into the
document (the placeholder stays).
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import BadRequest
from .http import Request
from .openapi import build_document
from .swagger import API_KEY, OAUTH2, build_swagger

FORMATS = ("openapi", "swagger2", "swagger2-oauth2")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?")
_BASE_PATH = re.compile(r"(?:/[A-Za-z0-9._~-]{1,128}){0,8}")


def api_url_of(request: Request) -> str | None:
    """The base URL the caller reached (e.g. https://abc.execute-api.eu-west-1.amazonaws.com/v1),
    or None when the request does not say it plainly."""
    context = request.request_context
    host = str(context.get("domainName") or "")
    path = str(context.get("path") or "")
    stage = str(context.get("stage") or "")
    if path.endswith(request.resource):
        base = path[: len(path) - len(request.resource)]
    else:
        base = f"/{stage}" if stage else ""
    base = base.rstrip("/")
    if not _HOST.fullmatch(host) or not _BASE_PATH.fullmatch(base):
        return None
    forwarded = (request.header("X-Forwarded-Proto") or "https").lower()
    scheme = forwarded if forwarded in ("http", "https") else "https"
    return f"{scheme}://{host}{base}"


def described(request: Request) -> dict[str, Any]:
    """The document the query asks for (`format`, default openapi) for this deployment."""
    kind = request.query.get("format") or "openapi"
    if kind not in FORMATS:
        raise BadRequest(
            f"format is one of {', '.join(FORMATS)}",
            code="INVALID_FORMAT",
            details=[{"field": "format"}],
        )
    api_url = api_url_of(request)
    # the stack's user pool's token endpoint, when it has one (the template sets it)
    token_url = os.environ.get("OAUTH_TOKEN_URL", "").strip() or None
    if kind == "openapi":
        return build_document(api_url, token_url)
    return build_swagger(
        api_url, security=API_KEY if kind == "swagger2" else OAUTH2, token_url=token_url
    )
