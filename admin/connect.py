"""`python -m admin connect NAME …`: the connection's Connect configuration at DocuSign and
its HMAC keys (see admin/connections.py for the other commands)."""

from __future__ import annotations

import argparse
import json
from typing import Any
from urllib.parse import urlsplit

from admin.stored import read_keys, read_secret, secrets_client, write_keys
from docusign_connector.adapters.docusign.auth import TokenProvider
from docusign_connector.adapters.docusign.client import DocuSignClient
from docusign_connector.adapters.docusign.transport import Transport
from docusign_connector.connections import is_loopback, parse_connection
from docusign_connector.errors import ConnectorError

CONNECT_EVENTS = (
    "envelope-created",
    "envelope-sent",
    "envelope-resent",
    "envelope-delivered",
    "envelope-completed",
    "envelope-declined",
    "envelope-voided",
    "recipient-sent",
    "recipient-delivered",
    "recipient-completed",
    "recipient-declined",
)


def webhook_url(args: argparse.Namespace) -> str:
    """The connection's Connect URL: given whole, or the API's stage URL + the webhook path."""
    if args.webhook_url:
        url = args.webhook_url.strip()
    elif args.api_url:
        url = f"{args.api_url.strip().rstrip('/')}/webhooks/docusign/{args.name}"
    else:
        raise ConnectorError(
            "give --api-url (the stack's ApiUrl output) or --webhook-url", code="URL_REQUIRED"
        )
    parts = urlsplit(url)
    if parts.scheme != "https" and not (
        parts.scheme == "http" and is_loopback(parts.hostname or "")
    ):
        raise ConnectorError(
            "DocuSign Connect needs an https URL (plain http only for a local stack)",
            code="INVALID_WEBHOOK_URL",
        )
    return url


def connect_configuration(name: str, url: str, user_ids: list[str] | None) -> dict[str, Any]:
    """DocuSign's `connectCustomConfiguration` for the connector's listener: only the events
    of the connection's users (its own and its allowed senders), so connections sharing a
    DocuSign account never receive each other's envelopes (`allUsers` false needs `userIds`,
    DocuSign's spec says); `user_ids` None: every user's (allowedSenders "*")."""
    users: dict[str, Any] = (
        {"allUsers": "true"} if user_ids is None else {"allUsers": "false", "userIds": user_ids}
    )
    return {
        "configurationType": "custom",
        "name": f"DocuSign Serverless Connector ({name})"[:100],
        "urlToPublishTo": url,
        **users,
        "allowEnvelopePublish": "true",
        "enableLog": "true",
        "deliveryMode": "SIM",
        "requiresAcknowledgement": "true",
        "includeHMAC": "true",
        "events": list(CONNECT_EVENTS),
        "eventData": {
            "version": "restv2.1",
            "format": "json",
            "includeData": ["custom_fields", "recipients"],
        },
    }


def connect_users(connection: Any, docusign: DocuSignClient) -> list[str] | None:
    """The user ids whose envelopes the connection follows: its own and its allowed senders'
    (e-mails looked up with the Users API); None for every user ("*")."""
    from docusign_connector.connections import ANY_SENDER

    if ANY_SENDER in connection.allowed_senders:
        return None
    ids = [connection.user_id.lower()]
    for entry in connection.allowed_senders:
        if "@" not in entry:
            ids.append(entry)
            continue
        users = [u for u in docusign.find_users(entry) if str(u.get("email", "")).lower() == entry]
        active = [u for u in users if str(u.get("userStatus", "")).lower() == "active"]
        ids += [str(u["userId"]).lower() for u in active or users]
    return list(dict.fromkeys(ids))


def _same_users(configuration: dict[str, Any], user_ids: list[str] | None) -> bool:
    if user_ids is None:
        return str(configuration.get("allUsers")).lower() == "true"
    listed = configuration.get("userIds") or []
    listed = listed.split(",") if isinstance(listed, str) else listed
    return str(configuration.get("allUsers")).lower() == "false" and sorted(
        str(u).strip().lower() for u in listed
    ) == sorted(user_ids)


def cmd_connect(args: argparse.Namespace) -> dict[str, Any]:
    """Keep the connection's HMAC keys and register its Connect configuration at DocuSign.

    DocuSign makes the HMAC keys (Settings > Connect > Connect Keys) and shows each once;
    `--hmac-key` adds one to the connection, which then accepts messages signed with any of
    its keys, so a new key can be added before the old one is removed at DocuSign.
    `--retire-old-keys` keeps only the keys given now.
    """
    url = webhook_url(args)
    client = secrets_client(args.region)
    secret_id = f"{args.prefix}/{args.name}"
    data = read_secret(client, secret_id)
    # Keys an older version kept in the credentials secret are moved to the Connect secret.
    legacy = list(data.pop("connectHmacKeys", None) or [])
    stored = read_keys(client, args.prefix, args.name)
    keys = [] if args.retire_old_keys else stored + [k for k in legacy if k not in stored]
    keys += [k for k in (args.hmac_key or []) if k not in keys]
    if not keys:
        raise ConnectorError(
            "the connection has no Connect HMAC key: add the key DocuSign shows under "
            "Settings > Connect > Connect Keys with --hmac-key",
            code="HMAC_KEY_REQUIRED",
        )
    if keys != stored:
        write_keys(client, args.prefix, args.name, keys)
    if legacy:
        client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(data))
    connection = parse_connection(args.name, data)
    docusign = DocuSignClient(Transport(connection, TokenProvider()))
    user_ids = connect_users(connection, docusign)
    existing = next(
        (c for c in docusign.list_connect_configurations() if c.get("urlToPublishTo") == url),
        None,
    )
    configuration = existing or docusign.create_connect_configuration(
        connect_configuration(args.name, url, user_ids)
    )
    if existing is not None and not _same_users(existing, user_ids):
        # the allowed senders changed since it was registered: its users follow them
        configuration = docusign.update_connect_configuration(
            {**existing, **connect_configuration(args.name, url, user_ids)}
        )
    return {
        "connection": args.name,
        "webhookUrl": url,
        "connectId": configuration.get("connectId"),
        "created": existing is None,
        "users": "all" if user_ids is None else user_ids,
        "includeHMAC": configuration.get("includeHMAC"),
        "events": configuration.get("events"),
        "connectHmacKeys": len(keys),
    }
