"""The envelope table: the only module that talks to DynamoDB.

One item per envelope (`pk = ENV#{id}`, `sk = STATE`) carrying the connection that owns it, and
one item per history entry (`sk = HIST#{dateTime}#{event}`). The `ByConnection` index lists a
connection's envelopes by last status change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from . import clock

TERMINAL_STATUSES = frozenset({"completed", "declined", "voided"})
STATE_SK = "STATE"


@dataclass
class RecipientState:
    type: str
    email: str | None = None
    name: str | None = None
    routing_order: int | None = None
    status: str | None = None
    signed_date_time: str | None = None
    declined_reason: str | None = None
    recipient_id: str | None = None


@dataclass
class StoredDocument:
    document_id: str
    name: str
    s3_key: str
    size_bytes: int
    sha256: str
    content_type: str = "application/pdf"
    kind: str = "content"  # content | summary


@dataclass
class EnvelopeRecord:
    envelope_id: str
    connection: str
    status: str
    source: str  # who last told us the status: connector | docusign | connect
    email_subject: str | None = None
    status_changed_date_time: str | None = None
    sent_date_time: str | None = None
    completed_date_time: str | None = None
    voided_date_time: str | None = None
    voided_reason: str | None = None
    custom_fields: dict[str, str] = field(default_factory=dict)
    recipients: list[RecipientState] = field(default_factory=list)
    transaction_id: str | None = None
    created_at: str | None = None
    last_synced_at: str | None = None
    documents: list[StoredDocument] = field(default_factory=list)
    documents_archived: bool = False
    documents_fetched_at: str | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _to_item(record: EnvelopeRecord) -> dict[str, Any]:
    item = _drop_none(asdict(record))
    item["pk"] = f"ENV#{record.envelope_id}"
    item["sk"] = STATE_SK
    # Sort key of the ByConnection index; the envelope id keeps equal times apart.
    item["statusChangedAt"] = (
        f"{record.status_changed_date_time or record.created_at or ''}#{record.envelope_id}"
    )
    return item


def _from_item(item: dict[str, Any]) -> EnvelopeRecord:
    data = {k: v for k, v in item.items() if k in EnvelopeRecord.__dataclass_fields__}
    data["recipients"] = [RecipientState(**_plain(r)) for r in item.get("recipients", []) or []]
    data["documents"] = [StoredDocument(**_plain(d)) for d in item.get("documents", []) or []]
    data["custom_fields"] = {str(k): str(v) for k, v in (item.get("custom_fields") or {}).items()}
    return EnvelopeRecord(**_plain(data))


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the records hold ints."""
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value)
    return value


@dataclass
class EventMarks:
    """What `EnvelopeStore.get_for_update` read besides the record (see `apply_event`)."""

    exists: bool
    version: int | None = None
    event_at: str | None = None
    last_synced_at: str | None = None
    pending_notices: dict[str, dict[str, Any]] = field(default_factory=dict)


class EnvelopeStore:
    def __init__(self, table_name: str, resource: Any = None) -> None:
        self._table_name = table_name
        self._resource = resource
        self._table: Any = None
        self._idempotency: Any = None

    @property
    def idempotency(self) -> Any:
        """Powertools' idempotency records, kept in this table (created once per container)."""
        if self._idempotency is None:
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            self._idempotency = DynamoDBPersistenceLayer(
                table_name=self._table_name,
                key_attr="pk",
                sort_key_attr="sk",
                static_pk_value="IDEMPOTENCY",
                expiry_attr="expiresAt",
            )
        return self._idempotency

    @property
    def table(self) -> Any:
        if self._table is None:
            if self._resource is None:
                import boto3

                self._resource = boto3.resource("dynamodb")
            self._table = self._resource.Table(self._table_name)
        return self._table

    def get(self, envelope_id: str) -> EnvelopeRecord | None:
        response = self.table.get_item(
            Key={"pk": f"ENV#{envelope_id}", "sk": STATE_SK}, ConsistentRead=True
        )
        item = response.get("Item")
        return _from_item(item) if item else None

    def create(self, record: EnvelopeRecord) -> bool:
        """Track a new envelope; False if it is already tracked."""
        from botocore.exceptions import ClientError

        try:
            self.table.put_item(
                Item=_to_item(record), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def save(self, record: EnvelopeRecord) -> EnvelopeRecord:
        """Write what the connector learned about an envelope, and return what the table holds
        afterwards.

        An update, not a replacement: what Connect events keep on the item (version, event
        time, unpublished notices) stays. It never changes hands between connections, and a
        final status (completed, declined, voided) is never overwritten by an earlier,
        unfinished one: if an event got there first, the table's newer record is returned.
        """
        from botocore.exceptions import ClientError

        item = _to_item(record)
        fields = [k for k in item if k not in ("pk", "sk")]
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values: dict[str, Any] = {f":f{i}": item[name] for i, name in enumerate(fields)}
        removed = [
            name
            for name in EnvelopeRecord.__dataclass_fields__
            if name not in item and name not in ("documents",)
        ]
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
        try:
            self.table.update_item(
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
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
        response = self.table.get_item(
            Key={"pk": f"ENV#{envelope_id}", "sk": STATE_SK}, ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return None, EventMarks(exists=False)
        version = item.get("version")
        notices = _plain(dict(item.get("pendingNotices") or {}))
        return _from_item(item), EventMarks(
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
        from botocore.exceptions import ClientError

        item = _to_item(record)
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
            # Written by `save` (which keeps no version): unchanged since read if its sync
            # time is the same.
            names["#ls"] = "last_synced_at"
            condition = "#c = :c AND attribute_not_exists(#v) AND "
            if marks.last_synced_at is None:
                condition += "attribute_not_exists(#ls)"
            else:
                condition += "#ls = :ls"
                values[":ls"] = marks.last_synced_at
        kwargs: dict[str, Any] = {"Item": item, "ConditionExpression": condition}
        if names:
            kwargs["ExpressionAttributeNames"] = names
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            self.table.put_item(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return version

    def clear_notices(self, envelope_id: str, notice_ids: list[str]) -> None:
        """Forget published notices. The version moves on, so that a writer who read them
        before they were published cannot put them back."""
        if not notice_ids:
            return
        names = {f"#n{i}": notice_id for i, notice_id in enumerate(notice_ids)}
        names["#v"] = "version"
        removals = ", ".join(f"pendingNotices.#n{i}" for i in range(len(notice_ids)))
        self.table.update_item(
            Key={"pk": f"ENV#{envelope_id}", "sk": STATE_SK},
            UpdateExpression=f"REMOVE {removals} SET #v = if_not_exists(#v, :zero) + :one",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":zero": 0, ":one": 1},
        )

    def record_archive(
        self, envelope_id: str, documents: list[StoredDocument], fetched_at: str
    ) -> None:
        """The envelope's documents are archived for good: later reads need no DocuSign call."""
        self.table.update_item(
            Key={"pk": f"ENV#{envelope_id}", "sk": STATE_SK},
            UpdateExpression=(
                "SET documents = :d, documents_archived = :t, documents_fetched_at = :f, "
                "#v = if_not_exists(#v, :zero) + :one"
            ),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={
                ":d": [_drop_none(asdict(d)) for d in documents],
                ":t": True,
                ":f": fetched_at,
                ":zero": 0,
                ":one": 1,
            },
        )

    def add_event_history(
        self,
        envelope_id: str,
        event: str,
        status: str | None,
        date_time: str,
        source: str,
        recipient_id: str | None = None,
    ) -> bool:
        """One history entry per event, written once: a redelivered event adds nothing.
        False when the entry was already there."""
        from botocore.exceptions import ClientError

        suffix = f"#{recipient_id}" if recipient_id else ""
        try:
            self.table.put_item(
                Item=_drop_none(
                    {
                        "pk": f"ENV#{envelope_id}",
                        "sk": f"HIST#{date_time}#{event}{suffix}",
                        "event": event,
                        "status": status,
                        "dateTime": date_time,
                        "source": source,
                        "recipientId": recipient_id,
                    }
                ),
                ConditionExpression="attribute_not_exists(sk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def reconciled_until(self, connection: str) -> str | None:
        """When the reconciler last asked DocuSign for this connection's changes."""
        item = self.table.get_item(
            Key={"pk": f"CONNECTION#{connection}", "sk": "RECONCILE"}, ConsistentRead=True
        ).get("Item")
        return str(item["lastRunAt"]) if item and item.get("lastRunAt") else None

    def mark_reconciled(self, connection: str, run_at: str) -> None:
        # No `connection` attribute: the item stays out of the ByConnection index.
        self.table.put_item(
            Item={
                "pk": f"CONNECTION#{connection}",
                "sk": "RECONCILE",
                "connectionName": connection,
                "lastRunAt": run_at,
            }
        )

    def add_history(
        self,
        envelope_id: str,
        event: str,
        status: str | None,
        date_time: str | None,
        source: str,
    ) -> None:
        when = date_time or clock.now_iso()
        self.table.put_item(
            Item=_drop_none(
                {
                    "pk": f"ENV#{envelope_id}",
                    "sk": f"HIST#{when}#{event}",
                    "event": event,
                    "status": status,
                    "dateTime": when,
                    "source": source,
                }
            )
        )

    def history(self, envelope_id: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key

        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(f"ENV#{envelope_id}")
            & Key("sk").begins_with("HIST#"),
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [
            {
                "event": i["event"],
                "status": i.get("status"),
                "dateTime": i["dateTime"],
                "source": i["source"],
            }
            for i in items
        ]


def _page_token(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode()


def _page_key(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    import base64
    import binascii
    import json

    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        return None
    return key if isinstance(key, dict) else None


class InvalidPageToken(ValueError):
    """A nextToken that this store did not hand out."""


def list_envelopes(
    store: EnvelopeStore,
    connection: str,
    *,
    statuses: set[str] | None = None,
    changed_from: str | None = None,
    changed_to: str | None = None,
    limit: int = 50,
    next_token: str | None = None,
) -> tuple[list[EnvelopeRecord], str | None]:
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
    start = _page_key(next_token)
    if next_token and (start is None or start.get("connection") != connection):
        raise InvalidPageToken(next_token)
    records: list[EnvelopeRecord] = []
    while len(records) < limit:
        kwargs["Limit"] = max(limit - len(records), 1) * (4 if statuses else 1)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = store.table.query(**kwargs)
        for item in page.get("Items", []):
            if len(records) == limit:
                # Stop after this item so the next page starts right behind it.
                return records, _page_token(_key_of(records[-1]))
            records.append(_from_item(item))
        start = page.get("LastEvaluatedKey")
        if not start:
            return records, None
    return records, _page_token(_key_of(records[-1])) if records else None


def _key_of(record: EnvelopeRecord) -> dict[str, Any]:
    item = _to_item(record)
    return {k: item[k] for k in ("pk", "sk", "connection", "statusChangedAt")}


TRANSACTION_MARKER_SECONDS = 7 * 24 * 3600  # DocuSign keeps a transactionId for 7 days


def claim_transaction(store: EnvelopeStore, transaction_id: str) -> bool:
    """Note that a create with this transactionId is about to be posted. False when an earlier
    attempt (in any container) already got that far: its outcome may be unknown, so the
    envelope must be looked up by transactionId before anything is posted again."""
    import time

    from botocore.exceptions import ClientError

    try:
        store.table.put_item(
            Item={
                "pk": f"TXN#{transaction_id}",
                "sk": "CREATE",
                "expiresAt": int(time.time()) + TRANSACTION_MARKER_SECONDS,
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
