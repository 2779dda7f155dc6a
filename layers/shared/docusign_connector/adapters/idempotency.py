"""Once-only calls keyed by the caller's Idempotency-Key: Powertools idempotency, its records in
the envelope table (`pk = IDEMPOTENCY`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..domain import Deadline
from ..errors import Conflict
from .aws import shared_client

# As long as DocuSign keeps a transactionId: a retry within it finds the first answer.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600


class _RemainingTime:
    """What Powertools asks of a Lambda context: how long this invocation has left, so an
    in-progress record expires with the invocation, not an hour later."""

    def __init__(self, deadline: Callable[[], float]) -> None:
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return int(self._deadline() * 1000)


class IdempotentCalls:
    def __init__(self, table_name: str) -> None:
        self._table_name = table_name
        self._persistence: Any = None

    @property
    def persistence(self) -> Any:
        """Created once per container (a DynamoDB client per call would cost a cold client)."""
        if self._persistence is None:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            self._persistence = DynamoDBPersistenceLayer(
                table_name=self._table_name,
                # The container's boto3 session, not one of its own (cheaper to start).
                boto3_client=shared_client("dynamodb"),
                key_attr="pk",
                sort_key_attr="sk",
                static_pk_value="IDEMPOTENCY",
                expiry_attr="expiresAt",
            )
        return self._persistence

    def run_once(
        self,
        key: str,
        payload: dict[str, Any],
        call: Callable[[], dict[str, Any]],
        *,
        deadline: Deadline = None,
    ) -> dict[str, Any]:
        """`call()`'s answer, computed once per key: the same key and payload give the first
        answer again; the same key with another payload, or while the first call is still
        running, is a 409."""
        from aws_lambda_powertools.utilities.idempotency import (
            IdempotencyConfig,
            idempotent_function,
        )
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="body",
            expires_after_seconds=IDEMPOTENCY_SECONDS,
            raise_on_no_idempotency_key=True,
        )
        if deadline is not None:
            config.register_lambda_context(_RemainingTime(deadline))  # type: ignore[arg-type]

        @idempotent_function(
            data_keyword_argument="claim", persistence_store=self.persistence, config=config
        )
        def once(claim: dict[str, Any]) -> dict[str, Any]:
            return call()

        try:
            return dict(once(claim={"key": key, "body": payload}))
        except IdempotencyValidationError:
            raise Conflict(
                "this Idempotency-Key was already used with a different request body",
                code="IDEMPOTENCY_KEY_REUSED",
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict(
                "a send with this Idempotency-Key is still in progress; retry shortly",
                code="IDEMPOTENCY_IN_PROGRESS",
                headers={"Retry-After": "2"},
            ) from None
