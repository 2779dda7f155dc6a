"""Fewer names than e-mails is SIGNERS_LENGTH_MISMATCH naming both lists, however the names
came: a shorter list, a list padded with null or "", a CSV cell of `;` values, numbered CSV
columns, a template row (whose names are checked before the send model sees them)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from docusign_connector.errors import BadRequest
from docusign_connector.models.csv_rows import csv_records, envelope_body
from docusign_connector.models.requests import SendEnvelopeRequest
from docusign_connector.models.validation import validation_error

DOCUMENT = [{"name": "a.pdf", "contentBase64": "JVBERi0xLjQK"}]
TEMPLATE = "8c5b2b0e-5d5c-4e0b-9d59-0f8f2f1e6a11"


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    try:
        SendEnvelopeRequest.model_validate(body)
    except ValidationError as exc:
        error = validation_error(exc)
        return error.code, error.message
    except BadRequest as error:
        return error.code, error.message
    raise AssertionError("accepted")


def csv_refusal(text: str) -> tuple[str, str]:
    header, rows = csv_records([text.encode()])
    (row,) = list(rows)
    try:
        body = envelope_body(header, row)
    except BadRequest as error:
        return error.code, error.message
    return refusal(body)


@pytest.mark.parametrize(
    "names", [["Ana"], ["Ana", None], ["Ana", ""], ["Ana", None, None]], ids=str
)
def test_the_flat_form(names: list[Any]) -> None:
    code, message = refusal(
        {
            "emailSubject": "S",
            "documents": DOCUMENT,
            "signersEmails": ["ana@example.com", "bo@example.com"],
            "signersNames": names,
        }
    )
    assert code == "SIGNERS_LENGTH_MISMATCH"
    assert "signersEmails has 2 items but signersNames has 1" in message


def test_carbon_copies_too() -> None:
    code, message = refusal(
        {
            "emailSubject": "S",
            "documents": DOCUMENT,
            "signersEmails": ["ana@example.com"],
            "signersNames": ["Ana"],
            "ccEmails": ["cc@example.com", "dd@example.com"],
            "ccNames": ["CC", None],
        }
    )
    assert (code, "ccEmails has 2 items but ccNames has 1" in message) == (
        "CC_LENGTH_MISMATCH",
        True,
    )


def test_a_null_name_amid_the_list_is_that_signer_s_missing_name() -> None:
    code, message = refusal(
        {
            "emailSubject": "S",
            "documents": DOCUMENT,
            "signersEmails": ["ana@example.com", "bo@example.com"],
            "signersNames": [None, "Bo"],
        }
    )
    assert (code, message) == (
        "RECIPIENT_NAME_REQUIRED",
        "every recipient needs a name (signers[0].name)",
    )


@pytest.mark.parametrize(
    "text",
    [
        "emailSubject,signersEmails,signersNames,documentS3Keys\n"
        "S,ana@example.com;bo@example.com,Ana,inbox/c/a.pdf\n",
        "emailSubject,signersEmails1,signersNames1,signersEmails2,signersNames2,documentS3Keys\n"
        "S,ana@example.com,Ana,bo@example.com,,inbox/c/a.pdf\n",
        "emailSubject,signersEmails1,signersNames1,signersEmails2,documentS3Keys\n"
        "S,ana@example.com,Ana,bo@example.com,inbox/c/a.pdf\n",
        "emailSubject,templateId,roleNames,signersEmails,signersNames\n"
        f"S,{TEMPLATE},Customer;Sales,ana@example.com;bo@example.com,Ana\n",
    ],
    ids=["semicolons", "numbered", "numbered-missing-column", "template"],
)
def test_a_csv_row(text: str) -> None:
    code, message = csv_refusal(text)
    assert code == "SIGNERS_LENGTH_MISMATCH"
    assert "signersEmails has 2" in message and "signersNames has 1" in message
