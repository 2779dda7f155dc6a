"""Bulk-send CSV files: one envelope per row, columns named as the flat form.

The file is UTF-8, with or without a byte order mark, comma-separated, with a header row;
fields may be quoted (`"Smith, Ana"`, quotes doubled inside, line breaks allowed). Blank lines
are skipped. An empty cell is an absent value. Columns:

- `emailSubject`, `emailBlurb`, `status` (`sent` or `created`), `senderEmail` or `senderUserId`
  (the row is sent as that user, DESIGN §12), and the flat form's
  `enableExpiration`, `validityDays`, `expirationNoticeDays`, `enableReminder`,
  `firstReminderDays`, `reminderIntervalDays`;
- recipients and documents as lists: `signersEmails`, `signersNames`, `signatureOrder`,
  `ccEmails`, `ccNames`, `documentS3Keys`, `documentNames`. A list is either one column with
  `;`-separated values (`ana@example.com;bo@example.com`) or numbered columns
  (`signersEmails1`, `signersEmails2`, …), not both. Documents are S3 keys in the
  connection's inbox; a document's name defaults to the key's file name;
- `customField.<name>`: the envelope custom field `<name>`;
- per signer, parallel to `signersEmails`: `signersAccessCodes`, `signersSmsNumbers`,
  `signersPhoneNumbers` (one authentication method per signer at most; template rows take
  access codes only), and `signersAnchors`, the text in the documents where that signer signs;
- a template send: `templateId`, with `roleNames` parallel to `signersEmails` (each signer takes
  the template role of that name; no documents, no CCs), and `field.<label>` (signer 1's role)
  or `field<N>.<label>` (signer N's role): the value of the role's template field `<label>`.

With numbered columns, a column of signer N belongs to the signer of `signersEmailsN`: a row
may leave a signer's access code or order empty, and a value for a signer without an e-mail is
that row's error. Rows are numbered from 1 (the header and blank lines are not rows).
"""

from __future__ import annotations

import codecs
import csv
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest
from .flat_form import FLAT_ANCHOR_LIST, FLAT_AUTH_LISTS, given_names

SCALAR_COLUMNS = frozenset(
    {
        "templateId",
        "senderEmail",
        "senderUserId",
        "emailSubject",
        "emailBlurb",
        "status",
        "enableExpiration",
        "validityDays",
        "expirationNoticeDays",
        "enableReminder",
        "firstReminderDays",
        "reminderIntervalDays",
    }
)
# Columns of one value per signer, matched to `signersEmails` by position.
SIGNER_COLUMNS = (
    "signersNames",
    "signatureOrder",
    "roleNames",
    *FLAT_AUTH_LISTS,
    FLAT_ANCHOR_LIST,
)
LIST_COLUMNS = (
    "signersEmails",
    *SIGNER_COLUMNS,
    "ccEmails",
    "ccNames",
    "documentS3Keys",
    "documentNames",
)
CUSTOM_FIELD_PREFIX = "customField."
_NUMBERED = re.compile(r"(" + "|".join(LIST_COLUMNS) + r")([1-9][0-9]{0,2})")
# `field.<label>` (signer 1) or `field<N>.<label>`: a template field's value.
_FIELD = re.compile(r"field([1-9][0-9]{0,2})?\.(.+)", re.DOTALL)
LIST_SEPARATOR = ";"
MAX_COLUMNS = 500
# One physical line of the file (a quoted value may span several). Far above any real row
# (500 columns of 100-character values is 50,000), low enough to be refused before it is read.
MAX_LINE_CHARS = 1_000_000


# A cell starting with one of these is run as a formula by spreadsheet programs ("CSV
# injection"): a result cell that would start with one is written after a single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """A result CSV cell that opens in a spreadsheet as the text it is, never as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class CsvRow:
    number: int
    values: list[str]


def decoded_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """UTF-8 text (a leading byte order mark dropped) cut into lines that keep their line
    ends, read chunk by chunk: quoted line breaks reach the CSV reader intact.

    Linear in the size of the file: each chunk is searched once, and a line that spans chunks
    is joined once. A line longer than MAX_LINE_CHARS is the file's error, found before more
    of it is read."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pieces: list[str] = []  # the start of the current line, from earlier chunks
    held = 0  # characters in `pieces`
    line_number = 0
    for chunk in chunks:
        text = decoder.decode(chunk)
        start = 0
        while (end := text.find("\n", start)) != -1:
            line_number += 1
            if held + end + 1 - start > MAX_LINE_CHARS:
                raise _line_too_long(line_number)
            pieces.append(text[start : end + 1])
            yield "".join(pieces)
            pieces, held, start = [], 0, end + 1
        if start < len(text):
            pieces.append(text[start:])
            held += len(text) - start
            if held > MAX_LINE_CHARS:
                raise _line_too_long(line_number + 1)
    pieces.append(decoder.decode(b"", final=True))
    rest = "".join(pieces)
    if rest:
        yield rest


def _line_too_long(line_number: int) -> BadRequest:
    return BadRequest(
        f"line {line_number} of the CSV file is longer than {MAX_LINE_CHARS} characters",
        code="CSV_LINE_TOO_LONG",
    )


def csv_records(chunks: Iterable[bytes]) -> tuple[list[str], Iterator[CsvRow]]:
    """The header and the data rows (blank ones skipped) of a CSV file read in chunks.
    A missing or malformed header is a `BadRequest`; a bad row is found by `envelope_body`."""
    try:
        reader = csv.reader(decoded_lines(chunks), strict=True)
        header = next((r for r in reader if any(cell.strip() for cell in r)), None)
    except UnicodeDecodeError:
        raise BadRequest("the CSV file is not UTF-8 text", code="INVALID_CSV_ENCODING") from None
    except csv.Error as exc:
        raise BadRequest(f"the CSV header cannot be read: {exc}", code="INVALID_CSV") from None
    if header is None:
        raise BadRequest("the CSV file is empty; a header row is required", code="INVALID_CSV")
    header = [name.strip() for name in header]
    check_header(header)

    def rows() -> Iterator[CsvRow]:
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise BadRequest(
                    "the CSV file is not UTF-8 text", code="INVALID_CSV_ENCODING"
                ) from None
            except csv.Error as exc:
                # The rest of the file cannot be read reliably past a broken quote.
                raise BadRequest(
                    f"the CSV file cannot be read after row {number}: {exc}", code="INVALID_CSV"
                ) from None
            if not any(cell.strip() for cell in values):
                continue
            number += 1
            yield CsvRow(number, values)

    return header, rows()


def check_header(header: list[str]) -> None:
    if len(header) > MAX_COLUMNS:
        raise BadRequest(f"at most {MAX_COLUMNS} columns", code="INVALID_CSV_HEADER")
    seen: set[str] = set()
    unknown: list[str] = []
    for name in header:
        if name in seen:
            raise BadRequest(f"column '{name[:100]}' appears twice", code="INVALID_CSV_HEADER")
        seen.add(name)
        known = (
            name in SCALAR_COLUMNS
            or name in LIST_COLUMNS
            or _NUMBERED.fullmatch(name) is not None
            or (name.startswith(CUSTOM_FIELD_PREFIX) and len(name) > len(CUSTOM_FIELD_PREFIX))
            or _FIELD.fullmatch(name) is not None
        )
        if not known:
            unknown.append(name[:100])
    if unknown:
        raise BadRequest(
            "unknown CSV columns: " + ", ".join(unknown[:20]),
            code="INVALID_CSV_HEADER",
            details=[{"columns": unknown[:20]}],
        )
    for column in LIST_COLUMNS:
        numbered = any((m := _NUMBERED.fullmatch(n)) and m.group(1) == column for n in header)
        if column in seen and numbered:
            raise BadRequest(
                f"'{column}' is given both as one column and as numbered columns",
                code="INVALID_CSV_HEADER",
            )
    if "emailSubject" not in seen:
        raise BadRequest("the CSV needs an emailSubject column", code="INVALID_CSV_HEADER")


def envelope_body(header: list[str], row: CsvRow) -> dict[str, Any]:
    """The send body of one row (the flat form, or template roles for a template send); a
    `BadRequest` for a row whose cells do not fit together."""
    if len(row.values) > len(header):
        raise BadRequest(
            f"row {row.number} has {len(row.values)} cells but the header has {len(header)}",
            code="INVALID_CSV_ROW",
        )
    body: dict[str, Any] = {}
    lists: dict[str, dict[int, str]] = {}
    custom: dict[str, str] = {}
    fields: dict[int, list[dict[str, str]]] = {}
    for name, raw in zip(header, row.values, strict=False):
        value = raw.strip()
        if not value:
            continue
        if name in SCALAR_COLUMNS:
            body[name] = value
        elif name in LIST_COLUMNS:
            parts = [part.strip() for part in value.split(LIST_SEPARATOR)]
            lists[name] = dict(enumerate(parts, start=1))
        elif name.startswith(CUSTOM_FIELD_PREFIX):
            custom[name[len(CUSTOM_FIELD_PREFIX) :]] = value
        elif field := _FIELD.fullmatch(name):
            signer = int(field.group(1) or 1)
            fields.setdefault(signer, []).append({"label": field.group(2), "value": value})
        else:
            match = _NUMBERED.fullmatch(name)
            assert match is not None  # the header was checked
            lists.setdefault(match.group(1), {})[int(match.group(2))] = value
    signers = sorted(lists.get("signersEmails", {}))
    for column, positions in lists.items():
        if column in SIGNER_COLUMNS and signers:
            extra = sorted(set(positions) - set(signers))
            if extra and any(positions[i] for i in extra):
                raise BadRequest(
                    f"row {row.number}: {column} has a value for signer {extra[0]}, who has no "
                    "e-mail in signersEmails",
                    code="INVALID_CSV_ROW",
                )
            values: list[str | None] = [positions.get(i) or None for i in signers]
        else:
            # Numbered columns may skip a number for one row: the list keeps its order.
            values = [positions[i] for i in sorted(positions)]
        if column in ("signatureOrder", FLAT_ANCHOR_LIST) or column in FLAT_AUTH_LISTS:
            if any(values):
                body[column] = [v or None for v in values]
        elif column not in ("documentS3Keys", "documentNames"):
            body[column] = values
    _documents(body, lists, row.number)
    if custom:
        body["customFields"] = custom
    if body.get("templateId"):
        return _template_roles(body, fields, row.number)
    if fields or "roleNames" in body:
        raise BadRequest(
            f"row {row.number}: roleNames and field columns need a templateId",
            code="INVALID_CSV_ROW",
        )
    return body


def _documents(body: dict[str, Any], lists: dict[str, dict[int, str]], number: int) -> None:
    keys = [lists["documentS3Keys"][i] for i in sorted(lists.get("documentS3Keys", {}))]
    names = [lists["documentNames"][i] for i in sorted(lists.get("documentNames", {}))]
    if names and len(names) != len(keys):
        raise BadRequest(
            f"row {number}: documentNames has {len(names)} values but documentS3Keys has "
            f"{len(keys)}",
            code="INVALID_CSV_ROW",
        )
    if keys:
        body["documents"] = [
            {"name": names[i] if names else posixpath.basename(key) or key, "s3Key": key}
            for i, key in enumerate(keys)
        ]


def _template_roles(
    body: dict[str, Any], fields: dict[int, list[dict[str, str]]], number: int
) -> dict[str, Any]:
    """A template send: signer N fills role `roleNames[N]`, with the values of its fields."""
    emails: list[str] = body.pop("signersEmails", [])
    columns = {c: body.pop(c, None) or [None] * len(emails) for c in SIGNER_COLUMNS}
    for column in ("signersNames", "roleNames"):
        names = given_names(columns[column])
        if len(names) != len(emails):
            raise BadRequest(
                f"row {number}: signersEmails has {len(emails)} values but {column} has "
                f"{len(names)}; a template send needs a {column} value for each signer",
                code="SIGNERS_LENGTH_MISMATCH" if column == "signersNames" else "INVALID_CSV_ROW",
                details=[{"lists": ["signersEmails", column]}],
            )
    if any(columns[FLAT_ANCHOR_LIST]):
        raise BadRequest(
            f"row {number}: signersAnchors places signatures in documents; a template send "
            "takes its fields from the template",
            code="INVALID_CSV_ROW",
        )
    if None in columns["roleNames"]:
        raise BadRequest(
            f"row {number}: signer {columns['roleNames'].index(None) + 1} has no roleNames "
            "value; a template send names the role of each recipient",
            code="INVALID_CSV_ROW",
        )
    if fields and max(fields) > len(emails):
        raise BadRequest(
            f"row {number}: field{max(fields)}.… is for signer {max(fields)}, but the row has "
            f"{len(emails)}",
            code="INVALID_CSV_ROW",
        )
    roles = []
    for index, email in enumerate(emails):
        role: dict[str, Any] = {
            "roleName": columns["roleNames"][index],
            "email": email,
            "name": columns["signersNames"][index],
            "signingOrder": columns["signatureOrder"][index],
        }
        methods = {
            method: columns[column][index]
            for column, method in FLAT_AUTH_LISTS.items()
            if index < len(columns[column]) and columns[column][index]
        }
        if len(methods) > 1:
            raise BadRequest(
                f"row {number}: signer {index + 1} is given {len(methods)} authentication "
                "methods; one at most",
                code="INVALID_CSV_ROW",
            )
        if methods:
            role["authentication"] = methods
        if fields.get(index + 1):
            role["fields"] = fields[index + 1]
        roles.append(role)
    body["templateRoles"] = roles
    return body
