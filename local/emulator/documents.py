"""The PDFs an envelope hands out: its documents (with the signatures made so far), the
combined download, and the Certificate of Completion."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from pypdf import PdfReader, PdfWriter

from .pdf import make_overlay, make_pdf
from .state import RECIPIENT_KINDS

_PDF_SUFFIXES = (".pdf",)


def download_name(name: str) -> str:
    """The file name DocuSign gives a downloaded document: its name as a .pdf."""
    stem = name
    if "." in name:
        head, _, tail = name.rpartition(".")
        if head and len(tail) <= 5:
            stem = head
    return stem + ".pdf"


def _recipients(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for kind in RECIPIENT_KINDS for r in envelope["recipients"].get(kind, [])]


def _signatures(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in _recipients(envelope) if r.get("signedDateTime")]


def _merge(parts: list[bytes]) -> bytes:
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signature_page(envelope: dict[str, Any], document: dict[str, Any]) -> bytes:
    lines = [
        f"Envelope Id: {envelope['envelopeId']}",
        f"Document: {document['name']} (document {document['documentId']})",
        "",
    ]
    for recipient in _signatures(envelope):
        lines.append(
            f"Signed by {recipient.get('name', '')} <{recipient.get('email', '')}> "
            f"on {recipient['signedDateTime']}"
        )
    return make_pdf("Electronically signed", lines)


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def _tab_texts(recipient: dict[str, Any], group: str, tab: dict[str, Any]) -> list[Any]:
    """(documentId, page, x, y, text) of what a tab shows on the signed document."""
    signed = bool(recipient.get("signedDateTime"))
    name = str(recipient.get("name") or recipient.get("signerName") or "")
    shown: str | None = None
    if group == "radioGroupTabs":
        return [
            (
                r.get("documentId", tab.get("documentId")),
                r.get("pageNumber"),
                r.get("xPosition"),
                r.get("yPosition"),
                f"(x) {r.get('value') or ''}",
            )
            for r in tab.get("radios") or []
            if _true(r.get("selected"))
        ]
    if group == "checkboxTabs":
        shown = "[X]" if _true(tab.get("selected")) else None
    elif group in ("signHereTabs", "approveTabs"):
        shown = f"Signed: {name}" if signed else None
    elif group == "initialHereTabs":
        shown = "".join(part[0] for part in name.split() if part) if signed else None
    elif group == "dateSignedTabs":
        shown = str(recipient.get("signedDateTime") or "")[:10] if signed else None
    elif group == "fullNameTabs":
        shown = name if signed else None
    elif group == "emailTabs" and not tab.get("value"):
        shown = str(recipient.get("email") or "") if signed else None
    else:
        shown = str(tab.get("value") or "") or None
    if not shown:
        return []
    return [
        (
            tab.get("documentId"),
            tab.get("pageNumber"),
            tab.get("xPosition"),
            tab.get("yPosition"),
            shown,
        )
    ]


def _field_values(envelope: dict[str, Any], document_id: str) -> dict[int, list[Any]]:
    """What the recipients' tabs show on one document, by page."""
    by_page: dict[int, list[Any]] = {}
    for recipient in _recipients(envelope):
        for group, tabs in (recipient.get("tabs") or {}).items():
            for tab in tabs if isinstance(tabs, list) else []:
                for doc, page, x, y, text in _tab_texts(recipient, group, tab):
                    if str(doc) != document_id or not str(page or "").isdigit():
                        continue
                    try:
                        spot = (float(x or 0), float(y or 0), text)
                    except (TypeError, ValueError):
                        continue
                    by_page.setdefault(int(page), []).append(spot)
    return by_page


def _stamped(envelope: dict[str, Any], document: dict[str, Any]) -> bytes:
    """The document with every field's value drawn where the field was placed."""
    values = _field_values(envelope, str(document["documentId"]))
    if not values:
        return document["_pdf"]
    writer = PdfWriter(clone_from=io.BytesIO(document["_pdf"]))
    for number, page in enumerate(writer.pages, start=1):
        if number in values:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            overlay = PdfReader(io.BytesIO(make_overlay(width, height, values[number])))
            page.merge_page(overlay.pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def document_pdf(envelope: dict[str, Any], document: dict[str, Any]) -> bytes:
    """One document as a PDF, with the fields' values at their places and a signature page
    once anyone has signed."""
    if not _signatures(envelope):
        return document["_pdf"]
    return _merge([_stamped(envelope, document), signature_page(envelope, document)])


def certificate_pdf(envelope: dict[str, Any]) -> bytes:
    sender = envelope["sender"]
    pages = sum(len(d["_pages"]) for d in envelope["documents"])
    lines = [
        f"Envelope Id: {envelope['envelopeId']}",
        f"Subject: {envelope.get('emailSubject') or ''}",
        f"Status: {envelope['status'].capitalize()}",
        f"Envelope Originator: {sender['userName']} <{sender['email']}>",
        f"Documents: {len(envelope['documents'])}   Pages: {pages}",
        f"Created: {envelope.get('createdDateTime') or ''}",
        f"Sent: {envelope.get('sentDateTime') or ''}",
        f"Completed: {envelope.get('completedDateTime') or ''}",
    ]
    if envelope.get("voidedDateTime"):
        lines.append(f"Voided: {envelope['voidedDateTime']} ({envelope.get('voidedReason')})")
    if envelope.get("declinedDateTime"):
        lines.append(f"Declined: {envelope['declinedDateTime']}")
    lines += ["", "Recipient Events"]
    for recipient in _recipients(envelope):
        lines += [
            "",
            f"{recipient.get('name', '')} <{recipient.get('email', '')}> - "
            f"{recipient['recipientType']}, routing order {recipient['routingOrder']}, "
            f"status {recipient['status']}",
            f"  Sent: {recipient.get('sentDateTime') or ''}",
            f"  Viewed: {recipient.get('deliveredDateTime') or ''}",
            f"  Signed: {recipient.get('signedDateTime') or ''}",
        ]
        if recipient.get("declinedDateTime"):
            lines.append(
                f"  Declined: {recipient['declinedDateTime']} "
                f"Reason: {recipient.get('declinedReason') or ''}"
            )
    return make_pdf("Certificate Of Completion", lines)


def downloadable(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    docs = [d for d in envelope["documents"] if str(d.get("includeInDownload")).lower() != "false"]
    return sorted(docs, key=lambda d: int(d["order"]))


def combined_pdf(
    envelope: dict[str, Any],
    with_certificate: bool,
    documents: list[dict[str, Any]] | None = None,
) -> bytes:
    """The downloadable documents (or those of `documents`) in one PDF."""
    chosen = downloadable(envelope) if documents is None else documents
    parts = [document_pdf(envelope, d) for d in chosen]
    if with_certificate or not parts:
        parts.append(certificate_pdf(envelope))
    return _merge(parts)


def archive_zip(envelope: dict[str, Any], documents: list[dict[str, Any]] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in downloadable(envelope) if documents is None else documents:
            archive.writestr(download_name(document["name"]), document_pdf(envelope, document))
        archive.writestr("Summary.pdf", certificate_pdf(envelope))
    return out.getvalue()
