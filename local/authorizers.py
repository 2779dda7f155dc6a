"""API Gateway's Lambda authorizers, locally, as a REST API runs them.

A TOKEN authorizer (the front door's) reads one header, the identity source. API Gateway:
- answers 401 (gateway response UNAUTHORIZED) itself when the header is missing or empty, or
  does not match the authorizer's validation expression — the function is not invoked;
- else looks the header's value up in its cache of answers (when the TTL is above 0) or
  invokes the function with {"type": "TOKEN", "authorizationToken", "methodArn"};
- a function failing with the message "Unauthorized" is a 401; failing otherwise, or
  answering no valid policy, is a 500 (AUTHORIZER_FAILURE / AUTHORIZER_CONFIGURATION_ERROR);
- a policy is applied to the method ARN of the request: an explicit Deny or no Allow matching
  it is a 403 (ACCESS_DENIED); `*` in a resource matches any characters, `?` any one;
- an Allow passes the policy's principalId and context to the function as
  requestContext.authorizer. The cached answer serves the same header on every route for the
  TTL (ReauthorizeEvery, 300 s by default), which is why a policy names every route.

Sources: AWS API Gateway Developer Guide, "Use API Gateway Lambda authorizers", "Input to an
API Gateway Lambda authorizer", "Output from an API Gateway Lambda authorizer" and "Gateway
response types"; AWS SAM, AWS::Serverless::Api LambdaTokenAuthorizationIdentity
(ReauthorizeEvery default 300, at most 3600).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_TTL_SECONDS = 300
UNAUTHORIZED_MESSAGE = "Unauthorized"


@dataclass(frozen=True)
class TokenAuthorizer:
    name: str
    function_id: str
    header: str = "Authorization"
    validation_expression: str | None = None
    ttl_seconds: int = DEFAULT_TTL_SECONDS


@dataclass(frozen=True)
class Refusal:
    """An answer API Gateway gives instead of calling the route's function."""

    response_type: str  # UNAUTHORIZED, ACCESS_DENIED, AUTHORIZER_FAILURE, …
    status: int
    message: str


def token_authorizers(
    api_properties: Mapping[str, Any], resolve: Callable[[Any], Any]
) -> dict[str, TokenAuthorizer]:
    """The Lambda TOKEN authorizers an AWS::Serverless::Api declares, by name."""
    found: dict[str, TokenAuthorizer] = {}
    authorizers = ((api_properties.get("Auth") or {}).get("Authorizers")) or {}
    for name, spec in authorizers.items():
        arn = spec.get("FunctionArn")
        payload = str(spec.get("FunctionPayloadType", "TOKEN")).upper()
        if not (isinstance(arn, dict) and "Fn::GetAtt" in arn) or payload != "TOKEN":
            raise ValueError(f"authorizer {name}: only TOKEN authorizers of a template function")
        target = arn["Fn::GetAtt"]
        function_id = target.split(".", 1)[0] if isinstance(target, str) else target[0]
        identity = spec.get("Identity") or {}
        ttl = identity.get("ReauthorizeEvery", DEFAULT_TTL_SECONDS)
        found[name] = TokenAuthorizer(
            name=name,
            function_id=str(function_id),
            header=str(identity.get("Header", "Authorization")),
            validation_expression=identity.get("ValidationExpression"),
            ttl_seconds=int(resolve(ttl)),
        )
    return found


def method_arn(
    region: str, account_id: str, api_id: str, stage: str, method: str, path: str
) -> str:
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def _pattern(resource: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in resource),
        re.DOTALL,
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _invokes(action: Any) -> bool:
    return any(a in ("execute-api:Invoke", "execute-api:*", "*") for a in _as_list(action))


def policy_allows(policy: Mapping[str, Any], arn: str) -> bool:
    """An explicit Deny wins; otherwise some Allow must match."""
    statements = _as_list((policy or {}).get("Statement"))
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping) or not _invokes(statement.get("Action")):
            continue
        matches = any(_pattern(str(r)).fullmatch(arn) for r in _as_list(statement.get("Resource")))
        if matches and statement.get("Effect") == "Deny":
            return False
        if matches and statement.get("Effect") == "Allow":
            allowed = True
    return allowed


@dataclass
class _Answer:
    expires_at: float
    principal_id: str
    policy: Mapping[str, Any]
    context: dict[str, Any]


class AuthorizerRunner:
    """Runs TOKEN authorizers for the local API, with API Gateway's cache."""

    def __init__(
        self,
        invoke: Callable[[str, dict[str, Any]], Any],
        failure_message: Callable[[Exception], str | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._invoke = invoke
        self._failure_message = failure_message
        self.clock = clock  # tests move time on
        self._cache: dict[tuple[str, str], _Answer] = {}
        self._lock = threading.Lock()
        self.invocations = 0

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()

    def authorize(
        self, authorizer: TokenAuthorizer, headers: Mapping[str, str], arn: str
    ) -> dict[str, Any] | Refusal:
        """requestContext.authorizer for the request, or the refusal API Gateway answers."""
        token = next((v for k, v in headers.items() if k.lower() == authorizer.header.lower()), "")
        unauthorized = Refusal("UNAUTHORIZED", 401, UNAUTHORIZED_MESSAGE)
        if not token:
            return unauthorized
        expression = authorizer.validation_expression
        if expression and re.fullmatch(expression, token) is None:
            return unauthorized
        answer = self._cached(authorizer, token)
        if answer is None:
            outcome = self._call(authorizer, token, arn)
            if isinstance(outcome, Refusal):
                return outcome
            answer = outcome
        if not policy_allows(answer.policy, arn):
            return Refusal("ACCESS_DENIED", 403, "User is not authorized to access this resource")
        return {"principalId": answer.principal_id, **answer.context, "integrationLatency": 0}

    def _cached(self, authorizer: TokenAuthorizer, token: str) -> _Answer | None:
        with self._lock:
            answer = self._cache.get((authorizer.name, token))
            if answer is not None and answer.expires_at > self.clock():
                return answer
            self._cache.pop((authorizer.name, token), None)
            return None

    def _call(self, authorizer: TokenAuthorizer, token: str, arn: str) -> _Answer | Refusal:
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
        self.invocations += 1
        try:
            result = self._invoke(authorizer.function_id, event)
        except Exception as error:
            if self._failure_message(error) == UNAUTHORIZED_MESSAGE:
                return Refusal("UNAUTHORIZED", 401, UNAUTHORIZED_MESSAGE)
            return Refusal("AUTHORIZER_FAILURE", 500, "Internal server error")
        policy = result.get("policyDocument") if isinstance(result, Mapping) else None
        principal = result.get("principalId") if isinstance(result, Mapping) else None
        context = (result.get("context") if isinstance(result, Mapping) else None) or {}
        valid_context = isinstance(context, Mapping) and all(
            isinstance(v, str | int | float | bool) for v in context.values()
        )
        if not isinstance(policy, Mapping) or not isinstance(principal, str) or not valid_context:
            return Refusal("AUTHORIZER_CONFIGURATION_ERROR", 500, "Internal server error")
        answer = _Answer(self.clock() + authorizer.ttl_seconds, principal, policy, dict(context))
        if authorizer.ttl_seconds > 0:
            with self._lock:
                self._cache[(authorizer.name, token)] = answer
        return answer
