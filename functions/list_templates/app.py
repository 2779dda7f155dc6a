"""GET /connections/{connection}/templates — DocuSign templates and their roles."""

from docusign_connector.http import JsonResponse, Request, Router, api_handler
from docusign_connector.templates import list_templates

router = Router()


@router.route("GET", "/connections/{connection}/templates")
def get_templates(request: Request) -> JsonResponse:
    result = list_templates(
        request.path_parameters["connection"],
        search=request.query.get("search"),
        count=request.query.get("count"),
        start=request.query.get("start"),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
