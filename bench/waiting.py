"""Waiting: how soon a deploy notices that its job has ended, and how often it asks Personalize
meanwhile. The example app is deployed with the lifecycle driver against moto and the
Personalize emulator on a virtual clock, with jobs of growing length.

Virtual time makes these numbers deterministic (they count seconds and calls, not machine
speed), so there are no repeated runs. How long a deploy lags behind its job depends on where
the job's end falls between two status polls, so each length is deployed twice: ending on a
poll, and just after one (the worst case).
"""

import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.lifecycle.driver.cloud_assembly import read_stack
from tests.lifecycle.driver.stack_deployment import DeployResult, StackDeployment
from tests.lifecycle.emulator import JobTimings, PersonalizeEmulator
from tests.lifecycle.local_aws import SOLUTION_VERSION_ARN, moto_server
from tests.lifecycle.virtual_clock import VirtualClock

from .runs import progress
from .synth import only_stack, python_app, synth
from .table import MISSES, Row, judged

JOB_TYPE = "Custom::PersonalizeBatchInferenceJob"
DESCRIBE = "DescribeBatchInferenceJob"
PENDING_SECONDS = 5 * 60
JOB_SECONDS = {"10 min": 10 * 60, "1 h": 60 * 60, "3 h": 3 * 60 * 60}
POLL_INTERVAL_SECONDS = 60  # the construct's default poll_interval: the most a deploy should lag
# Polls fall on whole poll intervals after the job's creation: 0 ends the job on one.
END_PHASES_SECONDS = (0, 1)
DESCRIBES_PER_HOUR_TARGET = 120
TIMEOUT_NOTE = "(waits > 1 h are the subject of issue 4)"


@dataclass(frozen=True)
class Wait:
    """One deploy of a job that runs ``job_seconds``."""

    result: DeployResult
    job_seconds: int
    started_at: float
    job_ended_at: float | None
    """When the emulator's job reached ACTIVE (None: it had not when the deploy ended)."""
    describes: int

    @property
    def lag(self) -> float | None:
        """Seconds from the job's end to its resource's CREATE_COMPLETE; None when either is missing."""
        complete = self.resource_event("CREATE_COMPLETE")
        if complete is None or self.job_ended_at is None:
            return None
        return complete.at - self.job_ended_at

    def resource_event(self, status: str):
        return next((event for event in self.result.events if event.resource_type == JOB_TYPE and event.status == status), None)


def measure() -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-waiting-") as outdir:
        progress("waiting: synthesizing app.py")
        synth(python_app("app.py"), Path(outdir))
        stack = read_stack(Path(outdir), only_stack(Path(outdir))[0])
        with moto_server() as aws_endpoint:
            for label, job_seconds in JOB_SECONDS.items():
                progress(f"waiting: deploying a {label} job on the virtual clock")
                rows.extend(_rows(label, [_deploy(stack, aws_endpoint, job_seconds + phase) for phase in END_PHASES_SECONDS]))
    return rows


def _deploy(stack, aws_endpoint: str, job_seconds: int) -> Wait:
    # A fresh account for each deploy, as the lifecycle tests have.
    urllib.request.urlopen(urllib.request.Request(f"{aws_endpoint}/moto-api/reset", method="POST")).close()
    clock = VirtualClock()
    timings = JobTimings(pending_seconds=PENDING_SECONDS, in_progress_seconds=job_seconds - PENDING_SECONDS)
    with PersonalizeEmulator(clock, aws_endpoint_url=aws_endpoint, timings=timings) as emulator:
        emulator.add_solution_version(SOLUTION_VERSION_ARN, recipe="user-personalization")
        deployment = StackDeployment(
            stack_name=stack.name, aws_endpoint_url=aws_endpoint, personalize_endpoint_url=emulator.endpoint_url, clock=clock
        )
        started_at = clock.now()
        result = deployment.deploy(stack, {"SolutionVersionArn": SOLUTION_VERSION_ARN})
        if emulator.internal_errors:
            raise RuntimeError(f"the Personalize emulator failed, so the numbers would mean nothing: {emulator.internal_errors}")
        (job,) = emulator.jobs()
        return Wait(
            result=result,
            job_seconds=job_seconds,
            started_at=started_at,
            job_ended_at=job.last_updated_at if job.status == "ACTIVE" else None,
            describes=sum(1 for request in emulator.requests if request.operation == DESCRIBE),
        )


def _rows(label: str, waits: list[Wait]) -> list[Row]:
    lag_metric = f"Waiting, {label} job: job end to resource complete"
    rate_metric = f"Waiting, {label} job: Describe calls per job-hour"
    lag_target = f"<= {POLL_INTERVAL_SECONDS} s"
    rate_target = f"<= {DESCRIBES_PER_HOUR_TARGET}"
    if all(wait.lag is not None for wait in waits):
        lags = " / ".join(f"{wait.lag:.0f} s" for wait in waits)
        worst_lag = max(wait.lag for wait in waits)
        worst_rate = max(waits, key=lambda wait: wait.describes / wait.job_seconds)
        per_hour = worst_rate.describes / (worst_rate.job_seconds / 3600)
        return [
            judged(lag_metric, f"{lags} (ending on a poll / 1 s after)", lag_target, worst_lag <= POLL_INTERVAL_SECONDS),
            judged(rate_metric, f"{per_hour:.0f} ({worst_rate.describes} calls)", rate_target, per_hour <= DESCRIBES_PER_HOUR_TARGET),
        ]
    # A deploy failed before its job ended: say how, and how often it polled while it waited.
    failed = next(wait for wait in waits if wait.lag is None)
    event = failed.resource_event("CREATE_FAILED")
    waited = (event.at if event else failed.started_at) - failed.started_at
    reason = event.reason.splitlines()[0] if event else failed.result.status
    timed_out = "did not finish within" in reason
    how = f"timeout at {waited / 60:.0f} min {TIMEOUT_NOTE}" if timed_out else reason
    per_hour = failed.describes / (waited / 3600) if waited else 0
    return [
        Row(lag_metric, f"fails: {how}", lag_target, MISSES),
        judged(rate_metric, f"{per_hour:.0f} over the {waited / 60:.0f} min waited ({failed.describes} calls)", rate_target,
               per_hour <= DESCRIBES_PER_HOUR_TARGET),
    ]
