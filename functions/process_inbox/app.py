"""SQS (S3 notifications for inbox/…/*.json and *.csv) — send the envelopes of each manifest.

Work that waits for the account's DocuSign rate budget is queued again by the shared package
and its message reported done; only other failures are retried by SQS (then dead-lettered).
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from docusign_connector.domain import deadline_of

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def handle_record(record: SQSRecord, lambda_context: Any) -> None:
    """A transient failure raises: the message returns to the queue (then the DLQ)."""
    from docusign_connector.actions.bulk import handle_inbox_message

    run = handle_inbox_message(record.body, deadline=deadline_of(lambda_context))
    if run.envelopes_sent:
        metrics.add_metric(name="EnvelopesSent", unit=MetricUnit.Count, value=run.envelopes_sent)
    if run.requeued_after is not None:
        metrics.add_metric(name="InboxWorkRequeued", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
