"""Shared test helpers and fixtures: an emulator, an integration, a token, a client."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import requests

from local.emulator import EmulatorServer, make_docx, make_pdf
from local.keys import rsa_key_pair


@pytest.fixture(scope="session")
def key_pair() -> tuple[str, str]:
    return rsa_key_pair()


@pytest.fixture(scope="session")
def other_key_pair() -> tuple[str, str]:
    return rsa_key_pair()


@pytest.fixture
def emulator():
    with EmulatorServer() as server:
        yield server


@dataclass
class Integration:
    integration_key: str
    user_id: str
    account_id: str
    private_pem: str
    host: str

    def assertion(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.integration_key,
            "sub": self.user_id,
            "aud": self.host,
            "iat": now,
            "exp": now + 3600,
            "scope": "signature impersonation",
        }
        key = overrides.pop("key", self.private_pem)
        algorithm = overrides.pop("algorithm", "RS256")
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key, algorithm=algorithm)


@pytest.fixture
def integration(emulator, key_pair) -> Integration:
    private, public = key_pair
    key, user_id, account_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    emulator.state.register_integration(
        key,
        public,
        user_id,
        user_name="Ana Sender",
        user_email="ana.sender@example.com",
        accounts=[
            {
                "account_id": account_id,
                "account_name": "Acme",
                "is_default": True,
                "base_uri": None,
            }
        ],
    )
    return Integration(key, user_id, account_id, private, emulator.url.split("://", 1)[1])


def request_token(emulator, assertion: str) -> requests.Response:
    return requests.post(
        f"{emulator.url}/oauth/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        timeout=10,
    )


@pytest.fixture
def token(emulator, integration) -> str:
    response = request_token(emulator, integration.assertion())
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


class Api:
    """Calls `/restapi/v2.1/accounts/{accountId}` with the bearer token."""

    def __init__(self, base: str, account_id: str, token: str) -> None:
        self.root = base
        self.base = f"{base}/restapi/v2.1/accounts/{account_id}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.base + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def create(self, definition: dict[str, Any]) -> str:
        response = self.post("/envelopes", json=definition)
        assert response.status_code == 201, response.text
        return response.json()["envelopeId"]

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return requests.request(method, f"{self.root}/_emulator{path}", **kwargs)


@pytest.fixture
def api(emulator, integration, token) -> Api:
    return Api(emulator.url, integration.account_id, token)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


SAMPLE_PDF = make_pdf("World Wide Corp NDA", ["This agreement is made between the parties."])
SAMPLE_HTML = (
    b"<!DOCTYPE html><html><body><h1>Order acknowledgement</h1>"
    b'<p>Agreed: <span style="color:white;">**signature_1**</span></p></body></html>'
)
SAMPLE_DOCX = make_docx(["Battle plan", "Sign here: /sn1/"])


def sample_definition(**overrides: Any) -> dict[str, Any]:
    """A body shaped like DocuSign's own "signing via email" example: html, docx and pdf
    documents, a signer in routing order 1 and a carbon copy in routing order 2."""
    definition: dict[str, Any] = {
        "emailSubject": "Please sign this document set",
        "documents": [
            {
                "documentBase64": b64(SAMPLE_HTML),
                "name": "Order acknowledgement",
                "fileExtension": "html",
                "documentId": "1",
            },
            {
                "documentBase64": b64(SAMPLE_DOCX),
                "name": "Battle Plan",
                "fileExtension": "docx",
                "documentId": "2",
            },
            {
                "documentBase64": b64(SAMPLE_PDF),
                "name": "Lorem Ipsum",
                "fileExtension": "pdf",
                "documentId": "3",
            },
        ],
        "recipients": {
            "signers": [
                {
                    "email": "signer@example.com",
                    "name": "Sam Signer",
                    "recipientId": "1",
                    "routingOrder": "1",
                    "tabs": {
                        "signHereTabs": [
                            {
                                "anchorString": "**signature_1**",
                                "anchorUnits": "pixels",
                                "anchorYOffset": "10",
                                "anchorXOffset": "20",
                            }
                        ]
                    },
                }
            ],
            "carbonCopies": [
                {
                    "email": "cc@example.com",
                    "name": "Charlie Copy",
                    "recipientId": "2",
                    "routingOrder": "2",
                }
            ],
        },
        "status": "sent",
    }
    definition.update(overrides)
    return definition


def two_signer_definition() -> dict[str, Any]:
    definition = sample_definition()
    definition["recipients"]["signers"].append(
        {
            "email": "second@example.com",
            "name": "Second Signer",
            "recipientId": "3",
            "routingOrder": "3",
        }
    )
    return definition


class Listener:
    """A Connect listener on loopback that records what it receives. `statuses` are the
    answers to give, in order; once used up it answers 200."""

    def __init__(self) -> None:
        from werkzeug.serving import make_server
        from werkzeug.wrappers import Request, Response

        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self._lock = threading.Lock()

        @Request.application
        def app(request: Request) -> Response:
            with self._lock:
                self.received.append({"headers": dict(request.headers), "body": request.get_data()})
                status = self.statuses.pop(0) if self.statuses else 200
            return Response("ok", status=status)

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhooks/docusign"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(r["body"]) for r in self.received]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def wait_for(condition: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.stop()
