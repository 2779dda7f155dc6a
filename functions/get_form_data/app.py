"""GET /connections/{connection}/envelopes/{envelopeId}/formdata — every field's recipient,
label, type and value."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("getFormData")
def get_formdata(request: Request) -> JsonResponse:
    from docusign_connector.actions.formdata import get_form_data

    result = get_form_data(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
