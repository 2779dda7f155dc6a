"""The envelope table: the only module that talks to DynamoDB.

Envelopes, their history, the reconciler's marks and the claims of keyed sends live in one
table (item layout in `items`). The `ByConnection` index lists a connection's envelopes by last
status change.

Not split: every item kind shares the one table handle, its conditional-write helper and the
error mapping; a module per item kind would only pass those around.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from .. import clock
from ..audit import current_caller
from ..domain import (
    TERMINAL_STATUSES,
    EnvelopeRecord,
    HistoryItem,
    StoredDocument,
    event_rank,
)
from ..errors import BadRequest
from .aws import aws_errors, error_code, shared_client
from .dynamo import Table
from .items import (
    HISTORY_PREFIX,
    RECORD_FIELDS,
    drop_none,
    envelope_key,
    from_history_item,
    from_item,
    history_item,
    index_key,
    page_key,
    page_token,
    plain,
    to_item,
)

# DocuSign keeps a transactionId for 7 days; so do the claims of keyed sends.
TRANSACTION_MARKER_SECONDS = 7 * 24 * 3600
_CONDITION_FAILED = "ConditionalCheckFailedException"


@dataclass
class EventMarks:
    """What `EnvelopeStore.get_for_update` read besides the record (see `apply_event`)."""

    exists: bool
    version: int | None = None
    event_at: str | None = None
    last_synced_at: str | None = None
    pending_notices: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class TransactionClaim:
    """The claim of a keyed create (see `EnvelopeStore.claim_transaction`)."""

    first: bool
    claimed_at: str  # ISO time; "" for a claim that did not record it


@dataclass(frozen=True)
class EnvelopePage:
    records: list[EnvelopeRecord]
    next_token: str | None


class EnvelopeStore:
    def __init__(self, table_name: str) -> None:
        self._table_name = table_name
        self._table: Any = None

    @property
    def table_name(self) -> str:
        return self._table_name

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = Table(self._table_name, shared_client("dynamodb"))
        return self._table

    def _put_new(self, item: dict[str, Any], condition: str, **kwargs: Any) -> bool:
        """Put an item under a condition; False when the condition failed."""
        from botocore.exceptions import ClientError

        with aws_errors("DynamoDB"):
            try:
                self.table.put_item(Item=item, ConditionExpression=condition, **kwargs)
            except ClientError as exc:
                if error_code(exc) == _CONDITION_FAILED:
                    return False
                raise
        return True

    def _read(self, envelope_id: str) -> dict[str, Any] | None:
        with aws_errors("DynamoDB"):
            response = self.table.get_item(Key=envelope_key(envelope_id), ConsistentRead=True)
        item = response.get("Item")
        return item if isinstance(item, dict) else None

    def get(self, envelope_id: str) -> EnvelopeRecord | None:
        item = self._read(envelope_id)
        return from_item(item) if item else None

    def create(self, record: EnvelopeRecord) -> bool:
        """Track a new envelope; False if it is already tracked."""
        return self._put_new(to_item(record), "attribute_not_exists(pk)")

    def save(self, record: EnvelopeRecord) -> EnvelopeRecord:
        """Write what the connector learned about an envelope, and return what the table holds
        afterwards.

        An update, not a replacement: what Connect events keep on the item (version, event
        time, unpublished notices) stays. It never changes hands between connections, and a
        final status (completed, declined, voided) is never overwritten by an earlier,
        unfinished one: if an event got there first, the table's newer record is returned.
        """
        from botocore.exceptions import ClientError

        item = to_item(record)
        fields = [k for k in item if k not in ("pk", "sk")]
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values: dict[str, Any] = {f":f{i}": item[name] for i, name in enumerate(fields)}
        removed = sorted(name for name in RECORD_FIELDS if name not in item and name != "documents")
        names.update({f"#r{i}": name for i, name in enumerate(removed)})
        names.update({"#c": "connection", "#v": "version"})
        values.update({":c": record.connection, ":zero": 0, ":one": 1})
        update = "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields)))
        update += ", #v = if_not_exists(#v, :zero) + :one"
        if removed:
            update += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed)))
        condition = "attribute_not_exists(pk) OR (#c = :c"
        if not record.terminal:
            names["#s"] = "status"
            condition += " AND NOT #s IN (:t0, :t1, :t2)"
            values.update({f":t{i}": status for i, status in enumerate(sorted(TERMINAL_STATUSES))})
        condition += ")"
        with aws_errors("DynamoDB"):
            try:
                self.table.update_item(
                    Key=envelope_key(record.envelope_id),
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
            except ClientError as exc:
                if error_code(exc) != _CONDITION_FAILED:
                    raise
                stored = self.get(record.envelope_id)
                if stored is None or stored.connection != record.connection:
                    raise
                return stored
        return record

    # -- Connect events and the reconciler ----------------------------------------------------
    # Events are applied with optimistic concurrency: the item is read with its `version`,
    # the change is worked out, and the write succeeds only if the version is still the one
    # read. `eventAt` is the moment of the newest snapshot applied (monotonic status), and
    # `pendingNotices` the status changes not yet published, by id (an outbox on the item).

    def get_for_update(self, envelope_id: str) -> tuple[EnvelopeRecord | None, EventMarks]:
        """The record with what `apply_event` needs to write it back safely."""
        item = self._read(envelope_id)
        if not item:
            return None, EventMarks(exists=False)
        version = item.get("version")
        notices = plain(dict(item.get("pendingNotices") or {}))
        return from_item(item), EventMarks(
            exists=True,
            version=int(version) if version is not None else None,
            event_at=item.get("eventAt"),
            last_synced_at=item.get("last_synced_at"),
            pending_notices=notices,
        )

    def apply_event(
        self,
        record: EnvelopeRecord,
        marks: EventMarks,
        *,
        event_at: str | None,
        pending_notices: dict[str, dict[str, Any]],
    ) -> int | None:
        """Write `record` if the item is still as `marks` saw it; its new version, or None when
        someone else wrote it in between (read again and retry)."""
        item = to_item(record)
        version = (marks.version or 0) + 1
        item["version"] = version
        if event_at:
            item["eventAt"] = event_at
        if pending_notices:
            item["pendingNotices"] = pending_notices
        names = {"#c": "connection", "#v": "version"}
        values: dict[str, Any] = {":c": record.connection}
        if not marks.exists:
            condition = "attribute_not_exists(pk)"
            names, values = {}, {}
        elif marks.version is not None:
            condition = "#c = :c AND #v = :v"
            values[":v"] = marks.version
        else:
            # Written by `create` (which keeps no version): unchanged since read if its sync
            # time is the same.
            names["#ls"] = "last_synced_at"
            condition = "#c = :c AND attribute_not_exists(#v) AND "
            if marks.last_synced_at is None:
                condition += "attribute_not_exists(#ls)"
            else:
                condition += "#ls = :ls"
                values[":ls"] = marks.last_synced_at
        kwargs: dict[str, Any] = {}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if values:
            kwargs["ExpressionAttributeValues"] = values
        return version if self._put_new(item, condition, **kwargs) else None

    def clear_notices(self, envelope_id: str, notice_ids: list[str]) -> None:
        """Forget published notices. The version moves on, so that a writer who read them
        before they were published cannot put them back."""
        if not notice_ids:
            return
        names = {f"#n{i}": notice_id for i, notice_id in enumerate(notice_ids)}
        names["#v"] = "version"
        removals = ", ".join(f"pendingNotices.#n{i}" for i in range(len(notice_ids)))
        with aws_errors("DynamoDB"):
            self.table.update_item(
                Key=envelope_key(envelope_id),
                UpdateExpression=f"REMOVE {removals} SET #v = if_not_exists(#v, :zero) + :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":zero": 0, ":one": 1},
            )

    def record_archive(
        self, envelope_id: str, documents: list[StoredDocument], fetched_at: str
    ) -> None:
        """The envelope's documents are archived for good: later reads need no DocuSign call."""
        with aws_errors("DynamoDB"):
            self.table.update_item(
                Key=envelope_key(envelope_id),
                UpdateExpression=(
                    "SET documents = :d, documents_archived = :t, documents_fetched_at = :f, "
                    "#v = if_not_exists(#v, :zero) + :one"
                ),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={
                    ":d": [drop_none(asdict(d)) for d in documents],
                    ":t": True,
                    ":f": fetched_at,
                    ":zero": 0,
                    ":one": 1,
                },
            )

    # -- history ------------------------------------------------------------------------------

    def add_history(
        self,
        envelope_id: str,
        event: str,
        status: str | None,
        date_time: str | None,
        source: str,
        recipient_id: str | None = None,
        recipient_name: str | None = None,
        recipient_email: str | None = None,
    ) -> bool:
        """One history entry per event, written once: a repeated event adds nothing.
        False when the entry was already there."""
        item = history_item(
            envelope_id,
            event,
            status,
            date_time or clock.now_iso(),
            source,
            recipient_id,
            recipient_name,
            recipient_email,
            by=current_caller(),
        )
        return self._put_new(item, "attribute_not_exists(sk)")

    def history(self, envelope_id: str) -> list[HistoryItem]:
        from boto3.dynamodb.conditions import Key

        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(f"ENV#{envelope_id}")
            & Key("sk").begins_with(HISTORY_PREFIX),
            "ConsistentRead": True,
        }
        with aws_errors("DynamoDB"):
            while True:
                page = self.table.query(**kwargs)
                items.extend(page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        entries = [from_history_item(i) for i in items]
        # In the order DocuSign generated them: by time, then by the event's place in a
        # moment (delivered before completed at the same instant).
        entries.sort(
            key=lambda h: (clock.normalize(h.date_time) or h.date_time, event_rank(h.event))
        )
        return entries

    # -- the reconciler's marks ---------------------------------------------------------------

    def reconciled_until(self, connection: str) -> str | None:
        """When the reconciler last asked DocuSign for this connection's changes."""
        with aws_errors("DynamoDB"):
            item = self.table.get_item(
                Key={"pk": f"CONNECTION#{connection}", "sk": "RECONCILE"}, ConsistentRead=True
            ).get("Item")
        return str(item["lastRunAt"]) if item and item.get("lastRunAt") else None

    def mark_reconciled(self, connection: str, run_at: str) -> None:
        # No `connection` attribute: the item stays out of the ByConnection index.
        with aws_errors("DynamoDB"):
            self.table.put_item(
                Item={
                    "pk": f"CONNECTION#{connection}",
                    "sk": "RECONCILE",
                    "connectionName": connection,
                    "lastRunAt": run_at,
                }
            )

    # -- keyed sends --------------------------------------------------------------------------

    def claim_transaction(self, transaction_id: str) -> TransactionClaim:
        """Note that a create with this transactionId is about to be posted. `first` is False
        when an earlier attempt (in any container) already got that far: its outcome may be
        unknown, and DocuSign may still be creating it; `claimed_at` says since when."""
        claimed_at = clock.now_iso()
        item = {
            "pk": f"TXN#{transaction_id}",
            "sk": "CREATE",
            "claimedAt": claimed_at,
            "expiresAt": int(time.time()) + TRANSACTION_MARKER_SECONDS,
        }
        if self._put_new(item, "attribute_not_exists(pk)"):
            return TransactionClaim(first=True, claimed_at=claimed_at)
        with aws_errors("DynamoDB"):
            response = self.table.get_item(
                Key={"pk": f"TXN#{transaction_id}", "sk": "CREATE"}, ConsistentRead=True
            )
        earlier = response.get("Item") or {}
        # A claim written before claims carried their time counts as old.
        return TransactionClaim(first=False, claimed_at=str(earlier.get("claimedAt") or ""))

    def transaction_claimed(self, transaction_id: str) -> bool:
        """Whether a create with this transactionId was ever posted (or about to be), within
        the claims' lifetime; reads only."""
        with aws_errors("DynamoDB"):
            response = self.table.get_item(
                Key={"pk": f"TXN#{transaction_id}", "sk": "CREATE"}, ConsistentRead=True
            )
        return bool(response.get("Item"))

    def renew_transaction_claim(
        self, transaction_id: str, earlier: TransactionClaim
    ) -> TransactionClaim | None:
        """Take over an old claim to post again: the new claim for exactly one of several
        retries that found the same old one (None for the others)."""
        condition = (
            "claimedAt = :earlier" if earlier.claimed_at else "attribute_not_exists(claimedAt)"
        )
        values = {":earlier": earlier.claimed_at} if earlier.claimed_at else {}
        claimed_at = clock.now_iso()
        item = {
            "pk": f"TXN#{transaction_id}",
            "sk": "CREATE",
            "claimedAt": claimed_at,
            "expiresAt": int(time.time()) + TRANSACTION_MARKER_SECONDS,
        }
        extra: dict[str, Any] = {"ExpressionAttributeValues": values} if values else {}
        if not self._put_new(item, condition, **extra):
            return None
        return TransactionClaim(first=True, claimed_at=claimed_at)

    def release_transaction_claim(self, transaction_id: str, claim: TransactionClaim) -> None:
        """Forget a claim whose create DocuSign refused outright (nothing can commit later),
        so a retry posts at once; only the claim this attempt made."""
        from botocore.exceptions import ClientError

        with aws_errors("DynamoDB"):
            try:
                self.table.delete_item(
                    Key={"pk": f"TXN#{transaction_id}", "sk": "CREATE"},
                    ConditionExpression="claimedAt = :mine",
                    ExpressionAttributeValues={":mine": claim.claimed_at},
                )
            except ClientError as exc:
                if error_code(exc) != _CONDITION_FAILED:
                    raise

    # -- listing ------------------------------------------------------------------------------

    def list_envelopes(
        self,
        connection: str,
        *,
        statuses: frozenset[str] = frozenset(),
        changed_from: str | None = None,
        changed_to: str | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> EnvelopePage:
        """A connection's envelopes, most recently changed first, from the ByConnection index."""
        from boto3.dynamodb.conditions import Attr, Key

        condition: Any = Key("connection").eq(connection)
        if changed_from and changed_to:
            condition &= Key("statusChangedAt").between(changed_from, changed_to + "~")
        elif changed_from:
            condition &= Key("statusChangedAt").gte(changed_from)
        elif changed_to:
            condition &= Key("statusChangedAt").lte(changed_to + "~")
        kwargs: dict[str, Any] = {
            "IndexName": "ByConnection",
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
        }
        if statuses:
            kwargs["FilterExpression"] = Attr("status").is_in(sorted(statuses))
        start = page_key(next_token) if next_token else None
        if next_token and (start is None or start.get("connection") != connection):
            raise BadRequest("nextToken is not one this API gave out", code="INVALID_NEXT_TOKEN")
        records: list[EnvelopeRecord] = []
        with aws_errors("DynamoDB"):
            while len(records) < limit:
                kwargs["Limit"] = max(limit - len(records), 1) * (4 if statuses else 1)
                if start:
                    kwargs["ExclusiveStartKey"] = start
                page = self.table.query(**kwargs)
                for item in page.get("Items", []):
                    if len(records) == limit:
                        # Stop after this item so the next page starts right behind it.
                        return EnvelopePage(records, page_token(index_key(records[-1])))
                    records.append(from_item(item))
                start = page.get("LastEvaluatedKey")
                if not start:
                    return EnvelopePage(records, None)
        return EnvelopePage(records, page_token(index_key(records[-1])) if records else None)
