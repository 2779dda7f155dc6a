"""POST /connections/{connection}/envelopes — send documents for signature (or save a draft)."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler

metrics = Metrics()
router = Router()


@router.route("sendEnvelope")
def post_envelope(request: Request) -> JsonResponse:
    from docusign_connector.actions.send import send_envelope
    from docusign_connector.models.requests import SendEnvelopeRequest

    result = send_envelope(
        request.path_parameters["connection"],
        request.body(SendEnvelopeRequest),
        idempotency_key=request.header("Idempotency-Key"),
        deadline=request.remaining_seconds,
    )
    metrics.add_metric(name="EnvelopesSent", unit=MetricUnit.Count, value=1)
    return JsonResponse(result, 201)


lambda_handler = api_handler(router)
