"""Connect signatures: HMAC-SHA256 of the raw body, any header against any key."""

import base64
import hashlib
import hmac
import json

import pytest

from docusign_connector.sync.webhook import (
    InvalidSignature,
    compute_signature,
    parse_message,
    signature_is_valid,
    signatures_from,
    verify_message,
)
from local.emulator.connect import sign_body

BODY = json.dumps(
    {
        "event": "envelope-sent",
        "generatedDateTime": "2026-11-22T10:01:13.1030000Z",
        "data": {"envelopeId": "4b7c2e91-6d3a-4f58-9b1e-0c8d7a6f5e42", "accountId": "a"},
    },
    separators=(",", ":"),
).encode()
OLD_KEY, NEW_KEY = "old-key-f3b1", "new-key-9c2d"


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    expected = base64.b64encode(hmac.new(b"k", BODY, hashlib.sha256).digest()).decode()
    assert compute_signature("k", BODY) == expected
    # the same as the DocuSign emulator computes it
    assert sign_body(BODY, ["k"]) == {"X-DocuSign-Signature-1": expected}


def test_valid_signature_with_the_second_of_two_keys():
    headers = sign_body(BODY, [NEW_KEY])  # DocuSign signs with the account's new key only
    verify_message(BODY, headers, [OLD_KEY, NEW_KEY])


def test_the_second_header_may_be_the_one_that_matches():
    headers = sign_body(BODY, ["some-other-key", OLD_KEY])
    assert list(headers) == ["X-DocuSign-Signature-1", "X-DocuSign-Signature-2"]
    verify_message(BODY, headers, [OLD_KEY])


def test_wrong_key_is_refused():
    with pytest.raises(InvalidSignature) as caught:
        verify_message(BODY, sign_body(BODY, ["not-our-key"]), [OLD_KEY, NEW_KEY])
    assert caught.value.status_code == 401
    assert caught.value.code == "INVALID_SIGNATURE"


def test_missing_header_is_refused():
    with pytest.raises(InvalidSignature):
        verify_message(BODY, {"Content-Type": "application/json"}, [OLD_KEY])
    with pytest.raises(InvalidSignature):
        verify_message(BODY, {"X-DocuSign-Signature-1": ""}, [OLD_KEY])


def test_modified_body_is_refused():
    headers = sign_body(BODY, [OLD_KEY])
    changed = BODY.replace(b"envelope-sent", b"envelope-voided")
    with pytest.raises(InvalidSignature):
        verify_message(changed, headers, [OLD_KEY])
    # even whitespace counts: the signature is over the bytes exactly as sent
    pretty = json.dumps(json.loads(BODY), indent=2).encode()
    with pytest.raises(InvalidSignature):
        verify_message(pretty, headers, [OLD_KEY])


def test_a_connection_without_keys_accepts_nothing():
    with pytest.raises(InvalidSignature):
        verify_message(BODY, sign_body(BODY, [OLD_KEY]), [])
    with pytest.raises(InvalidSignature):
        verify_message(b"", sign_body(b"", [OLD_KEY]), [OLD_KEY])


def test_header_names_in_any_case_in_signature_order():
    headers = {
        "x-docusign-signature-2": "two",
        "X-DOCUSIGN-SIGNATURE-1": "one",
        "X-DocuSign-Signature-10": "ten",
        "X-DocuSign-Signature-x": "not a signature header",
        "X-DocuSign-AccountId": "a",
    }
    assert signatures_from(headers) == ["one", "two", "ten"]


def test_every_pair_is_compared_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    good = compute_signature(OLD_KEY, BODY)
    # a match on the first pair still compares every other pair: timing tells nothing
    assert signature_is_valid(BODY, [good, "x", "y"], [OLD_KEY, NEW_KEY])
    assert len(calls) == 6


def test_messages_about_something_else_than_an_envelope_are_ignored():
    assert parse_message("acme", b'{"event":"template-created","data":{}}') is None
    assert parse_message("acme", b'{"event":"envelope-sent","data":{"envelopeId":"x"}}') is None
    event = parse_message("acme", BODY)
    assert event is not None
    assert event.event == "envelope-sent"
    assert event.envelope_id == "4b7c2e91-6d3a-4f58-9b1e-0c8d7a6f5e42"
