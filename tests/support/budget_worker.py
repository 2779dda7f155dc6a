"""A second container for the rate budget tests: takes calls from the shared budget in its own
process and reports how many it was given."""

from __future__ import annotations

from typing import Any


def take_calls(table: str, account_id: str, attempts: int, background: bool, results: Any) -> None:
    from docusign_connector.adapters.budget import BudgetSpent, RateBudget

    budget = RateBudget(table, background=background)
    granted = 0
    for _ in range(attempts):
        try:
            budget.take(account_id)
        except BudgetSpent:
            continue
        granted += 1
    results.put(granted)
