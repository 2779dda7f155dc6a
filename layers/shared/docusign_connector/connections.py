"""Connections: one DocuSign account + integration each. This module reads and checks a
connection's secret value; `adapters.secrets` fetches it.

Every problem with a secret becomes a ConnectionMisconfigured whose message says exactly what
to fix, and never contains key material.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from .errors import ConnectionMisconfigured

DEFAULT_AUTH_SERVER = "account-d.docusign.com"
DEFAULT_SCOPES = ("signature", "impersonation")
DEFAULT_REDIRECT_URI = "https://developers.docusign.com/platform/auth/consent"
SECRET_MAX_AGE_SECONDS = 300
# An HMAC key is as strong as its length; 16 characters is the least accepted.
MIN_CALLBACK_SECRET_LENGTH = 16

_KNOWN_FIELDS = {
    "integrationKey",
    "userId",
    "privateKey",
    "authServer",
    "accountId",
    "baseUri",
    "scopes",
    "redirectUri",
    "allowedSenders",
    # Kept by secrets written before these had secrets of their own (`python -m admin put`
    # moves them): accepted here, read only from `{name}/connect` and `{name}/callback`.
    "connectHmacKeys",
    "callbackSecret",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# DocuSign's eSignature API hosts: demo.docusign.net for the developer environment and
# {server}.docusign.net in production ("Docusign API endpoint base paths",
# https://developers.docusign.com/platform/api-endpoint-base-paths/; the official SDKs' base
# paths are https://demo.docusign.net/restapi and https://www.docusign.net/restapi).
_DOCUSIGN_API_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.docusign\.net")


def base_uri_refusal(base_uri: str, auth_server: str) -> str | None:
    """Why the connector will not send a connection's access token to this base URI (the one
    DocuSign's userinfo names), or None when it may: an https URL on a host of DocuSign's, or a
    loopback host when the connection's own authServer is one (a local DocuSign emulator;
    never beside DocuSign's real auth servers)."""
    try:
        parts = urlsplit(base_uri)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return "it is not a URL"
    if parts.username is not None or parts.password is not None or parts.query:
        return "it carries a user name, a password or a query"
    if host and is_loopback(host):
        if is_loopback((urlsplit(auth_server).hostname or "").lower()):
            return None
        return "it is a loopback host, while the connection's authServer is not"
    if parts.scheme != "https" or port not in (None, 443):
        return "it is not https on the standard port"
    if not _DOCUSIGN_API_HOST.fullmatch(host):
        return "its host is not one of DocuSign's (*.docusign.net)"
    return None


# A DNS name or an IP address (IPv6 in brackets loses them in `hostname`).
_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|[0-9a-f:.]+"
)


def normalize_base_url(value: str, field_name: str) -> str:
    """`account-d.docusign.com` or a full URL → `https://host[:port]` without a trailing slash.

    Plain http is accepted for loopback hosts only, so the local stack and tests can point a
    connection at the DocuSign emulator.
    """
    raw = value.strip()
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        host = ""
    if (
        not _HOST.fullmatch(host)
        or any(c.isspace() for c in raw)
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ConnectionMisconfigured(
            # The value itself is never quoted: a secret pasted in the wrong field stays secret.
            f"{field_name} must be a host name or an https URL",
            code="INVALID_CONNECTION_URL",
        )
    if parts.scheme not in ("https", "http"):
        raise ConnectionMisconfigured(f"{field_name} must use https", code="INVALID_CONNECTION_URL")
    if parts.scheme == "http" and not is_loopback(host):
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
    # Whom the connection may send as besides its own user (DESIGN §12): e-mails and user ids,
    # lower-cased, or ("*",) for every active user of its account; none by default.
    allowed_senders: tuple[str, ...] = ()

    def as_user(self, user_id: str, account_id: str, base_uri: str) -> Connection:
        """The same connection acting as another user of its account (JWT Grant with that
        user as `sub`): its own token cache entry (the fingerprint names the user), and the
        connection's account, whatever that user's default account is."""
        return replace(self, user_id=user_id, account_id=account_id, base_uri=base_uri)

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
    hmac_value = _hmac_keys(data, name)
    account_id = _text(data, "accountId", name, required=False)
    if account_id and account_id.isdigit():
        # The account number of DocuSign's web screens; userinfo names accounts by GUID.
        raise ConnectionMisconfigured(
            f"connection {name!r}: 'accountId' is an account number; use the API Account ID "
            "(a GUID, shown on DocuSign's Apps and Keys page)",
            code="INVALID_ACCOUNT_ID",
        )
    redirect = _text(data, "redirectUri", name, required=False) or DEFAULT_REDIRECT_URI
    # Validate the key now so a wrong key is reported before any network call.
    load_private_key(private_key, name)
    return Connection(
        name=name,
        integration_key=integration_key,
        user_id=user_id,
        private_key=private_key,
        auth_server=auth_server,
        account_id=account_id,
        base_uri=base_uri,
        scopes=scopes,
        redirect_uri=redirect,
        connect_hmac_keys=tuple(hmac_value),
        allowed_senders=_allowed_senders(data, name),
    )


ANY_SENDER = "*"
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def parse_sender_entries(value: Any, what: str) -> tuple[str, ...]:
    """DocuSign user ids and e-mail addresses, lower-cased, each once; "*" alone for all."""
    if value == ANY_SENDER or value == [ANY_SENDER]:
        return (ANY_SENDER,)
    entries = (
        [v.strip().lower() for v in value if isinstance(v, str)]
        if isinstance(value, list)
        else None
    )
    if (
        entries is None
        or len(entries) != len(value)
        or not all(_GUID.fullmatch(v) or _ADDRESS.fullmatch(v) for v in entries)
    ):
        raise ConnectionMisconfigured(
            f'{what} must be "*" or a list of DocuSign user ids and e-mail addresses',
            code="INVALID_SENDERS",
        )
    return tuple(dict.fromkeys(entries))


def _allowed_senders(data: dict[str, Any], name: str) -> tuple[str, ...]:
    """`allowedSenders`: "*", or a list of DocuSign user ids and e-mail addresses."""
    return parse_sender_entries(
        data.get("allowedSenders", []), f"connection {name!r}: 'allowedSenders'"
    )


def _hmac_keys(data: dict[str, Any], name: str) -> tuple[str, ...]:
    value = data.get("connectHmacKeys", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(k, str) and k for k in value):
        raise ConnectionMisconfigured(
            f"connection {name!r}: 'connectHmacKeys' must be a list of non-empty strings",
            code="INVALID_FIELD",
        )
    return tuple(value)


def _secret_object(name: str, raw: str | dict[str, Any], what: str) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise ConnectionMisconfigured(
            f"connection {name!r}: its {what} secret is not a JSON object",
            code="INVALID_SECRET",
        )
    return data


def parse_callback_secret(name: str, raw: str | dict[str, Any]) -> str:
    """The connection's callback secret (`{prefix}/{name}/callback`): only the key that signs
    callbacks, the one secret the callback function may read."""
    data = _secret_object(name, raw, "callback")
    value = data.get("callbackSecret")
    if not isinstance(value, str) or len(value) < MIN_CALLBACK_SECRET_LENGTH:
        raise ConnectionMisconfigured(
            f"connection {name!r}: 'callbackSecret' must be a string of at least "
            f"{MIN_CALLBACK_SECRET_LENGTH} characters",
            code="INVALID_FIELD",
        )
    return value


def parse_connect_keys(name: str, raw: str | dict[str, Any]) -> tuple[str, ...]:
    """The connection's Connect secret (`{prefix}/{name}/connect`): only its HMAC keys, the
    one thing the public webhook may read."""
    return _hmac_keys(_secret_object(name, raw, "Connect"), name)


@lru_cache(maxsize=32)
def load_private_key(pem: str, connection_name: str) -> Any:
    """Parse an RSA private key in PEM (PKCS#1 or PKCS#8) and say what is wrong if it is not."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    text = pem.strip().replace("\\n", "\n")
    if "PUBLIC KEY" in text and "PRIVATE KEY" not in text:
        raise ConnectionMisconfigured(
            f"connection {connection_name!r}: 'privateKey' holds a public key; paste the RSA "
            "private key (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)",
            code="PUBLIC_KEY_GIVEN",
        )
    if "ENCRYPTED" in text:
        raise ConnectionMisconfigured(
            f"connection {connection_name!r}: 'privateKey' is encrypted; store it without a "
            "passphrase (the secret itself is encrypted)",
            code="ENCRYPTED_PRIVATE_KEY",
        )
    if "PRIVATE KEY" not in text:
        raise ConnectionMisconfigured(
            f"connection {connection_name!r}: 'privateKey' is not a PEM private key",
            code="INVALID_PRIVATE_KEY",
        )
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise ConnectionMisconfigured(
            f"connection {connection_name!r}: 'privateKey' could not be read as a PEM private key",
            code="INVALID_PRIVATE_KEY",
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConnectionMisconfigured(
            f"connection {connection_name!r}: 'privateKey' is not an RSA key; DocuSign JWT "
            "Grant needs RS256",
            code="NOT_AN_RSA_KEY",
        )
    return key
