"""GET /connections/{connection}/envelopes — tracked envelopes, newest change first."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from docusign_connector.envelopes import list_tracked_envelopes
from docusign_connector.http import JsonResponse, Request, Router

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("GET", "/connections/{connection}/envelopes")
def get_envelopes(request: Request) -> JsonResponse:
    result = list_tracked_envelopes(
        request.path_parameters["connection"],
        status=request.query.get("status"),
        changed_from=request.query.get("from"),
        changed_to=request.query.get("to"),
        limit=request.query.get("limit"),
        next_token=request.query.get("nextToken"),
    )
    return JsonResponse(result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
