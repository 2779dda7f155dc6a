"""An envelope's `workflow` (Advanced Recipient Routing): pausing before a routing order,
delayed routing and scheduled sending, as DocuSign documents them.

- Pause: a workflow step `{"action": "pause_before", "triggerOnItem": "routing_order",
  "itemId": "2"}` holds the envelope before the recipients of routing order 2 are sent;
  `workflowStatus` becomes `paused` until the sender sets it to `in_progress` again (PUT
  `…/workflow`, or Envelopes:update with `workflow.workflowStatus`, DocuSign's unpause
  how-to). Sources: "Pause and unpause a signature workflow", "How to pause a signature
  workflow", "How to unpause a signature workflow"; the spec's `workflow` and `workflowStep`.
- Delayed routing: the same step with `delayedRouting.rules[0]` (a `delay` `d.hh:mm:ss`, or
  a `resumeDate`): "the envelope will be placed on hold after all recipients in the previous
  step complete their required actions, and a delay countdown will begin. When it has
  elapsed, the envelope will be sent to recipients in the current step" ("Delayed routing").
- Scheduled sending: `scheduledSending.rules[0]` holds the first step until the rule's time
  ("Scheduled sending"); the countdown starts when the envelope is sent.

One rule only ("Currently only 1 rule may be specified"), a delay of at most 30 days, a
resume date in the future and at most 30 days ahead (`envelopeDelayRuleApiModel`).
Conditional recipients (`recipientRouting`) are refused as not supported by this emulator.
The clock is the emulator's (`advance_clock`): a countdown that has run out is applied when
the envelope is next read, and its recipients are sent then.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from .dates import format_datetime, parse_datetime
from .errors import invalid_parameter, not_supported

MAX_DELAY = timedelta(days=30)
_DELAY = re.compile(r"(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})")
_HOLDING = ("pending", "paused", "in_progress")


def _new_id(index: int) -> str:
    # DocuSign's workflowStepId values are its own; the emulator numbers the steps.
    return str(index + 1)


def _parse_rule(rules: Any, where: str, now: datetime) -> dict[str, str]:
    if not isinstance(rules, list) or len(rules) != 1 or not isinstance(rules[0], dict):
        raise invalid_parameter(f"{where}.rules must hold exactly one rule.")
    rule = rules[0]
    delay, resume = rule.get("delay"), rule.get("resumeDate")
    if bool(delay) == bool(resume):
        raise invalid_parameter(f"{where}.rules[0] needs either 'delay' or 'resumeDate'.")
    if delay:
        match = _DELAY.fullmatch(str(delay).strip())
        if match is None:
            raise invalid_parameter(
                f"{where}.rules[0].delay '{delay}' is not a d.hh:mm:ss time span."
            )
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        span = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if hours > 23 or minutes > 59 or seconds > 59 or span > MAX_DELAY:
            raise invalid_parameter(f"{where}.rules[0].delay '{delay}': at most 30 days.")
        return {"delay": str(delay).strip()}
    try:
        moment = parse_datetime(str(resume))
    except ValueError as exc:
        raise invalid_parameter(f"{where}.rules[0].resumeDate '{resume}' is not a date.") from exc
    if moment <= now or moment - now > MAX_DELAY:
        raise invalid_parameter(
            f"{where}.rules[0].resumeDate '{resume}' must be in the future, at most 30 days ahead."
        )
    return {"resumeDate": format_datetime(moment)}


def _resume_at(rule: dict[str, str], started: datetime) -> datetime:
    if rule.get("resumeDate"):
        return parse_datetime(rule["resumeDate"])
    days, hours, minutes, seconds = (
        int(part or 0)
        for part in _DELAY.fullmatch(rule["delay"]).groups()  # type: ignore[union-attr]
    )
    return started + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def check_workflow(given: Any, now: datetime) -> dict[str, Any] | None:
    """The envelope's workflow record from a createEnvelope `workflow`, checked."""
    if not given:
        return None
    if not isinstance(given, dict):
        raise invalid_parameter("'workflow' must be an object.")
    steps = []
    for index, step in enumerate(given.get("workflowSteps") or []):
        where = f"workflow.workflowSteps[{index}]"
        if not isinstance(step, dict):
            raise invalid_parameter(f"{where} must be an object.")
        if step.get("recipientRouting"):
            raise not_supported(
                "Conditional recipients (workflowSteps[].recipientRouting) are",
                "the emulator does not choose recipients by rules",
            )
        if str(step.get("action") or "").lower() != "pause_before":
            raise invalid_parameter(f"{where}.action must be 'pause_before'.")
        if str(step.get("triggerOnItem") or "").lower() != "routing_order":
            raise invalid_parameter(f"{where}.triggerOnItem must be 'routing_order'.")
        item = str(step.get("itemId") or "")
        if not item.isdigit() or int(item) < 1:
            raise invalid_parameter(f"{where}.itemId must be a routing order.")
        record: dict[str, Any] = {
            "workflowStepId": _new_id(index),
            "action": "pause_before",
            "triggerOnItem": "routing_order",
            "itemId": str(int(item)),
            "status": "pending",
        }
        delayed = step.get("delayedRouting")
        if delayed:
            rule = _parse_rule((delayed or {}).get("rules"), f"{where}.delayedRouting", now)
            record["delayedRouting"] = {"rules": [rule], "status": "pending"}
        steps.append(record)
    items = [s["itemId"] for s in steps]
    if len(items) != len(set(items)):
        raise invalid_parameter("Two workflow steps pause before the same routing order.")
    workflow: dict[str, Any] = {"workflowStatus": "in_progress", "workflowSteps": steps}
    scheduled = given.get("scheduledSending")
    if scheduled:
        rule = _parse_rule(scheduled.get("rules"), "workflow.scheduledSending", now)
        workflow["scheduledSending"] = {"rules": [rule], "status": "pending"}
    return workflow


def holds(envelope: dict[str, Any], order: int, first_step: bool, now: datetime) -> bool:
    """Whether routing must wait before sending routing order `order` (starting a pause or a
    countdown when the order is reached); False once the way is clear."""
    workflow = envelope.get("workflow")
    if not workflow:
        return False
    scheduled = workflow.get("scheduledSending")
    if first_step and scheduled and scheduled["status"] != "completed":
        if scheduled["status"] == "pending":
            scheduled["status"] = "started"
            scheduled["resumeDate"] = format_datetime(_resume_at(scheduled["rules"][0], now))
        if parse_datetime(scheduled["resumeDate"]) > now:
            workflow["resumeDate"] = scheduled["resumeDate"]
            return True
        scheduled["status"] = "completed"
        workflow.pop("resumeDate", None)
    for step in workflow["workflowSteps"]:
        if int(step["itemId"]) != order or step["status"] not in _HOLDING:
            continue
        workflow["currentWorkflowStepId"] = step["workflowStepId"]
        delayed = step.get("delayedRouting")
        if delayed is None:
            if step["status"] == "pending":
                step["status"] = "paused"
                step["triggeredDate"] = format_datetime(now)
                workflow["workflowStatus"] = "paused"
            return step["status"] == "paused"
        if delayed["status"] == "pending":
            delayed["status"] = "started"
            delayed["resumeDate"] = format_datetime(_resume_at(delayed["rules"][0], now))
            step["status"] = "in_progress"
            step["triggeredDate"] = format_datetime(now)
        if parse_datetime(delayed["resumeDate"]) > now:
            workflow["resumeDate"] = delayed["resumeDate"]
            return True
        delayed["status"] = "completed"
        step["status"] = "completed"
        step["completedDate"] = format_datetime(now)
        workflow.pop("resumeDate", None)
    return False


def countdown_due(envelope: dict[str, Any], now: datetime) -> bool:
    """Whether a scheduled send or a delay has run out and routing can go on."""
    workflow = envelope.get("workflow") or {}
    due = workflow.get("resumeDate")
    if not due or workflow.get("workflowStatus") == "paused":
        return False
    return parse_datetime(str(due)) <= now


def unpause(envelope: dict[str, Any], now: datetime) -> bool:
    """Resume a paused workflow; False when it was not paused."""
    workflow = envelope.get("workflow") or {}
    if workflow.get("workflowStatus") != "paused":
        return False
    for step in workflow["workflowSteps"]:
        if step["status"] == "paused":
            step["status"] = "completed"
            step["completedDate"] = format_datetime(now)
    workflow["workflowStatus"] = "in_progress"
    return True


def render(envelope: dict[str, Any]) -> dict[str, Any]:
    """The `workflow` object as GET …/workflow returns it."""
    workflow = envelope.get("workflow")
    if not workflow:
        return {"workflowStatus": "in_progress", "workflowSteps": []}
    out = {k: v for k, v in workflow.items() if v not in (None, "")}
    out["workflowSteps"] = [dict(step) for step in workflow["workflowSteps"]]
    return out
