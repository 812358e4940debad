"""The queue, deployed as CloudFormation would, on the emulator's quota of 5 jobs of a kind:
many jobs in one stack (lanes at synth: each job's resource starts when its lane's previous job
has ended), and slots taken by jobs from outside the stack (waited for at deploy time, by the
job's resource or any wait extension after it, one Create per poll).

The stacks are scenario_app.py's TwelveLong (12 jobs, 3 h timeout), SevenJobs (7 jobs, 4 h) and
TwoHourWait (one job, 2 h).
"""

import math
import re

import pytest

from .adjustable_timings import AdjustableTimings
from .outside_jobs import OUTSIDE_PREFIX, hold_slots
from .scenario_app import SEVEN, TWELVE, ScenarioKind

POLL_INTERVAL = 60  # the construct's default poll_interval
QUERY_INTERVAL = 10
QUOTA = 5
HOUR = 3600


@pytest.fixture
def job_timings() -> AdjustableTimings:
    """Overrides conftest.py's: the emulator of each test here runs jobs on these timings."""
    return AdjustableTimings()


def _outside_jobs(emulator, clock, job_timings, aws_endpoint, kind: ScenarioKind, count: int, minutes: float) -> float:
    return hold_slots(
        emulator,
        clock,
        job_timings,
        aws_endpoint,
        kind_api_name=kind.api_name,
        solution_version_arn=kind.solution_version_arn,
        count=count,
        minutes=minutes,
    )


def _ours(emulator) -> dict[str, object]:
    """The stack's jobs by construct id (Job1, Job2, ...)."""
    return {job.name.split("-")[0]: job for job in emulator.jobs() if not job.name.startswith(OUTSIDE_PREFIX)}


def _creates(emulator, kind: ScenarioKind, name: str) -> list:
    return [r for r in emulator.requests if r.operation == kind.create_operation and r.params["jobName"] == name]


def _logged(stack, event: str) -> list[dict]:
    return [record for record in stack.handler_log if record.get("event") == event]


def test_twelve_long_jobs_run_five_at_a_time_each_within_its_own_timeout(
    kind, scenario_stack, deployment, emulator, clock, job_timings
):
    job_timings.next_jobs_take(minutes=120)
    artifact = scenario_stack(kind.stack("TwelveLong"))
    stack = deployment(artifact.name)
    started = clock.now()

    result = stack.deploy(artifact)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    jobs = _ours(emulator)
    assert len(jobs) == TWELVE and {job.status for job in jobs.values()} == {"ACTIVE"}
    assert emulator.peak_concurrency_of(kind.arn_resource_type) == QUOTA
    # No Create of the stack's was refused: one each, and each job ran 2 hours of its 3-hour
    # timeout, however long it waited in its lane.
    assert not any(r.error_code for r in emulator.requests if r.operation == kind.create_operation)
    assert all(len(_creates(emulator, kind, job.name)) == 1 for job in jobs.values())
    for number in range(QUOTA + 1, TWELVE + 1):
        before, job = jobs[f"Job{number - QUOTA}"], jobs[f"Job{number}"]
        assert before.last_updated_at <= job.created_at <= before.last_updated_at + POLL_INTERVAL + 2 * QUERY_INTERVAL
    makespan = clock.now() - started
    assert makespan <= math.ceil(TWELVE / QUOTA) * 2 * HOUR + TWELVE * POLL_INTERVAL
    places = {record["jobArn"]: record.get("queue") for record in _logged(stack, "job_started")}
    assert places[jobs["Job11"].arn] == {"lane": 1, "lanes": 5, "position": 3, "after": f"{artifact.name}/Job6"}
    assert places[jobs["Job1"].arn] is None


def test_seven_jobs_wait_for_slots_taken_outside_the_stack_and_all_finish(
    kind, scenario_stack, deployment, emulator, clock, job_timings, aws_endpoint
):
    # Jobs of an hour on the 2 slots left: the queued ones still wait at 58 minutes, past their
    # resource's share, so some are started by a wait extension.
    job_timings.next_jobs_take(minutes=60)
    outside_end = _outside_jobs(emulator, clock, job_timings, aws_endpoint, kind, count=3, minutes=120)
    artifact = scenario_stack(kind.stack("SevenJobs"))
    stack = deployment(artifact.name)

    result = stack.deploy(artifact)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    jobs = _ours(emulator)
    assert len(jobs) == SEVEN and {job.status for job in jobs.values()} == {"ACTIVE"}
    assert emulator.peak_concurrency_of(kind.arn_resource_type) == QUOTA  # 3 outside and 2 of ours
    assert max(job.created_at for job in jobs.values()) >= outside_end - 3 * 60  # the last waited for them
    queued = _logged(stack, "job_queued")
    assert queued and all(record["reason"].startswith("waiting for a Personalize slot") for record in queued)
    # A job queued past its resource's 58 minutes was started by a wait extension.
    by_extension = [record for record in _logged(stack, "job_started") if "startedBy" in record]
    assert by_extension and all(re.fullmatch(r"Job\dWait\d\w+", r["startedBy"]) for r in by_extension)
    for job in jobs.values():
        creates = _creates(emulator, kind, job.name)
        refused = [r for r in creates if r.error_code == "LimitExceededException"]
        assert len(creates) == len(refused) + 1
        if refused:
            # One Create per poll interval while queued, botocore's retries included.
            queued_minutes = (creates[-1].at - creates[0].at) / 60
            assert len(creates) <= queued_minutes * 60 / POLL_INTERVAL + 2, job.name


def test_a_job_whose_timeout_passes_before_it_starts_fails_saying_it_never_started(
    kind, scenario_stack, deployment, emulator, clock, job_timings, aws_endpoint
):
    _outside_jobs(emulator, clock, job_timings, aws_endpoint, kind, count=QUOTA, minutes=180)
    artifact = scenario_stack(kind.stack("TwoHourWait"))
    stack = deployment(artifact.name)
    started = clock.now()

    result = stack.deploy(artifact)

    assert result.status == "ROLLBACK_COMPLETE"
    assert _ours(emulator) == {}
    (failure,) = result.failure_reasons()
    assert f"{kind.noun} " in failure and "never started within 7200 s" in failure
    assert "LimitExceededException" in failure and "No job runs for this deployment" in failure
    (failed,) = [e.logical_id for e in result.events if e.status == "CREATE_FAILED"]
    assert failed.startswith("NightlyWait2")  # the last of the chain
    assert 2 * HOUR <= clock.now() - started
    creates = [r for r in emulator.requests if r.operation == kind.create_operation and r.error_code]
    assert len(creates) <= 2 * HOUR / POLL_INTERVAL + 3
