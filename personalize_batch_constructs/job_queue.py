"""A stack's jobs of one kind, queued at synth in lanes: at most K run at once, K being the stack's
setting (default 5, Personalize's quota per Region for each kind).

A job joins the lane whose jobs' timeouts add up to least (the first such lane, so equal jobs go
round in turn) and depends on the last resource of its lane's previous job, the end of that
job's wait. CloudFormation then starts the job's resource only once the job before it has ended:
the stack's own jobs never wait for a slot of each other's, and each job's ``timeout`` measures
its own run. A slot taken by anyone else is waited for at deploy time (the handler's part).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jsii
from aws_cdk import Stack
from constructs import Construct, IConstruct, IValidation

from .handler_contract import contract

MAX_CONCURRENT_JOBS_CONTEXT_KEY = "personalize-batch-constructs:maxConcurrentJobs"
"""The CDK context key of how many jobs of a kind a stack runs at once (default 5)."""
DEFAULT_MAX_CONCURRENT_JOBS = 5
"""Personalize's default quota: 5 batch inference jobs, and 5 batch segment jobs, per Region at a time."""


class QueuePlace(NamedTuple):
    """Where a job waits in its stack's queue of its kind."""

    lane: int
    """1 to ``lanes``."""
    lanes: int
    position: int
    """1 for a lane's first job."""
    after: IConstruct | None
    """The resource whose end the job waits for (the previous job's last wait resource), if any."""
    after_path: str | None
    """The construct path of the job it follows, for the log."""

    def as_properties(self) -> dict[str, str]:
        """The place as the job's resource carries it, for the handler's log lines."""
        keys = contract.QueuePlace
        place = {keys.LANE: str(self.lane), keys.LANES: str(self.lanes), keys.POSITION: str(self.position)}
        return {**place, keys.AFTER: self.after_path} if self.after_path else place


class _Lane:
    def __init__(self, number: int) -> None:
        self.number = number
        self.timeout_seconds = 0
        self.jobs: list[Construct] = []
        self.last: tuple[Callable[[], IConstruct], str] | None = None
        """How to find the last job's last resource (made after the job joins), and its path."""


@jsii.implements(IValidation)
class _NoWaitForLaterJobs:
    """A job of a lane must not depend on a job after it in that lane: each would wait for the other,
    which CloudFormation refuses only at deploy."""

    def __init__(self, job: Construct, lane: _Lane, position: int) -> None:
        self._job = job
        self._lane = lane
        self._position = position

    def validate(self) -> list[str]:
        later = [job.node.path for job in self._lane.jobs[self._position :]]
        errors = []
        for dependency in self._job.node.dependencies:
            path = dependency.node.path
            waiting = next((p for p in later if path == p or path.startswith(p + "/")), None)
            if waiting is not None:
                errors.append(
                    f"depends on {path}, but the job {waiting} is queued after this one in lane "
                    f"{self._lane.number} and starts only once this one has ended: each would wait for the "
                    f"other. Remove the dependency, or create {waiting} first (jobs queue in the order they "
                    "are created)"
                )
        return errors


class JobQueue:
    """One kind's lanes in one stack."""

    def __init__(self, lanes: int) -> None:
        self._lanes = [_Lane(number) for number in range(1, lanes + 1)]

    def join(self, job: Construct, timeout_seconds: int, last_resource: Callable[[], IConstruct]) -> QueuePlace:
        """Put `job` at the end of the least loaded lane; `last_resource` finds the resource its
        successor will depend on once `job` has made it."""
        lane = min(self._lanes, key=lambda lane: lane.timeout_seconds)
        before = lane.last
        lane.timeout_seconds += timeout_seconds
        lane.jobs.append(job)
        lane.last = (last_resource, job.node.path)
        job.node.add_validation(_NoWaitForLaterJobs(job, lane, len(lane.jobs)))
        return QueuePlace(
            lane=lane.number,
            lanes=len(self._lanes),
            position=len(lane.jobs),
            after=before[0]() if before else None,
            after_path=before[1] if before else None,
        )


def max_concurrent_jobs(stack: Stack) -> int:
    """The stack's setting, from its CDK context (cdk.json, ``-c``, the App's or the stack's own)."""
    value = stack.node.try_get_context(MAX_CONCURRENT_JOBS_CONTEXT_KEY)
    if value is None:
        return DEFAULT_MAX_CONCURRENT_JOBS
    # `cdk -c key=8` passes a string; cdk.json and App(context=...) pass a number.
    whole = value.strip() if isinstance(value, str) else value
    if isinstance(whole, str) and whole.isdigit():
        whole = int(whole)
    if isinstance(whole, bool) or not isinstance(whole, int) or whole < 1:
        raise ValueError(
            f"Context {MAX_CONCURRENT_JOBS_CONTEXT_KEY} (how many batch jobs of a kind the stack "
            f"{stack.node.path} runs at once) must be a positive whole number, got {value!r}"
        )
    return whole
