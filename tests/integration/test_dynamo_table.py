"""The table adapter on DynamoDB's low-level client answers as boto3's resource does, for the
calls the connector makes (against moto)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from docusign_connector.adapters.dynamo import Table

pytestmark = pytest.mark.integration


@pytest.fixture
def tables(stack: Any) -> tuple[Table, Any]:
    return Table(stack.table, boto3.client("dynamodb")), boto3.resource("dynamodb").Table(
        stack.table
    )


def test_items_read_back_as_the_resource_reads_them(tables: tuple[Table, Any]) -> None:
    ours, resource = tables
    key = {"pk": f"ENV#{uuid.uuid4()}", "sk": "ENVELOPE"}
    item = {
        **key,
        "status": "sent",
        "version": 3,
        "ratio": Decimal("0.25"),
        "recipients": [{"email": "a@example.com", "routing_order": 1, "tabs": None}],
        "pendingNotices": {"n1": {"status": "sent"}},
        "flags": {"archived": True},
    }
    ours.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    assert (
        ours.get_item(Key=key, ConsistentRead=True)["Item"]
        == resource.get_item(Key=key, ConsistentRead=True)["Item"]
    )
    assert ours.get_item(Key=key, ConsistentRead=True)["Item"]["version"] == 3

    updated = ours.update_item(
        Key=key,
        UpdateExpression="SET #v = #v + :one, #s = :s",
        ConditionExpression="#s = :old",
        ExpressionAttributeNames={"#v": "version", "#s": "status"},
        ExpressionAttributeValues={":one": 1, ":s": "completed", ":old": "sent"},
        ReturnValues="ALL_NEW",
    )
    assert updated["Attributes"]["version"] == 4 and updated["Attributes"]["status"] == "completed"

    with pytest.raises(ClientError) as failed:
        ours.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    assert failed.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    ours.delete_item(Key=key)
    assert "Item" not in ours.get_item(Key=key, ConsistentRead=True)


def test_queries_with_conditions_and_pages_match_the_resource(tables: tuple[Table, Any]) -> None:
    ours, resource = tables
    pk = f"ENV#{uuid.uuid4()}"
    for i in range(5):
        ours.put_item(Item={"pk": pk, "sk": f"HISTORY#{i}", "status": "sent" if i % 2 else "x"})
    ours.put_item(Item={"pk": pk, "sk": "ENVELOPE"})
    asked = {
        "KeyConditionExpression": Key("pk").eq(pk) & Key("sk").begins_with("HISTORY#"),
        "FilterExpression": Attr("status").is_in(["sent"]),
        "ConsistentRead": True,
        "Limit": 2,
    }
    pages_ours, pages_resource = [], []
    for pages, table in ((pages_ours, ours), (pages_resource, resource)):
        kwargs = dict(asked)
        while True:
            page = table.query(**kwargs)
            pages.append((page["Items"], page.get("LastEvaluatedKey")))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert pages_ours == pages_resource
    assert [i["sk"] for items, _ in pages_ours for i in items] == ["HISTORY#1", "HISTORY#3"]
