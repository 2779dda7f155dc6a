"""boto3 clients for the local AWS endpoint, and the error codes they raise."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from local.template import DEFAULT_REGION


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


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
