"""What a cold container loads before its first request.

An API function's module is its router alone: the route imports its action and models (and so
pydantic) when it first runs, and the DocuSign HTTP client is loaded only by a call to DocuSign.
The inbox function loads the send models with its first message. `make bench` measures the
import cost; this keeps it from creeping back.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from local.function_specs import api_routes, functions
from local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
ENVIRONMENT = {
    "PYTHONPATH": f"{ROOT}:{ROOT / 'layers' / 'shared'}",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_METRICS_NAMESPACE": "Test",
}


def loaded_after_import(modules: list[str], watched: tuple[str, ...]) -> set[str]:
    code = (
        "import sys, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(' '.join(w for w in {watched!r} if w in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=ENVIRONMENT,
    )
    return set(out.stdout.split())


def test_api_functions_load_their_router_alone() -> None:
    modules = sorted({route.module for route in api_routes(TEMPLATE)})
    assert "functions.send_envelope.app" in modules and len(modules) >= 15
    assert loaded_after_import(modules, ("pydantic", "requests", "jwt")) == set()


def test_the_authorizer_loads_no_model_no_http_client_and_no_jwt_library() -> None:
    """API keys, the usual credential, are checked with hashlib and two DynamoDB reads; the
    JWT library loads with the first access token."""
    authorizer = functions(TEMPLATE)["AuthorizerFunction"].module
    watched = ("pydantic", "requests", "jwt", "cryptography", "docusign_connector.actions")
    assert loaded_after_import([authorizer], watched) == set()


def test_the_inbox_function_loads_the_send_models_with_its_first_message() -> None:
    inbox = functions(TEMPLATE)["ProcessInboxFunction"].module
    assert loaded_after_import([inbox], ("pydantic", "docusign_connector.actions.bulk")) == set()


def test_the_first_request_still_validates_its_body() -> None:
    from functions.send_envelope.app import lambda_handler
    from tests.support.lambda_events import FakeLambdaContext, api_event

    event = api_event("send_envelope_nested", path_parameters={"connection": "acme"}, body={"x": 1})
    answer = lambda_handler(event, FakeLambdaContext("send"))
    assert answer["statusCode"] == 400, answer
    error = json.loads(answer["body"])["error"]
    assert error["code"] == "EMAIL_SUBJECT_REQUIRED"
    assert {"field": "x", "code": "UNKNOWN_FIELD", "message": "Extra inputs are not permitted"} in (
        error["details"]
    )
