"""POST /connections/{connection}/envelopes/{envelopeId}/void — cancel with a reason."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.envelopes import void_envelope
from docusign_connector.http import JsonResponse, Request, Router
from docusign_connector.models import VoidEnvelopeRequest

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("POST", "/connections/{connection}/envelopes/{envelopeId}/void")
def post_void(request: Request) -> JsonResponse:
    body = request.body(VoidEnvelopeRequest)
    result = void_envelope(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        body.reason,
        deadline=request.remaining_seconds,
    )
    metrics.add_metric(name="EnvelopesVoided", unit=MetricUnit.Count, value=1)
    return JsonResponse(result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
