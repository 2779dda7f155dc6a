"""ReconcileFunction: on a schedule, asks DocuSign what changed since the last run, once per
connection, and applies what Connect did not report."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.domain import deadline_of
from docusign_connector.sync.reconcile import reconcile_all

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = reconcile_all(deadline=deadline_of(context))
    for run in result.connections:
        metrics.add_metric(name="ReconciledChanges", unit=MetricUnit.Count, value=run.applied)
        if run.error:
            metrics.add_metric(name="ReconcileFailures", unit=MetricUnit.Count, value=1)
        if run.failed:
            metrics.add_metric(
                name="ReconcileEnvelopeFailures", unit=MetricUnit.Count, value=run.failed
            )
    return result.dump()
