"""Our fields, authentication and per-recipient e-mails as DocuSign's recipient properties.

DocuSign types scalars as strings. Positions are `documentId`, `pageNumber`, `xPosition`,
`yPosition` (72 dpi, from the page's top-left: points); anchors are `anchorString`,
`anchorXOffset`, `anchorYOffset`, `anchorUnits` (pixels | inches | mms | cms),
`anchorIgnoreIfNotPresent`. Each tab kind has only some of the common properties (a sign-here
tab has `optional` instead of `required`, and no `locked`, `value` or `fontSize`); a property
the kind does not have is refused with a 400 rather than dropped.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ..errors import BadRequest
from ..models.fields import Anchor, EmailNotification, FieldIn, Position

TAB_GROUPS = {
    "signHere": "signHereTabs",
    "initialHere": "initialHereTabs",
    "dateSigned": "dateSignedTabs",
    "fullName": "fullNameTabs",
    "email": "emailTabs",
    "company": "companyTabs",
    "title": "titleTabs",
    "text": "textTabs",
    "number": "numberTabs",
    "date": "dateTabs",
    "checkbox": "checkboxTabs",
    "radioGroup": "radioGroupTabs",
    "list": "listTabs",
    "approve": "approveTabs",
    "decline": "declineTabs",
    "note": "noteTabs",
}
# The properties each kind has in DocuSign's schema (definitions signHere, text, …).
_EDITABLE = frozenset({"required", "locked", "value", "fontSize", "size"})
SUPPORTED = {
    "signHere": frozenset({"required", "size"}),
    "initialHere": frozenset({"required", "size"}),
    "dateSigned": frozenset({"fontSize", "size"}),
    "fullName": frozenset({"fontSize", "size"}),
    "email": _EDITABLE,
    "company": _EDITABLE,
    "title": _EDITABLE,
    "text": _EDITABLE,
    "number": _EDITABLE,
    "date": _EDITABLE,
    "checkbox": frozenset({"required", "locked", "value", "size"}),
    "radioGroup": frozenset({"required", "locked", "value", "fontSize"}),
    "list": _EDITABLE,
    "approve": frozenset({"fontSize", "size"}),
    "decline": frozenset({"fontSize", "size"}),
    "note": frozenset({"value", "fontSize", "size"}),
}
RADIO_SPACING_POINTS = 20.0
_POINTS_PER_UNIT = {"pixels": 1.0, "inches": 72.0, "mms": 72 / 25.4, "cms": 72 / 2.54}


def _text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:.2f}".rstrip("0")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _units(anchor: Anchor) -> str:
    return "pixels" if anchor.units in (None, "points") else anchor.units


def placement(anchor: Anchor | None, position: Position | None) -> dict[str, str]:
    if anchor is not None:
        return {
            "anchorString": anchor.text,
            "anchorXOffset": _text(anchor.x_offset),
            "anchorYOffset": _text(anchor.y_offset),
            "anchorUnits": _units(anchor),
            "anchorIgnoreIfNotPresent": _flag(anchor.ignore_if_missing),
        }
    assert position is not None
    return {
        "documentId": str(position.document_id),
        "pageNumber": str(position.page),
        "xPosition": _text(round(position.x)),
        "yPosition": _text(round(position.y)),
    }


def _shifted(field: FieldIn, steps: int) -> dict[str, str]:
    """The field's own placement, `steps` radio spacings lower."""
    down = RADIO_SPACING_POINTS * steps
    if field.anchor is not None:
        units = _units(field.anchor)
        moved = field.anchor.model_copy(
            update={"y_offset": field.anchor.y_offset + down / _POINTS_PER_UNIT[units]}
        )
        return placement(moved, None)
    assert field.position is not None
    return placement(None, field.position.model_copy(update={"y": field.position.y + down}))


def _refuse_unsupported(field: FieldIn, where: str) -> None:
    given = {
        "required": field.required is not None,
        "locked": field.locked is not None,
        "value": field.value is not None,
        "fontSize": field.font_size is not None,
        "size": field.width is not None or field.height is not None,
    }
    for name, present in given.items():
        if present and name not in SUPPORTED[field.type]:
            shown = "width/height" if name == "size" else name
            raise BadRequest(
                f"{field.type} fields have no {shown} in DocuSign ({where})",
                code="FIELD_PROPERTY_NOT_ALLOWED",
                details=[{"field": where, "property": shown}],
            )


def tab(field: FieldIn, where: str) -> dict[str, Any]:
    """One field as the DocuSign tab of its kind."""
    _refuse_unsupported(field, where)
    if field.type == "radioGroup":
        return _radio_group(field)
    out: dict[str, Any] = placement(field.anchor, field.position)
    if field.label:
        out["tabLabel"] = field.label
    if field.required is not None:
        if field.type in ("signHere", "initialHere"):
            out["optional"] = _flag(not field.required)
        else:
            out["required"] = _flag(field.required)
    if field.locked is not None:
        out["locked"] = _flag(field.locked)
    if field.width is not None:
        out["width"] = str(field.width)
    if field.height is not None:
        out["height"] = str(field.height)
    if field.font_size is not None:
        out["fontSize"] = f"Size{field.font_size}"
    if field.type == "checkbox":
        out["selected"] = _flag(field.value == "true")
    elif field.type == "list":
        assert field.options is not None
        out["listItems"] = [
            {
                "text": option.text or option.value,
                "value": option.value,
                "selected": _flag(option.selected or option.value == field.value),
            }
            for option in field.options
        ]
        if field.value is not None:
            out["value"] = field.value
    elif field.value is not None:
        out["value"] = field.value
    return out


def _radio_group(field: FieldIn) -> dict[str, Any]:
    assert field.options is not None and field.label is not None
    radios = []
    for index, option in enumerate(field.options):
        if option.anchor is not None or option.position is not None:
            where = placement(option.anchor, option.position)
        else:
            where = _shifted(field, index)
        radio: dict[str, Any] = {
            **{k: v for k, v in where.items() if k != "documentId"},
            "value": option.value,
            "selected": _flag(option.selected or option.value == field.value),
        }
        if field.required is not None:
            radio["required"] = _flag(field.required)
        if field.locked is not None:
            radio["locked"] = _flag(field.locked)
        if field.font_size is not None:
            radio["fontSize"] = f"Size{field.font_size}"
        radios.append(radio)
    group: dict[str, Any] = {"groupName": field.label, "radios": radios}
    document_id = next(
        (p.document_id for p in [field.position, *(o.position for o in field.options)] if p),
        None,
    )
    if document_id is not None:
        group["documentId"] = str(document_id)
    return group


def tabs(fields: list[FieldIn], owner: str) -> dict[str, list[dict[str, Any]]]:
    """DocuSign's `tabs` object for one recipient's fields, in the order given per kind."""
    out: dict[str, list[dict[str, Any]]] = {}
    for index, field in enumerate(fields):
        out.setdefault(TAB_GROUPS[field.type], []).append(tab(field, f"{owner}.fields[{index}]"))
    return out


def email_notification(notification: EmailNotification | None) -> dict[str, Any]:
    if notification is None:
        return {}
    block: dict[str, str] = {}
    if notification.subject is not None:
        block["emailSubject"] = notification.subject
    if notification.body is not None:
        block["emailBody"] = notification.body
    if notification.language is not None:
        block["supportedLanguage"] = notification.language
    return {"emailNotification": block}


def recipient_extras(
    fields: list[FieldIn],
    authentication: dict[str, Any],
    notification: EmailNotification | None,
    owner: str,
) -> dict[str, Any]:
    """The properties a signer-like recipient adds to its name, e-mail and order
    (`authentication`: from `actions.authentication.recipient_authentication`)."""
    extras: dict[str, Any] = {}
    if fields:
        extras["tabs"] = tabs(fields, owner)
    extras.update(authentication)
    extras.update(email_notification(notification))
    return extras


def _hide_access_codes(node: Any, secret: bytes) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "accessCode" and isinstance(value, str):
                digest = hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()
                out[key] = f"hmac-sha256:{digest}"
            else:
                out[key] = _hide_access_codes(value, secret)
        return out
    if isinstance(node, list):
        return [_hide_access_codes(value, secret) for value in node]
    return node


def without_access_codes(payload: dict[str, Any], secret: str) -> dict[str, Any]:
    """The request as the idempotency record may keep it: each access code replaced by an
    HMAC under a secret of the connection, so that the same code still gives the same
    payload but the table holds nothing a short code could be guessed back from."""
    return _hide_access_codes(payload, secret.encode())
