"""POST /connections/{connection}/envelopes/{envelopeId}/void — cancel with a reason."""

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from docusign_connector.envelopes import void_envelope
from docusign_connector.http import create_resolver, json_response
from docusign_connector.models import VoidEnvelopeRequest

logger = Logger()
metrics = Metrics()
app = create_resolver()


@app.post("/connections/<connection>/envelopes/<envelopeId>/void")
def post_void(
    connection: str,
    envelopeId: str,  # noqa: N803
    request: Annotated[VoidEnvelopeRequest, Body()],
) -> Response[dict[str, Any]]:
    result = void_envelope(
        connection,
        envelopeId,
        request.reason,
        deadline=lambda: app.lambda_context.get_remaining_time_in_millis() / 1000,
    )
    metrics.add_metric(name="EnvelopesVoided", unit=MetricUnit.Count, value=1)
    return json_response(result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
