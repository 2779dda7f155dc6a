"""`python -m admin caller …`: the API's callers (DESIGN §11).

    python -m admin caller add qflow --connections acme,beta --permissions send,read
    python -m admin caller add nintex --connections '*' --permissions send,read,manage --oauth
    python -m admin caller list | show NAME | rotate NAME [--retire-old] | revoke NAME | delete NAME

`add` prints the new API key once (or, with `--oauth`, the Cognito app client's id and secret
once); nothing prints a key again. Which stack: `--table` (or CALLERS_TABLE_NAME), else
`--stack NAME` (its CloudFormation outputs), else the running local stack (.local/stack.json).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docusign_connector.adapters.callers import CallerStore
from docusign_connector.callers import (
    ACTIVE,
    REVOKED,
    Caller,
    new_api_key,
    parse_connections,
    parse_permissions,
    parse_senders,
    validate_caller_name,
)
from docusign_connector.errors import BadRequest, Conflict, NotFound

# The resource server the template gives the stack's user pool, and its scopes' prefix.
RESOURCE_SERVER = "docusign-connector"
LOCAL_STATE = Path(".local/stack.json")


@dataclass(frozen=True)
class Stack:
    """Where a stack keeps its callers, and its OAuth issuer if it has a user pool."""

    table: str
    user_pool_id: str | None = None
    issuer: str | None = None
    token_url: str | None = None


def find_stack(args: argparse.Namespace) -> Stack:
    table = args.table or os.environ.get("CALLERS_TABLE_NAME")
    if table:
        return Stack(table, args.user_pool_id, args.cognito_issuer, args.token_url)
    if args.stack:
        import boto3

        described = boto3.client("cloudformation", region_name=args.region).describe_stacks(
            StackName=args.stack
        )["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        if "CallersTableName" not in outputs:
            raise NotFound(
                f"stack {args.stack} has no CallersTableName output: deploy this version first",
                code="STACK_WITHOUT_CALLERS",
            )
        return Stack(
            outputs["CallersTableName"],
            outputs.get("UserPoolId"),
            outputs.get("CognitoIssuer"),
            outputs.get("TokenUrl"),
        )
    return _local_stack()


def _local_stack() -> Stack:
    from local.state_file import read_state

    state = read_state(LOCAL_STATE) or {}
    table = state.get("resources", {}).get("CallersTable")
    if not table:
        raise BadRequest(
            "which stack? give --stack NAME or --table TABLE (or start the local stack)",
            code="STACK_REQUIRED",
        )
    os.environ.setdefault("AWS_ENDPOINT_URL", state["aws"]["endpointUrl"])
    oauth = state.get("oauth") or {}
    return Stack(table, oauth.get("userPoolId"), oauth.get("issuer"), oauth.get("tokenUrl"))


def _store(stack: Stack) -> CallerStore:
    return CallerStore(stack.table)


def _view(caller: Caller, store: CallerStore) -> dict[str, Any]:
    return {
        "caller": caller.name,
        "status": caller.status,
        "connections": list(caller.connections),
        "permissions": list(caller.permissions),
        "keys": [
            {"keyId": key_id, "createdAt": store.key_created_at(key_id)}
            for key_id in caller.key_ids
        ],
        "oauthClients": [client.rpartition("#")[2] for client in caller.oauth_clients],
        "senders": list(caller.senders) or "whoever its connections allow",
    }


def _existing(store: CallerStore, name: str) -> Caller:
    caller = store.caller(validate_caller_name(name))
    if caller is None:
        raise NotFound(f"no caller named {name}", code="CALLER_NOT_FOUND")
    return caller


def _cognito(region: str | None) -> Any:
    import boto3

    return boto3.client("cognito-idp", region_name=region)


def cmd_add(args: argparse.Namespace) -> dict[str, Any]:
    name = validate_caller_name(args.caller_name)
    caller = Caller(
        name,
        parse_connections(args.connections),
        parse_permissions(args.permissions),
        senders=parse_senders(args.senders) if args.senders else (),
    )
    stack = find_stack(args)
    store = _store(stack)
    if store.caller(name) is not None:
        raise Conflict(f"a caller named {name} exists already", code="CALLER_EXISTS")
    result: dict[str, Any] = {}
    client: tuple[str, str] | None = None
    key = None
    if args.oauth:
        if not (stack.user_pool_id and stack.issuer):
            raise BadRequest(
                "--oauth needs the stack's user pool: deploy with CreateUserPool=true",
                code="NO_USER_POOL",
            )
        app = _cognito(args.region).create_user_pool_client(
            UserPoolId=stack.user_pool_id,
            ClientName=name,
            GenerateSecret=True,
            AllowedOAuthFlows=["client_credentials"],
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthScopes=[f"{RESOURCE_SERVER}/{p}" for p in caller.permissions],
            SupportedIdentityProviders=["COGNITO"],
        )["UserPoolClient"]
        client = (stack.issuer, app["ClientId"])
        result["oauth"] = {
            "clientId": app["ClientId"],
            "clientSecret": app["ClientSecret"],  # shown once: Cognito keeps it, we do not
            "tokenUrl": stack.token_url,
            "scopes": [f"{RESOURCE_SERVER}/{p}" for p in caller.permissions],
        }
    elif args.oauth_client:
        if not args.issuer:
            raise BadRequest("--oauth-client needs --issuer (the tokens' iss)", code="NO_ISSUER")
        client = (args.issuer, args.oauth_client)
        result["oauth"] = {"clientId": args.oauth_client, "issuer": args.issuer}
    else:
        key = new_api_key()
        result["apiKey"] = key.key
    try:
        store.create(caller, key, client)
    except Conflict:
        if args.oauth and client is not None:  # the name was taken meanwhile
            _cognito(args.region).delete_user_pool_client(
                UserPoolId=stack.user_pool_id, ClientId=client[1]
            )
        raise
    created = store.caller(name)
    assert created is not None
    return {
        **_view(created, store),
        **result,
        "note": "the key (or client secret) above is shown once and cannot be shown again",
    }


def cmd_list(args: argparse.Namespace) -> dict[str, Any]:
    store = _store(find_stack(args))
    return {"callers": [_view(caller, store) for caller in sorted(store.callers(), key=_name)]}


def _name(caller: Caller) -> str:
    return caller.name


def cmd_show(args: argparse.Namespace) -> dict[str, Any]:
    store = _store(find_stack(args))
    return _view(_existing(store, args.caller_name), store)


def cmd_rotate(args: argparse.Namespace) -> dict[str, Any]:
    store = _store(find_stack(args))
    caller = _existing(store, args.caller_name)
    if args.retire_old:
        if not caller.key_ids:
            raise BadRequest(f"{caller.name} has no API key", code="NO_API_KEY")
        newest = caller.key_ids[-1]
        retired = [key_id for key_id in caller.key_ids if key_id != newest]
        store.retire_keys(caller.name, [newest], retired)
        return {**_view(_existing(store, caller.name), store), "retired": retired}
    key = new_api_key()
    store.add_key(caller.name, key)
    return {
        **_view(_existing(store, caller.name), store),
        "apiKey": key.key,
        "note": "both keys work until `rotate --retire-old`; the key above is shown once",
    }


def cmd_revoke(args: argparse.Namespace) -> dict[str, Any]:
    store = _store(find_stack(args))
    caller = _existing(store, args.caller_name)
    store.set_status(caller.name, ACTIVE if args.restore else REVOKED)
    return _view(_existing(store, caller.name), store)


def cmd_delete(args: argparse.Namespace) -> dict[str, Any]:
    stack = find_stack(args)
    store = _store(stack)
    caller = _existing(store, args.caller_name)
    store.delete(caller)
    removed = []
    for client in caller.oauth_clients:
        issuer, _, client_id = client.rpartition("#")
        if stack.user_pool_id and issuer == stack.issuer:
            cognito = _cognito(args.region)
            try:
                cognito.delete_user_pool_client(UserPoolId=stack.user_pool_id, ClientId=client_id)
            except cognito.exceptions.ResourceNotFoundException:
                continue
            removed.append(client_id)
    return {"deleted": caller.name, "deletedAppClients": removed}


def add_parser(commands: Any) -> None:
    caller = commands.add_parser("caller", help="the API's callers: API keys and OAuth clients")
    caller.add_argument("--stack", help="the deployed stack's name (its outputs name the table)")
    caller.add_argument("--table", help="the callers table itself (or CALLERS_TABLE_NAME)")
    caller.add_argument("--user-pool-id", help="with --table: the stack's user pool")
    caller.add_argument("--cognito-issuer", help="with --table: the user pool's iss")
    caller.add_argument("--token-url", help="with --table: the user pool's token endpoint")
    actions = caller.add_subparsers(dest="caller_command", required=True)

    add = actions.add_parser("add", help="a new caller; prints its API key once")
    add.add_argument("caller_name", metavar="NAME")
    add.add_argument("--connections", required=True, help="a,b or * for every connection")
    add.add_argument(
        "--permissions", required=True, help="comma-separated: send, read, manage, admin"
    )
    how = add.add_mutually_exclusive_group()
    how.add_argument(
        "--oauth",
        action="store_true",
        help="a client-credentials app client of the stack's user pool instead of a key",
    )
    how.add_argument(
        "--oauth-client",
        metavar="CLIENT_ID",
        help="the client id (client_id/azp/appid/sub) of tokens from --issuer, instead of a key",
    )
    add.add_argument("--issuer", help="with --oauth-client: the iss of its tokens")
    add.add_argument(
        "--senders",
        help="DocuSign users (e-mails or user ids, comma-separated) it may send as; "
        "default: whoever its connections allow",
    )
    add.set_defaults(run=cmd_add)
    for name, run, text in (
        ("show", cmd_show, "a caller's grants and key ids (never a key)"),
        ("delete", cmd_delete, "remove a caller, its keys and its app clients"),
    ):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("caller_name", metavar="NAME")
        sub.set_defaults(run=run)
    rotate = actions.add_parser("rotate", help="a second API key; --retire-old keeps the newest")
    rotate.add_argument("caller_name", metavar="NAME")
    rotate.add_argument("--retire-old", action="store_true", help="retire every key but the newest")
    rotate.set_defaults(run=cmd_rotate)
    revoke = actions.add_parser("revoke", help="refuse every key and token of a caller")
    revoke.add_argument("caller_name", metavar="NAME")
    revoke.add_argument("--restore", action="store_true", help="accept them again")
    revoke.set_defaults(run=cmd_revoke)
    listing = actions.add_parser("list", help="every caller (never a key)")
    listing.set_defaults(run=cmd_list)
