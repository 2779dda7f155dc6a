"""An engine that imported the Swagger 2.0 file the local stack serves, and calls it with that
file alone: a send and a read reach DocuSign (the emulator) exactly as the API does for any
caller."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from openapi_spec_validator import OpenAPIV2SpecValidator

from docusign_connector.api.swagger import build_swagger
from local.stack import DEMO_CONNECTION
from tests.integration.helpers import envelope_creates, sample_pdf
from tests.support.stacks import in_process_local_stack
from tests.support.swagger_client import SwaggerClient, connection_headers

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    with in_process_local_stack() as stack:
        yield stack


@pytest.fixture(scope="module")
def imported(stack: Any) -> dict[str, Any]:
    """What the engine imports: the Swagger file, fetched from the stack itself."""
    api = stack.describe()["api"]["url"]
    response = requests.get(
        f"{api}/openapi.json", params={"format": "swagger2"}, headers=stack.api_headers, timeout=30
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def test_the_served_file_is_valid_names_the_stack_and_is_the_committed_one(
    stack: Any, imported: dict[str, Any]
) -> None:
    assert list(OpenAPIV2SpecValidator(imported).iter_errors()) == []
    host = urlsplit(stack.describe()["api"]["url"]).netloc
    assert (imported["schemes"], imported["host"], imported["basePath"]) == (["http"], host, "/v1")
    assert imported == build_swagger(f"http://{host}/v1")
    committed = json.loads((ROOT / "docs" / "swagger2.json").read_text())
    committed.update({key: imported[key] for key in ("schemes", "host", "basePath")})
    assert committed == imported


def test_an_engine_sends_and_reads_with_the_imported_file_alone(
    stack: Any, imported: dict[str, Any]
) -> None:
    # the maker's connection: the API key, typed in as the file's security definition says
    nobody = SwaggerClient(imported)
    client = SwaggerClient(
        imported, connection_headers(imported, api_key=f"Bearer {stack.api_key}")
    )
    pdf = sample_pdf("Imported by an engine")
    send = {
        "connection": DEMO_CONNECTION,
        "Idempotency-Key": "engine-import-send-1",
        "body": {
            "emailSubject": "Please sign (engine import)",
            "documents": [
                {"name": "agreement.pdf", "contentBase64": base64.b64encode(pdf).decode()}
            ],
            "signers": [{"email": "ana@example.com", "name": "Ana", "signingOrder": 1}],
            "customFields": {"caseId": "ENG-17"},
        },
    }
    stack.emulator.state.clear_requests()

    refused = nobody.call("sendEnvelope", send)  # no connection set up: nothing sent
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "UNAUTHORIZED"
    assert envelope_creates(stack.emulator) == []

    sent = client.call("sendEnvelope", send)

    assert sent.status_code == 201, sent.text
    envelope_id = sent.json()["envelopeId"]
    (create,) = envelope_creates(stack.emulator)
    (document,) = create["json"]["documents"]
    assert base64.b64decode(document["documentBase64"]) == pdf
    assert document["name"] == "agreement.pdf"
    (signer,) = create["json"]["recipients"]["signers"]
    assert (signer["email"], signer["name"], signer["routingOrder"]) == (
        "ana@example.com",
        "Ana",
        "1",
    )
    assert create["json"]["emailSubject"] == "Please sign (engine import)"

    again = client.call("sendEnvelope", send)  # an engine retrying the same step
    assert again.status_code == 201 and again.json()["envelopeId"] == envelope_id
    assert len(envelope_creates(stack.emulator)) == 1

    status = client.call("getEnvelope", {"connection": DEMO_CONNECTION, "envelopeId": envelope_id})
    assert status.status_code == 200, status.text
    body = status.json()
    assert (body["envelopeId"], body["status"]) == (envelope_id, "sent")
    assert body["customFields"] == {"caseId": "ENG-17"}
    assert [(r["email"], r["status"]) for r in body["recipients"]] == [("ana@example.com", "sent")]


def test_an_engine_with_the_oauth2_file_gets_a_client_credentials_token_and_reads(
    stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nintex, n8n, UiPath: the Swagger file with the OAuth 2.0 application flow; the maker
    enters the client id and secret `admin caller add --oauth` printed."""
    from admin.connections import main as admin

    api = stack.describe()["api"]["url"]
    document = requests.get(
        f"{api}/openapi.json",
        params={"format": "swagger2-oauth2"},
        headers=stack.api_headers,
        timeout=30,
    ).json()
    assert list(OpenAPIV2SpecValidator(document).iter_errors()) == []
    (definition,) = document["securityDefinitions"].values()
    assert definition["tokenUrl"] == stack.oauth_issuer.token_url  # the stack's own endpoint
    issuer = stack.oauth_issuer
    code = admin(
        [
            "caller",
            "--table",
            stack.resources["CallersTable"],
            "--user-pool-id",
            issuer.user_pool_id,
            "--cognito-issuer",
            issuer.issuer,
            "add",
            "nintex-flow",
            "--connections",
            DEMO_CONNECTION,
            "--permissions",
            "read",
            "--oauth",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    oauth = json.JSONDecoder().raw_decode(out[out.index("{\n") :])[0]["oauth"]
    client = SwaggerClient(
        document,
        connection_headers(
            document, client_id=oauth["clientId"], client_secret=oauth["clientSecret"]
        ),
    )
    listed = client.call("listEnvelopes", {"connection": DEMO_CONNECTION})
    assert listed.status_code == 200, listed.text
    assert listed.json()["connection"] == DEMO_CONNECTION
    denied = client.call("verifyConnection", {"connection": DEMO_CONNECTION})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "ACCESS_DENIED"
