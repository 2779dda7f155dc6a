"""`python -m admin preflight NAME --api-url …`: before go-live, check a connection end to end
and print a checklist.

Each check says ok or what to fix: the connection's secret (and its callback signing key, if
any), a fresh token (which needs the user's consent), the account and its base URI, the
Connect configuration (present, enabled, pointing at this stack's listener, signed with HMAC,
sending the events the connector applies) with HMAC keys kept in the connection, and the
account settings later calls depend on.
It makes four DocuSign calls at most and changes nothing.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from docusign_connector.adapters.docusign.auth import TokenProvider
from docusign_connector.adapters.docusign.client import DocuSignClient
from docusign_connector.adapters.docusign.transport import Transport
from docusign_connector.adapters.secrets import ConnectionRepository
from docusign_connector.connections import is_loopback
from docusign_connector.errors import ConnectorError

# Account settings (GET …/settings, `accountSettingsInformation`) the connector's calls use:
# the setting, and what fails without it.
REQUIRED_SETTINGS = {
    "allowEnvelopeCustomFields": "envelope custom fields (the connector's tracking fields)",
    "enableSequentialSigningAPI": "signing order (routingOrder) in API sends",
    "allowReminders": "reminders and expiration sent with an envelope",
}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def dump(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def connect_checks(
    configurations: list[dict[str, Any]],
    url: str,
    hmac_keys: tuple[str, ...],
    events: tuple[str, ...],
) -> list[Check]:
    mine = [c for c in configurations if str(c.get("urlToPublishTo") or "").strip() == url]
    if not mine:
        elsewhere = ", ".join(str(c.get("urlToPublishTo")) for c in configurations[:5]) or "none"
        return [
            Check(
                "connect configuration",
                False,
                f"no Connect configuration publishes to {url} (the account's: {elsewhere}); "
                "run `python -m admin connect NAME --api-url …`",
            )
        ]
    config = mine[0]
    checks = [Check("connect configuration", True, f"connectId {config.get('connectId')}")]
    enabled = str(config.get("allowEnvelopePublish", "true")).lower() != "false"
    checks.append(
        Check(
            "connect enabled",
            enabled,
            "publishing" if enabled else "the configuration is disabled in DocuSign",
        )
    )
    checks.append(
        Check(
            "connect HMAC",
            _true(config.get("includeHMAC")),
            "messages are signed"
            if _true(config.get("includeHMAC"))
            else "includeHMAC is off: the listener refuses unsigned messages",
        )
    )
    keys = len(hmac_keys)
    checks.append(
        Check(
            "connection HMAC keys",
            keys > 0,
            f"{keys} key(s) kept"
            if keys
            else "add the key DocuSign shows under Settings > Connect > Connect Keys",
        )
    )
    given = {str(e) for e in config.get("events") or []}
    missing = [e for e in events if given and e not in given]
    checks.append(
        Check(
            "connect events",
            not missing,
            "every event the connector applies"
            if not missing
            else "missing events: " + ", ".join(missing),
        )
    )
    return checks


def settings_checks(settings: dict[str, Any]) -> list[Check]:
    checks = []
    for name, used_for in REQUIRED_SETTINGS.items():
        value = settings.get(name)
        ok = value is None or _true(value)  # absent: DocuSign's default applies
        detail = f"{name} = {value}" if value is not None else f"{name} not reported"
        if not ok:
            detail += f"; needed for {used_for}"
        checks.append(Check(f"setting {name}", ok, detail))
    return checks


def callback_check(repository: ConnectionRepository, name: str) -> Check:
    """Callbacks are optional: without a key, sends that name a callbackUrl are refused."""
    try:
        secret = repository.callback_secret(name, fresh=True)
    except ConnectorError as exc:
        return Check("callback signing key", False, exc.message)
    if secret is None:
        return Check(
            "callback signing key",
            True,
            "none: sends with a callbackUrl are refused (python -m admin put NAME "
            "--callback-secret-file …)",
        )
    return Check("callback signing key", True, repository.callback_secret_name(name))


def preflight(args: argparse.Namespace, url: str, events: tuple[str, ...]) -> dict[str, Any]:
    checks: list[Check] = []

    def result() -> dict[str, Any]:
        return {
            "connection": args.name,
            "webhookUrl": url,
            "ready": all(c.ok for c in checks),
            "checks": [c.dump() for c in checks],
        }

    repository = ConnectionRepository(args.prefix)
    try:
        connection = repository.get(args.name, fresh=True)
    except ConnectorError as exc:
        checks.append(Check("connection secret", False, exc.message))
        return result()
    try:
        # The HMAC keys live in the connection's own Connect secret ({prefix}/{name}/connect).
        hmac_keys = repository.connect_keys(args.name, fresh=True)
    except ConnectorError:
        hmac_keys = ()
    checks.append(Check("connection secret", True, f"{args.prefix}/{args.name}"))
    checks.append(callback_check(repository, args.name))
    tokens = TokenProvider()
    try:
        tokens.token(connection, fresh=True)
    except ConnectorError as exc:
        checks.append(Check("token and consent", False, f"{exc.code}: {exc.message}"))
        return result()
    checks.append(Check("token and consent", True, "a fresh JWT grant token"))
    try:
        account = tokens.account(connection, fresh=True)
    except ConnectorError as exc:
        checks.append(Check("account", False, f"{exc.code}: {exc.message}"))
        return result()
    checks.append(Check("account", True, f"{account.account_name} ({account.account_id})"))
    base = urlsplit(account.base_uri)
    secure = base.scheme == "https" or is_loopback(base.hostname or "")
    checks.append(Check("base URI", secure, account.base_uri))
    client = DocuSignClient(Transport(connection, tokens))
    try:
        checks += connect_checks(client.list_connect_configurations(), url, hmac_keys, events)
    except ConnectorError as exc:
        checks.append(Check("connect configuration", False, f"{exc.code}: {exc.message}"))
    try:
        checks += settings_checks(client.get_account_settings())
    except ConnectorError as exc:
        checks.append(Check("account settings", False, f"{exc.code}: {exc.message}"))
    if getattr(args, "sender", None):
        checks += sender_checks(connection, tokens, client, account, args.sender)
    return result()


def sender_checks(
    connection: Any, tokens: TokenProvider, client: DocuSignClient, account: Any, sender: str
) -> list[Check]:
    """A sender of DESIGN §12 end to end: a user of the account, active, allowed by the
    connection, consented (a fresh token as that user), and a member of the account."""
    from docusign_connector.connections import ANY_SENDER

    wanted = sender.strip().lower()
    users = client.find_users(wanted) if "@" in wanted else [client.get_user(wanted) or {}]
    matching = [
        u
        for u in users
        if wanted in (str(u.get("email", "")).lower(), str(u.get("userId", "")).lower())
    ]
    if not matching:
        return [Check("sender", False, f"{sender} is not a user of the account")]
    user = matching[0]
    user_id = str(user["userId"]).lower()
    checks = [Check("sender", True, f"{user.get('userName')} ({user_id})")]
    active = str(user.get("userStatus", "")).lower() == "active"
    checks.append(Check("sender active", active, str(user.get("userStatus"))))
    allowed = connection.allowed_senders
    listed = ANY_SENDER in allowed or user_id in allowed or wanted in allowed
    listed = listed or str(user.get("email", "")).lower() in allowed
    checks.append(
        Check(
            "sender allowed",
            listed,
            "in allowedSenders" if listed else "add it to the connection's allowedSenders",
        )
    )
    acting = connection.as_user(user_id, account.account_id, account.base_uri)
    try:
        tokens.token(acting, fresh=True)
        checks.append(Check("sender consent", True, "a fresh JWT grant token as the sender"))
        tokens.account(acting, fresh=True)
        checks.append(Check("sender account", True, "a member of the connection's account"))
    except ConnectorError as exc:
        name = "sender consent" if exc.code == "CONSENT_REQUIRED" else "sender account"
        detail = f"{exc.code}: {exc.message}"
        if exc.code == "CONSENT_REQUIRED":
            detail += f" ({connection.consent_url()}, opened by the sender)"
        checks.append(Check(name, False, detail))
    return checks


def checklist(result: dict[str, Any]) -> str:
    lines = [f"Preflight of {result['connection']} ({result['webhookUrl']})"]
    for check in result["checks"]:
        mark = "[ok]  " if check["ok"] else "[FIX] "
        lines.append(f"  {mark}{check['check']}: {check['detail']}")
    lines.append("Ready for go-live." if result["ready"] else "Not ready: fix the [FIX] lines.")
    return "\n".join(lines)
