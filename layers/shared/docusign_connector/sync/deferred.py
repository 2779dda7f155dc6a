"""Connect events whose DocuSign calls (archiving, a status check) must wait for the account's
rate budget: queued again for after the reset instead of failing, so that waiting never
dead-letters an event."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from ..container import Services, get_services
from ..domain import Deadline
from ..errors import Throttled
from .apply import Outcome, apply_connect_message

logger = Logger(child=True)


def apply_or_defer(
    body: str, *, deadline: Deadline = None, services: Services | None = None
) -> Outcome | None:
    """Apply one queued Connect message; None when it was put back for later."""
    services = services or get_services()
    try:
        return apply_connect_message(body, deadline=deadline, services=services)
    except Throttled as exc:
        wait = float(getattr(exc, "wait_seconds", exc.retry_after)) + 1
        delay = services.events_queue.send(body, delay_seconds=wait)
        logger.info("Connect event waits for the DocuSign budget", extra={"delay_seconds": delay})
        return None
