"""GET /connections/{connection}/envelopes — tracked envelopes, newest change first."""

from docusign_connector.envelopes import list_tracked_envelopes
from docusign_connector.http import JsonResponse, Request, Router, api_handler

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


lambda_handler = api_handler(router)
