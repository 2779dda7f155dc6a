"""POST /webhooks/docusign/{connection} — the DocuSign Connect listener.

Public (DocuSign cannot sign requests with SigV4): every message must carry a valid
X-DocuSign-Signature-N HMAC for the connection, or it is refused with 401 and not queued.
Accepted messages are queued and answered at once; EventsFunction applies them.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.connect import accept_webhook
from docusign_connector.http import JsonResponse, Request, Router

logger = Logger()
metrics = Metrics()
router = Router()


@router.route("POST", "/webhooks/docusign/{connection}")
def post_connect_message(request: Request) -> JsonResponse:
    result = accept_webhook(
        request.path_parameters["connection"], request.raw_body, request.headers
    )
    if result.queued:
        metrics.add_metric(name="ConnectMessagesQueued", unit=MetricUnit.Count, value=1)
    return JsonResponse(result.dump())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return router.resolve(event, context)
