"""POST /connections/{connection}/envelopes/{envelopeId}/views/sender — embedded sending."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("createSenderView")
def post_sender_view(request: Request) -> JsonResponse:
    from docusign_connector.actions.views import sender_view
    from docusign_connector.models.views import SenderViewRequest

    result = sender_view(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.body(SenderViewRequest),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result, 201)


lambda_handler = api_handler(router)
