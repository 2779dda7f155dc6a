"""POST /connections/{connection}/envelopes/{envelopeId}/views/sender — embedded sending."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from docusign_connector.http import JsonResponse, Request, Router
from docusign_connector.models import SenderViewRequest
from docusign_connector.views import sender_view

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("POST", "/connections/{connection}/envelopes/{envelopeId}/views/sender")
def post_sender_view(request: Request) -> JsonResponse:
    result = sender_view(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.body(SenderViewRequest),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result, 201)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
