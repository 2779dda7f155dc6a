"""POST /connections/{connection}/envelopes/{envelopeId}/resend — mail the current recipients
(or the ones named) again now."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("resendEnvelope")
def post_resend(request: Request) -> JsonResponse:
    from docusign_connector.actions.recipients import resend_envelope
    from docusign_connector.models.after_send import ResendEnvelopeRequest

    result = resend_envelope(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.body(ResendEnvelopeRequest) if request.raw_body else None,
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
