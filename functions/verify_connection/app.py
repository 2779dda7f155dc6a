"""POST /connections/{connection}/verify — check the credentials now, with a fresh token."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("verifyConnection")
def post_verify(request: Request) -> JsonResponse:
    from docusign_connector.actions.connection import verify_connection
    from docusign_connector.models.queries import UserQuery

    user = request.query_model(UserQuery).sender()
    return JsonResponse(verify_connection(request.path_parameters["connection"], user))


lambda_handler = api_handler(router)
