"""EventsFunction: applies queued DocuSign Connect events to the envelope table.

SQS batches with partial failures: a message that cannot be applied is reported alone and
retried, then dead-lettered, while the rest of its batch is applied. A message that must wait
for the account's DocuSign rate budget is queued again for later, never dead-lettered.
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
from docusign_connector.sync.deferred import apply_or_defer

logger = Logger()
metrics = Metrics()
# A batch whose every message failed is reported message by message too, so the messages
# follow the same path (retries, then the dead-letter queue).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def apply_record(record: SQSRecord, lambda_context: Any) -> None:
    outcome = apply_or_defer(record.body, deadline=deadline_of(lambda_context))
    if outcome is None:
        metrics.add_metric(name="ConnectEventsDeferred", unit=MetricUnit.Count, value=1)
        return
    metrics.add_metric(name="ConnectEventsApplied", unit=MetricUnit.Count, value=1)
    if outcome.applied:
        metrics.add_metric(name="EnvelopeEventsApplied", unit=MetricUnit.Count, value=1)
    if outcome.archived:
        metrics.add_metric(name="EnvelopesArchived", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=apply_record, processor=processor, context=context
    )
