"""POST /connections/{connection}/envelopes/{envelopeId}/views/sender — embedded sending."""

from docusign_connector.http import JsonResponse, Request, Router, api_handler
from docusign_connector.models import SenderViewRequest
from docusign_connector.views import sender_view

router = Router()


@router.route("POST", "/connections/{connection}/envelopes/{envelopeId}/views/sender")
def post_sender_view(request: Request) -> JsonResponse:
    result = sender_view(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.body(SenderViewRequest),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result, 201)


lambda_handler = api_handler(router)
