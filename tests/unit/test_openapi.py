"""The published OpenAPI document: current, complete, and consistent with the template."""

from __future__ import annotations

import json
from pathlib import Path

from docusign_connector.api.openapi import build_document

ROOT = Path(__file__).resolve().parents[2]


def test_committed_document_is_current() -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == json.loads(json.dumps(build_document())), "run: make openapi"


def test_every_api_route_of_the_template_is_documented() -> None:
    from local.function_specs import api_routes
    from local.template import load_template

    documented = {
        (method.upper(), path)
        for path, operations in build_document()["paths"].items()
        for method in operations
    }
    routes = {(r.method, r.path) for r in api_routes(load_template(ROOT / "template.yaml"))}
    undocumented = {
        route
        for route in routes - documented
        if route[1] not in ("/openapi.json",) and not route[1].startswith("/webhooks/")
    }
    assert not undocumented


def test_references_resolve_and_errors_have_the_one_shape() -> None:
    document = build_document()
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    for name in {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}:
        assert name in schemas, name
    error = schemas["ErrorBody"]
    assert error["required"] == ["code", "message", "details"]
    send = schemas["SendEnvelopeRequest"]
    assert "signersEmails" in send["properties"] and send["required"] == ["emailSubject"]
