"""The fields and authentication models: what never leaks, and what stays cheap."""

from __future__ import annotations

import subprocess
import sys

from docusign_connector.actions.tabs import without_access_codes
from docusign_connector.models.requests import SendEnvelopeRequest


def test_access_code_never_in_a_repr_or_the_idempotency_payload() -> None:
    request = SendEnvelopeRequest.model_validate(
        {
            "emailSubject": "x",
            "documents": [{"name": "a.pdf", "contentBase64": "JVBERi0x"}],
            "signers": [
                {"email": "a@example.com", "name": "A", "authentication": {"accessCode": "9911"}}
            ],
        }
    )
    assert "9911" not in repr(request) and "9911" not in str(request)
    payload = without_access_codes(request.model_dump(mode="json", by_alias=True), "k")
    assert "9911" not in str(payload)
    again = without_access_codes(request.model_dump(mode="json", by_alias=True), "k")
    assert payload == again  # the same code gives the same payload: idempotency still works
    other_key = without_access_codes(request.model_dump(mode="json", by_alias=True), "j")
    assert other_key != payload


def test_a_send_handler_does_not_load_the_pdf_reader() -> None:
    code = "import sys, functions.send_envelope.app; print('pypdf' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": ".:layers/shared", "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert out.stdout.strip() == "False"
