"""Connections' secrets in Secrets Manager, up to three per connection:

- `{prefix}/{name}`: the JWT credentials (integration key, user, private key, …), read by the
  functions that call DocuSign;
- `{prefix}/{name}/connect`: only the Connect HMAC keys, the one secret the public webhook can
  read (its policy names `{prefix}/*/connect-??????`), so the open route never holds a key
  that signs in to DocuSign;
- `{prefix}/{name}/callback`: only the key that signs callbacks, the one secret the callback
  function can read (`{prefix}/*/callback-??????`): the function that POSTs to callers' URLs
  never holds a private key either.

Read through Powertools Parameters, cached for SECRET_MAX_AGE_SECONDS per container.
"""

from __future__ import annotations

from typing import Any

from ..connections import (
    Connection,
    parse_callback_secret,
    parse_connect_keys,
    parse_connection,
)
from ..errors import AwsUnavailable, ConnectionMisconfigured, NotFound
from ..ids import is_connection_name, validate_connection_name
from .aws import RETRYABLE_CODES, aws_errors, error_code, shared_client

SECRET_MAX_AGE_SECONDS = 300
CONNECT_SECRET_SUFFIX = "connect"
CALLBACK_SECRET_SUFFIX = "callback"


class ConnectionRepository:
    """Reads connections from Secrets Manager (cached) and lists them."""

    def __init__(self, prefix: str, secrets_client: Any = None) -> None:
        self.prefix = prefix.rstrip("/")
        self._client = secrets_client
        self._provider: Any = None

    def secret_name(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def connect_secret_name(self, name: str) -> str:
        return f"{self.prefix}/{name}/{CONNECT_SECRET_SUFFIX}"

    def callback_secret_name(self, name: str) -> str:
        return f"{self.prefix}/{name}/{CALLBACK_SECRET_SUFFIX}"

    def get(self, name: str, *, fresh: bool = False) -> Connection:
        validate_connection_name(name)
        return parse_connection(name, self._read(name, self.secret_name(name), fresh))

    def connect_keys(self, name: str, *, fresh: bool = False) -> tuple[str, ...]:
        """The connection's Connect HMAC keys (NotFound when it has no Connect secret)."""
        validate_connection_name(name)
        return parse_connect_keys(name, self._read(name, self.connect_secret_name(name), fresh))

    def callback_secret(self, name: str, *, fresh: bool = False) -> str | None:
        """The key that signs the connection's callbacks; None when it has none."""
        validate_connection_name(name)
        try:
            raw = self._read(name, self.callback_secret_name(name), fresh)
        except NotFound:
            return None
        return parse_callback_secret(name, raw)

    @property
    def provider(self) -> Any:
        """Powertools' secrets provider (and its cache) on the container's own boto3 client: a
        provider of its own would build a second boto3 session, a cold start's dearest part."""
        if self._provider is None:
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            self._provider = SecretsProvider(boto3_client=self.client)
        return self._provider

    def _read(self, name: str, secret_id: str, fresh: bool) -> Any:
        from aws_lambda_powertools.utilities import parameters

        try:
            return self.provider.get(secret_id, max_age=SECRET_MAX_AGE_SECONDS, force_fetch=fresh)
        except parameters.exceptions.GetParameterError as exc:
            code = _cause_code(exc)
            if code == "ResourceNotFoundException":
                raise NotFound(
                    f"connection {name!r} does not exist (no secret {secret_id!r})",
                    code="CONNECTION_NOT_FOUND",
                ) from None
            if code in RETRYABLE_CODES:
                raise AwsUnavailable("Secrets Manager is busy; retry shortly") from None
            raise ConnectionMisconfigured(
                f"connection {name!r}: its secret could not be read", code="SECRET_UNREADABLE"
            ) from None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = shared_client("secretsmanager")
        return self._client

    def names(self) -> list[str]:
        """Every connection: the secrets named `{prefix}/{connection}` (ListSecrets)."""
        names: set[str] = set()
        with aws_errors("Secrets Manager"):
            paginator = self.client.get_paginator("list_secrets")
            pages = paginator.paginate(Filters=[{"Key": "name", "Values": [f"{self.prefix}/"]}])
            for page in pages:
                for secret in page.get("SecretList", []):
                    name = str(secret.get("Name", ""))
                    if name.startswith(f"{self.prefix}/") and not secret.get("DeletedDate"):
                        candidate = name[len(self.prefix) + 1 :]
                        if is_connection_name(candidate):
                            names.add(candidate)
        return sorted(names)


def _cause_code(exc: BaseException) -> str:
    """The AWS error code behind Powertools' GetParameterError."""
    cause: BaseException | None = exc
    while cause is not None:
        if getattr(cause, "response", None) is not None:
            return error_code(cause)
        cause = cause.__cause__ or cause.__context__
    return "ResourceNotFoundException" if "ResourceNotFoundException" in str(exc) else ""
