"""Many jobs sharing their buckets and their role, past the number of objects a policy names
exactly: the policies name the jobs' objects by one pattern each (shared_grants.py), and the
emulator, which evaluates the role's policies and the buckets' policies as Personalize meets them,
lets every job read its own input and write its own results.

The stack is scenario_app.py's SharedBuckets: `SHARED_BUCKET_JOBS` inference jobs, inputs in one
new bucket, results in another, one role given to all of them.
"""

import json

import pytest

from .adjustable_timings import AdjustableTimings
from .scenario_app import SHARED_BUCKET_JOBS, SHARED_BUCKETS_STACK

JOB_MINUTES = 10


@pytest.fixture
def job_timings() -> AdjustableTimings:
    """Overrides conftest.py's: jobs of 10 minutes, so the 9 rounds of 5 take fewer polls."""
    timings = AdjustableTimings()
    timings.next_jobs_take(minutes=JOB_MINUTES)
    return timings


def _patterned_resources(template: dict) -> set[str]:
    """The object patterns (a ``*`` between a key prefix and a suffix) the stack's policies name."""
    found = set()
    for resource in template["Resources"].values():
        if resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy"):
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            text = json.dumps(statement["Resource"])
            found.update(part for part in ("/in/*/users.json", "/out/*") if part in text)
    return found


def test_jobs_named_by_pattern_in_shared_buckets_and_role_all_run(scenario_stack, deployment, emulator):
    artifact = scenario_stack(SHARED_BUCKETS_STACK)
    # Otherwise this would prove only what the stacks of fewer jobs prove.
    assert _patterned_resources(artifact.template) == {"/in/*/users.json", "/out/*"}
    stack = deployment(artifact.name)

    result = stack.deploy(artifact)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    jobs = emulator.jobs()
    assert len(jobs) == SHARED_BUCKET_JOBS
    assert {job.status for job in jobs} == {"ACTIVE"}, [job.failure_reason for job in jobs if job.failure_reason]
    # Each job read its own input and wrote under its own output folder.
    by_number = {int(job.name.split("-")[0].removeprefix("Job")): job.request for job in jobs}
    assert sorted(by_number) == list(range(1, SHARED_BUCKET_JOBS + 1))
    for number, request in by_number.items():
        assert request["jobInput"]["s3DataSource"]["path"].endswith(f"/in/{number}/users.json")
        assert f"/out/{number}/" in request["jobOutput"]["s3DataDestination"]["path"]
