"""Faults injected at the DocuSign emulator, through the real handlers: whatever fails, each
send makes exactly the envelopes it should (one, or none), and the caller is told the truth."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import (
    docusign_requests,
    envelope_creates,
    forget_rate_budgets,
    seed_envelope,
    send,
    simple_body,
    status,
    void,
)
from tests.support.lambda_events import ApiResult, FakeLambdaContext, api_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

ROOT = Path(__file__).resolve().parents[2]
CONNECTION = "acme-faults"
CREATE_PATH = r"/envelopes$"


@pytest.fixture(scope="module")
def acme(connections: Any) -> Any:
    return connections.create(CONNECTION)


@pytest.fixture(autouse=True)
def _clean_emulator(emulator: Any, stack: Any) -> Iterator[None]:
    emulator.state.faults.clear()
    emulator.state.clear_requests()
    yield
    emulator.state.faults.clear()
    forget_rate_budgets(stack)


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's waits between attempts, recorded instead of slept."""
    from docusign_connector.adapters.docusign import transport

    waits: list[float] = []
    monkeypatch.setattr(transport, "pause", waits.append)
    return waits


@dataclass
class CountdownContext(FakeLambdaContext):
    """A Lambda context whose remaining time runs down with the wall clock."""

    budget_seconds: float = 29.0
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        left = self.budget_seconds - (time.monotonic() - self.started)
        return max(0, int(left * 1000))


def load_handler(alias: str) -> Any:
    """A separate copy of the send function's module: another Lambda container in effect."""
    spec = importlib.util.spec_from_file_location(
        alias, ROOT / "functions" / "send_envelope" / "app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_HANDLER = None


def send_within(
    budget_seconds: float,
    body: dict[str, Any],
    *,
    key: str | None = None,
    module: Any = None,
) -> ApiResult:
    """Send through the real handler with this much time left in the invocation."""
    global _HANDLER
    if module is None:
        if _HANDLER is None:
            _HANDLER = importlib.import_module("functions.send_envelope.app")
        module = _HANDLER
    event = api_event(
        "send_envelope_nested",
        path_parameters={"connection": CONNECTION},
        body=body,
        headers={"Idempotency-Key": key} if key else None,
    )
    if not key:
        event["headers"].pop("Idempotency-Key", None)
        event["multiValueHeaders"].pop("Idempotency-Key", None)
    context = CountdownContext("send_envelope", budget_seconds=budget_seconds)
    result = module.lambda_handler(event, context)
    parsed = json.loads(result["body"]) if result.get("body") else None
    return ApiResult(result["statusCode"], result.get("headers") or {}, parsed, result)


def lookups(emulator: Any) -> list[dict[str, Any]]:
    """Searches by transactionId (DocuSign's list status changes with transaction_ids)."""
    return [r for r in docusign_requests(emulator, "GET") if "transaction_ids" in r["query"]]


def envelope_count(emulator: Any) -> int:
    return len(emulator.state.envelopes)


def wait_for_envelopes(emulator: Any, count: int, seconds: float = 10.0) -> int:
    end = time.monotonic() + seconds
    while envelope_count(emulator) < count and time.monotonic() < end:
        time.sleep(0.05)
    return envelope_count(emulator)


# ------------------------------------------------------------------------------- send


def test_throttled_once_then_sent_after_the_wait_docusign_asked_for(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    emulator.state.faults.add("burst_429", count=1, path=CREATE_PATH, method="POST")
    before = envelope_count(emulator)

    result = send_within(120, simple_body())

    assert result.status == 201, result.body
    assert envelope_count(emulator) == before + 1
    assert [r["status"] for r in envelope_creates(emulator)] == [429, 201]
    # The emulator's burst limit says Retry-After: 30; we waited that (plus a little jitter).
    assert len(pauses) == 1 and 30 <= pauses[0] <= 30.5
    # A 429 is a refusal, so there is nothing to look up before posting again.
    assert lookups(emulator) == []
    assert result.body["envelopeId"] in emulator.state.envelopes


def test_unavailable_twice_then_sent_once(acme: Any, emulator: Any, pauses: list[float]) -> None:
    emulator.state.faults.add("503", count=2, path=CREATE_PATH, method="POST")
    before = envelope_count(emulator)

    result = send_within(29, simple_body(), key="resilience-503-twice")

    assert result.status == 201, result.body
    assert envelope_count(emulator) == before + 1
    assert [r["status"] for r in envelope_creates(emulator)] == [503, 503, 201]
    # Before each new post, the connector asked DocuSign whether the envelope existed.
    assert [r["status"] for r in lookups(emulator)] == [200, 200]
    # Exponential backoff with jitter: about 0.5 s, then about 1 s.
    assert len(pauses) == 2
    assert 0.25 <= pauses[0] <= 0.5 and 0.5 <= pauses[1] <= 1.0
    sent = envelope_creates(emulator)[-1]["json"]
    assert (
        emulator.state.envelopes[result.body["envelopeId"]]["transactionId"]
        == sent["transactionId"]
    )


def test_create_whose_answer_was_lost_is_found_not_sent_again(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    # The answer is lost after the envelope was made: the lookup finds it.
    emulator.state.faults.add("drop_after_commit", count=1, path=CREATE_PATH, method="POST")
    before = envelope_count(emulator)

    result = send_within(29, simple_body())

    assert result.status == 201, result.body
    assert envelope_count(emulator) == before + 1
    creates = envelope_creates(emulator)
    assert len(creates) == 1
    assert len(lookups(emulator)) == 1
    assert len(pauses) == 1  # a short wait before looking
    envelope_id = result.body["envelopeId"]
    assert (
        emulator.state.envelopes[envelope_id]["transactionId"]
        == creates[0]["json"]["transactionId"]
    )
    assert result.body["status"] == "sent"
    # The table knows it: status is served without asking DocuSign.
    emulator.state.clear_requests()
    tracked = status(CONNECTION, envelope_id)
    assert tracked.status == 200 and tracked.body["status"] == "sent"
    assert docusign_requests(emulator) == []


def test_lost_answer_with_idempotency_key_then_caller_retries(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    emulator.state.faults.add("drop_after_commit", count=1, path=CREATE_PATH, method="POST")
    before = envelope_count(emulator)

    first = send_within(29, simple_body(), key="resilience-dropped")
    again = send_within(29, simple_body(), key="resilience-dropped")

    assert first.status == 201 and again.status == 201
    assert again.body == first.body
    assert envelope_count(emulator) == before + 1
    assert len(envelope_creates(emulator)) == 1


def test_latency_past_the_budget_never_sends_twice(acme: Any, emulator: Any) -> None:
    # DocuSign takes 4 s to create; the invocation has 5 s left, so the connector stops
    # waiting at about 3 s, looks the envelope up (not there yet) and cannot know more.
    emulator.state.faults.add(
        "latency", count=1, path=CREATE_PATH, method="POST", latency_seconds=4
    )
    before = envelope_count(emulator)

    late = send_within(5, simple_body(), key="resilience-slow")

    assert late.status == 503, late.body
    assert late.body["error"]["code"] == "DOCUSIGN_OUTCOME_UNKNOWN"
    assert int(late.headers["Retry-After"]) >= 1
    assert len(lookups(emulator)) == 1
    # DocuSign finishes the create on its own after the connector gave up waiting.
    assert wait_for_envelopes(emulator, before + 1) == before + 1

    # The caller retries with the same key: the envelope is found, not sent again.
    retried = send_within(29, simple_body(), key="resilience-slow")

    assert retried.status == 201, retried.body
    assert envelope_count(emulator) == before + 1
    assert len(envelope_creates(emulator)) == 1
    created = emulator.state.envelopes[retried.body["envelopeId"]]
    assert created["transactionId"] == envelope_creates(emulator)[0]["json"]["transactionId"]


def test_same_key_sent_twice_at_once_makes_one_envelope(acme: Any, emulator: Any) -> None:
    # The first create takes a while, so the second request arrives while it is in progress.
    emulator.state.faults.add(
        "latency", count=1, path=CREATE_PATH, method="POST", latency_seconds=1.5
    )
    handlers = [load_handler("send_envelope_app_a"), load_handler("send_envelope_app_b")]
    before = envelope_count(emulator)
    results: dict[int, ApiResult] = {}

    def call(index: int) -> None:
        results[index] = send_within(
            29, simple_body(), key="resilience-concurrent", module=handlers[index]
        )

    first = threading.Thread(target=call, args=(0,))
    second = threading.Thread(target=call, args=(1,))
    first.start()
    time.sleep(0.5)
    second.start()
    first.join(20)
    second.join(20)

    by_status = {result.status: result for result in results.values()}
    assert sorted(by_status) == [201, 409], [r.body for r in results.values()]
    busy = by_status[409]
    assert busy.body["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert int(busy.headers["Retry-After"]) >= 1
    assert envelope_count(emulator) == before + 1
    assert len(envelope_creates(emulator)) == 1
    # Once the first has finished, the same key returns its answer.
    later = send_within(29, simple_body(), key="resilience-concurrent")
    assert later.status == 201
    assert later.body == by_status[201].body
    assert len(envelope_creates(emulator)) == 1


def test_throttling_beyond_the_budget_is_a_429_with_retry_after(
    acme: Any, emulator: Any, stack: Any, pauses: list[float]
) -> None:
    # Retry-After 30 s does not fit in 20 s: the caller is told to come back, nothing is sent.
    emulator.state.faults.add("burst_429", count=1, path=CREATE_PATH, method="POST")
    before = envelope_count(emulator)

    result = send_within(20, simple_body(), key="resilience-throttled")

    assert result.status == 429, result.body
    assert result.body["error"]["code"] == "THROTTLED"
    assert result.headers["Retry-After"] == "30"
    assert result.body["error"]["details"][0]["docusignErrorCode"] == (
        "BURST_APIINVOCATION_LIMIT_EXCEEDED"
    )
    assert envelope_count(emulator) == before
    assert len(envelope_creates(emulator)) == 1
    assert pauses == []
    # The key was not used up: once DocuSign allows it, the same key sends.
    retried = send_within(20, simple_body(), key="resilience-throttled")
    assert retried.status == 201
    assert envelope_count(emulator) == before + 1


def test_hourly_limit_is_a_429_and_nothing_is_sent(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    emulator.state.faults.add("429", count=4, path=CREATE_PATH, method="POST")
    before = envelope_count(emulator)

    result = send_within(29, simple_body())

    assert result.status == 429, result.body
    assert result.body["error"]["code"] == "THROTTLED"
    assert int(result.headers["Retry-After"]) >= 1
    assert result.body["error"]["details"][0]["docusignErrorCode"] == (
        "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"
    )
    assert envelope_count(emulator) == before
    assert all(r["status"] == 429 for r in envelope_creates(emulator))
    assert lookups(emulator) == []


def test_server_errors_on_every_attempt_are_a_503_and_nothing_is_sent(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    emulator.state.faults.add("500", count=4, path=CREATE_PATH, method="POST")
    before = envelope_count(emulator)

    result = send_within(29, simple_body())

    assert result.status == 503, result.body
    assert result.body["error"]["code"] == "DOCUSIGN_OUTCOME_UNKNOWN"
    assert envelope_count(emulator) == before
    # Four posts at most, each failure checked before the next.
    assert [r["status"] for r in envelope_creates(emulator)] == [500, 500, 500, 500]
    assert len(lookups(emulator)) == 4
    assert len(pauses) == 3


# --------------------------------------------------------------------- status and void


def test_server_error_on_a_status_get_is_retried(
    acme: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch, pauses: list[float]
) -> None:
    sent = send(CONNECTION, simple_body())
    assert sent.status == 201
    envelope_id = sent.body["envelopeId"]
    monkeypatch.setenv("STATUS_MAX_AGE_SECONDS", "0")
    from docusign_connector.container import reset_services

    reset_services()
    emulator.state.faults.add("500", count=1, path=envelope_id + "$", method="GET")
    emulator.state.clear_requests()

    result = status(CONNECTION, envelope_id)

    assert result.status == 200, result.body
    assert result.body["status"] == "sent"
    assert result.body["source"] == "docusign"
    gets = docusign_requests(emulator, "GET")
    assert [r["status"] for r in gets] == [500, 200]
    assert len(pauses) == 1
    # The failed GET never reached the envelope, so the retry is no polling violation.
    assert not any(r["pollingViolation"] for r in gets)


def test_void_is_retried_on_503_and_voids_once(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    sent = send(CONNECTION, simple_body())
    envelope_id = sent.body["envelopeId"]
    emulator.state.faults.add("503", count=1, path=envelope_id + "$", method="PUT")
    emulator.state.clear_requests()

    result = void(CONNECTION, envelope_id, {"reason": "sent by mistake"})

    assert result.status == 200, result.body
    assert result.body["status"] == "voided"
    puts = docusign_requests(emulator, "PUT")
    assert [r["status"] for r in puts] == [503, 200]
    envelope = emulator.state.envelopes[envelope_id]
    assert envelope["status"] == "voided"
    assert envelope["voidedReason"] == "sent by mistake"
    assert [h["status"] for h in envelope["history"]].count("voided") == 1


def test_void_whose_answer_was_lost_is_still_a_success(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    sent = send(CONNECTION, simple_body())
    envelope_id = sent.body["envelopeId"]
    emulator.state.faults.add("drop_after_commit", count=1, path=envelope_id + "$", method="PUT")
    emulator.state.clear_requests()

    result = void(CONNECTION, envelope_id, {"reason": "duplicate"})

    assert result.status == 200, result.body
    assert result.body["status"] == "voided"
    # The retry is refused (already voided); the connector checks and finds its own void.
    puts = docusign_requests(emulator, "PUT")
    assert [r["status"] for r in puts] == [200, 400]
    envelope = emulator.state.envelopes[envelope_id]
    assert envelope["status"] == "voided" and envelope["voidedReason"] == "duplicate"
    assert [h["status"] for h in envelope["history"]].count("voided") == 1


def test_void_refused_for_a_voided_envelope_without_a_lost_answer_stays_a_409(
    acme: Any, emulator: Any
) -> None:
    sent = send(CONNECTION, simple_body())
    envelope_id = sent.body["envelopeId"]
    emulator.state.void(emulator.state.envelopes[envelope_id], "voided at DocuSign")
    emulator.state.clear_requests()

    result = void(CONNECTION, envelope_id, {"reason": "voided at DocuSign"})

    assert result.status == 409, result.body
    assert result.body["error"]["code"] == "INVALID_STATE"
    assert len(docusign_requests(emulator, "PUT")) == 1
    assert docusign_requests(emulator, "GET") == []


def test_latency_past_the_budget_then_a_retry_in_another_container(
    acme: Any, emulator: Any
) -> None:
    """The retry lands in a fresh container, which knows nothing of the first attempt: the
    table's transaction marker makes it look the envelope up before posting."""
    from docusign_connector.container import reset_services

    emulator.state.faults.add(
        "latency", count=1, path=CREATE_PATH, method="POST", latency_seconds=4
    )
    before = envelope_count(emulator)
    late = send_within(5, simple_body(), key="resilience-slow-elsewhere")
    assert late.status == 503, late.body
    assert wait_for_envelopes(emulator, before + 1) == before + 1

    reset_services()  # a new container: no memory of the unknown outcome
    retried = send_within(29, simple_body(), key="resilience-slow-elsewhere")

    assert retried.status == 201, retried.body
    assert envelope_count(emulator) == before + 1
    assert len(envelope_creates(emulator)) == 1


def test_a_burst_refusal_without_retry_after_waits_the_burst_window_not_the_hour(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    """DocuSign sends X-RateLimit-* and X-BurstLimit-* with a 429, never Retry-After: a burst
    refusal clears within 30 seconds, however far off the hourly reset is."""
    emulator.state.faults.add("burst_429", count=1, path=CREATE_PATH, method="POST")
    before = envelope_count(emulator)

    result = send_within(120, simple_body())

    assert result.status == 201, result.body
    refused = envelope_creates(emulator)[0]
    assert refused["status"] == 429
    assert envelope_count(emulator) == before + 1
    assert len(pauses) == 1 and 30 <= pauses[0] <= 30.5


def test_an_hourly_refusal_names_the_reset_time_to_the_caller(
    acme: Any, emulator: Any, pauses: list[float]
) -> None:
    import time as clock

    # In the last minute of an hour the reset would fit in the send's budget and the
    # connector would rightly wait for it: then the emulator's window is one that ends later
    # (windows of a given length start at multiples of it, as hours start at the top).
    until_reset = int(emulator.state.consume_rate("", count=False)["reset"]) - clock.time()
    if until_reset < 60:
        now = clock.time()
        window = next(w for w in range(600, 3600, 60) if w - now % w > 120)
        emulator.state.set_rate_limits(window_seconds=window)
    try:
        emulator.state.faults.add("429", count=1, path=CREATE_PATH, method="POST")
        result = send_within(29, simple_body())
        assert result.status == 429, result.body
        reset_in = int(emulator.state.consume_rate("", count=False)["reset"]) - clock.time()
        # the emulator's hour resets at the top of the hour, as DocuSign's does
        assert abs(int(result.headers["Retry-After"]) - reset_in) <= 2
        assert pauses == []
    finally:
        emulator.state.set_rate_limits(window_seconds=None)


# ------------------------------------------ a create that commits after the answer was lost


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the connector's clock forward (the claim of a keyed send ages with it)."""
    from datetime import timedelta

    from docusign_connector import clock

    real_now = clock.now
    shift = {"seconds": 0.0}
    monkeypatch.setattr(clock, "now", lambda: real_now() + timedelta(seconds=shift["seconds"]))

    def advance(seconds: float) -> None:
        shift["seconds"] += seconds

    return advance


def test_retry_while_docusign_may_still_commit_never_posts_again(acme: Any, emulator: Any) -> None:
    # DocuSign takes longer to commit the create than the invocation lasts; the caller
    # retries, as the 503's Retry-After invites, before DocuSign has finished.
    emulator.state.faults.add(
        "latency", count=1, path=CREATE_PATH, method="POST", latency_seconds=6
    )
    before = envelope_count(emulator)
    first = send_within(5, simple_body(), key="resilience-commit-late")
    assert first.status == 503, first.body
    assert envelope_count(emulator) == before

    retried = send_within(29, simple_body(), key="resilience-commit-late")

    assert retried.status == 503, retried.body
    assert retried.body["error"]["code"] == "DOCUSIGN_OUTCOME_UNKNOWN"
    assert 1 <= int(retried.headers["Retry-After"]) <= 15
    assert retried.body["error"]["details"][0]["settlesInSeconds"] > 250
    # DocuSign commits the first create; the next retry finds it and posts nothing.
    assert wait_for_envelopes(emulator, before + 1) == before + 1
    time.sleep(0.2)  # the emulator logs the request once its answer is written
    assert len(envelope_creates(emulator)) == 1
    found = send_within(29, simple_body(), key="resilience-commit-late")
    assert found.status == 201, found.body
    assert len(envelope_creates(emulator)) == 1
    assert envelope_count(emulator) == before + 1


def test_send_killed_mid_create_is_posted_only_after_the_settle_window(
    acme: Any, emulator: Any, later: Any
) -> None:
    """The function died after claiming the transaction (its post never reached DocuSign):
    retries only look until the claim is old enough, then exactly one of them posts."""
    from docusign_connector.actions.send import CREATE_SETTLE_SECONDS, transaction_id_for
    from docusign_connector.container import get_services

    key = "resilience-killed"
    get_services().store.claim_transaction(transaction_id_for(CONNECTION, key))

    early = send_within(29, simple_body(), key=key)
    assert early.status == 503, early.body
    assert early.body["error"]["code"] == "DOCUSIGN_OUTCOME_UNKNOWN"
    assert envelope_creates(emulator) == []
    assert len(lookups(emulator)) == 1

    later(CREATE_SETTLE_SECONDS + 1)
    sent = send_within(29, simple_body(), key=key)

    assert sent.status == 201, sent.body
    assert len(envelope_creates(emulator)) == 1
    assert len(lookups(emulator)) == 2  # looked once more before posting
    again = send_within(29, simple_body(), key=key)
    assert again.body == sent.body
    assert len(envelope_creates(emulator)) == 1


def test_refused_keyed_create_is_retried_at_once(
    acme: Any, emulator: Any, stack: Any, pauses: list[float]
) -> None:
    """A create DocuSign refused outright (throttled beyond the budget) cannot commit later:
    the caller's retry posts without waiting for the settle window."""
    emulator.state.faults.add("429", count=4, path=CREATE_PATH, method="POST")
    refused = send_within(29, simple_body(), key="resilience-refused")
    assert refused.status == 429, refused.body
    emulator.state.faults.clear()
    # The hourly refusal is remembered by the account's budget until its reset: the retry
    # comes after it (the window passes), and must not wait for the settle window as well.
    forget_rate_budgets(stack)

    retried = send_within(29, simple_body(), key="resilience-refused")

    assert retried.status == 201, retried.body
    assert len(envelope_creates(emulator)) == 2  # the refused one, then the retry's post
    assert emulator.state.envelopes[retried.body["envelopeId"]]["status"] == "sent"


# ---------------------------------------------------- forged and foreign Connect messages

KEY_A, KEY_B, KEY_C = "forge-key-a", "forge-key-b", "forge-key-c"


@pytest.fixture
def connect_functions(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The variables the template gives the webhook and EventsFunction."""
    from docusign_connector.container import reset_services

    stack.use_environment_of(monkeypatch, "DocuSignWebhookFunction", "EventsFunction")
    yield
    reset_services()


@pytest.fixture(scope="module")
def forge(connections: Any) -> dict[str, Any]:
    """A and B in two DocuSign accounts; C another user of A's account."""
    a = connections.create("forge-a", secret_overrides={"connectHmacKeys": [KEY_A]})
    b = connections.create("forge-b", secret_overrides={"connectHmacKeys": [KEY_B]})
    c = connections.create(
        "forge-c", secret_overrides={"connectHmacKeys": [KEY_C]}, account_id=a.account_id
    )
    return {"a": a, "b": b, "c": c}


def connect_message(event: str, envelope_id: str, account_id: str, status: str) -> bytes:
    return json.dumps(
        {
            "event": event,
            "apiVersion": "v2.1",
            "generatedDateTime": "2030-01-01T00:00:00.0000000Z",
            "data": {
                "accountId": account_id,
                "envelopeId": envelope_id,
                "envelopeSummary": {
                    "envelopeId": envelope_id,
                    "status": status,
                    "emailSubject": "Please sign",
                    "statusChangedDateTime": "2030-01-01T00:00:00.0000000Z",
                    "completedDateTime": "2030-01-01T00:00:00.0000000Z",
                },
            },
        }
    ).encode()


def deliver(stack: Any, connection: str, body: bytes, keys: list[str]) -> list[Any]:
    """Post a signed message to the webhook, then run EventsFunction on what it queued."""
    from local.emulator.connect import sign_body
    from tests.integration.test_connect import apply_batch, drain, webhook_event
    from tests.support.lambda_events import invoke

    drain(stack)
    result = invoke("docusign_webhook", webhook_event(connection, body, sign_body(body, keys)))
    assert result.status == 200, result.body
    queued = drain(stack)
    assert apply_batch([json.dumps(q) for q in queued]) == {"batchItemFailures": []}
    return queued


def envelope_gets(emulator: Any, envelope_id: str) -> list[dict[str, Any]]:
    return [r for r in docusign_requests(emulator, "GET") if r["path"].endswith(envelope_id)]


def test_a_signed_message_alone_cannot_complete_an_envelope(
    forge: dict[str, Any], stack: Any, emulator: Any, connect_functions: None
) -> None:
    """Signed with the connection's own key, claiming completion of an envelope DocuSign still
    has as sent: DocuSign is asked (one GET), the envelope stays sent, nothing is archived or
    published as completed, and it can still be voided."""
    sent = send("forge-a", simple_body())
    assert sent.status == 201, sent.body
    envelope_id = sent.body["envelopeId"]
    emulator.state.clear_requests()

    deliver(
        stack,
        "forge-a",
        connect_message("envelope-completed", envelope_id, forge["a"].account_id, "completed"),
        [KEY_A],
    )

    assert len(envelope_gets(emulator, envelope_id)) == 1
    assert emulator.state.envelopes[envelope_id]["status"] == "sent"
    current = status("forge-a", envelope_id)
    assert current.status == 200 and current.body["status"] == "sent", current.body
    from docusign_connector.container import get_services

    record = get_services().store.get(envelope_id)
    assert record is not None and not record.documents_archived
    assert [r for r in docusign_requests(emulator, "GET") if "/documents" in r["path"]] == []
    voided = void("forge-a", envelope_id, {"reason": "forged completion"})
    assert voided.status == 200, voided.body
    assert emulator.state.envelopes[envelope_id]["status"] == "voided"


def test_a_genuine_completion_is_confirmed_and_archived(
    forge: dict[str, Any], stack: Any, emulator: Any, connect_functions: None
) -> None:
    sent = send("forge-a", simple_body())
    envelope_id = sent.body["envelopeId"]
    emulator.state.complete(envelope_id)
    emulator.state.clear_requests()

    deliver(
        stack,
        "forge-a",
        connect_message("envelope-completed", envelope_id, forge["a"].account_id, "completed"),
        [KEY_A],
    )

    assert len(envelope_gets(emulator, envelope_id)) == 1
    from docusign_connector.container import get_services

    record = get_services().store.get(envelope_id)
    assert record is not None and record.status == "completed" and record.documents_archived


def test_another_accounts_key_cannot_take_over_an_envelope(
    forge: dict[str, Any], stack: Any, emulator: Any, connect_functions: None
) -> None:
    """B's key, about an envelope of A's account that the connector does not track yet: once
    naming A's account (dropped without a DocuSign call), once lying that it is B's (DocuSign,
    asked with B's credentials, does not know it). A still gets its envelope."""
    a, b = forge["a"], forge["b"]
    envelope_id = "7d0e5f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6"
    seed_envelope(emulator, a.account_id, a.user_id, envelope_id)
    emulator.state.clear_requests()

    deliver(
        stack,
        "forge-b",
        connect_message("envelope-sent", envelope_id, a.account_id, "sent"),
        [KEY_B],
    )
    assert envelope_gets(emulator, envelope_id) == []
    deliver(
        stack,
        "forge-b",
        connect_message("envelope-sent", envelope_id, b.account_id, "sent"),
        [KEY_B],
    )
    (asked,) = envelope_gets(emulator, envelope_id)
    assert f"/accounts/{b.account_id}/" in asked["path"]

    from docusign_connector.container import get_services

    assert get_services().store.get(envelope_id) is None
    assert status("forge-b", envelope_id).status == 404
    mine = status("forge-a", envelope_id)
    assert mine.status == 200, mine.body
    assert mine.body["envelopeId"] == envelope_id


def test_a_connection_sharing_the_account_cannot_claim_another_users_envelope(
    forge: dict[str, Any], stack: Any, emulator: Any, connect_functions: None
) -> None:
    a, c = forge["a"], forge["c"]
    assert c.account_id == a.account_id and c.user_id != a.user_id
    envelope_id = "8e1f6a4b-2c3d-4e5f-9a01-b2c3d4e5f6a7"
    seed_envelope(emulator, a.account_id, a.user_id, envelope_id)

    deliver(
        stack,
        "forge-c",
        connect_message("envelope-sent", envelope_id, a.account_id, "sent"),
        [KEY_C],
    )

    from docusign_connector.container import get_services

    assert get_services().store.get(envelope_id) is None
    assert status("forge-a", envelope_id).status == 200
    assert status("forge-c", envelope_id).status == 404
