"""GET /connections/{connection}/consent — the "Grant access to DocuSign" URL."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from docusign_connector.http import create_resolver, json_response
from docusign_connector.verification import consent_info

logger = Logger()
metrics = Metrics()
app = create_resolver()


@app.get("/connections/<connection>/consent")
def get_consent(connection: str) -> Response[dict[str, Any]]:
    return json_response(consent_info(connection))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
