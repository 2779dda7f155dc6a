"""Identifiers the connector accepts, checked against the whole string (`fullmatch`): a
trailing newline or any other extra character never passes."""

from __future__ import annotations

import re

from .errors import BadRequest

CONNECTION_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
ENVELOPE_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
# DocuSign template ids are GUIDs, like envelope ids.
TEMPLATE_ID = ENVELOPE_ID
# DocuSign's recipientId: a positive number (the connector numbers recipients from 1).
RECIPIENT_ID = re.compile(r"[1-9][0-9]{0,8}")


def is_connection_name(value: object) -> bool:
    return isinstance(value, str) and CONNECTION_NAME.fullmatch(value) is not None


def is_envelope_id(value: object) -> bool:
    return isinstance(value, str) and ENVELOPE_ID.fullmatch(value) is not None


def validate_connection_name(name: object) -> str:
    if not is_connection_name(name):
        raise BadRequest(
            "connection names are 1-63 characters: lowercase letters, digits and '-', "
            "starting with a letter or digit",
            code="INVALID_CONNECTION_NAME",
        )
    assert isinstance(name, str)
    return name


def is_template_id(value: object) -> bool:
    return isinstance(value, str) and TEMPLATE_ID.fullmatch(value) is not None


def validate_template_id(value: object) -> str:
    if not isinstance(value, str) or not is_template_id(value):
        raise BadRequest(
            "templateId must be a DocuSign template id (a GUID)", code="INVALID_TEMPLATE_ID"
        )
    return value
