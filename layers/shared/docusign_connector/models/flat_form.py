"""The flat form BPM tools send (parallel lists and flags) folded into the nested send body.

`signersEmails`, `signersNames`, `signatureOrder` (may hold nulls), `ccEmails`, `ccNames`,
`enableExpiration`, `validityDays`, `expirationNoticeDays`, `enableReminder`,
`firstReminderDays`, `reminderIntervalDays` mean the same as the nested fields.
`signersAccessCodes`, `signersSmsNumbers`, `signersPhoneNumbers` are each signer's
`authentication`, and `signersAnchors` the text where each signer signs: a `signHere` field at
every place that text appears in the documents (`fields: [{"type": "signHere", "anchor":
{"text": …}}]`). Null or "" in any of these means none for that signer.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import PydanticCustomError

FLAT_SIGNER_LISTS = ("signersEmails", "signersNames", "signatureOrder")
# Per-signer authentication, parallel to signersEmails; null or "" means none for that signer.
FLAT_AUTH_LISTS = {
    "signersAccessCodes": "accessCode",
    "signersSmsNumbers": "sms",
    "signersPhoneNumbers": "phone",
}
# Where each signer signs, parallel to signersEmails.
FLAT_ANCHOR_LIST = "signersAnchors"
FLAT_CC_LISTS = ("ccEmails", "ccNames")
FLAT_SCALARS = (
    "enableExpiration",
    "validityDays",
    "expirationNoticeDays",
    "enableReminder",
    "firstReminderDays",
    "reminderIntervalDays",
)


# The days a sender may give, as DocuSign's Reminders and Expiration settings take them
# (eSignature Admin guide: an envelope expires after 1 to 999 days, 120 by default; reminders
# and the expiration warning count days the same way; the REST reference types them as integer
# strings without a range). The nested form's field each flat one means, and the least value.
MAX_DAYS = 999
FLAT_DAYS = {
    "validityDays": ("validityDays", 1),
    "expirationNoticeDays": ("noticeDaysBefore", 0),
    "firstReminderDays": ("firstReminderDays", 0),
    "reminderIntervalDays": ("intervalDays", 1),
}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_WHOLE = re.compile(r"[+-]?[0-9]+")


def _check_days(data: dict[str, Any]) -> None:
    """Each day count in range, whether or not its enable flag is given (without the flag it
    is not applied, but a number DocuSign could not take is never accepted silently). The code
    is the nested form's (`INVALID_VALIDITY_DAYS`, …)."""
    for key, (nested, least) in FLAT_DAYS.items():
        value = data.get(key)
        if value in (None, ""):
            continue
        whole: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            whole = value
        elif isinstance(value, float) and value.is_integer():
            whole = int(value)
        elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
            whole = int(value.strip())
        if whole is None or not least <= whole <= MAX_DAYS:
            raise PydanticCustomError(
                "INVALID_" + _CAMEL.sub("_", nested).upper(),
                "{key} must be a whole number of days from {least} to {most}",
                {"key": key, "least": least, "most": MAX_DAYS},
            )


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _as_list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PydanticCustomError("INVALID_LIST", "{key} must be a list", {"key": key})
    return value


def given_names(names: list[Any]) -> list[Any]:
    """A list of names as given: null or "" at its end is no name at all (a BPM tool, or a
    CSV row, that pads the list says as little as one that stops)."""
    end = len(names)
    while end and names[end - 1] in (None, ""):
        end -= 1
    return names[:end]


def check_parallel(first: str, a: list[Any], second: str, b: list[Any], code: str) -> None:
    if len(a) != len(b):
        raise PydanticCustomError(
            code,
            "{first} has {a} items but {second} has {b}; the lists are parallel and must be "
            "the same length",
            {"first": first, "a": len(a), "second": second, "b": len(b)},
        )


def _check_lengths(data: dict[str, Any], first: str, second: str, code: str) -> None:
    check_parallel(first, _as_list(data, first), second, _as_list(data, second), code)


def _check_names(data: dict[str, Any], first: str, second: str, code: str) -> None:
    emails, names = _as_list(data, first), given_names(_as_list(data, second))
    check_parallel(first, emails, second, names, code)


def from_flat_form(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the flat form used by BPM tools into the nested form (same meaning)."""
    flat_keys = [
        k
        for k in (
            *FLAT_SIGNER_LISTS,
            *FLAT_AUTH_LISTS,
            FLAT_ANCHOR_LIST,
            *FLAT_CC_LISTS,
            *FLAT_SCALARS,
        )
        if k in data
    ]
    if not flat_keys:
        return data
    data = dict(data)
    if any(_present(data.get(k)) for k in FLAT_SIGNER_LISTS) and _present(data.get("signers")):
        raise PydanticCustomError(
            "CONFLICTING_SIGNER_FORMS",
            "give signers either as signers or as signersEmails/signersNames, not both",
        )
    if any(_present(data.get(k)) for k in FLAT_CC_LISTS) and _present(data.get("carbonCopies")):
        raise PydanticCustomError(
            "CONFLICTING_CC_FORMS",
            "give CC recipients either as carbonCopies or as ccEmails/ccNames, not both",
        )
    _check_days(data)
    _check_names(data, "signersEmails", "signersNames", "SIGNERS_LENGTH_MISMATCH")
    if _present(data.get("signatureOrder")):
        _check_lengths(data, "signersEmails", "signatureOrder", "SIGNATURE_ORDER_LENGTH_MISMATCH")
    _check_names(data, "ccEmails", "ccNames", "CC_LENGTH_MISMATCH")
    for key in FLAT_AUTH_LISTS:
        if _present(data.get(key)):
            _check_lengths(data, "signersEmails", key, "SIGNER_AUTHENTICATION_LENGTH_MISMATCH")
    if _present(data.get(FLAT_ANCHOR_LIST)):
        _check_lengths(data, "signersEmails", FLAT_ANCHOR_LIST, "SIGNER_ANCHORS_LENGTH_MISMATCH")

    emails, names = _as_list(data, "signersEmails"), _as_list(data, "signersNames")
    orders = _as_list(data, "signatureOrder") or [None] * len(emails)
    if emails:
        # A null name amid the list is that signer's missing name (RECIPIENT_NAME_REQUIRED).
        data["signers"] = [
            {"email": e, "name": "" if n is None else n, "signingOrder": o}
            for e, n, o in zip(emails, names[: len(emails)], orders, strict=True)
        ]
        for key, method in FLAT_AUTH_LISTS.items():
            for signer, value in zip(data["signers"], _as_list(data, key), strict=False):
                if value in (None, ""):
                    continue
                if "authentication" in signer:
                    raise PydanticCustomError(
                        "AUTHENTICATION_METHOD_REQUIRED",
                        "a signer takes one authentication method ({email})",
                        {"email": str(signer["email"])[:100]},
                    )
                signer["authentication"] = {method: value}
        for signer, text in zip(data["signers"], _as_list(data, FLAT_ANCHOR_LIST), strict=False):
            if text not in (None, ""):
                signer["fields"] = [{"type": "signHere", "anchor": {"text": text}}]
    cc_emails, cc_names = _as_list(data, "ccEmails"), _as_list(data, "ccNames")
    if cc_emails:
        data["carbonCopies"] = [
            {"email": e, "name": "" if n is None else n}
            for e, n in zip(cc_emails, cc_names[: len(cc_emails)], strict=True)
        ]
    if "enableExpiration" in data and "expiration" not in data:
        data["expiration"] = {
            "enabled": data.get("enableExpiration"),
            "validityDays": data.get("validityDays"),
            "noticeDaysBefore": data.get("expirationNoticeDays"),
        }
    if "enableReminder" in data and "reminders" not in data:
        data["reminders"] = {
            "enabled": data.get("enableReminder"),
            "firstReminderDays": data.get("firstReminderDays"),
            "intervalDays": data.get("reminderIntervalDays"),
        }
    for key in flat_keys:
        data.pop(key, None)
    return data


def flat_sender(data: dict[str, Any]) -> dict[str, Any]:
    """The flat form's `senderEmail` / `senderUserId` (BPM tools, CSV columns) as `sender`."""
    given = {k: data[k] for k in ("senderEmail", "senderUserId") if data.get(k) not in (None, "")}
    if not ({"senderEmail", "senderUserId"} & set(data)):
        return data
    data = {k: v for k, v in data.items() if k not in ("senderEmail", "senderUserId")}
    if given and data.get("sender"):
        raise PydanticCustomError(
            "CONFLICTING_SENDER_FORMS", "give the sender as sender or as senderEmail/senderUserId"
        )
    if given:
        names = {"senderEmail": "email", "senderUserId": "userId"}
        data["sender"] = {names[k]: v for k, v in given.items()}
    return data
