"""The parts of the signing page that depend on the recipient: proving who they are (access
code, SMS or phone) before the documents open, and the fields placed on the documents.

SMS and phone come two ways, as at DocuSign: the account's "Phone Authentication" ID
verification workflow (`identityVerification`, the recipient chooses a text or a call), or the
older ID check (`idCheckConfigurationName` `SMS Auth $` / `Phone Auth $`), which runs only with
`requireIdLookup` "true" ("When true, the recipient is required to use the specified ID check
method (including Phone and SMS authentication)", spec, `signer.requireIdLookup`).

Each authentication attempt is recorded on the recipient as DocuSign reports it,
`recipientAuthenticationStatus` (`accessCodeResult`, `smsAuthResult`, `phoneAuthResult`,
`identityVerificationResult` — "the result of an Identity Verification workflow" — each with
`status` and `eventTimestamp`).
"""

from __future__ import annotations

import hmac
from typing import Any

from markupsafe import escape

from .state import PHONE_AUTHENTICATION
from .tabs import fillable_tabs, phone_numbers

# Any other ID verification workflow (DocuSign ID Verification: a government photo ID).
ID_VERIFICATION = "ID Verification"
RESULT_KEYS = {
    ID_VERIFICATION: "identityVerificationResult",
    "accessCode": "accessCodeResult",
    "SMS Auth $": "smsAuthResult",
    "Phone Auth $": "phoneAuthResult",
    PHONE_AUTHENTICATION: "identityVerificationResult",
}
NUMBER_KEYS = {"SMS Auth $": "smsAuthentication", "Phone Auth $": "phoneAuthentication"}


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def checks_needed(recipient: dict[str, Any]) -> list[str]:
    """The identity checks this recipient must pass, in the order DocuSign asks them."""
    needed = []
    if recipient.get("accessCode"):
        needed.append("accessCode")
    verification = recipient.get("identityVerification") or {}
    if isinstance(verification, dict) and verification.get("workflowId"):
        # The phone workflow is the one whose inputOptions carry the numbers (checked at the
        # create); every other workflow checks a photo ID.
        needed.append(PHONE_AUTHENTICATION if phone_numbers(recipient) else ID_VERIFICATION)
    elif recipient.get("idCheckConfigurationName") in NUMBER_KEYS and _true(
        recipient.get("requireIdLookup")
    ):
        needed.append(str(recipient["idCheckConfigurationName"]))
    return needed


def record(recipient: dict[str, Any], check: str, passed: bool, when: str) -> None:
    status = recipient.setdefault("recipientAuthenticationStatus", {})
    status[RESULT_KEYS[check]] = {
        "status": "Passed" if passed else "Failed",
        "eventTimestamp": when,
    }


def verify(recipient: dict[str, Any], check: str, given: str) -> bool:
    """An access code must match exactly; an SMS or phone code is the one the emulator
    'sent', which it shows on the page (no text message leaves the emulator)."""
    if check == "accessCode":
        expected = str(recipient.get("accessCode") or "")
        return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
    return given.strip() == one_time_code(recipient)


def one_time_code(recipient: dict[str, Any]) -> str:
    return str(int(recipient["recipientIdGuid"].replace("-", "")[:8], 16) % 1_000_000).zfill(6)


def _masked(number: str) -> str:
    return "•" * max(0, len(number) - 4) + number[-4:]


def identity_form(recipient: dict[str, Any], check: str, action: str, error: str) -> str:
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    if check == "accessCode":
        prompt = (
            "<h1>Access code required</h1><p>The sender asked you to enter an access code "
            "to open these documents.</p>"
            '<p><label>Access code <input name="code" id="access-code" type="password" '
            'autocomplete="off"></label></p>'
        )
    elif check == ID_VERIFICATION:
        # DocuSign has the recipient photograph a government ID; the emulator cannot check
        # one, so it stands in with a code shown on the page.
        prompt = (
            "<h1>Verify your identity</h1><p>The sender asked you to verify your identity "
            "with a government-issued photo ID.</p>"
            f'<p class="hint">Emulator: no ID is checked; the code is '
            f"<code>{one_time_code(recipient)}</code>.</p>"
            '<p><label>Code <input name="code" id="otp-code" autocomplete="off"></label></p>'
        )
    elif check == PHONE_AUTHENTICATION:
        numbers = phone_numbers(recipient)
        prompt = (
            "<h1>Verify your identity</h1><p>Choose how to receive your code at "
            f"{escape(_masked(numbers[0] if numbers else ''))}:</p>"
            '<p><label><input type="radio" name="via" value="sms" checked> Text message</label> '
            '<label><input type="radio" name="via" value="voice"> Phone call</label></p>'
            f'<p class="hint">Emulator: the code is <code>{one_time_code(recipient)}</code>.</p>'
            '<p><label>Code <input name="code" id="otp-code" autocomplete="off"></label></p>'
        )
    else:
        numbers = (recipient.get(NUMBER_KEYS[check]) or {}).get("senderProvidedNumbers") or []
        how = "text message" if check == "SMS Auth $" else "phone call"
        prompt = (
            f"<h1>Verify your identity</h1><p>A code was sent by {how} to "
            f"{escape(_masked(str(numbers[0]) if numbers else ''))}.</p>"
            f'<p class="hint">Emulator: the code is <code>{one_time_code(recipient)}</code>.</p>'
            '<p><label>Code <input name="code" id="otp-code" autocomplete="off"></label></p>'
        )
    return (
        f'<form method="post" action="{action}">{problem}{prompt}'
        f'<input type="hidden" name="check" value="{escape(check)}">'
        '<button class="primary" type="submit">Continue</button></form>'
    )


def _input(group: str, tab: dict[str, Any], editable: bool) -> str:
    label = escape(str(tab.get("tabLabel") or tab.get("groupName") or group))
    required = " required" if str(tab.get("required")).lower() == "true" else ""
    locked = not editable or str(tab.get("locked")).lower() == "true"
    disabled = " disabled" if locked else ""
    if group == "radioGroupTabs":
        name = f"tab-{tab['radios'][0]['tabId']}"
        buttons = "".join(
            f'<label><input type="radio" name="{name}" value="{escape(r.get("value") or "")}"'
            + (" checked" if str(r.get("selected")).lower() == "true" else "")
            + f"{disabled}> {escape(r.get('value') or '')}</label> "
            for r in tab["radios"]
        )
        return f"<fieldset><legend>{label}</legend>{buttons}</fieldset>"
    name = f"tab-{tab['tabId']}"
    if group == "checkboxTabs":
        checked = " checked" if str(tab.get("selected")).lower() == "true" else ""
        field = f'<input type="checkbox" name="{name}" id="{name}"{checked}{disabled}>'
    elif group == "listTabs":
        current = str(tab.get("value") or "")
        items = "".join(
            f'<option value="{escape(i.get("value") or "")}"'
            + (" selected" if (i.get("value") or "") == current else "")
            + f">{escape(i.get('text') or i.get('value') or '')}</option>"
            for i in tab.get("listItems") or []
        )
        field = (
            f'<select name="{name}" id="{name}"{disabled}>'
            f'<option value=""></option>{items}</select>'
        )
    else:
        value = escape(str(tab.get("value") or ""))
        field = f'<input name="{name}" id="{name}" value="{value}"{disabled}>'
    return f'<label for="{name}">{label}{required and " *"}</label> {field}'


def fields_html(recipient: dict[str, Any], editable: bool) -> str:
    """Each fillable field at its place: page, and x/y in points from the page's top-left."""
    rows = []
    for group, tab in fillable_tabs(recipient):
        spot = tab["radios"][0] if group == "radioGroupTabs" else tab
        where = (
            f"document {escape(spot.get('documentId') or tab.get('documentId') or '')}, "
            f"page {escape(spot.get('pageNumber') or '')}, "
            f"x {escape(spot.get('xPosition') or '')}, y {escape(spot.get('yPosition') or '')}"
        )
        rows.append(
            f'<li class="field" data-page="{escape(spot.get("pageNumber") or "")}" '
            f'data-x="{escape(spot.get("xPosition") or "")}" '
            f'data-y="{escape(spot.get("yPosition") or "")}">'
            f"{_input(group, tab, editable)} <small>({where})</small></li>"
        )
    if not rows:
        return ""
    return f'<h2>Fields</h2><ul class="fields">{"".join(rows)}</ul>'
