"""POST /connections/{connection}/envelopes/{envelopeId}/views/recipient — embedded signing."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("createRecipientView")
def post_recipient_view(request: Request) -> JsonResponse:
    from docusign_connector.actions.views import recipient_view
    from docusign_connector.models.views import RecipientViewRequest

    result = recipient_view(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.body(RecipientViewRequest),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result, 201)


lambda_handler = api_handler(router)
