"""The operators' tool for connections: put, show (never the key), list, delete, consent-url,
verify, connect (the Connect webhook and its HMAC keys), preflight (the go-live checklist).

    python -m admin put acme --integration-key … --user-id … \\
        --private-key-file acme.pem [--auth-server account.docusign.com] \\
        [--callback-secret-file acme-callbacks.key]
    python -m admin verify acme

It uses the caller's AWS credentials (and AWS_ENDPOINT_URL, for the local stack).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from admin.callers import add_parser as add_caller_parser
from admin.connect import CONNECT_EVENTS, cmd_connect, webhook_url
from admin.preflight import checklist, preflight
from admin.stored import (
    callback_secret_id,
    connect_secret_id,
    has_callback_secret,
    read_keys,
    read_secret,
    secrets_client,
    write_callback_secret,
    write_keys,
)
from docusign_connector.adapters.docusign.auth import TokenProvider
from docusign_connector.adapters.secrets import ConnectionRepository
from docusign_connector.connections import (
    parse_callback_secret,
    parse_connection,
)
from docusign_connector.errors import ConnectorError
from docusign_connector.ids import validate_connection_name

DEFAULT_PREFIX = "docusign-connector/connections"


def _public_view(
    name: str, data: dict[str, Any], hmac_keys: int, callback_secret: bool
) -> dict[str, Any]:
    """The connection without key material: the private key becomes its fingerprint; of the
    HMAC keys and the callback key only whether (and how many) there are."""
    hidden = ("privateKey", "connectHmacKeys", "callbackSecret")
    view = {k: v for k, v in data.items() if k not in hidden}
    key = str(data.get("privateKey") or "")
    view["privateKey"] = (
        {"sha256": hashlib.sha256(key.encode()).hexdigest()[:16], "length": len(key)}
        if key
        else None
    )
    view["connectHmacKeys"] = hmac_keys
    view["callbackSecret"] = callback_secret
    view["connection"] = name
    return view


def cmd_put(args: argparse.Namespace) -> dict[str, Any]:
    client = secrets_client(args.region)
    secret_id = f"{args.prefix}/{args.name}"
    existing: dict[str, Any] = {}
    with contextlib.suppress(client.exceptions.ResourceNotFoundException):
        existing = read_secret(client, secret_id)
    data = dict(existing)
    if args.private_key_file:
        data["privateKey"] = Path(args.private_key_file).read_text()
    for field, value in (
        ("integrationKey", args.integration_key),
        ("userId", args.user_id),
        ("authServer", args.auth_server),
        ("accountId", args.account_id),
        ("baseUri", args.base_uri),
        ("redirectUri", args.redirect_uri),
    ):
        if value:
            data[field] = value
    if args.allowed_senders is not None:
        listed = [v.strip() for v in args.allowed_senders.split(",") if v.strip()]
        data["allowedSenders"] = "*" if listed == ["*"] else listed
    # HMAC keys and the callback key live in secrets of their own (older connections kept
    # them here: moved now).
    keys = list(args.hmac_key or data.pop("connectHmacKeys", None) or [])
    data.pop("connectHmacKeys", None)
    callback_secret = data.pop("callbackSecret", None)
    if callback_secret is not None and has_callback_secret(client, args.prefix, args.name):
        callback_secret = None  # the callback secret of its own wins over an older copy
    if args.callback_secret_file:
        callback_secret = Path(args.callback_secret_file).read_text().strip()
    parse_connection(args.name, data)  # refuse to store a connection that cannot work
    if callback_secret is not None:
        parse_callback_secret(args.name, {"callbackSecret": callback_secret})
    text = json.dumps(data)
    if existing:
        client.put_secret_value(SecretId=secret_id, SecretString=text)
    else:
        client.create_secret(
            Name=secret_id, SecretString=text, Description=f"DocuSign connection '{args.name}'"
        )
    if keys:
        write_keys(client, args.prefix, args.name, keys)
    if callback_secret is not None:
        write_callback_secret(client, args.prefix, args.name, callback_secret)
    stored_keys = read_keys(client, args.prefix, args.name)
    has_callback = has_callback_secret(client, args.prefix, args.name)
    return {"stored": secret_id, **_public_view(args.name, data, len(stored_keys), has_callback)}


def cmd_show(args: argparse.Namespace) -> dict[str, Any]:
    client = secrets_client(args.region)
    data = read_secret(client, f"{args.prefix}/{args.name}")
    keys = len(read_keys(client, args.prefix, args.name))
    return _public_view(args.name, data, keys, has_callback_secret(client, args.prefix, args.name))


def cmd_list(args: argparse.Namespace) -> dict[str, Any]:
    repository = ConnectionRepository(args.prefix, secrets_client(args.region))
    return {"connections": repository.names()}


def cmd_delete(args: argparse.Namespace) -> dict[str, Any]:
    client = secrets_client(args.region)
    secret_id = f"{args.prefix}/{args.name}"
    kwargs: dict[str, Any] = (
        {"ForceDeleteWithoutRecovery": True} if args.now else {"RecoveryWindowInDays": 7}
    )
    client.delete_secret(SecretId=secret_id, **kwargs)
    # The connection's Connect and callback secrets go with it.
    also = []
    for own in (
        connect_secret_id(args.prefix, args.name),
        callback_secret_id(args.prefix, args.name),
    ):
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_secret(SecretId=own, **kwargs)
            also.append(own)
    return {"deleted": secret_id, "alsoDeleted": also, "recoverable": not args.now}


def cmd_consent_url(args: argparse.Namespace) -> dict[str, Any]:
    connection = ConnectionRepository(args.prefix).get(args.name, fresh=True)
    return {"connection": args.name, "consentUrl": connection.consent_url()}


def cmd_verify(args: argparse.Namespace) -> dict[str, Any]:
    connection = ConnectionRepository(args.prefix).get(args.name, fresh=True)
    tokens = TokenProvider()
    tokens.token(connection, fresh=True)
    account = tokens.account(connection, fresh=True)
    return {
        "connection": args.name,
        "ok": True,
        "accountId": account.account_id,
        "accountName": account.account_name,
        "baseUri": account.base_uri,
        "userId": account.user_id,
    }


# The JSON SIM events the connector applies (API-NOTES §6.3): every envelope status and
# every recipient step, so that status, recipients and history stay current without polling.
def cmd_preflight(args: argparse.Namespace) -> dict[str, Any]:
    """The go-live checklist (stderr, for people) and its JSON (stdout); exit status 2 when
    something must be fixed."""
    result = preflight(args, webhook_url(args), CONNECT_EVENTS)
    print(checklist(result), file=sys.stderr)
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m admin", description="Manage DocuSign connections and the API's callers."
    )
    parser.add_argument(
        "--prefix", default=os.environ.get("CONNECTIONS_SECRET_PREFIX", DEFAULT_PREFIX)
    )
    parser.add_argument("--region", default=None)
    commands = parser.add_subparsers(dest="command", required=True)

    put = commands.add_parser("put", help="create or update a connection")
    put.add_argument("name")
    put.add_argument("--integration-key")
    put.add_argument("--user-id")
    put.add_argument("--private-key-file", help="PEM file of the RSA private key")
    put.add_argument("--auth-server", help="account-d.docusign.com (demo) or account.docusign.com")
    put.add_argument("--account-id")
    put.add_argument("--base-uri")
    put.add_argument("--redirect-uri")
    put.add_argument("--hmac-key", action="append", help="Connect HMAC key (repeat to rotate)")
    put.add_argument(
        "--allowed-senders",
        help='users it may send as: comma-separated e-mails or user ids, or "*" (DESIGN §12)',
    )
    put.add_argument(
        "--callback-secret-file",
        help="file holding the key that signs callbacks to callbackUrl (16 characters or more)",
    )
    put.set_defaults(run=cmd_put)

    for command, run, help_text in (
        ("show", cmd_show, "show a connection without its key"),
        ("consent-url", cmd_consent_url, "print the consent URL"),
        ("verify", cmd_verify, "check the credentials with a fresh token"),
    ):
        sub = commands.add_parser(command, help=help_text)
        sub.add_argument("name")
        sub.set_defaults(run=run)
    connect = commands.add_parser(
        "connect", help="register the connection's Connect webhook at DocuSign, keep its HMAC keys"
    )
    connect.add_argument("name")
    connect.add_argument("--api-url", help="the stack's ApiUrl output (…/v1)")
    connect.add_argument("--webhook-url", help="the whole listener URL, instead of --api-url")
    connect.add_argument(
        "--hmac-key", action="append", help="a Connect HMAC key from DocuSign (repeatable)"
    )
    connect.add_argument(
        "--retire-old-keys", action="store_true", help="keep only the --hmac-key keys given now"
    )
    connect.set_defaults(run=cmd_connect)
    check = commands.add_parser(
        "preflight", help="check a connection end to end before go-live (a checklist)"
    )
    check.add_argument("name")
    check.add_argument("--api-url", help="the stack's ApiUrl output (…/v1)")
    check.add_argument("--webhook-url", help="the whole listener URL, instead of --api-url")
    check.add_argument(
        "--sender", help="also check one allowed sender (e-mail or user id) end to end"
    )
    check.set_defaults(run=cmd_preflight)
    delete = commands.add_parser("delete", help="delete a connection")
    delete.add_argument("name")
    delete.add_argument("--now", action="store_true", help="no 7-day recovery window")
    delete.set_defaults(run=cmd_delete)
    listing = commands.add_parser("list", help="list connections")
    listing.set_defaults(run=cmd_list)
    add_caller_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.prefix = args.prefix.rstrip("/")
    try:
        if getattr(args, "name", None) is not None:
            validate_connection_name(args.name)
        result = args.run(args)
    except ConnectorError as exc:
        print(json.dumps(exc.to_body(), indent=2), file=sys.stderr)
        return 1
    except Exception as exc:  # an AWS error: say which, never a stack trace with secrets
        print(
            json.dumps({"error": {"code": type(exc).__name__, "message": str(exc)}}),
            file=sys.stderr,
        )
        return 1
    print(json.dumps(result, indent=2))
    return 2 if result.get("ready") is False else 0


if __name__ == "__main__":
    raise SystemExit(main())
