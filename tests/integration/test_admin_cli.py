"""The connections tool against moto and the emulator: put, show, list, consent-url, verify,
delete; a bad key is refused before anything is stored."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from admin.connections import main

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr()
    text = out.out if code == 0 else out.err
    return code, json.loads(text)


def test_put_show_verify_consent_delete(
    tmp_path: Path, connections: Any, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import rsa_key_pair

    private, public = rsa_key_pair()
    integration_key, user_id, account_id = (str(uuid.uuid4()) for _ in range(3))
    emulator.state.register_integration(
        integration_key,
        public,
        user_id,
        accounts=[
            {"account_id": account_id, "account_name": "CLI", "is_default": True, "base_uri": None}
        ],
    )
    key_file = tmp_path / "key.pem"
    key_file.write_text(private)
    callback_key = "cli-acme-callback-signing-key"
    callback_file = tmp_path / "callbacks.key"
    callback_file.write_text(callback_key + "\n")

    code, stored = run(
        capsys,
        "put",
        "cli-acme",
        "--integration-key",
        integration_key,
        "--user-id",
        user_id,
        "--private-key-file",
        str(key_file),
        "--auth-server",
        emulator.url,
        "--hmac-key",
        "k1",
        "--callback-secret-file",
        str(callback_file),
    )
    assert code == 0
    assert stored["stored"] == "docusign-connector/connections/cli-acme"
    assert stored["callbackSecret"] is True and callback_key not in json.dumps(stored)
    from docusign_connector.adapters.secrets import ConnectionRepository

    repository = ConnectionRepository("docusign-connector/connections")
    assert repository.callback_secret("cli-acme", fresh=True) == callback_key

    code, shown = run(capsys, "show", "cli-acme")
    assert code == 0
    assert shown["integrationKey"] == integration_key
    assert shown["connectHmacKeys"] == 1
    assert shown["callbackSecret"] is True and callback_key not in json.dumps(shown)
    assert "BEGIN" not in json.dumps(shown)
    assert private.splitlines()[1] not in json.dumps(shown)

    code, listed = run(capsys, "list")
    assert "cli-acme" in listed["connections"]

    code, verified = run(capsys, "verify", "cli-acme")
    assert code == 0 and verified["accountId"] == account_id

    code, consent = run(capsys, "consent-url", "cli-acme")
    assert consent["consentUrl"].startswith(f"{emulator.url}/oauth/auth?")

    code, deleted = run(capsys, "delete", "cli-acme", "--now")
    assert code == 0 and deleted["recoverable"] is False
    assert sorted(deleted["alsoDeleted"]) == [
        "docusign-connector/connections/cli-acme/callback",
        "docusign-connector/connections/cli-acme/connect",
    ]
    assert repository.callback_secret("cli-acme", fresh=True) is None
    code, error = run(capsys, "show", "cli-acme")
    assert code == 1 and error["error"]["code"] == "ResourceNotFoundException"


def test_put_refuses_a_public_key(
    tmp_path: Path, connections: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import rsa_key_pair

    _, public = rsa_key_pair()
    key_file = tmp_path / "pub.pem"
    key_file.write_text(public)
    code, error = run(
        capsys,
        "put",
        "cli-bad",
        "--integration-key",
        "ik",
        "--user-id",
        "u",
        "--private-key-file",
        str(key_file),
    )
    assert code == 1
    assert error["error"]["code"] == "PUBLIC_KEY_GIVEN"
    code, _ = run(capsys, "show", "cli-bad")
    assert code == 1  # nothing was stored


def test_put_moves_a_callback_key_out_of_the_credentials_secret(
    connections: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import boto3

    from docusign_connector.adapters.secrets import ConnectionRepository

    registered = connections.create("cli-legacy")
    secrets = boto3.client("secretsmanager")
    secret_id = "docusign-connector/connections/cli-legacy"
    legacy_key = "a-callback-key-kept-with-the-credentials"
    secrets.put_secret_value(
        SecretId=secret_id,
        SecretString=json.dumps({**registered.secret, "callbackSecret": legacy_key}),
    )
    repository = ConnectionRepository("docusign-connector/connections")
    assert repository.callback_secret("cli-legacy", fresh=True) is None

    code, stored = run(capsys, "put", "cli-legacy")
    assert code == 0 and stored["callbackSecret"] is True
    assert repository.callback_secret("cli-legacy", fresh=True) == legacy_key
    credentials = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    assert "callbackSecret" not in credentials


def test_put_refuses_a_short_callback_key(
    tmp_path: Path, connections: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    connections.create("cli-short")
    short = tmp_path / "short.key"
    short.write_text("too-short")
    code, error = run(capsys, "put", "cli-short", "--callback-secret-file", str(short))
    assert code == 1 and error["error"]["code"] == "INVALID_FIELD"
