"""SQS (S3 notifications for inbox/…/*.json) — send the envelopes of each manifest."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from docusign_connector.inbox import manifests_in, process_manifest

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
_context: dict[str, Any] = {}


def handle_record(record: SQSRecord) -> None:
    """A transient failure raises: the message returns to the queue (then the DLQ)."""
    context = _context.get("lambda")
    for manifest in manifests_in(record.body):
        process_manifest(
            manifest,
            deadline=(lambda: context.get_remaining_time_in_millis() / 1000) if context else None,
            lambda_context=context,
        )


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _context["lambda"] = context
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
