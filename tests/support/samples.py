"""The sample event (events/<name>.json) each function of the template is invoked with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


def _sample_events() -> dict[str, str]:
    """Each function's sample event, found by its folder's name: `events/<folder>.json`, or the
    first of `events/<folder>_*.json` (a function with several cases). Nothing to list by hand:
    a new function's sample is found as soon as it is in events/."""
    from local.function_specs import function_properties
    from local.template import FUNCTION_TYPE, load_template

    template = load_template(ROOT / "template.yaml")
    found: dict[str, str] = {}
    for function_id, resource in template["Resources"].items():
        if resource["Type"] != FUNCTION_TYPE:
            continue
        folder = function_properties(template, function_id)["CodeUri"].strip("/").split("/")[-1]
        exact = EVENTS / f"{folder}.json"
        candidates = [exact] if exact.exists() else sorted(EVENTS.glob(f"{folder}_*.json"))
        if candidates:
            found[function_id] = candidates[0].stem
    return found


SAMPLE_EVENT = _sample_events()


def sample_event(function_id: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{SAMPLE_EVENT[function_id]}.json").read_text())
    return event


def register_sample_caller(table_name: str, dynamodb: Any) -> str:
    """Make the authorizer sample's API key a caller's (`sample`, reading `demo`), so that the
    sample is a request the authorizer answers with a policy; the caller's name."""
    from docusign_connector.adapters.callers import CallerStore
    from docusign_connector.callers import Caller, NewKey, hash_key, key_id_of

    key = sample_event("AuthorizerFunction")["authorizationToken"].removeprefix("Bearer ")
    key_id = key_id_of(key)
    assert key_id is not None, key
    store = CallerStore(table_name, dynamodb)
    if store.caller("sample") is None:
        store.create(Caller("sample", ("demo",), ("read",)), NewKey(key_id, key, hash_key(key)))
    return "sample"


def check_answer(function_id: str, payload: Any, *, all_handled: bool = True) -> None:
    """What a function's answer to its sample event must look like: an API function's proxy
    response below 500 (errors in the one shape), a batch report without failures, or the
    reconciler's run."""
    if isinstance(payload, dict) and "statusCode" in payload:
        assert payload["statusCode"] < 500, payload
        body = json.loads(payload["body"])
        assert payload["statusCode"] < 400 or set(body) == {"error"}, body
    elif function_id == "AuthorizerFunction":
        assert payload["principalId"] == payload["context"]["caller"] == "sample", payload
        (statement,) = payload["policyDocument"]["Statement"]
        assert statement["Effect"] == "Allow" and statement["Action"] == "execute-api:Invoke"
        assert all(
            "/connections/demo/" in r or r.endswith("/GET/openapi.json")
            for r in statement["Resource"]
        ), statement
    elif function_id in ("ProcessInboxFunction", "EventsFunction", "CallbackFunction"):
        assert set(payload) == {"batchItemFailures"}, payload
        # Against the local stack the samples are made for, every message is handled.
        assert not all_handled or payload["batchItemFailures"] == [], payload
    else:
        # Other tests' connections share the process's moto; the sample's is `demo`.
        assert function_id == "ReconcileFunction", function_id
        runs = {run["connection"]: run for run in payload["connections"]}
        assert runs["demo"]["error"] is None, payload
