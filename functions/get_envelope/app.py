"""GET /connections/{connection}/envelopes/{envelopeId} — the envelope's status."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("getEnvelope")
def get_envelope(request: Request) -> JsonResponse:
    from docusign_connector.actions.status import get_envelope_status
    from docusign_connector.models.queries import StatusQuery

    result = get_envelope_status(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.query_model(StatusQuery),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
