"""A small web page for people using the local stack: the emulator's envelopes, their
recipients and documents, and a way to sign as any recipient whose turn it is (what would
otherwise be the link in DocuSign's email)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, url_for
from markupsafe import escape

from . import documents as docs
from . import views
from .state import NOTIFY_ONLY_KINDS, EmulatorState

bp = Blueprint("ui", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DocuSign emulator</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; background: #f4f4f6; }}
header {{ background: #1e1e3f; color: #fff; padding: .8rem 1.5rem; }}
main {{ max-width: 70rem; margin: 1.5rem auto; }}
section {{ background: #fff; padding: 1rem 1.5rem; margin-bottom: 1rem; border-radius: 8px;
           box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
.status {{ font-weight: bold; text-transform: uppercase; font-size: .8rem; }}
.note {{ background: #fff8dc; padding: .5rem 1rem; border-radius: 6px; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eee; }}
code {{ font-size: .85rem; }}
</style></head><body><header>DocuSign emulator</header><main>{body}</main></body></html>"""


def state() -> EmulatorState:
    return current_app.config["EMULATOR_STATE"]


def _recipient_rows(envelope: dict[str, Any]) -> str:
    rows = []
    for recipient in state().iter_recipients(envelope):
        action = ""
        can_sign = (
            recipient["_kind"] not in NOTIFY_ONLY_KINDS
            and recipient["status"] in ("sent", "delivered")
            and envelope["status"] in ("sent", "delivered")
        )
        if can_sign:
            href = url_for(
                "ui.open_signing",
                envelope_id=envelope["envelopeId"],
                recipient_id=recipient["recipientId"],
            )
            action = f'<a href="{href}">Open signing page</a>'
        rows.append(
            "<tr>"
            f"<td>{escape(recipient['recipientId'])}</td>"
            f"<td>{escape(recipient.get('name') or '')}</td>"
            f"<td>{escape(recipient.get('email') or '')}</td>"
            f"<td>{escape(recipient['recipientType'])}</td>"
            f"<td>{escape(recipient['routingOrder'])}</td>"
            f"<td>{escape(recipient['status'])}</td>"
            f"<td>{action}</td></tr>"
        )
    return "".join(rows)


def _document_links(envelope: dict[str, Any]) -> str:
    envelope_id = envelope["envelopeId"]
    entries = [(d["documentId"], d["name"]) for d in envelope["documents"]]
    entries.append(("certificate", "Summary (certificate)"))
    return " · ".join(
        f'<a href="{url_for("ui.document", envelope_id=envelope_id, document_id=doc_id)}">'
        f"{escape(name)}</a>"
        for doc_id, name in entries
    )


@bp.get("/")
def root():
    return redirect(url_for("ui.dashboard"))


@bp.get("/_emulator/ui")
def dashboard():
    st = state()
    event = request.args.get("event")
    sections = []
    if event:
        sections.append(
            f'<section class="note">The signing page returned <code>event={escape(event)}</code>.'
            "</section>"
        )
    with st.lock:
        envelopes = sorted(st.envelopes.values(), key=lambda e: e["createdDateTime"], reverse=True)
        for envelope in envelopes:
            st.get_envelope(None, envelope["envelopeId"])  # applies expiry
            sections.append(
                "<section>"
                f"<h2>{escape(envelope['emailSubject'] or '(no subject)')}</h2>"
                f'<p><span class="status">{escape(envelope["status"])}</span> · '
                f"<code>{escape(envelope['envelopeId'])}</code> · account "
                f"<code>{escape(envelope['accountId'])}</code> · created "
                f"{escape(envelope['createdDateTime'])}</p>"
                "<table><tr><th>Id</th><th>Name</th><th>Email</th><th>Type</th>"
                "<th>Order</th><th>Status</th><th></th></tr>"
                f"{_recipient_rows(envelope)}</table>"
                f"<p>Documents: {_document_links(envelope)}</p>"
                "</section>"
            )
    if len(sections) == (1 if event else 0):
        sections.append("<section><p>No envelopes yet.</p></section>")
    return Response(_PAGE.format(body="".join(sections)), content_type="text/html; charset=utf-8")


@bp.get("/_emulator/ui/envelopes/<envelope_id>/recipients/<recipient_id>/open")
def open_signing(envelope_id: str, recipient_id: str):
    """Open the signing page for a recipient, as the link in DocuSign's email would."""
    st = state()
    with st.lock:
        envelope = st.get_envelope(None, envelope_id)
        st.find_recipient(envelope, recipient_id)
    token = views.issue_view_token(
        st,
        "recipient",
        envelope_id=envelope_id,
        recipient_id=recipient_id,
        return_url=url_for("ui.dashboard"),
    )
    return redirect(url_for("signing.signing_page", token=token))


@bp.get("/_emulator/ui/envelopes/<envelope_id>/documents/<document_id>")
def document(envelope_id: str, document_id: str):
    st = state()
    with st.lock:
        envelope = st.get_envelope(None, envelope_id)
        if document_id == "certificate":
            content = docs.certificate_pdf(envelope)
        else:
            found = next((d for d in envelope["documents"] if d["documentId"] == document_id), None)
            if found is None:
                return Response("Document not found", status=404, content_type="text/plain")
            content = docs.document_pdf(envelope, found)
    return Response(content, content_type="application/pdf")
