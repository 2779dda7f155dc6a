"""The template's functions as the local stack runs them: handler modules, timeouts and
memory, API routes, and each function's environment resolved to strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from local.resolver import Resolver
from local.resolver import physical_names as resolve_physical_names
from local.template import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    FUNCTION_TYPE,
)


class FunctionSpec(NamedTuple):
    """A function as the local stack runs it: `functions.<folder>.app`, `lambda_handler`, …"""

    module: str
    handler: str
    timeout: int  # seconds
    memory: int  # MB


@dataclass(frozen=True)
class Route:
    """One API event of a function: `method` `path` -> `module.handler`."""

    method: str  # upper case; ANY matches every method
    path: str  # e.g. /connections/{connection}/envelopes/{envelopeId}
    function_id: str
    module: str  # e.g. functions.send_envelope.app
    handler: str  # e.g. lambda_handler
    authorizer: str = "NONE"  # AWS_IAM, NONE or the name of an authorizer
    api_id: str | None = None  # logical id of the API, None for SAM's implicit API


def _function_properties(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with Globals.Function merged in (SAM's merge rules, simply)."""
    globals_ = dict(((template.get("Globals") or {}).get("Function")) or {})
    own = dict((template["Resources"][logical_id].get("Properties")) or {})
    merged = {**globals_, **own}
    if "Environment" in globals_ or "Environment" in own:
        variables = {
            **((globals_.get("Environment") or {}).get("Variables") or {}),
            **((own.get("Environment") or {}).get("Variables") or {}),
        }
        merged["Environment"] = {"Variables": variables}
    if "Layers" in globals_ and "Layers" in own:
        merged["Layers"] = list(globals_["Layers"]) + list(own["Layers"])
    return merged


def function_properties(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with the template's Globals applied (unresolved)."""
    if template["Resources"].get(logical_id, {}).get("Type") != FUNCTION_TYPE:
        raise KeyError(f"{logical_id} is not an {FUNCTION_TYPE}")
    return _function_properties(template, logical_id)


def _module_and_handler(properties: Mapping[str, Any], logical_id: str) -> tuple[str, str]:
    code_uri = properties.get("CodeUri")
    handler = properties.get("Handler")
    if not isinstance(code_uri, str) or not isinstance(handler, str) or "." not in handler:
        raise ValueError(f"{logical_id}: CodeUri and Handler (file.function) are required")
    handler_module, handler_name = handler.rsplit(".", 1)
    package = ".".join(part for part in Path(code_uri).parts if part not in (".", ""))
    module = f"{package}.{handler_module.replace('/', '.')}" if package else handler_module
    return module, handler_name


def functions(template: Mapping[str, Any]) -> dict[str, FunctionSpec]:
    """Logical id -> FunctionSpec(module, handler, timeout, memory) of every function."""
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        properties = _function_properties(template, logical_id)
        module, handler = _module_and_handler(properties, logical_id)
        specs[logical_id] = FunctionSpec(
            module=module,
            handler=handler,
            timeout=int(properties.get("Timeout", 3)),
            memory=int(properties.get("MemorySize", 128)),
        )
    return specs


def _api_default_authorizer(template: Mapping[str, Any], api_ref: Any) -> str:
    if isinstance(api_ref, dict) and "Ref" in api_ref:
        api = (template.get("Resources") or {}).get(api_ref["Ref"], {})
        auth = (api.get("Properties") or {}).get("Auth") or {}
    else:
        auth = (((template.get("Globals") or {}).get("Api")) or {}).get("Auth") or {}
    return str(auth.get("DefaultAuthorizer", "NONE"))


def api_routes(template: Mapping[str, Any]) -> list[Route]:
    """Every `Type: Api` event of every function, in template order."""
    specs = functions(template)
    routes: list[Route] = []
    for logical_id, spec in specs.items():
        properties = template["Resources"][logical_id].get("Properties") or {}
        for event in (properties.get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            event_properties = event.get("Properties") or {}
            api_ref = event_properties.get("RestApiId")
            authorizer = ((event_properties.get("Auth") or {}).get("Authorizer")) or (
                _api_default_authorizer(template, api_ref)
            )
            method = str(event_properties["Method"]).upper()
            routes.append(
                Route(
                    method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                    path=str(event_properties["Path"]),
                    function_id=logical_id,
                    module=spec.module,
                    handler=spec.handler,
                    authorizer=str(authorizer),
                    api_id=api_ref.get("Ref") if isinstance(api_ref, dict) else None,
                )
            )
    return routes


def function_environment(
    template: Mapping[str, Any],
    function_id: str,
    physical_names: Mapping[str, str],
    parameters: Mapping[str, Any] | None = None,
    *,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> dict[str, str]:
    """Globals + the function's own Environment.Variables, every value resolved to a string."""
    properties = function_properties(template, function_id)
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    # Resources the caller did not name (not created locally) get their generated names.
    names = resolve_physical_names(
        template,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters=parameters,
        known=physical_names,
    )
    resolver = Resolver(
        template,
        parameters=parameters,
        physical_names=names,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
    )
    return {name: resolver.resolve_string(value) for name, value in variables.items()}


def reserved_concurrency(
    template: Mapping[str, Any],
    function_id: str,
    parameters: Mapping[str, Any] | None = None,
) -> int | None:
    """The function's ReservedConcurrentExecutions (resolved), None when the template sets none."""
    value = function_properties(template, function_id).get("ReservedConcurrentExecutions")
    if value is None:
        return None
    resolved = Resolver(template, parameters=parameters).resolve(value)
    return int(resolved)
