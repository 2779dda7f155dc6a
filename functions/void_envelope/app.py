"""POST /connections/{connection}/envelopes/{envelopeId}/void — cancel with a reason."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

metrics = Metrics()
router = Router()


@router.route("voidEnvelope")
def post_void(request: Request) -> JsonResponse:
    from docusign_connector.actions.void import void_envelope
    from docusign_connector.models.requests import VoidEnvelopeRequest

    result = void_envelope(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        request.body(VoidEnvelopeRequest),
        deadline=request.remaining_seconds,
    )
    metrics.add_metric(name="EnvelopesVoided", unit=MetricUnit.Count, value=1)
    return JsonResponse(result)


lambda_handler = api_handler(router)
