"""The template's AWS resources, created locally: its tables, buckets, queues, queue policies,
topics and event buses in moto (or any AWS endpoint), and the connection secrets.

Everything comes from template.yaml itself: there is no second, hand-written list of resources
to drift away from what gets deployed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from local.buckets import create_bucket
from local.clients import client, error_code
from local.resolver import Resolver, physical_names
from local.template import (
    API_TYPES,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    DEFAULT_STACK_NAME,
    FUNCTION_TYPE,
)

QUEUE_TYPE = "AWS::SQS::Queue"
TABLE_TYPE = "AWS::DynamoDB::Table"
BUCKET_TYPE = "AWS::S3::Bucket"
EVENT_BUS_TYPE = "AWS::Events::EventBus"
TOPIC_TYPE = "AWS::SNS::Topic"
QUEUE_POLICY_TYPE = "AWS::SQS::QueuePolicy"
RULE_TYPE = "AWS::Events::Rule"
USER_POOL_TYPE = "AWS::Cognito::UserPool"
RESOURCE_SERVER_TYPE = "AWS::Cognito::UserPoolResourceServer"
# The pool's domain (its /oauth2/token) is played by local.oauth_issuer.
USER_POOL_DOMAIN_TYPE = "AWS::Cognito::UserPoolDomain"

CREATED_TYPES = (
    TABLE_TYPE,
    BUCKET_TYPE,
    QUEUE_TYPE,
    EVENT_BUS_TYPE,
    TOPIC_TYPE,
    QUEUE_POLICY_TYPE,
    RULE_TYPE,
    USER_POOL_TYPE,
    RESOURCE_SERVER_TYPE,
)
# Run by the local API, the pollers and the local OAuth issuer rather than created.
SERVED_TYPES = (
    FUNCTION_TYPE,
    "AWS::Serverless::LayerVersion",
    *API_TYPES,
    USER_POOL_DOMAIN_TYPE,
)

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
            create_bucket(aws("s3"), name, properties, region)
        elif kind == QUEUE_TYPE:
            name = _create_queue(aws("sqs"), name, properties)
        elif kind == QUEUE_POLICY_TYPE:
            _apply_queue_policy(aws("sqs"), properties)
            continue
        elif kind == TOPIC_TYPE:
            name = aws("sns").create_topic(Name=name.rsplit(":", 1)[-1])["TopicArn"]
        elif kind == EVENT_BUS_TYPE:
            _create_event_bus(aws("events"), name)
        elif kind == RULE_TYPE:
            _create_rule(aws("events"), name, properties)
        elif kind == USER_POOL_TYPE:
            name = _create_user_pool(aws("cognito-idp"), name, properties)
        elif kind == RESOURCE_SERVER_TYPE:
            _create_resource_server(aws("cognito-idp"), properties)
        created[logical_id] = name
        # Later resources (a source queue's redrive policy, a bucket notification) refer
        # to this one by its real name or URL.
        names[logical_id] = name
        resolver.physical_names = names
    if skipped:
        say(f"local stack: skipped, no local effect: {', '.join(skipped)}")
    return created


# ---------------------------------------------------------------------------- Cognito


def _create_user_pool(cognito: Any, name: str, properties: Mapping[str, Any]) -> str:
    """The pool's id (what Ref returns); an existing pool of that name is kept."""
    pool_name = str(properties.get("UserPoolName") or name)
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page.get("UserPools", []):
            if pool.get("Name") == pool_name:
                return str(pool["Id"])
    created = cognito.create_user_pool(PoolName=pool_name)
    return str(created["UserPool"]["Id"])


def _create_resource_server(cognito: Any, properties: Mapping[str, Any]) -> None:
    arguments = {
        "UserPoolId": properties["UserPoolId"],
        "Identifier": properties["Identifier"],
        "Name": properties.get("Name") or properties["Identifier"],
        "Scopes": list(properties.get("Scopes") or []),
    }
    existing = cognito.list_resource_servers(UserPoolId=arguments["UserPoolId"], MaxResults=50)
    for server in existing.get("ResourceServers", []):
        if server.get("Identifier") == arguments["Identifier"]:
            return  # kept from an earlier start in this process, with the same scopes
    cognito.create_resource_server(**arguments)


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
        if error_code(error) != "ResourceInUseException":
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
        if error_code(error) not in ("QueueAlreadyExists", "QueueNameExists"):
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
        if error_code(error) != "ResourceAlreadyExistsException":
            raise


def _create_rule(events: Any, name: str, properties: Mapping[str, Any]) -> None:
    """An EventBridge rule and its targets (moto delivers matching events to SQS targets)."""
    bus = str(properties.get("EventBusName") or "default")
    events.put_rule(
        Name=name,
        EventBusName=bus,
        EventPattern=json.dumps(properties["EventPattern"]),
        State=str(properties.get("State") or "ENABLED"),
    )
    targets = [
        {"Id": str(target["Id"]), "Arn": str(target["Arn"])}
        for target in properties.get("Targets") or []
    ]
    if targets:
        events.put_targets(Rule=name, EventBusName=bus, Targets=targets)


# ---------------------------------------------------------------------------- secrets


def put_connection_secret(
    endpoint_url: str | None,
    region: str,
    prefix: str,
    name: str,
    secret: Mapping[str, Any],
) -> str:
    """Create or update the connection secret `{prefix}/{name}`; returns its ARN. Its Connect
    HMAC keys (`connectHmacKeys`) and its callback key (`callbackSecret`) go to secrets of
    their own, `{prefix}/{name}/connect` and `{prefix}/{name}/callback`, the only ones the
    webhook and the callback function can read, as the operators' tool stores them."""
    secrets = client("secretsmanager", endpoint_url, region)
    secret_id = f"{prefix.rstrip('/')}/{name}"
    credentials = {k: v for k, v in secret.items() if k not in OWN_SECRETS}
    for field, (suffix, what) in OWN_SECRETS.items():
        if field in secret:
            _put_secret(
                secrets,
                f"{secret_id}/{suffix}",
                {field: secret[field]},
                f"DocuSign {what} of connection '{name}'",
            )
    return _put_secret(secrets, secret_id, credentials, f"DocuSign connection '{name}'")


# Fields of a connection kept in a secret of their own: field -> (suffix, what it is).
OWN_SECRETS = {
    "connectHmacKeys": ("connect", "Connect HMAC keys"),
    "callbackSecret": ("callback", "callback signing key"),
}


def _put_secret(secrets: Any, secret_id: str, data: Mapping[str, Any], description: str) -> str:
    value = json.dumps(dict(data))
    try:
        return str(
            secrets.create_secret(
                Name=secret_id,
                SecretString=value,
                Description=description,
            )["ARN"]
        )
    except ClientError as error:
        if error_code(error) != "ResourceExistsException":
            raise
    return str(secrets.put_secret_value(SecretId=secret_id, SecretString=value)["ARN"])
