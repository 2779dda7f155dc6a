"""Where the operators' tool keeps a connection: its credentials secret `{prefix}/{name}`,
and the secrets of its own of the Connect HMAC keys (`…/connect`) and the callback signing key
(`…/callback`), each readable by one function only (see docs/security.md)."""

from __future__ import annotations

import json
from typing import Any

from docusign_connector.connections import parse_callback_secret, parse_connect_keys


def secrets_client(region: str | None) -> Any:
    import boto3

    return boto3.client("secretsmanager", region_name=region)


def read_secret(client: Any, secret_id: str) -> dict[str, Any]:
    value = client.get_secret_value(SecretId=secret_id)["SecretString"]
    data = json.loads(value)
    return data if isinstance(data, dict) else {}


def connect_secret_id(prefix: str, name: str) -> str:
    """The Connect HMAC keys' own secret: the only one the public webhook may read."""
    return f"{prefix}/{name}/connect"


def read_keys(client: Any, prefix: str, name: str) -> list[str]:
    try:
        data = read_secret(client, connect_secret_id(prefix, name))
    except client.exceptions.ResourceNotFoundException:
        return []
    return list(data.get("connectHmacKeys") or [])


def write_keys(client: Any, prefix: str, name: str, keys: list[str]) -> None:
    secret_id = connect_secret_id(prefix, name)
    parse_connect_keys(name, {"connectHmacKeys": keys})
    text = json.dumps({"connectHmacKeys": keys})
    put_or_create(client, secret_id, text, f"DocuSign Connect HMAC keys of connection '{name}'")


def put_or_create(client: Any, secret_id: str, text: str, description: str) -> None:
    try:
        client.put_secret_value(SecretId=secret_id, SecretString=text)
    except client.exceptions.ResourceNotFoundException:
        client.create_secret(Name=secret_id, SecretString=text, Description=description)


def callback_secret_id(prefix: str, name: str) -> str:
    """The callback signing key's own secret: the only one the callback function may read."""
    return f"{prefix}/{name}/callback"


def has_callback_secret(client: Any, prefix: str, name: str) -> bool:
    try:
        client.describe_secret(SecretId=callback_secret_id(prefix, name))
    except client.exceptions.ResourceNotFoundException:
        return False
    return True


def write_callback_secret(client: Any, prefix: str, name: str, value: str) -> None:
    secret_id = callback_secret_id(prefix, name)
    text = json.dumps({"callbackSecret": value})
    parse_callback_secret(name, text)
    description = f"DocuSign connector callback signing key of connection '{name}'"
    put_or_create(client, secret_id, text, description)
