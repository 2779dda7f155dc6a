"""What the API descriptions say of each path parameter and header of the route table: a label,
a description and the pattern the code enforces (from `ids`), so a description never promises
less or more than the handlers accept."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ids import CONNECTION_NAME, ENVELOPE_ID, RECIPIENT_ID, TEMPLATE_ID


@dataclass(frozen=True)
class PathParameter:
    name: str
    title: str
    description: str
    pattern: re.Pattern[str]

    @property
    def anchored(self) -> str:
        """The pattern as a description states it: the whole value must match."""
        return f"^{self.pattern.pattern}$"


PATH_PARAMETERS: dict[str, PathParameter] = {
    parameter.name: parameter
    for parameter in (
        PathParameter(
            "connection",
            "Connection",
            "The name of the DocuSign connection the operator registered (python -m admin "
            "put NAME): lowercase letters, digits and '-'.",
            CONNECTION_NAME,
        ),
        PathParameter(
            "envelopeId",
            "Envelope ID",
            "The DocuSign envelope id (a GUID), as the send answered it.",
            ENVELOPE_ID,
        ),
        PathParameter(
            "recipientId",
            "Recipient ID",
            "The recipient's recipientId (a number), as the envelope's status lists it.",
            RECIPIENT_ID,
        ),
        PathParameter(
            "templateId",
            "Template ID",
            "The DocuSign template id (a GUID), as the template list answers it.",
            TEMPLATE_ID,
        ),
    )
}


@dataclass(frozen=True)
class Header:
    name: str
    title: str
    description: str


HEADERS: dict[str, Header] = {
    "Idempotency-Key": Header(
        "Idempotency-Key",
        "Idempotency Key",
        "Any text that names this send, e.g. the workflow's case and step: the same key with "
        "the same body answers the first send again and never creates a second envelope; the "
        "same key with another body is a 409.",
    ),
}

# Labels a property name gets where splitting its camelCase is not enough.
_WORDS = {
    "id": "ID",
    "ids": "IDs",
    "url": "URL",
    "uri": "URI",
    "sms": "SMS",
    "cc": "CC",
    "pdf": "PDF",
    "sha256": "SHA-256",
    "s3": "S3",
    "ascii": "ASCII",
}


def title_of(name: str) -> str:
    """A label for a property or parameter name: `signersEmails` → `Signers Emails`,
    `envelopeId` → `Envelope ID`, `s3Key` → `S3 Key`."""
    words = re.findall(r"[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*(?![a-z])|[0-9]+", name) or [name]
    return " ".join(_WORDS.get(word.lower(), word[:1].upper() + word[1:]) for word in words)
