"""The connector's EventBridge bus: status changes published for downstream systems."""

from __future__ import annotations

import json
from typing import Any

from ..config import require
from ..errors import AwsUnavailable
from .aws import aws_errors, client

EVENT_SOURCE = "docusign-connector"
MAX_ENTRIES_PER_CALL = 10  # PutEvents takes 10 entries at most


class EventBus:
    def __init__(self, bus_name: str | None = None, events: Any = None) -> None:
        self._bus_name = bus_name
        self._events = events

    @property
    def name(self) -> str:
        if self._bus_name is None:
            self._bus_name = require("EVENT_BUS_NAME")
        return self._bus_name

    def publish(self, detail_type: str, details: list[dict[str, Any]]) -> None:
        """Put each detail on the bus; a refusal raises, so that the caller's message is
        retried and what was not published is published then."""
        if self._events is None:
            self._events = client("events")
        for start in range(0, len(details), MAX_ENTRIES_PER_CALL):
            entries = [
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, separators=(",", ":")),
                    "EventBusName": self.name,
                    "Resources": [],
                }
                for detail in details[start : start + MAX_ENTRIES_PER_CALL]
            ]
            with aws_errors("EventBridge"):
                answer = self._events.put_events(Entries=entries)
            if answer.get("FailedEntryCount"):
                raise AwsUnavailable(
                    f"EventBridge refused {answer['FailedEntryCount']} event(s); retry shortly"
                )
