"""S3 buckets of the template, created with the settings CloudFormation would give them:
CloudFormation's bucket properties translated into the S3 API's requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from local.clients import error_code


def create_bucket(s3: Any, name: str, properties: Mapping[str, Any], region: str) -> None:
    """Create the bucket (an existing one is kept) and apply the template's settings to it."""
    request: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**request)
    except ClientError as error:
        if error_code(error) != "BucketAlreadyOwnedByYou":
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
