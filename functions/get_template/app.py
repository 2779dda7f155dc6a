"""GET /connections/{connection}/templates/{templateId} — a template's roles and their fields."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("getTemplate")
def get_one_template(request: Request) -> JsonResponse:
    from docusign_connector.actions.templates import get_template

    result = get_template(
        request.path_parameters["connection"],
        request.path_parameters["templateId"],
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
