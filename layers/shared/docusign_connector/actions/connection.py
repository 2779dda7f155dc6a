"""Connection-level actions: the consent URL, and checking credentials against DocuSign now."""

from __future__ import annotations

from ..container import Services, get_services
from ..models.responses import ConsentResponse, VerifyResponse


def consent_info(connection_name: str, *, services: Services | None = None) -> ConsentResponse:
    """The "Grant access to DocuSign" link; opening it once grants the integration consent."""
    services = services or get_services()
    connection = services.connections.get(connection_name)
    return ConsentResponse(
        connection=connection_name,
        consent_url=connection.consent_url(),
        integration_key=connection.integration_key,
        auth_server=connection.auth_server,
        scopes=list(connection.scopes),
    )


def verify_connection(connection_name: str, *, services: Services | None = None) -> VerifyResponse:
    """Re-read the secret, get a brand-new token and look the account up again: a cached token
    never vouches for credentials that may have changed since."""
    services = services or get_services()
    connection = services.connections.get(connection_name, fresh=True)
    token = services.tokens.token_info(connection, fresh=True)
    account = services.tokens.account(connection, fresh=True)
    return VerifyResponse(
        connection=connection_name,
        ok=True,
        account_id=account.account_id,
        account_name=account.account_name,
        base_uri=account.base_uri,
        user_id=account.user_id,
        user_name=account.user_name,
        auth_server=connection.auth_server,
        token_expires_in=token.expires_in,
    )
