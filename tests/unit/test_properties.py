"""Property tests: the send request model, the envelope definition built from it, the signing
order rule, and the send handler, on inputs nobody would think to write by hand."""

from __future__ import annotations

import base64
import functools
import json
import re
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from docusign_connector.actions.definition import (
    PreparedDocument,
    envelope_definition,
    routing_orders,
)
from docusign_connector.models.requests import MAX_ROUTING_ORDER, SendEnvelopeRequest
from docusign_connector.models.text import CONTROL_CHARACTERS_BUT_LINE_BREAKS

# ------------------------------------------------------------------------------ inputs

_FIELDS = [
    "emailSubject", "emailBlurb", "documents", "signers", "carbonCopies", "expiration",
    "reminders", "customFields", "templateId", "templateRoles", "status", "signersEmails",
    "signersNames", "signatureOrder", "ccEmails", "ccNames", "enableExpiration", "validityDays",
    "expirationNoticeDays", "enableReminder", "firstReminderDays", "reminderIntervalDays",
    "name", "email", "signingOrder", "contentBase64", "s3Key", "enabled", "roleName",
]  # fmt: skip

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "0", "1", "-1", "true", "sent", "created", "a@b.co"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)
# Objects whose keys are mostly the model's own, so that validation goes deep.
request_like = st.dictionaries(st.sampled_from(_FIELDS), json_values, max_size=10)

_LOCAL = string.ascii_letters + string.digits + "._+-"
emails = st.builds(
    lambda local, host, tld: f"{local}@{host}.{tld}",
    st.text(_LOCAL, min_size=1, max_size=20),
    st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=20),
    st.text(string.ascii_lowercase, min_size=2, max_size=6),
)
visible_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=100
).filter(lambda s: s.strip() != "")
orders = st.none() | st.integers(min_value=0, max_value=MAX_ROUTING_ORDER)
signers = st.fixed_dictionaries(
    {"email": emails, "name": visible_text}, optional={"signingOrder": orders}
)
carbon_copies = st.fixed_dictionaries(
    {"email": emails, "name": visible_text}, optional={"signingOrder": orders}
)
documents = st.fixed_dictionaries(
    {
        "name": st.text(string.ascii_letters + string.digits + " -_", min_size=1, max_size=40)
        .filter(lambda s: s.strip() != "")
        .map(lambda s: s.strip() + ".pdf"),
        "contentBase64": st.binary(min_size=1, max_size=64).map(
            lambda b: base64.b64encode(b).decode()
        ),
    }
)


@st.composite
def expirations(draw: st.DrawFn) -> dict[str, Any]:
    if not draw(st.booleans()):
        return {"enabled": False}
    days = draw(st.integers(min_value=1, max_value=999))
    out: dict[str, Any] = {"enabled": True, "validityDays": days}
    if draw(st.booleans()):
        out["noticeDaysBefore"] = draw(st.integers(min_value=0, max_value=days - 1))
    return out


@st.composite
def reminders(draw: st.DrawFn) -> dict[str, Any]:
    if not draw(st.booleans()):
        return {"enabled": False}
    out: dict[str, Any] = {"enabled": True}
    first = draw(st.none() | st.integers(min_value=0, max_value=999))
    interval = draw(st.none() | st.integers(min_value=1, max_value=999))
    if first is None and interval is None:
        interval = 1
    if first is not None:
        out["firstReminderDays"] = first
    if interval is not None:
        out["intervalDays"] = interval
    return out


custom_fields = st.dictionaries(
    st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=100),
    st.text(string.ascii_letters + string.digits + " -", max_size=100)
    | st.integers(min_value=0, max_value=10**12),
    max_size=5,
)


@st.composite
def valid_nested(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {
        "emailSubject": draw(visible_text),
        "documents": draw(st.lists(documents, min_size=1, max_size=3)),
        "signers": draw(st.lists(signers, min_size=1, max_size=6)),
    }
    if draw(st.booleans()):
        body["carbonCopies"] = draw(st.lists(carbon_copies, max_size=3))
    if draw(st.booleans()):
        body["expiration"] = draw(expirations())
    if draw(st.booleans()):
        body["reminders"] = draw(reminders())
    if draw(st.booleans()):
        body["customFields"] = draw(custom_fields)
    if draw(st.booleans()):
        body["status"] = draw(st.sampled_from(["sent", "created"]))
    if draw(st.booleans()):
        # Any text but the control characters a message body may not hold (CONTROL_CHARACTERS).
        body["emailBlurb"] = draw(
            st.text(max_size=200).map(lambda t: CONTROL_CHARACTERS_BUT_LINE_BREAKS.sub("", t))
        )
    return body


@st.composite
def valid_flat(draw: st.DrawFn) -> dict[str, Any]:
    """The flat form BPM tools send: parallel lists and scalar switches."""
    people = draw(st.lists(signers, min_size=1, max_size=6))
    body: dict[str, Any] = {
        "emailSubject": draw(visible_text),
        "documents": draw(st.lists(documents, min_size=1, max_size=2)),
        "signersEmails": [p["email"] for p in people],
        "signersNames": [p["name"] for p in people],
    }
    if draw(st.booleans()):
        body["signatureOrder"] = [draw(orders | st.just("")) for _ in people]
    ccs = draw(st.lists(carbon_copies, max_size=3))
    if ccs:
        body["ccEmails"] = [c["email"] for c in ccs]
        body["ccNames"] = [c["name"] for c in ccs]
    if draw(st.booleans()):
        expiration = draw(expirations())
        body["enableExpiration"] = expiration["enabled"]
        body["validityDays"] = expiration.get("validityDays")
        body["expirationNoticeDays"] = expiration.get("noticeDaysBefore")
    if draw(st.booleans()):
        reminder = draw(reminders())
        body["enableReminder"] = reminder["enabled"]
        body["firstReminderDays"] = reminder.get("firstReminderDays")
        body["reminderIntervalDays"] = reminder.get("intervalDays")
    return body


@st.composite
def valid_template(draw: st.DrawFn) -> dict[str, Any]:
    roles = draw(st.lists(signers, min_size=1, max_size=4))
    for index, role in enumerate(roles):
        role["roleName"] = f"Role {index}"
    return {
        "emailSubject": draw(visible_text),
        "templateId": str(draw(st.uuids())),
        "templateRoles": roles,
    }


valid_requests = valid_nested() | valid_flat() | valid_template()


# -------------------------------------------------------------------- the request model


def _validate(data: Any) -> SendEnvelopeRequest | None:
    try:
        return SendEnvelopeRequest.model_validate(data)
    except ValidationError:
        return None


@settings(max_examples=400, deadline=None)
@given(json_values | request_like)
def test_any_json_is_a_request_or_a_validation_error(data: Any) -> None:
    request = _validate(data)  # anything else raised fails the test
    if request is not None:
        assert request.signers or request.template_roles
        assert request.documents or request.template_id


@settings(max_examples=200, deadline=None)
@given(valid_requests, st.data())
def test_any_valid_body_with_one_field_broken_is_a_validation_error_at_most(
    body: dict[str, Any], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(body)))
    body[key] = data.draw(json_values)
    _validate(body)


def _leaves(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, f"{path}[{i}]")]
    return [(path, value)]


def _definition(request: SendEnvelopeRequest) -> dict[str, Any]:
    prepared = [PreparedDocument(name=d.name, file_extension="pdf") for d in request.documents]
    return envelope_definition(request, prepared, "0123456789abcdef0123456789abcdef")


@settings(max_examples=300, deadline=None)
@given(valid_requests)
def test_valid_requests_make_a_definition_docusign_accepts(body: dict[str, Any]) -> None:
    request = SendEnvelopeRequest.model_validate(body)
    definition = _definition(request)

    # DocuSign types its scalars as strings: no number, boolean or null is ever sent.
    for path, leaf in _leaves(definition):
        assert isinstance(leaf, str), (path, leaf)
    json.dumps(definition)
    assert definition["status"] in ("sent", "created")
    assert 1 <= len(definition["emailSubject"]) <= 100

    if request.template_id:
        roles = definition["templateRoles"]
        assert [r["email"] for r in roles] == [r.email for r in request.template_roles]
        assert all(r["routingOrder"].isdigit() and int(r["routingOrder"]) >= 1 for r in roles)
        return
    recipients = definition["recipients"]
    everyone = recipients["signers"] + recipients.get("carbonCopies", [])
    ids = [r["recipientId"] for r in everyone]
    assert len(ids) == len(set(ids)), ids
    assert all(i.isdigit() and int(i) >= 1 for i in ids)
    assert all(r["routingOrder"].isdigit() and int(r["routingOrder"]) >= 1 for r in everyone)
    assert [s["email"] for s in recipients["signers"]] == [s.email for s in request.signers]
    assert [d["documentId"] for d in definition["documents"]] == [
        str(i) for i in range(1, len(request.documents) + 1)
    ]
    for field in definition.get("customFields", {}).get("textCustomFields", []):
        assert field["name"]


@settings(max_examples=50, deadline=None)
@given(valid_nested(), st.text(" \t", min_size=1, max_size=3))
def test_custom_field_names_are_never_empty_after_trimming(
    body: dict[str, Any], blank: str
) -> None:
    body["customFields"] = {blank: "value"}
    request = _validate(body)
    assert request is None or all(name.strip() for name in request.custom_fields)


@settings(max_examples=200, deadline=None)
@given(valid_flat())
def test_flat_form_means_the_same_as_nested(body: dict[str, Any]) -> None:
    nested: dict[str, Any] = {"emailSubject": body["emailSubject"], "documents": body["documents"]}
    order = body.get("signatureOrder") or [None] * len(body["signersEmails"])
    nested["signers"] = [
        {"email": e, "name": n, "signingOrder": None if o == "" else o}
        for e, n, o in zip(body["signersEmails"], body["signersNames"], order, strict=True)
    ]
    if body.get("ccEmails"):
        nested["carbonCopies"] = [
            {"email": e, "name": n} for e, n in zip(body["ccEmails"], body["ccNames"], strict=True)
        ]
    if "enableExpiration" in body:
        nested["expiration"] = {
            "enabled": body["enableExpiration"],
            "validityDays": body["validityDays"],
            "noticeDaysBefore": body["expirationNoticeDays"],
        }
    if "enableReminder" in body:
        nested["reminders"] = {
            "enabled": body["enableReminder"],
            "firstReminderDays": body["firstReminderDays"],
            "intervalDays": body["reminderIntervalDays"],
        }
    flat = SendEnvelopeRequest.model_validate(body)
    assert flat == SendEnvelopeRequest.model_validate(nested)
    assert _definition(flat) == _definition(SendEnvelopeRequest.model_validate(nested))


@settings(max_examples=100, deadline=None)
@given(valid_flat(), st.data())
def test_parallel_lists_of_different_lengths_are_refused(
    body: dict[str, Any], data: st.DataObject
) -> None:
    names = body["signersNames"]
    extra = data.draw(st.integers(min_value=1, max_value=3))
    body["signersNames"] = names[:-1] if data.draw(st.booleans()) else names + ["X"] * extra
    with pytest.raises(ValidationError) as raised:
        SendEnvelopeRequest.model_validate(body)
    assert raised.value.errors()[0]["type"] == "SIGNERS_LENGTH_MISMATCH"


# ------------------------------------------------------------------------ signing order


@given(st.lists(orders, max_size=30))
def test_routing_orders_follow_the_bpm_rule(given_orders: list[int | None]) -> None:
    result = routing_orders(given_orders)

    assert len(result) == len(given_orders)
    assert all(r >= 1 for r in result)
    ordered = [(o, r) for o, r in zip(given_orders, result, strict=True) if o]
    unordered = [r for o, r in zip(given_orders, result, strict=True) if not o]
    if not ordered:
        assert result == [1] * len(given_orders)
        return
    # Ordered signers keep their relative order (equal orders stay together, in parallel).
    for o1, r1 in ordered:
        for o2, r2 in ordered:
            assert (o1 < o2) == (r1 < r2) and (o1 == o2) == (r1 == r2)
    # Everyone without an order receives it together, strictly after every ordered signer.
    assert len(set(unordered)) <= 1
    assert all(u > max(r for _, r in ordered) for u in unordered)


# --------------------------------------------------------------------- the send handler


@pytest.fixture(scope="module")
def fuzz_connection(connections: Any, stack: Any) -> Any:
    from aws_lambda_powertools.utilities import parameters

    from docusign_connector.container import reset_services

    reset_services()
    parameters.clear_caches()
    return connections.create("fuzz")


@functools.cache
def _pdf_base64() -> str:
    from tests.integration.helpers import b64, sample_pdf

    return b64(sample_pdf("Property test"))


handler_bodies = (
    json_values
    | request_like
    | valid_requests.map(
        lambda b: (
            {**b, "documents": [{"name": "a.pdf", "contentBase64": _pdf_base64()}]}
            if "documents" in b
            else b
        )
    )
)


@pytest.mark.integration
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=handler_bodies | st.text(max_size=50).map(lambda t: ("raw", t)))
def test_the_send_handler_never_answers_5xx(fuzz_connection: Any, emulator: Any, body: Any) -> None:
    from tests.support.lambda_events import api_event, invoke

    raw = body[1] if isinstance(body, tuple) else json.dumps(body)
    api = api_event("send_envelope_nested", path_parameters={"connection": "fuzz"}, raw_body=raw)
    api["headers"].pop("Idempotency-Key", None)
    api["multiValueHeaders"].pop("Idempotency-Key", None)

    result = invoke("send_envelope", api)
    event(f"HTTP {result.status}")

    assert result.status < 500, (result.status, result.body)
    if result.status >= 400:
        error = result.body["error"]
        assert error["code"] and error["code"] == error["code"].upper()
        assert isinstance(error["message"], str) and error["message"]
        assert "Traceback" not in json.dumps(result.body)
    else:
        assert result.status == 201
        assert result.body["envelopeId"] in emulator.state.envelopes


# ------------------------------------------------------------- Connect HMAC and messages

hmac_keys = st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=3)
header_names = st.text(max_size=30) | st.sampled_from(
    ["X-DocuSign-Signature-1", "x-docusign-signature-2", "X-DOCUSIGN-SIGNATURE-10",
     "X-DocuSign-Signature-1000", "X-DocuSign-Signature-", "X-DocuSign-Signature-one",
     "X-DocuSign-Signature", "Signature-1"]
)  # fmt: skip
# DocuSign numbers its signature headers X-DocuSign-Signature-1, -2 … (any case).
_SIGNATURE_NAME = re.compile(r"^x-docusign-signature-\d{1,3}$", re.IGNORECASE)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), hmac_keys, st.data())
def test_any_headers_are_accepted_only_with_a_matching_signature(
    body: bytes, keys: list[str], data: st.DataObject
) -> None:
    from docusign_connector.sync.webhook import InvalidSignature, compute_signature, verify_message

    expected = {compute_signature(key, body) for key in keys}
    values = st.text(max_size=60) | st.sampled_from(sorted(expected))
    headers = data.draw(st.dictionaries(header_names, values, max_size=5))
    genuine = any(
        value.strip() in expected for name, value in headers.items() if _SIGNATURE_NAME.match(name)
    )
    event("genuine signature" if body and genuine else "no genuine signature")
    try:
        verify_message(body, headers, keys)
    except InvalidSignature as refused:
        assert refused.status_code == 401
        assert not (body and genuine)
    else:
        assert body and genuine


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=300), hmac_keys, st.data())
def test_a_signature_counts_only_for_its_own_body_and_key(
    body: bytes, keys: list[str], data: st.DataObject
) -> None:
    from docusign_connector.sync.webhook import InvalidSignature, compute_signature, verify_message

    signer = data.draw(st.sampled_from(keys))
    position = data.draw(st.integers(min_value=1, max_value=9))
    signature = compute_signature(signer, body)
    noise = {f"x-docusign-signature-{position + 1}": "bm90IGEgc2lnbmF0dXJl"}
    verify_message(body, {f"X-DocuSign-Signature-{position}": signature, **noise}, keys)

    tampered = data.draw(st.binary(min_size=1, max_size=300).filter(lambda b: b != body))
    with pytest.raises(InvalidSignature):
        verify_message(tampered, {"X-DocuSign-Signature-1": signature}, keys)
    stranger = data.draw(st.text(min_size=1, max_size=40).filter(lambda k: k not in keys))
    with pytest.raises(InvalidSignature):
        verify_message(body, {"X-DocuSign-Signature-1": signature}, [stranger])


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.fixed_dictionaries(
        {
            "event": json_values | st.sampled_from(["envelope-sent", "recipient-completed"]),
            "data": json_values
            | st.fixed_dictionaries(
                {"envelopeId": st.uuids().map(str) | json_values},
                optional={"envelopeSummary": json_values, "recipientId": json_values},
            ),
        },
        optional={"generatedDateTime": json_values},
    ).map(lambda v: json.dumps(v).encode())
)
def test_any_verified_message_parses_or_is_a_400(body: bytes) -> None:
    from docusign_connector.errors import BadRequest
    from docusign_connector.sync.messages import ConnectEvent, parse_message

    try:
        parsed = parse_message("acme", body)
    except BadRequest as refused:
        assert refused.status_code == 400
        assert refused.code == "UNSUPPORTED_CONNECT_FORMAT"
        return
    assert parsed is None or isinstance(parsed, ConnectEvent)
    if parsed is not None:
        assert parsed.event.startswith(("envelope-", "recipient-"))
        json.dumps(parsed.summary)
