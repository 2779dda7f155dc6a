"""API sends while a 1,000-row CSV backlog (four files of 250 rows, so that the inbox's
mapping runs several environments at once; sent row by row, as an account without Bulk Send
sends them) drains, against the whole local stack with the
process runtime (each function in execution environments of its own, as `make run` runs it).

Measured: the p95 latency of API sends (POST /v1/connections/demo/envelopes, each one a
DocuSign create) on the idle stack, then while the backlog drains, as a ratio; API answers of
5xx (must be 0); envelopes DocuSign was asked to create more than once for one subject (the
emulator's request log, must be 0); rows sent (must be all of them); how many inbox
environments ran at once. Bounded loops on loopback, no wall-clock bar.
"""

from __future__ import annotations

import base64
import statistics
import threading
import time
from collections import Counter
from typing import Any

ROWS = 1000
FILES = 4
IDLE_SENDS = 20
WARM_UP_SENDS = 3
SEND_INTERVAL = 0.25
TIME_LIMIT = 900.0
CONNECTION = "demo"


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _backlog_csv(file_index: int, rows: int) -> bytes:
    lines = ["emailSubject,signersEmails,signersNames,documentS3Keys"]
    lines += [
        f"Backlog {file_index}-{row},r{row}@example.com,Row {row},"
        f"inbox/{CONNECTION}/load/policy.pdf"
        for row in range(1, rows + 1)
    ]
    return ("\n".join(lines) + "\n").encode()


def _creates(state: Any) -> Counter[str]:
    """Envelopes DocuSign created, by subject."""
    created: Counter[str] = Counter()
    for entry in list(state.requests):
        creates = entry["method"] == "POST" and entry["path"].endswith("/envelopes")
        if creates and entry["status"] == 201:
            created[str((entry.get("json") or {}).get("emailSubject"))] += 1
    return created


def _most_at_once(records: list[Any], function_id: str) -> int:
    """The most invocations of the function that ran at the same moment."""
    edges = sorted(
        [(r.started, 1) for r in records if r.function_id == function_id]
        + [(r.ended, -1) for r in records if r.function_id == function_id]
    )
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def measure_backlog_load(rows: int = ROWS) -> dict[str, Any]:
    import logging

    import requests

    from local.clients import client
    from local.emulator.pdf import make_pdf
    from tests.support.stacks import in_process_local_stack

    def quiet(function_id: str, line: str) -> None:
        """The functions' log lines are not part of the measure."""

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    with in_process_local_stack(runtime="process", function_log=quiet) as stack:
        url = f"{stack.api.url}/v1/connections/{CONNECTION}/envelopes"
        pdf = make_pdf("Load", ["Sign below."])
        document = base64.b64encode(pdf).decode()
        statuses: Counter[int] = Counter()

        def api_send(subject: str) -> float:
            start = time.perf_counter()
            answer = requests.post(
                url,
                json={
                    "emailSubject": subject,
                    "signers": [{"email": "api@example.com", "name": "Api"}],
                    "documents": [{"name": "a.pdf", "contentBase64": document}],
                },
                headers=stack.api_headers,
                timeout=60,
            )
            statuses[answer.status_code] += 1
            return time.perf_counter() - start

        for i in range(WARM_UP_SENDS):  # the environments' cold starts are not the measure
            api_send(f"Warm-up {i}")
        idle = [api_send(f"Idle {i}") for i in range(IDLE_SENDS)]

        s3 = client("s3", stack.moto.url, stack.config.region)
        bucket = stack.resources["DocumentsBucket"]
        s3.put_object(Bucket=bucket, Key=f"inbox/{CONNECTION}/load/policy.pdf", Body=pdf)
        state = stack.emulator.state
        # The per-row path: one create per row, the one that spends DocuSign's quota and the
        # inbox's concurrency (an account with Bulk Send sends these files in a few calls each;
        # benchmarks.bulk_calls counts them).
        for account_id in list(state.accounts):
            state.account_settings.setdefault(account_id, {})["allowBulkSend"] = "false"
        # DocuSign's quota is not the measure here (benchmarks.throughput is): an hour's 3,000
        # calls would stop the backlog before it drains.
        state.set_rate_limits(hourly_limit=1_000_000, burst_limit=1_000_000)
        started = time.monotonic()
        for index in range(FILES):
            s3.put_object(
                Bucket=bucket,
                Key=f"inbox/{CONNECTION}/load/backlog-{index}.csv",
                Body=_backlog_csv(index, rows // FILES),
            )

        def backlog_sent() -> int:
            return sum(1 for s in _creates(state) if s.startswith("Backlog "))

        busy: list[float] = []
        draining = threading.Event()

        def send_while_draining() -> None:
            index = 0
            while not draining.is_set():
                busy.append(api_send(f"During {index}"))
                index += 1
                draining.wait(SEND_INTERVAL)

        sender = threading.Thread(target=send_while_draining, daemon=True)
        # the backlog is under way once DocuSign sees its first rows
        while backlog_sent() == 0 and time.monotonic() - started < TIME_LIMIT:
            time.sleep(0.2)
        sender.start()
        while backlog_sent() < rows and time.monotonic() - started < TIME_LIMIT:
            time.sleep(0.5)
        draining.set()
        sender.join(120)
        elapsed = time.monotonic() - started
        time.sleep(2)  # a send that was still running is counted too
        created = _creates(state)
        records = list(stack.invoker.records)
        sent = sum(1 for s in created if s.startswith("Backlog "))
        duplicates = sum(count - 1 for count in created.values() if count > 1)
        failed = sum(n for status, n in statuses.items() if status >= 500)
        return {
            "goalsMet": failed == 0 and duplicates == 0 and sent == rows,
            "rows": rows,
            "files": FILES,
            "rowsSent": sent,
            "duplicates": duplicates,
            "api5xx": failed,
            "apiStatuses": {str(k): v for k, v in sorted(statuses.items())},
            "idleSends": len(idle),
            "sendsDuringBacklog": len(busy),
            "sendP95IdleSeconds": round(_p95(idle), 4),
            "sendP95DuringBacklogSeconds": round(_p95(busy), 4) if busy else None,
            "sendP95Ratio": round(_p95(busy) / _p95(idle), 2) if busy else None,
            "sendMedianDuringBacklogSeconds": round(statistics.median(busy), 4) if busy else None,
            "inboxAtOnce": _most_at_once(records, "ProcessInboxFunction"),
            "sendAtOnce": _most_at_once(records, "SendEnvelopeFunction"),
            "coldStarts": dict(stack.invoker.cold_starts),
            "drainSeconds": round(elapsed, 1),
        }


if __name__ == "__main__":
    import json

    print(json.dumps(measure_backlog_load(), indent=2))
