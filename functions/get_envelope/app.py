"""GET /connections/{connection}/envelopes/{envelopeId} — the envelope's status."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from docusign_connector.envelopes import get_envelope_status
from docusign_connector.http import JsonResponse, Request, Router

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("GET", "/connections/{connection}/envelopes/{envelopeId}")
def get_envelope(request: Request) -> JsonResponse:
    result = get_envelope_status(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        include_history="history" in request.includes(),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
