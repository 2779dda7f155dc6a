"""DocuSign OAuth: the JWT grant (`/oauth/token`), the consent page (`/oauth/auth`) and
`/oauth/userinfo`.

Where DocuSign publishes the reason it gives (`issuer_not_found`,
`no_valid_keys_or_signatures`, `user_not_found`, `consent_required`) the emulator gives the
same; for the other refusals it gives a short reason of its own under the same `error`.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import jwt
from flask import Blueprint, current_app, jsonify, redirect, request
from markupsafe import escape

from .errors import OAuthError
from .membership import grant_consent, has_consented
from .state import EmulatorState

bp = Blueprint("oauth", __name__, url_prefix="/oauth")

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DOCUSIGN_AUDIENCES = ("account-d.docusign.com",)
REQUIRED_SCOPES = ("signature", "impersonation")


def state() -> EmulatorState:
    return current_app.config["EMULATOR_STATE"]


def _grant_error(reason: str) -> OAuthError:
    return OAuthError("invalid_grant", reason)


def verify_assertion(assertion: str, host: str) -> dict[str, Any]:
    """Check a JWT grant assertion the way DocuSign does; return its claims."""
    st = state()
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise _grant_error("invalid_assertion") from exc
    if header.get("alg") != "RS256":
        raise _grant_error("unsupported_signing_algorithm")
    integration_key = unverified.get("iss")
    with st.lock:
        integration = st.integrations.get(str(integration_key)) if integration_key else None
    if integration is None:
        raise _grant_error("issuer_not_found")
    try:
        claims = jwt.decode(
            assertion,
            key=integration["public_key"],
            algorithms=["RS256"],
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise _grant_error("no_valid_keys_or_signatures") from exc
    except jwt.InvalidTokenError as exc:
        raise _grant_error("invalid_assertion") from exc

    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
    if not any(a in (host, *DOCUSIGN_AUDIENCES) for a in audiences):
        raise _grant_error("invalid_audience")
    now = st.now().timestamp()
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise _grant_error("missing_iat_or_exp")
    if exp <= now:
        raise _grant_error("expired_assertion")
    if iat > now + st.clock_skew_seconds:
        raise _grant_error("iat_in_the_future")
    if exp - iat > st.max_assertion_lifetime:
        raise _grant_error("assertion_lifetime_too_long")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and nbf > now + st.clock_skew_seconds:
        raise _grant_error("not_yet_valid")
    subject = str(claims.get("sub") or "")
    with st.lock:
        known = subject in st.users
        consented = known and has_consented(st, integration, subject)
    if not known:
        raise _grant_error("user_not_found")
    scopes = str(claims.get("scope") or "").split()
    if not all(s in scopes for s in REQUIRED_SCOPES):
        # DocuSign: "If you're receiving consent_required then one or both of the consents
        # is missing" (signature and impersonation).
        raise OAuthError("consent_required")
    if not consented:
        # the user has not consented, and no administrator consented for the user's account
        raise OAuthError("consent_required")
    return claims


@bp.post("/token")
def token():
    grant_type = request.form.get("grant_type", "")
    if grant_type != JWT_BEARER:
        raise OAuthError("unsupported_grant_type")
    assertion = request.form.get("assertion", "")
    issuer = None
    with contextlib.suppress(jwt.InvalidTokenError):
        issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
    st = state()
    if issuer:
        with st.lock:
            st.token_requests[str(issuer)] += 1
    if not assertion:
        raise OAuthError("invalid_request", "assertion is required")
    claims = verify_assertion(assertion, request.host)
    record = st.issue_token(claims["iss"], claims["sub"], str(claims["scope"]).split())
    return jsonify(
        {
            "access_token": record["access_token"],
            "token_type": "Bearer",
            "expires_in": st.token_lifetime,
        }
    )


@bp.get("/userinfo")
def userinfo():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    st = state()
    record = st.token_record(token.strip()) if scheme.lower() == "bearer" else None
    if record is None:
        raise OAuthError("invalid_token", "The access token is invalid or has expired", 401)
    with st.lock:
        user = st.users[record["user_id"]]
        name = user["name"]
        given, _, family = name.partition(" ")
        return jsonify(
            {
                "sub": user["user_id"],
                "name": name,
                "given_name": given,
                "family_name": family,
                "created": user["created"],
                "email": user["email"],
                "accounts": st.user_accounts(user["user_id"], request.host_url),
            }
        )


# ---------------------------------------------------------------- consent page

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f4f6; margin: 0; }}
main {{ max-width: 32rem; margin: 4rem auto; background: #fff; padding: 2rem;
        border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.3rem; }} code {{ background: #eee; padding: 0 .2rem; }}
button {{ font-size: 1rem; padding: .5rem 1.2rem; margin-right: .5rem; cursor: pointer; }}
.allow {{ background: #ffc820; border: 1px solid #c99a00; }}
</style></head><body><main>{body}</main></body></html>"""


def _page(title: str, body: str, status: int = 200):
    return (
        _PAGE.format(title=escape(title), body=body),
        status,
        {"Content-Type": "text/html; charset=utf-8"},
    )


def _redirect_with(uri: str, params: dict[str, str]):
    parts = urlsplit(uri)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return redirect(urlunsplit(parts._replace(query=query)), code=302)


@bp.get("/auth")
def consent_page():
    args = request.args
    client_id = args.get("client_id", "")
    st = state()
    with st.lock:
        integration = st.integrations.get(client_id)
        user = st.users.get(integration["user_id"]) if integration else None
        hint = args.get("login_hint", "").strip().lower()
        signing_in = next((u for u in st.users.values() if u["email"].lower() == hint), None)
        user = signing_in if hint and signing_in else user
    if integration is None or user is None:
        return _page(
            "Error",
            "<h1>Something went wrong</h1><p>The client id "
            f"<code>{escape(client_id)}</code> is not a registered integration key.</p>",
            400,
        )
    response_type = args.get("response_type", "")
    if response_type != "code":
        return _page(
            "Error",
            f"<h1>Invalid request</h1><p>Unsupported response_type "
            f"<code>{escape(response_type)}</code>.</p>",
            400,
        )
    scopes = [s for s in args.get("scope", "signature").replace("+", " ").split() if s]
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in (
            ("client_id", client_id),
            ("redirect_uri", args.get("redirect_uri", "")),
            ("state", args.get("state", "")),
            ("scope", " ".join(scopes)),
            ("user_id", user["user_id"]),
        )
    )
    scope_items = "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes)
    body = (
        "<h1>Allow access?</h1>"
        f"<p>The application <strong>{escape(client_id)}</strong> requests access to your "
        f"DocuSign account as <strong>{escape(user['name'])}</strong> "
        f"({escape(user['email'])}), with these permissions:</p><ul>{scope_items}</ul>"
        f'<form method="post" action="/oauth/auth">{hidden}'
        '<button class="allow" name="decision" value="allow">Allow access</button>'
        '<button name="decision" value="decline">Decline</button></form>'
    )
    return _page("Allow access", body)


@bp.post("/auth")
def consent_decision():
    form = request.form
    client_id = form.get("client_id", "")
    st = state()
    with st.lock:
        known = client_id in st.integrations
    if not known:
        return _page("Error", "<h1>Unknown integration key</h1>", 400)
    redirect_uri = form.get("redirect_uri", "")
    extra = {"state": form["state"]} if form.get("state") else {}
    if form.get("decision") != "allow":
        if redirect_uri:
            return _redirect_with(
                redirect_uri,
                {"error": "access_denied", "error_message": "The user declined consent"} | extra,
            )
        return _page("Access declined", "<h1>Access declined</h1><p>Nothing was granted.</p>")
    code = secrets.token_urlsafe(24)
    with st.lock:
        user_id = form.get("user_id") or st.integrations[client_id]["user_id"]
        if user_id not in st.users:
            return _page("Error", "<h1>Unknown user</h1>", 400)
    grant_consent(st, client_id, user_id)
    with st.lock:
        st.authorization_codes[code] = {"client_id": client_id}
    if redirect_uri:
        return _redirect_with(redirect_uri, {"code": code} | extra)
    return _page(
        "Consent granted",
        f"<h1>Consent granted</h1><p>The application <code>{escape(client_id)}</code> may now "
        "act on your behalf. You can close this page.</p>",
    )
