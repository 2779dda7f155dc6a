"""Tabs (fields) of an envelope's recipients as DocuSign treats them at creation and signing.

At creation every tab gets a `tabId`, its `tabType` and `recipientId`; an anchor tab is placed
at every place its anchor text is found in any document (`anchors.py`), one tab each (plus its
offset, converted from `anchorUnits` to pixels at 72 dpi), carrying the `documentId`,
`pageNumber`, `xPosition` and `yPosition` found; a positioned tab must name an existing
document and page. Recipient authentication by ID check
(`SMS Auth $`, `Phone Auth $`) must be one the account has, with the numbers it needs.
At signing, required tabs must hold a value before the recipient can finish.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from .anchors import find_anchor, offset_spot
from .conversion import SEARCH_UNKNOWN
from .errors import DocuSignError, invalid_parameter, not_supported
from .state import PHONE_AUTHENTICATION, new_guid

TAB_TYPES = {
    "signHereTabs": "signhere",
    "initialHereTabs": "initialhere",
    "dateSignedTabs": "datesigned",
    "fullNameTabs": "fullname",
    "emailTabs": "email",
    "companyTabs": "company",
    "titleTabs": "title",
    "textTabs": "text",
    "numberTabs": "number",
    "dateTabs": "date",
    "checkboxTabs": "checkbox",
    "radioGroupTabs": "radiogroup",
    "listTabs": "list",
    "approveTabs": "approve",
    "declineTabs": "decline",
    "noteTabs": "note",
    # Not in DocuSign's 2022 spec; its SDK's models have it (see schema/SOURCE.md).
    "numericalTabs": "numerical",
}
# Filled in by the signer on the signing page.
FILLABLE = frozenset(
    {
        "textTabs",
        "numberTabs",
        "numericalTabs",
        "dateTabs",
        "emailTabs",
        "companyTabs",
        "titleTabs",
        "listTabs",
    }
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
ID_CHECKS = {"SMS Auth $": "smsAuthentication", "Phone Auth $": "phoneAuthentication"}
DEFAULT_ID_CHECKS = frozenset(ID_CHECKS)


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def _pages_of(documents: list[dict[str, Any]], document_id: str) -> int | None:
    for document in documents:
        if document["documentId"] == str(document_id):
            return len(document["_pages"])
    return None


def _place(
    tab: dict[str, Any], documents: list[dict[str, Any]], label: str
) -> list[dict[str, Any]]:
    """The tab as placed: one copy at each place its anchor is found (none when it may be
    left out), or the tab itself at its position, checked against the documents."""
    anchor = tab.get("anchorString")
    if anchor:
        spots = find_anchor(tab, documents)
        if not spots and not _true(tab.get("anchorIgnoreIfNotPresent")):
            raise DocuSignError(
                400,
                "ANCHOR_TAB_STRING_NOT_FOUND",
                "The specified Anchor Tab string was not found in the document. "
                f"Anchor Tab String: {anchor}",
            )
        placed = []
        for spot in spots:
            x, y = offset_spot(tab, spot, label)
            placed.append(
                {
                    **tab,
                    "documentId": spot.document_id,
                    "pageNumber": str(spot.page),
                    "xPosition": x,
                    "yPosition": y,
                }
            )
        return placed
    if not tab.get("pageNumber"):
        raise DocuSignError(
            400,
            "TAB_PAGE_NUMBER_NOT_SPECIFIED",
            "Page number not specified in tab element. Page Number or AnchorTabItem missing "
            f'for tab "{label}".',
        )
    document_id = str(tab.get("documentId") or "")
    pages = _pages_of(documents, document_id)
    if pages is None:
        raise DocuSignError(
            400,
            "TAB_REFERS_TO_MISSING_DOCUMENT",
            f"The DocumentId specified in the tab element does not refer to a document in this "
            f'envelope. Tab refers to DocumentId {document_id or "(none)"} for tab "{label}".',
        )
    page_number = str(tab.get("pageNumber"))
    if not page_number.isdigit() or not 1 <= int(page_number) <= pages:
        raise DocuSignError(
            400,
            "TAB_PAGENUMBER_IS_NOT_IN_DOCUMENT",
            f"The pagenumber specified in the tab element is not in the document that the tab "
            f'refers to. Tab on Page {page_number} of Document {document_id} for tab "{label}".',
        )
    for key in ("xPosition", "yPosition"):
        value = str(tab.get(key) or "0")
        try:
            float(value)
        except ValueError:
            raise invalid_parameter(f"{key} '{value}' of tab {label} is not a number.") from None
        tab[key] = value
    return [tab]


def _refuse_unsearchable_anchors(recipients: dict[str, Any], documents: list[dict[str, Any]]):
    """DocuSign looks for an anchor in every document: when the emulator cannot read one of
    them, it cannot tell where DocuSign would place the tab, so it says so."""
    unreadable = [d for d in documents if d.get("_anchorSearch") == SEARCH_UNKNOWN]
    if not unreadable:
        return
    for members in recipients.values():
        for recipient in members if isinstance(members, list) else []:
            for entries in (recipient.get("tabs") or {}).values():
                for tab in entries if isinstance(entries, list) else []:
                    radios = tab.get("radios") if isinstance(tab, dict) else None
                    anchored = [t for t in [tab, *(radios or [])] if isinstance(t, dict)]
                    if any(t.get("anchorString") for t in anchored):
                        document = unreadable[0]
                        raise not_supported(
                            f"Anchor tabs in an envelope with document {document['documentId']}"
                            f" (.{document.get('fileExtension') or '?'}) are",
                            "it cannot read the text of that format to find the anchor string "
                            "(it converts txt, csv, htm, html, docx and PDF documents)",
                        )


def place_tabs(recipients: dict[str, Any], documents: list[dict[str, Any]]) -> None:
    """Number, type and place every tab of every recipient (in place)."""
    _refuse_unsearchable_anchors(recipients, documents)
    for members in recipients.values():
        if not isinstance(members, list):
            continue
        for recipient in members:
            tabs = recipient.get("tabs")
            if not isinstance(tabs, dict):
                continue
            placed: dict[str, list[dict[str, Any]]] = {}
            for group, entries in tabs.items():
                if not isinstance(entries, list):
                    continue
                kept = []
                for entry in entries:
                    if not isinstance(entry, dict):
                        continue
                    tab = dict(entry)
                    label = str(tab.get("tabLabel") or tab.get("groupName") or group)
                    tab["recipientId"] = recipient["recipientId"]
                    tab["tabType"] = TAB_TYPES.get(group, group.removesuffix("Tabs").lower())
                    if group == "radioGroupTabs":
                        kept.append(_place_radio_group(tab, documents, label))
                        continue
                    if group == "listTabs" and not tab.get("listItems"):
                        raise invalid_parameter(f"List tab '{label}' has no listItems.")
                    for copy in _place(tab, documents, label):
                        copy["tabId"] = new_guid()
                        if group == "checkboxTabs":
                            copy["selected"] = "true" if _true(copy.get("selected")) else "false"
                        if group == "numericalTabs" and copy.get("numericalValue"):
                            copy.setdefault("value", copy["numericalValue"])
                        kept.append(copy)
                placed[group] = kept
            recipient["tabs"] = placed


def _place_radio_group(
    tab: dict[str, Any], documents: list[dict[str, Any]], label: str
) -> dict[str, Any]:
    """A radio group's buttons, each at its position or at the first place its anchor is
    found (one button per value: DocuSign does not say that a radio repeats)."""
    if not tab.get("groupName"):
        raise invalid_parameter("A radio group tab needs a groupName.")
    radios = [dict(r) for r in tab.get("radios") or [] if isinstance(r, dict)]
    if not radios:
        raise invalid_parameter(f"Radio group '{tab['groupName']}' has no radios.")
    placed_radios = []
    for radio in radios:
        radio.setdefault("documentId", tab.get("documentId"))
        copies = _place(radio, documents, label)
        if not copies:
            continue  # anchorIgnoreIfNotPresent: left out
        copies[0]["tabId"] = new_guid()
        placed_radios.append(copies[0])
    tab["radios"] = placed_radios or radios
    tab["documentId"] = str(tab.get("documentId") or (placed_radios or radios)[0].get("documentId"))
    return tab


def check_authentication(recipients: dict[str, Any], account: dict[str, Any]) -> None:
    """Each recipient's ID check or ID verification must be one the account has, with the
    numbers it needs."""
    for members in recipients.values():
        if not isinstance(members, list):
            continue
        for recipient in members:
            check_recipient_authentication(recipient, account)


def check_recipient_authentication(recipient: dict[str, Any], account: dict[str, Any]) -> None:
    code = recipient.get("accessCode")
    if isinstance(code, str) and (len(code) > 50 or set(code) & set("<>&#")):
        raise invalid_parameter(
            "The access code is longer than 50 characters or holds < > & or #. Recipient ID: "
            f"{recipient.get('recipientId')}"
        )
    name = recipient.get("idCheckConfigurationName")
    if name:
        available = account.get("idCheckConfigurations", DEFAULT_ID_CHECKS)
        if name not in ID_CHECKS or name not in available:
            raise DocuSignError(
                400,
                "ACCOUNT_LACKS_PERMISSIONS",
                "This Account lacks sufficient permissions. The authentication "
                f"'{name}' is not enabled for this account.",
            )
        numbers = (recipient.get(ID_CHECKS[name]) or {}).get("senderProvidedNumbers")
        if not numbers:
            raise invalid_parameter(
                f"'{name}' needs {ID_CHECKS[name]}.senderProvidedNumbers. Recipient ID: "
                f"{recipient.get('recipientId')}"
            )
    verification = recipient.get("identityVerification")
    if isinstance(verification, dict) and verification.get("workflowId"):
        workflow = identity_workflow(account, str(verification["workflowId"]))
        if workflow is None:
            # The code and message DocuSign's own code examples show for it.
            raise DocuSignError(
                400,
                "IDENTITY_WORKFLOW_INVALID_ID",
                "The identity workflow ID specified is not valid.",
            )
        if workflow.get("defaultName") == PHONE_AUTHENTICATION and not phone_numbers(recipient):
            raise invalid_parameter(
                "The phone authentication workflow needs inputOptions 'phone_number_list' with "
                f"a countryCode and number. Recipient ID: {recipient.get('recipientId')}"
            )


def identity_workflow(account: dict[str, Any], workflow_id: str) -> dict[str, Any] | None:
    return next(
        (w for w in account.get("identityVerification") or [] if w["workflowId"] == workflow_id),
        None,
    )


def phone_numbers(recipient: dict[str, Any]) -> list[str]:
    """The numbers (`+` country code and number) of a recipient's phone authentication
    workflow, from `identityVerification.inputOptions[phone_number_list]`."""
    verification = recipient.get("identityVerification") or {}
    numbers = []
    for option in verification.get("inputOptions") or []:
        if not isinstance(option, dict) or option.get("name") != "phone_number_list":
            continue
        for phone in option.get("phoneNumberList") or []:
            country = str((phone or {}).get("countryCode") or "")
            number = str((phone or {}).get("number") or "")
            if country.isdigit() and number.isdigit():
                numbers.append(f"+{country}{number}")
    return numbers


def fillable_tabs(recipient: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(group, tab) of each tab the signer fills on the signing page, in order."""
    out: list[tuple[str, dict[str, Any]]] = []
    for group, entries in (recipient.get("tabs") or {}).items():
        if group in FILLABLE or group in ("checkboxTabs", "radioGroupTabs"):
            out.extend((group, tab) for tab in entries)
    return out


def apply_values(recipient: dict[str, Any], form: dict[str, str]) -> list[str]:
    """Store the signer's entries (form field `tab-<tabId>`), and return the labels of
    required tabs still empty. Locked tabs keep the sender's value."""
    missing = []
    for group, tab in fillable_tabs(recipient):
        if group == "radioGroupTabs":
            key = f"tab-{tab['radios'][0]['tabId']}"
            chosen = form.get(key)
            if chosen is not None and not any(_true(r.get("locked")) for r in tab["radios"]):
                for radio in tab["radios"]:
                    radio["selected"] = "true" if radio.get("value") == chosen else "false"
            if any(_true(r.get("required")) for r in tab["radios"]) and not any(
                _true(r.get("selected")) for r in tab["radios"]
            ):
                missing.append(tab["groupName"])
            continue
        key = f"tab-{tab['tabId']}"
        if not _true(tab.get("locked")):
            if group == "checkboxTabs":
                tab["selected"] = "true" if form.get(key) == "on" else "false"
            elif group == "numericalTabs" and key in form:
                problem = _numerical_problem(tab, form[key].strip())
                if problem:
                    missing.append(f"{tab.get('tabLabel') or group} ({problem})")
                    continue
                tab["value"] = tab["numericalValue"] = form[key].strip().replace(",", "")
            elif key in form:
                tab["value"] = form[key].strip()
        filled = _true(tab.get("selected")) if group == "checkboxTabs" else bool(tab.get("value"))
        if _true(tab.get("required")) and not filled:
            missing.append(str(tab.get("tabLabel") or group))
    return missing


def _numerical_problem(tab: dict[str, Any], entered: str) -> str | None:
    """Why a numerical tab refuses what the signer typed: DocuSign's number fields validate
    that the value is a number within minNumericalValue and maxNumericalValue ("Number
    fields")."""
    value = entered.replace(",", "")
    if not value:
        return None
    if not _NUMBER.fullmatch(value):
        return "a number"
    low, high = tab.get("minNumericalValue"), tab.get("maxNumericalValue")
    if low not in (None, "") and _NUMBER.fullmatch(str(low)) and Decimal(value) < Decimal(low):
        return f"at least {low}"
    if high not in (None, "") and _NUMBER.fullmatch(str(high)) and Decimal(value) > Decimal(high):
        return f"at most {high}"
    return None


def merge_prefill(template_tabs: Any, values: Any) -> dict[str, Any]:
    """A template role's tabs with the values of `templateRoles[].tabs`: a value goes to the
    template's tab of the same kind and `tabLabel` (a radio group's `groupName`); values for
    labels the template does not have are ignored."""
    merged = {
        group: [dict(t) for t in entries if isinstance(t, dict)]
        for group, entries in (template_tabs or {}).items()
        if isinstance(entries, list)
    }
    for group, entries in (values or {}).items():
        for given in entries if isinstance(entries, list) else []:
            if not isinstance(given, dict):
                continue
            for tab in merged.get(group, []):
                if group == "radioGroupTabs":
                    if tab.get("groupName") != given.get("groupName"):
                        continue
                    chosen = {
                        r.get("value")
                        for r in given.get("radios") or []
                        if _true(r.get("selected"))
                    }
                    tab["radios"] = [
                        {**r, "selected": "true" if r.get("value") in chosen else "false"}
                        for r in tab.get("radios") or []
                    ]
                elif tab.get("tabLabel") == given.get("tabLabel"):
                    for key in ("value", "selected"):
                        if key in given:
                            tab[key] = given[key]
    return merged
