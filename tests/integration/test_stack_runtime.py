"""The local stack with the process runtime (what `make run` starts): API sends run at once in
environments of their own, each function's process holds only its own variables, cold starts
are the functions' own (their Powertools logs say so), the authorizer's refusal is still the
401, and stopping the stack leaves no process behind."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.stack import DEMO_CONNECTION
from tests.integration.helpers import b64, sample_pdf
from tests.support.stacks import in_process_local_stack

pytestmark = pytest.mark.integration

SEND = "SendEnvelopeFunction"


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    with in_process_local_stack(runtime="process", function_log=lambda f, line: None) as local:
        yield local


def send(stack: Any, subject: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(
        f"{stack.api.url}/v1/connections/{DEMO_CONNECTION}/envelopes",
        json={
            "emailSubject": subject,
            "documents": [{"name": "a.pdf", "contentBase64": b64(sample_pdf())}],
            "signers": [{"email": "ana@example.com", "name": "Ana"}],
        },
        headers=headers if headers is not None else stack.api_headers,
        timeout=90,
    )


def creates(stack: Any, subject: str) -> int:
    """Envelopes DocuSign was asked to create with this subject."""
    return sum(
        1
        for r in list(stack.emulator.state.requests)
        if r["method"] == "POST"
        and r["path"].endswith("/envelopes")
        and (r.get("json") or {}).get("emailSubject") == subject
    )


def process_environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)


def test_two_api_sends_run_at_once_in_two_environments(stack: Any) -> None:
    # DocuSign answers each create after 3 s: one at a time, the two could not overlap
    stack.emulator.state.faults.add(
        "latency", count=2, path=r"/envelopes$", method="POST", latency_seconds=3
    )
    answers: dict[str, requests.Response] = {}
    threads = [
        threading.Thread(target=lambda s=s: answers.__setitem__(s, send(stack, s)))
        for s in ("Concurrent one", "Concurrent two")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [answers[s].status_code for s in ("Concurrent one", "Concurrent two")] == [201, 201]
    assert creates(stack, "Concurrent one") == creates(stack, "Concurrent two") == 1
    runs = [r for r in stack.invoker.records if r.function_id == SEND]
    assert len(runs) == 2 and runs[0].pid != runs[1].pid
    assert max(r.started for r in runs) < min(r.ended for r in runs)  # they overlapped
    assert stack.invoker.cold_starts[SEND] == 2


def test_a_cold_start_is_logged_once_per_environment(stack: Any) -> None:
    before = len(stack.invoker.records)
    assert send(stack, "Warm send").status_code == 201
    run = [r for r in list(stack.invoker.records)[before:] if r.function_id == SEND][-1]
    assert not run.cold
    logged = [json.loads(line) for line in stack.invoker.logs[SEND] if line.startswith("{")]
    created = [entry for entry in logged if entry.get("message") == "envelope created"]
    assert [entry["cold_start"] for entry in created].count(True) == stack.invoker.cold_starts[SEND]
    assert created[-1]["cold_start"] is False


def test_each_functions_process_holds_only_its_own_variables(stack: Any) -> None:
    # the webhook runs (a delivery without a signature is refused by the function itself)
    answer = requests.post(
        f"{stack.api.url}/v1/webhooks/docusign/{DEMO_CONNECTION}", json={}, timeout=60
    )
    assert answer.status_code in (401, 403), answer.text
    webhook = stack.invoker.environments("DocuSignWebhookFunction")[0]
    seen = process_environ(webhook.pid)
    expected = stack.invoker.process_environment("DocuSignWebhookFunction")
    assert set(seen) - {"LC_CTYPE"} == set(expected)
    inbox_only = set(stack.invoker.process_environment("ProcessInboxFunction")) - set(expected)
    assert "INBOX_QUEUE_URL" in inbox_only and not inbox_only & set(seen)


def test_the_authorizers_refusal_from_its_process_is_the_401(stack: Any) -> None:
    forged = stack.api_key[:-4] + ("AAAA" if not stack.api_key.endswith("AAAA") else "BBBB")
    answer = send(stack, "Forged key", headers={"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "UNAUTHORIZED"
    assert creates(stack, "Forged key") == 0
    assert stack.invoker.environments("AuthorizerFunction")  # it ran in its own process


def test_stopping_the_stack_leaves_no_process(stack: Any) -> None:
    pids = [environment.pid for environment in stack.invoker.environments()]
    assert len(pids) >= 3  # the authorizer, the sends, the webhook
    invoker = stack.invoker
    stack.stop()
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    assert invoker.environments() == []
