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
- `idv`: one of the account's other ID verification workflows (a photo ID, an eID), by id or
  by name (`defaultName`), sent as `identityVerification: {workflowId}` ("How to require ID
  verification (IDV) for a recipient"). The same list serves SMS and phone, the listing route
  and the check that refuses, before sending, a workflow the account does not have.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..container import get_services
from ..domain import Deadline
from ..errors import BadRequest, ConnectorError
from ..ids import validate_connection_name
from ..models.fields import Authentication, IdentityVerification
from ..models.identity import IdentityWorkflowOut, IdentityWorkflowsResponse

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


def uses_idv(auths: Iterable[Authentication | None]) -> bool:
    return any(auth is not None and auth.idv is not None for auth in auths)


def needs_workflows(auths: Iterable[Authentication | None]) -> bool:
    listed = list(auths)
    return uses_phone(listed) or uses_idv(listed)


def _key(idv: IdentityVerification) -> tuple[str | None, str | None]:
    return (idv.workflow_id, idv.workflow_name.casefold() if idv.workflow_name else None)


@dataclass(frozen=True)
class AccountWorkflows:
    """The account's ID verification workflows (`accountIdentityVerificationWorkflow`), and
    what each `idv` of a send or correction names among them."""

    workflows: tuple[dict[str, Any], ...]
    chosen: dict[tuple[str | None, str | None], str] = field(default_factory=dict, compare=False)

    @property
    def phone_id(self) -> str | None:
        return next(
            (
                str(w["workflowId"])
                for w in self.workflows
                if w.get("defaultName") == PHONE_WORKFLOW_NAME and w.get("workflowId")
            ),
            None,
        )

    def matching(self, idv: IdentityVerification) -> list[dict[str, Any]]:
        if idv.workflow_id is not None:
            return [
                w for w in self.workflows if str(w.get("workflowId")).lower() == idv.workflow_id
            ]
        name = (idv.workflow_name or "").casefold()
        return [w for w in self.workflows if str(w.get("defaultName") or "").casefold() == name]

    def workflow_id_of(self, idv: IdentityVerification) -> str:
        return self.chosen[_key(idv)]


def account_workflows(
    services: Services, connection_name: str, client: DocuSignClient, *, fresh: bool = False
) -> tuple[AccountWorkflows, bool]:
    """The account's workflows, read at most once per WORKFLOWS_MAX_AGE_SECONDS per connection
    in a container (`fresh` reads them now); and whether they were read by this call."""
    now = time.monotonic()
    with services.lock:
        kept = services.identity_workflows.get(connection_name)
    if not fresh and kept is not None and now - kept[0] < WORKFLOWS_MAX_AGE_SECONDS:
        return kept[1], False
    workflows = AccountWorkflows(tuple(client.list_identity_verification_workflows()))
    with services.lock:
        services.identity_workflows[connection_name] = (now, workflows)
    return workflows, True


def forget_workflows(services: Services, connection_name: str) -> None:
    with services.lock:
        services.identity_workflows.pop(connection_name, None)


def _unknown_workflow(idv: IdentityVerification, known: AccountWorkflows) -> BadRequest:
    asked = (
        f"workflowId {idv.workflow_id}"
        if idv.workflow_id is not None
        else f"workflowName {idv.workflow_name!r}"
    )
    return BadRequest(
        f"the DocuSign account has no ID verification workflow with {asked}; "
        "GET /connections/{connection}/identity-verification lists the account's workflows",
        code="IDV_WORKFLOW_UNKNOWN",
        details=[
            {"workflowId": str(w.get("workflowId")), "name": str(w.get("defaultName") or "")}
            for w in known.workflows
        ],
    )


def workflows_for(
    services: Services,
    connection_name: str,
    client: DocuSignClient,
    auths: Iterable[Authentication | None],
) -> AccountWorkflows | None:
    """The account's workflows when a recipient's authentication needs them (SMS, phone or
    idv), with each idv resolved to one workflow id: a workflow the account does not list is
    a 400 IDV_WORKFLOW_UNKNOWN before anything is sent (the list is read again first when
    the container's copy may be old); a name two workflows share is IDV_WORKFLOW_AMBIGUOUS;
    the phone workflow takes its numbers, so it is asked for as sms or phone."""
    listed = list(auths)
    if not needs_workflows(listed):
        return None
    workflows, read_now = account_workflows(services, connection_name, client)
    wanted = [a.idv for a in listed if a is not None and a.idv is not None]
    if not read_now and any(not workflows.matching(idv) for idv in wanted):
        workflows, _ = account_workflows(services, connection_name, client, fresh=True)
    for idv in wanted:
        found = workflows.matching(idv)
        if not found:
            raise _unknown_workflow(idv, workflows)
        if len(found) > 1:
            raise BadRequest(
                f"{len(found)} ID verification workflows of the account are named "
                f"{idv.workflow_name!r}; name one by its workflowId",
                code="IDV_WORKFLOW_AMBIGUOUS",
                details=[{"workflowId": str(w.get("workflowId"))} for w in found],
            )
        if found[0].get("defaultName") == PHONE_WORKFLOW_NAME:
            raise BadRequest(
                "the Phone Authentication workflow needs the recipient's number: use "
                'authentication {"sms": "+…"} or {"phone": "+…"}',
                code="IDV_USE_SMS_OR_PHONE",
            )
        workflows.chosen[_key(idv)] = str(found[0]["workflowId"])
    return workflows


def recipient_authentication(
    auth: Authentication | None, workflows: AccountWorkflows | None
) -> dict[str, Any]:
    """A recipient's authentication properties for DocuSign (`workflows`: from
    `workflows_for`, None for an account read without them)."""
    if auth is None:
        return {}
    if auth.access_code is not None:
        return {"accessCode": auth.access_code}
    if auth.idv is not None:
        assert workflows is not None  # workflows_for resolved every idv
        return {"identityVerification": {"workflowId": workflows.workflow_id_of(auth.idv)}}
    number = auth.sms if auth.sms is not None else auth.phone
    assert number is not None  # exactly one method (models.fields.Authentication)
    workflow_id = workflows.phone_id if workflows is not None else None
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
def refuse_unavailable_authentication(
    auths: Iterable[Authentication | None], forget: Callable[[], None] | None = None
) -> Iterator[None]:
    """DocuSign's refusal of SMS or phone authentication, when the account cannot do it,
    becomes a 400 that says so; its refusal of an idv workflow (gone since the container read
    the list: `forget` drops that copy) a 400 IDV_WORKFLOW_UNKNOWN."""
    listed = list(auths)
    phone, idv = uses_phone(listed), uses_idv(listed)
    try:
        yield
    except ConnectorError as exc:
        codes = {str(d.get("docusignErrorCode") or "").upper() for d in exc.details}
        if "IDENTITY_WORKFLOW_INVALID_ID" in codes and forget is not None:
            forget()
        if idv and "IDENTITY_WORKFLOW_INVALID_ID" in codes:
            raise BadRequest(
                "DocuSign refused the ID verification workflow: the account no longer has it "
                "(GET /connections/{connection}/identity-verification lists its workflows)",
                code="IDV_WORKFLOW_UNKNOWN",
                details=exc.details,
            ) from None
        if phone and codes & FEATURE_REFUSAL_CODES:
            raise BadRequest(
                "DocuSign refused SMS or phone authentication: the DocuSign account does not "
                "have the feature enabled (ask DocuSign or the account's administrator to "
                "enable it, or use an access code)",
                code="AUTHENTICATION_NOT_AVAILABLE",
                details=exc.details,
            ) from None
        raise


def list_identity_workflows(
    connection_name: str, *, deadline: Deadline = None, services: Services | None = None
) -> IdentityWorkflowsResponse:
    """The account's ID verification workflows (IdentityVerifications:list), from the
    container's copy when it is recent (WORKFLOWS_MAX_AGE_SECONDS)."""
    services = services or get_services()
    validate_connection_name(connection_name)
    client = services.client(services.connections.get(connection_name), deadline)
    workflows, _ = account_workflows(services, connection_name, client)
    return IdentityWorkflowsResponse(
        connection=connection_name,
        workflows=[
            IdentityWorkflowOut.from_docusign(w, PHONE_WORKFLOW_NAME)
            for w in workflows.workflows
            if w.get("workflowId")
        ],
    )
