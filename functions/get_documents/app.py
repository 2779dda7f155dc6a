"""GET /connections/{connection}/envelopes/{envelopeId}/documents — signed PDFs and Summary."""

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from docusign_connector.envelopes import get_signed_documents
from docusign_connector.http import create_resolver, json_response

logger = Logger()
metrics = Metrics()
app = create_resolver()


@app.get("/connections/<connection>/envelopes/<envelopeId>/documents")
def get_documents(
    connection: str,
    envelopeId: str,  # noqa: N803
    include: Annotated[str | None, Query()] = None,
    escapeNonAsciiFilenames: Annotated[bool, Query()] = False,  # noqa: N803
) -> Response[dict[str, Any]]:
    includes = {part.strip() for part in (include or "").split(",")}
    result = get_signed_documents(
        connection,
        envelopeId,
        include_content="content" in includes,
        escape_non_ascii=escapeNonAsciiFilenames,
        deadline=lambda: app.lambda_context.get_remaining_time_in_millis() / 1000,
    )
    return json_response(result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
