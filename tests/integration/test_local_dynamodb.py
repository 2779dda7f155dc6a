"""The local DynamoDB is atomic per item, as DynamoDB is: concurrent conditional updates of one
item never both succeed on the same old value.

moto's own server is not: the same load against it grants more than the item allows (measured:
104 to 119 of 100 with the settings below). The switch interval is lowered so that the server's
threads interleave inside moto's read-check-write, where the race lives.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.aws_server import AwsServer, serialised_dynamodb

pytestmark = pytest.mark.integration

WORKERS = 8
STOCK = 100


@pytest.fixture
def dynamodb_url() -> Iterator[str]:
    server = AwsServer("127.0.0.1", 0).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def tight_thread_switching() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def dynamodb(url: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def take_all(client: Any, table: str, attempts: int) -> int:
    """Conditional decrements, as the rate budget takes calls: how many were granted."""
    granted = 0
    for _ in range(attempts):
        try:
            client.update_item(
                TableName=table,
                Key={"pk": {"S": "stock"}},
                UpdateExpression="SET #left = #left - :one",
                ConditionExpression="#left > :zero",
                ExpressionAttributeNames={"#left": "left"},
                ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}},
            )
        except client.exceptions.ConditionalCheckFailedException:
            continue
        granted += 1
    return granted


def test_concurrent_conditional_updates_of_one_item_grant_exactly_what_it_holds(
    dynamodb_url: str, tight_thread_switching: None
) -> None:
    admin = dynamodb(dynamodb_url)
    admin.create_table(
        TableName="stock",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    admin.put_item(TableName="stock", Item={"pk": {"S": "stock"}, "left": {"N": str(STOCK)}})
    clients = [dynamodb(dynamodb_url) for _ in range(WORKERS)]
    attempts = 2 * STOCK // WORKERS  # twice what the item holds, spread over the workers

    with ThreadPoolExecutor(WORKERS) as pool:
        granted = list(pool.map(lambda c: take_all(c, "stock", attempts), clients))

    assert sum(granted) == STOCK
    item = admin.get_item(TableName="stock", Key={"pk": {"S": "stock"}})["Item"]
    assert item["left"] == {"N": "0"}


def test_only_dynamodb_requests_wait_for_each_other() -> None:
    inside: dict[str, int] = {"dynamodb": 0, "s3": 0}
    most: dict[str, int] = {"dynamodb": 0, "s3": 0}
    both_in = threading.Barrier(2, timeout=5)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        kind = "dynamodb" if "HTTP_X_AMZ_TARGET" in environ else "s3"
        inside[kind] += 1
        most[kind] = max(most[kind], inside[kind])
        if kind == "s3":
            both_in.wait()  # two S3 requests are inside at once, or this times out
        else:
            time.sleep(0.05)
        inside[kind] -= 1
        return [b"{}"]

    wsgi = serialised_dynamodb(app)
    dynamo = {"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.UpdateItem"}
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda e: wsgi(e, None), [dynamo] * 4 + [{}, {}]))
    assert answers == [[b"{}"]] * 6
    assert most == {"dynamodb": 1, "s3": 2}
