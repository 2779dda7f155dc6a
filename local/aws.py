"""The template's AWS side, locally: its tables, buckets, queues and event buses created in
moto (or any AWS endpoint), and its SQS and schedule events played the way Lambda would.

Everything comes from template.yaml itself: there is no second, hand-written list of resources
to drift away from what gets deployed.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from local.template import (
    API_TYPES,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    FUNCTION_TYPE,
    Resolver,
    UnresolvableError,
    physical_names,
)

QUEUE_TYPE = "AWS::SQS::Queue"
TABLE_TYPE = "AWS::DynamoDB::Table"
BUCKET_TYPE = "AWS::S3::Bucket"
EVENT_BUS_TYPE = "AWS::Events::EventBus"
TOPIC_TYPE = "AWS::SNS::Topic"
QUEUE_POLICY_TYPE = "AWS::SQS::QueuePolicy"

CREATED_TYPES = (TABLE_TYPE, BUCKET_TYPE, QUEUE_TYPE, EVENT_BUS_TYPE, TOPIC_TYPE, QUEUE_POLICY_TYPE)
# Run by the local API and pollers rather than created as resources.
SERVED_TYPES = (FUNCTION_TYPE, "AWS::Serverless::LayerVersion", *API_TYPES)

# CloudFormation property -> SQS attribute
_QUEUE_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


def client(service: str, endpoint_url: str | None, region: str = DEFAULT_REGION) -> Any:
    """A boto3 client for the local endpoint, with moto's dummy credentials."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 2, "mode": "standard"}),
    )


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _references(value: Any) -> set[str]:
    """Logical ids a property value refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                found.add(argument)
            elif key == "Fn::GetAtt":
                target = argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                for expression in _sub_expressions(text):
                    found.add(expression.split(".", 1)[0])
                if isinstance(argument, list) and len(argument) > 1:
                    found |= _references(argument[1])
            else:
                found |= _references(argument)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


def _sub_expressions(text: Any) -> Iterable[str]:
    if not isinstance(text, str):
        return []
    parts = text.split("${")[1:]
    return [part.split("}", 1)[0] for part in parts if part and not part.startswith("!")]


def creation_order(template: Mapping[str, Any], logical_ids: Iterable[str]) -> list[str]:
    """`logical_ids` ordered so that every resource comes after those it refers to
    (a dead-letter queue before its source queue, a queue before the bucket notifying it)."""
    resources = template.get("Resources") or {}
    wanted = list(logical_ids)
    wanted_set = set(wanted)
    dependencies = {
        logical_id: (
            _references(resources[logical_id].get("Properties") or {})
            | set(_as_list(resources[logical_id].get("DependsOn")))
        )
        & wanted_set
        for logical_id in wanted
    }
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered:
            return
        if logical_id in visiting:
            raise ValueError(f"circular reference involving {logical_id}")
        visiting.add(logical_id)
        for dependency in sorted(dependencies[logical_id]):
            visit(dependency)
        visiting.discard(logical_id)
        ordered.append(logical_id)

    for logical_id in wanted:
        visit(logical_id)
    return ordered


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def create_resources(
    template: Mapping[str, Any],
    endpoint_url: str,
    region: str = DEFAULT_REGION,
    stack_name: str = DEFAULT_STACK_NAME,
    parameters: Mapping[str, Any] | None = None,
    *,
    notice: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """Create (or bring up to date) every table, bucket, queue, topic and event bus of the
    template at `endpoint_url`. Returns logical id -> physical name (the URL for queues).

    Running it again is harmless: existing resources are kept and their settings re-applied.
    """
    say = notice or (lambda message: print(message, file=sys.stderr))
    resources = template.get("Resources") or {}
    names = physical_names(
        template,
        stack_name=stack_name,
        region=region,
        account_id=DEFAULT_ACCOUNT_ID,
        parameters=parameters,
    )
    resolver = Resolver(
        template,
        parameters=parameters,
        physical_names=names,
        stack_name=stack_name,
        region=region,
        account_id=DEFAULT_ACCOUNT_ID,
    )
    wanted = [
        logical_id
        for logical_id, resource in resources.items()
        if resource.get("Type") in CREATED_TYPES and resolver.is_created(logical_id)
    ]
    skipped = sorted(
        {
            resource.get("Type", "?")
            for logical_id, resource in resources.items()
            if resource.get("Type") not in CREATED_TYPES + SERVED_TYPES
            and resolver.is_created(logical_id)
        }
    )
    clients: dict[str, Any] = {}

    def aws(service: str) -> Any:
        if service not in clients:
            clients[service] = client(service, endpoint_url, region)
        return clients[service]

    created: dict[str, str] = {}
    for logical_id in creation_order(template, wanted):
        resource = resources[logical_id]
        kind = resource["Type"]
        properties = resolver.resolve(resource.get("Properties") or {})
        name = names[logical_id]
        if kind == TABLE_TYPE:
            _create_table(aws("dynamodb"), name, properties)
        elif kind == BUCKET_TYPE:
            _create_bucket(aws("s3"), name, properties, region)
        elif kind == QUEUE_TYPE:
            name = _create_queue(aws("sqs"), name, properties)
        elif kind == QUEUE_POLICY_TYPE:
            _apply_queue_policy(aws("sqs"), properties)
            continue
        elif kind == TOPIC_TYPE:
            name = aws("sns").create_topic(Name=name.rsplit(":", 1)[-1])["TopicArn"]
        elif kind == EVENT_BUS_TYPE:
            _create_event_bus(aws("events"), name)
        created[logical_id] = name
        # Later resources (a source queue's redrive policy, a bucket notification) refer
        # to this one by its real name or URL.
        names[logical_id] = name
        resolver.physical_names = names
    if skipped:
        say(f"local stack: skipped, no local effect: {', '.join(skipped)}")
    return created


# ---------------------------------------------------------------------------- DynamoDB


def _create_table(dynamodb: Any, name: str, properties: Mapping[str, Any]) -> None:
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = properties.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if properties.get(key):
            request[key] = [
                {k: v for k, v in index.items() if k != "ContributorInsightsSpecification"}
                for index in properties[key]
            ]
    sse = properties.get("SSESpecification")
    if sse:
        request["SSESpecification"] = {
            "Enabled": bool(sse.get("SSEEnabled", False)),
            **({"SSEType": sse["SSEType"]} if "SSEType" in sse else {}),
            **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if "KMSMasterKeyId" in sse else {}),
        }
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    if properties.get("Tags"):
        request["Tags"] = properties["Tags"]
    try:
        dynamodb.create_table(**request)
    except ClientError as error:
        if _error_code(error) != "ResourceInUseException":
            raise
    dynamodb.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50}
    )

    ttl = properties.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        current = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "AttributeName": ttl["AttributeName"],
                    "Enabled": True,
                },
            )
    pitr = properties.get("PointInTimeRecoverySpecification")
    if pitr and pitr.get("PointInTimeRecoveryEnabled"):
        dynamodb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )


# ---------------------------------------------------------------------------- S3


def _create_bucket(s3: Any, name: str, properties: Mapping[str, Any], region: str) -> None:
    request: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**request)
    except ClientError as error:
        if _error_code(error) != "BucketAlreadyOwnedByYou":
            raise

    versioning = properties.get("VersioningConfiguration")
    if versioning:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
        )
    encryption = properties.get("BucketEncryption")
    if encryption:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    _encryption_rule(rule)
                    for rule in encryption["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    public_access = properties.get("PublicAccessBlockConfiguration")
    if public_access:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict(public_access))
    ownership = properties.get("OwnershipControls")
    if ownership:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=dict(ownership))
    lifecycle = properties.get("LifecycleConfiguration")
    if lifecycle:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={
                "Rules": [_lifecycle_rule(rule) for rule in lifecycle["Rules"]]
            },
        )
    cors = properties.get("CorsConfiguration")
    if cors:
        s3.put_bucket_cors(
            Bucket=name,
            CORSConfiguration={
                "CORSRules": [
                    {
                        key: rule[key]
                        for key in (
                            "AllowedHeaders",
                            "AllowedMethods",
                            "AllowedOrigins",
                            "ExposedHeaders",
                            "MaxAge",
                        )
                        if key in rule
                    }
                    | ({"MaxAgeSeconds": int(rule["MaxAge"])} if "MaxAge" in rule else {})
                    for rule in cors["CorsRules"]
                ]
            },
        )
    if properties.get("Tags"):
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": properties["Tags"]})
    notifications = properties.get("NotificationConfiguration")
    if notifications:
        s3.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration=_notification_configuration(notifications)
        )


def _encryption_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    default = rule.get("ServerSideEncryptionByDefault")
    if default:
        by_default = {"SSEAlgorithm": default["SSEAlgorithm"]}
        if "KMSMasterKeyID" in default:
            by_default["KMSMasterKeyID"] = default["KMSMasterKeyID"]
        converted["ApplyServerSideEncryptionByDefault"] = by_default
    if "BucketKeyEnabled" in rule:
        converted["BucketKeyEnabled"] = bool(rule["BucketKeyEnabled"])
    return converted


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    converted["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        noncurrent = rule["NoncurrentVersionExpiration"]
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(noncurrent["NoncurrentDays"]),
            **(
                {"NewerNoncurrentVersions": int(noncurrent["NewerNoncurrentVersions"])}
                if "NewerNoncurrentVersions" in noncurrent
                else {}
            ),
        }
    elif "NoncurrentVersionExpirationInDays" in rule:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])
        }
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(
                rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
            )
        }
    return converted


def _key_filter(filter_: Mapping[str, Any] | None) -> dict[str, Any]:
    rules = ((filter_ or {}).get("S3Key") or {}).get("Rules") or []
    return {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}


def _notification_configuration(notifications: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration in the shape of the S3 API."""
    converted: dict[str, Any] = {}
    queues = notifications.get("QueueConfigurations") or []
    if queues:
        converted["QueueConfigurations"] = [
            {
                "QueueArn": queue["Queue"],
                "Events": [queue["Event"]],
                **({"Filter": _key_filter(queue["Filter"])} if queue.get("Filter") else {}),
            }
            for queue in queues
        ]
    topics = notifications.get("TopicConfigurations") or []
    if topics:
        converted["TopicConfigurations"] = [
            {
                "TopicArn": topic["Topic"],
                "Events": [topic["Event"]],
                **({"Filter": _key_filter(topic["Filter"])} if topic.get("Filter") else {}),
            }
            for topic in topics
        ]
    eventbridge = notifications.get("EventBridgeConfiguration") or {}
    if eventbridge.get("EventBridgeEnabled"):
        converted["EventBridgeConfiguration"] = {}
    # LambdaConfigurations have no local target: the local stack invokes handlers itself.
    return converted


# ---------------------------------------------------------------------------- SQS, SNS, events


def _queue_attributes(properties: Mapping[str, Any]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for key in _QUEUE_ATTRIBUTES:
        if key not in properties:
            continue
        value = properties[key]
        if isinstance(value, (dict, list)):
            attributes[key] = json.dumps(value)
        elif isinstance(value, bool):
            attributes[key] = "true" if value else "false"
        else:
            attributes[key] = str(value)
    return attributes


def _create_queue(sqs: Any, name: str, properties: Mapping[str, Any]) -> str:
    attributes = _queue_attributes(properties)
    queue_name = name
    if attributes.get("FifoQueue") == "true" and not queue_name.endswith(".fifo"):
        queue_name = queue_name[:75] + ".fifo"
    try:
        return str(sqs.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"])
    except ClientError as error:
        if _error_code(error) not in ("QueueAlreadyExists", "QueueNameExists"):
            raise
    # It exists with other attributes: bring them up to date.
    url = str(sqs.get_queue_url(QueueName=queue_name)["QueueUrl"])
    changeable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
    if changeable:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=changeable)
    return url


def _apply_queue_policy(sqs: Any, properties: Mapping[str, Any]) -> None:
    policy = json.dumps(properties["PolicyDocument"])
    for url in properties.get("Queues") or []:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})


def _create_event_bus(events: Any, name: str) -> None:
    if name == "default":
        return
    try:
        events.create_event_bus(Name=name)
    except ClientError as error:
        if _error_code(error) != "ResourceAlreadyExistsException":
            raise


# ---------------------------------------------------------------------------- secrets


def put_connection_secret(
    endpoint_url: str | None,
    region: str,
    prefix: str,
    name: str,
    secret: Mapping[str, Any],
) -> str:
    """Create or update the connection secret `{prefix}/{name}`; returns its ARN."""
    secrets = client("secretsmanager", endpoint_url, region)
    secret_id = f"{prefix.rstrip('/')}/{name}"
    value = json.dumps(dict(secret))
    try:
        return str(
            secrets.create_secret(
                Name=secret_id,
                SecretString=value,
                Description=f"DocuSign connection '{name}'",
            )["ARN"]
        )
    except ClientError as error:
        if _error_code(error) != "ResourceExistsException":
            raise
    return str(secrets.put_secret_value(SecretId=secret_id, SecretString=value)["ARN"])


# ---------------------------------------------------------------------------- event sources
# What Lambda's event source mappings and EventBridge schedules do in AWS, done by threads:
# queues are drained into the functions' handlers, schedules invoke them on their rate.


@dataclass(frozen=True)
class SqsEventSource:
    """A function's `Type: SQS` event on a queue of the template."""

    function_id: str
    queue_id: str
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class ScheduleEventSource:
    """A function's `Type: Schedule`/`ScheduleV2` event with a rate() expression."""

    function_id: str
    event_name: str
    interval_seconds: float
    payload: Any = None  # the event's Input, if it sets one
    enabled: bool = True


_RATE_UNITS = {
    "minute": 60,
    "minutes": 60,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs of `rate(20 minutes)`; None for cron() expressions."""
    expression = expression.strip()
    if not (expression.startswith("rate(") and expression.endswith(")")):
        return None
    amount, unit = expression[5:-1].split()
    return int(amount) * _RATE_UNITS[unit.lower()]


def _queue_logical_id(queue: Any) -> str | None:
    if isinstance(queue, dict) and "Fn::GetAtt" in queue:
        target = queue["Fn::GetAtt"]
        return target.split(".", 1)[0] if isinstance(target, str) else target[0]
    return None  # a queue outside the template: nothing local to poll


def event_sources(
    template: Mapping[str, Any],
    parameters: Mapping[str, Any] | None = None,
) -> tuple[list[SqsEventSource], list[ScheduleEventSource]]:
    """The SQS and schedule events of every function in the template (a schedule may be
    built from parameters, e.g. `!Sub "rate(${Minutes} minutes)"`)."""
    resolver = Resolver(template, parameters=parameters)
    queues: list[SqsEventSource] = []
    schedules: list[ScheduleEventSource] = []
    for function_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
            properties = event.get("Properties") or {}
            if event.get("Type") == "SQS":
                queue_id = _queue_logical_id(properties.get("Queue"))
                if queue_id is None:
                    continue
                queues.append(
                    SqsEventSource(
                        function_id=function_id,
                        queue_id=queue_id,
                        batch_size=int(properties.get("BatchSize", 10)),
                        report_batch_item_failures="ReportBatchItemFailures"
                        in (properties.get("FunctionResponseTypes") or []),
                        enabled=properties.get("Enabled", True) is not False,
                    )
                )
            elif event.get("Type") in ("Schedule", "ScheduleV2"):
                expression = properties.get("Schedule") or properties.get("ScheduleExpression")
                if isinstance(expression, dict):
                    try:
                        expression = resolver.resolve_string(expression)
                    except (UnresolvableError, ValueError):
                        expression = None
                interval = rate_seconds(expression) if isinstance(expression, str) else None
                if interval is None:
                    continue
                payload = properties.get("Input")
                schedules.append(
                    ScheduleEventSource(
                        function_id=function_id,
                        event_name=event_name,
                        interval_seconds=interval,
                        payload=json.loads(payload) if isinstance(payload, str) else None,
                        enabled=properties.get("Enabled", True) is not False
                        and properties.get("State", "ENABLED") != "DISABLED",
                    )
                )
    return queues, schedules


def sqs_event(
    messages: Iterable[Mapping[str, Any]], queue_arn: str, region: str = DEFAULT_REGION
) -> dict[str, Any]:
    """The event Lambda gives a function for a batch of SQS messages."""
    records = []
    for message in messages:
        attributes = {}
        for name, value in (message.get("MessageAttributes") or {}).items():
            attributes[name] = {
                "stringValue": value.get("StringValue"),
                "binaryValue": (
                    base64.b64encode(value["BinaryValue"]).decode()
                    if value.get("BinaryValue") is not None
                    else None
                ),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message.get("Body", ""),
                "attributes": dict(message.get("Attributes") or {}),
                "messageAttributes": attributes,
                "md5OfBody": message.get("MD5OfBody"),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def schedule_event(
    source: ScheduleEventSource, rule_name: str, region: str, account_id: str
) -> dict[str, Any]:
    """The event an EventBridge schedule delivers (or the event's Input, when set)."""
    if source.payload is not None:
        return source.payload
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{rule_name}"],
        "detail": {},
    }


class EventSourcePoller:
    """Drains the template's queues into their functions and runs scheduled functions.

    `invoke(function_id, event)` runs a handler (local.api.FunctionInvoker.invoke) and
    raises when it fails. As with Lambda: a batch whose invocation fails stays on the queue
    (visible again after the visibility timeout, then dead-lettered by the redrive policy);
    with ReportBatchItemFailures only the reported messages stay.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        queue_urls: Mapping[str, str],
        invoke: Callable[[str, Any], Any],
        endpoint_url: str,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str = DEFAULT_STACK_NAME,
        wait_seconds: int = 1,
        log: Callable[[str], None] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        queues, schedules = event_sources(template, parameters)
        self.queue_sources = [s for s in queues if s.enabled and s.queue_id in queue_urls]
        self.schedule_sources = [s for s in schedules if s.enabled]
        self.queue_urls = dict(queue_urls)
        self.invoke = invoke
        self.endpoint_url = endpoint_url
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.wait_seconds = wait_seconds
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> EventSourcePoller:
        self._stop.clear()
        for queue_source in self.queue_sources:
            self._spawn(self._poll_queue, queue_source, f"sqs-{queue_source.queue_id}")
        for schedule_source in self.schedule_sources:
            self._spawn(
                self._run_schedule, schedule_source, f"schedule-{schedule_source.event_name}"
            )
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.wait_seconds + 30)
        self._threads = []

    def __enter__(self) -> EventSourcePoller:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[[Any], None], source: Any, name: str) -> None:
        thread = threading.Thread(target=target, args=(source,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll_queue(self, source: SqsEventSource) -> None:
        sqs = client("sqs", self.endpoint_url, self.region)
        url = self.queue_urls[source.queue_id]
        queue_arn = f"arn:aws:sqs:{self.region}:{self.account_id}:{url.rsplit('/', 1)[-1]}"
        while not self._stop.is_set():
            try:
                self.poll_once(sqs, source, url, queue_arn)
            except Exception as error:  # the endpoint going away at shutdown, mostly
                if not self._stop.is_set():
                    self._log(f"{source.function_id}: polling {source.queue_id} failed: {error}")
                    self._stop.wait(1)

    def poll_once(self, sqs: Any, source: SqsEventSource, url: str, queue_arn: str) -> int:
        """Receive one batch and hand it to the function; returns how many were deleted."""
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(source.batch_size, 10)),
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(messages, queue_arn, self.region)
        try:
            result = self.invoke(source.function_id, event)
        except Exception as error:
            self._log(
                f"{source.function_id}: batch of {len(messages)} from {source.queue_id} failed "
                f"({error}); the messages return to the queue"
            )
            return 0
        failed: set[str] = set()
        if source.report_batch_item_failures and isinstance(result, Mapping):
            failed = {
                str(item.get("itemIdentifier"))
                for item in result.get("batchItemFailures") or []
                if isinstance(item, Mapping)
            }
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done)
                ],
            )
        self._log(
            f"SQS {source.queue_id} -> {source.function_id}: {len(messages)} message(s)"
            + (f", {len(failed)} failed" if failed else "")
        )
        return len(done)

    def _run_schedule(self, source: ScheduleEventSource) -> None:
        rule_name = f"{self.stack_name}-{source.function_id}{source.event_name}"[:64]
        while not self._stop.wait(source.interval_seconds):
            event = schedule_event(source, rule_name, self.region, self.account_id)
            try:
                self.invoke(source.function_id, event)
                self._log(f"schedule {source.event_name} -> {source.function_id}")
            except Exception as error:
                self._log(f"schedule {source.event_name} -> {source.function_id} failed: {error}")
