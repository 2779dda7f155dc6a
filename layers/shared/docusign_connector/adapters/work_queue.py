"""Putting background work back on its own queue for later (SQS `DelaySeconds`).

Work that must wait for the DocuSign rate budget is sent again as a new message instead of
failing: a failed receive counts toward the queue's poison-message limit, a new message does not.
"""

from __future__ import annotations

import math
from typing import Any

from ..config import require
from .aws import aws_errors, client

MAX_DELAY_SECONDS = 900  # SQS's longest message delay


class WorkQueue:
    def __init__(self, url_variable: str, sqs: Any = None) -> None:
        self._url_variable = url_variable
        self._url: str | None = None
        self._sqs = sqs

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = require(self._url_variable)
        return self._url

    def send_later(
        self, body: str, delay_seconds: float, attributes: dict[str, str] | None = None
    ) -> int:
        """Queue `body` again, visible after `delay_seconds` (at most 15 minutes); the delay
        used is returned."""
        if self._sqs is None:
            self._sqs = client("sqs")
        delay = max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds)))
        kwargs: dict[str, Any] = {"QueueUrl": self.url, "MessageBody": body, "DelaySeconds": delay}
        if attributes:
            kwargs["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
            }
        with aws_errors("SQS"):
            self._sqs.send_message(**kwargs)
        return delay
