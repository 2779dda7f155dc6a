"""The Lambda authorizer of the API's front door (a TOKEN authorizer on `Authorization`).

`Authorization: Bearer <credential>` where the credential is an API key of a caller
(`dsc_…`, from `python -m admin caller add`) or an OAuth 2.0 access token of a trusted issuer.
The answer is an IAM policy allowing exactly the routes the caller's grants reach, on the
connections they name — every such route, not only the one called, because API Gateway
caches the answer for the credential and applies it to the caller's next requests. Its
context names the caller for the functions (audit and logs).

Credentials that are missing, unknown, revoked or invalid raise `Unauthorized`, which API
Gateway answers with a 401 (the UNAUTHORIZED gateway response); a known caller calling a route
its grants do not reach gets API Gateway's 403 (ACCESS_DENIED). Nothing of the credential is
logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from ..callers import EVERY_CONNECTION, Grants, key_id_of, key_matches, scope_grants
from .routes import ROUTES, Route

logger = Logger(child=True)

BEARER = "Bearer "


class Unauthorized(Exception):
    """API Gateway turns an authorizer failing with exactly this message into a 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


@dataclass(frozen=True)
class Authorized:
    caller: str
    method: str  # apiKey | oauth
    grants: Grants
    senders: tuple[str, ...] = ()  # whom it may send as, when its record limits that


def authorize(credential: str, services: Any) -> Authorized:
    """Who presents `credential` and what they may do; Unauthorized otherwise."""
    key_id = key_id_of(credential)
    if key_id is not None:
        return _by_api_key(credential, key_id, services)
    if credential.count(".") == 2:
        return _by_access_token(credential, services)
    logger.info("refused: the credential is neither an API key nor a token")
    raise Unauthorized()


def _by_api_key(credential: str, key_id: str, services: Any) -> Authorized:
    record = services.callers.key_record(key_id)
    # compared even when the key id is unknown, so both refusals take the same time
    stored_hash = record[1] if record else "0" * 64
    if not key_matches(credential, stored_hash) or record is None:
        logger.info("refused: unknown API key", extra={"keyId": key_id})
        raise Unauthorized()
    caller = services.callers.caller(record[0])
    if caller is None or not caller.active or key_id not in caller.key_ids:
        logger.info("refused: revoked or retired API key", extra={"keyId": key_id})
        raise Unauthorized()
    return Authorized(caller.name, "apiKey", caller.grants, caller.senders)


def _by_access_token(credential: str, services: Any) -> Authorized:
    from ..adapters.access_tokens import InvalidToken

    try:
        token = services.token_verifier.verify(credential)
    except InvalidToken as exc:
        logger.info("refused: access token", extra={"reason": str(exc)})
        raise Unauthorized() from None
    name = services.callers.client_caller(token.issuer.issuer, token.subject)
    caller = services.callers.caller(name) if name else None
    if caller is None or not caller.active:
        logger.info(
            "refused: the token's client is no active caller", extra={"client": token.subject}
        )
        raise Unauthorized()
    grants = scope_grants(token.scopes, token.issuer.scope_prefix).within(caller.grants)
    return Authorized(caller.name, "oauth", grants, caller.senders)


def _route_resource(prefix: str, route: Route, connection: str) -> str:
    parts = []
    for segment in route.path.strip("/").split("/"):
        if segment == "{connection}":
            parts.append(connection)
        elif segment.startswith("{"):
            parts.append("*")
        else:
            parts.append(segment)
    return f"{prefix}/{route.method}/{'/'.join(parts)}"


def allowed_resources(method_arn: str, grants: Grants) -> list[str]:
    """The execute-api ARNs of every route `grants` reach, in the API and stage of
    `method_arn` (arn:aws:execute-api:region:account:api-id/stage/METHOD/path)."""
    api_and_stage = "/".join(method_arn.split("/", 2)[:2])
    resources: list[str] = []
    for route in ROUTES:
        if route.authorization == "NONE":
            continue
        if route.permission is None:  # no connection of its own: every caller
            resources.append(_route_resource(api_and_stage, route, ""))
            continue
        for connection, permissions in sorted(grants.by_connection.items()):
            if route.permission in permissions:
                name = "*" if connection == EVERY_CONNECTION else connection
                resources.append(_route_resource(api_and_stage, route, name))
    return resources


def policy(method_arn: str, authorized: Authorized) -> dict[str, Any]:
    return {
        "principalId": authorized.caller,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": allowed_resources(method_arn, authorized.grants),
                }
            ],
        },
        # what the functions see as requestContext.authorizer (strings only)
        "context": {
            "caller": authorized.caller,
            "authenticatedBy": authorized.method,
            "grants": " ".join(authorized.grants.as_scopes()),
            # read by the functions as the caller's limit on senders (audit.senders_of)
            **({"senders": " ".join(authorized.senders)} if authorized.senders else {}),
        },
    }


def handle(event: dict[str, Any], services: Any) -> dict[str, Any]:
    header = str(event.get("authorizationToken") or "")
    method_arn = str(event.get("methodArn") or "")
    if not header.startswith(BEARER) or not method_arn.startswith("arn:"):
        raise Unauthorized()
    authorized = authorize(header[len(BEARER) :].strip(), services)
    logger.info(
        "authorized",
        extra={
            "caller": authorized.caller,
            "authenticatedBy": authorized.method,
            "grants": authorized.grants.as_scopes(),
        },
    )
    return policy(method_arn, authorized)
