"""Document visibility: which of an envelope's documents a recipient sees.

DocuSign's definitions (OpenAPI spec, `envelopeDefinition.enforceSignerVisibility` and
`signer.excludedDocuments`): with `enforceSignerVisibility` "true", "signers can only view the
documents on which they have tabs"; administrative recipients (agents, editors,
intermediaries) and informational ones (certified deliveries, carbon copies) see every
document; "documents that do not have tabs are always visible to all recipients"; and a
recipient never sees the documents its `excludedDocuments` lists. `excludedDocuments` needs
`enforceSignerVisibility` ("must be set to true for the envelope to use this"): without it
every recipient sees every document. The account setting `allowDocumentVisibility` must be
on; an account whose settings turn it off is refused with ACCOUNT_LACKS_PERMISSIONS (DocuSign
names no code for this).
"""

from __future__ import annotations

from typing import Any

from .errors import DocuSignError

# Recipients who sign (and so see only the documents with their tabs when visibility is on).
SIGNING_KINDS = frozenset({"signers", "inPersonSigners", "witnesses"})


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def enforced(envelope: dict[str, Any]) -> bool:
    return _true((envelope.get("definition") or {}).get("enforceSignerVisibility"))


def check_allowed(definition: dict[str, Any], settings: dict[str, str]) -> None:
    if _true(definition.get("enforceSignerVisibility")) and not _true(
        settings.get("allowDocumentVisibility", "true")
    ):
        raise DocuSignError(
            400,
            "ACCOUNT_LACKS_PERMISSIONS",
            "This Account lacks sufficient permissions. Document visibility "
            "(allowDocumentVisibility) is not enabled for this account.",
        )


def _tabbed_documents(recipient: dict[str, Any]) -> set[str]:
    found = set()
    for entries in (recipient.get("tabs") or {}).values():
        for tab in entries if isinstance(entries, list) else []:
            for spot in [tab, *(tab.get("radios") or [])]:
                if spot.get("documentId"):
                    found.add(str(spot["documentId"]))
    return found


def visible_documents(
    envelope: dict[str, Any], recipient: dict[str, Any], documents: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The members of `documents` that `recipient` may see."""
    if not enforced(envelope):
        return documents
    excluded = {str(d) for d in recipient.get("excludedDocuments") or []}
    tabbed_by_anyone: set[str] = set()
    for members in envelope["recipients"].values():
        for other in members if isinstance(members, list) else []:
            tabbed_by_anyone |= _tabbed_documents(other)
    own = _tabbed_documents(recipient)
    signs = recipient.get("_kind") in SIGNING_KINDS
    return [
        d
        for d in documents
        if str(d["documentId"]) not in excluded
        and (
            not signs or str(d["documentId"]) in own or str(d["documentId"]) not in tabbed_by_anyone
        )
    ]
