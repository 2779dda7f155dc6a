"""Property-based checks of the HTTP API against its own published OpenAPI document, served by
the local stack: whatever schemathesis sends, the answer is never a 5xx, and it always matches
the document (status codes, content type, body schema, the one error shape)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from docusign_connector.api.routes import ROUTES
from local.stack import DEMO_CONNECTION
from tests.support.stacks import in_process_local_stack

pytestmark = pytest.mark.integration

CALLS: list[int] = []
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


HEADERS: dict[str, str] = {}  # the local caller's API key, once the stack is up


@pytest.fixture(scope="module")
def local_api() -> Iterator[str]:
    with in_process_local_stack() as stack:
        HEADERS.update(stack.api_headers)
        yield str(stack.describe()["api"]["url"])


@pytest.fixture(scope="module")
def api_schema(local_api: str) -> Any:
    schema = schemathesis.openapi.from_url(f"{local_api}/openapi.json", headers=HEADERS)
    schema.config.update(base_url=local_api)
    return schema


# Every route of the table the document describes (the route table is the one list).
OPERATIONS = [f"{route.method} {route.path}" for route in ROUTES if route.in_openapi]


def test_every_documented_operation_is_checked(api_schema: Any) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_matches_its_openapi_document(api_schema: Any, label: str) -> None:
    operation = next(
        result.ok() for result in api_schema.get_all_operations() if result.ok().label == label
    )

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        # Mostly the demo connection, so requests reach the handlers' real work.
        if case.path_parameters and "connection" in case.path_parameters:
            case.path_parameters["connection"] = DEMO_CONNECTION
        response = case.call_and_validate(checks=CHECKS, headers=HEADERS)
        CALLS.append(response.status_code)

    check()


def test_the_checks_really_called_the_api() -> None:
    """Runs after the operations above: they made real calls, and not only refusals."""
    assert len(CALLS) >= len(OPERATIONS) * 5
    assert any(200 <= status < 300 for status in CALLS)
