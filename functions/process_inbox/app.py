"""SQS (S3 notifications for inbox/…/*.json) — send the envelopes of each manifest."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from docusign_connector.actions.inbox import manifests_in, process_manifest
from docusign_connector.domain import deadline_of

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def handle_record(record: SQSRecord, lambda_context: Any) -> None:
    """A transient failure raises: the message returns to the queue (then the DLQ)."""
    for manifest in manifests_in(record.body):
        process_manifest(manifest, deadline=deadline_of(lambda_context))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
