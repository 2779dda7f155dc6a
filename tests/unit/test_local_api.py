"""The local API turns HTTP requests into real-shaped API Gateway events and back."""

import base64
import copy
import json
import os
import sys

import pytest
import requests

from local.api import LocalApi
from local.apigateway import MAX_REQUEST_BYTES
from local.invoker import FunctionInvoker

HANDLERS = "tests/unit/"
MODULE = "local_api_fake_handler"


def _function(handler, path, method, timeout=7, **event_properties):
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": HANDLERS,
            "Handler": f"{MODULE}.{handler}",
            "Timeout": timeout,
            "Events": {
                "Http": {
                    "Type": "Api",
                    "Properties": {
                        "RestApiId": {"Ref": "TestApi"},
                        "Path": path,
                        "Method": method,
                        **event_properties,
                    },
                }
            },
        },
    }


TEMPLATE = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Globals": {"Function": {"Runtime": "python3.13", "MemorySize": 256}},
    "Resources": {
        "TestApi": {
            "Type": "AWS::Serverless::Api",
            "Properties": {"StageName": "v1", "Auth": {"DefaultAuthorizer": "AWS_IAM"}},
        },
        "EchoFunction": _function(
            "echo", "/connections/{connection}/envelopes/{envelopeId}", "get"
        ),
        "CreateFunction": _function("created", "/connections/{connection}/envelopes", "post"),
        "LiteralFunction": _function("echo", "/connections/{connection}/envelopes/latest", "get"),
        "PdfFunction": _function("pdf", "/files/{proxy+}", "get"),
        "OpenFunction": _function("echo", "/open", "post", Auth={"Authorizer": "NONE"}),
        "BoomFunction": _function("boom", "/boom", "get"),
        "MalformedFunction": _function("malformed", "/malformed", "get"),
    },
}


@pytest.fixture(scope="module")
def api():
    environment = {"EchoFunction": {"GREETING": "hello"}, "OpenFunction": {"GREETING": "open"}}
    with LocalApi(
        TEMPLATE, environment, port=0, function_names={"EchoFunction": "echo-fn"}
    ) as local_api:
        yield local_api


def _echo(response):
    assert response.status_code == 200, response.text
    return response.json()


def test_get_builds_a_rest_proxy_event(api):
    response = requests.get(
        f"{api.url}/connections/demo/envelopes/abc-123",
        params=[("include", "history"), ("tag", "a"), ("tag", "b")],
        headers={"X-Custom": "value", "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x"},
        timeout=10,
    )
    payload = _echo(response)
    event = payload["event"]
    assert event["resource"] == "/connections/{connection}/envelopes/{envelopeId}"
    assert event["path"] == "/connections/demo/envelopes/abc-123"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"connection": "demo", "envelopeId": "abc-123"}
    assert event["queryStringParameters"] == {"include": "history", "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"include": ["history"], "tag": ["a", "b"]}
    assert event["headers"]["X-Custom"] == "value"
    assert event["multiValueHeaders"]["X-Custom"] == ["value"]
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False

    context = event["requestContext"]
    assert context["resourcePath"] == event["resource"]
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/v1/connections/demo/envelopes/abc-123"
    assert context["stage"] == "v1"
    assert context["accountId"] == "123456789012"
    assert context["requestId"] and context["apiId"]
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["protocol"].startswith("HTTP/")
    assert context["domainName"]
    identity = context["identity"]
    assert identity["sourceIp"] == "127.0.0.1"
    assert identity["accessKey"] == "AKIDEXAMPLE"
    assert identity["userArn"].startswith("arn:aws:iam::123456789012:")
    assert identity["caller"] and identity["user"]
    assert identity["userAgent"].startswith("python-requests")


def test_handler_runs_with_its_environment_and_a_lambda_context(api):
    payload = _echo(requests.get(f"{api.url}/connections/demo/envelopes/e1", timeout=10))
    assert payload["environment"] == {
        "GREETING": "hello",
        "AWS_LAMBDA_FUNCTION_NAME": "echo-fn",
        "AWS_SAM_LOCAL": "true",
    }
    context = payload["context"]
    assert context["function_name"] == "echo-fn"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(":function:echo-fn")
    assert context["memory_limit_in_mb"] == 256
    assert context["log_group_name"] == "/aws/lambda/echo-fn"
    assert context["log_stream_name"]
    assert context["aws_request_id"]
    assert 0 < context["remaining_ms"] <= 7000
    # the function's variables are gone once it has run
    assert "GREETING" not in os.environ

    other = _echo(requests.post(f"{api.url}/open", timeout=10))
    assert other["environment"]["GREETING"] == "open"
    assert other["event"]["requestContext"]["identity"]["userArn"] is None


def test_header_names_keep_the_clients_spelling(api):
    payload = _echo(
        requests.get(
            f"{api.url}/connections/demo/envelopes/e1",
            headers={"X-DocuSign-Signature-1": "sig", "Idempotency-Key": "k1"},
            timeout=10,
        )
    )
    headers = payload["event"]["headers"]
    assert headers["X-DocuSign-Signature-1"] == "sig"
    assert headers["Idempotency-Key"] == "k1"
    assert payload["event"]["multiValueHeaders"]["X-DocuSign-Signature-1"] == ["sig"]


def test_response_headers_and_status_pass_through(api):
    response = requests.get(f"{api.url}/connections/demo/envelopes/e1", timeout=10)
    assert response.headers["X-Single"] == "one"
    assert response.headers["X-Multi"] == "a, b"
    created = requests.post(
        f"{api.url}/connections/demo/envelopes", json={"emailSubject": "Hi"}, timeout=10
    )
    assert created.status_code == 201
    assert created.json() == {"emailSubject": "Hi"}
    assert created.headers["Content-Type"] == "application/json"


def test_literal_segments_win_over_parameters(api):
    payload = _echo(requests.get(f"{api.url}/connections/demo/envelopes/latest", timeout=10))
    assert payload["event"]["resource"] == "/connections/{connection}/envelopes/latest"
    assert payload["event"]["pathParameters"] == {"connection": "demo"}


def test_encoded_path_parameters_are_decoded(api):
    payload = _echo(requests.get(f"{api.url}/connections/demo/envelopes/a%2Fb%20c", timeout=10))
    assert payload["event"]["pathParameters"]["envelopeId"] == "a/b c"


def test_stage_prefix_of_the_deployed_url_is_accepted(api):
    payload = _echo(requests.get(f"{api.url}/v1/connections/demo/envelopes/e9", timeout=10))
    assert payload["event"]["path"] == "/connections/demo/envelopes/e9"
    assert payload["event"]["requestContext"]["path"] == "/v1/connections/demo/envelopes/e9"


def test_greedy_path_and_base64_response(api):
    response = requests.get(f"{api.url}/files/signed/demo/doc.pdf", timeout=10)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7\n\x00\xff binary"
    assert response.headers["Content-Type"] == "application/pdf"


def test_text_body_is_passed_as_text(api):
    body = json.dumps({"name": "Ana Müller"})
    payload = _echo(
        requests.post(
            f"{api.url}/open",
            data=body.encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=10,
        )
    )
    assert payload["event"]["body"] == body
    assert payload["event"]["isBase64Encoded"] is False


def test_binary_body_is_base64_encoded(api):
    content = b"%PDF-1.4\n\x00\x01\xfe\xff"
    payload = _echo(
        requests.post(
            f"{api.url}/open",
            data=content,
            headers={"Content-Type": "application/pdf"},
            timeout=10,
        )
    )
    assert payload["event"]["isBase64Encoded"] is True
    assert base64.b64decode(payload["event"]["body"]) == content


def test_unknown_route_is_404_missing_authentication_token(api):
    response = requests.get(f"{api.url}/nowhere/at/all", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_wrong_method_is_405(api):
    response = requests.delete(f"{api.url}/connections/demo/envelopes/e1", timeout=10)
    assert response.status_code == 405
    assert "message" in response.json()
    assert response.headers["Allow"] == "GET"


def test_handler_exception_is_502_with_traceback_on_stderr(api, capfd):
    response = requests.get(f"{api.url}/boom", timeout=10)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    assert "the handler failed on purpose" in capfd.readouterr().err


def test_malformed_proxy_response_is_502(api):
    response = requests.get(f"{api.url}/malformed", timeout=10)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_payload_over_10_mb_is_413_and_not_invoked(api, capfd):
    response = requests.post(
        f"{api.url}/connections/demo/envelopes", data=b"x" * (MAX_REQUEST_BYTES + 1), timeout=30
    )
    assert response.status_code == 413
    assert "message" in response.json()
    assert "CreateFunction" not in capfd.readouterr().err


def test_payload_of_exactly_10_mb_is_accepted(api):
    response = requests.post(
        f"{api.url}/connections/demo/envelopes", data=b"y" * MAX_REQUEST_BYTES, timeout=30
    )
    assert response.status_code == 201
    assert len(response.content) == MAX_REQUEST_BYTES


def test_stop_releases_the_port():
    local_api = LocalApi(TEMPLATE, {}, port=0).start()
    url = local_api.url
    local_api.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/open", timeout=2)


def test_gateway_errors_follow_the_apis_gateway_responses():
    template = copy.deepcopy(TEMPLATE)
    error_body = (
        '{"error": {"code": "$context.error.responseType", '
        '"message": $context.error.messageString, "details": []}}'
    )
    template["Resources"]["TestApi"]["Properties"]["GatewayResponses"] = {
        "DEFAULT_4XX": {"ResponseTemplates": {"application/json": error_body}},
        "DEFAULT_5XX": {"ResponseTemplates": {"application/json": error_body}},
        "REQUEST_TOO_LARGE": {
            "StatusCode": 413,
            "ResponseTemplates": {"application/json": error_body},
            "ResponseParameters": {"Headers": {"Retry-After": "'1'"}},
        },
    }
    with LocalApi(template, {}, port=0) as local_api:
        missing = requests.get(f"{local_api.url}/nowhere", timeout=10)
        failed = requests.get(f"{local_api.url}/boom", timeout=10)
        too_large = requests.post(
            f"{local_api.url}/connections/demo/envelopes",
            data=b"x" * (MAX_REQUEST_BYTES + 1),
            timeout=30,
        )
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {
            "code": "MISSING_AUTHENTICATION_TOKEN",
            "message": "Missing Authentication Token",
            "details": [],
        }
    }
    assert failed.status_code == 502
    assert failed.json()["error"]["code"] == "INTEGRATION_FAILURE"
    assert failed.json()["error"]["message"] == "Internal server error"
    assert too_large.status_code == 413
    assert too_large.json()["error"]["code"] == "REQUEST_TOO_LARGE"
    assert too_large.headers["Retry-After"] == "1"


def test_each_function_has_its_own_cold_start():
    template = {
        "Resources": {
            "FirstFunction": _function("cold_start", "/first", "get"),
            "SecondFunction": _function("cold_start", "/second", "get"),
        }
    }
    with LocalApi(template, {}, port=0) as local_api:
        calls = [
            requests.get(f"{local_api.url}/{path}", timeout=10).json()["coldStart"]
            for path in ("first", "first", "second", "second", "first")
        ]
    assert calls == [True, False, True, False, False]


def _write_handler(folder, version):
    path = folder / "app.py"
    path.write_text(f"def handler(event, context):\n    return {version!r}\n", encoding="utf-8")
    # a visible change even on file systems with coarse timestamps
    stamp = path.stat().st_mtime_ns + version * 2_000_000_000
    os.utime(path, ns=(stamp, stamp))


def test_edited_handlers_are_loaded_afresh(tmp_path, monkeypatch):
    package = tmp_path / "reloadable_handlers"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    _write_handler(package, 1)
    monkeypatch.syspath_prepend(str(tmp_path))
    template = {
        "Resources": {
            "EditedFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "reloadable_handlers/", "Handler": "app.handler"},
            }
        }
    }
    logged = []
    watching = FunctionInvoker(template, {}, reload_roots=[package], log=logged.append)
    assert watching.invoke("EditedFunction", {}) == 1

    _write_handler(package, 2)

    assert watching.invoke("EditedFunction", {}) == 2
    assert logged == ["code changed: handlers load afresh on their next invocation"]
    assert watching.invoke("EditedFunction", {}) == 2
    assert len(logged) == 1
    monkeypatch.delitem(sys.modules, "reloadable_handlers.app", raising=False)
    monkeypatch.delitem(sys.modules, "reloadable_handlers", raising=False)


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "attacker.example"},  # a name rebound to 127.0.0.1
        {"Host": "attacker.example:3000"},
        {"Host": "127.0.0.1.attacker.example"},
        {"Host": "10.0.0.5"},
        {"Origin": "http://attacker.example"},
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1:1"},  # another local server's page
        {"Origin": "http://localhost.attacker.example"},
    ],
)
def test_requests_from_other_sites_are_refused_before_any_handler_runs(api, headers):
    response = requests.post(f"{api.url}/open", headers=headers, timeout=10)
    assert response.status_code == 403
    assert "Forbidden" in response.json()["message"]
    assert "event" not in response.json()


def test_the_stacks_own_origin_and_loopback_hosts_pass(api):
    for headers in (
        {},
        {"Origin": api.url},
        {"Origin": f"http://localhost:{api.port}"},
        {"Host": f"localhost:{api.port}"},
        {"Host": f"127.0.0.1:{api.port}"},
        {"Host": "[::1]:3000"},
    ):
        assert _echo(requests.post(f"{api.url}/open", headers=headers, timeout=10))["event"]
