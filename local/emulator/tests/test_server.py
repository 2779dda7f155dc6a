"""Rate-limit headers, the request log, the PDF writer and running the emulator."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time

import pytest
import requests
from pypdf import PdfReader

from local.emulator import EmulatorServer, EmulatorState, make_pdf
from local.emulator.tests.helpers import sample_definition

pytestmark = pytest.mark.integration


def test_rest_answers_carry_rate_limit_headers(api, emulator):
    first = api.get("/envelopes", params={"from_date": "2020-01-01"})
    second = api.get("/envelopes", params={"from_date": "2020-01-01"})
    for response in (first, second):
        assert response.headers["X-RateLimit-Limit"] == "3000"
        assert int(response.headers["X-RateLimit-Reset"]) > time.time()
        assert int(response.headers["X-RateLimit-Reset"]) % 3600 == 0
        assert response.headers["X-BurstLimit-Limit"] == "500"
        assert len(response.headers["X-DocuSign-TraceToken"]) == 36
    assert int(first.headers["X-RateLimit-Remaining"]) - 1 == int(
        second.headers["X-RateLimit-Remaining"]
    )
    assert int(first.headers["X-BurstLimit-Remaining"]) - 1 == int(
        second.headers["X-BurstLimit-Remaining"]
    )
    unauthorised = requests.get(
        api.base + "/envelopes", headers={"Authorization": "Bearer no"}, timeout=10
    )
    assert unauthorised.status_code == 401
    assert "X-RateLimit-Remaining" in unauthorised.headers


def test_hourly_limit_is_enforced(api, emulator):
    emulator.state.hourly_limit = 2
    assert api.get("/envelopes", params={"from_date": "2020-01-01"}).status_code == 200
    assert api.get("/envelopes", params={"from_date": "2020-01-01"}).status_code == 200
    refused = api.get("/envelopes", params={"from_date": "2020-01-01"})
    assert refused.status_code == 429
    assert refused.json() == {
        "errorCode": "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
        "message": "The maximum number of hourly API invocations has been exceeded",
    }
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in refused.headers  # DocuSign documents none
    assert int(refused.headers["X-RateLimit-Reset"]) > emulator.state.now().timestamp()
    emulator.state.advance_clock(3600)
    emulator.state.tokens.clear()


def test_request_log_masks_the_token(api, emulator):
    emulator.state.clear_requests()
    api.create(sample_definition(transactionId="logged"))
    log = emulator.state.requests
    assert len(log) == 1
    entry = log[0]
    assert entry["method"] == "POST"
    assert entry["path"].endswith("/envelopes")
    assert entry["status"] == 201
    assert entry["headers"]["Authorization"] == "Bearer ***"
    assert entry["json"]["transactionId"] == "logged"
    assert isinstance(entry["body"], bytes)
    over_http = requests.get(f"{emulator.url}/_emulator/requests", timeout=10).json()["requests"]
    assert over_http[0]["headers"]["Authorization"] == "Bearer ***"
    assert '"transactionId": "logged"' in over_http[0]["body"]
    assert requests.delete(f"{emulator.url}/_emulator/requests", timeout=10).status_code == 204
    assert emulator.state.requests == []


def test_raw_envelope_record_and_health(api, emulator):
    envelope_id = api.create(sample_definition())
    raw = requests.get(f"{emulator.url}/_emulator/envelopes/{envelope_id}", timeout=10).json()
    assert raw["envelopeId"] == envelope_id
    assert raw["documents"][2]["_content"]["sizeBytes"] > 0
    assert requests.get(f"{emulator.url}/_emulator/health", timeout=10).json() == {"status": "ok"}


def test_unknown_rest_path_is_a_docusign_404(api):
    response = api.get("/no/such/resource")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "RESOURCE_NOT_FOUND"


def test_make_pdf_paginates_and_extracts():
    lines = [f"Line number {i}" for i in range(100)]
    content = make_pdf("Multi page (test) \\ report", lines)
    reader = PdfReader(io.BytesIO(content), strict=True)
    assert len(reader.pages) == 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Multi page (test) \\ report" in text
    assert "Line number 0" in text
    assert "Line number 99" in text
    assert content.startswith(b"%PDF-1.4")


def test_server_context_manager_and_state_access():
    state = EmulatorState()
    with EmulatorServer(state=state) as server:
        assert server.state is state
        assert server.url.startswith("http://127.0.0.1:")
        assert requests.get(f"{server.url}/_emulator/health", timeout=5).status_code == 200
        assert server.app.config["EMULATOR_STATE"] is state
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/_emulator/health", timeout=2)


def test_command_line_reports_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "local.emulator", "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_polling_the_same_envelope_within_15_minutes_is_flagged(api, emulator):
    envelope_id = api.create(sample_definition())
    emulator.state.clear_requests()
    assert api.get(f"/envelopes/{envelope_id}").status_code == 200
    assert api.get(f"/envelopes/{envelope_id}/documents").status_code == 200
    assert emulator.state.polling_violations == []
    second = api.get(f"/envelopes/{envelope_id}")
    assert second.status_code == 200  # DocuSign flags the violation; it does not fail the call
    assert [r["pollingViolation"] for r in emulator.state.requests] == [False, False, True]
    assert emulator.state.polling_violations[0]["envelopeId"] == envelope_id
    emulator.state.advance_clock(15 * 60)
    emulator.state.tokens[api.session.headers["Authorization"].split()[1]]["expires_at"] = (
        emulator.state.now().replace(year=2100)
    )
    assert api.get(f"/envelopes/{envelope_id}").status_code == 200
    assert len(emulator.state.polling_violations) == 1
    listed = requests.get(f"{emulator.url}/_emulator/polling-violations", timeout=10).json()
    assert len(listed["violations"]) == 1


def test_concurrent_creates_are_all_recorded(api, emulator):
    from concurrent.futures import ThreadPoolExecutor

    def create(index: int) -> str:
        return api.create(sample_definition(transactionId=f"tx-{index}"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(24)))
    assert len(set(ids)) == 24
    assert len(emulator.state.envelopes) == 24
    found = api.get("/envelopes", params={"transaction_ids": "tx-5,tx-17"}).json()
    assert found["totalSetSize"] == "2"


def test_non_ascii_document_names_download(api):
    definition = sample_definition()
    definition["documents"][2]["name"] = "Contrato señal.pdf"
    envelope_id = api.create(definition)
    response = api.get(f"/envelopes/{envelope_id}/documents/3")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''Contrato%20se%C3%B1al.pdf" in disposition
    assert 'documentid="3"' in disposition
    listed = api.get(f"/envelopes/{envelope_id}/documents").json()["envelopeDocuments"]
    assert listed[2]["name"] == "Contrato señal.pdf"


def test_the_account_number_is_accepted_in_paths_like_the_guid(api, emulator, integration):
    number = emulator.state.accounts[integration.account_id]["account_number"]
    assert number.isdigit()
    by_number = api.session.post(
        f"{api.root}/restapi/v2.1/accounts/{number}/envelopes",
        json=sample_definition(),
        timeout=30,
    )
    assert by_number.status_code == 201, by_number.text
    envelope_id = by_number.json()["envelopeId"]
    assert emulator.state.envelopes[envelope_id]["accountId"] == integration.account_id
    assert api.get(f"/envelopes/{envelope_id}").status_code == 200
    unknown = api.session.get(
        f"{api.root}/restapi/v2.1/accounts/99999999999/envelopes/{envelope_id}", timeout=30
    )
    assert unknown.status_code == 400
    assert unknown.json()["errorCode"] == "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT"


def test_rate_window_can_be_shortened_and_resets_with_the_clock(api, emulator):
    set_limits = api.control(
        "POST", "/rate-limits", json={"hourlyLimit": 2, "burstLimit": 1000, "windowSeconds": 60}
    )
    assert set_limits.json() == {"hourlyLimit": 2, "burstLimit": 1000, "windowSeconds": 60.0}
    try:
        first = api.get("/envelopes", params={"from_date": "2020-01-01"})
        assert first.headers["X-RateLimit-Limit"] == "2"
        reset = int(first.headers["X-RateLimit-Reset"])
        now = emulator.state.now().timestamp()
        assert reset % 60 == 0 and 0 < reset - now <= 60
        assert api.get("/envelopes", params={"from_date": "2020-01-01"}).status_code == 200
        assert api.get("/envelopes", params={"from_date": "2020-01-01"}).status_code == 429
        emulator.state.advance_clock(60)
        again = api.get("/envelopes", params={"from_date": "2020-01-01"})
        assert again.status_code == 200
        assert int(again.headers["X-RateLimit-Reset"]) == reset + 60
        assert again.headers["X-RateLimit-Remaining"] == "1"
    finally:
        emulator.state.set_rate_limits(hourly_limit=3000, burst_limit=500)
