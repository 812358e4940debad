"""Waiting: how soon a deploy notices that its job has ended, how often it asks Personalize
meanwhile, and how many resources carry the wait. Stacks are deployed with the lifecycle driver
against moto and the Personalize emulator on a virtual clock, with jobs of growing length: the
example app.py (timeout 3 hours) for jobs it has time for, and bench/waiting_app.py with a
12-hour timeout for longer ones; and that app with ``wait=False``, a deploy that only starts its job.

A wait longer than CloudFormation's hour goes on in wait extensions (Custom::PersonalizeBatchJobWait)
after the job's own resource, so the deploy's wait ends when the chain's last resource completes.

Virtual time makes these numbers deterministic (they count seconds and calls, not machine
speed), so there are no repeated runs. How long a deploy lags behind its job depends on where
the job's end falls between two status polls, so each length is deployed twice: ending on a
poll, and just after one (the worst case).
"""

import math
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.lifecycle.driver.cloud_assembly import StackArtifact, read_stack
from tests.lifecycle.driver.stack_deployment import DeployResult, StackDeployment
from tests.lifecycle.emulator import JobTimings, PersonalizeEmulator
from tests.lifecycle.local_aws import SOLUTION_VERSION_ARN, moto_server
from tests.lifecycle.virtual_clock import VirtualClock

from .runs import progress
from .synth import only_stack, python_app, synth
from .table import MISSES, Row, judged

JOB_RESOURCE_TYPE = "Custom::PersonalizeBatchInferenceJob"
WAIT_RESOURCE_TYPE = "Custom::PersonalizeBatchJobWait"
WAITING_RESOURCE_TYPES = (JOB_RESOURCE_TYPE, WAIT_RESOURCE_TYPE)
DESCRIBE = "DescribeBatchInferenceJob"
PENDING_SECONDS = 5 * 60
POLL_INTERVAL_SECONDS = 60  # the construct's default poll_interval: the most a deploy should lag
QUERY_INTERVAL_SECONDS = 10  # the provider's: how often is_complete runs
SHARE_SECONDS = 3480  # what one waiting resource waits at most (wait_chain.SHARE_SECONDS)
# Polls fall on whole poll intervals after the job's creation: 0 ends the job on one.
END_PHASES_SECONDS = (0, 1)
DESCRIBES_PER_HOUR_TARGET = 120
NO_WAIT_JOB_SECONDS = 10 * 60


@dataclass(frozen=True)
class App:
    name: str
    """How the table names it."""
    command: list[str]


EXAMPLE = App("app.py, 3 h timeout", python_app("app.py"))
TWELVE_HOURS = App("bench app, 12 h timeout", [*python_app("bench.waiting_app"), "--timeout-hours", "12"])
NO_WAIT = App("bench app, wait=False", [*python_app("bench.waiting_app"), "--no-wait"])
# label: (job seconds from its creation to its end, pending included; the app deployed)
JOBS = {
    "10 min": (10 * 60, EXAMPLE),
    "1 h": (60 * 60, EXAMPLE),
    "3 h": (3 * 60 * 60, TWELVE_HOURS),  # app.py's 3 h would time out the job ending 1 s after
    "11 h": (11 * 60 * 60, TWELVE_HOURS),
}


@dataclass(frozen=True)
class Wait:
    """One deploy of a job that runs ``job_seconds``."""

    result: DeployResult
    job_seconds: int
    started_at: float
    job_ended_at: float | None
    """When the emulator's job reached ACTIVE (None: it had not when the deploy ended)."""
    job_status: str
    """The job's status when the deploy ended."""
    describe_times: list[float]
    """When each Describe call arrived."""
    chain: list[str]
    """The resources that wait in turn, in order: the job's own, then its wait extensions."""

    @property
    def describes(self) -> int:
        return len(self.describe_times)

    @property
    def describes_after_end(self) -> int:
        """Describe calls after the one that saw the job ACTIVE."""
        if self.job_ended_at is None:
            return 0
        return max(sum(1 for at in self.describe_times if at >= self.job_ended_at) - 1, 0)

    @property
    def completed(self):
        """The chain's last CREATE_COMPLETE: when the deploy's wait ended (None if it failed)."""
        return self.event(self.chain[-1], "CREATE_COMPLETE")

    @property
    def lag(self) -> float | None:
        """Seconds from the job's end to the last waiting resource's CREATE_COMPLETE; None when either is missing."""
        if self.completed is None or self.job_ended_at is None:
            return None
        return self.completed.at - self.job_ended_at

    @property
    def waited(self) -> int:
        """Waiting resources started while the job still ran; the rest complete without a call."""
        end = self.job_ended_at if self.job_ended_at is not None else math.inf
        return sum(
            1 for logical_id in self.chain if (start := self.event(logical_id, "CREATE_IN_PROGRESS")) and start.at < end
        )

    @property
    def deploy_seconds(self) -> float:
        return max(event.at for event in self.result.events) - self.started_at

    def event(self, logical_id: str, status: str):
        return next(
            (event for event in self.result.events if event.logical_id == logical_id and event.status == status), None
        )

    def first_failure(self):
        return next(
            (
                event
                for event in self.result.events
                if event.resource_type in WAITING_RESOURCE_TYPES
                and event.status == "CREATE_FAILED"
                and "cancelled" not in event.reason
            ),
            None,
        )


def measure() -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-waiting-") as outdir:
        stacks = {}
        for app in (EXAMPLE, TWELVE_HOURS, NO_WAIT):
            progress(f"waiting: synthesizing {app.name}")
            app_outdir = Path(outdir) / str(len(stacks))
            synth(app.command, app_outdir)
            stacks[app.name] = read_stack(app_outdir, only_stack(app_outdir)[0])
        with moto_server() as aws_endpoint:
            for label, (job_seconds, app) in JOBS.items():
                progress(f"waiting: deploying a {label} job ({app.name}) on the virtual clock")
                waits = [_deploy(stacks[app.name], aws_endpoint, job_seconds + phase) for phase in END_PHASES_SECONDS]
                rows.extend(_rows(f"{label} job ({app.name})", waits))
            progress(f"waiting: deploying a job with wait=False ({NO_WAIT.name})")
            rows.extend(_no_wait_rows(_deploy(stacks[NO_WAIT.name], aws_endpoint, NO_WAIT_JOB_SECONDS)))
    return rows


def _deploy(stack: StackArtifact, aws_endpoint: str, job_seconds: int) -> Wait:
    # A fresh account for each deploy, as the lifecycle tests have.
    urllib.request.urlopen(urllib.request.Request(f"{aws_endpoint}/moto-api/reset", method="POST")).close()
    clock = VirtualClock()
    timings = JobTimings(pending_seconds=PENDING_SECONDS, in_progress_seconds=job_seconds - PENDING_SECONDS)
    with PersonalizeEmulator(clock, aws_endpoint_url=aws_endpoint, timings=timings) as emulator:
        emulator.add_solution_version(SOLUTION_VERSION_ARN, recipe="user-personalization")
        deployment = StackDeployment(
            stack_name=stack.name,
            aws_endpoint_url=aws_endpoint,
            personalize_endpoint_url=emulator.endpoint_url,
            clock=clock,
        )
        started_at = clock.now()
        result = deployment.deploy(stack, {"SolutionVersionArn": SOLUTION_VERSION_ARN})
        if emulator.internal_errors:
            raise RuntimeError(
                f"the Personalize emulator failed, so the numbers would mean nothing: {emulator.internal_errors}"
            )
        (job,) = emulator.jobs()
        return Wait(
            result=result,
            job_seconds=job_seconds,
            started_at=started_at,
            job_ended_at=job.last_updated_at if job.status == "ACTIVE" else None,
            job_status=job.status,
            describe_times=[request.at for request in emulator.requests if request.operation == DESCRIBE],
            chain=_chain(stack),
        )


def _chain(stack: StackArtifact) -> list[str]:
    """The stack's waiting resources in the order they wait: the job's, then extension 1, 2, ..."""
    resources = stack.resources
    (job,) = (logical_id for logical_id, resource in resources.items() if resource["Type"] == JOB_RESOURCE_TYPE)
    extensions = sorted(
        (int(resource["Properties"]["Extension"]), logical_id)
        for logical_id, resource in resources.items()
        if resource["Type"] == WAIT_RESOURCE_TYPE
    )
    return [job, *(logical_id for _, logical_id in extensions)]


def _both(waits: list[Wait], value) -> str:
    """One value per end phase: ``0 s / 59 s``."""
    return " / ".join(str(value(wait)) for wait in waits)


def _rows(label: str, waits: list[Wait]) -> list[Row]:
    phases = "(ending on a poll / 1 s after)"
    status_row = judged(
        f"Waiting, {label}: deploy",
        f"{_both(waits, lambda wait: wait.result.status)} {phases}",
        "CREATE_COMPLETE",
        all(wait.result.status == "CREATE_COMPLETE" for wait in waits),
    )
    lag_metric = f"Waiting, {label}: job end to last waiting resource complete"
    rate_metric = f"Waiting, {label}: Describe calls per job-hour"
    after_metric = f"Waiting, {label}: Describe calls after the job ended"
    resources_metric = f"Waiting, {label}: waiting resources"
    lag_target = f"<= {POLL_INTERVAL_SECONDS} s"
    rate_target = f"<= {DESCRIBES_PER_HOUR_TARGET}"
    chain = len(waits[0].chain)
    least = math.ceil(max(wait.job_seconds for wait in waits) / SHARE_SECONDS)
    if all(wait.lag is not None for wait in waits):
        worst_lag = max(wait.lag for wait in waits)
        worst_rate = max(waits, key=lambda wait: wait.describes / wait.job_seconds)
        per_hour = worst_rate.describes / (worst_rate.job_seconds / 3600)
        waited = _both(waits, lambda wait: wait.waited)
        return [
            status_row,
            judged(
                lag_metric,
                f"{_both(waits, lambda wait: f'{wait.lag:.0f} s')} {phases}",
                lag_target,
                worst_lag <= POLL_INTERVAL_SECONDS,
            ),
            judged(
                rate_metric,
                f"{per_hour:.0f} ({worst_rate.describes} calls)",
                rate_target,
                per_hour <= DESCRIBES_PER_HOUR_TARGET,
            ),
            judged(
                after_metric,
                f"{_both(waits, lambda wait: wait.describes_after_end)} {phases}",
                "0",
                all(wait.describes_after_end == 0 for wait in waits),
            ),
            Row(
                resources_metric,
                f"{waited} of {chain} waited (the fewest a job this long needs: {least}); "
                f"{_both(waits, lambda wait: chain - wait.waited)} completed after its end without a call {phases}",
            ),
        ]
    # A deploy failed before its job ended: say how, and how often it polled while it waited.
    failed = next(wait for wait in waits if wait.lag is None)
    event = failed.first_failure()
    waited_seconds = (event.at if event else failed.started_at) - failed.started_at
    # The reason's first sentence: "Batch inference job <arn> did not finish within 10800 s (...)".
    how = event.reason.splitlines()[0].removeprefix("Error: ").split(". ")[0] if event else failed.result.status
    per_hour = failed.describes / (waited_seconds / 3600) if waited_seconds else 0
    return [
        status_row,
        Row(lag_metric, f"fails at {waited_seconds / 60:.0f} min: {how}", lag_target, MISSES),
        judged(
            rate_metric,
            f"{per_hour:.0f} over the {waited_seconds / 60:.0f} min waited ({failed.describes} calls)",
            rate_target,
            per_hour <= DESCRIBES_PER_HOUR_TARGET,
        ),
        Row(resources_metric, f"{failed.waited} of {chain} waited"),
    ]


def _no_wait_rows(wait: Wait) -> list[Row]:
    label = f"Waiting, wait=False (bench app), {NO_WAIT_JOB_SECONDS // 60} min job"
    ok = wait.result.status == "CREATE_COMPLETE" and wait.job_ended_at is None
    return [
        judged(
            f"{label}: deploy time",
            f"{wait.deploy_seconds:.0f} s ({wait.result.status}; the job still {wait.job_status})",
            f"<= {QUERY_INTERVAL_SECONDS} s, the job still running",
            ok and wait.deploy_seconds <= QUERY_INTERVAL_SECONDS,
        ),
        judged(f"{label}: Describe calls", str(wait.describes), "<= 1", wait.describes <= 1),
    ]
