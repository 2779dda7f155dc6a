"""What an envelope may name that belongs to its account: brands, identity verification
workflows and payment gateway accounts. An id the account does not have is refused at
creation, instead of being accepted and ignored.

- Brands (`account_features.py` serves them): an envelope's `brandId` must be one of the
  account's (`envelopeDefinition.brandId`: "The ID of the brand ... to use for the envelope").
- Identity verification: a recipient's `identityVerification.workflowId` "must match one of
  the workflowId available to your account" (spec, `recipientIdentityVerification.workflowId`;
  `GET …/identity_verification` lists them). A new emulated account has none (the list is empty
  for an account without the feature); `state.accounts[id]["identityVerificationWorkflows"]`
  holds them, for whatever the emulator learns to verify.
- Payment gateways: "There is no public API for connecting payment gateway accounts" (spec,
  `paymentDetails.gatewayAccountId`), so an emulated account has none; a payment tab's
  `gatewayAccountId` is refused, and with it payments, which the emulator does not process.

DocuSign's error code for an id an account does not have is not published for any of the
three: the emulator answers INVALID_REQUEST_PARAMETER, naming the property and the id.
"""

from __future__ import annotations

from typing import Any

from .errors import invalid_parameter, not_supported
from .state import RECIPIENT_KINDS


def brands(account: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The account's brands by brandId (kept on the account record)."""
    return account.setdefault("brands", {})


def check_brand(account: dict[str, Any], brand_id: Any) -> None:
    if brand_id not in (None, "") and str(brand_id) not in brands(account):
        raise invalid_parameter(
            f"brandId '{brand_id}' is not a brand of this account (GET /brands lists them)."
        )


def check_envelope_references(account: dict[str, Any], record: dict[str, Any]) -> None:
    """The brand, identity verification workflows and payment gateways an envelope names
    must be the account's."""
    check_brand(account, record.get("brandId"))
    workflows = {
        str(w.get("workflowId")) for w in account.get("identityVerificationWorkflows") or []
    }
    gateways = {
        str(g.get("paymentGatewayAccountId")) for g in account.get("paymentGatewayAccounts") or []
    }
    for kind in RECIPIENT_KINDS:
        for recipient in record["recipients"].get(kind, []):
            verification = recipient.get("identityVerification") or {}
            workflow_id = verification.get("workflowId") if isinstance(verification, dict) else None
            if workflow_id and str(workflow_id) not in workflows:
                raise invalid_parameter(
                    f"identityVerification.workflowId '{workflow_id}' of recipient "
                    f"{recipient['recipientId']} is not an identity verification workflow of "
                    "this account (GET /identity_verification lists them)."
                )
            for tab in (recipient.get("tabs") or {}).get("formulaTabs", []):
                payment = tab.get("paymentDetails") if isinstance(tab, dict) else None
                if not payment:
                    continue
                gateway = str(payment.get("gatewayAccountId") or "")
                if gateway not in gateways:
                    raise not_supported(
                        f"Payments (gatewayAccountId '{gateway}' of tab "
                        f"'{tab.get('tabLabel') or ''}') are",
                        "it has no payment gateway accounts (DocuSign connects them only in "
                        "its Admin console) and processes no payments",
                    )
