"""Where each Bulk Send batch of an inbox file stands, in the envelope table: one item per batch
(a file's rows in lists of at most 1,000), written before and after each DocuSign call, so that
a retried file (a redelivered message, a crash between calls) resumes and never sends a batch
twice. Steps: `new` → `listed` (listId) → `drafted` (draftId) → `sending` (sendingAt, written
before the send call) → `sent` (batchId) → `done`."""

from __future__ import annotations

import time
from typing import Any

from .. import clock
from .aws import aws_errors, error_code
from .table import EnvelopeStore

# Kept as long as the claims of keyed sends (DocuSign's 7 days for a transactionId), and more:
# a file retried within 30 days finds its batches.
JOB_SECONDS = 30 * 24 * 3600
_CONDITION_FAILED = "ConditionalCheckFailedException"


class BulkJobStore:
    def __init__(self, store: EnvelopeStore) -> None:
        self._store = store

    @staticmethod
    def _key(connection: str, job: str) -> dict[str, str]:
        return {"pk": f"BULKJOB#{connection}#{job}", "sk": "JOB"}

    def get_or_start(self, connection: str, job: str) -> dict[str, Any]:
        """The batch's item, created in step `new` if there is none yet."""
        from botocore.exceptions import ClientError

        item = {
            **self._key(connection, job),
            "step": "new",
            "startedAt": clock.now_iso(),
            "expiresAt": int(time.time()) + JOB_SECONDS,
        }
        with aws_errors("DynamoDB"):
            try:
                self._store.table.put_item(
                    Item=item, ConditionExpression="attribute_not_exists(pk)"
                )
                return item
            except ClientError as exc:
                if error_code(exc) != _CONDITION_FAILED:
                    raise
            found = self._store.table.get_item(
                Key=self._key(connection, job), ConsistentRead=True
            ).get("Item")
        return dict(found or item)

    def advance(
        self,
        connection: str,
        job: str,
        from_step: str,
        to_step: str,
        *,
        sending_at: str | None = None,
        **values: Any,
    ) -> bool:
        """Move the batch on from `from_step` (with `sending_at`, only from that very send
        attempt); False when another run moved it first."""
        from botocore.exceptions import ClientError

        names = {"#step": "step"}
        assigned: dict[str, Any] = {":to": to_step, ":from": from_step, ":now": clock.now_iso()}
        sets = ["#step = :to", "updatedAt = :now"]
        condition = "#step = :from"
        if sending_at is not None:
            condition += " AND sendingAt = :attempt"
            assigned[":attempt"] = sending_at
        for index, (name, value) in enumerate(values.items()):
            names[f"#v{index}"] = name
            assigned[f":v{index}"] = value
            sets.append(f"#v{index} = :v{index}")
        with aws_errors("DynamoDB"):
            try:
                self._store.table.update_item(
                    Key=self._key(connection, job),
                    UpdateExpression="SET " + ", ".join(sets),
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=assigned,
                )
            except ClientError as exc:
                if error_code(exc) == _CONDITION_FAILED:
                    return False
                raise
        return True
