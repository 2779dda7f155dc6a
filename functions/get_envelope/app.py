"""GET /connections/{connection}/envelopes/{envelopeId} — the envelope's status."""

from docusign_connector.envelopes import get_envelope_status
from docusign_connector.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("GET", "/connections/{connection}/envelopes/{envelopeId}")
def get_envelope(request: Request) -> JsonResponse:
    result = get_envelope_status(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        include_history="history" in request.includes(),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
