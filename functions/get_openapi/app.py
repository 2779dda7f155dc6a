"""GET /openapi.json — the API's OpenAPI document."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler
from docusign_connector.api.openapi import build_document

router = Router()


@router.route("getOpenApi")
def get_openapi(request: Request) -> JsonResponse:
    return JsonResponse(build_document(), headers={"Cache-Control": "max-age=300"})


lambda_handler = api_handler(router)
