"""Connections' secrets in Secrets Manager: one secret per connection, `{prefix}/{name}`.

Read through Powertools Parameters, cached for SECRET_MAX_AGE_SECONDS per container.
"""

from __future__ import annotations

from typing import Any

from ..connections import Connection, parse_connection
from ..errors import AwsUnavailable, ConnectionMisconfigured, NotFound
from ..ids import is_connection_name, validate_connection_name
from .aws import RETRYABLE_CODES, aws_errors, client, error_code

SECRET_MAX_AGE_SECONDS = 300


class ConnectionRepository:
    """Reads connections from Secrets Manager (cached) and lists them."""

    def __init__(self, prefix: str, secrets_client: Any = None) -> None:
        self.prefix = prefix.rstrip("/")
        self._client = secrets_client

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
            code = _cause_code(exc)
            if code == "ResourceNotFoundException":
                raise NotFound(
                    f"connection {name!r} does not exist (no secret {self.secret_name(name)!r})",
                    code="CONNECTION_NOT_FOUND",
                ) from None
            if code in RETRYABLE_CODES:
                raise AwsUnavailable("Secrets Manager is busy; retry shortly") from None
            raise ConnectionMisconfigured(
                f"connection {name!r}: its secret could not be read", code="SECRET_UNREADABLE"
            ) from None
        return parse_connection(name, raw)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = client("secretsmanager")
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
