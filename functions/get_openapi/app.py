"""GET /openapi.json — the API's OpenAPI 3.1 document (or, with ?format=swagger2 or
swagger2-oauth2, a Swagger 2.0 one), with this deployment's own address."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("getOpenApi")
def get_openapi(request: Request) -> JsonResponse:
    from docusign_connector.api.served import described

    return JsonResponse(described(request), headers={"Cache-Control": "max-age=300"})


lambda_handler = api_handler(router)
