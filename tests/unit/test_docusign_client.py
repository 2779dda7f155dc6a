"""The DocuSign client's retry policy on its own: a scripted session stands in for DocuSign, a
list stands in for sleeping, and a function stands in for the Lambda's remaining time."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from docusign_connector.adapters.docusign import transport
from docusign_connector.adapters.docusign.auth import Account
from docusign_connector.adapters.docusign.client import DocuSignClient
from docusign_connector.adapters.docusign.errors import DocuSignApiError, to_connector_error
from docusign_connector.adapters.docusign.transport import Transport
from docusign_connector.errors import (
    Conflict,
    OutcomeUnknown,
    Throttled,
    UpstreamError,
    UpstreamUnavailable,
)

BASE = "https://demo.example.test"
ACCOUNT = "11111111-2222-3333-4444-555555555555"
ENVELOPES = f"{BASE}/restapi/v2.1/accounts/{ACCOUNT}/envelopes"
ENVELOPE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
TRANSACTION = "0123456789abcdef0123456789abcdef"


def answer(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {200: "OK", 201: "Created", 401: "Unauthorized"}.get(status, "Error")
    content = b"" if body is None else json.dumps(body).encode()
    response._content = content
    response.raw = io.BytesIO(content)
    response.headers.update(headers or {})
    return response


class ScriptedSession:
    """Answers each request with the next scripted response (or raises the scripted error)."""

    def __init__(self, *script: requests.Response | Exception) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        data = kwargs.get("data")
        body = data.read() if data is not None else None  # as requests would send it
        self.requests.append({"method": method, "url": url, "body": body, **kwargs})
        if not self.script:
            raise AssertionError(f"unexpected request {method} {url}")
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    def calls(self, method: str, url: str | None = None) -> list[dict[str, Any]]:
        return [
            r for r in self.requests if r["method"] == method and (url is None or r["url"] == url)
        ]


class FakeTokens:
    """Hands out token-1, token-2 … : a new one each time the client forgets the old one."""

    def __init__(self) -> None:
        self.issued = 1
        self.forgotten = 0

    def token(self, connection: Any, *, fresh: bool = False) -> str:
        return f"token-{self.issued}"

    def forget(self, connection: Any) -> None:
        self.forgotten += 1
        self.issued += 1

    def account(self, connection: Any, *, fresh: bool = False) -> Account:
        return Account(ACCOUNT, "Test", BASE, "user", "User")

    @property
    def session(self) -> requests.Session:
        raise AssertionError("the client must use the session it was given")


# One container's memory of creates that ended without a known outcome, shared by its clients.
UNSETTLED: set[str] = set()


@pytest.fixture(autouse=True)
def _forget_unsettled() -> Iterator[None]:
    UNSETTLED.clear()
    yield
    UNSETTLED.clear()


def client(
    session: ScriptedSession, remaining: float | None = 29.0, tokens: FakeTokens | None = None
) -> tuple[DocuSignClient, list[float]]:
    sleeps: list[float] = []
    deadline = None if remaining is None else (lambda: remaining)
    made = DocuSignClient(
        Transport(
            object(),  # type: ignore[arg-type]
            tokens or FakeTokens(),  # type: ignore[arg-type]
            session=session,  # type: ignore[arg-type]
            deadline=deadline,
            sleep=sleeps.append,
        ),
        UNSETTLED,
    )
    return made, sleeps


ENVELOPE = {"envelopeId": ENVELOPE_ID, "status": "sent"}


# ------------------------------------------------------------------------- GET and PUT


def test_retry_after_is_honoured() -> None:
    session = ScriptedSession(
        answer(429, {"errorCode": "X"}, {"Retry-After": "7"}), answer(200, ENVELOPE)
    )
    docusign_client, sleeps = client(session)

    assert docusign_client.get_envelope(ENVELOPE_ID)["status"] == "sent"
    assert len(session.requests) == 2
    assert len(sleeps) == 1 and 7 <= sleeps[0] <= 7.25


def test_rate_limit_reset_is_honoured_when_there_is_no_retry_after() -> None:
    reset = int(time.time()) + 12
    session = ScriptedSession(
        answer(
            429,
            {"errorCode": "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"},
            {"X-RateLimit-Reset": str(reset), "X-RateLimit-Remaining": "0"},
        ),
        answer(200, ENVELOPE),
    )
    docusign_client, sleeps = client(session, remaining=60)

    docusign_client.get_envelope(ENVELOPE_ID)
    assert len(sleeps) == 1 and 10 <= sleeps[0] <= 12.5


def test_server_errors_back_off_exponentially_with_jitter() -> None:
    session = ScriptedSession(
        answer(503), answer(502), answer(500, {"errorCode": "E"}), answer(200, ENVELOPE)
    )
    docusign_client, sleeps = client(session)

    docusign_client.get_envelope(ENVELOPE_ID)
    assert len(session.requests) == 4
    assert len(sleeps) == 3
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0 and 1.0 <= sleeps[2] <= 2.0


def test_attempts_are_bounded() -> None:
    session = ScriptedSession(*[answer(503) for _ in range(transport.MAX_ATTEMPTS)])
    docusign_client, sleeps = client(session)

    with pytest.raises(UpstreamUnavailable):
        docusign_client.get_envelope(ENVELOPE_ID)
    assert len(session.requests) == transport.MAX_ATTEMPTS
    assert len(sleeps) == transport.MAX_ATTEMPTS - 1


def test_a_wait_longer_than_the_time_left_is_a_429_for_the_caller() -> None:
    session = ScriptedSession(
        answer(429, {"errorCode": "BURST_APIINVOCATION_LIMIT_EXCEEDED"}, {"Retry-After": "30"})
    )
    docusign_client, sleeps = client(session, remaining=20)

    with pytest.raises(Throttled) as raised:
        docusign_client.get_envelope(ENVELOPE_ID)
    assert raised.value.status_code == 429
    assert raised.value.headers["Retry-After"] == "30"
    assert sleeps == []
    assert len(session.requests) == 1


def test_no_retry_when_too_little_time_is_left_for_another_attempt() -> None:
    session = ScriptedSession(answer(503))
    docusign_client, sleeps = client(session, remaining=transport.ANSWER_MARGIN + 1)

    with pytest.raises(UpstreamUnavailable):
        docusign_client.get_envelope(ENVELOPE_ID)
    assert sleeps == [] and len(session.requests) == 1


def test_timeouts_shrink_with_the_time_left() -> None:
    session = ScriptedSession(answer(200, ENVELOPE), answer(200, ENVELOPE), answer(200, ENVELOPE))
    client(session, remaining=6)[0].get_envelope(ENVELOPE_ID)
    client(session, remaining=None)[0].get_envelope(ENVELOPE_ID)
    client(session, remaining=0.5)[0].get_envelope(ENVELOPE_ID)

    timeouts = [r["timeout"] for r in session.requests]
    assert timeouts[0] == (4.0, 4.0)  # 6 s left, 2 s kept to answer the caller
    assert timeouts[1] == (transport.CONNECT_TIMEOUT, transport.READ_TIMEOUT)
    assert timeouts[2] == (transport.MIN_READ_TIMEOUT, transport.MIN_READ_TIMEOUT)


def test_connection_errors_are_retried_for_reads() -> None:
    session = ScriptedSession(requests.ConnectionError("reset"), answer(200, ENVELOPE))
    docusign_client, sleeps = client(session)

    assert docusign_client.get_envelope(ENVELOPE_ID)["envelopeId"] == ENVELOPE_ID
    assert len(sleeps) == 1


def test_401_then_success_uses_a_new_token() -> None:
    tokens = FakeTokens()
    session = ScriptedSession(
        answer(401, {"errorCode": "USER_AUTHENTICATION_FAILED"}), answer(200, ENVELOPE)
    )
    docusign_client, sleeps = client(session, tokens=tokens)

    docusign_client.get_envelope(ENVELOPE_ID)
    assert [r["headers"]["Authorization"] for r in session.requests] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert tokens.forgotten == 1
    assert sleeps == []


def test_401_twice_is_an_error_not_a_loop() -> None:
    tokens = FakeTokens()
    session = ScriptedSession(
        answer(401, {"errorCode": "USER_AUTHENTICATION_FAILED"}),
        answer(401, {"errorCode": "USER_AUTHENTICATION_FAILED"}),
    )
    docusign_client, _ = client(session, tokens=tokens)

    with pytest.raises(UpstreamError) as raised:
        docusign_client.get_envelope(ENVELOPE_ID)
    assert raised.value.code == "DOCUSIGN_AUTHENTICATION_FAILED"
    assert len(session.requests) == 2 and tokens.forgotten == 1


def test_client_errors_are_not_retried() -> None:
    session = ScriptedSession(
        answer(400, {"errorCode": "INVALID_REQUEST_PARAMETER", "message": "bad"})
    )
    docusign_client, sleeps = client(session)

    with pytest.raises(Exception) as raised:
        docusign_client.get_envelope(ENVELOPE_ID)
    assert getattr(raised.value, "status_code", None) == 422
    assert len(session.requests) == 1 and sleeps == []


# ------------------------------------------------------------------------------ create


def definition(transaction_id: str | None = TRANSACTION) -> dict[str, Any]:
    out: dict[str, Any] = {
        "emailSubject": "Sign",
        "status": "sent",
        "documents": [{"documentId": "1", "name": "a.pdf", "fileExtension": "pdf"}],
        "recipients": {
            "signers": [
                {"email": "a@example.com", "name": "A", "recipientId": "1", "routingOrder": "1"}
            ]
        },
    }
    if transaction_id:
        out["transactionId"] = transaction_id
    return out


class Source:
    base64_length = 8

    def iter_base64(self) -> Iterator[bytes]:
        yield b"JVBE"
        yield b"Ri0x"


def found(transaction_id: str = TRANSACTION) -> requests.Response:
    return answer(
        200,
        {
            "resultSetSize": "1",
            "envelopes": [
                {
                    "envelopeId": ENVELOPE_ID,
                    "status": "sent",
                    "statusChangedDateTime": "2026-01-02T03:04:05.0000000Z",
                    "transactionId": transaction_id,
                }
            ],
            "envelopeTransactionStatuses": [
                {"envelopeId": ENVELOPE_ID, "status": "sent", "transactionId": transaction_id}
            ],
        },
    )


def nothing_found() -> requests.Response:
    return answer(200, {"resultSetSize": "0", "totalSetSize": "0", "envelopes": []})


CREATED = {
    "envelopeId": ENVELOPE_ID,
    "status": "sent",
    "statusDateTime": "2026-01-02T03:04:05.0000000Z",
    "uri": f"/envelopes/{ENVELOPE_ID}",
}


def test_create_whose_answer_was_lost_is_found_and_never_posted_again() -> None:
    session = ScriptedSession(requests.ConnectionError("connection reset by peer"), found())
    docusign_client, sleeps = client(session)

    summary = docusign_client.create_envelope(definition(), [Source()])

    assert summary["envelopeId"] == ENVELOPE_ID
    assert summary["status"] == "sent"
    assert summary["statusDateTime"] == "2026-01-02T03:04:05.0000000Z"
    assert len(session.calls("POST")) == 1
    lookup = session.calls("GET", ENVELOPES)
    assert len(lookup) == 1 and lookup[0]["params"] == {"transaction_ids": TRANSACTION}
    # It waited a moment before looking, so that DocuSign could finish what it began.
    assert len(sleeps) == 1 and sleeps[0] <= 0.5


def test_create_after_a_server_error_is_looked_up_then_posted_with_a_new_body() -> None:
    session = ScriptedSession(
        answer(500, {"errorCode": "UNSPECIFIED_ERROR"}), nothing_found(), answer(201, CREATED)
    )
    docusign_client, sleeps = client(session)

    assert docusign_client.create_envelope(definition(), [Source()]) == CREATED
    posts = session.calls("POST")
    assert len(posts) == 2
    # Each attempt streams a complete body of its own.
    assert posts[0]["data"] is not posts[1]["data"]
    assert posts[0]["body"] == posts[1]["body"]
    sent = json.loads(posts[1]["body"])
    assert sent["documents"][0]["documentBase64"] == "JVBERi0x"
    assert sent["transactionId"] == TRANSACTION
    assert len(sleeps) == 1


def test_throttled_create_is_posted_again_after_the_wait_without_a_lookup() -> None:
    session = ScriptedSession(
        answer(429, {"errorCode": "X"}, {"Retry-After": "3"}), answer(201, CREATED)
    )
    docusign_client, sleeps = client(session)

    assert docusign_client.create_envelope(definition(), [Source()])["envelopeId"] == ENVELOPE_ID
    assert len(session.calls("POST")) == 2
    assert session.calls("GET") == []
    assert len(sleeps) == 1 and 3 <= sleeps[0] <= 3.25


def test_timed_out_create_is_never_posted_again_in_the_same_invocation() -> None:
    session = ScriptedSession(requests.ReadTimeout("read timed out"), nothing_found())
    docusign_client, _ = client(session, remaining=4)

    with pytest.raises(OutcomeUnknown) as raised:
        docusign_client.create_envelope(definition(), [Source()])
    assert raised.value.status_code == 503
    assert raised.value.code == "DOCUSIGN_OUTCOME_UNKNOWN"
    assert int(raised.value.headers["Retry-After"]) >= 1
    assert len(session.calls("POST")) == 1

    # The next create with that transaction id (the caller's retry) looks first, and finds it.
    retry_session = ScriptedSession(found())
    summary = client(retry_session)[0].create_envelope(definition(), [Source()])
    assert summary["envelopeId"] == ENVELOPE_ID
    assert retry_session.calls("POST") == []


def test_timed_out_create_is_looked_for_again_while_time_allows() -> None:
    session = ScriptedSession(requests.ReadTimeout("read timed out"), nothing_found(), found())
    docusign_client, sleeps = client(session, remaining=60)

    assert docusign_client.create_envelope(definition(), [Source()])["envelopeId"] == ENVELOPE_ID
    assert len(session.calls("POST")) == 1
    assert len(session.calls("GET")) == 2
    assert len(sleeps) == 1


def test_failed_lookup_means_the_outcome_is_unknown_and_nothing_is_posted_again() -> None:
    session = ScriptedSession(
        requests.ConnectionError("reset"), *[answer(503) for _ in range(transport.MAX_ATTEMPTS)]
    )
    docusign_client, _ = client(session)

    with pytest.raises(OutcomeUnknown):
        docusign_client.create_envelope(definition(), [Source()])
    assert len(session.calls("POST")) == 1


def test_lookup_ignores_envelopes_of_other_transactions() -> None:
    session = ScriptedSession(
        requests.ConnectionError("reset"), found("another-transaction"), answer(201, CREATED)
    )
    docusign_client, _ = client(session)

    assert docusign_client.create_envelope(definition(), [Source()]) == CREATED
    assert len(session.calls("POST")) == 2


def test_create_without_a_transaction_id_is_never_repeated() -> None:
    session = ScriptedSession(requests.ConnectionError("reset"))
    docusign_client, sleeps = client(session)

    with pytest.raises(UpstreamUnavailable) as raised:
        docusign_client.create_envelope(definition(None), [Source()])
    assert raised.value.code == "DOCUSIGN_UNREACHABLE"
    assert len(session.requests) == 1 and sleeps == []


def test_look_up_first_skips_the_post_when_the_envelope_exists() -> None:
    session = ScriptedSession(found())
    docusign_client, _ = client(session)

    summary = docusign_client.create_envelope(definition(), [Source()], look_up_first=True)
    assert summary["envelopeId"] == ENVELOPE_ID
    assert session.calls("POST") == []


def test_create_throttled_beyond_the_budget_is_a_429() -> None:
    session = ScriptedSession(
        answer(429, {"errorCode": "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"}, {"Retry-After": "1800"})
    )
    docusign_client, sleeps = client(session, remaining=29)

    with pytest.raises(Throttled) as raised:
        docusign_client.create_envelope(definition(), [Source()])
    assert raised.value.headers["Retry-After"] == "1800"
    assert sleeps == [] and len(session.requests) == 1


# -------------------------------------------------------------------------------- void


def test_void_whose_answer_was_lost_is_confirmed_by_reading_the_envelope() -> None:
    refused = answer(400, {"errorCode": "ENVELOPE_CANNOT_VOID_INVALID_STATE", "message": "no"})
    session = ScriptedSession(
        requests.ConnectionError("reset"),
        refused,
        answer(200, {"envelopeId": ENVELOPE_ID, "status": "voided", "voidedReason": "why"}),
    )
    docusign_client, _ = client(session)

    assert docusign_client.void_envelope(ENVELOPE_ID, "why") == {"envelopeId": ENVELOPE_ID}
    assert len(session.calls("PUT")) == 2


def test_void_refused_after_a_lost_answer_is_a_conflict_when_voided_by_someone_else() -> None:
    refused = answer(400, {"errorCode": "ENVELOPE_CANNOT_VOID_INVALID_STATE", "message": "no"})
    session = ScriptedSession(
        requests.ConnectionError("reset"),
        refused,
        answer(200, {"envelopeId": ENVELOPE_ID, "status": "voided", "voidedReason": "other"}),
    )
    docusign_client, _ = client(session)

    with pytest.raises(Conflict):
        docusign_client.void_envelope(ENVELOPE_ID, "why")


# ------------------------------------------------------------------------- error mapping


def test_throttled_error_carries_docusigns_wait_rounded_up() -> None:
    response = answer(429, {"errorCode": "X"}, {"Retry-After": "17"})
    error = to_connector_error(DocuSignApiError(429, "X", "m"), response)
    assert isinstance(error, Throttled)
    assert error.headers == {"Retry-After": "17"}
    reset = answer(429, {}, {"X-RateLimit-Reset": str(int(time.time()) + 90)})
    error = to_connector_error(DocuSignApiError(429, "X", "m"), reset)
    assert 88 <= int(error.headers["Retry-After"]) <= 91


def listed(*ids: str, total: int, start: int, next_uri: str | None = None) -> requests.Response:
    body: dict[str, Any] = {
        "resultSetSize": str(len(ids)),
        "totalSetSize": str(total),
        "startPosition": str(start),
        "endPosition": str(start + len(ids) - 1),
        "envelopes": [{"envelopeId": i, "status": "sent"} for i in ids],
        "lastQueriedDateTime": "2026-01-02T03:04:05.0000000Z",
    }
    if next_uri is not None:
        body["nextUri"] = next_uri
    return answer(200, body)


def test_status_changes_follow_next_uri_with_one_window_and_the_page_cap() -> None:
    session = ScriptedSession(
        listed(
            "e1", "e2", total=5, start=0, next_uri=f"/accounts/{ACCOUNT}/envelopes?start_position=2"
        ),
        # DocuSign names the next start: it is followed as given
        listed("e4", total=5, start=2, next_uri=f"/accounts/{ACCOUNT}/envelopes?start_position=4"),
        listed("e5", total=5, start=4),
    )
    made, _ = client(session)
    envelopes, last = made.list_status_changes("2026-01-01T00:00:00.000Z", page_size=5000)
    assert [e["envelopeId"] for e in envelopes] == ["e1", "e2", "e4", "e5"]
    assert last == "2026-01-02T03:04:05.0000000Z"
    params = [r["params"] for r in session.requests]
    assert [p["start_position"] for p in params] == ["0", "2", "4"]
    assert {p["count"] for p in params} == {"1000"}  # DocuSign's cap, never more
    assert len({p["to_date"] for p in params}) == 1 and params[0]["to_date"]


def test_status_changes_read_again_when_the_set_shrinks_mid_way() -> None:
    session = ScriptedSession(
        listed("e1", "e2", total=4, start=0),
        # e1 changed again after to_date: the set shrank and e3 moved to position 1
        listed("e4", total=3, start=2),
        listed("e2", "e3", total=3, start=0),
        listed("e4", total=3, start=2),
    )
    made, _ = client(session)
    envelopes, _ = made.list_status_changes("2026-01-01T00:00:00.000Z", page_size=2)
    assert [e["envelopeId"] for e in envelopes] == ["e1", "e2", "e4", "e3"]


def test_burst_429_without_retry_after_waits_the_burst_window_not_the_hour() -> None:
    reset = str(int(time.time()) + 3000)
    headers = {
        "X-RateLimit-Remaining": "2500",
        "X-RateLimit-Reset": reset,
        "X-BurstLimit-Remaining": "0",
    }
    session = ScriptedSession(
        answer(429, {"errorCode": "BURST_APIINVOCATION_LIMIT_EXCEEDED"}, headers),
    )
    made, sleeps = client(session, remaining=20.0)
    with pytest.raises(Throttled) as raised:
        made.get_envelope(ENVELOPE_ID)
    assert raised.value.headers["Retry-After"] == "30"
    assert sleeps == []  # 30 s does not fit in 20 s
    hourly = answer(
        429,
        {"errorCode": "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"},
        {**headers, "X-RateLimit-Remaining": "0", "X-BurstLimit-Remaining": "400"},
    )
    error = to_connector_error(
        DocuSignApiError(429, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED", ""), hourly
    )
    assert 2998 <= int(error.headers["Retry-After"]) <= 3001


@pytest.mark.parametrize(
    "code",
    [
        "FORMAT_CONVERSION_ERROR",
        "ANCHOR_TAB_STRING_NOT_FOUND",
        "ENVELOPE_IS_INCOMPLETE",
        "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
        "RECIPIENT_NOT_IN_SEQUENCE",
    ],
)
def test_errors_the_caller_can_fix_are_a_400_naming_docusigns_code(code: str) -> None:
    error = to_connector_error(DocuSignApiError(400, code, "refused"))
    assert (error.status_code, error.code) == (400, code)
    assert error.details == [{"docusignErrorCode": code, "docusignMessage": "refused"}]


def test_downloads_accept_the_type_the_spec_names() -> None:
    session = ScriptedSession(answer(200, {}), answer(200, {}), answer(200, {}))
    made, _ = client(session)
    for document_id in ("1", "certificate", "archive"):
        with made.open_document(ENVELOPE_ID, document_id):
            pass
    accepts = [r["headers"]["Accept"] for r in session.requests]
    assert accepts == ["application/pdf", "application/pdf", "application/zip"]
