"""What an envelope may name that belongs to its account: brands, identity verification
workflows and payment gateway accounts. An id the account does not have is refused at
creation, instead of being accepted and ignored.

- Brands (`account_features.py` serves them): an envelope's `brandId` must be one of the
  account's (`envelopeDefinition.brandId`: "The ID of the brand ... to use for the envelope").
- Identity verification: a recipient's `identityVerification.workflowId` "must match one of
  the workflowId available to your account" (spec, `recipientIdentityVerification.workflowId`;
  `GET …/identity_verification` lists them): checked with the recipient's authentication
  (`tabs.check_authentication`, IDENTITY_WORKFLOW_INVALID_ID as DocuSign's examples show it)
  against `state.accounts[id]["identityVerification"]`.
- Payment gateways: "There is no public API for connecting payment gateway accounts" (spec,
  `paymentDetails.gatewayAccountId`), so an emulated account has none; a payment tab's
  `gatewayAccountId` is refused, and with it payments, which the emulator does not process.

DocuSign's error code for a brand or a payment gateway the account does not have is not
published: the emulator answers INVALID_REQUEST_PARAMETER, naming the property and the id.
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
    """The brand and payment gateways an envelope names must be the account's (its identity
    verification workflows are checked with each recipient's authentication)."""
    check_brand(account, record.get("brandId"))
    gateways = {
        str(g.get("paymentGatewayAccountId")) for g in account.get("paymentGatewayAccounts") or []
    }
    for kind in RECIPIENT_KINDS:
        for recipient in record["recipients"].get(kind, []):
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
