"""GET /connections/{connection}/envelopes/{envelopeId} — the envelope's status."""

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from docusign_connector.envelopes import get_envelope_status
from docusign_connector.http import create_resolver, json_response

logger = Logger()
metrics = Metrics()
app = create_resolver()


@app.get("/connections/<connection>/envelopes/<envelopeId>")
def get_envelope(
    connection: str, envelopeId: str, include: Annotated[str | None, Query()] = None  # noqa: N803
) -> Response[dict[str, Any]]:
    includes = {part.strip() for part in (include or "").split(",")}
    result = get_envelope_status(
        connection,
        envelopeId,
        include_history="history" in includes,
        deadline=lambda: app.lambda_context.get_remaining_time_in_millis() / 1000,
    )
    return json_response(result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
