"""What every AWS adapter shares: clients made on first use, and one translation of AWS
errors into domain errors (throttling and passing failures are a 503 with Retry-After)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from ..errors import AwsFailure, AwsUnavailable

logger = Logger(child=True)

# Error codes AWS services use for "slow down" and "try again": retrying after a pause works.
RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "LimitExceededException",
        "TransactionInProgressException",
        "InternalServerError",
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def client(service: str, **kwargs: Any) -> Any:
    import boto3

    return boto3.client(service, **kwargs)  # type: ignore[call-overload]


@cache
def shared_client(service: str) -> Any:
    """The container's one client of `service`, for every adapter that uses it: boto3 clients
    are thread-safe, and each one made costs a cold start its own ~10 ms.
    `container.reset_services` forgets them."""
    return client(service)


@contextmanager
def aws_errors(service: str) -> Iterator[None]:
    """Run AWS calls; their failures leave as domain errors.

    A ClientError the caller handles itself (a failed condition, a missing object) must be
    caught inside this block.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in RETRYABLE_CODES or status >= 500:
            logger.warning("AWS call throttled or failed", extra={"service": service, "code": code})
            raise AwsUnavailable(
                f"{service} is busy; retry shortly", details=[{"awsErrorCode": code}]
            ) from exc
        logger.error("AWS call failed", extra={"service": service, "code": code})
        raise AwsFailure("internal error") from exc
    except BotoCoreError as exc:
        # No answer at all (connection, timeout): passing, so worth a retry.
        logger.warning("AWS call failed", extra={"service": service, "error": type(exc).__name__})
        raise AwsUnavailable(f"{service} could not be reached; retry shortly") from exc
