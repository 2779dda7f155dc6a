"""One DocuSign REST call with its token, its time budget and its retries.

Calls are retried on throttling (429), server errors (5xx), dropped connections and timeouts,
with exponential backoff and jitter, or exactly as long as DocuSign asks, and only while the
Lambda's remaining time (`deadline`) leaves room for another attempt and the answer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...connections import Connection
from ...domain import Deadline
from ...errors import ConnectorError, UpstreamUnavailable
from .auth import Account, TokenProvider
from .errors import api_error, server_wait, to_connector_error

if TYPE_CHECKING:
    # Imported where first used: a call answered from the table never loads an HTTP client.
    import requests

    from ..budget import RateBudget

API_PREFIX = "/restapi/v2.1/accounts"
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 25
RETRYABLE_STATUS = {429, 500, 502, 503, 504}
MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5  # seconds before the first retry when DocuSign names no wait
BACKOFF_CAP = 8.0
# Kept back from the Lambda's remaining time to record the result and answer the caller.
ANSWER_MARGIN = 2.0
# The shortest time worth giving one more request; less than this and we stop retrying.
MIN_ATTEMPT_SECONDS = 3.0
MIN_READ_TIMEOUT = 1.0
# Without a Lambda deadline (command-line tools), never wait longer than this for a retry.
MAX_WAIT_WITHOUT_DEADLINE = 30.0


class AttemptFailed(Exception):
    """One request failed in a way that another attempt may fix.

    `error` is what the caller gets if we stop here. `wait` is the pause DocuSign asked for
    (Retry-After, or the rate-limit reset), if any. `refused` means DocuSign certainly did not
    act on the request (it throttled it, or no connection was made); otherwise a create may or
    may not have happened. `timed_out` means DocuSign did not answer in time and may still be
    working on it.
    """

    def __init__(
        self,
        error: ConnectorError,
        *,
        wait: float | None = None,
        refused: bool = False,
        timed_out: bool = False,
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait
        self.refused = refused
        self.timed_out = timed_out


def segment(value: str) -> str:
    """One path segment of a DocuSign URL: every reserved character encoded, `/` included, so
    no identifier can step into another resource's path."""
    return quote(str(value), safe="")


def pause(seconds: float) -> None:
    time.sleep(seconds)


def jitter() -> float:
    # A little spread so that callers told the same wait do not all come back at once.
    return random.uniform(0.0, 0.25)


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter: about 0.5 s, 1 s, 2 s … (each between half and all)."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


class Transport:
    """Requests to one connection's account, authorised with its token."""

    def __init__(
        self,
        connection: Connection,
        tokens: TokenProvider,
        *,
        session: requests.Session | None = None,
        deadline: Deadline = None,
        sleep: Callable[[float], None] | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        self.connection = connection
        # The account's shared rate budget: asked before each call, told each answer.
        self._budget = budget
        self.tokens = tokens
        self._session = session or tokens.session
        self._deadline = deadline  # seconds left in this invocation
        self._sleep = sleep if sleep is not None else pause
        self.calls = 0
        # Set by `send` when an attempt failed after DocuSign may have acted on it.
        self.retried_unsettled = False

    @property
    def account(self) -> Account:
        return self.tokens.account(self.connection)

    def url(self, path: str) -> str:
        account = self.account
        return f"{account.base_uri}{API_PREFIX}/{segment(account.account_id)}{path}"

    def remaining(self) -> float | None:
        return None if self._deadline is None else float(self._deadline())

    def _timeouts(self) -> tuple[float, float]:
        """Connect and read timeouts: the usual ones, shortened so that an answer that does not
        come still leaves time to answer the caller."""
        remaining = self.remaining()
        if remaining is None:
            return CONNECT_TIMEOUT, READ_TIMEOUT
        read = max(MIN_READ_TIMEOUT, min(READ_TIMEOUT, remaining - ANSWER_MARGIN))
        return min(CONNECT_TIMEOUT, read), read

    def attempt(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        body_factory: Callable[[], Any] | None = None,
        stream: bool = False,
        accept: str = "application/json",
    ) -> requests.Response:
        """One request (plus one more with a fresh token if DocuSign answers 401).

        Raises `AttemptFailed` for failures another attempt may fix, and the mapped domain
        error for every other non-success answer.
        """
        import requests

        refreshed = False
        while True:
            token = self.tokens.token(self.connection, fresh=False)
            headers = {"Authorization": f"Bearer {token}", "Accept": accept}
            data = None
            if body_factory is not None:
                # A streamed body is read once: every attempt gets a new one.
                data = body_factory()
                headers["Content-Type"] = "application/json"
            if self._budget is not None:
                self._budget.take(self.account.account_id)
            self.calls += 1
            try:
                response = self._session.request(
                    method,
                    self.url(path),
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                    timeout=self._timeouts(),
                    stream=stream,
                )
            except requests.Timeout as exc:
                connect_only = isinstance(exc, requests.ConnectTimeout)
                raise AttemptFailed(
                    UpstreamUnavailable("DocuSign did not answer in time", code="DOCUSIGN_TIMEOUT"),
                    refused=connect_only,
                    timed_out=not connect_only,
                ) from exc
            except requests.RequestException as exc:
                raise AttemptFailed(
                    UpstreamUnavailable(
                        "DocuSign could not be reached", code="DOCUSIGN_UNREACHABLE"
                    )
                ) from exc
            if self._budget is not None:
                self._budget.after_call(
                    self.account.account_id,
                    self.connection.name,
                    response.status_code,
                    response.headers,
                )
            if response.status_code == 401 and not refreshed:
                # The token may have been revoked or expired early: one retry with a new one.
                refreshed = True
                self.tokens.forget(self.connection)
                response.close()
                continue
            if response.status_code in RETRYABLE_STATUS:
                failure = api_error(response)
                wait = server_wait(response, failure.error_code)
                error = to_connector_error(failure, response)
                raise AttemptFailed(error, wait=wait, refused=response.status_code == 429)
            if response.status_code >= 400:
                raise to_connector_error(api_error(response), response)
            return response

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        stream: bool = False,
        retry: bool = True,
        accept: str = "application/json",
    ) -> requests.Response:
        """One DocuSign call that is safe to repeat (reads, void, signing and sending views),
        retried within the time budget. Creates go through `DocuSignClient.create_envelope`."""
        self.retried_unsettled = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.attempt(
                    method, path, params=params, json_body=json_body, stream=stream, accept=accept
                )
            except AttemptFailed as failure:
                if not retry or not self.wait_before_retry(attempt, failure):
                    raise failure.error from failure
                if not failure.refused:
                    self.retried_unsettled = True

    def wait_before_retry(self, attempt: int, failure: AttemptFailed) -> bool:
        """Pause before attempt `attempt + 1`, or say there is none to make."""
        if attempt >= MAX_ATTEMPTS:
            return False
        wait = backoff(attempt) if failure.wait is None else failure.wait + jitter()
        remaining = self.remaining()
        if remaining is None:
            if wait > MAX_WAIT_WITHOUT_DEADLINE:
                return False
        elif remaining - wait < ANSWER_MARGIN + MIN_ATTEMPT_SECONDS:
            return False
        self._sleep(wait)
        return True
