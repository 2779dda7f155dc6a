"""GET /connections/{connection}/consent — the "Grant access to DocuSign" URL."""

from docusign_connector.http import JsonResponse, Request, Router, api_handler
from docusign_connector.verification import consent_info

router = Router()


@router.route("GET", "/connections/{connection}/consent")
def get_consent(request: Request) -> JsonResponse:
    return JsonResponse(consent_info(request.path_parameters["connection"]))


lambda_handler = api_handler(router)
