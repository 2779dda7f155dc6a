"""POST /connections/{connection}/verify — check the credentials now, with a fresh token."""

from docusign_connector.http import JsonResponse, Request, Router, api_handler
from docusign_connector.verification import verify_connection

router = Router()


@router.route("POST", "/connections/{connection}/verify")
def post_verify(request: Request) -> JsonResponse:
    return JsonResponse(verify_connection(request.path_parameters["connection"]))


lambda_handler = api_handler(router)
