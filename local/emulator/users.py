"""Users of an account (the rules are in `membership`): Users:list, Users:get, and the test
controls that add users and give consent.

- An account has users (`add_user`): each with a userId, userName, email, userStatus (the
  spec's `userInformation.userStatus`: ActivationRequired, ActivationSent, Active, Closed,
  Disabled) and whether they administer the account (`isAdmin`). The integration's own user
  (`register_integration`) administers its accounts, as a connection's service user usually
  does.
- Users:list, `GET /v2.1/accounts/{accountId}/users` (`userInformationList`), filtered by
  `email` (the whole address, case-insensitive) or `email_substring`, and `status`;
  Users:get, `GET /users/{userId}` (`userInformation`).
- JWT Grant for any user (`sub`): the user must exist (else `user_not_found`) and have
  consented to the integration key — individually, or through an organisation administrator's
  consent for every user of the organisation's claimed domains (here: of an account,
  `grant_admin_consent`) — else `consent_required` ("Obtain and revoke consent": individual
  consent, and organisation administrator consent for internal and external applications;
  "JWT Grant implementation and best practices"). The consent page grants it for the user
  who signs in (`login_hint` or the page's e-mail field).
- An envelope is the sender's: a user who neither sent it, nor is one of its recipients, nor
  administers the account gets `USER_NOT_ENVELOPE_SENDER_OR_RECIPIENT` (400) for every route
  of that envelope. DocuSign publishes the code (its error list) but not when exactly it is
  given; the emulator gives it for every envelope route, which is what a non-admin user's
  integration meets.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from . import control, rest
from .errors import DocuSignError, invalid_parameter
from .membership import add_user, grant_admin_consent, grant_consent


def _user_information(user: dict[str, Any], account_id: str) -> dict[str, Any]:
    admin = next(
        (m.get("is_admin", True) for m in user["accounts"] if m["account_id"] == account_id),
        False,
    )
    first, _, last = str(user["name"]).partition(" ")
    return {
        "userId": user["user_id"],
        "userName": user["name"],
        "firstName": first,
        "lastName": last,
        "email": user["email"],
        "userStatus": user.get("status", "Active"),
        "isAdmin": "True" if admin else "False",
        "createdDateTime": user["created"],
        "uri": f"/users/{user['user_id']}",
    }


def members(st: Any, account_id: str) -> list[dict[str, Any]]:
    return [
        u
        for u in st.users.values()
        if any(m["account_id"] == account_id for m in u.get("accounts", []))
    ]


@rest.bp.get("/users")
def list_users(account_id: str):
    st = rest.state()
    email = request.args.get("email")
    fragment = request.args.get("email_substring")
    if email and fragment:
        raise invalid_parameter("Use either 'email' or 'email_substring', not both.")
    statuses = {s.strip().lower() for s in request.args.get("status", "").split(",") if s.strip()}
    with st.lock:
        found = []
        for user in sorted(members(st, account_id), key=lambda u: u["created"]):
            address = str(user["email"]).lower()
            if email and address != email.strip().lower():
                continue
            if fragment and fragment.strip().lower() not in address:
                continue
            if statuses and str(user.get("status", "Active")).lower() not in statuses:
                continue
            found.append(_user_information(user, account_id))
    size = len(found)
    return jsonify(
        {
            "users": found,
            "resultSetSize": str(size),
            "totalSetSize": str(size),
            "startPosition": "0",
            "endPosition": str(max(size - 1, 0)),
        }
    )


@rest.bp.get("/users/<user_id>")
def get_user(account_id: str, user_id: str):
    st = rest.state()
    with st.lock:
        user = st.users.get(user_id)
        if user is None or not any(m["account_id"] == account_id for m in user["accounts"]):
            raise DocuSignError(
                400, "USER_DOES_NOT_EXIST_IN_SYSTEM", "The UserID does not exist in the system."
            )
        return jsonify(_user_information(user, account_id))


# ---------------------------------------------------------------- test controls


@control.bp.post("/accounts/<account_id>/users")
def add_account_user(account_id: str):
    """`{"userName", "email", "userId"?, "userStatus"?, "isAdmin"?, "consentTo"?: key}`."""
    body = request.get_json(silent=True) or {}
    st = rest.state()
    try:
        user_id = add_user(
            st,
            account_id,
            name=str(body.get("userName") or ""),
            email=str(body.get("email") or ""),
            user_id=body.get("userId"),
            status=str(body.get("userStatus") or "Active"),
            is_admin=bool(body.get("isAdmin")),
        )
    except (KeyError, ValueError) as exc:
        return jsonify({"error": str(exc)}), 400
    if body.get("consentTo"):
        grant_consent(st, str(body["consentTo"]), user_id)
    return jsonify({"userId": user_id, "accountId": account_id}), 201


@control.bp.post("/integrations/<integration_key>/users/<user_id>/consent")
def set_user_consent(integration_key: str, user_id: str):
    """`{"consented": bool}`: that user's own consent to the integration key."""
    st = rest.state()
    if integration_key not in st.integrations or user_id not in st.users:
        return jsonify({"error": "unknown integration key or user"}), 404
    consented = bool((request.get_json(silent=True) or {}).get("consented", True))
    grant_consent(st, integration_key, user_id, consented)
    return jsonify({"integrationKey": integration_key, "userId": user_id, "consented": consented})


@control.bp.post("/integrations/<integration_key>/admin-consent")
def set_admin_consent(integration_key: str):
    """`{"accountId"}`: an organisation administrator consents for every user of the account."""
    st = rest.state()
    account_id = str((request.get_json(silent=True) or {}).get("accountId") or "")
    if integration_key not in st.integrations or account_id not in st.accounts:
        return jsonify({"error": "unknown integration key or account"}), 404
    grant_admin_consent(st, integration_key, account_id)
    return jsonify({"integrationKey": integration_key, "accountId": account_id})
