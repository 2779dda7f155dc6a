"""Fault switches: 429, 5xx, latency and a connection dropped after the work is done."""

from __future__ import annotations

import time

import pytest
import requests

from local.emulator.tests.helpers import sample_definition

pytestmark = pytest.mark.integration


def arm(api, **fault) -> dict:
    response = api.control("POST", "/faults", json=fault)
    assert response.status_code == 201, response.text
    return response.json()


def test_429_has_docusign_body_and_headers_then_recovers(api, emulator):
    arm(api, kind="429", count=2, path=r"/envelopes$", method="POST")
    for _ in range(2):
        refused = api.post("/envelopes", json=sample_definition())
        assert refused.status_code == 429
        assert refused.json() == {
            "errorCode": "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
            "message": "The maximum number of hourly API invocations has been exceeded",
        }
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        # DocuSign documents no Retry-After: the reset time is the only hint.
        assert "Retry-After" not in refused.headers
        assert int(refused.headers["X-RateLimit-Reset"]) > time.time()
    assert emulator.state.envelopes == {}
    assert api.post("/envelopes", json=sample_definition()).status_code == 201


def test_fault_matches_method_and_path_only(api):
    envelope_id = api.create(sample_definition())
    arm(api, kind="500", path="/documents", method="GET")
    assert api.get(f"/envelopes/{envelope_id}").status_code == 200
    failed = api.get(f"/envelopes/{envelope_id}/documents")
    assert failed.status_code == 500
    assert failed.json()["errorCode"] == "UNSPECIFIED_ERROR"
    assert api.get(f"/envelopes/{envelope_id}/documents").status_code == 200


def test_503_is_an_html_page(api):
    arm(api, kind="503")
    response = api.get("/envelopes", params={"from_date": "2020-01-01"})
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Service Unavailable" in response.text


def test_faults_apply_to_the_token_endpoint(emulator, integration):
    requests.post(
        f"{emulator.url}/_emulator/faults",
        json={"kind": "500", "path": "^/oauth/token$"},
        timeout=5,
    )
    response = requests.post(
        f"{emulator.url}/oauth/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": integration.assertion(),
        },
        timeout=10,
    )
    assert response.status_code == 500


def test_latency(api):
    arm(api, kind="latency", latencySeconds=0.5)
    started = time.monotonic()
    response = api.get("/envelopes", params={"from_date": "2020-01-01"})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.5
    with pytest.raises(requests.Timeout):
        arm(api, kind="latency", latencySeconds=2)
        api.get("/envelopes", params={"from_date": "2020-01-01"}, timeout=0.5)


def test_drop_after_commit_creates_the_envelope_but_never_answers(api, emulator):
    arm(api, kind="drop_after_commit", path="/envelopes$", method="POST")
    with pytest.raises(requests.ConnectionError):
        api.post("/envelopes", json=sample_definition(transactionId="lost-response"))
    # The work was done: the envelope exists and can be found by its transaction id.
    assert len(emulator.state.envelopes) == 1
    found = api.get("/envelopes", params={"transaction_ids": "lost-response"}).json()
    assert found["envelopeTransactionStatuses"][0]["status"] == "sent"
    logged = [r for r in emulator.state.requests if r["method"] == "POST"]
    assert logged[-1]["fault"] == "drop_after_commit"
    assert logged[-1]["status"] == 201


def test_faults_are_listed_and_cleared(api):
    arm(api, kind="503", count=3)
    listed = api.control("GET", "/faults").json()["faults"]
    assert [(f["kind"], f["count"]) for f in listed] == [("503", 3)]
    assert api.control("DELETE", "/faults").status_code == 204
    assert api.control("GET", "/faults").json() == {"faults": []}
    assert api.get("/envelopes", params={"from_date": "2020-01-01"}).status_code == 200


def test_bad_fault_is_refused(api):
    assert api.control("POST", "/faults", json={"kind": "418"}).status_code == 400
    assert api.control("POST", "/faults", json={"kind": "500", "path": "("}).status_code == 400


def test_burst_429_and_envelope_polling_limit(api):
    envelope_id = api.create(sample_definition())
    arm(api, kind="burst_429")
    burst = api.get(f"/envelopes/{envelope_id}")
    assert burst.status_code == 429
    assert burst.json()["errorCode"] == "BURST_APIINVOCATION_LIMIT_EXCEEDED"
    assert burst.headers["X-BurstLimit-Remaining"] == "0"
    assert burst.headers["X-RateLimit-Remaining"] != "0"
    assert "Retry-After" not in burst.headers
    arm(api, kind="polling_limit", path=f"/envelopes/{envelope_id}$", method="GET")
    polled = api.get(f"/envelopes/{envelope_id}")
    assert polled.status_code == 400
    assert polled.json()["errorCode"] == "HOURLY_ENVELOPE_POLLING_LIMIT_EXCEEDED"
