"""OAuth 2.0 access tokens of the issuers the operator trusts: JWTs signed with RS256 or
ES256, checked against the issuer's published keys (its JWKS).

Two kinds of issuer:
- `oidc` (Entra ID, Okta, Auth0, Keycloak…): `aud` must name the configured audience;
- `cognito` (the stack's own user pool): Cognito's access tokens carry no `aud`; they are
  access tokens (`token_use: access`) of an app client (`client_id`), and the authorizer then
  requires that client to be a registered caller, which plays the audience's part.

Refused whatever the issuer: `alg` other than RS256/ES256 (so `none` and every HMAC
algorithm, whose "key" would be the public JWKS), a key the JWKS does not hold, a key whose
type or declared algorithm does not fit, a bad signature, `exp` passed or missing, `nbf` or
`iat` in the future, another `iss`. The JWKS is fetched over HTTPS (HTTP on loopback only, for
the local issuer) and kept an hour; a token naming an unknown key id fetches it again at most
once a minute, so forged key ids cannot make the authorizer hammer the issuer.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..connections import is_loopback

ALGORITHMS = ("RS256", "ES256")
_KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}
LEEWAY_SECONDS = 30
JWKS_MAX_AGE_SECONDS = 3600
JWKS_REFETCH_SECONDS = 60
JWKS_TIMEOUT_SECONDS = 3
JWKS_MAX_BYTES = 256 * 1024
MAX_TOKEN_CHARS = 8192


class InvalidToken(Exception):
    """The token is not one this API accepts (the message is for logs, never for callers)."""


@dataclass(frozen=True)
class Issuer:
    issuer: str
    jwks_url: str
    kind: str = "oidc"  # oidc | cognito
    audience: str = ""
    scope_prefix: str = ""


@dataclass(frozen=True)
class VerifiedToken:
    issuer: Issuer
    subject: str  # the OAuth client (client_id / azp / appid), else sub
    scopes: tuple[str, ...]


def check_jwks_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    raise ValueError(f"a JWKS URL must be https (http only on loopback): {url!r}")


def fetch_json(url: str) -> Any:
    """GET a small JSON document (urllib: the authorizer loads no HTTP library)."""
    import urllib.request

    # the scheme is https, or http on loopback: check_jwks_url
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=JWKS_TIMEOUT_SECONDS) as answer:  # noqa: S310
        body = answer.read(JWKS_MAX_BYTES + 1)
    if len(body) > JWKS_MAX_BYTES:
        raise ValueError("the JWKS is larger than expected")
    return json.loads(body)


class KeySet:
    """One issuer's signing keys, fetched on first use and kept."""

    def __init__(
        self,
        url: str,
        fetch: Callable[[str], Any] = fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = check_jwks_url(url)
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> dict[str, Any] | None:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > JWKS_MAX_AGE_SECONDS
            unknown = kid not in self._keys and (
                self._fetched_at is None or now - self._fetched_at > JWKS_REFETCH_SECONDS
            )
            if stale or unknown:
                self._refresh(now)
            return self._keys.get(kid)

    def _refresh(self, now: float) -> None:
        try:
            document = self._fetch(self.url)
        except Exception as exc:
            if self._fetched_at is None:
                raise InvalidToken(f"the issuer's keys could not be read: {exc!r}") from None
            return  # keep the keys we have; try again after the refetch interval
        finally:
            self._fetched_at = now
        keys = document.get("keys") if isinstance(document, dict) else None
        self._keys = {
            str(key["kid"]): key
            for key in keys or []
            if isinstance(key, dict) and isinstance(key.get("kid"), str)
        }


class TokenVerifier:
    def __init__(self, issuers: list[Issuer], key_sets: dict[str, KeySet] | None = None) -> None:
        self.issuers = {issuer.issuer: issuer for issuer in issuers}
        self._key_sets = key_sets or {}

    def _key_set(self, issuer: Issuer) -> KeySet:
        if issuer.issuer not in self._key_sets:
            self._key_sets[issuer.issuer] = KeySet(issuer.jwks_url)
        return self._key_sets[issuer.issuer]

    def verify(self, token: str) -> VerifiedToken:
        import jwt

        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise InvalidToken("not a JWS compact token")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed token: {exc}") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        issuer = self.issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise InvalidToken("unknown issuer")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key")
        jwk = self._key_set(issuer).key(kid)
        if jwk is None:
            raise InvalidToken("the issuer has no such key")
        if jwk.get("kty") != _KEY_TYPES[algorithm] or jwk.get("alg", algorithm) != algorithm:
            raise InvalidToken("the key does not fit the token's algorithm")
        if jwk.get("use", "sig") != "sig":
            raise InvalidToken("the key is not a signing key")
        try:
            key = jwt.PyJWK(jwk, algorithm=algorithm)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                issuer=issuer.issuer,
                audience=issuer.audience or None,
                leeway=LEEWAY_SECONDS,
                options={
                    "require": ["exp", "iss"] + (["aud"] if issuer.audience else []),
                    "verify_aud": bool(issuer.audience),
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"rejected: {exc}") from None
        iat = claims.get("iat")
        if isinstance(iat, int | float) and iat > time.time() + LEEWAY_SECONDS:
            raise InvalidToken("issued in the future")
        return VerifiedToken(issuer, _subject(issuer, claims), _scopes(claims))


def _subject(issuer: Issuer, claims: dict[str, Any]) -> str:
    if issuer.kind == "cognito":
        if claims.get("token_use") != "access":
            raise InvalidToken("not an access token")
        subject = claims.get("client_id")
    else:
        subject = next(
            (claims[name] for name in ("client_id", "azp", "appid", "sub") if claims.get(name)),
            None,
        )
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("the token names no client")
    return subject


def _scopes(claims: dict[str, Any]) -> tuple[str, ...]:
    scopes: list[str] = []
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            scopes += value.split()
        elif isinstance(value, list):
            scopes += [item for item in value if isinstance(item, str)]
    return tuple(scopes)


def issuers_from_environment() -> list[Issuer]:
    """The trusted issuers the template configures: the stack's Cognito user pool
    (COGNITO_ISSUER) and one other (OAUTH_ISSUER, OAUTH_AUDIENCE, OAUTH_JWKS_URL)."""
    issuers = []
    cognito = os.environ.get("COGNITO_ISSUER", "").strip().rstrip("/")
    if cognito:
        issuers.append(
            Issuer(
                cognito,
                f"{cognito}/.well-known/jwks.json",
                kind="cognito",
                scope_prefix=os.environ.get("COGNITO_SCOPE_PREFIX", ""),
            )
        )
    other = os.environ.get("OAUTH_ISSUER", "").strip()
    if other:
        audience = os.environ.get("OAUTH_AUDIENCE", "").strip()
        if not audience:
            from ..config import SettingsError

            raise SettingsError("OAUTH_ISSUER is set without OAUTH_AUDIENCE")
        issuers.append(
            Issuer(
                other,
                os.environ.get("OAUTH_JWKS_URL", "").strip()
                or f"{other.rstrip('/')}/.well-known/jwks.json",
                kind="oidc",
                audience=audience,
                scope_prefix=os.environ.get("OAUTH_SCOPE_PREFIX", ""),
            )
        )
    return issuers
