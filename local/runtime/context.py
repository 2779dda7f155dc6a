"""What the Lambda runtime passes a handler as `context`."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"


class LambdaContext:
    """The Lambda context object of the Python runtime (the attributes handlers read)."""

    def __init__(
        self,
        *,
        function_name: str,
        memory_limit_in_mb: int,
        timeout_seconds: float,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        aws_request_id: str | None = None,
        deadline: float | None = None,
    ) -> None:
        """`deadline`: when the invocation must end, as time.monotonic(); else now + timeout."""
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self.memory_limit_in_mb = int(memory_limit_in_mb)
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        today = datetime.now(UTC).strftime("%Y/%m/%d")
        self.log_stream_name = f"{today}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = deadline if deadline is not None else time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
