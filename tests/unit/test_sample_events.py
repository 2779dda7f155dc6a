"""The sample events of events/: one per function, in the shapes the functions receive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docusign_connector.api.routes import ROUTES, Route

ROOT = Path(__file__).resolve().parents[2]


def test_every_function_has_a_sample_event() -> None:
    from local.function_specs import functions
    from local.template import load_template
    from tests.support.samples import SAMPLE_EVENT

    assert set(SAMPLE_EVENT) == set(functions(load_template(ROOT / "template.yaml")))
    events = {path.stem for path in (ROOT / "events").glob("*.json")}
    for folder in (ROOT / "functions").iterdir():
        if folder.is_dir() and (folder / "app.py").exists():
            assert any(name.startswith(folder.name) for name in events), folder.name


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.operation_id)
def test_each_route_s_sample_event_is_a_request_for_that_route(route: Route) -> None:
    """The sample a function is invoked with (`sam local invoke -e`, the Lambda tests) is an
    API Gateway event of the route the table gives the function."""
    from docusign_connector.api.routes import path_parameters
    from tests.support.samples import sample_event

    event = sample_event(route.function)
    assert (event["httpMethod"], event["resource"]) == (route.method, route.path)
    assert event["requestContext"]["resourcePath"] == route.path
    assert sorted(event.get("pathParameters") or {}) == sorted(path_parameters(route.path))
    path = route.path
    for name, value in (event.get("pathParameters") or {}).items():
        path = path.replace("{" + name + "}", value)
    assert event["path"] == path


def test_queued_connect_event_sample_is_what_the_webhook_queues() -> None:
    from docusign_connector.sync.messages import ConnectEvent

    sample = json.loads((ROOT / "events" / "process_events_envelope_completed.json").read_text())
    event = ConnectEvent.from_message(json.loads(sample["Records"][0]["body"]))
    assert event.event == "envelope-completed" and event.connection == "demo"
