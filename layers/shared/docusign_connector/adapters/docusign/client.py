"""The eSignature REST v2.1 calls the connector makes (no DocuSign SDK)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ... import clock
from ...errors import Conflict, ConnectorError, NotFound, OutcomeUnknown, Throttled
from .body import DocumentSource, StreamingEnvelopeBody
from .errors import json_body
from .transport import AttemptFailed, Transport, segment

if TYPE_CHECKING:
    import requests

# DocuSign's page cap for list-status-changes (`count`, at most 1000 per call).
MAX_PAGE_SIZE = 1000
# How often one listing is read again from the start because envelopes left it mid-way.
MAX_REREADS = 3


def _count(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() else None


def _next_start(body: dict[str, Any], start: int, got: int, total: int | None) -> int | None:
    """Where the next page starts: DocuSign's `nextUri` (the same query with the next
    `start_position`), else the position after `endPosition`; None when this was the last."""
    if got == 0:
        return None
    next_uri = str(body.get("nextUri") or "")
    if next_uri:
        query = parse_qs(urlsplit(next_uri).query)
        position = _count((query.get("start_position") or [""])[0])
        if position is not None and position > start:
            return position
    if not next_uri and "nextUri" in body:
        return None  # DocuSign says this was the last page
    end = _count(body.get("endPosition"))
    following = end + 1 if end is not None and end >= start else start + got
    return following if total is not None and following < total else None


class DocuSignClient:
    """The calls of one connection, within one invocation's time budget.

    A create is retried only after looking the envelope up by its transactionId, so a create
    whose answer was lost is found, never made twice. `unsettled` holds the transaction ids of
    this container whose create ended without a known outcome: the next create with such an id
    looks before it posts.
    """

    def __init__(self, transport: Transport, unsettled: set[str] | None = None) -> None:
        self.transport = transport
        self._unsettled = unsettled if unsettled is not None else set()

    @property
    def calls(self) -> int:
        return self.transport.calls

    def create_envelope(
        self,
        definition: dict[str, Any],
        sources: list[DocumentSource],
        *,
        look_up_first: bool = False,
    ) -> dict[str, Any]:
        """Create (and usually send) an envelope; DocuSign's `envelopeSummary` comes back.

        With a `transactionId` in the definition, a create that fails without a clear refusal
        (server error, dropped connection, timeout) is looked up by that id before it is ever
        posted again; if DocuSign has it, its summary is returned as if the create had
        answered. A throttled create (429) was refused outright, so it is posted again after
        the wait DocuSign asks for, if the time budget allows. `look_up_first` looks before the
        first post (for a caller that knows an earlier attempt ended without an answer).
        """
        transaction_id = str(definition.get("transactionId") or "")

        def post() -> dict[str, Any]:
            response = self.transport.attempt(
                "POST",
                "/envelopes",
                body_factory=lambda: StreamingEnvelopeBody(definition, sources),
            )
            return json_body(response)

        if not transaction_id:
            # Nothing to find a lost envelope by: one attempt, never repeated.
            try:
                return post()
            except AttemptFailed as failure:
                raise failure.error from failure

        if look_up_first or transaction_id in self._unsettled:
            found = self.find_by_transaction_id(transaction_id)
            if found is not None:
                self._unsettled.discard(transaction_id)
                return found

        attempt = 0
        while True:
            attempt += 1
            try:
                summary = post()
            except AttemptFailed as failure:
                if failure.refused:
                    if self.transport.wait_before_retry(attempt, failure):
                        continue
                    raise failure.error from failure
                self._unsettled.add(transaction_id)
                # Wait first, then look: DocuSign gets time to finish what it may have begun.
                waited = not failure.timed_out and self.transport.wait_before_retry(
                    attempt, failure
                )
                found = self._find_after_failure(transaction_id, attempt, failure)
                if found is not None:
                    self._unsettled.discard(transaction_id)
                    return found
                if waited:
                    continue
                # Out of attempts or time; or it timed out, and DocuSign may still be creating
                # it, so posting again could make a second one.
                raise self._unknown_outcome(failure) from failure
            self._unsettled.discard(transaction_id)
            return summary

    def _find_after_failure(
        self, transaction_id: str, attempt: int, failure: AttemptFailed
    ) -> dict[str, Any] | None:
        """Look for the envelope of a create that failed. After a timeout, look again a few
        times (with backoff, within the time budget): DocuSign may finish the create late."""
        looks = 0
        while True:
            looks += 1
            try:
                found = self.find_by_transaction_id(transaction_id)
            except ConnectorError as exc:
                if isinstance(exc, Throttled):
                    raise
                raise self._unknown_outcome(failure) from exc
            if found is not None or not failure.timed_out:
                return found
            if not self.transport.wait_before_retry(
                attempt + looks - 1, AttemptFailed(failure.error)
            ):
                return None

    @staticmethod
    def _unknown_outcome(failure: AttemptFailed) -> ConnectorError:
        if isinstance(failure.error, Throttled):
            return failure.error
        return OutcomeUnknown(
            "DocuSign did not confirm the envelope and it could not be found yet; retry with "
            "the same Idempotency-Key to get the envelope without sending it twice",
            details=failure.error.details,
            headers={"Retry-After": "5"},
        )

    def find_by_transaction_id(self, transaction_id: str) -> dict[str, Any] | None:
        """The summary of the envelope created with this transactionId, or None.

        DocuSign's list-status-changes call accepts `transaction_ids` alone (no `from_date`);
        transaction ids are valid for 7 days.
        """
        response = self.transport.send(
            "GET", "/envelopes", params={"transaction_ids": transaction_id}
        )
        body = json_body(response)
        candidates: list[dict[str, Any]] = []
        for key in ("envelopes", "envelopeTransactionStatuses"):
            for entry in body.get(key) or []:
                if not isinstance(entry, dict) or not entry.get("envelopeId"):
                    continue
                # Trust only entries that name our id (when DocuSign includes it at all).
                if entry.get("transactionId") not in (None, transaction_id):
                    continue
                candidates.append(entry)
        if not candidates:
            return None
        entry = candidates[0]
        return {
            "envelopeId": str(entry["envelopeId"]),
            "status": str(entry.get("status") or "").lower() or None,
            "statusDateTime": entry.get("statusChangedDateTime")
            or entry.get("statusDateTime")
            or entry.get("sentDateTime")
            or entry.get("createdDateTime"),
            "transactionId": transaction_id,
        }

    def get_envelope(self, envelope_id: str, include: str = "recipients,custom_fields") -> dict:
        response = self.transport.send(
            "GET", f"/envelopes/{segment(envelope_id)}", params={"include": include}
        )
        return json_body(response)

    def void_envelope(self, envelope_id: str, reason: str) -> dict[str, Any]:
        try:
            response = self.transport.send(
                "PUT",
                f"/envelopes/{segment(envelope_id)}",
                json_body={"status": "voided", "voidedReason": reason},
            )
        except Conflict:
            if not self.transport.retried_unsettled:
                raise
            # An earlier attempt may have voided it before its answer was lost: if so, this
            # refusal is our own success.
            envelope = self.get_envelope(envelope_id, include="")
            if (
                str(envelope.get("status") or "").lower() != "voided"
                or envelope.get("voidedReason") != reason
            ):
                raise
            return {"envelopeId": envelope_id}
        return json_body(response)

    def list_documents(self, envelope_id: str) -> list[dict[str, Any]]:
        response = self.transport.send("GET", f"/envelopes/{segment(envelope_id)}/documents")
        documents = json_body(response).get("envelopeDocuments") or []
        return [d for d in documents if isinstance(d, dict)]

    @contextmanager
    def open_document(self, envelope_id: str, document_id: str) -> Iterator[requests.Response]:
        """Stream one document (or `certificate`, `combined`) as PDF bytes, or `archive` as a
        ZIP, asking for the type DocuSign's spec names for it."""
        accept = "application/zip" if document_id == "archive" else "application/pdf"
        response = self.transport.send(
            "GET",
            f"/envelopes/{segment(envelope_id)}/documents/{segment(document_id)}",
            stream=True,
            accept=accept,
        )
        try:
            yield response
        finally:
            response.close()

    def create_recipient_view(self, envelope_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Embedded signing URL (`recipientViewRequest`); each call makes a new one-time URL."""
        response = self.transport.send(
            "POST", f"/envelopes/{segment(envelope_id)}/views/recipient", json_body=request
        )
        return json_body(response)

    def create_sender_view(self, envelope_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Embedded sending / edit URL (`returnUrlRequest`)."""
        response = self.transport.send(
            "POST", f"/envelopes/{segment(envelope_id)}/views/sender", json_body=request
        )
        return json_body(response)

    def list_templates(self, params: dict[str, str]) -> dict[str, Any]:
        response = self.transport.send("GET", "/templates", params=params)
        return json_body(response)

    def get_template(self, template_id: str, include: str = "tabs") -> dict[str, Any]:
        """One template (`envelopeTemplate`) with its recipients; `include` adds tabs etc."""
        response = self.transport.send(
            "GET", f"/templates/{segment(template_id)}", params={"include": include}
        )
        return json_body(response)

    # -- Connect and status changes ----------------------------------------------------------

    def list_status_changes(
        self,
        from_date: str,
        *,
        to_date: str | None = None,
        include: str = "recipients,custom_fields",
        page_size: int = MAX_PAGE_SIZE,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every envelope of the account whose status changed between `from_date` and `to_date`
        (ISO 8601, UTC; `to_date` defaults to now), with DocuSign's `lastQueriedDateTime`.

        One query, paged: `to_date` is fixed for every page, so the set can only shrink (an
        envelope that changes again leaves the window; the next run's window holds it). When
        it shrinks, positions move and an envelope could be stepped over, so the listing is
        read again from the start, skipping envelopes already seen. Pages follow DocuSign's
        `nextUri` (else `endPosition`); at most 1,000 envelopes per call (DocuSign's cap).
        """
        fixed = {
            "from_date": from_date,
            "to_date": to_date or clock.iso(clock.now()),
            "from_to_status": "changed",
            "include": include,
            "count": str(max(1, min(page_size, MAX_PAGE_SIZE))),
        }
        envelopes: list[dict[str, Any]] = []
        seen: set[str] = set()
        last_queried: str | None = None
        known_total: int | None = None
        rereads = 0
        start = 0
        while True:
            params = {**fixed, "start_position": str(start)}
            body = json_body(self.transport.send("GET", "/envelopes", params=params))
            page = [e for e in body.get("envelopes") or [] if isinstance(e, dict)]
            for envelope in page:
                key = str(envelope.get("envelopeId") or "")
                if key not in seen:
                    seen.add(key)
                    envelopes.append(envelope)
            last_queried = str(body.get("lastQueriedDateTime") or "") or last_queried
            total = _count(body.get("totalSetSize"))
            if (
                start > 0
                and known_total is not None
                and total is not None
                and total < known_total
                and rereads < MAX_REREADS
            ):
                rereads += 1
                known_total, start = total, 0
                continue
            known_total = total if total is not None else known_total
            following = _next_start(body, start, len(page), known_total)
            if following is None:
                return envelopes, last_queried
            start = following

    def list_connect_configurations(self) -> list[dict[str, Any]]:
        """The account's Connect configurations (`connectCustomConfiguration`)."""
        body = json_body(self.transport.send("GET", "/connect"))
        return [c for c in body.get("configurations") or [] if isinstance(c, dict)]

    def create_connect_configuration(self, configuration: dict[str, Any]) -> dict[str, Any]:
        """Register a Connect configuration; not retried (a retry could make a second one)."""
        response = self.transport.send("POST", "/connect", json_body=configuration, retry=False)
        return json_body(response)

    def update_connect_configuration(self, configuration: dict[str, Any]) -> dict[str, Any]:
        """ConnectConfigurations:update (PUT /connect with its connectId in the body)."""
        response = self.transport.send("PUT", "/connect", json_body=configuration)
        return json_body(response)

    def get_account_settings(self) -> dict[str, Any]:
        """The account's settings (`accountSettingsInformation`: names to "true"/"false")."""
        return json_body(self.transport.send("GET", "/settings"))

    def list_identity_verification_workflows(self) -> list[dict[str, Any]]:
        """The account's ID verification workflows (IdentityVerifications:list,
        `accountIdentityVerificationWorkflow`: `workflowId`, `defaultName`, …)."""
        body = json_body(self.transport.send("GET", "/identity_verification"))
        workflows = body.get("identityVerification") or []
        return [w for w in workflows if isinstance(w, dict)]

    def find_users(self, email: str) -> list[dict[str, Any]]:
        """The account's users with this e-mail address (Users:list with `email`:
        `userInformationList.users[]`, each `userId`, `userName`, `email`, `userStatus`)."""
        body = json_body(self.transport.send("GET", "/users", params={"email": email}))
        return [u for u in body.get("users") or [] if isinstance(u, dict)]

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        """One user of the account (Users:get, `userInformation`); None when DocuSign does not
        know the id in this account."""
        try:
            response = self.transport.send("GET", f"/users/{segment(user_id)}")
        except NotFound:
            return None
        return json_body(response)
