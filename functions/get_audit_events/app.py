"""GET /connections/{connection}/envelopes/{envelopeId}/audit — the envelope's audit events:
who, what, when, where."""

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

router = Router()


@router.route("getAuditEvents")
def get_audit(request: Request) -> JsonResponse:
    from docusign_connector.actions.audit_events import get_audit_events

    result = get_audit_events(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        deadline=request.remaining_seconds,
    )
    return JsonResponse(result)


lambda_handler = api_handler(router)
