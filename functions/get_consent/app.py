"""GET /connections/{connection}/consent — the "Grant access to DocuSign" URL."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from docusign_connector.http import JsonResponse, Request, Router
from docusign_connector.verification import consent_info

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("GET", "/connections/{connection}/consent")
def get_consent(request: Request) -> JsonResponse:
    return JsonResponse(consent_info(request.path_parameters["connection"]))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
