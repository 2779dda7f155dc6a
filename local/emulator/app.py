"""The Flask application: DocuSign's OAuth and eSignature REST endpoints plus `/_emulator/`."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from . import account_features as _account_features  # noqa: F401  (brands, IDV, gateways)
from . import aftersend as _aftersend  # noqa: F401  (adds its routes to rest.bp, control.bp)
from . import bulk_batches as _bulk_batches  # noqa: F401  (Bulk Send lists, batches)
from . import connect, control, oauth, rest, ui, views
from . import docgen as _docgen  # noqa: F401  (DocGen form fields, the recycle bin)
from . import envelope_workflow as _envelope_workflow  # noqa: F401  (workflow routes)
from . import templates as _templates  # noqa: F401  (adds the template routes to rest.bp)
from . import users as _users  # noqa: F401  (Users:list and Users:get)
from .errors import DocuSignError, OAuthError
from .faults import ENVIRON_KEY, DropAfterCommit
from .state import EmulatorState

REST_PREFIX = "/restapi/"
CONTROL_PREFIX = "/_emulator/"
SERVICE_UNAVAILABLE_PAGE = (
    "<!DOCTYPE html><html><head><title>Service Unavailable</title></head>"
    "<body><h1>Service Unavailable</h1><p>The service is temporarily unavailable. "
    "Please try again later.</p></body></html>"
)


def _is_rest() -> bool:
    return request.path.startswith(REST_PREFIX)


def _path_account_id() -> str:
    """The {accountId} of a /restapi/v2.1/accounts/{accountId}/… path, if any."""
    parts = request.path.split("/")
    return parts[4] if len(parts) > 4 and parts[3] == "accounts" else ""


def _logged_headers() -> dict[str, str]:
    headers = {}
    for name, value in request.headers.items():
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if value else ""
            value = f"{scheme} ***" if scheme else "***"
        headers[name] = value
    return headers


def create_app(state: EmulatorState | None = None) -> Flask:
    app = Flask(__name__)
    app.config["EMULATOR_STATE"] = state = state or EmulatorState()
    connect.ensure_publisher(state)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.register_blueprint(oauth.bp)
    app.register_blueprint(rest.bp)
    app.register_blueprint(control.bp)
    app.register_blueprint(views.pages)
    app.register_blueprint(ui.bp)

    app.wsgi_app = DropAfterCommit(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def inject_fault() -> ResponseReturnValue | None:
        if request.path.startswith(CONTROL_PREFIX):
            return None
        st: EmulatorState = app.config["EMULATOR_STATE"]
        fault = st.faults.take(request.method, request.path)
        if fault is None:
            return None
        request.environ[ENVIRON_KEY] = fault
        g.fault = fault
        kind = fault["kind"]
        if kind == "latency":
            time.sleep(float(fault["latencySeconds"] or 0))
        elif kind == "429":
            return jsonify(
                {
                    "errorCode": "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
                    "message": "The maximum number of hourly API invocations has been exceeded",
                }
            ), 429
        elif kind == "burst_429":
            return jsonify(
                {
                    "errorCode": "BURST_APIINVOCATION_LIMIT_EXCEEDED",
                    "message": "The maximum number of burst API invocations has been exceeded",
                }
            ), 429
        elif kind == "polling_limit":
            return jsonify(
                {
                    "errorCode": "HOURLY_ENVELOPE_POLLING_LIMIT_EXCEEDED",
                    "message": "The maximum number of hourly polling requests for this envelope "
                    "has been exceeded",
                }
            ), 400
        elif kind == "500":
            return jsonify(
                {"errorCode": "UNSPECIFIED_ERROR", "message": "An unexpected error occurred."}
            ), 500
        elif kind == "503":
            return SERVICE_UNAVAILABLE_PAGE, 503, {"Content-Type": "text/html; charset=utf-8"}
        return None

    @app.errorhandler(DocuSignError)
    def docusign_error(error: DocuSignError):
        return jsonify(error.body()), error.status

    @app.errorhandler(OAuthError)
    def oauth_error(error: OAuthError):
        return jsonify(error.body()), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if request.path.startswith("/oauth/"):
            return jsonify({"error": "invalid_request", "error_description": error.name}), status
        if status == 404:
            body = {
                "errorCode": "RESOURCE_NOT_FOUND",
                "message": "The URL provided does not resolve to a resource.",
            }
        elif status == 405:
            body = {
                "errorCode": "INVALID_REQUEST_METHOD",
                "message": f"The request method {request.method} is not supported here.",
            }
        else:
            body = {"errorCode": "UNSPECIFIED_ERROR", "message": error.description or error.name}
        return jsonify(body), status

    @app.after_request
    def decorate_and_log(response: Response) -> Response:
        st: EmulatorState = app.config["EMULATOR_STATE"]
        fault = g.get("fault")
        if _is_rest() or response.status_code == 429:
            account_id = g.get("rest_account_id") or _path_account_id()
            rate = g.get("rate") or st.consume_rate(account_id, count=False)
            fault_kind = fault["kind"] if fault else ""
            hourly_out = rate["exceeded"] == "hourly" or fault_kind == "429"
            burst_out = rate["exceeded"] == "burst" or fault_kind == "burst_429"
            response.headers["X-RateLimit-Limit"] = str(rate["limit"])
            response.headers["X-RateLimit-Remaining"] = str(0 if hourly_out else rate["remaining"])
            response.headers["X-RateLimit-Reset"] = str(rate["reset"])
            response.headers["X-BurstLimit-Limit"] = str(rate["burst_limit"])
            response.headers["X-BurstLimit-Remaining"] = str(
                0 if burst_out else rate["burst_remaining"]
            )
            response.headers["X-DocuSign-TraceToken"] = str(uuid.uuid4())
            # No Retry-After: DocuSign documents only these headers for its 429s.
        if not request.path.startswith(CONTROL_PREFIX):
            if g.get("body_too_large"):
                body = b""
            elif g.get("raw_body") is not None:
                body = g.raw_body
            else:
                body = request.get_data(cache=True)
            parsed: Any = None
            if body and (request.mimetype or "").endswith("json"):
                try:
                    parsed = json.loads(body)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    parsed = None
            st.log_request(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": request.args.to_dict(),
                    "headers": _logged_headers(),
                    "body": body,
                    "json": parsed,
                    "status": response.status_code,
                    "time": st.timestamp(),
                    "fault": fault["kind"] if fault else None,
                    # A GET of the same envelope resource within 15 minutes (DocuSign's rule).
                    "pollingViolation": bool(g.get("polling_violation")),
                    # Properties DocuSign does not know and silently ignores.
                    "ignoredProperties": list(g.get("ignored_properties") or []),
                    # Numbers and booleans DocuSign's schema types as strings, read as text.
                    "coercedProperties": list(g.get("coerced_properties") or []),
                    # Whose token made the call (the eSignature API's; None for OAuth).
                    "userId": g.get("user_id"),
                }
            )
        return response

    return app
