"""`python -m admin preflight NAME`: the go-live checklist against the emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest

from admin.connections import main
from tests.integration.helpers import docusign_requests

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

API_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/v1"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def checks_of(result: dict[str, Any]) -> dict[str, bool]:
    return {c["check"]: c["ok"] for c in result["checks"]}


def test_a_connection_ready_for_go_live(
    connections: Any, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connections.create(
        "preflight-ok",
        secret_overrides={"connectHmacKeys": ["k1"], "callbackSecret": "preflight-callback-key"},
    )
    emulator.state.add_connect_configuration(
        account_id=conn.account_id,
        url=f"{API_URL}/webhooks/docusign/preflight-ok",
        hmac_keys=["k1"],
    )
    emulator.state.clear_requests()

    code, result, text = run(capsys, "preflight", "preflight-ok", "--api-url", API_URL)

    assert code == 0, text
    assert result["ready"] is True
    assert checks_of(result) == {
        "connection secret": True,
        "callback signing key": True,
        "token and consent": True,
        "account": True,
        "base URI": True,
        "connect configuration": True,
        "connect enabled": True,
        "connect HMAC": True,
        "connection HMAC keys": True,
        "connect events": True,
        "setting allowEnvelopeCustomFields": True,
        "setting enableSequentialSigningAPI": True,
        "setting allowReminders": True,
    }
    assert "Ready for go-live." in text and "[FIX]" not in text
    assert "preflight-ok/callback" in text and "preflight-callback-key" not in text
    # Two reads and nothing written at DocuSign.
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in docusign_requests(emulator)] == [
        ("GET", "connect"),
        ("GET", "settings"),
    ]


def test_missing_connect_configuration_keys_and_a_setting_are_flagged(
    connections: Any, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connections.create("preflight-fix")
    emulator.state.add_connect_configuration(
        account_id=conn.account_id, url="https://elsewhere.example.com/hook", hmac_keys=[]
    )
    emulator.state.account_settings[conn.account_id] = {"enableSequentialSigningAPI": "false"}

    code, result, text = run(capsys, "preflight", "preflight-fix", "--api-url", API_URL)

    assert code == 2
    assert result["ready"] is False
    checks = checks_of(result)
    assert checks["token and consent"] is True
    assert checks["connect configuration"] is False
    assert "[ok]  callback signing key: none: sends with a callbackUrl are refused" in text
    assert checks["setting enableSequentialSigningAPI"] is False
    assert "[FIX] connect configuration" in text
    assert "https://elsewhere.example.com/hook" in text


def test_no_consent_stops_at_the_token(
    connections: Any, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    connections.create("preflight-noconsent", consented=False)
    emulator.state.clear_requests()

    code, result, text = run(capsys, "preflight", "preflight-noconsent", "--api-url", API_URL)

    assert code == 2
    assert checks_of(result) == {
        "connection secret": True,
        "callback signing key": True,
        "token and consent": False,
    }
    assert "consent" in text.lower()
    assert docusign_requests(emulator) == []
