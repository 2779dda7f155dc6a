"""Call an API the way a workflow engine does once it has imported a Swagger 2.0 file: it knows
only what the file says (scheme, host, basePath, each operation's method, path and parameters)
and fills in what the maker gave. Nothing the file does not declare can be sent, and what it
declares required must be given, so a test that passes with this client passes because the
file is right.

    client = SwaggerClient(document, headers={"Authorization": f"Bearer {key}"})
    response = client.call("getEnvelope", {"connection": "demo", "envelopeId": envelope_id})
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import requests

BODY = "body"


@dataclass
class EngineRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


class SwaggerClient:
    def __init__(self, document: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        assert document.get("swagger") == "2.0", "a Swagger 2.0 document"
        self.document = document
        # What the engine's connection adds to every request (e.g. the API key header).
        self.connection_headers = dict(headers or {})

    @property
    def base_url(self) -> str:
        scheme = self.document["schemes"][0]
        base_path = self.document.get("basePath", "/").rstrip("/")
        return f"{scheme}://{self.document['host']}{base_path}"

    def operation(self, operation_id: str) -> tuple[str, str, dict[str, Any]]:
        """(method, path template, operation) of an operationId."""
        found = [
            (method.upper(), path, operation)
            for path, item in self.document["paths"].items()
            for method, operation in item.items()
            if operation.get("operationId") == operation_id
        ]
        if len(found) != 1:
            raise LookupError(f"{len(found)} operations named {operation_id!r}")
        return found[0]

    def request(self, operation_id: str, values: dict[str, Any] | None = None) -> EngineRequest:
        """The HTTP request for one operation; `values` by parameter name, the JSON body as
        `body`."""
        method, path, operation = self.operation(operation_id)
        given = dict(values or {})
        declared = {parameter["name"]: parameter for parameter in operation["parameters"]}
        unknown = set(given) - set(declared)
        if unknown:
            raise TypeError(f"{operation_id} declares no parameter {sorted(unknown)}")
        query: dict[str, str] = {}
        headers = dict(self.connection_headers)
        body: bytes | None = None
        for name, parameter in declared.items():
            if name not in given:
                if parameter.get("required"):
                    raise ValueError(f"{operation_id}: {name} is required")
                continue
            value = given[name]
            where = parameter["in"]
            if where == "body":
                body = json.dumps(value).encode()
                headers["Content-Type"] = self.document["consumes"][0]
                continue
            text = _text(value)
            _check(operation_id, parameter, text)
            if where == "path":
                path = path.replace("{" + name + "}", quote(text, safe=""))
            elif where == "query":
                query[name] = text
            elif where == "header":
                headers[name] = text
            else:
                raise ValueError(f"{operation_id}: parameters in {where} are not supported")
        headers.setdefault("Accept", self.document["produces"][0])
        url = self.base_url + path + (f"?{urlencode(query)}" if query else "")
        return EngineRequest(method, url, headers, body)

    def call(
        self, operation_id: str, values: dict[str, Any] | None = None, timeout: float = 60
    ) -> requests.Response:
        prepared = self.request(operation_id, values)
        return requests.request(
            prepared.method,
            prepared.url,
            headers=prepared.headers,
            data=prepared.body,
            timeout=timeout,
        )


def connection_headers(document: dict[str, Any], **credentials: str) -> dict[str, str]:
    """What an engine's connection to the imported file sends on every request, from the file's
    one security definition and what the maker entered: for `apiKey` the header it names with
    the value typed in (`api_key`, e.g. "Bearer dsc_…"); for `oauth2` (flow `application`) a
    token got from its tokenUrl with `client_id` and `client_secret` (HTTP Basic)."""
    (definition,) = document["securityDefinitions"].values()
    if definition["type"] == "apiKey":
        assert definition["in"] == "header"
        return {definition["name"]: credentials["api_key"]}
    assert definition["type"] == "oauth2" and definition["flow"] == "application"
    answer = requests.post(
        definition["tokenUrl"],
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
        timeout=30,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check(operation_id: str, parameter: dict[str, Any], text: str) -> None:
    """What an engine checks before it sends: the declared enum and pattern."""
    name = parameter["name"]
    if "enum" in parameter and text not in parameter["enum"]:
        raise ValueError(f"{operation_id}: {name} is one of {parameter['enum']}")
    pattern = parameter.get("pattern")
    # ECMA-262's `$` (JSON Schema's regexes) lets no trailing newline through; Python's does.
    if pattern and (re.search(pattern, text) is None or text.endswith("\n")):
        raise ValueError(f"{operation_id}: {name} does not match {pattern}")
