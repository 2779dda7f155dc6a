"""GET /connections/{connection}/consent — the "Grant access to DocuSign" URL."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("getConsent")
def get_consent(request: Request) -> JsonResponse:
    from docusign_connector.actions.connection import consent_info
    from docusign_connector.models.queries import UserQuery

    user = request.query_model(UserQuery).sender()
    return JsonResponse(consent_info(request.path_parameters["connection"], user))


lambda_handler = api_handler(router)
