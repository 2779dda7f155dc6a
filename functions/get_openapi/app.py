"""GET /openapi.json — the API's OpenAPI document."""

from typing import Any

from aws_lambda_powertools import Logger

from docusign_connector.http import JsonResponse, Request, Router
from docusign_connector.openapi import build_document

logger = Logger()
router = Router()


@router.route("GET", "/openapi.json")
def get_openapi(request: Request) -> JsonResponse:
    return JsonResponse(build_document(), headers={"Cache-Control": "max-age=300"})


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
