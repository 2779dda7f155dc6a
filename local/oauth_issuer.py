"""A local OAuth 2.0 issuer standing in for the stack's Cognito user pool domain.

moto serves Cognito's API (user pools, resource servers, app clients with their secrets) but
not the domain's `/oauth2/token`, so this serves what a caller and the authorizer need of it:

- `POST /oauth2/token`, the client credentials grant as Amazon Cognito's token endpoint takes
  it: `grant_type=client_credentials`, the app client authenticated with HTTP Basic
  (`client_id:client_secret`) or with `client_id`/`client_secret` in the form body, an
  optional space-separated `scope` (none asked: every scope the client is allowed). The app
  client must be moto's, with a secret, the `client_credentials` OAuth flow and the scopes.
  Answer: `{"access_token", "expires_in", "token_type": "Bearer"}`; errors `{"error": …}`
  with 400 (`invalid_request`, `invalid_client`, `unauthorized_client`,
  `unsupported_grant_type`, `invalid_scope`).
- `GET /{poolId}/.well-known/jwks.json` and `…/openid-configuration`: the signing key.

Tokens are shaped as Cognito's access tokens of a client credentials grant: RS256 with a
`kid`; claims `sub` and `client_id` (the app client), `token_use: "access"`, `scope`, `iss`
(this server's URL + `/{poolId}`, as Cognito's is `https://cognito-idp.{region}.amazonaws.com/
{poolId}`), `exp` (the client's access-token validity, 60 minutes by default), `iat`,
`auth_time`, `jti`, `version: 2`, and no `aud`.

Sources: Amazon Cognito Developer Guide, "The token issuer endpoint" and "Scopes, M2M, and
resource servers"; "Understanding the access token" (its claims); API Reference,
UserPoolClientType (AllowedOAuthFlows, AllowedOAuthScopes, AccessTokenValidity).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request, Response

from local.keys import rsa_key_pair
from local.servers import BackgroundServer

DEFAULT_VALIDITY_SECONDS = 3600
_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


class OAuthError(Exception):
    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class LocalOAuthIssuer(BackgroundServer):
    """The token endpoint of one user pool, its JWKS, and a signer for tests."""

    name = "oauth-issuer"

    def __init__(
        self,
        user_pool_id: str,
        cognito: Callable[[], Any],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        from jwt.algorithms import RSAAlgorithm

        self.user_pool_id = user_pool_id
        self._cognito = cognito  # a boto3 cognito-idp client of the local AWS
        private_pem, public_pem = rsa_key_pair()
        self._private_key = private_pem
        self.key_id = uuid.uuid4().hex
        public_key = load_pem_public_key(public_pem.encode())
        assert isinstance(public_key, RSAPublicKey)
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        self.jwk = {**jwk, "kid": self.key_id, "alg": "RS256", "use": "sig"}
        self.tokens_issued = 0

    @property
    def issuer(self) -> str:
        return f"{self.url}/{self.user_pool_id}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth2/token"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        """A token signed with this issuer's key (tests make expired or foreign ones)."""
        import jwt

        return jwt.encode(
            claims,
            self._private_key,
            algorithm="RS256",
            headers={"kid": self.key_id, **(headers or {})},
        )

    # -- HTTP
    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        response = self._route(request)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        well_known = f"/{self.user_pool_id}/.well-known/"
        if request.method == "GET" and request.path == well_known + "jwks.json":
            return _json({"keys": [self.jwk]})
        if request.method == "GET" and request.path == well_known + "openid-configuration":
            return _json(
                {
                    "issuer": self.issuer,
                    "jwks_uri": self.jwks_url,
                    "token_endpoint": self.token_url,
                    "grant_types_supported": ["client_credentials"],
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_basic",
                        "client_secret_post",
                    ],
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            )
        if request.path == "/oauth2/token":
            if request.method != "POST":
                return _json({"error": "invalid_request"}, 405)
            try:
                return _json(self._token(request))
            except OAuthError as error:
                return _json({"error": error.error}, error.status)
        return _json({"error": "not_found"}, 404)

    def _token(self, request: Request) -> dict[str, Any]:
        if request.mimetype != "application/x-www-form-urlencoded":
            raise OAuthError("invalid_request")
        form = {k: v[-1] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        client_id, secret = _client_credentials(request, form)
        if form.get("grant_type") != "client_credentials":
            raise OAuthError("unsupported_grant_type")
        client = self._client(client_id)
        if client is None or not secret or client.get("ClientSecret") != secret:
            raise OAuthError("invalid_client")
        if "client_credentials" not in (client.get("AllowedOAuthFlows") or []) or not client.get(
            "AllowedOAuthFlowsUserPoolClient"
        ):
            raise OAuthError("unauthorized_client")
        allowed = list(client.get("AllowedOAuthScopes") or [])
        asked = form.get("scope", "").split()
        if asked and not set(asked) <= set(allowed):
            raise OAuthError("invalid_scope")
        scopes = asked or allowed
        if not scopes:
            raise OAuthError("invalid_scope")
        validity = _validity_seconds(client)
        now = int(time.time())
        token = self.sign(
            {
                "sub": client_id,
                "client_id": client_id,
                "token_use": "access",
                "scope": " ".join(scopes),
                "auth_time": now,
                "iss": self.issuer,
                "exp": now + validity,
                "iat": now,
                "jti": str(uuid.uuid4()),
                "version": 2,
            }
        )
        self.tokens_issued += 1
        return {"access_token": token, "expires_in": validity, "token_type": "Bearer"}

    def _client(self, client_id: str) -> dict[str, Any] | None:
        cognito = self._cognito()
        try:
            answer = cognito.describe_user_pool_client(
                UserPoolId=self.user_pool_id, ClientId=client_id
            )
        except cognito.exceptions.ResourceNotFoundException:
            return None
        client = answer.get("UserPoolClient")
        return client if isinstance(client, dict) else None


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client") from None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    client_id = form.get("client_id", "")
    if not client_id:
        raise OAuthError("invalid_request")
    return client_id, form.get("client_secret", "")


def _validity_seconds(client: dict[str, Any]) -> int:
    value = client.get("AccessTokenValidity")
    if not value:
        return DEFAULT_VALIDITY_SECONDS
    unit = ((client.get("TokenValidityUnits") or {}).get("AccessToken")) or "hours"
    return int(value) * _UNITS.get(str(unit), 3600)


def _json(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
