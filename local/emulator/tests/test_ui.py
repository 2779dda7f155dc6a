"""The emulator's own web page: envelopes, documents and signing as a recipient."""

from __future__ import annotations

import re

import pytest
import requests

from local.emulator.tests.helpers import sample_definition

pytestmark = pytest.mark.integration


def test_root_redirects_to_the_dashboard(emulator):
    response = requests.get(emulator.url + "/", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/_emulator/ui")


def test_dashboard_lists_envelopes_and_signs_through_the_signing_page(api, emulator):
    empty = requests.get(f"{emulator.url}/_emulator/ui", timeout=10)
    assert "No envelopes yet" in empty.text
    envelope_id = api.create(sample_definition())
    page = requests.get(f"{emulator.url}/_emulator/ui", timeout=10)
    assert page.status_code == 200
    assert envelope_id in page.text
    assert "Sam Signer" in page.text
    links = re.findall(r'<a href="([^"]+)">Open signing page</a>', page.text)
    assert len(links) == 1  # only the signer whose turn it is
    documents = re.findall(r'<a href="([^"]+/documents/[^"]+)">', page.text)
    assert len(documents) == 4
    pdf = requests.get(emulator.url + documents[-1], timeout=10)
    assert pdf.content.startswith(b"%PDF")

    signing = requests.get(emulator.url + links[0], timeout=10)  # follows to the signing page
    assert signing.status_code == 200
    assert "Sign and finish" in signing.text
    action = re.search(r'<form method="post" action="([^"]+)"', signing.text).group(1)
    done = requests.post(
        emulator.url + action, data={"action": "sign"}, allow_redirects=False, timeout=10
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/_emulator/ui?event=signing_complete"
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "completed"
    after = requests.get(emulator.url + done.headers["Location"], timeout=10)
    assert "event=signing_complete" in after.text
    assert "Open signing page" not in after.text
