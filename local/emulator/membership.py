"""Users of an account, consent per user, and what a user may do with an envelope (the
routes are in `users`).

- An account has users (`add_user`): each with a userId, userName, email, userStatus (the
  spec's `userInformation.userStatus`: ActivationRequired, ActivationSent, Active, Closed,
  Disabled) and whether they administer the account (`isAdmin`). The integration's own user
  (`register_integration`) administers its accounts, as a connection's service user usually
  does.
- JWT Grant for any user (`sub`): the user must exist (else `user_not_found`) and have
  consented to the integration key — individually, or through an organisation administrator's
  consent for every user of the organisation's claimed domains (here: of an account,
  `grant_admin_consent`) — else `consent_required` ("Obtain and revoke consent": individual
  consent, and organisation administrator consent for internal and external applications;
  "JWT Grant implementation and best practices").
- An envelope is the sender's: a user who neither sent it, nor is one of its recipients, nor
  administers the account gets `USER_NOT_ENVELOPE_SENDER_OR_RECIPIENT` (400) for every route
  of that envelope. DocuSign publishes the code (its error list) but not when exactly it is
  given; the emulator gives it for every envelope route, which is what a non-admin user's
  integration meets.
"""

from __future__ import annotations

import uuid
from typing import Any

from .errors import DocuSignError

STATUSES = ("ActivationRequired", "ActivationSent", "Active", "Closed", "Disabled")


def add_user(
    st: Any,
    account_id: str,
    *,
    name: str,
    email: str,
    user_id: str | None = None,
    status: str = "Active",
    is_admin: bool = False,
) -> str:
    """A user of `account_id` (a new one, or an existing user joining it); its userId."""
    if status not in STATUSES:
        raise ValueError(f"status is one of {', '.join(STATUSES)}")
    user_id = user_id or str(uuid.uuid4())
    with st.lock:
        if account_id not in st.accounts:
            raise KeyError(f"no account {account_id}")
        user = st.users.setdefault(
            user_id, {"user_id": user_id, "created": st.timestamp(), "accounts": []}
        )
        user.update(name=name, email=email, status=status)
        memberships = [m for m in user["accounts"] if m["account_id"] != account_id]
        memberships.append(
            {"account_id": account_id, "is_default": not memberships, "is_admin": is_admin}
        )
        user["accounts"] = memberships
    return user_id


def grant_consent(st: Any, integration_key: str, user_id: str, consented: bool = True) -> None:
    """The user's own consent to the integration key (the integration's user: `consented`)."""
    with st.lock:
        integration = st.integrations[integration_key]
        if user_id == integration["user_id"]:
            integration["consented"] = consented
            return
        users = integration.setdefault("consented_users", set())
        if consented:
            users.add(user_id)
        else:
            users.discard(user_id)


def grant_admin_consent(st: Any, integration_key: str, account_id: str) -> None:
    """An organisation administrator's consent for every user of the account."""
    with st.lock:
        st.integrations[integration_key].setdefault("admin_consent_accounts", set()).add(account_id)


def has_consented(st: Any, integration: dict[str, Any], user_id: str) -> bool:
    if user_id == integration["user_id"]:
        return bool(integration["consented"])
    if user_id in integration.get("consented_users", ()):
        return True
    accounts = integration.get("admin_consent_accounts", set())
    user = st.users.get(user_id) or {}
    return any(m["account_id"] in accounts for m in user.get("accounts", []))


def is_admin(st: Any, user_id: str, account_id: str) -> bool:
    user = st.users.get(user_id) or {}
    for membership in user.get("accounts", []):
        if membership["account_id"] == account_id:
            # the integration's own users (registered with register_integration) administer
            return bool(membership.get("is_admin", True))
    return False


def check_envelope_access(st: Any, user_id: str, account_id: str, envelope_id: str) -> None:
    """Only the sender, a recipient or an administrator of the account acts on an envelope."""
    envelope = st.envelopes.get(envelope_id)
    if envelope is None or envelope["accountId"] != account_id:
        return  # the route answers ENVELOPE_DOES_NOT_EXIST itself
    if envelope["sender"]["userId"] == user_id or is_admin(st, user_id, account_id):
        return
    email = str((st.users.get(user_id) or {}).get("email") or "").lower()
    for recipient in st.iter_recipients(envelope):
        if str(recipient.get("email") or "").lower() == email and email:
            return
    raise DocuSignError(
        400,
        "USER_NOT_ENVELOPE_SENDER_OR_RECIPIENT",
        "This user is not the sender or a recipient of the envelope. Only the sender or a "
        "recipient of the envelope may perform the requested operation.",
    )
