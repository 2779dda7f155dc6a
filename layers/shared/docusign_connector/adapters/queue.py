"""The connector's SQS queues: the Connect events queue (the webhook puts verified messages on
it), the inbox queue and the callback queue. Work that must wait for the DocuSign rate budget
is sent again as a new, delayed message instead of failing: a failed receive counts toward the
queue's poison-message limit, a new message does not."""

from __future__ import annotations

import math
from typing import Any

from ..config import require
from .aws import aws_errors, client

MAX_DELAY_SECONDS = 900  # SQS's longest message delay


class Queue:
    """One queue, named by the environment variable that holds its URL."""

    def __init__(self, url_variable: str, queue_url: str | None = None, sqs: Any = None) -> None:
        self._url_variable = url_variable
        self._queue_url = queue_url
        self._sqs = sqs

    @property
    def url(self) -> str:
        if self._queue_url is None:
            self._queue_url = require(self._url_variable)
        return self._queue_url

    @property
    def sqs(self) -> Any:
        if self._sqs is None:
            self._sqs = client("sqs")
        return self._sqs

    def send(
        self, body: str, attributes: dict[str, str] | None = None, delay_seconds: float = 0
    ) -> int:
        """Put `body` on the queue, visible after `delay_seconds` (at most 15 minutes); the
        delay used is returned."""
        delay = max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds)))
        kwargs: dict[str, Any] = {"QueueUrl": self.url, "MessageBody": body}
        if delay:
            kwargs["DelaySeconds"] = delay
        if attributes:
            kwargs["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
            }
        with aws_errors("SQS"):
            self.sqs.send_message(**kwargs)
        return delay

    def hide(self, receipt_handle: str, seconds: int) -> None:
        """Keep a received message hidden for `seconds` (a failed delivery's backoff)."""
        with aws_errors("SQS"):
            self.sqs.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
            )
