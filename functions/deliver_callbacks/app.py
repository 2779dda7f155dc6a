"""CallbackFunction: POSTs the connector's bus events (status changes, bounces) to each
envelope's callbackUrl, signed with its connection's callbackSecret.

SQS batches with partial failures: a delivery that fails (an error status, or no answer within
its wall-clock bound) is hidden for its backoff (1, 2, 4 … minutes, then two hours) and
retried, for about a day, then dead-lettered. One not attempted now (its connection has its
most deliveries in flight, or the invocation too little time) is queued again for later.
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
from docusign_connector.sync.callbacks import (
    PRIOR_FAILURES_ATTRIBUTE,
    CallbackFailed,
    deliver_or_requeue,
)

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def deliver_record(record: SQSRecord, lambda_context: Any) -> None:
    attribute = record.message_attributes[PRIOR_FAILURES_ATTRIBUTE]
    prior = str(attribute.string_value or "") if attribute is not None else ""
    try:
        delivery = deliver_or_requeue(
            record.body,
            receipt_handle=record.receipt_handle,
            receive_count=int(record.attributes.approximate_receive_count or "1"),
            prior_failures=int(prior) if prior.isdigit() else 0,
            deadline=deadline_of(lambda_context),
            slow_connections=SLOW_CONNECTIONS,
        )
    except CallbackFailed:
        metrics.add_metric(name="CallbacksFailed", unit=MetricUnit.Count, value=1)
        raise
    if delivery.outcome == "delivered":
        metrics.add_metric(name="CallbacksDelivered", unit=MetricUnit.Count, value=1)
    elif delivery.outcome == "deferred":
        metrics.add_metric(name="CallbacksDeferred", unit=MetricUnit.Count, value=1)


# Connections whose receiver was cut during this invocation (emptied for each).
SLOW_CONNECTIONS: set[str] = set()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    SLOW_CONNECTIONS.clear()
    return process_partial_response(
        event=event, record_handler=deliver_record, processor=processor, context=context
    )
