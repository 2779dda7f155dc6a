"""JWT Grant against DocuSign OAuth, with an in-memory token cache per connection.

A token is cached under the connection's credential fingerprint, so changed credentials are
never served an old token, and reused until shortly before it expires: at most one token
request per connection per hour per container. `/oauth/userinfo` is asked once per container.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...connections import Connection, base_uri_refusal, load_private_key
from ...errors import (
    ConnectionMisconfigured,
    ConsentRequired,
    UpstreamError,
    UpstreamUnavailable,
)

if TYPE_CHECKING:
    # Imported where first used: a call answered from the table never loads an HTTP client.
    import requests

JWT_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME_SECONDS = 3600  # DocuSign JWT Grant tokens last one hour at most
REFRESH_MARGIN_SECONDS = 120  # ask for a new token this long before the old one expires
CLOCK_SKEW_SECONDS = 30  # `iat` is back-dated so a fast local clock is not "in the future"
HTTP_TIMEOUT = (5, 20)

_INVALID_GRANT_HINTS = {
    "no_valid_keys_or_signatures": "the private key does not match any RSA key of the "
    "integration key (check privateKey, and that its public key is registered on the "
    "integration key)",
    "issuer_not_found": "the integration key is not known to this auth server (check "
    "integrationKey, and authServer: account-d.docusign.com is demo, account.docusign.com is "
    "production)",
    "user_not_found": "the userId is not a user of this DocuSign environment (check userId "
    "and authServer)",
    "invalid_request": "DocuSign rejected the JWT assertion",
}


@dataclass(frozen=True)
class Account:
    account_id: str
    account_name: str | None
    base_uri: str  # e.g. https://demo.docusign.net (no /restapi)
    user_id: str
    user_name: str | None


@dataclass
class Token:
    value: str
    expires_at: float
    expires_in: int


class TokenProvider:
    """Gets, caches and refreshes access tokens; resolves the account to use."""

    def __init__(
        self,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self._clock = clock
        self._tokens: dict[str, Token] = {}
        self._accounts: dict[str, Account] = {}
        self._requesting: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            import requests

            self._session = requests.Session()
        return self._session

    def token(self, connection: Connection, *, fresh: bool = False) -> str:
        return self._token(connection, fresh=fresh).value

    def token_info(self, connection: Connection, *, fresh: bool = False) -> Token:
        return self._token(connection, fresh=fresh)

    def _token(self, connection: Connection, *, fresh: bool) -> Token:
        key = connection.fingerprint
        with self._lock:
            # one request at a time per connection and user: threads asking at once share it
            requesting = self._requesting.setdefault(key, threading.Lock())
        with requesting:
            with self._lock:
                cached = self._tokens.get(key)
                if (
                    not fresh
                    and cached is not None
                    and cached.expires_at - REFRESH_MARGIN_SECONDS > self._clock()
                ):
                    return cached
            token = self._request_token(connection)
            with self._lock:
                self._tokens[key] = token
            return token

    def forget(self, connection: Connection) -> None:
        with self._lock:
            self._tokens.pop(connection.fingerprint, None)

    def _assertion(self, connection: Connection) -> str:
        import jwt

        issued = int(self._clock()) - CLOCK_SKEW_SECONDS
        claims = {
            "iss": connection.integration_key,
            "sub": connection.user_id,
            "aud": connection.audience,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME_SECONDS,
            "scope": " ".join(connection.scopes),
        }
        key = load_private_key(connection.private_key, connection.name)
        return jwt.encode(claims, key, algorithm="RS256")

    def _request_token(self, connection: Connection) -> Token:
        import requests

        assertion = self._assertion(connection)
        try:
            response = self.session.post(
                f"{connection.auth_server}/oauth/token",
                data={"grant_type": JWT_GRANT_TYPE, "assertion": assertion},
                timeout=HTTP_TIMEOUT,
            )
        except requests.RequestException:
            raise UpstreamUnavailable(
                f"DocuSign's auth server {connection.audience} could not be reached",
                code="AUTH_SERVER_UNREACHABLE",
            ) from None
        body = _json(response)
        if response.status_code == 200 and body.get("access_token"):
            expires_in = int(body.get("expires_in") or TOKEN_LIFETIME_SECONDS)
            return Token(
                value=str(body["access_token"]),
                expires_at=self._clock() + expires_in,
                expires_in=expires_in,
            )
        error = str(body.get("error") or "")
        description = str(body.get("error_description") or "")
        if error == "consent_required":
            # the user the token was asked for: the connection's, or the sender acted as
            raise ConsentRequired(connection.consent_url(), connection.user_id)
        if error in ("invalid_grant", "invalid_client", "unauthorized_client", "invalid_request"):
            hint = _INVALID_GRANT_HINTS.get(description) or _INVALID_GRANT_HINTS.get(error)
            raise ConnectionMisconfigured(
                f"connection {connection.name!r}: DocuSign refused the JWT grant: {hint}",
                code="INVALID_GRANT",
                details=[{"docusignError": error, "docusignErrorDescription": description}],
            )
        if response.status_code == 429 or response.status_code >= 500:
            raise UpstreamUnavailable(
                f"DocuSign's auth server answered {response.status_code}",
                code="AUTH_SERVER_UNAVAILABLE",
            )
        raise UpstreamError(
            f"DocuSign's auth server answered {response.status_code} to the token request",
            code="TOKEN_REQUEST_FAILED",
            details=[{"docusignError": error, "docusignErrorDescription": description}],
        )

    def account(self, connection: Connection, *, fresh: bool = False) -> Account:
        key = connection.fingerprint
        if not fresh:
            with self._lock:
                known = self._accounts.get(key)
            if known is not None:
                return known
        account = self._discover_account(connection)
        with self._lock:
            self._accounts[key] = account
        return account

    def _discover_account(self, connection: Connection) -> Account:
        import requests

        token = self.token(connection)
        try:
            response = self.session.get(
                f"{connection.auth_server}/oauth/userinfo",
                headers={"Authorization": f"Bearer {token}"},
                timeout=HTTP_TIMEOUT,
            )
        except requests.RequestException:
            raise UpstreamUnavailable(
                f"DocuSign's auth server {connection.audience} could not be reached",
                code="AUTH_SERVER_UNREACHABLE",
            ) from None
        if response.status_code != 200:
            raise UpstreamError(
                f"DocuSign's userinfo endpoint answered {response.status_code}",
                code="USERINFO_FAILED",
            )
        info = _json(response)
        accounts = [a for a in info.get("accounts") or [] if isinstance(a, dict)]
        if not accounts:
            raise ConnectionMisconfigured(
                f"connection {connection.name!r}: the DocuSign user has no accounts",
                code="NO_ACCOUNT",
            )
        chosen = _choose_account(connection, accounts)
        base_uri = str(chosen.get("base_uri") or "").rstrip("/")
        refusal = base_uri_refusal(base_uri, connection.auth_server)
        if refusal is not None:
            # The access token goes to this URI with every call: only to DocuSign's hosts.
            raise ConnectionMisconfigured(
                f"connection {connection.name!r}: DocuSign's userinfo names the base URI "
                f"{base_uri[:200]!r} for account {chosen.get('account_id')}, and {refusal}; "
                "no call is made there",
                code="BASE_URI_NOT_DOCUSIGN",
            )
        if connection.base_uri and connection.base_uri.lower() != base_uri.lower():
            raise ConnectionMisconfigured(
                # What the secret holds is never quoted; DocuSign's own value is.
                f"connection {connection.name!r}: 'baseUri' does not belong to account "
                f"{chosen.get('account_id')}; DocuSign says its base URI is {base_uri!r}",
                code="BASE_URI_MISMATCH",
            )
        return Account(
            account_id=str(chosen["account_id"]),
            account_name=chosen.get("account_name"),
            base_uri=base_uri,
            user_id=str(info.get("sub") or connection.user_id),
            user_name=info.get("name"),
        )


def _choose_account(connection: Connection, accounts: list[dict[str, Any]]) -> dict[str, Any]:
    if connection.account_id:
        for account in accounts:
            if str(account.get("account_id", "")).lower() == connection.account_id.lower():
                return account
        known = ", ".join(str(a.get("account_id")) for a in accounts)
        raise ConnectionMisconfigured(
            f"connection {connection.name!r}: 'accountId' is not an account of this user "
            f"(the user's accounts: {known})",
            code="UNKNOWN_ACCOUNT",
        )
    for account in accounts:
        if str(account.get("is_default")).lower() == "true":
            return account
    return accounts[0]


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
