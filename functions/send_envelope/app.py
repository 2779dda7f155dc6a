"""POST /connections/{connection}/envelopes — send documents for signature (or save a draft)."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.envelopes import send_envelope
from docusign_connector.http import JsonResponse, Request, Router, api_handler
from docusign_connector.models import SendEnvelopeRequest

metrics = Metrics()
router = Router()


@router.route("POST", "/connections/{connection}/envelopes")
def post_envelope(request: Request) -> JsonResponse:
    body = request.body(SendEnvelopeRequest)
    result = send_envelope(
        request.path_parameters["connection"],
        body,
        idempotency_key=request.header("Idempotency-Key"),
        deadline=request.remaining_seconds,
        lambda_context=request.context,
    )
    metrics.add_metric(name="EnvelopesSent", unit=MetricUnit.Count, value=1)
    return JsonResponse(result, 201)


lambda_handler = api_handler(router)
