"""DocuSign Connect: JSON SIM messages posted to listeners, signed with HMAC, retried.

Configurations are per account. Each envelope or recipient event of the account that a
configuration subscribes to becomes one message (SIM: "send individual messages"), built when
the event happens, posted from a background thread in order, with one
`X-DocuSign-Signature-N` header per HMAC key (base64 HMAC-SHA256 of the raw body). A failed
delivery (no 2xx, or no answer in time) is retried after `state.connect_retry_seconds`, up to
`state.connect_max_retries` times, with `retryCount` telling the listener which attempt it is.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
from typing import Any

import requests
from flask import current_app, jsonify

from . import documents as docs
from . import rest
from .errors import DocuSignError, invalid_parameter, invalid_request_body
from .rest import render_envelope
from .state import EmulatorState


def sign_body(body: bytes, keys: list[str]) -> dict[str, str]:
    headers = {}
    for index, key in enumerate(keys, start=1):
        digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
        headers[f"X-DocuSign-Signature-{index}"] = base64.b64encode(digest).decode()
    return headers


def envelope_summary(
    envelope: dict[str, Any], include_data: list[str], include_documents: bool
) -> dict[str, Any]:
    include = set(include_data)
    if include_documents:
        include.add("documents")
    summary = render_envelope(envelope, include)
    if include_documents:
        for entry in summary.get("envelopeDocuments", []):
            if entry["documentId"] == "certificate":
                content = docs.certificate_pdf(envelope)
            else:
                document = next(
                    d for d in envelope["documents"] if d["documentId"] == entry["documentId"]
                )
                content = docs.document_pdf(envelope, document)
            entry["PDFBytes"] = base64.b64encode(content).decode()
    return summary


class ConnectPublisher:
    """Turns state events into deliveries and posts them from one background thread."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._condition = threading.Condition()
        self._due: list[tuple[float, int, dict[str, Any]]] = []
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._session = requests.Session()
        state.event_listeners.append(self.on_event)

    # Called by the state, under its lock, as each event happens.
    def on_event(self, event: dict[str, Any]) -> None:
        st = self.state
        envelope = st.envelopes[event["envelopeId"]]
        targets = [
            config
            for config in st.connect_configs.values()
            if config["accountId"] == event["accountId"]
            and config["enabled"]
            and (not config["events"] or event["event"] in config["events"])
            # allUsers false: the envelopes of the configuration's users only
            and (
                config.get("userIds") is None
                or str(envelope["sender"]["userId"]).lower() in config["userIds"]
            )
        ]
        # An envelope-level subscription (eventNotification in createEnvelope).
        subscription = envelope.get("eventNotification")
        if subscription and event["event"] in subscription["events"]:
            keys = st.connect_hmac_keys.get(event["accountId"], [])
            targets.append(
                {
                    "configurationId": 0,
                    "url": subscription["url"],
                    "hmacKeys": keys if subscription["includeHMAC"] else [],
                    "includeData": subscription["includeData"],
                    "includeDocuments": subscription["includeDocuments"],
                }
            )
        for config in targets:
            self._enqueue(event, envelope, config)

    def redeliver(self, delivery_id: int) -> dict[str, Any] | None:
        """Send an earlier message again, byte for byte the same (a duplicate delivery)."""
        st = self.state
        with st.lock:
            original = next(
                (d for d in st.connect_deliveries if d["deliveryId"] == delivery_id), None
            )
            if original is None:
                return None
            copy = {
                **original,
                "deliveryId": len(st.connect_deliveries) + 1,
                "status": "pending",
                "attempts": [],
                "redeliveryOf": delivery_id,
                "_fixedRetryCount": original["retryCount"],
            }
            st.connect_deliveries.append(copy)
        self._schedule(copy, 0.0)
        return copy

    def _enqueue(
        self, event: dict[str, Any], envelope: dict[str, Any], config: dict[str, Any]
    ) -> None:
        st = self.state
        data: dict[str, Any] = {
            "accountId": event["accountId"],
            "userId": event["userId"],
            "envelopeId": event["envelopeId"],
        }
        if event.get("recipientId"):
            data["recipientId"] = event["recipientId"]
        data["envelopeSummary"] = envelope_summary(
            envelope, config["includeData"], config["includeDocuments"]
        )
        delivery = {
            "deliveryId": len(st.connect_deliveries) + 1,
            "configurationId": config["configurationId"],
            "url": config["url"],
            "event": event["event"],
            "envelopeId": event["envelopeId"],
            "recipientId": event.get("recipientId"),
            "status": "pending",
            "retryCount": 0,
            "attempts": [],
            "_message": {
                "event": event["event"],
                "apiVersion": "v2.1",
                "uri": f"/restapi/v2.1/accounts/{event['accountId']}/envelopes/"
                f"{event['envelopeId']}",
                "retryCount": 0,
                "configurationId": config["configurationId"],
                "generatedDateTime": event["generatedDateTime"],
                "data": data,
            },
            "_keys": list(config["hmacKeys"]),
        }
        st.connect_deliveries.append(delivery)
        self._schedule(delivery, 0.0)

    def _schedule(self, delivery: dict[str, Any], delay: float) -> None:
        with self._condition:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._sequence), delivery))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="docusign-emulator-connect", daemon=True
                )
                self._thread.start()
            self._condition.notify()

    def retry_now(self) -> int:
        """Retry every delivery waiting for its next attempt, now (like "Republish")."""
        with self._condition:
            waiting = [entry[2] for entry in self._due]
            self._due = [(0.0, next(self._sequence), d) for d in waiting]
            heapq.heapify(self._due)
            self._condition.notify()
            return len(waiting)

    def stop(self) -> None:
        """Stop publishing: the thread ends and this publisher no longer hears events."""
        with self.state.lock:
            if self.on_event in self.state.event_listeners:
                self.state.event_listeners.remove(self.on_event)
            if self.state.connect_publisher is self:
                self.state.connect_publisher = None
        with self._condition:
            self._stopped = True
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and (not self._due or self._due[0][0] > time.monotonic()):
                    timeout = self._due[0][0] - time.monotonic() if self._due else None
                    self._condition.wait(timeout)
                if self._stopped:
                    return
                _, _, delivery = heapq.heappop(self._due)
            try:
                self._attempt(delivery)
            except Exception as exc:  # keep publishing whatever one delivery does
                with self.state.lock:
                    delivery["status"] = "failed"
                    delivery["attempts"].append({"error": f"{type(exc).__name__}: {exc}"})

    def _attempt(self, delivery: dict[str, Any]) -> None:
        st = self.state
        with st.lock:
            message = dict(delivery["_message"], retryCount=delivery["retryCount"])
            if "_fixedRetryCount" in delivery:
                message["retryCount"] = delivery["_fixedRetryCount"]
            body = json.dumps(message, separators=(",", ":")).encode("utf-8")
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-DocuSign-AccountId": message["data"]["accountId"],
                "X-Authorization-Digest": "HMACSHA256",
                **sign_body(body, delivery["_keys"]),
            }
            timeout = st.connect_timeout_seconds
        attempt: dict[str, Any] = {"dateTime": st.timestamp(), "retryCount": message["retryCount"]}
        try:
            response = self._session.post(
                delivery["url"], data=body, headers=headers, timeout=timeout
            )
            attempt["status"] = response.status_code
            succeeded = 200 <= response.status_code < 300
        except requests.RequestException as exc:
            attempt["error"] = type(exc).__name__
            succeeded = False
        with st.lock:
            delivery["attempts"].append(attempt)
            if succeeded:
                delivery["status"] = "delivered"
                return
            if delivery["retryCount"] >= st.connect_max_retries:
                delivery["status"] = "failed"
                return
            delivery.pop("_fixedRetryCount", None)
            delivery["retryCount"] += 1
            delivery["status"] = "retrying"
            delay = st.connect_retry_seconds
        self._schedule(delivery, delay)


def ensure_publisher(state: EmulatorState) -> ConnectPublisher:
    with state.lock:
        publisher = getattr(state, "connect_publisher", None)
        if publisher is None:
            publisher = ConnectPublisher(state)
            state.connect_publisher = publisher
        return publisher


def add_configuration(state: EmulatorState, **kwargs: Any) -> dict[str, Any]:
    """See `EmulatorState.add_connect_configuration`."""
    return state.add_connect_configuration(**kwargs)


def describe(config: dict[str, Any]) -> dict[str, Any]:
    """A configuration as the control endpoints show it (keys are not echoed)."""
    out = {k: v for k, v in config.items() if k != "hmacKeys"}
    out["hmacKeyCount"] = len(config["hmacKeys"])
    return out


def describe_delivery(delivery: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in delivery.items() if not k.startswith("_")}


# ------------------------------------------------- DocuSign's own Connect API


def render_configuration(config: dict[str, Any]) -> dict[str, Any]:
    """A configuration as DocuSign's `connectCustomConfiguration`."""
    return {
        "connectId": str(config["configurationId"]),
        "configurationType": "custom",
        "name": config["name"],
        "urlToPublishTo": config["url"],
        "allUsers": "true" if config.get("userIds") is None else "false",
        **({} if config.get("userIds") is None else {"userIds": list(config["userIds"])}),
        "allowEnvelopePublish": "true" if config["enabled"] else "false",
        "enableLog": "true",
        "deliveryMode": "SIM",
        "requiresAcknowledgement": "true",
        "includeHMAC": "true" if config["hmacKeys"] else "false",
        "includeDocuments": "true" if config["includeDocuments"] else "false",
        "events": list(config["events"]),
        "eventData": {
            "version": "restv2.1",
            "format": "json",
            "includeData": list(config["includeData"]),
        },
    }


def _state() -> EmulatorState:
    return current_app.config["EMULATOR_STATE"]


def _own_configuration(account_id: str, connect_id: str) -> dict[str, Any]:
    st = _state()
    config = st.connect_configs.get(int(connect_id)) if connect_id.isdigit() else None
    if config is None or config["accountId"] != account_id:
        raise DocuSignError(
            404, "CONNECT_CONFIGURATION_NOT_FOUND", "The Connect configuration was not found."
        )
    return config


def _user_ids(body: dict[str, Any]) -> list[str] | None:
    """`allUsers` "false" with `userIds`: only those users' envelopes (spec,
    connectCustomConfiguration: `userIds` "sets the users associated with the tracked envelope
    and recipient events", and "If allUsers is set to false then you must provide a list of
    user ids"; `allUsers` true: "the tracked envelope and recipient events for all users")."""
    if str(body.get("allUsers", "true")).lower() != "false":
        return None
    ids = body.get("userIds")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise invalid_parameter("With allUsers false, userIds must list the users' GUIDs.")
    return ids


@rest.bp.post("/connect")
def create_connect_configuration(account_id: str):
    body = rest.json_body()
    if not isinstance(body, dict):
        raise invalid_request_body("The body must be a JSON object (connectCustomConfiguration).")
    rest.check_body("connectCustomConfiguration", body)
    url = (body.get("urlToPublishTo") or "").strip()
    if not url:
        raise invalid_parameter("A value for 'urlToPublishTo' must be specified.")
    event_data = body.get("eventData") or {}
    include_data = list(event_data.get("includeData") or [])
    st = _state()
    keys = st.connect_hmac_keys.get(account_id, []) if rest._true(body.get("includeHMAC")) else []
    try:
        config = add_configuration(
            st,
            account_id=account_id,
            url=url,
            hmac_keys=keys,
            events=list(body.get("events") or []),
            include_documents=rest._true(body.get("includeDocuments")),
            include_data=include_data,
            name=body.get("name") or "",
            source="api",
            user_ids=_user_ids(body),
        )
    except ValueError as exc:
        raise invalid_parameter(str(exc)) from exc
    if str(body.get("allowEnvelopePublish", "true")).lower() == "false":
        config["enabled"] = False
    return jsonify(render_configuration(config)), 201


@rest.bp.put("/connect")
def update_connect_configuration(account_id: str):
    """ConnectConfigurations:update: the body is the configuration with its `connectId`; the
    emulator applies its users, events, URL and publishing switch."""
    body = rest.json_body()
    if not isinstance(body, dict) or not str(body.get("connectId") or "").isdigit():
        raise invalid_parameter("The body must be a connectCustomConfiguration with connectId.")
    rest.check_body("connectCustomConfiguration", body)
    st = _state()
    with st.lock:
        config = _own_configuration(account_id, str(body["connectId"]))
        config["userIds"] = (
            None if _user_ids(body) is None else [u.lower() for u in body["userIds"]]
        )
        if body.get("urlToPublishTo"):
            config["url"] = str(body["urlToPublishTo"]).strip()
        if isinstance(body.get("events"), list):
            config["events"] = list(body["events"])
        if "allowEnvelopePublish" in body:
            config["enabled"] = str(body["allowEnvelopePublish"]).lower() != "false"
        return jsonify(render_configuration(config))


@rest.bp.get("/connect")
def list_connect_configurations(account_id: str):
    st = _state()
    with st.lock:
        mine = [c for c in st.connect_configs.values() if c["accountId"] == account_id]
        return jsonify(
            {
                "configurations": [render_configuration(c) for c in mine],
                "totalRecords": str(len(mine)),
            }
        )


@rest.bp.get("/connect/<connect_id>")
def get_connect_configuration(account_id: str, connect_id: str):
    with _state().lock:
        config = _own_configuration(account_id, connect_id)
        return jsonify({"configurations": [render_configuration(config)], "totalRecords": "1"})


@rest.bp.delete("/connect/<connect_id>")
def delete_connect_configuration(account_id: str, connect_id: str):
    st = _state()
    with st.lock:
        config = _own_configuration(account_id, connect_id)
        st.connect_configs.pop(config["configurationId"], None)
    return "", 200


@rest.bp.put("/connect/envelopes/<envelope_id>/retry_queue")
def republish_envelope(account_id: str, envelope_id: str):
    """Republish the envelope's latest envelope event to the account's configurations."""
    st = _state()
    publisher = ensure_publisher(st)
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        latest = next(
            (
                e
                for e in reversed(st.events)
                if e["envelopeId"] == envelope_id and e["event"].startswith("envelope-")
            ),
            None,
        )
        results = []
        configs = [c for c in st.connect_configs.values() if c["accountId"] == account_id]
        if latest is not None:
            republished = dict(latest, generatedDateTime=st.timestamp())
            for config in configs:
                if config["enabled"] and (
                    not config["events"] or republished["event"] in config["events"]
                ):
                    publisher._enqueue(republished, envelope, config)
                    results.append(
                        {
                            "envelopeId": envelope_id,
                            "configId": str(config["configurationId"]),
                            "configUrl": config["url"],
                            "status": "Success",
                            "statusMessage": f"Republished {republished['event']}",
                        }
                    )
    return jsonify({"retryQueue": results})
