"""One DocuSign rate budget per account, shared by every container through DynamoDB.

DocuSign counts every API call of an account against an hourly limit (3,000 by default) and a
30-second burst limit, shared by every integration of that account. Each answer reports where
the account stands (`X-RateLimit-Limit`, `-Remaining`, `-Reset` in epoch seconds,
`X-BurstLimit-Limit`, `-Remaining`). The budget item keeps that picture for everyone:

- `take` runs before each call: one conditional update that counts the call, refused when the
  window is spent. Interactive calls (serving an API request) may use the whole window;
  background work (inbox sends, archiving, reconcile) leaves `reserve` calls for them and, when
  refused, waits for the reset (`BudgetSpent` says how long).
- `observe` runs after each answer: DocuSign's own count wins when it is lower (other
  integrations use the same account), and a new window (a later reset) starts the count over.

The burst limit has no reset header and is a sliding window, so it is counted here in fixed
30-second slots of half the limit: any 30 seconds overlap two slots at most.

An item is `pk = RATEBUDGET#{accountId}`, `sk = WINDOW`. The budget fails open: when DynamoDB
itself fails, the call goes ahead (DocuSign still enforces its limits) and a warning is logged.

Not split: `take` and `observe` are the two halves of one conditional-update protocol on one
item; apart, each would have to restate the other's conditions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

from ..errors import Throttled
from .aws import shared_client
from .call_metrics import emit_call_metrics

logger = Logger(child=True)

PK_PREFIX = "RATEBUDGET#"
SK = "WINDOW"
DEFAULT_HOURLY_LIMIT = 3000  # DocuSign's default per account, until an answer says otherwise
DEFAULT_BURST_LIMIT = 200  # the developer environment's (production allows 500)
BURST_SLOT_SECONDS = 30
HOUR = 3600
# Share of each window kept for interactive calls (API requests).
DEFAULT_RESERVE_SHARE = 0.05
# A window is taken as over this long after its reset, for clocks that differ a little.
RESET_SLACK_SECONDS = 1
KEEP_ITEM_SECONDS = 2 * HOUR
MAX_TAKE_ROUNDS = 6


class BudgetSpent(Throttled):
    """The account's DocuSign budget is spent for this kind of call until `retry_after`."""

    code = "DOCUSIGN_BUDGET_SPENT"

    def __init__(self, wait_seconds: float, *, background: bool) -> None:
        super().__init__(
            "the DocuSign API budget of this account is spent; retry after the reset",
            retry_after=max(1, math.ceil(wait_seconds)),
        )
        self.wait_seconds = max(0.0, wait_seconds)
        self.background = background


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = (headers.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def reserve_for(limit: int, share: float) -> int:
    return max(1, math.ceil(limit * share)) if share > 0 else 0


class RateBudget:
    """The budget of every account this container calls, as one kind of caller."""

    def __init__(
        self,
        table_name: str,
        *,
        background: bool = False,
        reserve_share: float = DEFAULT_RESERVE_SHARE,
        dynamodb: Any = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.background = background
        self.reserve_share = reserve_share
        self._dynamodb = dynamodb
        self._now = now
        # Per account, the window as the last counted call left it (see `_window_is_known`).
        self._counted: dict[str, dict[str, Any]] = {}

    @property
    def dynamodb(self) -> Any:
        if self._dynamodb is None:
            self._dynamodb = shared_client("dynamodb")
        return self._dynamodb

    # ------------------------------------------------------------------------------ take

    def take(self, account_id: str) -> None:
        """Count one call, or raise `BudgetSpent` when this kind of caller must wait."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            for _ in range(MAX_TAKE_ROUNDS):
                item = self._count_call(account_id)
                if item is None:
                    return
                self._repair_or_refuse(account_id, item)
        except (ClientError, BotoCoreError) as exc:
            if _is_condition_failure(exc):
                return  # raced repeatedly with other containers: let DocuSign decide
            logger.warning(
                "rate budget unavailable; calling DocuSign without it",
                extra={"error": type(exc).__name__},
            )

    def _key(self, account_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"{PK_PREFIX}{account_id}"}, "sk": {"S": SK}}

    def _count_call(self, account_id: str) -> dict[str, Any] | None:
        """One conditional update counting the call; None when it was counted, else the item
        as it stands (empty when there is none yet)."""
        from botocore.exceptions import ClientError

        now = self._now()
        slot = int(now // BURST_SLOT_SECONDS)
        # Interactive calls are not held back by the burst count: a burst refusal costs them
        # one short retry in the transport, while background work simply waits for the slot.
        if self.background:
            condition = (
                "#reset > :window AND #left > #reserve AND #slot = :slot "
                "AND #burstUsed < #burstBackground"
            )
            names = {"#reserve": "reserve", "#burstBackground": "burstBackground"}
        else:
            condition = "#reset > :window AND #left > :zero AND #slot = :slot"
            names = {}
        try:
            counted = self.dynamodb.update_item(
                TableName=self.table_name,
                Key=self._key(account_id),
                UpdateExpression="SET #left = #left - :one, #burstUsed = #burstUsed + :one",
                ConditionExpression=condition,
                ExpressionAttributeNames={
                    "#left": "left",
                    "#reset": "reset",
                    "#slot": "burstSlot",
                    "#burstUsed": "burstUsed",
                    **names,
                },
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":window": {"N": str(int(now) - RESET_SLACK_SECONDS)},
                    ":slot": {"N": str(slot)},
                    **({} if self.background else {":zero": {"N": "0"}}),
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            self._counted[account_id] = {k: _plain(v) for k, v in answer_item(counted).items()}
            return None
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise
            answer: dict[str, Any] = dict(exc.response)
            old: dict[str, Any] | None = answer.get("Item")
            if old is None:  # older DynamoDB interfaces do not return the item
                old = self.dynamodb.get_item(
                    TableName=self.table_name, Key=self._key(account_id), ConsistentRead=True
                ).get("Item")
            return {k: _plain(v) for k, v in (old or {}).items()}

    def _repair_or_refuse(self, account_id: str, item: dict[str, Any]) -> None:
        """Why the count was refused: start what is missing or over (then count again), or
        raise `BudgetSpent` when the window or the burst slot is truly spent."""
        now = self._now()
        slot = int(now // BURST_SLOT_SECONDS)
        if not item:
            self._start_window(account_id, None, int(now // HOUR + 1) * HOUR, DEFAULT_HOURLY_LIMIT)
            return
        reset = int(item.get("reset", 0))
        if reset <= now - RESET_SLACK_SECONDS:
            # The window is over: the next one's reset is a guess until DocuSign answers.
            guess = max(reset + HOUR, int(now // HOUR + 1) * HOUR)
            self._start_window(account_id, reset, guess, int(item.get("limit", 0)) or None)
            return
        if int(item.get("burstSlot", -1)) != slot:
            self._start_slot(account_id, int(item.get("burstSlot", -1)), slot)
            return
        reserve = int(item.get("reserve", 0)) if self.background else 0
        if int(item.get("left", 0)) <= reserve:
            raise BudgetSpent(reset - now, background=self.background)
        raise BudgetSpent((slot + 1) * BURST_SLOT_SECONDS - now, background=self.background)

    def _window_values(self, limit: int, left: int, reset: int) -> dict[str, Any]:
        return {
            ":reset": {"N": str(reset)},
            ":limit": {"N": str(limit)},
            ":left": {"N": str(max(left, 0))},
            ":reserve": {"N": str(reserve_for(limit, self.reserve_share))},
            ":expires": {"N": str(reset + KEEP_ITEM_SECONDS)},
        }

    def _start_window(
        self, account_id: str, old_reset: int | None, reset: int, limit: int | None
    ) -> None:
        """A window we have no answer for yet: its full limit, its reset a guess."""
        from botocore.exceptions import ClientError

        limit = limit or DEFAULT_HOURLY_LIMIT
        now = self._now()
        burst = DEFAULT_BURST_LIMIT
        values = self._window_values(limit, limit, reset)
        values.update(self._burst_values(burst))
        values.update({":true": {"N": "1"}, ":slot": {"N": str(int(now // BURST_SLOT_SECONDS))}})
        condition = "attribute_not_exists(pk)"
        if old_reset is not None:
            condition = "#reset = :old"
            values[":old"] = {"N": str(old_reset)}
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=self._key(account_id),
                UpdateExpression=(
                    "SET #reset = :reset, #limit = :limit, #left = :left, #reserve = :reserve, "
                    "guessed = :true, expiresAt = :expires, "
                    "burstSlot = if_not_exists(burstSlot, :slot), "
                    "burstUsed = if_not_exists(burstUsed, :zero), "
                    "burstCap = if_not_exists(burstCap, :burstCap), "
                    "burstBackground = if_not_exists(burstBackground, :burstBackground)"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={
                    "#reset": "reset",
                    "#limit": "limit",
                    "#left": "left",
                    "#reserve": "reserve",
                },
                ExpressionAttributeValues={**values, ":zero": {"N": "0"}},
            )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise  # another container started it first otherwise: count again

    def _burst_values(self, burst_limit: int) -> dict[str, Any]:
        cap = max(1, burst_limit // 2)
        background = max(1, cap - reserve_for(cap, self.reserve_share))
        return {":burstCap": {"N": str(cap)}, ":burstBackground": {"N": str(background)}}

    def _start_slot(self, account_id: str, old_slot: int, slot: int) -> None:
        from botocore.exceptions import ClientError

        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=self._key(account_id),
                UpdateExpression="SET burstSlot = :slot, burstUsed = :zero",
                ConditionExpression="burstSlot = :old",
                ExpressionAttributeValues={
                    ":slot": {"N": str(slot)},
                    ":old": {"N": str(old_slot)},
                    ":zero": {"N": "0"},
                },
            )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise

    # --------------------------------------------------------------------------- observe

    def observe(self, account_id: str, headers: Mapping[str, str]) -> int | None:
        """Take in what DocuSign's answer says of the account; the calls left, if it said."""
        from botocore.exceptions import BotoCoreError, ClientError

        limit = _int_header(headers, "X-RateLimit-Limit")
        remaining = _int_header(headers, "X-RateLimit-Remaining")
        reset = _int_header(headers, "X-RateLimit-Reset")
        if limit is None or remaining is None or reset is None:
            return None
        burst_limit = _int_header(headers, "X-BurstLimit-Limit") or DEFAULT_BURST_LIMIT
        burst_remaining = _int_header(headers, "X-BurstLimit-Remaining")
        try:
            if not self._window_is_known(account_id, limit, remaining, reset):
                self._observe_window(account_id, limit, remaining, reset, burst_limit)
            if burst_remaining is not None and burst_remaining <= reserve_for(
                burst_limit, self.reserve_share
            ):
                self._spend_slot(account_id)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("rate budget not updated", extra={"error": type(exc).__name__})
        return remaining

    def _window_is_known(self, account_id: str, limit: int, remaining: int, reset: int) -> bool:
        """True when the answer cannot change the item, so `_observe_window` is not needed.

        The call was counted in the window DocuSign names (same reset and limit, not a guess),
        and DocuSign leaves at least as many calls as the item had just after counting: within
        a window `left` only falls, so the item holds that many or fewer and neither of
        `_observe_window`'s conditions could hold. Saves a write per DocuSign call.
        """
        counted = self._counted.pop(account_id, None)
        return (
            counted is not None
            and counted.get("reset") == reset
            and counted.get("limit") == limit
            and not counted.get("guessed")
            and isinstance(counted.get("left"), int)
            and remaining >= counted["left"]
        )

    def _observe_window(
        self, account_id: str, limit: int, remaining: int, reset: int, burst_limit: int
    ) -> None:
        from botocore.exceptions import ClientError

        now = self._now()
        values = self._window_values(limit, remaining, reset)
        values.update(self._burst_values(burst_limit))
        values.update(
            {
                ":false": {"N": "0"},
                ":true": {"N": "1"},
                ":zero": {"N": "0"},
                ":slot": {"N": str(int(now // BURST_SLOT_SECONDS))},
            }
        )
        names = {"#reset": "reset", "#limit": "limit", "#left": "left", "#reserve": "reserve"}
        try:
            # A window we did not know (or only guessed): DocuSign's count is the start.
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=self._key(account_id),
                UpdateExpression=(
                    "SET #reset = :reset, #limit = :limit, #left = :left, #reserve = :reserve, "
                    "guessed = :false, expiresAt = :expires, burstCap = :burstCap, "
                    "burstBackground = :burstBackground, "
                    "burstSlot = if_not_exists(burstSlot, :slot), "
                    "burstUsed = if_not_exists(burstUsed, :zero)"
                ),
                ConditionExpression=(
                    "attribute_not_exists(pk) OR #reset < :reset OR guessed = :true"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
            return
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise
        try:
            # The same window: DocuSign's count wins when it is lower than ours.
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=self._key(account_id),
                UpdateExpression="SET #left = :left",
                ConditionExpression="#reset = :reset AND #left > :left",
                ExpressionAttributeNames={"#reset": "reset", "#left": "left"},
                ExpressionAttributeValues={":reset": values[":reset"], ":left": values[":left"]},
            )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise

    def _spend_slot(self, account_id: str) -> None:
        """DocuSign says the burst is (nearly) used up: nothing more in this slot."""
        from botocore.exceptions import ClientError

        slot = int(self._now() // BURST_SLOT_SECONDS)
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=self._key(account_id),
                UpdateExpression="SET burstSlot = :slot, burstUsed = burstCap",
                ConditionExpression="attribute_exists(burstCap)",
                ExpressionAttributeValues={":slot": {"N": str(slot)}},
            )
        except ClientError as exc:
            if not _is_condition_failure(exc):
                raise

    def after_call(
        self, account_id: str, connection: str, status: int, headers: Mapping[str, str]
    ) -> None:
        """What every DocuSign answer leaves behind: the budget updated, the call counted."""
        remaining = self.observe(account_id, headers)
        emit_call_metrics(connection, throttled=status == 429, remaining=remaining)

    def state(self, account_id: str) -> dict[str, Any]:
        """The budget item as numbers (operators and tests)."""
        item = self.dynamodb.get_item(
            TableName=self.table_name, Key=self._key(account_id), ConsistentRead=True
        ).get("Item")
        return {k: _plain(v) for k, v in (item or {}).items()}


def _plain(value: dict[str, Any]) -> Any:
    if "N" in value:
        number = float(value["N"])
        return int(number) if number.is_integer() else number
    if "S" in value:
        return value["S"]
    if "BOOL" in value:
        return value["BOOL"]
    return value


def answer_item(answer: Any) -> dict[str, Any]:
    """The item an update returned (`Attributes`), empty when it returned none."""
    item = answer.get("Attributes") if isinstance(answer, dict) else None
    return item if isinstance(item, dict) else {}


def _is_condition_failure(exc: BaseException) -> bool:
    response = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
