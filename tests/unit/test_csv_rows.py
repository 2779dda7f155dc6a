"""Bulk CSV parsing: byte order mark, quotes, blank lines, numbered and `;` lists, bad rows."""

from __future__ import annotations

import pytest

from docusign_connector.errors import BadRequest
from docusign_connector.models.csv_rows import csv_records, envelope_body


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
