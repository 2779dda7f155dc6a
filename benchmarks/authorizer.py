"""What the front door adds to a request: the authorizer, uncached (an invocation: the key's
two DynamoDB reads and the policy) and cached (API Gateway's look-up and the policy check,
as the local stack plays them), each as a ratio to the route's own handling in the same run —
GetEnvelopeFunction answering a status from its table, the cheapest route there is.

Medians of warm calls in one in-process local stack. The authorizer's cold import is in the
import table with every other function's.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

RUNS = 41


def _median_seconds(work: Callable[[], Any], runs: int = RUNS) -> float:
    work()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure_authorizer() -> dict[str, Any]:
    import requests

    from local.authorizers import method_arn
    from local.stack import DEMO_CONNECTION
    from tests.integration.helpers import b64, sample_pdf
    from tests.support.lambda_events import api_event
    from tests.support.stacks import in_process_local_stack

    with in_process_local_stack() as stack:
        sent = requests.post(
            f"{stack.api.url}/v1/connections/{DEMO_CONNECTION}/envelopes",
            json={
                "emailSubject": "Authorizer benchmark",
                "documents": [{"name": "a.pdf", "contentBase64": b64(sample_pdf())}],
                "signers": [{"email": "ana@example.com", "name": "Ana"}],
            },
            headers=stack.api_headers,
            timeout=30,
        )
        sent.raise_for_status()
        envelope_id = sent.json()["envelopeId"]
        event = api_event(
            "get_envelope",
            path_parameters={"connection": DEMO_CONNECTION, "envelopeId": envelope_id},
        )
        invoker = stack.api.invoker
        route = _median_seconds(lambda: invoker.invoke("GetEnvelopeFunction", event))

        runner = stack.api.authorizer_runner
        (authorizer,) = stack.api.authorizers.values()
        arn = method_arn(
            stack.config.region,
            "123456789012",
            "bench",
            "v1",
            "GET",
            f"/connections/{DEMO_CONNECTION}/envelopes/{envelope_id}",
        )
        headers = stack.api_headers

        def uncached() -> None:
            runner.forget()
            assert isinstance(runner.authorize(authorizer, headers, arn), dict)

        def cached() -> None:
            assert isinstance(runner.authorize(authorizer, headers, arn), dict)

        cold = _median_seconds(uncached)
        warm = _median_seconds(cached)
    return {
        "runs": RUNS,
        "routeSeconds": round(route, 5),
        "uncachedSeconds": round(cold, 5),
        "cachedSeconds": round(warm, 6),
        "uncachedRatio": round(cold / route, 3),
        "cachedRatio": round(warm / route, 4),
    }


def section(result: dict[str, Any] | None) -> list[str]:
    if not result:
        return []
    return [
        "## The front door: what authorizing a request adds",
        "",
        "Each as a ratio to the route's own handling (GetEnvelopeFunction answering from its "
        f"table, {result['routeSeconds']} s), median of {result['runs']} warm calls in the "
        "local stack:",
        "",
        "| Authorization | Seconds | ÷ the route |",
        "|---|---|---|",
        f"| uncached (the authorizer runs: key id → key hash → caller, two DynamoDB reads) | "
        f"{result['uncachedSeconds']} | {result['uncachedRatio']} |",
        f"| cached (API Gateway's answer for the key, the policy checked) | "
        f"{result['cachedSeconds']} | {result['cachedRatio']} |",
        "",
        "An uncached authorization happens once per key per AuthorizerCacheSeconds (60 s by "
        "default) per API; every other request pays the cached figure.",
        "",
    ]
