"""The queue: many jobs of a kind in one stack, and jobs waiting for slots taken outside it. Stacks
of bench/queue_app.py are deployed with the lifecycle driver against moto and the Personalize
emulator (quota: 5 jobs of a kind at a time) on a virtual clock, so the figures count seconds and
calls, not machine speed, and there are no repeated runs.

- Makespan of N equal jobs of length D (from Create to ACTIVE, 5 minutes PENDING included): the
  stack's lanes run 5 at a time; the target is the quota-bound ceil(N/5)·D plus one poll per job.
- Create calls per queued job-hour: N jobs deployed while outside jobs hold slots; every job's
  Create calls from its first to the accepted one, over the hours between them.
- What each extra job adds to the template: resources and Lambda functions.
"""

import math
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.lifecycle.adjustable_timings import AdjustableTimings
from tests.lifecycle.driver.cloud_assembly import StackArtifact, read_stack
from tests.lifecycle.driver.stack_deployment import StackDeployment
from tests.lifecycle.emulator import PersonalizeEmulator
from tests.lifecycle.local_aws import client, moto_server
from tests.lifecycle.outside_jobs import OUTSIDE_PREFIX, hold_slots
from tests.lifecycle.virtual_clock import VirtualClock

from .queue_app import INPUT_BUCKET, SOLUTION_VERSION_ARN, STACK_NAME, input_key
from .runs import progress
from .synth import only_stack, python_app, synth
from .table import Row, judged

CREATE = "CreateBatchInferenceJob"
QUOTA = 5
PENDING_SECONDS = 5 * 60
POLL_INTERVAL_SECONDS = 60  # the construct's default
JOB_TYPES = ("Custom::PersonalizeBatchInferenceJob", "Custom::PersonalizeBatchJobWait")


@dataclass(frozen=True)
class Case:
    label: str
    jobs: int
    job_minutes: int
    timeout_hours: int
    outside_jobs: int = 0
    outside_minutes: int = 0


MAKESPANS = (
    Case("12 jobs of 2 h", jobs=12, job_minutes=120, timeout_hours=3),
    Case("100 jobs of 30 min", jobs=100, job_minutes=30, timeout_hours=1),
)
QUEUED = (
    Case(
        "7 jobs of 25 min, 3 slots taken for 2 h",
        jobs=7,
        job_minutes=25,
        timeout_hours=4,
        outside_jobs=3,
        outside_minutes=120,
    ),
    Case(
        "1 job of 25 min, 5 slots taken for 2 h",
        jobs=1,
        job_minutes=25,
        timeout_hours=3,
        outside_jobs=5,
        outside_minutes=120,
    ),
)


@dataclass(frozen=True)
class Deploy:
    status: str
    makespan: float
    """Seconds from the deploy's start to its end."""
    creates_by_job: dict[str, list[tuple[float, str | None]]]
    """(when, error code) of each Create of each of the stack's jobs."""
    peak: int


def measure() -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as outdir, moto_server() as aws_endpoint:
        for case in (*MAKESPANS, *QUEUED):
            progress(f"queue: {case.label} on the virtual clock")
            stack = _synth(Path(outdir) / case.label.replace(" ", "-"), case)
            deploy = _deploy(stack, aws_endpoint, case)
            rows.extend(_makespan_rows(case, deploy) if case in MAKESPANS else _queued_rows(case, deploy))
        rows.extend(_per_job_rows(Path(outdir)))
    return rows


def _synth(outdir: Path, case: Case) -> StackArtifact:
    synth([*python_app("bench.queue_app"), str(case.jobs), str(case.timeout_hours)], outdir)
    return read_stack(outdir, only_stack(outdir)[0])


def _deploy(stack: StackArtifact, aws_endpoint: str, case: Case) -> Deploy:
    urllib.request.urlopen(urllib.request.Request(f"{aws_endpoint}/moto-api/reset", method="POST")).close()
    s3 = client("s3", aws_endpoint)
    s3.create_bucket(Bucket=INPUT_BUCKET)
    for number in range(case.jobs):
        s3.put_object(Bucket=INPUT_BUCKET, Key=input_key(number), Body=b'{"userId": "1"}\n')
    clock = VirtualClock()
    timings = AdjustableTimings(
        pending_seconds=PENDING_SECONDS, in_progress_seconds=case.job_minutes * 60 - PENDING_SECONDS
    )
    with PersonalizeEmulator(clock, aws_endpoint_url=aws_endpoint, timings=timings) as emulator:
        emulator.add_solution_version(SOLUTION_VERSION_ARN, recipe="user-personalization")
        if case.outside_jobs:
            hold_slots(
                emulator,
                clock,
                timings,
                aws_endpoint,
                kind_api_name="BatchInferenceJob",
                solution_version_arn=SOLUTION_VERSION_ARN,
                count=case.outside_jobs,
                minutes=case.outside_minutes,
            )
        deployment = StackDeployment(
            stack_name=STACK_NAME,
            aws_endpoint_url=aws_endpoint,
            personalize_endpoint_url=emulator.endpoint_url,
            clock=clock,
        )
        started_at = clock.now()
        result = deployment.deploy(stack)
        if emulator.internal_errors:
            raise RuntimeError(
                f"the Personalize emulator failed, so the numbers would mean nothing: {emulator.internal_errors}"
            )
        creates: dict[str, list[tuple[float, str | None]]] = {}
        for request in emulator.requests:
            if request.operation == CREATE and not request.params["jobName"].startswith(OUTSIDE_PREFIX):
                creates.setdefault(request.params["jobName"], []).append((request.at, request.error_code))
        return Deploy(
            status=result.status,
            makespan=max(event.at for event in result.events) - started_at,
            creates_by_job=creates,
            peak=emulator.peak_concurrency_of("batch-inference-job"),
        )


def _makespan_rows(case: Case, deploy: Deploy) -> list[Row]:
    bound = math.ceil(case.jobs / QUOTA) * case.job_minutes * 60 + case.jobs * POLL_INTERVAL_SECONDS
    refused = sum(1 for calls in deploy.creates_by_job.values() for _, error in calls if error)
    return [
        judged(f"Queue, {case.label}: deploy", deploy.status, "CREATE_COMPLETE", deploy.status == "CREATE_COMPLETE"),
        judged(
            f"Queue, {case.label}: makespan",
            f"{_hours(deploy.makespan)} (peak {deploy.peak} running; {refused} Create refused)",
            f"<= ceil(N/5)·D + N × poll = {_hours(bound)}",
            deploy.status == "CREATE_COMPLETE" and deploy.makespan <= bound,
        ),
    ]


def _queued_rows(case: Case, deploy: Deploy) -> list[Row]:
    # A job is queued from its first Create to the one Personalize accepts: the Creates sent
    # while queued are the refused ones.
    queued_seconds = sum(calls[-1][0] - calls[0][0] for calls in deploy.creates_by_job.values())
    refused = sum(1 for calls in deploy.creates_by_job.values() for _, error in calls if error)
    per_hour = refused / (queued_seconds / 3600) if queued_seconds else 0.0
    target = 60 * 60 / POLL_INTERVAL_SECONDS
    return [
        judged(f"Queue, {case.label}: deploy", deploy.status, "CREATE_COMPLETE", deploy.status == "CREATE_COMPLETE"),
        judged(
            f"Queue, {case.label}: Create calls per queued job-hour",
            f"{per_hour:.1f} ({refused} refused over {queued_seconds / 3600:.2f} queued job-hours, then one "
            f"accepted per job; makespan {_hours(deploy.makespan)}; peak {deploy.peak} running)",
            f"<= 60 / poll interval minutes = {target:.0f}",
            per_hour <= target,
        ),
    ]


def _per_job_rows(outdir: Path) -> list[Row]:
    """The scale benchmark's app (jobs sharing one role and two buckets), now queued in lanes."""
    templates = {}
    for jobs in (10, 100):
        progress(f"queue: synthesizing bench/scale_app.py with {jobs} jobs")
        synth([*python_app("bench.scale_app"), str(jobs)], outdir / f"scale-{jobs}")
        templates[jobs] = read_stack(outdir / f"scale-{jobs}", only_stack(outdir / f"scale-{jobs}")[0]).template

    def count(jobs: int, *types: str) -> int:
        return sum(1 for r in templates[jobs]["Resources"].values() if not types or r["Type"] in types)

    resources = (count(100) - count(10)) / 90
    functions = (count(100, "AWS::Lambda::Function") - count(10, "AWS::Lambda::Function")) / 90
    return [
        judged(
            "Queue, resources per extra 1-hour job (scale app, 10 to 100 jobs)",
            f"{resources:g}",
            "<= 2",
            resources <= 2,
        ),
        judged(
            "Queue, Lambda functions per extra job (scale app, 10 to 100 jobs)", f"{functions:g}", "0", functions == 0
        ),
    ]


def _hours(seconds: float) -> str:
    return f"{int(seconds // 3600)} h {seconds % 3600 / 60:04.1f} min"
