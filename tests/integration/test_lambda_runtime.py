"""The process runtime: functions run as Lambda runs them, in execution environments (real
worker processes) of their own — only their own environment, warm reuse, several at once up
to their concurrency, timeouts that kill, crashes answered in Lambda's error shape, API
Gateway's 29 s counted from the invocation's start, and nothing left running after stop.

The probe functions (tests/support/runtime_probe) report what their environment sees; the
local API and the Lambda Invoke API serve them as they serve the template's functions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from local.api import LocalApi
from local.lambda_api import LocalLambda
from local.pollers import EventSourcePoller
from local.runtime.invocation import FunctionError, Throttled
from local.runtime.processes import ProcessInvoker
from local.template import load_template

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PROBE = "tests/support/runtime_probe/"


def probe_template(**probe_b: Any) -> dict[str, Any]:
    def function(timeout: int, variables: dict[str, str], **extra: Any) -> dict[str, Any]:
        return {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": PROBE,
                "Handler": "app.lambda_handler",
                "Timeout": timeout,
                "Environment": {"Variables": variables},
                "Events": {
                    "Probe": {
                        "Type": "Api",
                        "Properties": {"Path": f"/{variables['PROBE_NAME']}", "Method": "post"},
                    }
                },
                **extra,
            },
        }

    return {
        "Resources": {
            "ProbeA": function(2, {"PROBE_NAME": "a", "ONLY_A": "secret-of-a"}),
            "ProbeB": function(10, {"PROBE_NAME": "b"}, **probe_b),
        }
    }


def quiet(function_id: str, line: str) -> None:
    """Where the probes' log lines go."""


def print_nothing(line: str) -> None:
    """Where the local API's request log goes."""


def environments_of(template: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        function_id: dict(resource["Properties"]["Environment"]["Variables"])
        for function_id, resource in template["Resources"].items()
    }


@pytest.fixture
def invoker() -> Iterator[ProcessInvoker]:
    template = probe_template(ReservedConcurrentExecutions=1)
    started = ProcessInvoker(template, environments_of(template), function_log=quiet)
    yield started
    started.stop()


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


# ---------------------------------------------------------------------------- isolation


def test_a_function_sees_only_its_own_environment(
    invoker: ProcessInvoker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SET_IN_THE_STACK_PROCESS", "leaks")
    a = invoker.invoke("ProbeA", {})
    b = invoker.invoke("ProbeB", {})
    assert a["pid"] != b["pid"] != os.getpid()
    assert a["environ"]["ONLY_A"] == "secret-of-a"
    assert "ONLY_A" not in b["environ"]  # another function's variable
    for seen in (a["environ"], b["environ"]):
        assert "SET_IN_THE_STACK_PROCESS" not in seen
    # what the function's environment holds, and nothing else (Python adds LC_CTYPE itself)
    assert set(b["environ"]) - {"LC_CTYPE"} == set(invoker.process_environment("ProbeB"))
    assert b["environ"]["AWS_LAMBDA_FUNCTION_NAME"] == b["functionName"]
    assert b["environ"]["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "10"


# ---------------------------------------------------------------------------- warm and cold


def test_a_warm_environment_is_reused_and_only_a_new_one_is_a_cold_start(
    invoker: ProcessInvoker,
) -> None:
    first = invoker.invoke("ProbeA", {})
    second = invoker.invoke("ProbeA", {})
    assert second["pid"] == first["pid"]
    assert (first["invocations"], second["invocations"]) == (1, 2)  # module state survived
    assert first["requestId"] != second["requestId"]
    assert invoker.cold_starts["ProbeA"] == 1
    assert [r.cold for r in invoker.records if r.function_id == "ProbeA"] == [True, False]


def test_a_timeout_kills_the_environment_and_the_next_invocation_is_cold(
    invoker: ProcessInvoker,
) -> None:
    warm = invoker.invoke("ProbeA", {})
    with pytest.raises(FunctionError) as raised:
        invoker.invoke("ProbeA", {"action": "sleep", "seconds": 30})
    assert raised.value.error_type == "Sandbox.Timedout"
    assert raised.value.error_message.endswith("Error: Task timed out after 2.00 seconds")
    assert not alive(warm["pid"])
    after = invoker.invoke("ProbeA", {})
    assert after["pid"] != warm["pid"] and after["invocations"] == 1
    assert invoker.cold_starts["ProbeA"] == 2


def test_a_crash_and_an_exception_answer_in_lambdas_error_shape(invoker: ProcessInvoker) -> None:
    with LocalLambda(invoker, port=0, log=lambda line: None) as server:
        client = boto3.client(
            "lambda",
            endpoint_url=server.url,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 0}, read_timeout=30),
        )
        crashed = client.invoke(FunctionName="ProbeB", Payload=b'{"action": "exit", "status": 3}')
        assert crashed["FunctionError"] == "Unhandled"
        payload = json.loads(crashed["Payload"].read())
        assert payload["errorType"] == "Runtime.ExitError"
        assert payload["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")

        raised = client.invoke(FunctionName="ProbeB", Payload=b'{"action": "raise"}')
        assert raised["FunctionError"] == "Unhandled"
        payload = json.loads(raised["Payload"].read())
        assert payload["errorType"] == "ValueError"
        assert payload["errorMessage"] == "the probe was asked to fail"
        assert any("runtime_probe/app.py" in line for line in payload["stackTrace"])

        # the environment survives an exception (not a crash): the next call is warm
        answered = json.loads(client.invoke(FunctionName="ProbeB", Payload=b"{}")["Payload"].read())
        assert answered["invocations"] == 2
    assert invoker.cold_starts["ProbeB"] == 2


# ---------------------------------------------------------------------------- concurrency


def test_reserved_concurrency_throttles_as_lambda_does(invoker: ProcessInvoker) -> None:
    busy = invoker.begin("ProbeB", {"action": "sleep", "seconds": 1.5})
    busy.started.wait(30)
    with pytest.raises(Throttled):
        invoker.invoke("ProbeB", {})
    with LocalLambda(invoker, port=0, log=lambda line: None) as server:
        answer = requests.post(
            f"{server.url}/2015-03-31/functions/ProbeB/invocations", data=b"{}", timeout=30
        )
    assert answer.status_code == 429
    assert answer.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert busy.result()["invocations"] == 1  # the running one was not disturbed


def test_invocations_run_at_once_in_environments_of_their_own() -> None:
    template = probe_template()
    invoker = ProcessInvoker(template, environments_of(template), function_log=quiet)
    try:
        runs = [invoker.begin("ProbeB", {"action": "sleep", "seconds": 2}) for _ in range(3)]
        answers = [run.result() for run in runs]
        assert len({answer["pid"] for answer in answers}) == 3
        records = [r for r in invoker.records if r.function_id == "ProbeB"]
        assert max(r.started for r in records) < min(r.ended for r in records)  # overlapping
        assert invoker.cold_starts["ProbeB"] == 3
    finally:
        invoker.stop()


def test_beyond_the_local_cap_an_invocation_waits_for_a_free_environment() -> None:
    template = probe_template()
    invoker = ProcessInvoker(template, environments_of(template), concurrency=1, function_log=quiet)
    try:
        first = invoker.begin("ProbeB", {"action": "sleep", "seconds": 1})
        first.started.wait(30)
        second = invoker.begin("ProbeB", {})
        assert second.result()["pid"] == first.result()["pid"]
        one, two = [r for r in invoker.records if r.function_id == "ProbeB"]
        assert two.started >= one.ended and not two.cold
    finally:
        invoker.stop()


def test_an_sqs_mapping_polls_with_as_many_pollers_as_the_function_may_run() -> None:
    template = load_template(ROOT / "template.yaml")
    urls = {"InboxQueue": "http://queue", "EventsQueue": "http://events"}
    processes = ProcessInvoker(template, {}, concurrency=4)
    try:
        poller = EventSourcePoller(
            template, urls, processes.invoke, "http://aws", concurrency=processes.concurrency
        )
        inbox = next(s for s in poller.queue_sources if s.queue_id == "InboxQueue")
        assert inbox.maximum_concurrency == 5
        assert poller.pollers_of(inbox) == 4  # the function's cap, below the mapping's 5
        one_at_a_time = EventSourcePoller(template, urls, processes.invoke, "http://aws")
        assert one_at_a_time.pollers_of(inbox) == 1  # the in-process invoker's
    finally:
        processes.stop()


# ---------------------------------------------------------------------------- API Gateway


def test_api_gateways_limit_counts_from_the_invocations_start() -> None:
    """The second request waits for the only environment longer than the limit, but runs
    within it: 200. The first runs past the limit: 504 in the error shape, while the function
    runs on to its end, as API Gateway leaves a Lambda function running."""
    template = probe_template()
    invoker = ProcessInvoker(template, environments_of(template), concurrency=1, function_log=quiet)
    limit = 2.0
    api = LocalApi(
        template, {}, port=0, invoker=invoker, integration_timeout_seconds=limit, log=print_nothing
    )
    answers: dict[str, requests.Response] = {}

    def post(name: str, body: dict[str, Any]) -> None:
        answers[name] = requests.post(f"{api.url}/b", json=body, timeout=60)

    with api:
        slow = threading.Thread(target=post, args=("slow", {"action": "sleep", "seconds": 3.5}))
        slow.start()
        deadline = time.monotonic() + 30
        while not invoker.environments("ProbeB") and time.monotonic() < deadline:
            time.sleep(0.05)
        quick = threading.Thread(target=post, args=("quick", {"action": "sleep", "seconds": 0.2}))
        quick.start()
        slow.join(60)
        quick.join(60)
    invoker.stop()
    assert answers["slow"].status_code == 504
    assert answers["slow"].json() == {"message": "Endpoint request timed out"}
    assert answers["slow"].headers["x-amzn-ErrorType"] == "IntegrationTimeoutException"
    assert answers["quick"].status_code == 200, answers["quick"].text
    slow_run, quick_run = [r for r in invoker.records if r.function_id == "ProbeB"]
    assert slow_run.error_type is None  # the function was not stopped by the gateway
    assert quick_run.started >= slow_run.ended  # it waited for the environment


# ---------------------------------------------------------------------------- stopping


def test_stop_leaves_no_environment_running(invoker: ProcessInvoker) -> None:
    running = invoker.begin("ProbeB", {"action": "sleep", "seconds": 30})
    invoker.invoke("ProbeA", {})
    running.started.wait(30)
    deadline = time.monotonic() + 30
    while len(invoker.environments()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = [environment.pid for environment in invoker.environments()]
    assert len(pids) == 2
    invoker.stop()
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(FunctionError):
        running.result()  # the caller is answered, not left waiting


def test_an_environment_ends_when_the_stack_process_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'shared'}"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 15
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(child)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)


PARENT = """
import time
from tests.integration.test_lambda_runtime import environments_of, probe_template, quiet
from local.runtime.processes import ProcessInvoker
template = probe_template()
invoker = ProcessInvoker(template, environments_of(template), function_log=quiet)
print(invoker.invoke("ProbeA", {})["pid"], flush=True)
time.sleep(120)
"""
