"""How a recipient proves who they are, in DocuSign's terms: the one place that writes a
recipient's authentication properties, for a send and for a correction alike.

- `accessCode`: DocuSign's `accessCode`.
- `sms` / `phone`: DocuSign's current way is ID verification with the account's
  "Phone Authentication" workflow, in which the recipient chooses a text message or a call for
  the one-time code: `identityVerification: {workflowId, inputOptions: [{name:
  "phone_number_list", valueType: "PhoneNumberList", phoneNumberList: [{countryCode, number}]}]}`
  (docusign/code-examples-python `eg020_phone_authentication.py`, code-examples-csharp
  `RecipientAuthPhone.cs`, "How to require phone authentication for a recipient"). The
  account's workflows are listed by IdentityVerifications:list, read once per
  WORKFLOWS_MAX_AGE_SECONDS per connection and container, and only for a send or correction
  that uses SMS or phone. An account without that workflow gets the older ID check, which
  DocuSign says still works: `requireIdLookup: "true"` with `idCheckConfigurationName`
  `SMS Auth $` / `Phone Auth $` and the number in `smsAuthentication` / `phoneAuthentication`
  (spec, `signer.idCheckConfigurationName`, `requireIdLookup`; blog "Updates for SMS and phone
  authentication"). With the workflow, `idCheckConfigurationName` and `requireIdLookup` are
  not sent (DocuSign, docusign/docusign-esign-python-client#84).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import BadRequest, ConnectorError
from ..models.fields import Authentication

if TYPE_CHECKING:
    from ..adapters.docusign.client import DocuSignClient
    from ..container import Services

# The name DocuSign gives the account's phone authentication workflow (`defaultName`).
PHONE_WORKFLOW_NAME = "Phone Authentication"
WORKFLOWS_MAX_AGE_SECONDS = 600
LEGACY_ID_CHECKS = {"sms": "SMS Auth $", "phone": "Phone Auth $"}
# E.164 country calling codes are prefix-free: these are the ones of one and two digits
# (ITU-T E.164 assignments); every other code has three.
_SHORT_CALLING_CODES = frozenset(
    {"1", "7"}
    | {"20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45"}
    | {"46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61"}
    | {"62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94"}
    | {"95", "98"}
)
# What DocuSign answers when the account cannot do the check asked for (DocuSign documents
# no single code; these are the refusals its API and code examples use).
FEATURE_REFUSAL_CODES = frozenset(
    {
        "ACCOUNT_LACKS_PERMISSIONS",
        "USER_LACKS_PERMISSIONS",
        "INVALID_ID_CHECK_CONFIGURATION",
        "IDCHECK_CONFIGURATION_NOT_FOUND",
        "RECIPIENT_ID_CHECK_CONFIGURATION_NOT_FOUND",
        "IDENTITY_WORKFLOW_INVALID_ID",
    }
)


def split_e164(number: str) -> tuple[str, str]:
    """(country calling code, national number) of an E.164 number: `+4915112345678` →
    (`49`, `15112345678`), as DocuSign's `recipientIdentityPhoneNumber` takes them."""
    digits = number.removeprefix("+")
    for length in (1, 2):
        if digits[:length] in _SHORT_CALLING_CODES:
            return digits[:length], digits[length:]
    return digits[:3], digits[3:]


def uses_phone(auths: Iterable[Authentication | None]) -> bool:
    return any(auth is not None and auth.method in LEGACY_ID_CHECKS for auth in auths)


def phone_workflow_id(
    services: Services, connection_name: str, client: DocuSignClient
) -> str | None:
    """The id of the account's "Phone Authentication" workflow, or None when it has none;
    read at most once per WORKFLOWS_MAX_AGE_SECONDS per connection in a container."""
    now = time.monotonic()
    with services.lock:
        kept = services.phone_workflows.get(connection_name)
    if kept is not None and now - kept[0] < WORKFLOWS_MAX_AGE_SECONDS:
        return kept[1]
    workflows = client.list_identity_verification_workflows()
    found = next(
        (
            str(w["workflowId"])
            for w in workflows
            if w.get("defaultName") == PHONE_WORKFLOW_NAME and w.get("workflowId")
        ),
        None,
    )
    with services.lock:
        services.phone_workflows[connection_name] = (now, found)
    return found


def recipient_authentication(
    auth: Authentication | None, workflow_id: str | None
) -> dict[str, Any]:
    """A recipient's authentication properties for DocuSign (`workflow_id`: the account's
    phone authentication workflow, None for the older ID check)."""
    if auth is None:
        return {}
    if auth.access_code is not None:
        return {"accessCode": auth.access_code}
    number = auth.sms if auth.sms is not None else auth.phone
    assert number is not None  # exactly one method (models.fields.Authentication)
    if workflow_id is not None:
        country, national = split_e164(number)
        return {
            "identityVerification": {
                "workflowId": workflow_id,
                "inputOptions": [
                    {
                        "name": "phone_number_list",
                        "valueType": "PhoneNumberList",
                        "phoneNumberList": [{"countryCode": country, "number": national}],
                    }
                ],
            }
        }
    if auth.sms is not None:
        return {
            "requireIdLookup": "true",
            "idCheckConfigurationName": LEGACY_ID_CHECKS["sms"],
            "smsAuthentication": {"senderProvidedNumbers": [number]},
        }
    return {
        "requireIdLookup": "true",
        "idCheckConfigurationName": LEGACY_ID_CHECKS["phone"],
        "phoneAuthentication": {
            "recipMayProvideNumber": "false",
            "senderProvidedNumbers": [number],
        },
    }


@contextmanager
def refuse_unavailable_authentication(auths: Iterable[Authentication | None]) -> Iterator[None]:
    """DocuSign's refusal of SMS or phone authentication, when the account cannot do it,
    becomes a 400 that says so."""
    phone = uses_phone(auths)
    try:
        yield
    except ConnectorError as exc:
        codes = {str(d.get("docusignErrorCode") or "").upper() for d in exc.details}
        if phone and codes & FEATURE_REFUSAL_CODES:
            raise BadRequest(
                "DocuSign refused SMS or phone authentication: the DocuSign account does not "
                "have the feature enabled (ask DocuSign or the account's administrator to "
                "enable it, or use an access code)",
                code="AUTHENTICATION_NOT_AVAILABLE",
                details=exc.details,
            ) from None
        raise
