"""GET /connections/{connection}/templates/{templateId}/docgen-fields — a DocGen template's
sender fields."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("listDocGenFields")
def list_fields(request: Request) -> JsonResponse:
    from docusign_connector.actions.docgen import list_docgen_fields

    result = list_docgen_fields(
        request.path_parameters["connection"],
        request.path_parameters["templateId"],
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
