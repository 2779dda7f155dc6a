"""The route table is the one list of routes: what else names them is derived from it or
checked against it here (the template, sample events, descriptions and handlers are checked
in their own tests)."""

from __future__ import annotations

import re
from pathlib import Path

from docusign_connector.api.parameters import HEADERS, PATH_PARAMETERS
from docusign_connector.api.routes import BY_OPERATION, ROUTES, path_parameters

ROOT = Path(__file__).resolve().parents[2]
# How the README abbreviates path parameters.
SHORT = {"{c}": "{connection}", "{id}": "{envelopeId}"}


def _readme_routes() -> set[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The API", 1)[1].split("\n### ", 1)[0]
    routes = set()
    for method, path in re.findall(r"^\| `(GET|POST|PATCH|PUT|DELETE) (/[^`]*)` \|", section, re.M):
        for short, name in SHORT.items():
            path = path.replace(short, name)
        routes.add((method, path))
    return routes


def test_the_readme_lists_every_route_a_caller_may_call() -> None:
    callable_routes = {
        (route.method, route.path) for route in ROUTES if not route.path.startswith("/webhooks/")
    }
    assert _readme_routes() == callable_routes


def test_operation_ids_and_routes_are_unique() -> None:
    assert len(BY_OPERATION) == len(ROUTES)
    assert len({(route.method, route.path) for route in ROUTES}) == len(ROUTES)


def test_every_parameter_and_header_of_the_table_is_described() -> None:
    for route in ROUTES:
        for name in path_parameters(route.path):
            assert name in PATH_PARAMETERS, (route.operation_id, name)
        for header in route.headers:
            assert header in HEADERS, (route.operation_id, header)
        for query in route.query:
            assert query.description, (route.operation_id, query.name)
        assert route.description and route.description != route.summary, route.operation_id


def test_the_architecture_checklist_names_the_files_a_new_route_touches() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    checklist = text.split("## Where to add a new action", 1)[1]
    for name in (
        "api/routes.py",
        "functions/<name>/app.py",
        "template.yaml",
        "events/<name>.json",
        "make openapi",
        "README.md",
    ):
        assert name in checklist, name
