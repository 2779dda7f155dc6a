"""The DocuSign rate budget shared through DynamoDB: two containers never exceed the quota,
background work leaves the reserved share to API requests, DocuSign's headers feed it."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from typing import Any

import pytest

from docusign_connector.adapters.budget import BudgetSpent, RateBudget, reserve_for
from tests.support.budget_worker import take_calls

pytestmark = pytest.mark.integration


def headers(limit: int, remaining: int, reset: int, burst: int = 10_000) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
        "X-BurstLimit-Limit": str(burst),
        "X-BurstLimit-Remaining": str(burst),
    }


def new_account(stack: Any, quota: int, *, reset_in: int = 600) -> str:
    account_id = str(uuid.uuid4())
    RateBudget(stack.table).observe(account_id, headers(quota, quota, int(time.time()) + reset_in))
    return account_id


@pytest.mark.parametrize("background", [False, True], ids=["interactive", "background"])
def test_two_containers_never_take_more_than_the_quota(stack: Any, background: bool) -> None:
    quota = 40
    account_id = new_account(stack, quota)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=take_calls, args=(stack.table, account_id, 60, background, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    granted = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    allowed = quota - (reserve_for(quota, 0.05) if background else 0)
    # Every call the window allows was given out, to either container, and not one more.
    assert sum(granted) == allowed
    assert all(count > 0 for count in granted)
    assert RateBudget(stack.table).state(account_id)["left"] == quota - allowed


def test_background_work_waits_for_the_reset_while_api_requests_use_the_reserve(
    stack: Any,
) -> None:
    account_id = new_account(stack, 20, reset_in=300)
    background = RateBudget(stack.table, background=True)
    interactive = RateBudget(stack.table)
    reserve = reserve_for(20, 0.05)
    for _ in range(20 - reserve):
        background.take(account_id)

    with pytest.raises(BudgetSpent) as spent:
        background.take(account_id)
    assert 295 <= spent.value.wait_seconds <= 300
    assert spent.value.status_code == 429 and spent.value.code == "DOCUSIGN_BUDGET_SPENT"

    for _ in range(reserve):
        interactive.take(account_id)
    with pytest.raises(BudgetSpent):
        interactive.take(account_id)


def test_docusign_s_lower_count_wins_and_a_later_reset_starts_a_new_window(stack: Any) -> None:
    now = int(time.time())
    account_id = new_account(stack, 100, reset_in=600)
    budget = RateBudget(stack.table, background=True)
    budget.take(account_id)
    assert budget.state(account_id)["left"] == 99

    # Another integration of the account used most of the hour.
    budget.observe(account_id, headers(100, 3, now + 600))
    assert budget.state(account_id)["left"] == 3
    # A late answer from before does not give calls back.
    budget.observe(account_id, headers(100, 50, now + 600))
    assert budget.state(account_id)["left"] == 3
    # The next window.
    budget.observe(account_id, headers(100, 99, now + 4200))
    state = budget.state(account_id)
    assert (state["left"], state["reset"], state["guessed"]) == (99, now + 4200, 0)


def test_an_account_never_seen_starts_with_a_guessed_window_docusign_corrects(stack: Any) -> None:
    account_id = str(uuid.uuid4())
    budget = RateBudget(stack.table, background=True)
    budget.take(account_id)
    state = budget.state(account_id)
    assert state["guessed"] == 1 and state["left"] == 2999
    reset = int(time.time()) + 30
    budget.observe(account_id, headers(50, 10, reset))
    state = budget.state(account_id)
    assert (state["left"], state["reset"], state["limit"], state["guessed"]) == (10, reset, 50, 0)


def test_a_spent_window_opens_again_after_its_reset(stack: Any) -> None:
    clock = [time.time()]
    account_id = new_account(stack, 5, reset_in=60)
    budget = RateBudget(stack.table, background=True, now=lambda: clock[0])
    budget.observe(account_id, headers(5, 0, int(clock[0]) + 60))
    with pytest.raises(BudgetSpent):
        budget.take(account_id)
    clock[0] += 62
    budget.take(account_id)  # a new (guessed) window
    assert budget.state(account_id)["guessed"] == 1


def test_the_burst_limit_holds_background_work_to_half_a_burst_per_slot(stack: Any) -> None:
    now = time.time()
    clock = [now - now % 30 + 1]  # early in a 30-second slot
    account_id = str(uuid.uuid4())
    budget = RateBudget(stack.table, background=True, now=lambda: clock[0])
    budget.observe(account_id, headers(3000, 3000, int(clock[0]) + 3000, burst=20))
    taken = 0
    with pytest.raises(BudgetSpent) as spent:
        for _ in range(20):
            budget.take(account_id)
            taken += 1
    assert taken == 10 - reserve_for(10, 0.05)
    assert spent.value.wait_seconds <= 30
    clock[0] += 30
    budget.take(account_id)  # the next slot


def test_dynamodb_failing_lets_the_call_go_ahead(stack: Any) -> None:
    budget = RateBudget("no-such-table", background=True)
    budget.take(str(uuid.uuid4()))  # no exception: DocuSign still enforces its limits


class CountingDynamoDB:
    """A real DynamoDB client that counts the updates made through it."""

    def __init__(self) -> None:
        import boto3

        self._client = boto3.client("dynamodb")
        self.updates = 0

    def update_item(self, **kwargs: Any) -> Any:
        self.updates += 1
        return self._client.update_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_an_answer_that_changes_nothing_costs_no_write_but_a_lower_count_still_lands(
    stack: Any,
) -> None:
    reset = int(time.time()) + 600
    account_id = new_account(stack, 100, reset_in=600)
    RateBudget(stack.table).observe(account_id, headers(100, 100, reset))
    dynamodb = CountingDynamoDB()
    budget = RateBudget(stack.table, dynamodb=dynamodb)

    budget.take(account_id)
    budget.observe(account_id, headers(100, 99, reset))  # DocuSign agrees with the count
    assert dynamodb.updates == 1  # the count alone
    assert budget.state(account_id)["left"] == 99

    budget.take(account_id)
    budget.observe(account_id, headers(100, 40, reset))  # other integrations used calls
    assert dynamodb.updates == 4  # the count, then both of observe's conditional updates
    assert budget.state(account_id)["left"] == 40

    budget.take(account_id)
    budget.observe(account_id, headers(100, 90, reset + 3600))  # the next window
    assert budget.state(account_id)["reset"] == reset + 3600
    assert budget.state(account_id)["left"] == 90
