"""Bulk CSV parsing: byte order mark, quotes, blank lines, numbered and `;` lists, bad rows."""

from __future__ import annotations

import pytest

from docusign_connector.errors import BadRequest
from docusign_connector.models.csv_rows import csv_records, envelope_body, spreadsheet_safe


def parse(text: str | bytes, chunk: int = 7) -> tuple[list[str], list]:
    data = text.encode() if isinstance(text, str) else text
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    header, rows = csv_records(chunks)
    return header, list(rows)


def test_bom_quotes_and_blank_lines() -> None:
    text = (
        "\ufeffemailSubject,signersEmails,signersNames,documentS3Keys,customField.dept\r\n"
        "\r\n"
        '"Offer, 2024",ana@example.com,"Smith, Ana",inbox/c/a.pdf,HR\r\n'
        "   \r\n"
        '"He said ""sign""\nplease",bo@example.com;cy@example.com,Bo;Cy,inbox/c/b.pdf,\r\n'
    )
    header, rows = parse(text)
    assert header[0] == "emailSubject"
    assert [r.number for r in rows] == [1, 2]
    first = envelope_body(header, rows[0])
    assert first == {
        "emailSubject": "Offer, 2024",
        "signersEmails": ["ana@example.com"],
        "signersNames": ["Smith, Ana"],
        "documents": [{"name": "a.pdf", "s3Key": "inbox/c/a.pdf"}],
        "customFields": {"dept": "HR"},
    }
    second = envelope_body(header, rows[1])
    assert second["emailSubject"] == 'He said "sign"\nplease'
    assert second["signersEmails"] == ["bo@example.com", "cy@example.com"]
    assert "customFields" not in second


def test_a_multibyte_character_split_across_chunks() -> None:
    text = "emailSubject,signersNames\nContrat signé,Zoë\n".encode()
    for size in range(1, 6):
        _, rows = parse(text, chunk=size)
        assert rows[0].values == ["Contrat signé", "Zoë"]


def test_numbered_columns() -> None:
    header, rows = parse(
        "emailSubject,signersEmails1,signersNames1,signatureOrder1,"
        "signersEmails2,signersNames2,signatureOrder2,documentS3Keys1,documentNames1\n"
        "S,a@example.com,A,1,b@example.com,B,2,inbox/c/x.pdf,Offer.pdf\n"
        "S,a@example.com,A,,,,,inbox/c/x.pdf,\n"
    )
    body = envelope_body(header, rows[0])
    assert body["signersEmails"] == ["a@example.com", "b@example.com"]
    assert body["signatureOrder"] == ["1", "2"]
    assert body["documents"] == [{"name": "Offer.pdf", "s3Key": "inbox/c/x.pdf"}]
    assert envelope_body(header, rows[1])["signersEmails"] == ["a@example.com"]


def test_a_thousand_rows() -> None:
    lines = ["emailSubject,signersEmails,signersNames,documentS3Keys"]
    lines += [f"Row {i},p{i}@example.com,Person {i},inbox/c/doc.pdf" for i in range(1, 1001)]
    header, rows = parse("\n".join(lines) + "\n", chunk=4096)
    assert len(rows) == 1000
    assert envelope_body(header, rows[-1])["signersEmails"] == ["p1000@example.com"]


def test_a_row_with_too_many_cells_is_that_row_s_error() -> None:
    header, rows = parse("emailSubject,signersEmails\nA,a@example.com,extra\nB,b@example.com\n")
    with pytest.raises(BadRequest) as bad:
        envelope_body(header, rows[0])
    assert bad.value.code == "INVALID_CSV_ROW"
    assert envelope_body(header, rows[1])["emailSubject"] == "B"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "INVALID_CSV"),
        ("\n\n", "INVALID_CSV"),
        ("emailSubject,signerEmail\nA,b\n", "INVALID_CSV_HEADER"),
        ("emailSubject,emailSubject\nA,B\n", "INVALID_CSV_HEADER"),
        ("signersEmails\na@example.com\n", "INVALID_CSV_HEADER"),
        ("emailSubject,signersEmails,signersEmails1\nA,b,c\n", "INVALID_CSV_HEADER"),
    ],
)
def test_bad_headers(text: str, code: str) -> None:
    with pytest.raises(BadRequest) as bad:
        parse(text)
    assert bad.value.code == code


def test_not_utf8() -> None:
    with pytest.raises(BadRequest) as bad:
        parse("emailSubject\nsign\xe9\n".encode("latin-1"))
    assert bad.value.code == "INVALID_CSV_ENCODING"


def test_authentication_columns_belong_to_the_signer_of_the_same_number() -> None:
    header, rows = parse(
        "emailSubject,signersEmails1,signersNames1,signersAccessCodes1,"
        "signersEmails2,signersNames2,signersSmsNumbers2,documentS3Keys\n"
        "S,a@example.com,A,,b@example.com,B,+15551234567,inbox/c/x.pdf\n"
        "S,a@example.com,A,4711,,,,inbox/c/x.pdf\n"
    )
    first = envelope_body(header, rows[0])
    assert "signersAccessCodes" not in first  # no signer has one
    assert first["signersSmsNumbers"] == [None, "+15551234567"]
    assert envelope_body(header, rows[1])["signersAccessCodes"] == ["4711"]


def test_a_value_for_a_signer_without_an_email_is_that_row_s_error() -> None:
    header, rows = parse(
        "emailSubject,signersEmails1,signersNames1,signersNames2,documentS3Keys\n"
        "S,a@example.com,A,B,inbox/c/x.pdf\n"
    )
    with pytest.raises(BadRequest) as bad:
        envelope_body(header, rows[0])
    assert bad.value.code == "INVALID_CSV_ROW" and "signer 2" in bad.value.message


def test_separated_lists_keep_each_signer_s_place() -> None:
    header, rows = parse(
        "emailSubject,signersEmails,signersNames,signersPhoneNumbers,documentS3Keys\n"
        "S,a@example.com;b@example.com,A;B,;+15551234567,inbox/c/x.pdf\n"
    )
    assert envelope_body(header, rows[0])["signersPhoneNumbers"] == [None, "+15551234567"]


def test_a_template_row_fills_roles_and_their_fields() -> None:
    header, rows = parse(
        "emailSubject,templateId,roleNames,signersEmails,signersNames,signersAccessCodes,"
        "field.orderNo,field.size,field2.region,customField.batch\n"
        "S,tpl-1,Customer;Sales,cy@example.com;s@example.com,Cy;Sal,;99,4711,L,North,B7\n"
    )
    assert envelope_body(header, rows[0]) == {
        "emailSubject": "S",
        "templateId": "tpl-1",
        "customFields": {"batch": "B7"},
        "templateRoles": [
            {
                "roleName": "Customer",
                "email": "cy@example.com",
                "name": "Cy",
                "signingOrder": None,
                "fields": [{"label": "orderNo", "value": "4711"}, {"label": "size", "value": "L"}],
            },
            {
                "roleName": "Sales",
                "email": "s@example.com",
                "name": "Sal",
                "signingOrder": None,
                "authentication": {"accessCode": "99"},
                "fields": [{"label": "region", "value": "North"}],
            },
        ],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Field values and role names mean nothing without a template.
        ("emailSubject,signersEmails,signersNames,field.x\nS,a@example.com,A,1\n", "templateId"),
        ("emailSubject,signersEmails,signersNames,roleNames\nS,a@example.com,A,R\n", "templateId"),
        # Every recipient of a template send names its role.
        ("emailSubject,templateId,signersEmails,signersNames\nS,t,a@example.com,A\n", "roleNames"),
        # A field for a third signer in a row of one.
        (
            "emailSubject,templateId,roleNames,signersEmails,signersNames,field3.x\n"
            "S,t,R,a@example.com,A,1\n",
            "signer 3",
        ),
        # One authentication method per signer.
        (
            "emailSubject,templateId,roleNames,signersEmails,signersNames,signersAccessCodes,"
            "signersSmsNumbers\nS,t,R,a@example.com,A,1,+15551234567\n",
            "one at most",
        ),
    ],
)
def test_template_rows_that_do_not_fit_together(text: str, message: str) -> None:
    header, rows = parse(text)
    with pytest.raises(BadRequest) as bad:
        envelope_body(header, rows[0])
    assert bad.value.code == "INVALID_CSV_ROW" and message in bad.value.message


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("https://evil.example")', '\'=HYPERLINK("https://evil.example")'),
        ("+1-555", "'+1-555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("'=1' is not a valid e-mail address", "'=1' is not a valid e-mail address"),
        ("sent", "sent"),
        (12, "12"),
    ],
)
def test_result_cells_never_open_as_formulas(cell: object, written: str) -> None:
    assert spreadsheet_safe(cell) == written


def test_a_template_row_with_sms_authentication_is_refused_by_the_send_model() -> None:
    from pydantic import ValidationError

    from docusign_connector.models.requests import SendEnvelopeRequest

    header, rows = parse(
        "emailSubject,templateId,roleNames,signersEmails,signersNames,signersSmsNumbers\n"
        "S,t,R,a@example.com,A,+15551234567\n"
    )
    with pytest.raises(ValidationError) as refused:
        SendEnvelopeRequest.model_validate(envelope_body(header, rows[0]))
    assert "TEMPLATE_ROLE_AUTHENTICATION" in str(refused.value)


def test_signature_anchors_per_signer_and_not_on_template_rows() -> None:
    header, rows = parse(
        "emailSubject,signersEmails1,signersNames1,signersAnchors1,"
        "signersEmails2,signersNames2,signersAnchors2,documentS3Keys\n"
        "S,a@example.com,A,/sig1/,b@example.com,B,,inbox/c/x.pdf\n"
    )
    assert envelope_body(header, rows[0])["signersAnchors"] == ["/sig1/", None]
    header, rows = parse(
        "emailSubject,templateId,roleNames,signersEmails,signersNames,signersAnchors\n"
        "S,t,R,a@example.com,A,/sig1/\n"
    )
    with pytest.raises(BadRequest) as bad:
        envelope_body(header, rows[0])
    assert bad.value.code == "INVALID_CSV_ROW" and "signersAnchors" in bad.value.message
