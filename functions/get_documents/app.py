"""GET /connections/{connection}/envelopes/{envelopeId}/documents — signed PDFs and Summary."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths

from docusign_connector.envelopes import get_signed_documents
from docusign_connector.http import JsonResponse, Request, Router

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("GET", "/connections/{connection}/envelopes/{envelopeId}/documents")
def get_documents(request: Request) -> JsonResponse:
    result = get_signed_documents(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        include_content="content" in request.includes(),
        escape_non_ascii=request.flag("escapeNonAsciiFilenames"),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
