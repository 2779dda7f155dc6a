"""Shared fixtures: moto server and the DocuSign emulator on loopback, the resources of
template.yaml, and connections registered in both."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from local.keys import rsa_key_pair

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
STACK_NAME = "connector-test"
SECRET_PREFIX = "docusign-connector/connections"

# boto3 must never reach real AWS from a test, whatever the machine's configuration.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_METRICS_NAMESPACE": "DocuSignConnectorTests",
        "POWERTOOLS_SERVICE_NAME": "docusign-connector",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }
)
os.environ.pop("AWS_PROFILE", None)


_EMULATORS: list[Any] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def aws_endpoint() -> Iterator[str]:
    from local.aws_server import AwsServer

    server = AwsServer("127.0.0.1", free_port()).start()
    url = server.url
    os.environ["AWS_ENDPOINT_URL"] = url
    yield url
    server.stop()
    os.environ.pop("AWS_ENDPOINT_URL", None)


@dataclass
class Stack:
    endpoint_url: str
    resources: dict[str, str]
    environment: dict[str, str]

    @property
    def bucket(self) -> str:
        return self.resources["DocumentsBucket"]

    @property
    def table(self) -> str:
        return self.resources["EnvelopeTable"]

    def use_environment_of(self, monkeypatch: pytest.MonkeyPatch, *function_ids: str) -> None:
        """Give this process the variables template.yaml gives these functions (queues, the
        bus …), and start over as a new container with them."""
        from docusign_connector.container import reset_services
        from local.function_specs import function_environment
        from local.template import load_template

        template = load_template(ROOT / "template.yaml")
        for function_id in function_ids:
            environment = function_environment(
                template, function_id, self.resources, stack_name=STACK_NAME, region=REGION
            )
            for name, value in environment.items():
                monkeypatch.setenv(name, value)
        reset_services()

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION)


@pytest.fixture(scope="session")
def stack(aws_endpoint: str) -> Stack:
    """The template's tables, buckets and queues, created in moto from template.yaml itself."""
    from local.function_specs import function_environment
    from local.resources import create_resources
    from local.template import load_template

    template = load_template(ROOT / "template.yaml")
    resources = create_resources(
        template, aws_endpoint, REGION, STACK_NAME, notice=lambda message: None
    )
    # The API functions' variables; those that publish status changes also name the bus.
    environment: dict[str, str] = {}
    for function_id in ("SendEnvelopeFunction", "VoidEnvelopeFunction"):
        environment.update(
            function_environment(
                template, function_id, resources, stack_name=STACK_NAME, region=REGION
            )
        )
    os.environ.update(environment)
    from tests.support.samples import register_sample_caller

    created = Stack(aws_endpoint, resources, environment)
    register_sample_caller(resources["CallersTable"], created.client("dynamodb"))
    return created


@pytest.fixture(scope="session")
def emulator() -> Iterator[Any]:
    from local.emulator.server import EmulatorServer
    from local.emulator.state import EmulatorState

    # Strict types: DocuSign reads a number sent where its schema types a string, but the
    # connector sends DocuSign's documented strings, and these tests hold it to that.
    server = EmulatorServer(host="127.0.0.1", port=0, state=EmulatorState(strict_types=True))
    server.start()
    _EMULATORS.append(server)
    _watch_ignored_properties(server.state)
    yield server
    server.stop()


# Requests that carried properties DocuSign's schema does not know (DocuSign ignores them
# silently, so a setting sent that way never takes effect); see `no_property_docusign_ignores`.
IGNORED_PROPERTIES: list[tuple[str, str, list[str]]] = []


def _watch_ignored_properties(state: Any) -> None:
    log_request = state.log_request

    def log_and_watch(entry: dict[str, Any]) -> None:
        if entry.get("ignoredProperties"):
            IGNORED_PROPERTIES.append(
                (entry["method"], entry["path"], list(entry["ignoredProperties"]))
            )
        log_request(entry)

    state.log_request = log_and_watch


@pytest.fixture(autouse=True)
def no_property_docusign_ignores(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every request a test makes the connector send to the emulator uses only properties of
    DocuSign's published schema: one it does not know would be dropped without a word."""
    IGNORED_PROPERTIES.clear()
    yield
    if "emulator" in request.fixturenames:
        assert IGNORED_PROPERTIES == [], "DocuSign would ignore these properties"


@dataclass
class RegisteredConnection:
    name: str
    integration_key: str
    user_id: str
    account_id: str
    private_key_pem: str = field(repr=False)
    public_key_pem: str
    secret: dict[str, Any] = field(repr=False)


class ConnectionFactory:
    def __init__(self, stack: Stack, emulator: Any) -> None:
        self.stack = stack
        self.emulator = emulator
        self._keys: list[tuple[str, str]] = []

    def key_pair(self) -> tuple[str, str]:
        if not self._keys:
            self._keys.append(rsa_key_pair())
        return self._keys[0]

    def create(
        self,
        name: str,
        *,
        consented: bool = True,
        secret_overrides: dict[str, Any] | None = None,
        register: bool = True,
        fresh_key: bool = False,
        account_id: str | None = None,
        base_uri: str | None = None,
    ) -> RegisteredConnection:
        private, public = rsa_key_pair() if fresh_key else self.key_pair()
        integration_key = str(uuid.uuid4())
        user_id = str(uuid.uuid4())
        account_id = account_id or str(uuid.uuid4())
        if register:
            self.emulator.state.register_integration(
                integration_key,
                public,
                user_id,
                user_name="Test Sender",
                user_email="sender@example.com",
                accounts=[
                    {
                        "account_id": account_id,
                        "account_name": f"{name} account",
                        "is_default": True,
                        "base_uri": base_uri,
                    }
                ],
                consented=consented,
            )
        secret: dict[str, Any] = {
            "integrationKey": integration_key,
            "userId": user_id,
            "privateKey": private,
            "authServer": self.emulator.url,
        }
        secret.update(secret_overrides or {})
        secret = {k: v for k, v in secret.items() if v is not None}
        self.put_secret(name, secret)
        return RegisteredConnection(
            name, integration_key, user_id, account_id, private, public, secret
        )

    def put_secret(self, name: str, secret: dict[str, Any] | str) -> None:
        from local.resources import put_connection_secret

        value = secret if isinstance(secret, dict) else json.loads(secret)
        put_connection_secret(self.stack.endpoint_url, REGION, SECRET_PREFIX, name, value)


@pytest.fixture(scope="session")
def connections(stack: Stack, emulator: Any) -> ConnectionFactory:
    return ConnectionFactory(stack, emulator)


@pytest.fixture
def fresh_container(stack: Stack) -> Iterator[None]:
    """Each test starts as a new Lambda container: no cached settings, secrets or tokens."""
    from docusign_connector.container import reset_services

    os.environ.update(stack.environment)
    reset_services()
    yield
    reset_services()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How much DocuSign the whole run asked for: token requests and REST calls."""
    for server in _EMULATORS[:1]:
        tokens = sum(server.state.token_requests.values())
        integrations = len(server.state.token_requests)
        terminalreporter.write_line(
            f"DocuSign emulator: {tokens} token requests for {integrations} integration keys"
        )
