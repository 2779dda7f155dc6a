"""Connections: one DocuSign account + integration each, kept in its own Secrets Manager secret.

Every problem with a secret becomes a ConnectionMisconfigured whose message says exactly what
to fix, and never contains key material.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from .errors import BadRequest, ConnectionMisconfigured, NotFound
from .models import CONNECTION_NAME

DEFAULT_AUTH_SERVER = "account-d.docusign.com"
DEFAULT_SCOPES = ("signature", "impersonation")
DEFAULT_REDIRECT_URI = "https://developers.docusign.com/platform/auth/consent"
SECRET_MAX_AGE_SECONDS = 300

_KNOWN_FIELDS = {
    "integrationKey",
    "userId",
    "privateKey",
    "authServer",
    "accountId",
    "baseUri",
    "scopes",
    "redirectUri",
    "connectHmacKeys",
}


def validate_connection_name(name: str) -> str:
    if not isinstance(name, str) or not CONNECTION_NAME.match(name):
        raise BadRequest(
            "connection names are 1-63 characters: lowercase letters, digits and '-', "
            "starting with a letter or digit",
            code="INVALID_CONNECTION_NAME",
        )
    return name


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(value: str, field_name: str) -> str:
    """`account-d.docusign.com` or a full URL → `https://host[:port]` without a trailing slash.

    Plain http is accepted for loopback hosts only, so the local stack and tests can point a
    connection at the DocuSign emulator.
    """
    raw = value.strip()
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    host = parts.hostname or ""
    if not host or parts.query or parts.fragment or parts.username or parts.password:
        raise ConnectionMisconfigured(
            f"{field_name} must be a host name or an https URL, got {value!r}",
            code="INVALID_CONNECTION_URL",
        )
    if parts.scheme not in ("https", "http"):
        raise ConnectionMisconfigured(
            f"{field_name} must use https, got {parts.scheme!r}", code="INVALID_CONNECTION_URL"
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise ConnectionMisconfigured(
            f"{field_name} must use https (plain http is only allowed for loopback hosts)",
            code="INVALID_CONNECTION_URL",
        )
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


@dataclass(frozen=True)
class Connection:
    name: str
    integration_key: str
    user_id: str
    private_key: str = field(repr=False)
    auth_server: str  # base URL, e.g. https://account-d.docusign.com
    account_id: str | None
    base_uri: str | None
    scopes: tuple[str, ...]
    redirect_uri: str
    connect_hmac_keys: tuple[str, ...] = field(default=(), repr=False)

    @property
    def audience(self) -> str:
        """JWT `aud`: the OAuth host without scheme (host:port for a local emulator)."""
        return urlsplit(self.auth_server).netloc

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything that affects a token changes, so a cached token is never
        reused for other credentials."""
        material = "\x1f".join(
            [
                self.integration_key,
                self.user_id,
                self.private_key,
                self.auth_server,
                " ".join(self.scopes),
                self.account_id or "",
                self.base_uri or "",
            ]
        )
        return hashlib.sha256(material.encode()).hexdigest()

    def consent_url(self) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "scope": " ".join(self.scopes),
                "client_id": self.integration_key,
                "redirect_uri": self.redirect_uri,
            },
            quote_via=quote,
        )
        return f"{self.auth_server}/oauth/auth?{query}"


def _text(data: dict[str, Any], key: str, name: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConnectionMisconfigured(
                f"connection {name!r}: the secret has no {key!r} field", code="MISSING_FIELD"
            )
        return None
    if not isinstance(value, str):
        raise ConnectionMisconfigured(
            f"connection {name!r}: {key!r} must be a string", code="INVALID_FIELD"
        )
    return value.strip()


def parse_connection(name: str, raw: str | bytes | dict[str, Any]) -> Connection:
    """Build a Connection from a secret value, checking every field."""
    if isinstance(raw, dict):
        data = raw
    else:
        try:
            data = json.loads(raw)
        except (ValueError, TypeError):
            raise ConnectionMisconfigured(
                f"connection {name!r}: the secret value is not JSON", code="SECRET_NOT_JSON"
            ) from None
    if not isinstance(data, dict):
        raise ConnectionMisconfigured(
            f"connection {name!r}: the secret value must be a JSON object",
            code="SECRET_NOT_JSON",
        )
    unknown = sorted(set(data) - _KNOWN_FIELDS)
    if unknown:
        raise ConnectionMisconfigured(
            f"connection {name!r}: unknown field(s) {', '.join(unknown)}; expected "
            f"{', '.join(sorted(_KNOWN_FIELDS))}",
            code="UNKNOWN_FIELD",
        )
    integration_key = _text(data, "integrationKey", name, required=True)
    user_id = _text(data, "userId", name, required=True)
    private_key = _text(data, "privateKey", name, required=True)
    assert integration_key and user_id and private_key
    auth_server = normalize_base_url(
        _text(data, "authServer", name, required=False) or DEFAULT_AUTH_SERVER, "authServer"
    )
    base_uri_text = _text(data, "baseUri", name, required=False)
    base_uri = normalize_base_url(base_uri_text, "baseUri") if base_uri_text else None
    if base_uri and base_uri.endswith("/restapi"):
        base_uri = base_uri[: -len("/restapi")]
    scopes_value = data.get("scopes", list(DEFAULT_SCOPES))
    if (
        not isinstance(scopes_value, list)
        or not scopes_value
        or not all(isinstance(s, str) and s.strip() for s in scopes_value)
    ):
        raise ConnectionMisconfigured(
            f"connection {name!r}: 'scopes' must be a non-empty list of strings",
            code="INVALID_FIELD",
        )
    scopes = tuple(s.strip() for s in scopes_value)
    for needed in DEFAULT_SCOPES:
        if needed not in scopes:
            raise ConnectionMisconfigured(
                f"connection {name!r}: 'scopes' must include {needed!r} for JWT Grant",
                code="INVALID_FIELD",
            )
    hmac_value = data.get("connectHmacKeys", [])
    if isinstance(hmac_value, str):
        hmac_value = [hmac_value]
    if not isinstance(hmac_value, list) or not all(isinstance(k, str) and k for k in hmac_value):
        raise ConnectionMisconfigured(
            f"connection {name!r}: 'connectHmacKeys' must be a list of non-empty strings",
            code="INVALID_FIELD",
        )
    redirect = _text(data, "redirectUri", name, required=False) or DEFAULT_REDIRECT_URI
    # Validate the key now so a wrong key is reported before any network call.
    from .auth import load_private_key

    load_private_key(private_key, name)
    return Connection(
        name=name,
        integration_key=integration_key,
        user_id=user_id,
        private_key=private_key,
        auth_server=auth_server,
        account_id=_text(data, "accountId", name, required=False),
        base_uri=base_uri,
        scopes=scopes,
        redirect_uri=redirect,
        connect_hmac_keys=tuple(hmac_value),
    )


class ConnectionRepository:
    """Reads connections from Secrets Manager through Powertools Parameters (cached)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.rstrip("/")

    def secret_name(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def get(self, name: str, *, fresh: bool = False) -> Connection:
        validate_connection_name(name)
        from aws_lambda_powertools.utilities import parameters

        try:
            raw = parameters.get_secret(
                self.secret_name(name),
                max_age=SECRET_MAX_AGE_SECONDS,
                force_fetch=fresh,
            )
        except parameters.exceptions.GetParameterError as exc:
            if _is_not_found(exc):
                raise NotFound(
                    f"connection {name!r} does not exist (no secret {self.secret_name(name)!r})",
                    code="CONNECTION_NOT_FOUND",
                ) from None
            raise ConnectionMisconfigured(
                f"connection {name!r}: its secret could not be read", code="SECRET_UNREADABLE"
            ) from None
        return parse_connection(name, raw)


def _is_not_found(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        response = getattr(cause, "response", None)
        if isinstance(response, dict):
            return response.get("Error", {}).get("Code") == "ResourceNotFoundException"
        cause = cause.__cause__ or cause.__context__
    return "ResourceNotFoundException" in str(exc)
