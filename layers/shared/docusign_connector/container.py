"""The long-lived parts of a container: settings, every client and every cache.

Built on first use and reused across invocations; nothing here touches the network at import.
`reset_services` starts over as a new container would (tests, and the in-process local stack):
the one thing a test resets.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .adapters.access_tokens import TokenVerifier, issuers_from_environment
from .adapters.aws import shared_client
from .adapters.bucket import DocumentStore
from .adapters.budget import RateBudget
from .adapters.bus import EventBus
from .adapters.callbacks import CallbackSender
from .adapters.callers import CallerStore
from .adapters.docusign.auth import TokenProvider
from .adapters.docusign.client import DocuSignClient
from .adapters.docusign.transport import Transport
from .adapters.idempotency import IdempotentCalls
from .adapters.queue import Queue
from .adapters.secrets import ConnectionRepository
from .adapters.table import EnvelopeStore
from .config import Settings, calls_in_background, get_settings, require
from .connections import Connection
from .domain import Deadline


@dataclass
class Services:
    settings: Settings
    connections: ConnectionRepository
    tokens: TokenProvider
    store: EnvelopeStore
    documents: DocumentStore
    idempotency: IdempotentCalls
    budget: RateBudget | None = None
    events_queue: Queue = field(default_factory=lambda: Queue("CONNECT_EVENTS_QUEUE_URL"))
    bus: EventBus = field(default_factory=EventBus)
    callbacks: CallbackSender = field(default_factory=CallbackSender)
    callback_queue: Queue = field(default_factory=lambda: Queue("CALLBACK_QUEUE_URL"))
    # Background work that waits for the DocuSign rate budget goes back on its queue.
    inbox_queue: Queue = field(default_factory=lambda: Queue("INBOX_QUEUE_URL"))
    # Transaction ids whose create ended without a known outcome in this container.
    unsettled_transactions: set[str] = field(default_factory=set)
    # Connect listener: names of connections that do not exist, with when to forget them.
    unknown_connections: dict[str, float] = field(default_factory=dict)
    # (connection, templateId) -> (when read, its roles' fields): see actions.template_fields.
    template_fields: dict[tuple[str, str], tuple[float, Any]] = field(default_factory=dict)
    # (connection fingerprint, e-mail or user id) -> (when read, DocuSign's user or None):
    # see actions.senders.
    senders: dict[tuple[str, str], tuple[float, Any]] = field(default_factory=dict)
    # connection -> (when read, its account's ID verification workflows):
    # see actions.authentication.
    identity_workflows: dict[str, tuple[float, Any]] = field(default_factory=dict)
    # connection -> (when read, whether its account has Bulk Send): see actions.bulk_send.
    bulk_send_allowed: dict[str, tuple[float, bool]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            connections=ConnectionRepository(settings.connections_secret_prefix),
            tokens=TokenProvider(),
            store=EnvelopeStore(settings.envelope_table_name),
            documents=DocumentStore(settings.documents_bucket_name),
            idempotency=IdempotentCalls(settings.envelope_table_name),
            budget=RateBudget(settings.envelope_table_name, background=calls_in_background()),
        )

    def client(self, connection: Connection, deadline: Deadline = None) -> DocuSignClient:
        transport = Transport(connection, self.tokens, deadline=deadline, budget=self.budget)
        return DocuSignClient(transport, self.unsettled_transactions)


@lru_cache(maxsize=1)
def get_services() -> Services:
    return Services.build(get_settings())


@dataclass
class CallerServices:
    """What the front door's authorizer uses: the callers table and the token verifier. Its
    function has no envelope table, bucket or DocuSign secret, so it builds none of them."""

    callers: CallerStore
    token_verifier: TokenVerifier


@lru_cache(maxsize=1)
def get_caller_services() -> CallerServices:
    return CallerServices(
        callers=CallerStore(require("CALLERS_TABLE_NAME")),
        token_verifier=TokenVerifier(issuers_from_environment()),
    )


def reset_services() -> None:
    """Start over as a new container would: no cached client, token, setting or secret."""
    from aws_lambda_powertools.utilities import parameters

    get_services.cache_clear()
    get_caller_services.cache_clear()
    get_settings.cache_clear()
    shared_client.cache_clear()
    parameters.clear_caches()
