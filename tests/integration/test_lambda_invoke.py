"""The local stack's Lambda Invoke API (as `sam local start-lambda`): boto3's `lambda` client
invokes every function of the template with its sample event, in-process, with the function's
own environment; errors come back as Lambda reports them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.function_specs import functions
from local.template import load_template
from tests.support.samples import (
    SAMPLE_EVENT,
    check_answer,
    register_sample_caller,
    sample_event,
)
from tests.support.stacks import in_process_local_stack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def local_stack() -> Iterator[Any]:
    with in_process_local_stack() as stack:
        register_sample_caller(
            stack.resources["CallersTable"], boto3.client("dynamodb", region_name="us-east-1")
        )
        upload_as_the_readme_does(stack)
        yield stack


# The README's inbox example: a PDF and the manifest of events/inbox/…, uploaded to the keys
# the sample event (events/process_inbox_manifest.json) names, in the local stack's bucket.
MANIFEST_KEY = "inbox/demo/contracts/qf-1042.json"


def upload_as_the_readme_does(stack: Any) -> None:
    from local.emulator.pdf import make_pdf

    described = stack.describe()
    s3 = boto3.client(
        "s3",
        endpoint_url=described["aws"]["endpointUrl"],
        region_name=described["aws"]["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    bucket = described["resources"]["DocumentsBucket"]
    manifest = json.loads((ROOT / "events" / MANIFEST_KEY).read_text())
    (document,) = manifest["documents"]
    s3.put_object(Bucket=bucket, Key=document["s3Key"], Body=make_pdf("QF-1042", ["Sign here."]))
    s3.put_object(
        Bucket=bucket, Key=MANIFEST_KEY, Body=(ROOT / "events" / MANIFEST_KEY).read_bytes()
    )


@pytest.fixture(scope="module")
def lambda_client(local_stack: Any) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=local_stack.describe()["lambda"]["endpointUrl"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )


def test_every_function_of_the_template_has_a_sample_to_invoke_with() -> None:
    assert set(SAMPLE_EVENT) == set(functions(TEMPLATE))


@pytest.mark.parametrize("function_id", sorted(SAMPLE_EVENT))
def test_each_function_is_invoked_with_its_sample_event(
    lambda_client: Any, function_id: str
) -> None:
    answer = lambda_client.invoke(
        FunctionName=function_id, Payload=json.dumps(sample_event(function_id)).encode()
    )
    payload = json.loads(answer["Payload"].read())
    assert answer["StatusCode"] == 200
    assert answer["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in answer, payload
    check_answer(function_id, payload)


def test_the_api_through_lambda_sends_an_envelope_with_the_function_s_environment(
    lambda_client: Any, local_stack: Any
) -> None:
    event = sample_event("SendEnvelopeFunction")
    event["headers"].pop("Idempotency-Key", None)
    event["multiValueHeaders"].pop("Idempotency-Key", None)
    answer = lambda_client.invoke(FunctionName="SendEnvelopeFunction", Payload=json.dumps(event))
    payload = json.loads(answer["Payload"].read())
    assert payload["statusCode"] == 201, payload
    envelope_id = json.loads(payload["body"])["envelopeId"]
    assert envelope_id in local_stack.emulator.state.envelopes


def test_a_function_is_found_by_its_physical_name_too(lambda_client: Any, local_stack: Any) -> None:
    name = local_stack.describe()["functions"]["GetOpenApiFunction"]
    answer = lambda_client.invoke(
        FunctionName=name, Payload=json.dumps(sample_event("GetOpenApiFunction"))
    )
    assert json.loads(answer["Payload"].read())["statusCode"] == 200


def test_a_handler_error_is_reported_as_lambda_reports_it(lambda_client: Any) -> None:
    answer = lambda_client.invoke(FunctionName="EventsFunction", Payload=b'"not an SQS event"')
    payload = json.loads(answer["Payload"].read())
    assert answer["StatusCode"] == 200
    assert answer["FunctionError"] == "Unhandled"
    assert set(payload) == {"errorMessage", "errorType", "stackTrace"}


def test_unknown_function_and_bad_payload_are_lambda_s_errors(lambda_client: Any) -> None:
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.invoke(FunctionName="NoSuchFunction", Payload=b"{}")
    with pytest.raises(lambda_client.exceptions.InvalidRequestContentException):
        lambda_client.invoke(FunctionName="ReconcileFunction", Payload=b"{not json")


def test_event_and_dry_run_invocations(lambda_client: Any) -> None:
    event = lambda_client.invoke(
        FunctionName="ReconcileFunction", InvocationType="Event", Payload=b"{}"
    )
    assert event["StatusCode"] == 202
    dry = lambda_client.invoke(
        FunctionName="ReconcileFunction", InvocationType="DryRun", Payload=b"{}"
    )
    assert dry["StatusCode"] == 204


def test_the_readme_s_inbox_example_sends_its_envelope(
    lambda_client: Any, local_stack: Any
) -> None:
    """`ProcessInboxFunction` with events/process_inbox_manifest.json, exactly as the README
    invokes it, after the README's two uploads: the message is handled, the result file names
    the envelope, which DocuSign (the emulator) has."""
    described = local_stack.describe()
    event = sample_event("ProcessInboxFunction")
    notified = json.loads(event["Records"][0]["body"])["Records"][0]["s3"]
    assert notified["bucket"]["name"] == described["resources"]["DocumentsBucket"]
    assert notified["object"]["key"] == MANIFEST_KEY

    answer = lambda_client.invoke(
        FunctionName="ProcessInboxFunction",
        Payload=(ROOT / "events" / "process_inbox_manifest.json").read_bytes(),
    )

    assert json.loads(answer["Payload"].read()) == {"batchItemFailures": []}
    s3 = boto3.client(
        "s3",
        endpoint_url=described["aws"]["endpointUrl"],
        region_name=described["aws"]["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    result = json.loads(
        s3.get_object(
            Bucket=described["resources"]["DocumentsBucket"],
            Key="outbox/demo/contracts/qf-1042.json.result.json",
        )["Body"].read()
    )
    assert result["envelopeId"] in local_stack.emulator.state.envelopes, result


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "attacker.example:3001"},  # a name rebound to 127.0.0.1
        {"Origin": "http://attacker.example"},
        {"Origin": "null"},
    ],
)
def test_a_page_of_another_site_cannot_invoke_a_function(
    local_stack: Any, headers: dict[str, str]
) -> None:
    """What a browser would send for a page on another site: refused, nothing invoked."""
    import requests

    url = local_stack.describe()["lambda"]["endpointUrl"]
    answer = requests.post(
        f"{url}/2015-03-31/functions/GetOpenApiFunction/invocations",
        data=b"{}",
        headers={"X-Amz-Invocation-Type": "RequestResponse", **headers},
        timeout=30,
    )
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert "X-Amz-Executed-Version" not in answer.headers
