"""Handlers for the local API's tests: they echo what the local API gives them."""

import base64
import json
import os


def echo(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Single": "one"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "body": json.dumps(
            {
                "event": event,
                "environment": {
                    key: os.environ.get(key)
                    for key in ("GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_SAM_LOCAL")
                },
                "context": {
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "invoked_function_arn": context.invoked_function_arn,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "aws_request_id": context.aws_request_id,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                    "remaining_ms": context.get_remaining_time_in_millis(),
                },
            }
        ),
        "isBase64Encoded": False,
    }


def created(event, context):
    return {"statusCode": 201, "body": event["body"] or ""}


def pdf(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/pdf"},
        "body": base64.b64encode(b"%PDF-1.7\n\x00\xff binary").decode(),
        "isBase64Encoded": True,
    }


def boom(event, context):
    raise RuntimeError("the handler failed on purpose")


def malformed(event, context):
    return {"body": "no status code"}


# Events the local stack's pollers delivered, for the tests to inspect.
RECEIVED = []


def sqs_batch(event, context):
    """Reports messages whose body is "fail" as failed; raises on "raise"."""
    RECEIVED.append(event)
    bodies = [record["body"] for record in event["Records"]]
    if "raise" in bodies:
        raise RuntimeError("the batch failed on purpose")
    return {
        "batchItemFailures": [
            {"itemIdentifier": record["messageId"]}
            for record in event["Records"]
            if record["body"] == "fail"
        ]
    }


def cold_start(event, context):
    """Reports Powertools' cold-start flag and clears it, as Powertools' decorators do."""
    from aws_lambda_powertools.logging import logger

    was_cold = logger.is_cold_start
    logger.is_cold_start = False
    return {"statusCode": 200, "body": json.dumps({"coldStart": was_cold})}
