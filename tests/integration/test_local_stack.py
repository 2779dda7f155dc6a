"""The local stack builds what template.yaml declares, in moto, and runs as one process."""

import base64
import copy
import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
import requests

from local.aws_server import AwsServer
from local.clients import client
from local.function_specs import function_environment
from local.invoker import FunctionInvoker
from local.pollers import EventSourcePoller, SqsEventSource, event_sources, rate_seconds
from local.resolver import physical_names
from local.resources import create_resources, put_connection_secret
from local.stack import DEMO_CONNECTION, LocalStack, StackConfig, port_in_use
from local.template import load_template
from tests.unit import local_api_fake_handler as fake_handler

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
STACK = "it-local"


@pytest.fixture(scope="module")
def moto_url():
    server = AwsServer("127.0.0.1", 0).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def created(moto_url):
    notices = []
    resources = create_resources(TEMPLATE, moto_url, stack_name=STACK, notice=notices.append)
    return resources, notices


def test_table_matches_the_template(moto_url, created):
    resources, _ = created
    dynamodb = client("dynamodb", moto_url)
    table = dynamodb.describe_table(TableName=resources["EnvelopeTable"])["Table"]
    declared = TEMPLATE["Resources"]["EnvelopeTable"]["Properties"]
    assert table["KeySchema"] == declared["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        declared["AttributeDefinitions"], key=lambda a: a["AttributeName"]
    )
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "ByConnection"
    assert index["KeySchema"] == declared["GlobalSecondaryIndexes"][0]["KeySchema"]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    ttl = dynamodb.describe_time_to_live(TableName=resources["EnvelopeTable"])
    assert ttl["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expiresAt",
    }
    backups = dynamodb.describe_continuous_backups(TableName=resources["EnvelopeTable"])
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"


def test_bucket_matches_the_template(moto_url, created):
    resources, _ = created
    s3 = client("s3", moto_url)
    bucket = resources["DocumentsBucket"]
    assert bucket == f"{STACK}-documents-123456789012-us-east-1"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert any(r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") for r in rules)


def test_function_environment_names_the_created_resources(created):
    resources, _ = created
    names = physical_names(TEMPLATE, stack_name=STACK, known=resources)
    environment = function_environment(TEMPLATE, "SendEnvelopeFunction", names, stack_name=STACK)
    assert environment["ENVELOPE_TABLE_NAME"] == resources["EnvelopeTable"]
    assert environment["DOCUMENTS_BUCKET_NAME"] == resources["DocumentsBucket"]


def test_types_without_a_local_equivalent_are_named_once(created):
    _, notices = created
    assert len(notices) == 1
    assert "AWS::Logs::LogGroup" in notices[0] and "AWS::CloudWatch::Alarm" in notices[0]
    assert "AWS::DynamoDB::Table" not in notices[0]
    # The account-wide API Gateway role is created only when asked for (its condition).
    assert "AWS::IAM::Role" not in notices[0] and "AWS::ApiGateway::Account" not in notices[0]


def test_running_again_keeps_resources_and_data(moto_url, created):
    resources, _ = created
    dynamodb = client("dynamodb", moto_url)
    item = {"pk": {"S": "demo#e1"}, "sk": {"S": "ENVELOPE"}}
    dynamodb.put_item(TableName=resources["EnvelopeTable"], Item=item)
    s3 = client("s3", moto_url)
    s3.put_object(Bucket=resources["DocumentsBucket"], Key="inbox/demo/a.pdf", Body=b"%PDF")

    again = create_resources(TEMPLATE, moto_url, stack_name=STACK, notice=lambda _: None)

    assert again == resources
    assert dynamodb.get_item(TableName=resources["EnvelopeTable"], Key=item)["Item"] == item
    body = s3.get_object(Bucket=resources["DocumentsBucket"], Key="inbox/demo/a.pdf")["Body"]
    assert body.read() == b"%PDF"


def test_queues_dead_letter_queues_and_bucket_notifications(moto_url):
    template = copy.deepcopy(TEMPLATE)
    resources = template["Resources"]
    # Declared before its dead-letter queue: creation must still put the DLQ first.
    resources["InboxQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "VisibilityTimeout": 180,
            "RedrivePolicy": {
                "deadLetterTargetArn": {"Fn::GetAtt": ["InboxDeadLetterQueue", "Arn"]},
                "maxReceiveCount": 3,
            },
        },
    }
    resources["InboxDeadLetterQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"MessageRetentionPeriod": 1209600},
    }
    resources["DocumentsBucket"]["Properties"]["NotificationConfiguration"] = {
        "QueueConfigurations": [
            {
                "Event": "s3:ObjectCreated:*",
                "Queue": {"Fn::GetAtt": ["InboxQueue", "Arn"]},
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "inbox/"}]}},
            }
        ]
    }
    created = create_resources(template, moto_url, stack_name="it-queues", notice=lambda _: None)
    sqs = client("sqs", moto_url)
    attributes = sqs.get_queue_attributes(QueueUrl=created["InboxQueue"], AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["VisibilityTimeout"] == "180"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":it-queues-InboxDeadLetterQueue")
    assert int(redrive["maxReceiveCount"]) == 3

    s3 = client("s3", moto_url)
    s3.put_object(Bucket=created["DocumentsBucket"], Key="inbox/demo/manifest.json", Body=b"{}")
    keys = []
    for _ in range(5):
        for message in sqs.receive_message(
            QueueUrl=created["InboxQueue"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            for record in json.loads(message["Body"]).get("Records", []):
                # keys arrive URL-encoded, as from S3 (moto also encodes the slashes)
                keys.append(unquote_plus(record["s3"]["object"]["key"]))
        if keys:
            break
    assert keys == ["inbox/demo/manifest.json"]
    assert create_resources(template, moto_url, stack_name="it-queues", notice=print) == created


def test_connection_secret_is_created_then_updated(moto_url):
    prefix = "docusign-connector/connections"
    first = put_connection_secret(moto_url, "us-east-1", prefix, "acme", {"userId": "1"})
    second = put_connection_secret(moto_url, "us-east-1", prefix, "acme", {"userId": "2"})
    assert first == second
    value = client("secretsmanager", moto_url).get_secret_value(SecretId=f"{prefix}/acme")
    assert json.loads(value["SecretString"]) == {"userId": "2"}


# ---------------------------------------------------------------------------- the whole stack


@pytest.fixture
def restore_environment():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_local_stack_starts_everything_and_stops_cleanly(restore_environment):
    stack = LocalStack(
        StackConfig(api_port=0, aws_port=0, emulator_port=0, lambda_port=0, stack_name=STACK)
    )
    with stack:
        description = stack.describe()
        aws_url = description["aws"]["endpointUrl"]
        assert os.environ["AWS_ENDPOINT_URL"] == aws_url
        assert description["connections"] == [DEMO_CONNECTION]
        created_types = (
            "AWS::DynamoDB::Table",
            "AWS::S3::Bucket",
            "AWS::SQS::Queue",
            "AWS::Events::EventBus",
            "AWS::Events::Rule",  # the callback rule: bus → callback queue
            "AWS::Cognito::UserPool",  # the callers' OAuth clients (its domain is local)
            "AWS::Cognito::UserPoolResourceServer",
        )
        assert set(description["resources"]) == {
            logical_id
            for logical_id, resource in TEMPLATE["Resources"].items()
            if resource["Type"] in created_types
        }
        assert {"EnvelopeTable", "DocumentsBucket"} <= set(description["resources"])
        assert description["pid"] == os.getpid()

        prefix = description["connectionsSecretPrefix"]
        secret = client("secretsmanager", aws_url).get_secret_value(
            SecretId=f"{prefix}/{DEMO_CONNECTION}"
        )
        value = json.loads(secret["SecretString"])
        assert value["authServer"] == description["docusign"]["emulatorUrl"]
        assert value["privateKey"].startswith("-----BEGIN PRIVATE KEY-----")
        assert value["integrationKey"] and value["userId"] and value["accountId"]
        # The HMAC keys live in the connection's Connect secret, never with the private key.
        assert "connectHmacKeys" not in value
        connect = client("secretsmanager", aws_url).get_secret_value(
            SecretId=f"{prefix}/{DEMO_CONNECTION}/connect"
        )
        keys = json.loads(connect["SecretString"])
        assert set(keys) == {"connectHmacKeys"}
        assert keys["connectHmacKeys"] and all(keys["connectHmacKeys"])

        api_url = description["api"]["url"]
        missing = requests.get(f"{api_url}/no/such/route", timeout=10)
        assert missing.status_code == 404
        # the template's GatewayResponses give API Gateway's own errors the connector's shape
        assert missing.json() == {
            "error": {
                "code": "MISSING_AUTHENTICATION_TOKEN",
                "message": "Missing Authentication Token",
                "details": [],
            }
        }
        ports = [int(url.rsplit(":", 1)[1]) for url in (api_url, aws_url)]
    assert not any(port_in_use(port) for port in ports)


def _small_pdf():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_the_real_handlers_answer_through_the_local_api(restore_environment):
    """The demo connection works end to end: API -> handlers -> moto and the emulator."""
    with LocalStack(StackConfig(api_port=0, aws_port=0, emulator_port=0, lambda_port=0)) as stack:
        base = f"{stack.describe()['api']['url']}/v1/connections/{DEMO_CONNECTION}"
        caller = requests.Session()  # the local caller's API key on every request
        caller.headers.update(stack.api_headers)
        consent = caller.get(f"{base}/consent", timeout=30)
        assert consent.status_code == 200, consent.text
        assert consent.json()["consentUrl"].startswith(stack.emulator.url)
        verify = caller.post(f"{base}/verify", timeout=30)
        assert verify.status_code == 200, verify.text

        send = caller.post(
            f"{base}/envelopes",
            json={
                "emailSubject": "Local stack check",
                "documents": [
                    {"name": "a.pdf", "contentBase64": base64.b64encode(_small_pdf()).decode()}
                ],
                "signers": [{"email": "ana@example.com", "name": "Ana"}],
            },
            timeout=30,
        )
        assert send.status_code == 201, send.text
        envelope_id = send.json()["envelopeId"]
        status = caller.get(f"{base}/envelopes/{envelope_id}", timeout=30)
        assert status.status_code == 200, status.text
        assert status.json()["status"] == "sent"
        assert status.json()["createdBy"] == "local"  # the caller who sent it
        void = caller.post(
            f"{base}/envelopes/{envelope_id}/void", json={"reason": "checked"}, timeout=30
        )
        assert void.status_code == 200, void.text
        assert void.json()["status"] == "voided"


def _start_stack_process(state_file, *ports):
    api_port, aws_port, emulator_port, lambda_port = ports
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.stack",
            "--api-port",
            str(api_port),
            "--aws-port",
            str(aws_port),
            "--emulator-port",
            str(emulator_port),
            "--lambda-port",
            str(lambda_port),
            "--state-file",
            str(state_file),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_command_line_start_port_conflict_and_stop(tmp_path):
    state_file = tmp_path / "stack.json"
    ports = (_free_port(), _free_port(), _free_port(), _free_port())
    process = _start_stack_process(state_file, *ports)
    try:
        deadline = time.monotonic() + 60
        while not state_file.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the stack did not become ready"
            time.sleep(0.2)
        state = json.loads(state_file.read_text())
        assert state["pid"] == process.pid
        assert state["api"]["url"] == f"http://127.0.0.1:{ports[0]}"

        # The same ports again: a clear message and nothing left running.
        conflict = _start_stack_process(tmp_path / "other.json", *ports)
        _, errors = conflict.communicate(timeout=60)
        assert conflict.returncode == 1
        assert f"Port {ports[0]}" in errors and "make stop" in errors
        assert not (tmp_path / "other.json").exists()

        stop = subprocess.run(
            [sys.executable, "-m", "local.stack", "--stop", "--state-file", str(state_file)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert stop.returncode == 0, stop.stderr
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0
        assert "ready" in output
        assert not state_file.exists()
        assert not any(port_in_use(port) for port in ports)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=30)


# ---------------------------------------------------------------------------- event sources


def _poller_template():
    return {
        "Resources": {
            "WorkQueue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "VisibilityTimeout": 1,
                    "RedrivePolicy": {
                        "deadLetterTargetArn": {"Fn::GetAtt": ["WorkDeadLetterQueue", "Arn"]},
                        "maxReceiveCount": 2,
                    },
                },
            },
            "WorkDeadLetterQueue": {"Type": "AWS::SQS::Queue"},
            "WorkerFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "tests/unit/",
                    "Handler": "local_api_fake_handler.sqs_batch",
                    "Events": {
                        "Work": {
                            "Type": "SQS",
                            "Properties": {
                                "Queue": {"Fn::GetAtt": ["WorkQueue", "Arn"]},
                                "BatchSize": 5,
                                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                            },
                        },
                        "Nightly": {
                            "Type": "Schedule",
                            "Properties": {"Schedule": "rate(20 minutes)"},
                        },
                        "Never": {
                            "Type": "Schedule",
                            "Properties": {"Schedule": "rate(1 day)", "Enabled": False},
                        },
                    },
                },
            },
        }
    }


def test_event_sources_are_read_from_the_template():
    queues, schedules = event_sources(_poller_template())
    assert queues == [
        SqsEventSource(
            function_id="WorkerFunction",
            queue_id="WorkQueue",
            batch_size=5,
            report_batch_item_failures=True,
        )
    ]
    assert [(s.event_name, s.interval_seconds, s.enabled) for s in schedules] == [
        ("Nightly", 1200, True),
        ("Never", 86400, False),
    ]


def _drain(poller, sqs, url, arn, rounds=8):
    source = poller.queue_sources[0]
    for _ in range(rounds):
        poller.poll_once(sqs, source, url, arn)


def test_queue_messages_reach_the_function_and_failures_stay(moto_url):
    template = _poller_template()
    created = create_resources(template, moto_url, stack_name="it-poll", notice=lambda _: None)
    invoker = FunctionInvoker(template, {})
    poller = EventSourcePoller(template, created, invoker.invoke, moto_url, stack_name="it-poll")
    sqs = client("sqs", moto_url)
    url = created["WorkQueue"]
    arn = f"arn:aws:sqs:us-east-1:123456789012:{url.rsplit('/', 1)[-1]}"
    for body in ("ok-1", "fail", "ok-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    fake_handler.RECEIVED.clear()

    _drain(poller, sqs, url, arn, rounds=2)

    record = fake_handler.RECEIVED[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1"
    assert record["receiptHandle"] and record["messageId"]
    assert "ApproximateReceiveCount" in record["attributes"]
    delivered = [r["body"] for event in fake_handler.RECEIVED for r in event["Records"]]
    assert sorted(set(delivered)) == ["fail", "ok-1", "ok-2"]

    # The failed message comes back after its visibility timeout, then is dead-lettered.
    for _ in range(3):
        time.sleep(1.1)
        _drain(poller, sqs, url, arn, rounds=1)
    dead = sqs.receive_message(QueueUrl=created["WorkDeadLetterQueue"], WaitTimeSeconds=1)
    assert [m["Body"] for m in dead.get("Messages", [])] == ["fail"]
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None


def test_a_failing_batch_stays_on_the_queue(moto_url):
    template = _poller_template()
    created = create_resources(template, moto_url, stack_name="it-raise", notice=lambda _: None)
    logged = []
    poller = EventSourcePoller(
        template, created, FunctionInvoker(template, {}).invoke, moto_url, log=logged.append
    )
    sqs = client("sqs", moto_url)
    url = created["WorkQueue"]
    sqs.send_message(QueueUrl=url, MessageBody="raise")
    assert poller.poll_once(sqs, poller.queue_sources[0], url, "arn:q") == 0
    assert "return to the queue" in logged[-1]
    time.sleep(1.1)
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in again] == ["raise"]


def test_schedules_invoke_their_function_on_their_rate(moto_url):
    template = _poller_template()
    calls = []
    poller = EventSourcePoller(
        template, {}, lambda function_id, event: calls.append((function_id, event)), moto_url
    )
    assert poller.queue_sources == []  # the queue was not created here
    (nightly,) = poller.schedule_sources
    poller.schedule_sources = [dataclasses.replace(nightly, interval_seconds=0.1)]
    with poller:
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
    function_id, event = calls[0]
    assert function_id == "WorkerFunction"
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"][0].startswith("arn:aws:events:us-east-1:123456789012:rule/")
    assert rate_seconds("rate(1 hour)") == 3600
    assert rate_seconds("cron(0 12 * * ? *)") is None
