"""The front door's Lambda authorizer: an API key or an OAuth access token → the IAM policy of
what its caller may do (see docusign_connector.api.authorizer)."""

from typing import Any

from aws_lambda_powertools import Logger

from docusign_connector.api.authorizer import handle
from docusign_connector.container import get_caller_services

logger = Logger()


# clear_state: one credential's caller is never named in the next invocation's logs
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, get_caller_services())
