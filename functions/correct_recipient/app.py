"""PATCH /connections/{connection}/envelopes/{envelopeId}/recipients/{recipientId} — correct a
recipient who has not signed and mail them again."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("correctRecipient")
def patch_recipient(request: Request) -> JsonResponse:
    from docusign_connector.actions.recipients import correct_recipient
    from docusign_connector.models.after_send import CorrectRecipientRequest

    result = correct_recipient(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.path_parameters["recipientId"],
        request.body(CorrectRecipientRequest),
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
