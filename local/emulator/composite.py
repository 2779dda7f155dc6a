"""Envelopes built from `compositeTemplates` (see README, "Composite templates").

Each composite template is an overlay of server templates (`serverTemplates`) and inline
templates (`inlineTemplates`), applied in the order of their `sequence` (lower first; a later
layer overrides what an earlier one set). A recipient of a later layer takes the place of the
earlier recipient with the same `roleName` (else the same `recipientId`). The composite's own
`document`, when given, replaces the documents of its templates. The documents of every
composite template are appended, in the array's order; the recipients of all of them with the
same `recipientId` are one recipient of the envelope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import DocuSignError, invalid_parameter, invalid_request_body
from .state import RECIPIENT_KINDS, new_guid
from .tabs import merge_prefill

COMPOSITE_KEYS = frozenset(
    {"compositeTemplateId", "serverTemplates", "inlineTemplates", "document"}
)
# DocuSign's inline template also takes these; they are not emulated.
INLINE_KEYS = frozenset({"sequence", "recipients", "documents", "customFields"})


def _sequence(layer: dict[str, Any], where: str) -> int:
    value = str(layer.get("sequence") or "").strip()
    if not value.isdigit():
        raise invalid_parameter(f"{where} needs a sequence (a positive integer).")
    return int(value)


def _refuse(where: str, keys: set[str]) -> None:
    if keys:
        raise DocuSignError(
            400,
            "INVALID_REQUEST_PARAMETER",
            "The request contained at least one invalid parameter. "
            f"{where}: {', '.join(sorted(keys))} are not supported by this emulator.",
        )


def _layers(
    composite: dict[str, Any], where: str, find_template: Callable[[str], dict[str, Any]]
) -> list[tuple[int, int, dict[str, Any]]]:
    """(sequence, position, layer) of each template, a layer being {recipients, documents,
    customFields} as given (inline) or as stored (server)."""
    layers = []
    position = 0
    for index, server in enumerate(composite.get("serverTemplates") or []):
        at = f"{where}.serverTemplates[{index}]"
        if not isinstance(server, dict):
            raise invalid_request_body(f"{at} must be a JSON object.")
        template = find_template(str(server.get("templateId") or ""))
        layers.append(
            (
                _sequence(server, at),
                position,
                {
                    "recipients": template["recipients"],
                    "documents": template["documents"],
                    "notification": template.get("notification"),
                    "emailSubject": template.get("emailSubject"),
                    "emailBlurb": template.get("emailBlurb"),
                },
            )
        )
        position += 1
    for index, inline in enumerate(composite.get("inlineTemplates") or []):
        at = f"{where}.inlineTemplates[{index}]"
        if not isinstance(inline, dict):
            raise invalid_request_body(f"{at} must be a JSON object.")
        _refuse(at, set(inline) - INLINE_KEYS)
        recipients = inline.get("recipients") or {}
        if not isinstance(recipients, dict):
            raise invalid_request_body(f"{at}.recipients must be a JSON object.")
        layers.append((_sequence(inline, at), position, inline))
        position += 1
    # Lower sequence first; equal sequences in the order given (DocuSign does not say).
    layers.sort(key=lambda item: (item[0], item[1]))
    return layers


def _overlay_recipients(
    layers: list[dict[str, Any]],
) -> list[tuple[str, dict[str, Any]]]:
    """(kind, recipient) after every layer: a later recipient with an earlier one's roleName
    (compared without case) or, without a roleName, its recipientId, overrides its values."""
    merged: list[tuple[str, dict[str, Any]]] = []
    for layer in layers:
        for kind in RECIPIENT_KINDS:
            for given in (layer.get("recipients") or {}).get(kind) or []:
                if not isinstance(given, dict):
                    raise invalid_request_body(f"'recipients.{kind}' must hold JSON objects.")
                given = {k: v for k, v in given.items() if not k.startswith("_")}
                role = str(given.get("roleName") or "").strip().lower()
                rid = str(given.get("recipientId") or "").strip()
                target = next(
                    (
                        r
                        for _, r in merged
                        if (role and str(r.get("roleName") or "").strip().lower() == role)
                        or (not role and rid and str(r.get("recipientId")) == rid)
                    ),
                    None,
                )
                if target is None:
                    merged.append((kind, given))
                    continue
                for key, value in given.items():
                    if key == "tabs":
                        target["tabs"] = _overlay_tabs(target.get("tabs"), value)
                    elif value not in (None, "") and key != "roleName":
                        target[key] = value
    return merged


def _overlay_tabs(earlier: Any, later: Any) -> dict[str, Any]:
    """A later layer's tabs: values for the earlier layer's tabs of the same label (as
    templateRoles fill them), and tabs of their own (with a position) added."""
    merged = merge_prefill(earlier, later)
    known = {
        (group, t.get("tabLabel") or t.get("groupName"))
        for group, entries in merged.items()
        for t in entries
    }
    for group, entries in (later or {}).items():
        for tab in entries if isinstance(entries, list) else []:
            if not isinstance(tab, dict):
                continue
            label = tab.get("tabLabel") or tab.get("groupName")
            placed = tab.get("anchorString") or tab.get("pageNumber")
            if (group, label) not in known and placed:
                merged.setdefault(group, []).append(dict(tab))
    return merged


def _documents(
    composite: dict[str, Any],
    layers: list[dict[str, Any]],
    where: str,
    check_documents: Callable[[dict[str, Any]], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    document = composite.get("document")
    if document is not None:
        if not isinstance(document, dict):
            raise invalid_request_body(f"{where}.document must be a JSON object.")
        return check_documents({"documents": [document]})
    out: list[dict[str, Any]] = []
    for layer in layers:
        given = layer.get("documents")
        if not given:
            continue
        if given and "_content" not in given[0]:
            given = check_documents({"documents": given})
        for doc in given:
            # A later layer's document of the same documentId takes the earlier one's place.
            out = [d for d in out if d["documentId"] != doc["documentId"]]
            out.append(dict(doc))
    return out


def apply_composite_templates(
    definition: dict[str, Any],
    status: str,
    find_template: Callable[[str], dict[str, Any]],
    check_documents: Callable[[dict[str, Any]], list[dict[str, Any]]],
    check_recipients: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Documents, recipients and the first server template's envelope settings (subject,
    blurb, notification) of an envelope made from `compositeTemplates`."""
    composites = definition.get("compositeTemplates")
    if not isinstance(composites, list):
        raise invalid_request_body("'compositeTemplates' must be a JSON array.")
    for key in ("documents", "templateId", "templateRoles"):
        if definition.get(key):
            raise invalid_parameter(
                f"'{key}' cannot be combined with compositeTemplates in this emulator: give "
                "documents and recipients inside the composite templates."
            )
    documents: list[dict[str, Any]] = []
    recipients: dict[str, tuple[str, dict[str, Any]]] = {}
    settings: dict[str, Any] = {}
    for index, composite in enumerate(composites):
        where = f"compositeTemplates[{index}]"
        if not isinstance(composite, dict):
            raise invalid_request_body(f"{where} must be a JSON object.")
        _refuse(where, set(composite) - COMPOSITE_KEYS)
        ordered = [layer for _, _, layer in _layers(composite, where, find_template)]
        if not ordered:
            raise invalid_parameter(f"{where} has neither serverTemplates nor inlineTemplates.")
        for layer in ordered:
            if "emailSubject" in layer and not settings:
                settings = layer
        own = _documents(composite, ordered, where, check_documents)
        # Document ids are the composite's own: renumbered after the envelope's earlier ones.
        renumber = {}
        for doc in own:
            new_id = str(len(documents) + 1)
            renumber[doc["documentId"]] = new_id
            documents.append(
                {**doc, "documentId": new_id, "order": new_id, "documentIdGuid": new_guid()}
            )
        for kind, recipient in _overlay_recipients(ordered):
            if status != "sent" and not recipient.get("email") and not recipient.get("name"):
                continue  # a draft's unfilled role is left out, as with templateRoles
            tabs = {
                group: [
                    {**t, "documentId": renumber.get(str(t.get("documentId")), t.get("documentId"))}
                    if "documentId" in t
                    else dict(t)
                    for t in entries
                    if isinstance(t, dict)
                ]
                for group, entries in (recipient.get("tabs") or {}).items()
                if isinstance(entries, list)
            }
            recipient = {**recipient, "tabs": tabs} if tabs else recipient
            rid = str(recipient.get("recipientId") or "")
            if rid in recipients:
                # The same recipientId in several composite templates is one recipient.
                _, earlier = recipients[rid]
                for group, entries in tabs.items():
                    earlier.setdefault("tabs", {}).setdefault(group, []).extend(entries)
                continue
            recipients[rid] = (kind, recipient)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for kind, recipient in recipients.values():
        grouped.setdefault(kind, []).append(recipient)
    return documents, check_recipients({"recipients": grouped}), settings


def inline_custom_fields(definition: dict[str, Any]) -> dict[str, Any]:
    """With composite templates DocuSign ignores the root's customFields: they are taken from
    the inline templates (the first one that has them)."""
    for composite in definition.get("compositeTemplates") or []:
        for inline in (composite or {}).get("inlineTemplates") or []:
            if isinstance(inline, dict) and inline.get("customFields"):
                return {"customFields": inline["customFields"]}
    return {}
