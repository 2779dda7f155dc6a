"""What Lambda's event source mappings and EventBridge schedules do in AWS, done by threads:
the template's queues are drained into their functions' handlers, and schedules invoke
theirs on their rate.

An SQS mapping polls with several pollers at once, each handing its batch to an execution
environment of its own, up to the mapping's ScalingConfig.MaximumConcurrency and the
function's concurrency (AWS Lambda Developer Guide, "Configuring scaling behavior for SQS
event source mappings": Lambda scales the pollers up to the maximum concurrency, 2 to 1,000).
With the in-process invoker (one invocation at a time) there is one poller per mapping.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from local.clients import client
from local.resolver import Resolver, UnresolvableError
from local.template import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    FUNCTION_TYPE,
)


@dataclass(frozen=True)
class SqsEventSource:
    """A function's `Type: SQS` event on a queue of the template."""

    function_id: str
    queue_id: str
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True
    maximum_concurrency: int | None = None  # ScalingConfig.MaximumConcurrency


@dataclass(frozen=True)
class ScheduleEventSource:
    """A function's `Type: Schedule`/`ScheduleV2` event with a rate() expression."""

    function_id: str
    event_name: str
    interval_seconds: float
    payload: Any = None  # the event's Input, if it sets one
    enabled: bool = True


_RATE_UNITS = {
    "minute": 60,
    "minutes": 60,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs of `rate(20 minutes)`; None for cron() expressions."""
    expression = expression.strip()
    if not (expression.startswith("rate(") and expression.endswith(")")):
        return None
    amount, unit = expression[5:-1].split()
    return int(amount) * _RATE_UNITS[unit.lower()]


def _queue_logical_id(queue: Any) -> str | None:
    if isinstance(queue, dict) and "Fn::GetAtt" in queue:
        target = queue["Fn::GetAtt"]
        return target.split(".", 1)[0] if isinstance(target, str) else target[0]
    return None  # a queue outside the template: nothing local to poll


def _maximum_concurrency(properties: Mapping[str, Any], resolver: Resolver) -> int | None:
    value = (properties.get("ScalingConfig") or {}).get("MaximumConcurrency")
    if value is None:
        return None
    try:
        return int(resolver.resolve(value))
    except (UnresolvableError, ValueError, TypeError):
        return None


def event_sources(
    template: Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
) -> tuple[list[SqsEventSource], list[ScheduleEventSource]]:
    """The SQS and schedule events of every function in the template (a schedule may be
    built from parameters, e.g. `!Sub "rate(${Minutes} minutes)"`)."""
    resolver = Resolver(template, parameters=parameters)
    queues: list[SqsEventSource] = []
    schedules: list[ScheduleEventSource] = []
    for function_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            properties = event.get("Properties") or {}
            if event.get("Type") == "SQS":
                queue_id = _queue_logical_id(properties.get("Queue"))
                if queue_id is None:
                    continue
                queues.append(
                    SqsEventSource(
                        function_id=function_id,
                        queue_id=queue_id,
                        batch_size=int(properties.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in (properties.get("FunctionResponseTypes") or []),
                        enabled=properties.get("Enabled", True) is not False,
                        maximum_concurrency=_maximum_concurrency(properties, resolver),
                    )
                )
            elif event.get("Type") in ("Schedule", "ScheduleV2"):
                expression = properties.get("Schedule") or properties.get("ScheduleExpression")
                if isinstance(expression, dict):
                    try:
                        expression = resolver.resolve_string(expression)
                    except (UnresolvableError, ValueError):
                        expression = None
                interval = rate_seconds(expression) if isinstance(expression, str) else None
                if interval is None:
                    continue
                payload = properties.get("Input")
                schedules.append(
                    ScheduleEventSource(
                        function_id=function_id,
                        event_name=event_name,
                        interval_seconds=interval,
                        payload=json.loads(payload) if isinstance(payload, str) else None,
                        enabled=properties.get("Enabled", True) is not False
                        and properties.get("State", "ENABLED") != "DISABLED",
                    )
                )
    return queues, schedules


def sqs_event(
    messages: Iterable[Mapping[str, Any]], queue_arn: str, region: str = DEFAULT_REGION
) -> dict[str, Any]:
    """The event Lambda gives a function for a batch of SQS messages."""
    records = []
    for message in messages:
        attributes = {}
        for name, value in (message.get("MessageAttributes") or {}).items():
            attributes[name] = {
                "stringValue": value.get("StringValue"),
                "binaryValue": (
                    base64.b64encode(value["BinaryValue"]).decode()
                    if value.get("BinaryValue") is not None
                    else None
                ),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message.get("Body", ""),
                "attributes": dict(message.get("Attributes") or {}),
                "messageAttributes": attributes,
                "md5OfBody": message.get("MD5OfBody"),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def schedule_event(
    source: ScheduleEventSource, rule_name: str, region: str, account_id: str
) -> dict[str, Any]:
    """The event an EventBridge schedule delivers (or the event's Input, when set)."""
    if source.payload is not None:
        return source.payload
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{rule_name}"],
        "detail": {},
    }


class EventSourcePoller:
    """Drains the template's queues into their functions and runs scheduled functions.

    `invoke(function_id, event)` runs a handler (local.invoker.FunctionInvoker.invoke) and
    raises when it fails. As with Lambda: a batch whose invocation fails stays on the queue
    (visible again after the visibility timeout, then dead-lettered by the redrive policy);
    with ReportBatchItemFailures only the reported messages stay.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        queue_urls: Mapping[str, str],
        invoke: Callable[[str, Any], Any],
        endpoint_url: str,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str = DEFAULT_STACK_NAME,
        wait_seconds: int = 1,
        log: Callable[[str], None] | None = None,
        parameters: Mapping[str, Any] | None = None,
        concurrency: Callable[[str], int] | None = None,
    ) -> None:
        """`concurrency(function_id)`: how many invocations of a function may run at once
        (the invoker's); one when not given."""
        queues, schedules = event_sources(template, parameters)
        self.concurrency = concurrency or (lambda function_id: 1)
        self.queue_sources = [s for s in queues if s.enabled and s.queue_id in queue_urls]
        self.schedule_sources = [s for s in schedules if s.enabled]
        self.queue_urls = dict(queue_urls)
        self.invoke = invoke
        self.endpoint_url = endpoint_url
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.wait_seconds = wait_seconds
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> EventSourcePoller:
        self._stop.clear()
        for queue_source in self.queue_sources:
            for index in range(self.pollers_of(queue_source)):
                name = f"sqs-{queue_source.queue_id}-{index}"
                self._spawn(self._poll_queue, queue_source, name)
        for schedule_source in self.schedule_sources:
            self._spawn(
                self._run_schedule, schedule_source, f"schedule-{schedule_source.event_name}"
            )
        return self

    def pollers_of(self, source: SqsEventSource) -> int:
        """Pollers that drain the source's queue at once."""
        limit = max(1, self.concurrency(source.function_id))
        if source.maximum_concurrency is not None:
            limit = min(limit, max(1, source.maximum_concurrency))
        return limit

    def signal_stop(self) -> None:
        """Poll no more (the threads end once their current batch does)."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.wait_seconds + 30)
        self._threads = []

    def __enter__(self) -> EventSourcePoller:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[[Any], None], source: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=(source,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll_queue(self, source: SqsEventSource) -> None:
        sqs = client("sqs", self.endpoint_url, self.region)
        url = self.queue_urls[source.queue_id]
        queue_arn = f"arn:aws:sqs:{self.region}:{self.account_id}:{url.rsplit('/', 1)[-1]}"
        while not self._stop.is_set():
            try:
                self.poll_once(sqs, source, url, queue_arn)
            except Exception as error:  # the endpoint going away at shutdown, mostly
                if not self._stop.is_set():
                    self._log(f"{source.function_id}: polling {source.queue_id} failed: {error}")
                    self._stop.wait(1)

    def poll_once(self, sqs: Any, source: SqsEventSource, url: str, queue_arn: str) -> int:
        """Receive one batch and hand it to the function; returns how many were deleted."""
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(source.batch_size, 10)),
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(messages, queue_arn, self.region)
        try:
            result = self.invoke(source.function_id, event)
        except Exception as error:
            if not self._stop.is_set():
                self._log(
                    f"{source.function_id}: batch of {len(messages)} from {source.queue_id} "
                    f"failed ({error}); the messages return to the queue"
                )
            return 0
        failed: set[str] = set()
        if source.report_batch_item_failures and isinstance(result, Mapping):
            failed = {
                str(item.get("itemIdentifier"))
                for item in result.get("batchItemFailures") or []
                if isinstance(item, Mapping)
            }
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done)
                ],
            )
        self._log(
            f"SQS {source.queue_id} -> {source.function_id}: {len(messages)} message(s)"
            + (f", {len(failed)} failed" if failed else "")
        )
        return len(done)

    def _run_schedule(self, source: ScheduleEventSource) -> None:
        rule_name = f"{self.stack_name}-{source.function_id}{source.event_name}"[:64]
        while not self._stop.wait(source.interval_seconds):
            event = schedule_event(source, rule_name, self.region, self.account_id)
            try:
                self.invoke(source.function_id, event)
                self._log(f"schedule {source.event_name} -> {source.function_id}")
            except Exception as error:
                self._log(f"schedule {source.event_name} -> {source.function_id} failed: {error}")
