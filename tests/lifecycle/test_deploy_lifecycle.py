"""Deploy-time scenarios: the synthesized template, its handler, moto and the Personalize
emulator, driven as CloudFormation and the CDK Provider framework would drive them.

Every scenario runs for batch inference jobs and for batch segment jobs. The single-job ones
deploy the example app itself for inference jobs; the rest deploy the stacks of scenario_app.py.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from .driver.cloud_assembly import StackArtifact
from .driver.provider_framework import CREATE_FAILED_MARKER
from .local_aws import SOLUTION_VERSION_ARN, client
from .scenario_app import (
    FIVE,
    INFERENCE,
    SEGMENT,
    SIX,
    TEAM_DATA_BUCKET,
    TEAM_RESULTS_BUCKET,
    ScenarioKind,
)

EXAMPLE_INPUT = Path(__file__).resolve().parents[2] / "example_input" / "users.json"
POLL_INTERVAL = 60  # the construct's default poll_interval
QUERY_INTERVAL = 10  # the provider's query_interval
ONE_HOUR_TIMEOUT_SECONDS = 3480  # what the default one-hour timeout becomes, see docs/design.md
EXAMPLE_TIMEOUT_SECONDS = 3 * 3600  # app.py's timeout: the job's resource and three wait extensions


@dataclass(frozen=True)
class SingleJob:
    """A stack with one job from an uploaded file: what most scenarios deploy."""

    kind: ScenarioKind
    stack: StackArtifact
    parameters: dict
    job: str
    """The job's logical id."""
    records: int
    """Lines in its input."""
    num_results: int | None
    """What it asks for per line (None: the emulator's default, 25)."""
    timeout_seconds: int
    wait_resources: int
    """The resources that wait in turn: the job's own, then its wait extensions."""

    @property
    def output_key(self) -> str:
        return self.kind.input_name + ".out"


def _job_resource(stack: StackArtifact, construct_id: str = "Nightly") -> str:
    return next(
        logical_id
        for logical_id, resource in stack.resources.items()
        if resource["Type"].endswith("Job")
        and resource["Type"].startswith("Custom::PersonalizeBatch")
        and logical_id.startswith(construct_id)
    )


@pytest.fixture
def single_job(kind, example_stack, scenario_stack) -> SingleJob:
    if kind is INFERENCE:
        return SingleJob(
            kind,
            example_stack,
            {"SolutionVersionArn": SOLUTION_VERSION_ARN},
            _job_resource(example_stack),
            records=len(EXAMPLE_INPUT.read_text().splitlines()),
            num_results=10,
            timeout_seconds=EXAMPLE_TIMEOUT_SECONDS,
            wait_resources=4,
        )
    stack = scenario_stack(kind.stack("InputChange"))
    return SingleJob(
        kind,
        stack,
        {},
        _job_resource(stack),
        records=len(kind.records),
        num_results=None,
        timeout_seconds=ONE_HOUR_TIMEOUT_SECONDS,
        wait_resources=1,
    )


def _read(aws_endpoint: str, uri: str) -> str:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return client("s3", aws_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def _output_lines(aws_endpoint: str, uri: str) -> list[dict]:
    return [json.loads(line) for line in _read(aws_endpoint, uri).splitlines()]


def _logged(deployment, event: str) -> list[dict]:
    return [record for record in deployment.handler_log if record.get("event") == event]


# ---------------------------------------------------------------------------------------------
# One job


def test_deploy_ends_with_every_result_in_s3(single_job, deployment, emulator, aws_endpoint, clock):
    stack = deployment(single_job.stack.name)
    result = stack.deploy(single_job.stack, single_job.parameters)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (job,) = emulator.jobs()
    assert job.status == "ACTIVE" and job.kind == single_job.kind.arn_resource_type
    attributes = stack.resources[single_job.job].attributes
    assert attributes["JobArn"] == job.arn
    # The input the job read is the file the copy put in place, at the path the role may read.
    assert job.request["jobInput"]["s3DataSource"]["path"].endswith(f"/input/{single_job.kind.input_name}")
    lines = _output_lines(aws_endpoint, attributes["OutputPath"] + single_job.output_key)
    assert len(lines) == single_job.records
    expected_size = single_job.num_results or 25
    assert all(
        line["error"] is None and len(line["output"][single_job.kind.output_field]) == expected_size for line in lines
    )
    # The deploy notices the job's end within one poll interval (plus the provider's wake-up).
    assert clock.now() - job.last_updated_at <= POLL_INTERVAL + QUERY_INTERVAL


def test_the_example_app_outputs_name_the_job_and_its_results(example_stack, deployment, emulator):
    stack = deployment(example_stack.name)

    result = stack.deploy(example_stack, {"SolutionVersionArn": SOLUTION_VERSION_ARN})

    (job,) = emulator.jobs()
    assert result.outputs == {
        "JobArn": job.arn,
        "Recommendations": job.request["jobOutput"]["s3DataDestination"]["path"],
    }


def test_a_create_cloudformation_retries_runs_exactly_one_job(single_job, deployment, emulator):
    stack = deployment(single_job.stack.name)
    assert stack.deploy(single_job.stack, single_job.parameters).status == "CREATE_COMPLETE"
    first_create = stack.last_request(single_job.job, "Create")

    response = stack.request(single_job.job, "Create", request_id=first_create["RequestId"])

    assert response.status == "SUCCESS"
    assert response.physical_id == stack.resources[single_job.job].physical_id
    assert len(emulator.jobs()) == 1
    assert len(_logged(stack, "job_adopted")) == 1


def test_a_failed_job_fails_the_deploy_with_personalize_reason(single_job, deployment, emulator):
    reason = "Input file: 2 of 3 records lack the id the recipe needs"
    emulator.faults.fail_jobs(reason)
    stack = deployment(single_job.stack.name)

    result = stack.deploy(single_job.stack, single_job.parameters)

    assert result.status == "ROLLBACK_COMPLETE"
    (job,) = emulator.jobs()
    (failure,) = result.failure_reasons()
    assert f"{single_job.kind.noun} {job.arn} failed: {reason}" in failure
    # The failed Create answered with the job ARN, so the rollback's Delete names the job.
    assert stack.last_request(single_job.job, "Delete")["PhysicalResourceId"] == job.arn
    assert result.statuses(single_job.job)[-1] == "DELETE_COMPLETE"


def test_throttled_status_polls_do_not_fail_the_deploy(single_job, deployment, emulator):
    # Five throttles: all four attempts of one poll (botocore's max_attempts=3 counts retries),
    # then the first of the next one.
    emulator.faults.throttle(single_job.kind.describe_operation, times=5)
    stack = deployment(single_job.stack.name)

    result = stack.deploy(single_job.stack, single_job.parameters)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    assert len(_logged(stack, "status_unavailable")) == 1
    assert len([r for r in emulator.requests if r.error_code == "ThrottlingException"]) == 5


def test_service_errors_on_create_defer_the_job_without_failing(single_job, deployment, emulator):
    # Create is sent once per try, never retried by botocore: on_event's and the next three polls' fail.
    emulator.faults.server_error(single_job.kind.create_operation, times=4, status=503)
    stack = deployment(single_job.stack.name)

    result = stack.deploy(single_job.stack, single_job.parameters)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    assert len(emulator.jobs()) == 1
    assert len(_logged(stack, "job_deferred")) == 4
    assert len([r for r in emulator.requests if r.operation == single_job.kind.create_operation]) == 5


def test_a_job_past_the_timeout_fails_with_its_arn_not_a_generic_timeout(single_job, deployment, emulator, clock):
    emulator.faults.stall_jobs()
    stack = deployment(single_job.stack.name)
    started = clock.now()

    result = stack.deploy(single_job.stack, single_job.parameters)

    assert result.status == "ROLLBACK_COMPLETE"
    (job,) = emulator.jobs()
    (failure,) = result.failure_reasons()
    assert f"{single_job.kind.noun} {job.arn} did not finish within {single_job.timeout_seconds} s" in failure
    assert "keeps running in Personalize" in failure
    assert "Operation timed out" not in failure
    # Each waiting resource notices the end of its share at its next query.
    waited = clock.now() - started
    assert (
        single_job.timeout_seconds <= waited <= single_job.timeout_seconds + single_job.wait_resources * QUERY_INTERVAL
    )


def test_an_unknown_solution_version_fails_the_deploy_without_a_job(single_job, deployment, emulator):
    stack = deployment(single_job.stack.name)
    if single_job.kind is INFERENCE:
        parameters = {"SolutionVersionArn": single_job.parameters["SolutionVersionArn"].replace("1a2b3c4d", "deleted0")}
    else:
        emulator.remove_solution_version(SEGMENT.solution_version_arn)
        parameters = {}

    result = stack.deploy(single_job.stack, parameters)

    assert result.status == "ROLLBACK_COMPLETE"
    (failure,) = result.failure_reasons()
    assert f"{single_job.kind.create_operation} for" in failure and "ResourceNotFoundException" in failure
    assert emulator.jobs() == []


def test_deleting_the_stack_leaves_the_job_and_its_results(single_job, deployment, emulator, aws_endpoint):
    stack = deployment(single_job.stack.name)
    assert stack.deploy(single_job.stack, single_job.parameters).status == "CREATE_COMPLETE"
    output = stack.resources[single_job.job].attributes["OutputPath"] + single_job.output_key
    requests_before = len(emulator.requests)

    result = stack.delete()

    assert result.status == "DELETE_COMPLETE"
    assert result.statuses(single_job.job) == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
    assert len(emulator.requests) == requests_before  # Delete makes no Personalize call
    assert len(_output_lines(aws_endpoint, output)) == single_job.records


@pytest.mark.parametrize("invented", ["PersonalizeBatchExample-NightlyC44EE0A7-1XK2P3Q4R5S6", "not-an-arn"])
def test_a_delete_with_an_invented_physical_id_succeeds_without_calls(single_job, deployment, emulator, invented):
    stack = deployment(single_job.stack.name)
    assert stack.deploy(single_job.stack, single_job.parameters).status == "CREATE_COMPLETE"
    requests_before = len(emulator.requests)

    response = stack.request(single_job.job, "Delete", physical_id=invented)

    assert response.status == "SUCCESS" and response.physical_id == invented
    assert len(emulator.requests) == requests_before


# ---------------------------------------------------------------------------------------------
# Updates


def _deploy_then_update(stack_name: str, scenario_stack, deployment):
    """Deploy the stack, then its changed variant: the deployment, its job resource, the first
    job's ARN and the update's result."""
    stack = deployment(stack_name)
    assert stack.deploy(scenario_stack(stack_name)).status == "CREATE_COMPLETE"
    job_resource = _job_resource(scenario_stack(stack_name))
    first_arn = stack.resources[job_resource].physical_id
    return stack, job_resource, first_arn, stack.deploy(scenario_stack(stack_name, "changed"))


def test_redeploying_unchanged_input_runs_no_job(kind, scenario_stack, deployment, emulator):
    stack = deployment(kind.stack("InputChange"))
    assert stack.deploy(scenario_stack(kind.stack("InputChange"))).status == "CREATE_COMPLETE"
    requests_before = len(stack.requests)

    result = stack.deploy(scenario_stack(kind.stack("InputChange")))

    assert result.status == "UPDATE_COMPLETE"
    assert len(emulator.jobs()) == 1
    assert len(stack.requests) == requests_before  # CloudFormation had nothing to tell the handler


def test_changed_input_runs_a_new_job_and_waits_for_it(kind, scenario_stack, deployment, emulator, aws_endpoint):
    stack, job_resource, first_arn, result = _deploy_then_update(kind.stack("InputChange"), scenario_stack, deployment)

    assert result.status == "UPDATE_COMPLETE", result.failure_reasons()
    first, second = emulator.jobs()
    assert first.arn == first_arn and second.status == "ACTIVE"
    assert stack.resources[job_resource].physical_id == second.arn
    assert stack.resources[job_resource].attributes["JobArn"] == second.arn
    output = stack.resources[job_resource].attributes["OutputPath"] + kind.input_name + ".out"
    assert [line["input"] for line in _output_lines(aws_endpoint, output)] == [
        json.loads(r) for r in kind.changed_records
    ]
    # CloudFormation deletes the replaced resource; the handler leaves the finished job alone.
    assert stack.last_request(job_resource, "Delete")["PhysicalResourceId"] == first_arn
    assert [record["jobArn"] for record in _logged(stack, "job_left_in_place")] == [first_arn]


def test_a_failed_re_run_rolls_back_at_once_and_a_later_deploy_runs_the_job_again(
    kind, scenario_stack, deployment, emulator, aws_endpoint
):
    stack = deployment(kind.stack("InputChange"))
    assert stack.deploy(scenario_stack(kind.stack("InputChange"))).status == "CREATE_COMPLETE"
    job_resource = _job_resource(scenario_stack(kind.stack("InputChange")))
    (first,) = emulator.jobs()
    emulator.faults.fail_jobs("Solution version is being retrained")
    requests_before = len(stack.requests)

    result = stack.deploy(scenario_stack(kind.stack("InputChange"), "changed"))

    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "Solution version is being retrained" in result.failure_reasons()[0]
    _, failed = emulator.jobs()
    assert failed.status == "CREATE FAILED"
    # The rollback starts no job and waits for none: it ends as soon as it begins.
    statuses = {change.status: change.at for change in stack.status_history}
    assert statuses["UPDATE_ROLLBACK_COMPLETE"] - statuses["UPDATE_ROLLBACK_IN_PROGRESS"] <= QUERY_INTERVAL
    assert len(emulator.jobs()) == 2
    sent = [
        (request["RequestType"], request["PhysicalResourceId"])
        for request, _ in stack.requests[requests_before:]
        if request["LogicalResourceId"] == job_resource
    ]
    assert sent == [("Update", first.arn), ("Update", failed.arn)]  # the re-run, then the rollback's Update back
    # Personalize cannot undo a job, so the resource keeps the one the failed deploy started.
    assert stack.resources[job_resource].physical_id == failed.arn
    # The previous job's results are where it wrote them, and the upload rolled back: the input
    # is the one the stack declares again.
    records = [json.loads(r) for r in kind.records]
    output = _output_lines(
        aws_endpoint, first.request["jobOutput"]["s3DataDestination"]["path"] + kind.input_name + ".out"
    )
    assert [line["input"] for line in output] == records
    input_uri = first.request["jobInput"]["s3DataSource"]["path"]
    assert [json.loads(line) for line in _read(aws_endpoint, input_uri).splitlines()] == records

    # Deploying the changed input again (the solution version retrained) runs a new job on it.
    emulator.faults.succeed_jobs()
    again = stack.deploy(scenario_stack(kind.stack("InputChange"), "changed"))

    assert again.status == "UPDATE_COMPLETE", again.failure_reasons()
    *_, third = emulator.jobs()
    assert len(emulator.jobs()) == 3 and third.status == "ACTIVE"
    assert stack.resources[job_resource].physical_id == third.arn
    output = _output_lines(
        aws_endpoint, stack.resources[job_resource].attributes["OutputPath"] + kind.input_name + ".out"
    )
    assert [line["input"] for line in output] == [json.loads(r) for r in kind.changed_records]
    assert stack.last_request(job_resource, "Delete")["PhysicalResourceId"] == failed.arn


def test_changing_only_tags_retags_the_job_without_running_another(kind, scenario_stack, deployment, emulator):
    stack, job_resource, arn, result = _deploy_then_update(kind.stack("KmsKey"), scenario_stack, deployment)

    assert result.status == "UPDATE_COMPLETE", result.failure_reasons()
    assert stack.resources[job_resource].physical_id == arn
    assert len(emulator.jobs()) == 1
    tags = client("personalize", emulator.endpoint_url).list_tags_for_resource(resourceArn=arn)["tags"]
    assert {tag["tagKey"]: tag["tagValue"] for tag in tags} == {"team": "ranking", "cost-center": "42"}


# ---------------------------------------------------------------------------------------------
# Many jobs, and where the input and output live


def test_six_jobs_in_one_stack_queue_in_five_lanes_and_all_finish(kind, scenario_stack, deployment, emulator):
    artifact = scenario_stack(kind.stack("SixJobs"))
    stack = deployment(artifact.name)

    result = stack.deploy(artifact)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    jobs = {job.name.split("-")[0]: job for job in emulator.jobs()}
    assert len(jobs) == SIX and {job.status for job in jobs.values()} == {"ACTIVE"}
    assert emulator.peak_concurrency_of(kind.arn_resource_type) == 5
    # Job6 waits in Job1's lane: its resource starts once Job1's has completed, and Personalize
    # never refuses a Create of this stack's.
    first_done = next(
        e.at for e in result.events if e.logical_id == _job_resource(artifact, "Job1") and e.status == "CREATE_COMPLETE"
    )
    assert jobs["Job6"].created_at == first_done >= jobs["Job1"].last_updated_at
    assert not any(r.error_code == "LimitExceededException" for r in emulator.requests)
    creates = [r for r in emulator.requests if r.operation == kind.create_operation]
    assert len(creates) == SIX
    (started,) = [record for record in _logged(stack, "job_started") if record["jobArn"] == jobs["Job6"].arn]
    assert started["queue"] == {"lane": 1, "lanes": 5, "position": 2, "after": f"{artifact.name}/Job1"}


def test_inference_and_segment_jobs_count_against_separate_quotas(scenario_stack, deployment, emulator):
    stack = deployment("FiveOfEach")

    result = stack.deploy(scenario_stack("FiveOfEach"))

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    jobs = emulator.jobs()
    assert sorted(job.kind for job in jobs) == ["batch-inference-job"] * FIVE + ["batch-segment-job"] * FIVE
    assert {job.created_at for job in jobs} == {jobs[0].created_at}, "all ten started at once"
    assert (
        emulator.peak_concurrency_of("batch-inference-job") == emulator.peak_concurrency_of("batch-segment-job") == FIVE
    )
    assert not any(r.error_code == "LimitExceededException" for r in emulator.requests)


def test_rollback_sends_every_job_a_harmless_delete(kind, scenario_stack, deployment, emulator, clock):
    # Job 3 fails while the others run or wait in their lane: CloudFormation cancels and rolls back.
    emulator.faults.fail_jobs("Solution version is not active", name_prefix="Job3")
    stack = deployment(kind.stack("SixJobs"))

    result = stack.deploy(scenario_stack(kind.stack("SixJobs")))

    assert result.status == "ROLLBACK_COMPLETE"
    *job_resources, sixth = [_job_resource(scenario_stack(kind.stack("SixJobs")), f"Job{n}") for n in range(1, SIX + 1)]
    # Job6 waited in Job1's lane: the stack failed before its turn, so it got no request at all.
    assert [req for req, _ in stack.requests if req["LogicalResourceId"] == sixth] == []
    assert not any(job.name.startswith("Job6") for job in emulator.jobs())
    deletes = {lid: stack.last_request(lid, "Delete") for lid in job_resources}
    invented = [
        lid for lid, req in deletes.items() if req["PhysicalResourceId"].startswith(f"{kind.stack('SixJobs')}-")
    ]
    assert invented, "a job still in flight when the stack failed gets an id CloudFormation invented"
    for logical_id in job_resources:
        assert result.statuses(logical_id)[-1] == "DELETE_COMPLETE"
    # Nothing was deleted in Personalize (it cannot be) and no Delete started a job.
    started = [r for r in emulator.requests if r.operation == kind.create_operation and r.error_code is None]
    assert len(emulator.jobs()) == len(started)
    # Output buckets are retained by default, with whatever the finished jobs wrote.
    assert "DELETE_SKIPPED" in {event.status for event in result.events if event.resource_type == "AWS::S3::Bucket"}


def test_missing_input_fails_before_any_job_starts(kind, scenario_stack, deployment, emulator, aws_endpoint):
    s3 = client("s3", aws_endpoint)
    s3.create_bucket(Bucket=TEAM_DATA_BUCKET)
    s3.create_bucket(Bucket=TEAM_RESULTS_BUCKET)
    stack = deployment(kind.stack("ExternalBuckets"))
    job_resource = _job_resource(scenario_stack(kind.stack("ExternalBuckets")))

    result = stack.deploy(scenario_stack(kind.stack("ExternalBuckets")))

    assert result.status == "ROLLBACK_COMPLETE"
    (failure,) = result.failure_reasons()
    assert f"Input file s3://{TEAM_DATA_BUCKET}/{kind.team_input_key} does not exist" in failure
    assert emulator.requests == []
    # on_event failed, so the framework answered with its marker and ignores the rollback's Delete.
    assert stack.last_request(job_resource, "Delete")["PhysicalResourceId"] == CREATE_FAILED_MARKER
    assert not _logged(stack, "job_left_in_place")


def test_empty_input_fails_before_any_job_starts(kind, scenario_stack, deployment, emulator, aws_endpoint):
    s3 = client("s3", aws_endpoint)
    s3.create_bucket(Bucket=TEAM_DATA_BUCKET)
    s3.put_object(Bucket=TEAM_DATA_BUCKET, Key=kind.empty_input_key, Body=b"")
    stack = deployment(kind.stack("EmptyInput"))

    result = stack.deploy(scenario_stack(kind.stack("EmptyInput")))

    assert result.status == "ROLLBACK_COMPLETE"
    (failure,) = result.failure_reasons()
    assert (
        f"s3://{TEAM_DATA_BUCKET}/{kind.empty_input_key} is empty: a batch job needs at least one JSON line" in failure
    )
    assert emulator.jobs() == []


def test_bring_your_own_buckets_with_prefixes(kind, scenario_stack, deployment, emulator, aws_endpoint):
    s3 = client("s3", aws_endpoint)
    s3.create_bucket(Bucket=TEAM_DATA_BUCKET)
    s3.create_bucket(Bucket=TEAM_RESULTS_BUCKET)
    s3.put_object(Bucket=TEAM_DATA_BUCKET, Key=kind.team_input_key, Body="\n".join(kind.records).encode())
    stack = deployment(kind.stack("ExternalBuckets"))

    result = stack.deploy(scenario_stack(kind.stack("ExternalBuckets")))

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (job,) = emulator.jobs()
    assert job.request["jobInput"]["s3DataSource"]["path"] == f"s3://{TEAM_DATA_BUCKET}/{kind.team_input_key}"
    # Each run writes into its own folder under the given prefix.
    output_uri = f"s3://{TEAM_RESULTS_BUCKET}/{kind.team_results_prefix}{job.name}/"
    assert job.request["jobOutput"]["s3DataDestination"]["path"] == output_uri
    lines = _output_lines(aws_endpoint, output_uri + kind.input_name + ".out")
    assert [len(line["output"][kind.output_field]) for line in lines] == [5] * len(kind.records)


def test_kms_key_reaches_the_job_and_encrypts_its_output(kind, scenario_stack, deployment, emulator, aws_endpoint):
    stack = deployment(kind.stack("KmsKey"))

    result = stack.deploy(scenario_stack(kind.stack("KmsKey")))

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    key_arn = stack.resources[next(lid for lid in stack.resources if lid.startswith("Key"))].attributes["Arn"]
    (job,) = emulator.jobs()
    assert job.request["jobInput"]["s3DataSource"]["kmsKeyArn"] == key_arn
    assert job.request["jobOutput"]["s3DataDestination"]["kmsKeyArn"] == key_arn
    output_uri = job.request["jobOutput"]["s3DataDestination"]["path"] + kind.input_name + ".out"
    bucket, _, key = output_uri.removeprefix("s3://").partition("/")
    head = client("s3", aws_endpoint).head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_arn
