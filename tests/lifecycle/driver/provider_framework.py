"""The CDK Provider framework (aws-cdk-lib custom_resources.Provider), modelled step by step.

It follows framework.js and cfn-response.js as aws-cdk-lib 2.275 bundles them into cdk.out:
onEvent runs the user's on_event; with an is_complete function, a Step Functions waiter
calls it at once and then every IntervalSeconds for MaxAttempts retries, and "Operation timed
out" ends the wait. A user function's exception becomes a FAILED response whose reason is the
error's stack ("Error: <message>\n\nLogs: /aws/lambda/<function>\n...").
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
MISSING_PHYSICAL_ID_MARKER = "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID"
# framework.js's Error stack has Node frames below the message; one stands for them here.
_STACK_FRAME = "    at invokeUserFunction (/var/task/framework.js:1:1)"


@dataclass(frozen=True)
class UserFunction:
    name: str
    call: Callable[[dict], dict]
    """Runs the Lambda function on an event as the Lambda runtime would; raises what it raises."""


@dataclass(frozen=True)
class WaiterSettings:
    interval_seconds: int
    max_attempts: int


@dataclass(frozen=True)
class Response:
    """What the framework PUTs to CloudFormation's response URL."""

    status: str
    physical_id: str
    data: dict = field(default_factory=dict)
    reason: str = ""


@dataclass
class Waiting:
    """A waiter execution between two is_complete attempts."""

    event: dict
    next_attempt_at: float
    retries_left: int


class ProviderFramework:
    def __init__(self, on_event: UserFunction, is_complete: UserFunction | None, waiter: WaiterSettings):
        self._on_event = on_event
        self._is_complete = is_complete
        self._waiter = waiter

    def on_event(self, request: dict, now: float) -> Response | Waiting:
        if request["RequestType"] == "Delete" and request.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
            return Response("SUCCESS", CREATE_FAILED_MARKER, reason="ignoring DELETE after a failed CREATE")
        try:
            result = self._on_event.call(request) or {}
            event = _response_event(request, result)
        except Exception as error:  # the framework answers FAILED for anything the user code raises
            return _failed(request, error, self._on_event)
        if self._is_complete is None:
            return _succeeded(event)
        return Waiting(event=event, next_attempt_at=now, retries_left=self._waiter.max_attempts)

    def attempt(self, waiting: Waiting, now: float) -> Response | Waiting:
        """One waiter attempt at `now`: a response, or the next attempt's time."""
        try:
            result = self._is_complete.call(waiting.event)
            if not result.get("IsComplete"):
                if result.get("Data"):
                    raise RuntimeError('"Data" is not allowed if "IsComplete" is "False"')
                return self._retry(waiting, now)
        except Exception as error:
            return _failed(waiting.event, error, self._is_complete)
        return _succeeded(
            {**waiting.event, **result, "Data": {**waiting.event.get("Data", {}), **result.get("Data", {})}}
        )

    def _retry(self, waiting: Waiting, now: float) -> Response | Waiting:
        if waiting.retries_left == 0:
            return Response("FAILED", waiting.event["PhysicalResourceId"], reason="Operation timed out")
        return Waiting(
            event=waiting.event,
            next_attempt_at=now + self._waiter.interval_seconds,
            retries_left=waiting.retries_left - 1,
        )


def waiter_settings(state_machine_definition: str) -> WaiterSettings:
    definition = json.loads(state_machine_definition)
    retry = definition["States"][definition["StartAt"]]["Retry"][0]
    if retry.get("BackoffRate", 1) != 1:
        raise ValueError(f"waiter backs off ({retry['BackoffRate']}): only a fixed interval is modelled")
    return WaiterSettings(interval_seconds=retry["IntervalSeconds"], max_attempts=retry["MaxAttempts"])


def _response_event(request: dict, result: dict) -> dict:
    default_id = request["RequestId"] if request["RequestType"] == "Create" else request["PhysicalResourceId"]
    physical_id = result.get("PhysicalResourceId") or default_id
    if request["RequestType"] == "Delete" and physical_id != request["PhysicalResourceId"]:
        raise RuntimeError(
            f'DELETE: cannot change the physical resource ID from "{request["PhysicalResourceId"]}" '
            f'to "{result.get("PhysicalResourceId")}" during deletion'
        )
    return {**request, **result, "PhysicalResourceId": physical_id}


def _succeeded(event: dict) -> Response:
    return Response(
        "SUCCESS", event.get("PhysicalResourceId") or MISSING_PHYSICAL_ID_MARKER, data=event.get("Data") or {}
    )


def _failed(event: dict, error: Exception, function: UserFunction) -> Response:
    physical_id = event.get("PhysicalResourceId") or (
        CREATE_FAILED_MARKER if event["RequestType"] == "Create" else MISSING_PHYSICAL_ID_MARKER
    )
    reason = "\n".join([f"Error: {error}", "", f"Logs: /aws/lambda/{function.name}", "", _STACK_FRAME])
    return Response("FAILED", physical_id, reason=reason)
