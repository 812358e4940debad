"""An EventBridge schedule firing, and the Step Functions execution it starts, on the virtual clock.

The schedule's target input is resolved from the deployed stack, with the scheduler's context
attributes filled in as EventBridge Scheduler does (``<aws.scheduler.scheduled-time>``); the
execution then walks the stack's own state machine definition, as synthesized: Task (a Lambda
ARN, ``Parameters`` with ``.$`` paths, ``ResultPath``), Wait (``SecondsPath``, on the virtual
clock), Choice (``BooleanEquals``) and Succeed, the states the scheduled-runs machine uses; any
other state or field fails loudly. A task's Lambda function runs in process, as the
deployment's custom resource handlers do. Not modelled: Step Functions' own retries of Lambda
service errors, and the execution's TimeoutSeconds.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .provider_framework import UserFunction
    from .stack_deployment import StackDeployment

_SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
_TASK_FIELDS = {"Type", "Resource", "Parameters", "ResultPath", "Next", "Retry"}


@dataclass
class Execution:
    """One execution: step it, or run it to its end."""

    definition: dict
    functions: dict[str, UserFunction]
    clock: Any
    state: dict
    current: str | None = None
    status: str = "RUNNING"
    error: str | None = None
    """A failed execution's cause: the error message of the task that failed."""
    history: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.current = self.definition["StartAt"]

    def step(self) -> None:
        """Run the current state; a Wait advances the virtual clock by its seconds."""
        assert self.status == "RUNNING" and self.current is not None
        name, state = self.current, self.definition["States"][self.current]
        self.history.append(name)
        kind = state["Type"]
        if kind == "Task":
            unknown = set(state) - _TASK_FIELDS
            if unknown:
                raise NotImplementedError(f"Task fields not modelled: {sorted(unknown)}")
            payload = _parameters(state.get("Parameters", {}), self.state)
            try:
                result = self.functions[state["Resource"]].call(payload)
            except Exception as error:  # the Lambda function's error fails the task, and the execution
                self.status, self.error, self.current = "FAILED", str(error), None
                return
            self.state = _with_result(self.state, state.get("ResultPath", "$"), result)
            self.current = state["Next"]
        elif kind == "Wait":
            self.clock.advance(_path(self.state, state["SecondsPath"]))
            self.current = state["Next"]
        elif kind == "Choice":
            self.current = state["Default"]
            for choice in state["Choices"]:
                if set(choice) != {"Variable", "BooleanEquals", "Next"}:
                    raise NotImplementedError(f"Choice rule not modelled: {choice}")
                if _path(self.state, choice["Variable"]) is choice["BooleanEquals"]:
                    self.current = choice["Next"]
                    break
        elif kind == "Succeed":
            self.status, self.current = "SUCCEEDED", None
        else:
            raise NotImplementedError(f"state type {kind} not modelled")

    def run_until(self, state_name: str) -> None:
        """Step until the execution is about to run `state_name` (or has ended)."""
        while self.status == "RUNNING" and (self.current != state_name or not self.history):
            self.step()
            if self.current == state_name:
                return

    def run(self, max_steps: int = 10_000) -> Execution:
        for _ in range(max_steps):
            if self.status != "RUNNING":
                return self
            self.step()
        raise RuntimeError(f"execution still running after {max_steps} steps")


def fire_schedule(deployment: StackDeployment, schedule_logical_id: str, scheduled_at: float) -> Execution:
    """The execution the schedule `schedule_logical_id` starts when it fires at `scheduled_at`."""
    schedule = deployment.deployed_template_resource(schedule_logical_id)
    assert schedule["Type"] == "AWS::Scheduler::Schedule", schedule["Type"]
    target = schedule["Properties"]["Target"]
    scheduled_time = datetime.datetime.fromtimestamp(scheduled_at, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    execution_input = json.loads(deployment.resolve(target["Input"]).replace(_SCHEDULED_TIME, scheduled_time))
    state_machine = deployment.deployed_template_resource_with_arn(deployment.resolve(target["Arn"]), "Ref")
    definition = json.loads(deployment.resolve(state_machine["Properties"]["DefinitionString"]))
    arns = {state["Resource"] for state in definition["States"].values() if state["Type"] == "Task"}
    return Execution(
        definition=definition,
        functions={arn: deployment.function(arn) for arn in arns},
        clock=deployment.clock,
        state=execution_input,
    )


def _parameters(template: Any, state: dict) -> Any:
    if isinstance(template, dict):
        resolved = {}
        for key, value in template.items():
            if key.endswith(".$"):
                resolved[key[:-2]] = _path(state, value)
            else:
                resolved[key] = _parameters(value, state)
        return resolved
    if isinstance(template, list):
        return [_parameters(item, state) for item in template]
    return template


def _path(state: dict, path: str) -> Any:
    if not path.startswith("$"):
        raise NotImplementedError(f"path {path!r} not modelled")
    value: Any = state
    for part in path.removeprefix("$").split(".")[1:]:
        value = value[part]
    return value


def _with_result(state: dict, result_path: str, result: Any) -> dict:
    if result_path == "$":
        return result
    parts = result_path.removeprefix("$.").split(".")
    updated = json.loads(json.dumps(state))
    target = updated
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = result
    return updated
