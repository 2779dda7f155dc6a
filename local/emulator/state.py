"""Everything the emulator knows, in memory, behind one lock.

The envelope lifecycle (sending, routing order, signing, declining, voiding, expiry) lives here
so that the REST API, the control endpoints and the signing page all follow the same rules.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from cryptography.x509 import load_pem_x509_certificate

from . import workflow
from .dates import format_datetime, next_hour
from .errors import DocuSignError, envelope_not_found
from .faults import FaultSwitches

# Recipient lists of DocuSign's `recipients` object, with each list's `recipientType`.
RECIPIENT_KINDS: dict[str, str] = {
    "signers": "signer",
    "carbonCopies": "carboncopy",
    "certifiedDeliveries": "certifieddelivery",
    "agents": "agent",
    "editors": "editor",
    "intermediaries": "intermediary",
    "inPersonSigners": "inpersonsigner",
    "witnesses": "witness",
    "notaries": "notary",
    "seals": "seal",
}
# Carbon copies only receive a copy; every other kind has to act before routing moves on.
NOTIFY_ONLY_KINDS = frozenset({"carbonCopies"})
FINISHED_RECIPIENT_STATUSES = frozenset({"completed", "signed"})
VOIDABLE_STATUSES = frozenset({"sent", "delivered"})
ACTIVE_STATUSES = frozenset({"sent", "delivered"})

ENVELOPE_EVENTS = (
    "envelope-created",
    "envelope-sent",
    "envelope-resent",
    "envelope-delivered",
    "envelope-completed",
    "envelope-declined",
    "envelope-voided",
)
RECIPIENT_EVENTS = (
    "recipient-sent",
    "recipient-delivered",
    "recipient-completed",
    "recipient-declined",
    "recipient-resent",
    "recipient-autoresponded",
)
KNOWN_EVENTS = frozenset(ENVELOPE_EVENTS + RECIPIENT_EVENTS)
DEFAULT_CONNECT_INCLUDE_DATA = ("custom_fields", "recipients")

DEFAULT_HOURLY_LIMIT = 3000
DEFAULT_BURST_LIMIT = 500
BURST_WINDOW_SECONDS = 30
EXPIRED_VOID_REASON = "Envelope has expired."


def new_guid() -> str:
    return str(uuid.uuid4())


PHONE_AUTHENTICATION = "Phone Authentication"


def phone_authentication_workflow() -> dict[str, Any]:
    """The account's phone authentication workflow as IdentityVerifications:list shows it
    (`accountIdentityVerificationWorkflow`); DocuSign's code examples find it by this
    `defaultName`."""
    return {
        "workflowId": new_guid(),
        "defaultName": PHONE_AUTHENTICATION,
        "defaultDescription": "The recipient receives a one-time code by text message or call",
        "inputOptions": [
            {"optionName": "phone_number_list", "valueType": "PhoneNumberList", "isRequired": True}
        ],
    }


def id_verification_workflow(name: str = "DocuSign ID Verification") -> dict[str, Any]:
    """An ID verification workflow (a government photo ID) as IdentityVerifications:list shows
    it: an account with DocuSign's Identity Verification product has it; DocuSign's code
    example ("How to require ID verification (IDV) for a recipient") finds it by this
    `defaultName`. Not listed by a new account: add it to `identityVerification`."""
    return {
        "workflowId": new_guid(),
        "defaultName": name,
        "defaultDescription": "The recipient verifies a government-issued photo ID",
        "inputOptions": [],
    }


def routing_order_of(recipient: dict[str, Any]) -> int:
    return int(recipient.get("routingOrder") or 1)


def _load_public_key(pem: str) -> rsa.RSAPublicKey:
    data = pem.encode() if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        raise ValueError("expected the RSA public key (or certificate), not a private key")
    key: Any
    try:
        if b"CERTIFICATE" in data:
            key = load_pem_x509_certificate(data).public_key()
        else:
            key = load_pem_public_key(data)
    except ValueError as exc:
        raise ValueError("not a PEM public key or certificate") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the integration's public key must be an RSA key")
    return key


class EmulatorState:
    """In-memory DocuSign: integrations, users, accounts, tokens, envelopes, the request log.

    `clock` returns the current time (timezone-aware); `advance_clock()` moves it forward so
    that tests can expire tokens and envelopes without waiting.
    """

    def __init__(
        self, clock: Callable[[], datetime] | None = None, *, strict_types: bool = False
    ) -> None:
        self.lock = threading.RLock()
        # DocuSign reads a JSON number or boolean sent where its schema types a string as
        # its text; in strict mode the emulator refuses it instead (INVALID_REQUEST_BODY), so
        # that a client's tests catch it sending anything but DocuSign's documented types.
        self.strict_types = strict_types
        self._clock = clock or (lambda: datetime.now(UTC))
        self._clock_offset = timedelta()
        self.integrations: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.token_requests: defaultdict[str, int] = defaultdict(int)
        self.authorization_codes: dict[str, dict[str, Any]] = {}
        self.envelopes: dict[str, dict[str, Any]] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        # DocuSign's polling rule: one GET of an envelope resource per app per 15 minutes.
        self.polling_interval_seconds = 15 * 60
        self.last_envelope_gets: dict[tuple[str, str], datetime] = {}
        self.polling_violations: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.event_listeners: list[Callable[[dict[str, Any]], None]] = []
        self.rate_limits: dict[str, dict[str, Any]] = {}
        self.faults = FaultSwitches()
        self.view_tokens: dict[str, dict[str, Any]] = {}
        # Connect: configurations by id, every delivery made, account-level HMAC keys.
        self.connect_configs: dict[int, dict[str, Any]] = {}
        self.connect_deliveries: list[dict[str, Any]] = []
        self.connect_hmac_keys: dict[str, list[str]] = {}
        self.connect_timeout_seconds = 100.0
        self.connect_retry_seconds = 5.0
        self.connect_max_retries = 10
        self.connect_publisher: Any = None
        self.view_sessions: dict[str, dict[str, Any]] = {}
        self.hourly_limit = DEFAULT_HOURLY_LIMIT
        # listStatusChanges: at most this many envelopes per call (DocuSign: 1,000).
        self.list_page_cap = 1000
        self.burst_limit = DEFAULT_BURST_LIMIT
        # DocuSign's hourly window resets at the top of each hour. Tests and benchmarks may
        # shorten it (an emulator switch, not DocuSign behaviour): windows of this many seconds.
        self.rate_window_seconds: float | None = None
        # Account settings changed from DocuSign's defaults, per account (name -> "true"/"false").
        self.account_settings: dict[str, dict[str, str]] = {}
        # JWT grant rules: longest accepted assertion lifetime and tolerated clock skew.
        # DocuSign states no maximum; its own Python examples ask for 4,000 seconds.
        self.max_assertion_lifetime = 4000
        self.clock_skew_seconds = 60
        self.token_lifetime = 3600
        # Addresses whose mail bounces (lower-cased e-mail → the receiving system's reply),
        # and downloads an account setting refuses (documentId keyword → errorCode, message).
        self.bouncing_addresses: dict[str, str] = {}
        self.refused_downloads: dict[str, tuple[str, str]] = {}
        # A fault switch: these downloads answer these bytes (`/_emulator/download-overrides`).
        self.download_overrides: dict[str, tuple[bytes, str]] = {}
        # What the connector's callbacks delivered to /_emulator/callbacks (a test receiver).
        self.callbacks_received: list[dict[str, Any]] = []
        # Bulk Send (`bulk_send.py`): lists and batches by id; how many queued copies each REST
        # call of the account turns into envelopes (0 holds them); e-mails whose copy fails.
        self.bulk: dict[str, dict[str, dict[str, Any]]] = {"lists": {}, "batches": {}}
        self.bulk_send_step = 1000
        self.bulk_send_failing: set[str] = set()
        # Used when an account's base_uri is None and no request tells us our own address.
        self.base_url: str | None = None

    # ----------------------------------------------------------------- time

    def now(self) -> datetime:
        return self._clock() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        with self.lock:
            self._clock_offset += timedelta(seconds=seconds)

    def timestamp(self) -> str:
        return format_datetime(self.now())

    # ----------------------------------------------------- integrations, users

    def register_integration(
        self,
        integration_key: str,
        public_key_pem: str,
        user_id: str,
        *,
        user_name: str = "Demo Sender",
        user_email: str = "sender@example.com",
        accounts: list[dict[str, Any]] | None = None,
        consented: bool = True,
    ) -> None:
        """Register an integration key with its RSA public key and the user it may act as.

        Registering the same key again replaces it. `accounts` (each
        `{"account_id", "account_name", "is_default", "base_uri"}`) replaces the user's
        accounts; when omitted, a user that is new gets one default account with a fresh id.
        """
        public_key = _load_public_key(public_key_pem)
        with self.lock:
            user = self.users.get(user_id)
            if user is None:
                user = {
                    "user_id": user_id,
                    "created": self.timestamp(),
                    "accounts": [],
                }
                self.users[user_id] = user
            user["name"] = user_name
            user["email"] = user_email
            if accounts is None and not user["accounts"]:
                accounts = [
                    {
                        "account_id": new_guid(),
                        "account_name": "Demo Account",
                        "is_default": True,
                        "base_uri": None,
                    }
                ]
            if accounts is not None:
                memberships = []
                for index, account in enumerate(accounts):
                    account_id = str(account.get("account_id") or new_guid())
                    self.accounts[account_id] = {
                        "account_id": account_id,
                        "account_name": account.get("account_name") or f"Account {index + 1}",
                        "base_uri": account.get("base_uri"),
                        # The number DocuSign's web screens show; paths accept it too.
                        "account_number": str(
                            account.get("account_number")
                            or secrets.randbelow(90_000_000) + 10_000_000
                        ),
                        # IdentityVerifications:list. Phone authentication is enabled in
                        # DocuSign's developer environment, ID verification is not.
                        "identityVerification": [phone_authentication_workflow()],
                    }
                    memberships.append(
                        {"account_id": account_id, "is_default": bool(account.get("is_default"))}
                    )
                if memberships and not any(m["is_default"] for m in memberships):
                    memberships[0]["is_default"] = True
                user["accounts"] = memberships
            self.integrations[integration_key] = {
                "integration_key": integration_key,
                "public_key_pem": public_key_pem,
                "public_key": public_key,
                "user_id": user_id,
                "consented": bool(consented),
            }

    def set_account_notification(
        self, account_id: str, reminders: dict[str, str], expirations: dict[str, str]
    ) -> None:
        """The account's Reminders and Expiration settings (what `useAccountDefaults: "true"`
        applies); a new account has DocuSign's system defaults."""
        with self.lock:
            self.accounts[account_id]["notification"] = {
                "reminders": {k: str(v) for k, v in reminders.items()},
                "expirations": {k: str(v) for k, v in expirations.items()},
            }

    def set_consent(self, integration_key: str, consented: bool) -> None:
        with self.lock:
            self.integrations[integration_key]["consented"] = consented

    def user_accounts(self, user_id: str, base_url: str | None = None) -> list[dict[str, Any]]:
        """The user's accounts as /oauth/userinfo lists them."""
        with self.lock:
            user = self.users[user_id]
            own = (base_url or self.base_url or "").rstrip("/")
            listed = []
            for membership in user["accounts"]:
                account = self.accounts[membership["account_id"]]
                listed.append(
                    {
                        "account_id": account["account_id"],
                        "is_default": membership["is_default"],
                        "account_name": account["account_name"],
                        "base_uri": account["base_uri"] or own,
                    }
                )
            return listed

    def account_guid(self, account_id: str) -> str:
        """The account's GUID for an {accountId} path value: the GUID itself or the external
        account number (DocuSign's spec: "The external account number (int) or account ID
        GUID")."""
        if not account_id.isdigit():
            return account_id
        with self.lock:
            for account in self.accounts.values():
                if account.get("account_number") == account_id:
                    return str(account["account_id"])
        return account_id

    def user_belongs_to(self, user_id: str, account_id: str) -> bool:
        with self.lock:
            user = self.users.get(user_id)
            if user is None:
                return False
            return any(m["account_id"] == account_id for m in user["accounts"])

    # ------------------------------------------------------------------ tokens

    def issue_token(self, integration_key: str, user_id: str, scopes: list[str]) -> dict[str, Any]:
        with self.lock:
            token = secrets.token_urlsafe(48)
            record = {
                "access_token": token,
                "integration_key": integration_key,
                "user_id": user_id,
                "scopes": scopes,
                "expires_at": self.now() + timedelta(seconds=self.token_lifetime),
            }
            self.tokens[token] = record
            return record

    def token_record(self, token: str) -> dict[str, Any] | None:
        """The live token record, or None when unknown or expired."""
        with self.lock:
            record = self.tokens.get(token)
            if record is None or record["expires_at"] <= self.now():
                return None
            return record

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # ------------------------------------------------------------- request log

    def log_request(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(entry)

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    def note_envelope_get(self, integration_key: str, envelope_id: str, path: str) -> bool:
        """Record a GET of an envelope resource; True when it breaks the polling rule (the
        same resource fetched by the same app within the polling interval). DocuSign does not
        fail such calls, it flags them; so does the emulator."""
        with self.lock:
            now = self.now()
            key = (integration_key, path)
            previous = self.last_envelope_gets.get(key)
            self.last_envelope_gets[key] = now
            if previous is None:
                return False
            elapsed = (now - previous).total_seconds()
            if elapsed >= self.polling_interval_seconds:
                return False
            self.polling_violations.append(
                {
                    "integrationKey": integration_key,
                    "envelopeId": envelope_id,
                    "path": path,
                    "secondsSincePrevious": round(elapsed, 3),
                    "dateTime": format_datetime(now),
                }
            )
            return True

    # ----------------------------------------------------------------- Connect

    def add_connect_configuration(
        self,
        *,
        account_id: str,
        url: str,
        hmac_keys: list[str] | tuple[str, ...] = (),
        events: list[str] | tuple[str, ...] = (),
        include_documents: bool = False,
        include_data: list[str] | None = None,
        name: str = "",
        source: str = "emulator",
        user_ids: list[str] | None = None,
    ) -> dict[str, Any]:
        """Publish the account's events to `url` (Connect, JSON SIM). `events` empty means
        every event; `include_data` defaults to custom fields and recipients; `user_ids`,
        when given, limits it to envelopes those users send (`allUsers` false)."""
        unknown = [e for e in events if e not in KNOWN_EVENTS]
        if unknown:
            raise ValueError(f"unknown event(s): {', '.join(unknown)}")
        if not url.startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        with self.lock:
            configuration_id = 10_000 + len(self.connect_configs) + 1
            while configuration_id in self.connect_configs:
                configuration_id += 1
            config = {
                "configurationId": configuration_id,
                "accountId": account_id,
                "name": name or f"Connect {configuration_id}",
                "url": url,
                "hmacKeys": list(hmac_keys),
                "events": list(events),
                "includeDocuments": bool(include_documents),
                "includeData": list(
                    DEFAULT_CONNECT_INCLUDE_DATA if include_data is None else include_data
                ),
                "enabled": True,
                "source": source,
                "userIds": None if user_ids is None else [u.lower() for u in user_ids],
            }
            self.connect_configs[configuration_id] = config
            return config

    # ------------------------------------------------------------- rate limits

    def set_rate_limits(
        self,
        *,
        hourly_limit: int | None = None,
        burst_limit: int | None = None,
        window_seconds: float | None = None,
    ) -> None:
        """Quotas for every account; a window length other than an hour starts new windows."""
        with self.lock:
            if hourly_limit is not None:
                self.hourly_limit = hourly_limit
            if burst_limit is not None:
                self.burst_limit = burst_limit
            self.rate_window_seconds = window_seconds
            self.rate_limits.clear()

    def _next_reset(self, now: datetime) -> datetime:
        if not self.rate_window_seconds:
            return next_hour(now)
        window = self.rate_window_seconds
        start = now.timestamp() - now.timestamp() % window
        return datetime.fromtimestamp(start + window, UTC)

    def consume_rate(self, account_id: str, *, count: bool = True) -> dict[str, int]:
        """Count one API call for the account; return the counters the headers report."""
        with self.lock:
            now = self.now()
            bucket = self.rate_limits.setdefault(
                account_id, {"reset": self._next_reset(now), "used": 0, "burst": deque()}
            )
            if now >= bucket["reset"]:
                bucket["reset"] = self._next_reset(now)
                bucket["used"] = 0
            burst: deque[datetime] = bucket["burst"]
            while burst and (now - burst[0]).total_seconds() >= BURST_WINDOW_SECONDS:
                burst.popleft()
            exceeded = ""
            if bucket["used"] >= self.hourly_limit:
                exceeded = "hourly"
            elif len(burst) >= self.burst_limit:
                exceeded = "burst"
            elif count:
                bucket["used"] += 1
                burst.append(now)
            return {
                "limit": self.hourly_limit,
                "remaining": max(self.hourly_limit - bucket["used"], 0),
                "reset": int(bucket["reset"].timestamp()),
                "burst_limit": self.burst_limit,
                "burst_remaining": max(self.burst_limit - len(burst), 0),
                "exceeded": exceeded,
            }

    # --------------------------------------------------------------- envelopes

    def emit(self, event: str, envelope: dict[str, Any], recipient_id: str | None = None) -> None:
        """Record a Connect-style event (`envelope-sent`, `recipient-completed`, …)."""
        record = {
            "event": event,
            "accountId": envelope["accountId"],
            "envelopeId": envelope["envelopeId"],
            "userId": envelope["sender"]["userId"],
            "recipientId": recipient_id,
            "envelopeStatus": envelope["status"],
            "generatedDateTime": self.timestamp(),
        }
        self.events.append(record)
        for listener in list(self.event_listeners):
            listener(record)

    def get_envelope(self, account_id: str | None, envelope_id: str) -> dict[str, Any]:
        """The envelope record, after applying any expiry that is due; 404 when unknown or when
        it belongs to another account."""
        with self.lock:
            envelope = self.envelopes.get(envelope_id)
            if envelope is None or (account_id is not None and envelope["accountId"] != account_id):
                raise envelope_not_found()
            self._apply_expiry(envelope)
            if workflow.countdown_due(envelope, self.now()):
                self._advance_routing(envelope)  # a scheduled send or a delay has run out
            return envelope

    def find_by_transaction_id(self, account_id: str, transaction_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                e
                for e in self.envelopes.values()
                if e["accountId"] == account_id and e.get("transactionId") == transaction_id
            ]

    def iter_recipients(self, envelope: dict[str, Any]):
        for kind in RECIPIENT_KINDS:
            yield from envelope["recipients"].get(kind, [])

    def find_recipient(self, envelope: dict[str, Any], recipient_id: str) -> dict[str, Any]:
        for recipient in self.iter_recipients(envelope):
            if recipient["recipientId"] == str(recipient_id):
                return recipient
        raise DocuSignError(
            400,
            "UNKNOWN_ENVELOPE_RECIPIENT",
            "The recipient you have identified is not a valid recipient of the specified envelope.",
        )

    def add_envelope(self, envelope: dict[str, Any]) -> dict[str, Any]:
        """Store a new envelope record built by the REST layer and start it if it is sent."""
        with self.lock:
            now = self.timestamp()
            envelope["createdDateTime"] = now
            envelope["lastModifiedDateTime"] = now
            envelope["statusChangedDateTime"] = now
            envelope["history"] = [{"status": "created", "dateTime": now}]
            self.envelopes[envelope["envelopeId"]] = envelope
            self.emit("envelope-created", envelope)
            if envelope["status"] == "sent":
                envelope["status"] = "created"
                self.send(envelope)
            return envelope

    def _set_status(self, envelope: dict[str, Any], status: str, when: str | None = None) -> None:
        when = when or self.timestamp()
        envelope["status"] = status
        envelope["statusChangedDateTime"] = when
        envelope["lastModifiedDateTime"] = when
        envelope["history"].append({"status": status, "dateTime": when})

    def send(self, envelope: dict[str, Any]) -> None:
        """Send a draft: stamp the sent dates and notify the first routing order."""
        with self.lock:
            now = self.timestamp()
            envelope["sentDateTime"] = now
            envelope.setdefault("initialSentDateTime", now)
            expirations = (envelope.get("notification") or {}).get("expirations") or {}
            if str(expirations.get("expireEnabled", "")).lower() == "true":
                days = int(expirations.get("expireAfter") or 0)
                expire_at = self.now() + timedelta(days=days)
                envelope["expireDateTime"] = format_datetime(expire_at)
            self._set_status(envelope, "sent", now)
            self.emit("envelope-sent", envelope)
            self._advance_routing(envelope)

    def _advance_routing(self, envelope: dict[str, Any]) -> None:
        now = self.timestamp()
        pending_orders = sorted(
            {
                routing_order_of(r)
                for kind, members in envelope["recipients"].items()
                if kind in RECIPIENT_KINDS and kind not in NOTIFY_ONLY_KINDS
                for r in members
                if r["status"] not in FINISHED_RECIPIENT_STATUSES
            }
        )
        current = pending_orders[0] if pending_orders else None
        if current is not None and envelope["status"] in ACTIVE_STATUSES:
            first_step = all(r["status"] == "created" for r in self.iter_recipients(envelope))
            if workflow.holds(envelope, current, first_step, self.now()):
                # Paused, or a scheduled send or routing delay counting down (workflow.py).
                envelope["recipients"]["currentRoutingOrder"] = str(current)
                return
        for recipient in self.iter_recipients(envelope):
            reached = current is None or routing_order_of(recipient) <= current
            if reached and recipient["status"] == "created":
                recipient["status"] = "sent"
                recipient["sentDateTime"] = now
                self.emit("recipient-sent", envelope, recipient["recipientId"])
                self.bounce_if_undeliverable(envelope, recipient)
        if current is not None:
            envelope["recipients"]["currentRoutingOrder"] = str(current)
            return
        # Everyone who had to act has acted: the envelope is complete.
        for recipient in envelope["recipients"].get("carbonCopies", []):
            if recipient["status"] == "sent":
                recipient["status"] = "completed"
                self.emit("recipient-completed", envelope, recipient["recipientId"])
        if envelope["status"] == "sent":
            envelope["deliveredDateTime"] = envelope.get("deliveredDateTime") or now
            self._set_status(envelope, "delivered", now)
            self.emit("envelope-delivered", envelope)
        envelope["completedDateTime"] = now
        self._set_status(envelope, "completed", now)
        self.emit("envelope-completed", envelope)

    def continue_routing(self, envelope: dict[str, Any]) -> None:
        """Send the recipients whose turn it is now (after a paused workflow is resumed)."""
        with self.lock:
            self._advance_routing(envelope)

    def bounce_if_undeliverable(self, envelope: dict[str, Any], recipient: dict[str, Any]) -> None:
        """Mail to a bouncing address comes back: the recipient becomes `autoresponded`, with
        the receiving system's reply as `autoRespondedReason`; the envelope stays as it is."""
        reason = self.bouncing_addresses.get(str(recipient.get("email") or "").lower())
        if reason is None or recipient["status"] not in ("sent", "autoresponded"):
            return
        recipient["status"] = "autoresponded"
        recipient["autoRespondedReason"] = reason
        envelope["lastModifiedDateTime"] = self.timestamp()
        self.emit("recipient-autoresponded", envelope, recipient["recipientId"])

    def resend_to(self, envelope: dict[str, Any], recipient: dict[str, Any]) -> None:
        """The notification e-mail goes out again to a recipient whose turn it is."""
        if recipient["status"] not in ("sent", "delivered", "autoresponded"):
            return
        if recipient["status"] == "autoresponded":
            recipient["status"] = "sent"
            recipient.pop("autoRespondedReason", None)
        recipient["sentDateTime"] = self.timestamp()
        self.emit("recipient-resent", envelope, recipient["recipientId"])
        self.bounce_if_undeliverable(envelope, recipient)

    def _require_active(self, envelope: dict[str, Any]) -> None:
        if envelope["status"] not in ACTIVE_STATUSES:
            raise DocuSignError(
                400,
                "ENVELOPE_INVALID_STATUS",
                "Invalid envelope status. Envelope status is not one of: Sent, Delivered. "
                f"Envelope status is {envelope['status']}.",
            )

    def _require_turn(self, envelope: dict[str, Any], recipient: dict[str, Any]) -> None:
        if recipient["_kind"] in NOTIFY_ONLY_KINDS:
            raise DocuSignError(
                400,
                "INVALID_RECIPIENT_TYPE",
                "A carbon copy recipient has nothing to sign.",
            )
        if recipient["status"] == "created":
            raise DocuSignError(
                400,
                "RECIPIENT_NOT_IN_SEQUENCE",
                "The token for an out of sequence recipient can not be generated.",
            )
        if recipient["status"] not in ("sent", "delivered"):
            raise DocuSignError(
                400,
                "RECIPIENT_ALREADY_COMPLETED",
                f"Recipient {recipient['recipientId']} is already {recipient['status']}.",
            )

    def mark_delivered(self, envelope_id: str, recipient_id: str) -> dict[str, Any]:
        """A recipient opened the envelope (the signing page)."""
        with self.lock:
            envelope = self.get_envelope(None, envelope_id)
            self._require_active(envelope)
            recipient = self.find_recipient(envelope, recipient_id)
            self._require_turn(envelope, recipient)
            self._deliver(envelope, recipient)
            return envelope

    def _deliver(self, envelope: dict[str, Any], recipient: dict[str, Any]) -> None:
        if recipient["status"] != "sent":
            return
        now = self.timestamp()
        recipient["status"] = "delivered"
        recipient["deliveredDateTime"] = now
        self.emit("recipient-delivered", envelope, recipient["recipientId"])
        acting = [r for r in self.iter_recipients(envelope) if r["_kind"] not in NOTIFY_ONLY_KINDS]
        if envelope["status"] == "sent" and all(
            r["status"] in ("delivered", *FINISHED_RECIPIENT_STATUSES) for r in acting
        ):
            envelope["deliveredDateTime"] = now
            self._set_status(envelope, "delivered", now)
            self.emit("envelope-delivered", envelope)

    def sign(self, envelope_id: str, recipient_id: str) -> dict[str, Any]:
        """The recipient signs (or otherwise completes their action) now."""
        with self.lock:
            envelope = self.get_envelope(None, envelope_id)
            self._require_active(envelope)
            recipient = self.find_recipient(envelope, recipient_id)
            self._require_turn(envelope, recipient)
            self._deliver(envelope, recipient)
            recipient["status"] = "completed"
            recipient["signedDateTime"] = self.timestamp()
            envelope["lastModifiedDateTime"] = recipient["signedDateTime"]
            self.emit("recipient-completed", envelope, recipient["recipientId"])
            self._advance_routing(envelope)
            return envelope

    def decline(self, envelope_id: str, recipient_id: str, reason: str) -> dict[str, Any]:
        with self.lock:
            envelope = self.get_envelope(None, envelope_id)
            self._require_active(envelope)
            recipient = self.find_recipient(envelope, recipient_id)
            self._require_turn(envelope, recipient)
            now = self.timestamp()
            recipient["status"] = "declined"
            recipient["declinedDateTime"] = now
            recipient["declinedReason"] = reason
            self.emit("recipient-declined", envelope, recipient["recipientId"])
            envelope["declinedDateTime"] = now
            self._set_status(envelope, "declined", now)
            self.emit("envelope-declined", envelope)
            return envelope

    def complete(self, envelope_id: str) -> dict[str, Any]:
        """Every remaining recipient signs, in routing order."""
        with self.lock:
            envelope = self.get_envelope(None, envelope_id)
            self._require_active(envelope)
            while envelope["status"] in ACTIVE_STATUSES:
                current = [
                    r
                    for r in self.iter_recipients(envelope)
                    if r["_kind"] not in NOTIFY_ONLY_KINDS and r["status"] in ("sent", "delivered")
                ]
                if not current:
                    break
                for recipient in current:
                    self.sign(envelope_id, recipient["recipientId"])
            return envelope

    def void(self, envelope: dict[str, Any], reason: str, when: str | None = None) -> None:
        with self.lock:
            if envelope["status"] not in VOIDABLE_STATUSES:
                raise DocuSignError(
                    400,
                    "ENVELOPE_CANNOT_VOID_INVALID_STATE",
                    "Only envelopes in the 'Sent' or 'Delivered' states may be voided.",
                )
            when = when or self.timestamp()
            envelope["voidedDateTime"] = when
            envelope["voidedReason"] = reason
            self._set_status(envelope, "voided", when)
            self.emit("envelope-voided", envelope)

    def _apply_expiry(self, envelope: dict[str, Any]) -> None:
        expire_at = envelope.get("expireDateTime")
        if (
            expire_at
            and envelope["status"] in VOIDABLE_STATUSES
            and expire_at <= format_datetime(self.now())
        ):
            self.void(envelope, EXPIRED_VOID_REASON, when=expire_at)
