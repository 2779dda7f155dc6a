"""DocGen values against their fields' types (DocuSign's Number, Date and Select rules), and
the PUT body they make: pure logic, no DocuSign."""

from __future__ import annotations

import pytest

from docusign_connector.actions.docgen import check_values
from docusign_connector.errors import BadRequest

ENTRIES = [
    {
        "documentId": "doc-a",
        "docGenFormFieldList": [
            {"name": "Amount", "type": "Number", "required": "False"},
            {"name": "When", "type": "Date", "required": "False"},
            {"name": "Who", "type": "TextBox", "required": "True"},
        ],
    },
    {
        "documentId": "doc-b",
        "docGenFormFieldList": [
            {"name": "Who", "type": "TextBox", "required": "False"},
            {
                "name": "Plan",
                "type": "Select",
                "required": "False",
                "options": [{"value": "Basic"}, {"value": "Pro"}],
            },
        ],
    },
]


@pytest.mark.parametrize(
    "amount", ["0", "-1", "1234", "1,234", "1,234,567.89", "-999,999,999.99", "12.5", ""]
)
def test_numbers_docusign_takes(amount: str) -> None:
    check_values(ENTRIES, {"Who": "A", "Amount": amount})


@pytest.mark.parametrize(
    "amount", ["1,23", "1.234", "1e3", "999999999.999", "1000000000", "12,", "+5", "1 000"]
)
def test_numbers_docusign_does_not_define(amount: str) -> None:
    with pytest.raises(BadRequest) as refused:
        check_values(ENTRIES, {"Who": "A", "Amount": amount})
    assert refused.value.code == "DOCGEN_FIELD_INVALID"
    assert refused.value.details[0]["field"] == "Amount"


@pytest.mark.parametrize("when", ["03/01/2027", "31/12/2027", "2027/12/31"])
def test_dates_in_docusigns_formats(when: str) -> None:
    check_values(ENTRIES, {"Who": "A", "When": when})


@pytest.mark.parametrize("when", ["2027-12-31", "02/30/2027", "3/1/2027", "31/31/2027", "today"])
def test_dates_outside_docusigns_formats(when: str) -> None:
    with pytest.raises(BadRequest) as refused:
        check_values(ENTRIES, {"Who": "A", "When": when})
    assert refused.value.code == "DOCGEN_FIELD_INVALID"


def test_a_name_shared_by_two_documents_fills_both() -> None:
    body = check_values(ENTRIES, {"Who": "Peggy", "Plan": "Pro"})
    assert body == {
        "docGenFormFields": [
            {"documentId": "doc-a", "docGenFormFieldList": [{"name": "Who", "value": "Peggy"}]},
            {
                "documentId": "doc-b",
                "docGenFormFieldList": [
                    {"name": "Who", "value": "Peggy"},
                    {"name": "Plan", "value": "Pro"},
                ],
            },
        ]
    }


def test_select_values_are_matched_exactly() -> None:
    with pytest.raises(BadRequest) as refused:
        check_values(ENTRIES, {"Who": "A", "Plan": "pro"})
    assert refused.value.code == "DOCGEN_FIELD_INVALID"


def test_required_and_unknown_names() -> None:
    with pytest.raises(BadRequest) as missing:
        check_values(ENTRIES, {"Plan": "Pro"})
    assert missing.value.code == "DOCGEN_FIELD_REQUIRED"
    with pytest.raises(BadRequest) as unknown:
        check_values(ENTRIES, {"Who": "A", "Bonus": "1"})
    assert unknown.value.code == "DOCGEN_FIELD_UNKNOWN"
    assert unknown.value.details[0] == {"field": "Bonus"}


def test_docgen_fields_need_one_template_id() -> None:
    from pydantic import ValidationError

    from docusign_connector.models.requests import SendEnvelopeRequest

    with pytest.raises(ValidationError) as refused:
        SendEnvelopeRequest.model_validate(
            {
                "emailSubject": "x",
                "templates": [
                    {
                        "templateId": "5a3c1e2b-7d4f-4b8a-9c6e-1f2a3b4c5d6e",
                        "roles": [{"roleName": "A", "email": "a@example.com", "name": "A"}],
                    }
                ],
                "docGenFields": {"Who": "A"},
            }
        )
    assert "DOCGEN_NEEDS_ONE_TEMPLATE" in {e["type"] for e in refused.value.errors()}
