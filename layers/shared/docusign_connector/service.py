"""The long-lived parts of a container: settings, connections, tokens, stores.

Created on first use and reused across invocations; nothing here touches the network at import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .auth import TokenProvider
from .config import Settings, get_settings
from .connections import Connection, ConnectionRepository
from .documents import DocumentStore
from .docusign import DocuSignClient
from .store import EnvelopeStore


@dataclass
class Services:
    settings: Settings
    connections: ConnectionRepository
    tokens: TokenProvider
    store: EnvelopeStore
    documents: DocumentStore

    def client(
        self, connection: Connection, deadline: Callable[[], float] | None = None
    ) -> DocuSignClient:
        return DocuSignClient(connection, self.tokens, deadline=deadline)


@lru_cache(maxsize=1)
def get_services() -> Services:
    settings = get_settings()
    return Services(
        settings=settings,
        connections=ConnectionRepository(settings.connections_secret_prefix),
        tokens=TokenProvider(),
        store=EnvelopeStore(settings.envelope_table_name),
        documents=DocumentStore(settings.documents_bucket_name),
    )


def reset_services() -> None:
    """Start over as a new container would: no cached client, token, setting or secret
    (tests and the in-process local stack)."""
    from aws_lambda_powertools.utilities import parameters

    from . import connect, docusign, envelope_events

    get_services.cache_clear()
    get_settings.cache_clear()
    docusign._UNSETTLED_TRANSACTIONS.clear()
    connect.reset_clients()
    envelope_events.reset_clients()
    parameters.clear_caches()
