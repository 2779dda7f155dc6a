"""GET /connections/{connection}/templates — DocuSign templates and their roles."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from docusign_connector.http import JsonResponse, Request, Router
from docusign_connector.templates import list_templates

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("GET", "/connections/{connection}/templates")
def get_templates(request: Request) -> JsonResponse:
    result = list_templates(
        request.path_parameters["connection"],
        search=request.query.get("search"),
        count=request.query.get("count"),
        start=request.query.get("start"),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
