"""Callback rules that need no network: the retry schedule, the address policy, the signature."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from docusign_connector.addresses import address_refusal
from docusign_connector.callback_urls import parse_callback_url, signature
from docusign_connector.errors import BadRequest
from docusign_connector.sync.callbacks import MAX_RECEIVES, backoff_seconds
from local.template import load_template
from tests.conftest import ROOT


def test_retries_span_about_a_day_and_match_the_queue() -> None:
    queue = load_template(ROOT / "template.yaml")["Resources"]["CallbackQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == MAX_RECEIVES
    waits = [backoff_seconds(n) for n in range(1, MAX_RECEIVES)]
    assert waits[:4] == [60, 120, 240, 480]
    assert max(waits) == 7200
    assert 23 * 3600 <= sum(waits) <= 25 * 3600


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("169.254.169.254", False),
        ("fd00:ec2::254", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("100.64.0.1", False),
        ("127.0.0.1", False),
        ("::1", False),
        ("::ffff:10.0.0.1", False),
        ("fe80::1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_address_policy(address: str, allowed: bool) -> None:
    assert (address_refusal(address, allow_loopback=False) is None) is allowed


def test_loopback_only_when_the_local_stack_allows_it() -> None:
    assert address_refusal("127.0.0.1", allow_loopback=True) is None
    assert address_refusal("10.0.0.1", allow_loopback=True) is not None
    assert parse_callback_url("http://127.0.0.1:9000/x", allow_loopback=True).port == 9000
    with pytest.raises(BadRequest):
        parse_callback_url("http://127.0.0.1:9000/x", allow_loopback=False)
    with pytest.raises(BadRequest):
        parse_callback_url("http://example.com/x", allow_loopback=True)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"eventId":"e1"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", "1700000000", body) == "v1=" + expected
