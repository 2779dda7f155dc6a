"""AWS failing under the connector: throttling and passing failures are a 503 with Retry-After
in the one error shape (so callers and SQS retry), anything else an opaque 500; botocore never
reaches the logic or the caller."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.helpers import docusign_requests, status

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


class FailingTable:
    """A DynamoDB table whose every call fails with one AWS error code."""

    def __init__(self, code: str, http_status: int = 400) -> None:
        self.error = ClientError(
            {
                "Error": {"Code": code, "Message": "Rate of requests exceeds the allowed"},
                "ResponseMetadata": {"HTTPStatusCode": http_status},
            },
            "GetItem",
        )
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        def fail(**_: Any) -> Any:
            self.calls += 1
            raise self.error

        return fail


@pytest.fixture
def failing_table(connections: Any) -> Any:
    connections.create("aws-weather")

    def install(table: FailingTable) -> FailingTable:
        from docusign_connector.container import get_services

        get_services().store._table = table
        return table

    return install


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        ("ProvisionedThroughputExceededException", 400),
        ("ThrottlingException", 400),
        ("RequestLimitExceeded", 400),
        ("InternalServerError", 500),
    ],
)
def test_dynamodb_throttling_is_a_503_with_retry_after(
    failing_table: Any, emulator: Any, code: str, http_status: int
) -> None:
    table = failing_table(FailingTable(code, http_status))
    emulator.state.clear_requests()

    result = status("aws-weather", "4b7c2e91-6d3a-4f58-9b1e-0c8d7a6f5e42")

    assert result.status == 503
    assert result.body["error"]["code"] == "AWS_UNAVAILABLE"
    assert result.body["error"]["details"] == [{"awsErrorCode": code}]
    assert int(result.headers["Retry-After"]) >= 1
    assert table.calls == 1
    assert docusign_requests(emulator) == []


def test_an_aws_error_retrying_will_not_fix_is_an_opaque_500(failing_table: Any) -> None:
    failing_table(FailingTable("AccessDeniedException"))

    result = status("aws-weather", "4b7c2e91-6d3a-4f58-9b1e-0c8d7a6f5e42")

    assert result.status == 500
    assert result.body == {
        "error": {"code": "INTERNAL_ERROR", "message": "internal error", "details": []}
    }
    assert "AccessDenied" not in json.dumps(result.raw)
