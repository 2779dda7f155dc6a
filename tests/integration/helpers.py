"""What the action tests share: sample PDFs, the emulator's request log, table reads."""

from __future__ import annotations

import base64
from typing import Any

from local.emulator.pdf import make_pdf
from tests.support.lambda_events import ApiResult, api_event, invoke


def sample_pdf(title: str = "Sample agreement") -> bytes:
    return make_pdf(title, [f"{title}: terms and conditions.", "Please sign below."])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def forget_rate_budgets(stack: Any) -> None:
    """Start every account's DocuSign rate budget over, as a new hour would: a fault-injected
    hourly 429 says the account is spent, which the shared budget remembers."""
    dynamodb = stack.client("dynamodb")
    # Every page of the scan: a table of a few thousand items is more than one page (1 MB).
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=stack.table,
        FilterExpression="begins_with(pk, :prefix)",
        ExpressionAttributeValues={":prefix": {"S": "RATEBUDGET#"}},
        ProjectionExpression="pk, sk",
    )
    for page in pages:
        for item in page.get("Items", []):
            dynamodb.delete_item(TableName=stack.table, Key={"pk": item["pk"], "sk": item["sk"]})


def item_count(stack: Any, tables: list[str] | None = None) -> int:
    """How many items the tables hold (every table of the stack by default), counted by DynamoDB
    page by page without reading the items back: a test's "nothing was written" check."""
    dynamodb = stack.client("dynamodb")
    count = 0
    for name in tables if tables is not None else dynamodb.list_tables()["TableNames"]:
        page: dict[str, Any] = {}
        while True:
            answer = dynamodb.scan(TableName=name, Select="COUNT", **page)
            count += answer["Count"]
            if "LastEvaluatedKey" not in answer:
                break
            page = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}
    return count


def docusign_requests(
    emulator: Any, method: str | None = None, contains: str = "/restapi/"
) -> list[dict[str, Any]]:
    """The REST requests the emulator received (OAuth and control calls left out)."""
    return [
        r
        for r in list(emulator.state.requests)
        if contains in r["path"] and (method is None or r["method"] == method)
    ]


def envelope_creates(emulator: Any) -> list[dict[str, Any]]:
    return [r for r in docusign_requests(emulator, "POST") if r["path"].endswith("/envelopes")]


def send(connection: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> ApiResult:
    event = api_event(
        "send_envelope_nested",
        path_parameters={"connection": connection},
        body=body,
        headers=headers,
    )
    if not headers:
        event["headers"].pop("Idempotency-Key", None)
        event["multiValueHeaders"].pop("Idempotency-Key", None)
    return invoke("send_envelope", event)


def status(connection: str, envelope_id: str, query: dict[str, str] | None = None) -> ApiResult:
    return invoke(
        "get_envelope",
        api_event(
            "get_envelope",
            path_parameters={"connection": connection, "envelopeId": envelope_id},
            query=query,
        ),
    )


def documents(connection: str, envelope_id: str, query: dict[str, str] | None = None) -> ApiResult:
    return invoke(
        "get_documents",
        api_event(
            "get_documents",
            path_parameters={"connection": connection, "envelopeId": envelope_id},
            query=query,
        ),
    )


def void(connection: str, envelope_id: str, body: Any) -> ApiResult:
    return invoke(
        "void_envelope",
        api_event(
            "void_envelope",
            path_parameters={"connection": connection, "envelopeId": envelope_id},
            body=body,
        ),
    )


def simple_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "emailSubject": "Please sign",
        "documents": [{"name": "agreement.pdf", "contentBase64": b64(sample_pdf())}],
        "signers": [{"email": "ana@example.com", "name": "Ana"}],
    }
    body.update(overrides)
    return body


def docusign_direct(registered: Any) -> tuple[str, dict[str, str]]:
    """Straight to DocuSign (the emulator), bypassing the connector: the account's REST base
    URL and the Authorization header of a token of its own."""
    from docusign_connector.adapters.docusign.auth import TokenProvider
    from docusign_connector.connections import parse_connection

    connection = parse_connection(registered.name, registered.secret)
    tokens = TokenProvider()
    account = tokens.account(connection)
    base = f"{account.base_uri}/restapi/v2.1/accounts/{account.account_id}"
    return base, {"Authorization": f"Bearer {tokens.token(connection)}"}


def seed_envelope(
    emulator: Any,
    account_id: str,
    user_id: str,
    envelope_id: str,
    *,
    status: str = "sent",
    signers: int = 1,
) -> dict[str, Any]:
    """An envelope that exists at DocuSign (the emulator) without the connector having sent
    it, under this id, account and sender; driven to `status` the way DocuSign gets there."""
    from local.emulator.rest import sender_of
    from local.emulator.validation import build_envelope

    definition = {
        "emailSubject": "Please sign",
        "status": "sent",
        "documents": [
            {"documentId": "1", "name": "agreement.pdf", "documentBase64": b64(sample_pdf())}
        ],
        "recipients": {
            "signers": [
                {
                    "recipientId": str(index),
                    "email": f"s{index}@example.com",
                    "name": f"Signer {index}",
                    "routingOrder": "1",
                }
                for index in range(1, signers + 1)
            ]
        },
    }
    state = emulator.state
    with emulator.app.app_context(), state.lock:
        record = build_envelope(definition, account_id, sender_of(user_id, account_id))
        record["envelopeId"] = envelope_id
        state.add_envelope(record)
    if status == "completed":
        state.complete(envelope_id)
    elif status == "voided":
        state.void(state.get_envelope(None, envelope_id), "seeded")
    elif status == "declined":
        state.decline(envelope_id, "1", "seeded")
    return state.get_envelope(None, envelope_id)


def create_template(
    registered: Any,
    name: str,
    recipients: dict[str, Any],
    *,
    subject: str = "Please sign",
    document_name: str = "document.pdf",
) -> str:
    """A server template of one PDF made straight at DocuSign (the emulator), as a sender
    would in DocuSign's web app; its id."""
    import requests

    base, headers = docusign_direct(registered)
    document = {
        "documentId": "1",
        "name": document_name,
        "fileExtension": "pdf",
        "documentBase64": b64(sample_pdf(name)),
    }
    created = requests.post(
        f"{base}/templates",
        headers=headers,
        json={
            "name": name,
            "emailSubject": subject,
            "documents": [document],
            "recipients": recipients,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["templateId"])
