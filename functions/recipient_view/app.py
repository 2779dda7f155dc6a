"""POST /connections/{connection}/envelopes/{envelopeId}/views/recipient — embedded signing."""

from docusign_connector.http import JsonResponse, Request, Router, api_handler
from docusign_connector.models import RecipientViewRequest
from docusign_connector.views import recipient_view

router = Router()


@router.route("POST", "/connections/{connection}/envelopes/{envelopeId}/views/recipient")
def post_recipient_view(request: Request) -> JsonResponse:
    result = recipient_view(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.body(RecipientViewRequest),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result, 201)


lambda_handler = api_handler(router)
