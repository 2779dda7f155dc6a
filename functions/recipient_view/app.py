"""POST /connections/{connection}/envelopes/{envelopeId}/views/recipient — embedded signing."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from docusign_connector.http import JsonResponse, Request, Router
from docusign_connector.models import RecipientViewRequest
from docusign_connector.views import recipient_view

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("POST", "/connections/{connection}/envelopes/{envelopeId}/views/recipient")
def post_recipient_view(request: Request) -> JsonResponse:
    result = recipient_view(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.body(RecipientViewRequest),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result, 201)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
