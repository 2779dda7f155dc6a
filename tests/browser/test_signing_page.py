"""A person signs (or declines) in a real headless Chromium: the connector gives the signing URL,
the emulator's signing page shows the documents, and the signer comes back to the caller's page.
Then the connector's API serves the signed PDF, which names the signer, and the final status."""

from __future__ import annotations

import base64
import io
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pypdf import PdfReader

from local.demo import agreement_pdf
from local.stack import DEMO_CONNECTION

pytestmark = pytest.mark.browser

TIMEOUT = 30
CONNECT_WAIT = 20.0  # seconds a Connect event may take to reach the connector's status


# ---------------------------------------------------------------------------- the connector


def api(stack: Any) -> str:
    return f"{stack.api.url}/connections/{DEMO_CONNECTION}"


def caller(stack: Any) -> requests.Session:
    """A session of the local stack's caller: its API key on every request."""
    session = requests.Session()
    session.headers.update(stack.api_headers)
    return session


def send_embedded(stack: Any, signer: dict[str, str], documents: list[str]) -> str:
    body = {
        "emailSubject": f"Browser check {uuid.uuid4().hex[:8]}",
        "documents": [
            {
                "name": name,
                "contentBase64": base64.b64encode(
                    agreement_pdf(name, [f"{name}: terms to sign in the browser."])
                ).decode(),
            }
            for name in documents
        ],
        "signers": [signer],
    }
    sent = caller(stack).post(f"{api(stack)}/envelopes", json=body, timeout=TIMEOUT)
    assert sent.status_code == 201, sent.text
    return str(sent.json()["envelopeId"])


def signing_url(stack: Any, envelope_id: str, request: dict[str, str]) -> str:
    """The signing URL from the connector's `POST …/views/recipient`."""
    response = caller(stack).post(
        f"{api(stack)}/envelopes/{envelope_id}/views/recipient", json=request, timeout=TIMEOUT
    )
    assert response.status_code == 201, response.text
    view = response.json()
    assert view["envelopeId"] == envelope_id
    assert view["url"].startswith(f"{stack.emulator.url}/Signing/")
    return str(view["url"])


def connect_configured(stack: Any) -> bool:
    """True when the emulator publishes Connect events (then the status follows in seconds)."""
    return bool(stack.emulator.state.connect_configs)


def status_after_connect(stack: Any, envelope_id: str, expected: str) -> str:
    """The connector's status, polled for up to CONNECT_WAIT seconds when Connect is on."""
    deadline = time.monotonic() + (CONNECT_WAIT if connect_configured(stack) else 0)
    while True:
        answer = caller(stack).get(f"{api(stack)}/envelopes/{envelope_id}", timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        status = str(answer.json()["status"])
        if status == expected or time.monotonic() >= deadline:
            return status
        time.sleep(0.5)


def emulator_envelope(stack: Any, envelope_id: str) -> dict[str, Any]:
    answer = requests.get(f"{stack.emulator.url}/_emulator/envelopes/{envelope_id}", timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


# ---------------------------------------------------------------------------- the browser


def wait_for(predicate: Any, what: str, seconds: float = 15.0) -> None:
    """Poll `predicate` until it holds. An element of the page being replaced (a form just
    submitted) goes stale between finding and reading it: that is "not yet", not a failure."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + seconds
    while True:
        try:
            if predicate():
                return
        except StaleElementReferenceException:
            pass
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def returned_event(browser: Any, return_url: str) -> str:
    wait_for(lambda: browser.current_url.startswith(return_url), f"a return to {return_url}")
    return parse_qs(urlsplit(browser.current_url).query)["event"][0]


# ---------------------------------------------------------------------------- tests


def test_a_person_signs_in_the_browser(browser, local_stack, return_page, tmp_path):
    from selenium.webdriver.common.by import By

    signer = {"email": "maria@example.com", "name": "Maria Browser", "clientUserId": "crm-7"}
    documents = ["Agreement.pdf", "Annex.pdf"]
    envelope_id = send_embedded(local_stack, signer, documents)
    url = signing_url(local_stack, envelope_id, {"returnUrl": return_page.url, **signer})

    browser.get(url)
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("Browser check")
    assert signer["name"] in browser.find_element(By.TAG_NAME, "main").text
    frames = browser.find_elements(By.TAG_NAME, "iframe")
    assert [frame.get_attribute("title") for frame in frames] == documents
    # Each frame holds the document itself, which the browser opens as a PDF.
    for frame in frames:
        shown = requests.get(frame.get_attribute("src"), timeout=TIMEOUT)
        assert shown.status_code == 200
        assert shown.content.startswith(b"%PDF")
        browser.switch_to.frame(frame)
        try:
            wait_for(
                lambda: browser.execute_script("return document.contentType") == "application/pdf",
                "the document to open as a PDF",
            )
        finally:
            browser.switch_to.default_content()
    # Opening the page marks the recipient as having seen the envelope.
    assert emulator_envelope(local_stack, envelope_id)["status"] == "delivered"

    screenshot = tmp_path / "signing-page.png"
    assert browser.save_screenshot(str(screenshot))
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000

    browser.find_element(By.CSS_SELECTOR, 'button[name="action"][value="sign"]').click()

    assert returned_event(browser, return_page.url) == "signing_complete"
    wait_for(lambda: "Thank you" in browser.find_element(By.TAG_NAME, "h1").text, "the return page")
    assert any("event=signing_complete" in visit for visit in return_page.visits)
    assert emulator_envelope(local_stack, envelope_id)["status"] == "completed"

    # With Connect the status follows within seconds; without it the connector keeps its
    # stored status until its next refresh from DocuSign (at most every 15 minutes).
    assert status_after_connect(local_stack, envelope_id, "completed") == (
        "completed" if connect_configured(local_stack) else "sent"
    )

    listing = caller(local_stack).get(
        f"{api(local_stack)}/envelopes/{envelope_id}/documents", timeout=30
    )
    assert listing.status_code == 200, listing.text
    listed = listing.json()
    assert listed["status"] == "completed"  # the documents come from DocuSign: fresh status
    assert [d["name"] for d in listed["documents"]] == documents
    for document in listed["documents"]:
        signed = requests.get(document["url"], timeout=TIMEOUT)
        assert signed.status_code == 200
        text = pdf_text(signed.content)
        assert f"Signed by {signer['name']} <{signer['email']}>" in text
        assert document["name"] in text
    summary = requests.get(listed["summary"]["url"], timeout=TIMEOUT)
    assert summary.status_code == 200 and summary.content.startswith(b"%PDF")
    assert signer["name"] in pdf_text(summary.content)

    final = (
        caller(local_stack)
        .get(f"{api(local_stack)}/envelopes/{envelope_id}", timeout=TIMEOUT)
        .json()
    )
    assert final["status"] == "completed"
    assert final["completedDateTime"]


def test_a_person_declines_in_the_browser(browser, local_stack, return_page):
    from selenium.webdriver.common.by import By

    signer = {"email": "tom@example.com", "name": "Tom Browser", "clientUserId": "crm-8"}
    envelope_id = send_embedded(local_stack, signer, ["Offer.pdf"])
    url = signing_url(local_stack, envelope_id, {"returnUrl": return_page.url, **signer})

    browser.get(url)
    decline = browser.find_element(By.CSS_SELECTOR, 'button[name="action"][value="decline"]')
    assert not decline.is_displayed()  # folded away until the signer asks for it
    browser.find_element(By.TAG_NAME, "summary").click()
    wait_for(decline.is_displayed, "the Decline button")
    browser.find_element(By.NAME, "reason").send_keys("The price is wrong")
    decline.click()

    assert returned_event(browser, return_page.url) == "decline"
    declined = emulator_envelope(local_stack, envelope_id)
    assert declined["status"] == "declined"
    (recipient,) = declined["recipients"]["signers"]
    assert recipient["status"] == "declined"
    assert recipient["declinedReason"] == "The price is wrong"

    assert status_after_connect(local_stack, envelope_id, "declined") == (
        "declined" if connect_configured(local_stack) else "sent"
    )

    # The signing link is single-use: opening it again goes back with ttl_expired.
    browser.get(url)
    assert returned_event(browser, return_page.url) == "ttl_expired"


def test_a_signer_enters_an_access_code_and_fills_fields(browser, local_stack, return_page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    signer = {"email": "ines@example.com", "name": "Ines Fields", "clientUserId": "crm-9"}
    code = "Fjord-2231"
    position = {"documentId": 1, "page": 1, "x": 300}
    fields = [
        {"type": "signHere", "anchor": {"text": "terms to sign", "yOffset": 30, "units": "points"}},
        {
            "type": "text",
            "label": "Purchase order",
            "required": True,
            "position": {**position, "y": 500},
        },
        {"type": "checkbox", "label": "Newsletter", "position": {**position, "y": 540}},
        {
            "type": "list",
            "label": "Plan",
            "options": ["basic", "pro"],
            "position": {**position, "y": 580},
        },
    ]
    envelope_id = send_embedded(
        local_stack,
        {**signer, "authentication": {"accessCode": code}, "fields": fields},  # type: ignore[dict-item]
        ["Order.pdf"],
    )
    url = signing_url(local_stack, envelope_id, {"returnUrl": return_page.url, **signer})

    browser.get(url)
    assert "Access code required" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.ID, "access-code").send_keys("wrong")
    browser.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    wait_for(lambda: "not correct" in browser.page_source, "the refusal")
    browser.find_element(By.ID, "access-code").send_keys(code)
    browser.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "li.field"), "the fields")

    placed = browser.find_elements(By.CSS_SELECTOR, "li.field")
    assert [(f.get_attribute("data-page"), f.get_attribute("data-y")) for f in placed] == [
        ("1", "500"),
        ("1", "540"),
        ("1", "580"),
    ]
    # Finishing with the required field empty is refused.
    browser.find_element(By.CSS_SELECTOR, 'button[name="action"][value="sign"]').click()
    wait_for(
        lambda: (
            "Fill in the required fields: Purchase order"
            in browser.find_element(By.TAG_NAME, "main").text
        ),
        "the required-field refusal",
    )
    assert emulator_envelope(local_stack, envelope_id)["status"] != "completed"

    inputs = browser.find_elements(By.CSS_SELECTOR, "li.field input, li.field select")
    inputs[0].send_keys("PO-778")
    inputs[1].click()
    Select(inputs[2]).select_by_value("pro")
    browser.find_element(By.CSS_SELECTOR, 'button[name="action"][value="sign"]').click()
    assert returned_event(browser, return_page.url) == "signing_complete"

    envelope = emulator_envelope(local_stack, envelope_id)
    assert envelope["status"] == "completed"
    tabs = envelope["recipients"]["signers"][0]["tabs"]
    assert tabs["textTabs"][0]["value"] == "PO-778"
    assert tabs["checkboxTabs"][0]["selected"] == "true"
    assert tabs["listTabs"][0]["value"] == "pro"
    # The access code is never handed back by the connector.
    status = caller(local_stack).get(f"{api(local_stack)}/envelopes/{envelope_id}", timeout=TIMEOUT)
    assert code not in status.text
