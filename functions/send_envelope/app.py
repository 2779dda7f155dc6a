"""POST /connections/{connection}/envelopes — send documents for signature (or save a draft)."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.envelopes import send_envelope
from docusign_connector.http import JsonResponse, Request, Router
from docusign_connector.models import SendEnvelopeRequest

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("POST", "/connections/{connection}/envelopes")
def post_envelope(request: Request) -> JsonResponse:
    body = request.body(SendEnvelopeRequest)
    result = send_envelope(
        request.path_parameters["connection"],
        body,
        idempotency_key=request.header("Idempotency-Key"),
        deadline=request.remaining_seconds,
        lambda_context=request.context,
    )
    metrics.add_metric(name="EnvelopesSent", unit=MetricUnit.Count, value=1)
    return JsonResponse(result, 201)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
