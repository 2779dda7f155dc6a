"""GET /connections/{connection}/templates — DocuSign templates and their roles."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("listTemplates")
def get_templates(request: Request) -> JsonResponse:
    from docusign_connector.actions.templates import list_templates
    from docusign_connector.models.queries import TemplatesQuery

    result = list_templates(
        request.path_parameters["connection"],
        request.query_model(TemplatesQuery),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
