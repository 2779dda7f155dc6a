"""CallbackFunction: POSTs the connector's bus events (status changes, bounces) to each
envelope's callbackUrl, signed with its connection's callbackSecret.

SQS batches with partial failures: a delivery that fails is hidden for its backoff (1, 2, 4 …
minutes, then two hours) and retried, for about a day, then dead-lettered.
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

from docusign_connector.container import get_services
from docusign_connector.sync.callbacks import CallbackFailed, backoff_seconds, deliver_callback

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def deliver_record(record: SQSRecord) -> None:
    try:
        delivery = deliver_callback(record.body)
    except CallbackFailed as failure:
        receives = int(record.attributes.approximate_receive_count or "1")
        wait = backoff_seconds(receives)
        logger.warning(
            "callback not delivered; retried later",
            extra={"reason": str(failure), "receive_count": receives, "retry_in": wait},
        )
        get_services().callback_queue.hide(record.receipt_handle, wait)
        metrics.add_metric(name="CallbacksFailed", unit=MetricUnit.Count, value=1)
        raise
    if delivery.outcome == "delivered":
        metrics.add_metric(name="CallbacksDelivered", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=deliver_record, processor=processor, context=context
    )
