"""Rebuild `esignature-subset.json` from DocuSign's published OpenAPI file.

    python -m local.emulator.schema.regenerate --spec esignature.rest.swagger-v2.1.json

DocuSign publishes the file in the `docusign/OpenAPI-Specifications` repository. The subset
keeps the definitions the emulator checks request bodies against, and everything they refer
to, with descriptions and examples dropped (only the type structure is needed). Record the
commit the file came from in SOURCE.md.

A few properties newer than the file used (`SDK_ADDITIONS`) are taken from DocuSign's Python
SDK (`docusign-esign`, in the dev lock), whose models are generated from a later version of
the same specification: each model's `swagger_types` and `attribute_map` give the property's
JSON name and type, and any definition it refers to that the file lacks comes from the SDK
the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

# Request bodies the emulator accepts, and the responses it shapes its answers after.
ROOTS = (
    "envelopeDefinition",
    "envelope",
    "envelopeSummary",
    "envelopeUpdateSummary",
    "envelopesInformation",
    "envelopeIdsRequest",
    "envelopeDocumentsResult",
    "recipients",
    "notification",
    "customFields",
    "recipientViewRequest",
    "returnUrlRequest",
    "viewUrl",
    "connectCustomConfiguration",
    "errorDetails",
    "envelopeTemplate",
    "envelopeTemplateResults",
    "templateSummary",
    "connectConfigResults",
    "envelopeAuditEventResponse",
    "customFieldsEnvelope",
    "connectFailureResults",
    "brand",
    "brandsResponse",
    "accountIdentityVerificationResponse",
    "paymentGatewayAccountsInfo",
    "bulkSendingList",
    "bulkSendingListSummaries",
    "bulkSendRequest",
    "bulkSendResponse",
    "bulkSendTestResponse",
    "bulkSendBatchStatus",
    "bulkSendBatchSummaries",
)
# Properties the emulator implements that the 2022 file does not define, by definition.
SDK_ADDITIONS: dict[str, tuple[str, ...]] = {"tabs": ("numericalTabs",)}
KEPT_KEYS = ("type", "format", "items", "$ref", "properties", "additionalProperties", "enum")
_SDK_SCALARS = {
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "object": {},
}
OUTPUT = Path(__file__).with_name("esignature-subset.json")


def _strip(node: Any) -> Any:
    """Keep only the type structure of a schema node."""
    if isinstance(node, list):
        return [_strip(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _strip(prop) for name, prop in value.items()}
        elif key in KEPT_KEYS:
            out[key] = _strip(value)
    return out


def _references(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[-1])
            else:
                _references(value, found)
    elif isinstance(node, list):
        for value in node:
            _references(value, found)


def _sdk_class(models: Any, definition: str) -> Any:
    return getattr(models, definition[0].upper() + definition[1:], None)


def _sdk_type(swagger_type: str) -> dict[str, Any]:
    """A schema node for one of the SDK's type names ('str', 'list[SignHere]', …)."""
    if swagger_type in _SDK_SCALARS:
        return dict(_SDK_SCALARS[swagger_type])
    if swagger_type.startswith("list[") and swagger_type.endswith("]"):
        return {"type": "array", "items": _sdk_type(swagger_type[5:-1])}
    if swagger_type.startswith("dict(") and swagger_type.endswith(")"):
        value_type = swagger_type[5:-1].split(",", 1)[1].strip()
        return {"type": "object", "additionalProperties": _sdk_type(value_type)}
    return {"$ref": f"#/definitions/{swagger_type[0].lower()}{swagger_type[1:]}"}


def _sdk_definition(models: Any, name: str) -> dict[str, Any] | None:
    model = _sdk_class(models, name)
    if model is None or not hasattr(model, "swagger_types"):
        return None
    properties = {
        model.attribute_map[attribute]: _sdk_type(swagger_type)
        for attribute, swagger_type in model.swagger_types.items()
    }
    return {"type": "object", "properties": dict(sorted(properties.items()))}


def _sdk_property(models: Any, definition: str, json_name: str) -> dict[str, Any]:
    model = _sdk_class(models, definition)
    for attribute, name in getattr(model, "attribute_map", {}).items():
        if name == json_name:
            return _sdk_type(model.swagger_types[attribute])
    raise SystemExit(f"docusign-esign has no property {json_name} in {definition}")


def build_subset(spec: dict[str, Any], sdk_models: Any = None) -> dict[str, Any]:
    """The subset of `spec`'s definitions under ROOTS; with `sdk_models` (the module
    `docusign_esign.models`), SDK_ADDITIONS and what they refer to are added from it."""
    definitions = spec["definitions"]
    kept: dict[str, Any] = {}
    unresolved: set[str] = set()
    from_sdk: list[str] = []
    pending = list(ROOTS)
    additions_made = False
    while pending or not additions_made:
        if not pending:
            additions_made = True
            for definition, names in SDK_ADDITIONS.items() if sdk_models is not None else ():
                for json_name in names:
                    node = _sdk_property(sdk_models, definition, json_name)
                    kept[definition].setdefault("properties", {})[json_name] = node
                    added: set[str] = set()
                    _references(node, added)
                    pending.extend(sorted(added))
            continue
        name = pending.pop()
        if name in kept or name in unresolved:
            continue
        source = definitions.get(name)
        if source is None and additions_made and sdk_models is not None:
            source = _sdk_definition(sdk_models, name)
            if source is not None:
                from_sdk.append(name)
        if source is None:
            unresolved.add(name)
            continue
        kept[name] = _strip(source)
        refs: set[str] = set()
        _references(source, refs)
        pending.extend(sorted(refs))
    info_extra: dict[str, Any] = {}
    if sdk_models is not None:
        info_extra["sdkAdditions"] = {
            "properties": {k: list(v) for k, v in SDK_ADDITIONS.items()},
            "definitions": sorted(from_sdk),
        }
    return {
        "info": {
            "title": spec.get("info", {}).get("title"),
            "version": spec.get("info", {}).get("version"),
            "roots": list(ROOTS),
            # Referenced by the published file but not defined in it: accepted as any value.
            "unresolved": sorted(unresolved),
            **info_extra,
        },
        "definitions": dict(sorted(kept.items())),
    }


def _sdk_version(package: Any) -> str:
    from importlib.metadata import version

    return str(getattr(package, "__version__", "") or version("docusign-esign"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--spec", required=True, type=Path, help="esignature.rest.swagger-v2.1.json"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    raw = args.spec.read_bytes()
    import docusign_esign
    from docusign_esign import models

    subset = build_subset(json.loads(raw), models)
    subset["info"]["specSha256"] = hashlib.sha256(raw).hexdigest()
    subset["info"]["sdkAdditions"]["sdk"] = f"docusign-esign {_sdk_version(docusign_esign)}"
    args.output.write_text(json.dumps(subset, indent=1, sort_keys=False) + "\n")
    print(
        f"{len(subset['definitions'])} definitions written to {args.output} "
        f"(unresolved: {', '.join(subset['info']['unresolved']) or 'none'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
