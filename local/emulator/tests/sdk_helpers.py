"""Fixtures for DocuSign's official Python SDK against the emulator over https (the SDK
reaches the OAuth host over https only): an emulator with a loopback certificate, and an
ApiClient signed in by JWT Grant."""

from __future__ import annotations

import ssl
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.emulator import EmulatorServer
from local.keys import loopback_certificate


@pytest.fixture(scope="module")
def tls_emulator() -> Iterator[tuple[EmulatorServer, Path]]:
    with tempfile.TemporaryDirectory(prefix="emulator-tls-") as folder:
        cert, key = loopback_certificate(Path(folder))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        with EmulatorServer(ssl_context=context) as server:
            yield server, cert


@pytest.fixture(scope="module")
def sdk(tls_emulator: tuple[EmulatorServer, Path], key_pair: tuple[str, str]) -> Any:
    """An ApiClient signed in by JWT Grant, pointed at the account's base URI from userinfo."""
    from docusign_esign import ApiClient
    from docusign_esign.client.configuration import Configuration

    server, cert = tls_emulator
    private, public = key_pair
    integration_key, user_id, account_id = (str(uuid.uuid4()) for _ in range(3))
    server.state.register_integration(
        integration_key,
        public,
        user_id,
        user_name="Ana Sender",
        user_email="ana.sender@example.com",
        accounts=[
            {"account_id": account_id, "account_name": "Acme", "is_default": True, "base_uri": None}
        ],
    )
    configuration = Configuration()  # the SDK's configuration is one per process
    saved = configuration.ssl_ca_cert
    configuration.ssl_ca_cert = str(cert)
    oauth_host = server.url.removeprefix("https://")
    client = ApiClient(oauth_host_name=oauth_host)
    token = client.request_jwt_user_token(
        client_id=integration_key,
        user_id=user_id,
        oauth_host_name=oauth_host,
        private_key_bytes=private.encode(),
        expires_in=3600,
        scopes=["signature", "impersonation"],
    )
    info = client.get_user_info(token.access_token)
    [account] = info.accounts
    assert account.account_id == account_id and account.account_name == "Acme"
    assert info.sub == user_id and info.email == "ana.sender@example.com"
    client.host = account.base_uri + "/restapi"
    client.set_default_header("Authorization", f"Bearer {token.access_token}")
    yield client, account_id, server, cert
    configuration.ssl_ca_cert = saved
