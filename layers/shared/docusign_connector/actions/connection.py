"""Connection-level actions: the consent URL, and checking credentials against DocuSign now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..container import Services, get_services
from ..models.responses import ConsentResponse, VerifyResponse
from .senders import acting_connection, resolve_sender

if TYPE_CHECKING:
    from ..models.requests import SenderIn


def consent_info(
    connection_name: str, user: SenderIn | None = None, *, services: Services | None = None
) -> ConsentResponse:
    """The "Grant access to DocuSign" link; opening it once grants the integration consent —
    opened by the connection's user, or with `user` (an allowed sender, DESIGN §12) by that
    user, signed in as themselves (DocuSign: consent is given by the user who is impersonated,
    or by an organisation administrator for all the users of its claimed domains)."""
    services = services or get_services()
    connection = services.connections.get(connection_name)
    sender = resolve_sender(services, connection_name, user) if user else None
    return ConsentResponse(
        connection=connection_name,
        consent_url=connection.consent_url(),
        integration_key=connection.integration_key,
        auth_server=connection.auth_server,
        scopes=list(connection.scopes),
        user_id=sender.user_id if sender else connection.user_id,
        user_email=sender.email if sender else None,
    )


def verify_connection(
    connection_name: str, user: SenderIn | None = None, *, services: Services | None = None
) -> VerifyResponse:
    """Re-read the secret, get a brand-new token and look the account up again: a cached token
    never vouches for credentials that may have changed since. With `user` (an allowed
    sender), the same for that user: consent, membership of the connection's account."""
    services = services or get_services()
    connection = services.connections.get(connection_name, fresh=True)
    if user:
        sender = resolve_sender(services, connection_name, user)
        connection = acting_connection(services, connection, sender.user_id if sender else None)
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
