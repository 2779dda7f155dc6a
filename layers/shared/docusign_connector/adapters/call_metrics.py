"""DocuSign calls as CloudWatch metrics, written as embedded-metric-format log lines (no API
call, no client): one line per DocuSign answer, so the counts survive a container that dies."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

METRICS_NAMESPACE_DEFAULT = "DocuSignConnector"


def emit_call_metrics(connection: str, *, throttled: bool, remaining: int | None) -> None:
    """One DocuSign answer as CloudWatch metrics (embedded metric format, one log line):
    `DocuSignCalls`, `DocuSignThrottles`, `BudgetRemaining`, per connection and in total."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
        return
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or METRICS_NAMESPACE_DEFAULT
    service = os.environ.get("POWERTOOLS_SERVICE_NAME") or "docusign-connector"
    metrics = [{"Name": "DocuSignCalls", "Unit": "Count"}]
    values: dict[str, Any] = {"DocuSignCalls": 1, "DocuSignThrottles": 1 if throttled else 0}
    metrics.append({"Name": "DocuSignThrottles", "Unit": "Count"})
    if remaining is not None:
        metrics.append({"Name": "BudgetRemaining", "Unit": "Count"})
        values["BudgetRemaining"] = remaining
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [["service"], ["service", "connection"]],
                    "Metrics": metrics,
                }
            ],
        },
        "service": service,
        "connection": connection,
        **values,
    }
    sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
