"""POST /connections/{connection}/envelopes/{envelopeId}/void — cancel with a reason."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.envelopes import void_envelope
from docusign_connector.http import JsonResponse, Request, Router, api_handler
from docusign_connector.models import VoidEnvelopeRequest

metrics = Metrics()
router = Router()


@router.route("POST", "/connections/{connection}/envelopes/{envelopeId}/void")
def post_void(request: Request) -> JsonResponse:
    body = request.body(VoidEnvelopeRequest)
    result = void_envelope(
        request.path_parameters["connection"],
        request.path_parameters["envelopeId"],
        body.reason,
        deadline=request.remaining_seconds,
    )
    metrics.add_metric(name="EnvelopesVoided", unit=MetricUnit.Count, value=1)
    return JsonResponse(result)


lambda_handler = api_handler(router)
