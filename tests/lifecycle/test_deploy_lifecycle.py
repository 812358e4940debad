"""Deploy-time scenarios: the synthesized template, its handler, moto and the Personalize
emulator, driven as CloudFormation and the CDK Provider framework would drive them."""

import json
from pathlib import Path

import pytest

from .driver.provider_framework import CREATE_FAILED_MARKER
from .local_aws import SOLUTION_VERSION_ARN, client
from .scenario_app import (
    SIX,
    TEAM_DATA_BUCKET,
    TEAM_INPUT_KEY,
    TEAM_RESULTS_BUCKET,
    TEAM_RESULTS_PREFIX,
    USERS,
)

JOB = "NightlyC44EE0A7"  # the example app's job resource
PARAMETERS = {"SolutionVersionArn": SOLUTION_VERSION_ARN}
EXAMPLE_USERS = len(Path(__file__).resolve().parents[2].joinpath("example_input/users.json").read_text().splitlines())
POLL_INTERVAL = 60  # the construct's default poll_interval
QUERY_INTERVAL = 10  # the provider's query_interval
TIMEOUT_SECONDS = 3480  # what a one-hour timeout becomes, see docs/design.md


def _read(aws_endpoint: str, uri: str) -> str:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return client("s3", aws_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def _output_lines(aws_endpoint: str, uri: str) -> list[dict]:
    return [json.loads(line) for line in _read(aws_endpoint, uri).splitlines()]


def _job_resource(stack, construct_id: str = "Nightly") -> str:
    return next(
        logical_id
        for logical_id, resource in stack.resources.items()
        if resource["Type"] == "Custom::PersonalizeBatchInferenceJob" and logical_id.startswith(construct_id)
    )


def _logged(deployment, event: str) -> list[dict]:
    return [record for record in deployment.handler_log if record.get("event") == event]


def test_example_app_deploy_ends_with_every_recommendation_in_s3(example_stack, deployment, emulator, aws_endpoint, clock):
    stack = deployment(example_stack.name)
    result = stack.deploy(example_stack, PARAMETERS)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (job,) = emulator.jobs()
    assert job.status == "ACTIVE"
    assert result.outputs["JobArn"] == job.arn
    # The input the job read is the file the BucketDeployment uploaded, at the path the role may read.
    assert job.request["jobInput"]["s3DataSource"]["path"].endswith("/input/users.json")
    lines = _output_lines(aws_endpoint, result.outputs["Recommendations"] + "users.json.out")
    assert len(lines) == EXAMPLE_USERS
    assert all(line["error"] is None and len(line["output"]["recommendedItems"]) == 10 for line in lines)
    # The deploy notices the job's end within one poll interval (plus the provider's wake-up).
    assert clock.now() - job.last_updated_at <= POLL_INTERVAL + QUERY_INTERVAL


def test_redeploying_unchanged_input_runs_no_job(scenario_stack, deployment, emulator):
    stack = deployment("InputChange")
    assert stack.deploy(scenario_stack("InputChange")).status == "CREATE_COMPLETE"
    requests_before = len(stack.requests)

    result = stack.deploy(scenario_stack("InputChange"))

    assert result.status == "UPDATE_COMPLETE"
    assert len(emulator.jobs()) == 1
    assert len(stack.requests) == requests_before  # CloudFormation had nothing to tell the handler


def _deploy_then_update(stack_name: str, scenario_stack, deployment):
    """Deploy the stack, then its changed variant: the deployment, its job resource, the first
    job's ARN and the update's result."""
    stack = deployment(stack_name)
    assert stack.deploy(scenario_stack(stack_name)).status == "CREATE_COMPLETE"
    job_resource = _job_resource(scenario_stack(stack_name))
    first_arn = stack.resources[job_resource].physical_id
    return stack, job_resource, first_arn, stack.deploy(scenario_stack(stack_name, "changed"))


def test_changed_input_runs_a_new_job_and_waits_for_it(scenario_stack, deployment, emulator, aws_endpoint):
    stack, job_resource, first_arn, result = _deploy_then_update("InputChange", scenario_stack, deployment)

    assert result.status == "UPDATE_COMPLETE", result.failure_reasons()
    first, second = emulator.jobs()
    assert first.arn == first_arn and second.status == "ACTIVE"
    assert stack.resources[job_resource].physical_id == second.arn
    assert stack.resources[job_resource].attributes["JobArn"] == second.arn
    output = stack.resources[job_resource].attributes["OutputPath"] + "users.json.out"
    assert [line["input"]["userId"] for line in _output_lines(aws_endpoint, output)] == ["4638", "2001"]
    # CloudFormation deletes the replaced resource; the handler leaves the finished job alone.
    delete = stack.last_request(job_resource, "Delete")
    assert delete["PhysicalResourceId"] == first_arn
    assert [record["jobArn"] for record in _logged(stack, "job_left_in_place")] == [first_arn]


def test_a_failed_re_run_rolls_back_to_the_previous_job_and_its_results(scenario_stack, deployment, emulator, aws_endpoint):
    stack = deployment("InputChange")
    assert stack.deploy(scenario_stack("InputChange")).status == "CREATE_COMPLETE"
    job_resource = _job_resource(scenario_stack("InputChange"))
    first = stack.resources[job_resource]
    emulator.faults.fail_jobs("Solution version is being retrained")

    result = stack.deploy(scenario_stack("InputChange", "changed"))

    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert "Solution version is being retrained" in result.failure_reasons()[0]
    assert stack.resources[job_resource].physical_id == first.physical_id
    output = _output_lines(aws_endpoint, first.attributes["OutputPath"] + "users.json.out")
    assert [line["input"]["userId"] for line in output] == [json.loads(user)["userId"] for user in USERS]
    # The upload rolled back too: a later re-run reads the input the stack declares again.
    input_uri = emulator.jobs()[0].request["jobInput"]["s3DataSource"]["path"]
    assert [json.loads(line) for line in _read(aws_endpoint, input_uri).splitlines()] == [json.loads(user) for user in USERS]


def test_a_create_cloudformation_retries_runs_exactly_one_job(example_stack, deployment, emulator):
    stack = deployment(example_stack.name)
    assert stack.deploy(example_stack, PARAMETERS).status == "CREATE_COMPLETE"
    first_create = stack.last_request(JOB, "Create")

    response = stack.request(JOB, "Create", request_id=first_create["RequestId"])

    assert response.status == "SUCCESS"
    assert response.physical_id == stack.resources[JOB].physical_id
    assert len(emulator.jobs()) == 1
    assert len(_logged(stack, "job_adopted")) == 1


def test_a_failed_job_fails_the_deploy_with_personalize_reason(example_stack, deployment, emulator):
    reason = "Input file users.json: 2 of 3 records lack a userId"
    emulator.faults.fail_jobs(reason)
    stack = deployment(example_stack.name)

    result = stack.deploy(example_stack, PARAMETERS)

    assert result.status == "ROLLBACK_COMPLETE"
    (job,) = emulator.jobs()
    (failure,) = result.failure_reasons()
    assert f"Batch inference job {job.arn} failed: {reason}" in failure
    # The failed Create answered with the job ARN, so the rollback's Delete names the job.
    assert stack.last_request(JOB, "Delete")["PhysicalResourceId"] == job.arn
    assert result.statuses(JOB)[-1] == "DELETE_COMPLETE"


def test_throttled_status_polls_do_not_fail_the_deploy(example_stack, deployment, emulator):
    # Five throttles: all four attempts of one poll (botocore's max_attempts=3 counts retries),
    # then the first of the next one.
    emulator.faults.throttle("DescribeBatchInferenceJob", times=5)
    stack = deployment(example_stack.name)

    result = stack.deploy(example_stack, PARAMETERS)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    assert len(_logged(stack, "status_unavailable")) == 1
    throttled = [r for r in emulator.requests if r.error_code == "ThrottlingException"]
    assert len(throttled) == 5


def test_service_errors_on_create_defer_the_job_without_failing(example_stack, deployment, emulator):
    emulator.faults.server_error("CreateBatchInferenceJob", times=4, status=503)  # every attempt of one call
    stack = deployment(example_stack.name)

    result = stack.deploy(example_stack, PARAMETERS)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    assert len(emulator.jobs()) == 1
    assert len(_logged(stack, "job_deferred")) == 1


def test_six_jobs_in_one_stack_queue_behind_the_quota_and_all_finish(scenario_stack, deployment, emulator):
    stack = deployment("SixJobs")

    result = stack.deploy(scenario_stack("SixJobs"))

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    jobs = emulator.jobs()
    assert len(jobs) == SIX and {job.status for job in jobs} == {"ACTIVE"}
    assert emulator.peak_concurrency == 5
    assert any(r.error_code == "LimitExceededException" for r in emulator.requests)
    assert _logged(stack, "job_deferred")


def test_missing_input_fails_before_any_job_starts(scenario_stack, deployment, emulator, aws_endpoint):
    s3 = client("s3", aws_endpoint)
    s3.create_bucket(Bucket=TEAM_DATA_BUCKET)
    s3.create_bucket(Bucket=TEAM_RESULTS_BUCKET)
    stack = deployment("ExternalBuckets")
    job_resource = _job_resource(scenario_stack("ExternalBuckets"))

    result = stack.deploy(scenario_stack("ExternalBuckets"))

    assert result.status == "ROLLBACK_COMPLETE"
    (failure,) = result.failure_reasons()
    assert f"Input file s3://{TEAM_DATA_BUCKET}/{TEAM_INPUT_KEY} does not exist" in failure
    assert emulator.requests == []
    # on_event failed, so the framework answered with its marker and ignores the rollback's Delete.
    delete = stack.last_request(job_resource, "Delete")
    assert delete["PhysicalResourceId"] == CREATE_FAILED_MARKER
    assert not _logged(stack, "job_left_in_place")


def test_empty_input_fails_before_any_job_starts(scenario_stack, deployment, emulator):
    stack = deployment("EmptyInput")

    result = stack.deploy(scenario_stack("EmptyInput"))

    assert result.status == "ROLLBACK_COMPLETE"
    (failure,) = result.failure_reasons()
    assert "/input/users.json is empty: a batch job needs at least one JSON line" in failure
    assert emulator.jobs() == []


def test_a_job_past_the_timeout_fails_with_its_arn_not_a_generic_timeout(example_stack, deployment, emulator, clock):
    emulator.faults.stall_jobs()
    stack = deployment(example_stack.name)
    started = clock.now()

    result = stack.deploy(example_stack, PARAMETERS)

    assert result.status == "ROLLBACK_COMPLETE"
    (job,) = emulator.jobs()
    (failure,) = result.failure_reasons()
    assert f"Batch inference job {job.arn} did not finish within {TIMEOUT_SECONDS} s" in failure
    assert "keeps running in Personalize" in failure
    assert "Operation timed out" not in failure
    assert TIMEOUT_SECONDS <= clock.now() - started <= TIMEOUT_SECONDS + QUERY_INTERVAL


def test_rollback_sends_every_job_a_harmless_delete(scenario_stack, deployment, emulator, clock):
    # Job 3 fails while the others run or wait for a slot: CloudFormation cancels and rolls back.
    emulator.faults.fail_jobs("Solution version is not active", name_prefix="Segment3")
    stack = deployment("SixJobs")

    result = stack.deploy(scenario_stack("SixJobs"))

    assert result.status == "ROLLBACK_COMPLETE"
    job_resources = [_job_resource(scenario_stack("SixJobs"), f"Segment{n}") for n in range(1, SIX + 1)]
    deletes = {lid: stack.last_request(lid, "Delete") for lid in job_resources}
    invented = [lid for lid, req in deletes.items() if req["PhysicalResourceId"].startswith("SixJobs-")]
    assert invented, "a job still in flight when the stack failed gets an id CloudFormation invented"
    for logical_id in job_resources:
        assert result.statuses(logical_id)[-1] == "DELETE_COMPLETE"
    # Nothing was deleted in Personalize (it cannot be) and no new job was started by a Delete.
    assert len(emulator.jobs()) == len([r for r in emulator.requests if r.operation == "CreateBatchInferenceJob" and r.error_code is None])
    assert not [r for r in emulator.requests if r.at > clock.now()]
    # Output buckets are retained by default, with whatever the finished jobs wrote.
    assert "DELETE_SKIPPED" in {event.status for event in result.events if event.resource_type == "AWS::S3::Bucket"}


def test_bring_your_own_buckets_with_prefixes(scenario_stack, deployment, emulator, aws_endpoint):
    s3 = client("s3", aws_endpoint)
    s3.create_bucket(Bucket=TEAM_DATA_BUCKET)
    s3.create_bucket(Bucket=TEAM_RESULTS_BUCKET)
    s3.put_object(Bucket=TEAM_DATA_BUCKET, Key=TEAM_INPUT_KEY, Body="\n".join(USERS).encode())
    stack = deployment("ExternalBuckets")

    result = stack.deploy(scenario_stack("ExternalBuckets"))

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (job,) = emulator.jobs()
    assert job.request["jobInput"]["s3DataSource"]["path"] == f"s3://{TEAM_DATA_BUCKET}/{TEAM_INPUT_KEY}"
    output_uri = f"s3://{TEAM_RESULTS_BUCKET}/{TEAM_RESULTS_PREFIX}"
    assert job.request["jobOutput"]["s3DataDestination"]["path"] == output_uri
    lines = _output_lines(aws_endpoint, output_uri + "users.json.out")
    assert [len(line["output"]["recommendedItems"]) for line in lines] == [5, 5, 5]


def test_kms_key_reaches_the_job_and_encrypts_its_output(scenario_stack, deployment, emulator, aws_endpoint):
    stack = deployment("KmsKey")

    result = stack.deploy(scenario_stack("KmsKey"))

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    key_arn = stack.resources[next(lid for lid in stack.resources if lid.startswith("Key"))].attributes["Arn"]
    (job,) = emulator.jobs()
    assert job.request["jobInput"]["s3DataSource"]["kmsKeyArn"] == key_arn
    assert job.request["jobOutput"]["s3DataDestination"]["kmsKeyArn"] == key_arn
    output_uri = job.request["jobOutput"]["s3DataDestination"]["path"] + "users.json.out"
    bucket, _, key = output_uri.removeprefix("s3://").partition("/")
    head = client("s3", aws_endpoint).head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_arn


def test_an_unknown_solution_version_fails_the_deploy_without_a_job(example_stack, deployment, emulator):
    unknown = SOLUTION_VERSION_ARN.replace("1a2b3c4d", "deleted0")
    stack = deployment(example_stack.name)

    result = stack.deploy(example_stack, {"SolutionVersionArn": unknown})

    assert result.status == "ROLLBACK_COMPLETE"
    (failure,) = result.failure_reasons()
    assert "CreateBatchInferenceJob for" in failure and "ResourceNotFoundException" in failure
    assert emulator.jobs() == []


def test_deleting_the_stack_leaves_the_job_and_its_results(example_stack, deployment, emulator, aws_endpoint):
    stack = deployment(example_stack.name)
    deployed = stack.deploy(example_stack, PARAMETERS)
    requests_before = len(emulator.requests)

    result = stack.delete()

    assert result.status == "DELETE_COMPLETE"
    assert result.statuses(JOB) == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
    assert len(emulator.requests) == requests_before  # Delete makes no Personalize call
    assert len(_output_lines(aws_endpoint, deployed.outputs["Recommendations"] + "users.json.out")) == EXAMPLE_USERS


@pytest.mark.parametrize("physical_id", ["PersonalizeBatchExample-NightlyC44EE0A7-1XK2P3Q4R5S6", "not-an-arn"])
def test_a_delete_with_an_invented_physical_id_succeeds_without_calls(example_stack, deployment, emulator, physical_id):
    stack = deployment(example_stack.name)
    assert stack.deploy(example_stack, PARAMETERS).status == "CREATE_COMPLETE"
    requests_before = len(emulator.requests)

    response = stack.request(JOB, "Delete", physical_id=physical_id)

    assert response.status == "SUCCESS" and response.physical_id == physical_id
    assert len(emulator.requests) == requests_before


def test_changing_only_tags_retags_the_job_without_running_another(scenario_stack, deployment, emulator):
    stack, job_resource, arn, result = _deploy_then_update("KmsKey", scenario_stack, deployment)

    assert result.status == "UPDATE_COMPLETE", result.failure_reasons()
    assert stack.resources[job_resource].physical_id == arn
    assert len(emulator.jobs()) == 1
    tags = client("personalize", emulator.endpoint_url).list_tags_for_resource(resourceArn=arn)["tags"]
    assert {tag["tagKey"]: tag["tagValue"] for tag in tags} == {"team": "ranking", "cost-center": "42"}
