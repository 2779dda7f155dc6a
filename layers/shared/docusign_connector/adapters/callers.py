"""The callers table (DynamoDB): callers, their API keys' hashes and their OAuth clients.

Items, by their one key `pk`:
- `caller#{name}`: connections, permissions, status, keyIds (oldest first), oauthClients;
- `key#{keyId}`: the caller it belongs to and the SHA-256 of the key (never the key);
- `client#{issuer}#{subject}`: the caller an OAuth client (a token's `client_id`) acts as.

The authorizer only reads (two GetItems per uncached authorization); the operators' tool
writes, each change in one transaction so that a key never exists without its caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..callers import ACTIVE, REVOKED, Caller, NewKey
from ..clock import now_iso
from ..errors import Conflict, NotFound
from .aws import aws_errors, error_code, shared_client
from .dynamo import Table


def caller_key(name: str) -> dict[str, str]:
    return {"pk": f"caller#{name}"}


def api_key_key(key_id: str) -> dict[str, str]:
    return {"pk": f"key#{key_id}"}


def client_key(issuer: str, subject: str) -> dict[str, str]:
    return {"pk": f"client#{issuer}#{subject}"}


def _caller(item: dict[str, Any]) -> Caller:
    return Caller(
        name=str(item["name"]),
        connections=tuple(item.get("connections") or ()),
        permissions=tuple(item.get("permissions") or ()),
        status=str(item.get("status") or ACTIVE),
        key_ids=tuple(item.get("keyIds") or ()),
        oauth_clients=tuple(item.get("oauthClients") or ()),
        senders=tuple(item.get("senders") or ()),
    )


class CallerStore:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = shared_client("dynamodb")
        return self._client

    @property
    def table(self) -> Table:
        return Table(self.table_name, self.client)

    # -- reads (the authorizer's) ------------------------------------------------------------

    def caller(self, name: str) -> Caller | None:
        with aws_errors("dynamodb"):
            item = self.table.get_item(Key=caller_key(name)).get("Item")
        return _caller(item) if item else None

    def key_record(self, key_id: str) -> tuple[str, str] | None:
        """(caller name, key hash) of a key id, or None."""
        with aws_errors("dynamodb"):
            item = self.table.get_item(Key=api_key_key(key_id)).get("Item")
        if not item:
            return None
        return str(item["caller"]), str(item["keyHash"])

    def client_caller(self, issuer: str, subject: str) -> str | None:
        with aws_errors("dynamodb"):
            item = self.table.get_item(Key=client_key(issuer, subject)).get("Item")
        return str(item["caller"]) if item else None

    def callers(self) -> Iterator[Caller]:
        from boto3.dynamodb.conditions import Attr

        start: dict[str, Any] | None = None
        while True:
            arguments: dict[str, Any] = {"FilterExpression": Attr("pk").begins_with("caller#")}
            if start:
                arguments["ExclusiveStartKey"] = start
            with aws_errors("dynamodb"):
                page = self.table.scan(**arguments)
            yield from (_caller(item) for item in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def key_created_at(self, key_id: str) -> str | None:
        with aws_errors("dynamodb"):
            item = self.table.get_item(Key=api_key_key(key_id)).get("Item")
        return str(item.get("createdAt")) if item else None

    # -- writes (the operators' tool) --------------------------------------------------------

    def create(
        self,
        caller: Caller,
        key: NewKey | None,
        client: tuple[str, str] | None = None,
    ) -> None:
        """A new caller with its first key and/or OAuth client; a 409 if the name is taken."""
        now = now_iso()
        item: dict[str, Any] = {
            **caller_key(caller.name),
            "name": caller.name,
            "connections": list(caller.connections),
            "permissions": list(caller.permissions),
            "status": ACTIVE,
            "keyIds": [key.key_id] if key else [],
            "oauthClients": [f"{client[0]}#{client[1]}"] if client else [],
            "senders": list(caller.senders),
            "createdAt": now,
            "updatedAt": now,
        }
        writes: list[dict[str, Any]] = [
            {"Put": {"Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        ]
        if key is not None:
            writes.append({"Put": {"Item": self._key_item(caller.name, key, now)}})
        if client is not None:
            writes.append(
                {"Put": {"Item": {**client_key(*client), "caller": caller.name, "createdAt": now}}}
            )
        self._transact(writes, conflict=f"a caller named {caller.name} exists already")

    def add_key(self, name: str, key: NewKey) -> None:
        now = now_iso()
        self._transact(
            [
                {"Put": {"Item": self._key_item(name, key, now)}},
                {
                    "Update": {
                        "Key": caller_key(name),
                        "UpdateExpression": "SET keyIds = list_append(keyIds, :new), "
                        "updatedAt = :now",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":new": [key.key_id], ":now": now},
                    }
                },
            ],
            missing=name,
        )

    def retire_keys(self, name: str, keep: list[str], retire: list[str]) -> None:
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "Key": caller_key(name),
                    "UpdateExpression": "SET keyIds = :keep, updatedAt = :now",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":keep": keep, ":now": now_iso()},
                }
            }
        ]
        writes += [{"Delete": {"Key": api_key_key(key_id)}} for key_id in retire]
        self._transact(writes, missing=name)

    def set_status(self, name: str, status: str) -> None:
        assert status in (ACTIVE, REVOKED)
        self._transact(
            [
                {
                    "Update": {
                        "Key": caller_key(name),
                        "UpdateExpression": "SET #status = :status, updatedAt = :now",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {":status": status, ":now": now_iso()},
                    }
                }
            ],
            missing=name,
        )

    def delete(self, caller: Caller) -> None:
        writes: list[dict[str, Any]] = [{"Delete": {"Key": caller_key(caller.name)}}]
        writes += [{"Delete": {"Key": api_key_key(key_id)}} for key_id in caller.key_ids]
        for client in caller.oauth_clients:
            issuer, _, subject = client.rpartition("#")
            writes.append({"Delete": {"Key": client_key(issuer, subject)}})
        # a transaction holds at most 100 writes: a caller has a few keys and clients
        self._transact(writes, missing=caller.name)

    def _key_item(self, name: str, key: NewKey, now: str) -> dict[str, Any]:
        return {
            **api_key_key(key.key_id),
            "caller": name,
            "keyHash": key.key_hash,
            "createdAt": now,
        }

    def _transact(
        self, writes: list[dict[str, Any]], *, conflict: str = "", missing: str = ""
    ) -> None:
        from botocore.exceptions import ClientError

        pairs = [next(iter(write.items())) for write in writes]
        with aws_errors("dynamodb"):
            try:
                self.table.transact_write(pairs)
            except ClientError as exc:
                if error_code(exc) != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" not in reasons:
                    raise
                if conflict:
                    raise Conflict(conflict, code="CALLER_EXISTS") from None
                raise NotFound(f"no caller named {missing}", code="CALLER_NOT_FOUND") from None
