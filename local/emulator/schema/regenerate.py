"""Rebuild `esignature-subset.json` from DocuSign's published OpenAPI file.

    python -m local.emulator.schema.regenerate --spec esignature.rest.swagger-v2.1.json

DocuSign publishes the file in the `docusign/OpenAPI-Specifications` repository. The subset
keeps the definitions the emulator checks request bodies against, and everything they refer
to, with descriptions and examples dropped (only the type structure is needed). Record the
commit the file came from in SOURCE.md.
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
)
KEPT_KEYS = ("type", "format", "items", "$ref", "properties", "additionalProperties", "enum")
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


def build_subset(spec: dict[str, Any]) -> dict[str, Any]:
    definitions = spec["definitions"]
    kept: dict[str, Any] = {}
    unresolved: set[str] = set()
    pending = list(ROOTS)
    while pending:
        name = pending.pop()
        if name in kept or name in unresolved:
            continue
        if name not in definitions:
            unresolved.add(name)
            continue
        kept[name] = _strip(definitions[name])
        refs: set[str] = set()
        _references(definitions[name], refs)
        pending.extend(sorted(refs))
    return {
        "info": {
            "title": spec.get("info", {}).get("title"),
            "version": spec.get("info", {}).get("version"),
            "roots": list(ROOTS),
            # Referenced by the published file but not defined in it: accepted as any value.
            "unresolved": sorted(unresolved),
        },
        "definitions": dict(sorted(kept.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--spec", required=True, type=Path, help="esignature.rest.swagger-v2.1.json"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    raw = args.spec.read_bytes()
    subset = build_subset(json.loads(raw))
    subset["info"]["specSha256"] = hashlib.sha256(raw).hexdigest()
    args.output.write_text(json.dumps(subset, indent=1, sort_keys=False) + "\n")
    print(
        f"{len(subset['definitions'])} definitions written to {args.output} "
        f"(unresolved: {', '.join(subset['info']['unresolved']) or 'none'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
