"""Where a connection's access token may go: the base URI DocuSign's userinfo names must be an
https host of DocuSign's; a loopback one only beside a loopback authServer (the emulator)."""

from __future__ import annotations

import pytest

from docusign_connector.connections import base_uri_refusal

DEMO_AUTH = "https://account-d.docusign.com"
PRODUCTION_AUTH = "https://account.docusign.com"
EMULATOR = "http://127.0.0.1:8400"


@pytest.mark.parametrize(
    ("base_uri", "auth_server"),
    [
        ("https://demo.docusign.net", DEMO_AUTH),
        ("https://na3.docusign.net", PRODUCTION_AUTH),
        ("https://eu.docusign.net", PRODUCTION_AUTH),
        ("https://www.docusign.net", PRODUCTION_AUTH),
        ("https://DEMO.docusign.net:443", DEMO_AUTH),
        (EMULATOR, EMULATOR),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
        ("http://localhost:8400", "http://localhost:8400"),
    ],
)
def test_docusign_hosts_and_a_local_emulator_are_allowed(base_uri: str, auth_server: str) -> None:
    assert base_uri_refusal(base_uri, auth_server) is None


@pytest.mark.parametrize(
    ("base_uri", "auth_server"),
    [
        ("https://attacker.example.net", PRODUCTION_AUTH),
        ("https://docusign.net", PRODUCTION_AUTH),
        ("https://docusign.net.attacker.example", PRODUCTION_AUTH),
        ("https://eu.docusign.net.attacker.example", PRODUCTION_AUTH),
        ("https://a.b.docusign.net", PRODUCTION_AUTH),
        ("https://demo.docusign.com", DEMO_AUTH),
        ("http://demo.docusign.net", DEMO_AUTH),
        ("https://demo.docusign.net:8443", DEMO_AUTH),
        ("https://x@demo.docusign.net", DEMO_AUTH),
        ("https://demo.docusign.net?next=attacker", DEMO_AUTH),
        (EMULATOR, DEMO_AUTH),  # a loopback base URI beside DocuSign's auth server
        ("http://127.0.0.1:8400", PRODUCTION_AUTH),
        ("https://attacker.example.net", EMULATOR),  # the emulator's side is no exception
        ("", DEMO_AUTH),
        ("https://demo.docusign.net:notaport", DEMO_AUTH),
    ],
)
def test_anything_else_is_refused(base_uri: str, auth_server: str) -> None:
    assert base_uri_refusal(base_uri, auth_server) is not None
