"""Throughput under a DocuSign quota, and DocuSign calls per completed envelope.

Throughput: 1,000 bulk-CSV rows (four files, four inbox workers standing in for four Lambda
containers) against the emulator with a quota of Q calls per window (the emulator's short
window switch, so the run takes about a minute instead of hours). Measured: envelopes DocuSign
created per full window ÷ Q, rows sent twice, messages dead-lettered, and the p95 latency of
status calls (each one a DocuSign GET) made while the backlog drains, against the same calls
on the idle stack. Everything runs on loopback with bounded loops.

Calls per envelope: the whole local stack sends envelopes through the API, the emulator
completes them, Connect reports it, the events function archives the documents; the
emulator's request log counts every REST call made for them.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
STACK = "bench"
PREFIX = "docusign-connector/connections"
ROWS = 1000
FILES = 4
QUOTA = 200
WINDOW_SECONDS = 10
PROBE_INTERVAL = 2.0
TIME_LIMIT = 240.0


def _env(resources: dict[str, str], endpoint: str) -> None:
    from local.function_specs import function_environment
    from local.template import load_template

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
    )
    environment = function_environment(
        load_template(ROOT / "template.yaml"),
        "ProcessInboxFunction",
        resources,
        stack_name=STACK,
        region=REGION,
    )
    environment.pop("DOCUSIGN_CALL_CLASS", None)  # each Services below says which it is
    environment["STATUS_MAX_AGE_SECONDS"] = "0"  # every status call asks DocuSign
    environment["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    os.environ.update(environment)
    from docusign_connector.container import reset_services

    reset_services()  # settings and clients of an earlier benchmark's stack are gone


def _services(background: bool) -> Any:
    from docusign_connector.adapters.budget import RateBudget
    from docusign_connector.config import get_settings
    from docusign_connector.container import Services

    services = Services.build(get_settings())
    services.budget = RateBudget(services.settings.envelope_table_name, background=background)
    return services


def _csv(file_index: int, rows: int) -> bytes:
    lines = ["emailSubject,signersEmails,signersNames,documentS3Keys"]
    for row in range(1, rows + 1):
        lines.append(
            f"Bench {file_index}-{row},p{file_index}x{row}@example.com,Person {row},"
            "inbox/bench/policy.pdf"
        )
    return ("\n".join(lines) + "\n").encode()


def _notification(bucket: str, key: str, version: str | None) -> str:
    return json.dumps(
        {
            "Records": [
                {
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Put",
                    "s3": {
                        "bucket": {"name": bucket},
                        "object": {"key": key, "versionId": version, "size": 1},
                    },
                }
            ]
        }
    )


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def throughput() -> dict[str, Any]:
    import boto3

    from benchmarks.services import free_port
    from docusign_connector.actions.bulk import handle_inbox_message
    from docusign_connector.actions.send import send_envelope
    from docusign_connector.actions.status import get_envelope_status
    from docusign_connector.models.requests import SendEnvelopeRequest
    from local.aws_server import AwsServer
    from local.emulator.pdf import make_pdf
    from local.emulator.server import EmulatorServer
    from local.keys import rsa_key_pair
    from local.resources import create_resources, put_connection_secret
    from local.template import load_template

    moto = AwsServer("127.0.0.1", free_port()).start()
    endpoint = moto.url
    emulator = EmulatorServer(host="127.0.0.1", port=0)
    emulator.start()
    try:
        resources = create_resources(
            load_template(ROOT / "template.yaml"), endpoint, REGION, STACK, notice=lambda m: None
        )
        _env(resources, endpoint)
        private, public = rsa_key_pair()
        key, user, account = (str(uuid.uuid4()) for _ in range(3))
        emulator.state.register_integration(
            key,
            public,
            user,
            accounts=[
                {
                    "account_id": account,
                    "account_name": "Bench",
                    "is_default": True,
                    "base_uri": None,
                }
            ],
        )
        secret = {
            "integrationKey": key,
            "userId": user,
            "privateKey": private,
            "authServer": emulator.url,
        }
        put_connection_secret(endpoint, REGION, PREFIX, "bench", secret)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION)
        bucket = resources["DocumentsBucket"]
        queue = os.environ["INBOX_QUEUE_URL"]
        s3.put_object(Bucket=bucket, Key="inbox/bench/policy.pdf", Body=make_pdf("Policy", ["x"]))
        # The quota and its short window hold from the start (DocuSign never moves a reset
        # earlier, so the budget would not follow a window shortened in the middle).
        emulator.state.set_rate_limits(
            hourly_limit=QUOTA, burst_limit=1_000_000, window_seconds=WINDOW_SECONDS
        )
        interactive = _services(background=False)

        # Envelopes for the status probe, and the idle stack's latency.
        probe_ids = []
        for i in range(5):
            request = SendEnvelopeRequest.model_validate(
                {
                    "emailSubject": f"Probe {i}",
                    "signers": [{"email": "p@example.com", "name": "P"}],
                    "documents": [{"name": "p.pdf", "s3Key": "inbox/bench/policy.pdf"}],
                }
            )
            probe_ids.append(send_envelope("bench", request, services=interactive).envelope_id)

        def status_call(index: int) -> float:
            start = time.perf_counter()
            get_envelope_status("bench", probe_ids[index % len(probe_ids)], services=interactive)
            return time.perf_counter() - start

        idle = [status_call(i) for i in range(30)]

        emulator.state.clear_requests()
        sqs.purge_queue(QueueUrl=queue)
        uploads = []
        for index in range(FILES):
            name = f"inbox/bench/bulk-{index}.csv"
            put = s3.put_object(Bucket=bucket, Key=name, Body=_csv(index, ROWS // FILES))
            uploads.append((name, put.get("VersionId")))
        time.sleep(1)
        queued = sqs.get_queue_attributes(
            QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        if queued == "0":  # an S3 without notifications: queue them as S3 would
            for name, version in uploads:
                sqs.send_message(QueueUrl=queue, MessageBody=_notification(bucket, name, version))

        done = threading.Event()
        failures: list[str] = []
        busy: list[float] = []
        started = time.monotonic()

        def worker() -> None:
            services = _services(background=True)
            while not done.is_set() and time.monotonic() - started < TIME_LIMIT:
                messages = sqs.receive_message(
                    QueueUrl=queue,
                    MaxNumberOfMessages=1,
                    WaitTimeSeconds=1,
                    VisibilityTimeout=120,
                ).get("Messages", [])
                for message in messages:
                    try:
                        handle_inbox_message(
                            message["Body"], deadline=lambda: 120.0, services=services
                        )
                    except Exception as exc:  # a failed receive, as SQS would count it
                        failures.append(type(exc).__name__)
                        continue
                    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])

        def probe() -> None:
            i = 0
            while not done.is_set():
                busy.append(status_call(i))
                i += 1
                done.wait(PROBE_INTERVAL)

        threads = [threading.Thread(target=worker) for _ in range(FILES)]
        threads.append(threading.Thread(target=probe))
        for thread in threads:
            thread.start()
        while time.monotonic() - started < TIME_LIMIT:
            sent = sum(
                1
                for e in emulator.state.envelopes.values()
                if str(e.get("emailSubject", "")).startswith("Bench ")
            )
            if sent >= ROWS:
                break
            time.sleep(0.5)
        done.set()
        for thread in threads:
            thread.join(timeout=30)
        elapsed = time.monotonic() - started

        created = [
            e
            for e in emulator.state.envelopes.values()
            if str(e.get("emailSubject", "")).startswith("Bench ")
        ]
        subjects = Counter(e["emailSubject"] for e in created)
        from local.emulator.dates import parse_datetime

        windows = Counter(
            int(parse_datetime(e["createdDateTime"]).timestamp() // WINDOW_SECONDS) for e in created
        )
        full = sorted(windows)[1:-1]  # the first and last windows are partly idle
        per_window = [windows[w] for w in full] or list(windows.values())
        dead = sqs.get_queue_attributes(
            QueueUrl=resources["InboxDeadLetterQueue"],
            AttributeNames=["ApproximateNumberOfMessages"],
        )["Attributes"]["ApproximateNumberOfMessages"]
        throttled = sum(1 for r in emulator.state.requests if r.get("status") == 429)
        return {
            "rows": ROWS,
            "quotaPerWindow": QUOTA,
            "windowSeconds": WINDOW_SECONDS,
            "elapsedSeconds": round(elapsed, 1),
            "envelopesSent": len(created),
            "sentPerWindow": per_window,
            "sentPerWindowOverQuota": round(statistics.mean(per_window) / QUOTA, 3),
            "duplicates": sum(count - 1 for count in subjects.values()),
            "deadLettered": int(dead),
            "failedReceives": len(failures),
            "docusign429s": throttled,
            "statusP95IdleSeconds": round(_p95(idle), 4),
            "statusP95DuringBacklogSeconds": round(_p95(busy), 4) if busy else None,
            "statusP95Ratio": round(_p95(busy) / _p95(idle), 2) if busy else None,
            "statusCallsDuringBacklog": len(busy),
        }
    finally:
        emulator.stop()
        moto.stop()


def calls_per_envelope(envelopes: int = 3) -> dict[str, Any]:
    """Send → Connect → archive through the whole local stack; REST calls per envelope."""
    import base64

    import requests

    from local.emulator.pdf import make_pdf
    from tests.support.stacks import in_process_local_stack

    with in_process_local_stack() as stack:
        described = stack.describe()["api"]
        api = described["url"].rstrip("/") + "/connections/demo"
        key = {"Authorization": f"Bearer {described['apiKey']}"}  # the local caller
        state = stack.emulator.state
        state.clear_requests()
        ids = []
        pdf = base64.b64encode(make_pdf("Life cycle", ["Sign below."])).decode()
        for i in range(envelopes):
            sent = requests.post(
                f"{api}/envelopes",
                json={
                    "emailSubject": f"Life cycle {i}",
                    "signers": [{"email": "a@example.com", "name": "A"}],
                    "documents": [{"name": "a.pdf", "contentBase64": pdf}],
                },
                headers=key,
                timeout=30,
            )
            sent.raise_for_status()
            ids.append(sent.json()["envelopeId"])
        for envelope_id in ids:
            state.complete(envelope_id)
        deadline = time.monotonic() + 60
        archived: set[str] = set()
        while time.monotonic() < deadline and len(archived) < len(ids):
            for r in list(state.requests):
                for envelope_id in ids:
                    if f"/envelopes/{envelope_id}/documents/" in r["path"] and r["status"] == 200:
                        archived.add(envelope_id)
            time.sleep(0.5)
        time.sleep(2)  # let the archive of the last one finish
        rest = [r for r in state.requests if "/restapi/" in r["path"]]
        by_kind = Counter(
            f"{r['method']} {r['path'].split('/envelopes', 1)[-1].split('/')[-1] or 'envelopes'}"
            for r in rest
        )
        return {
            "envelopes": envelopes,
            "archived": len(archived),
            "docusignCalls": len(rest),
            "callsPerCompletedEnvelope": round(len(rest) / envelopes, 2),
            "calls": dict(by_kind),
        }
