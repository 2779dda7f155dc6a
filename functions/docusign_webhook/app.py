"""POST /webhooks/docusign/{connection} — the DocuSign Connect listener.

Public (DocuSign cannot sign requests with SigV4): every message must carry a valid
X-DocuSign-Signature-N HMAC for the connection, or it is refused with 401 and not queued.
Accepted messages are queued and answered at once; EventsFunction applies them.
"""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from docusign_connector.api.http import JsonResponse, Request, Router, api_handler
from docusign_connector.sync.webhook import accept_webhook

metrics = Metrics()
router = Router()


@router.route("receiveConnectMessage")
def post_connect_message(request: Request) -> JsonResponse:
    result = accept_webhook(
        request.path_parameters["connection"], request.raw_body, request.headers
    )
    if result.queued:
        metrics.add_metric(name="ConnectMessagesQueued", unit=MetricUnit.Count, value=1)
    return JsonResponse(result.dump())


lambda_handler = api_handler(router)
