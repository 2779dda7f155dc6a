"""The Connect events queue (SQS): the webhook puts verified messages on it."""

from __future__ import annotations

from typing import Any

from ..config import require
from .aws import aws_errors, client


class EventsQueue:
    def __init__(self, queue_url: str | None = None, sqs: Any = None) -> None:
        self._queue_url = queue_url
        self._sqs = sqs

    @property
    def url(self) -> str:
        if self._queue_url is None:
            self._queue_url = require("CONNECT_EVENTS_QUEUE_URL")
        return self._queue_url

    def send(self, body: str, attributes: dict[str, str]) -> None:
        if self._sqs is None:
            self._sqs = client("sqs")
        with aws_errors("SQS"):
            self._sqs.send_message(
                QueueUrl=self.url,
                MessageBody=body,
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value}
                    for name, value in attributes.items()
                },
            )
