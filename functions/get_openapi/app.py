"""GET /openapi.json — the API's OpenAPI document."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("getOpenApi")
def get_openapi(request: Request) -> JsonResponse:
    from docusign_connector.api.openapi import build_document

    return JsonResponse(build_document(), headers={"Cache-Control": "max-age=300"})


lambda_handler = api_handler(router)
