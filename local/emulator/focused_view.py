"""Focused View: `frameAncestors` and `messageOrigins` of `POST …/views/recipient`, checked as
DocuSign documents them ("Docusign JS embedded reference", EnvelopeViews:createRecipient):

- `frameAncestors` is an array of origins ("not including anything after the hostname or
  port"), which must include the signing session's own origin (DocuSign's
  `https://apps-d.docusign.com` / `https://apps.docusign.com`; here the emulator's own origin,
  which serves the signing pages), https except for localhost, at most 500 characters for all
  of them together.
- `messageOrigins` "must have one member": that signing origin.

DocuSign publishes no error code for these refusals: the emulator answers its generic
`INVALID_REQUEST_PARAMETER`. The signing page of a focused view is served with
`Content-Security-Policy: frame-ancestors …` of those origins, which is what frameAncestors is
for (the browser lets only those pages frame it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .errors import invalid_parameter

MAX_FRAME_ANCESTORS_CHARS = 500


def _origin(value: Any, name: str, own_origin: str) -> str:
    text = str(value or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise invalid_parameter(f"'{name}' holds origins (scheme://host[:port]): '{text[:100]}'.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise invalid_parameter(
            f"'{name}' holds origins, with nothing after the host name or port: '{text[:100]}'."
        )
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host != "localhost" and origin != own_origin:
        raise invalid_parameter(f"'{name}' origins must use https (http only for localhost).")
    return origin


def check_focused_view(body: dict[str, Any], own_origin: str) -> list[str]:
    """The frame ancestors of a focused view (empty for a classic one)."""
    ancestors = body.get("frameAncestors")
    messages = body.get("messageOrigins")
    if not ancestors and not messages:
        return []
    if not isinstance(ancestors, list) or not ancestors:
        raise invalid_parameter("'frameAncestors' must be an array of origins.")
    origins = [_origin(a, "frameAncestors", own_origin) for a in ancestors]
    if len(",".join(str(a) for a in ancestors)) > MAX_FRAME_ANCESTORS_CHARS:
        raise invalid_parameter("'frameAncestors' is limited to 500 characters in all.")
    if own_origin not in origins:
        raise invalid_parameter(f"'frameAncestors' must include the signing origin {own_origin}.")
    if not isinstance(messages, list) or len(messages) != 1:
        raise invalid_parameter("'messageOrigins' must have one member, the signing origin.")
    if _origin(messages[0], "messageOrigins", own_origin) != own_origin:
        raise invalid_parameter(f"'messageOrigins' must be the signing origin {own_origin}.")
    return origins


def content_security_policy(frame_ancestors: list[str]) -> str:
    return "frame-ancestors " + " ".join(frame_ancestors)
