"""Deploy-time results checks, run folders, the manifest and completion events, for both kinds.

Each scenario deploys a Checked stack (max_error_rate 0.5, rules on its completion events) on
moto and the Personalize emulator; the emulator's faults make a job end ACTIVE with failed
records, short output or none. Completion events go to moto's EventBridge, where a rule with the
template's own pattern delivers them to an SQS queue.
"""

import json

import pytest

from .adjustable_timings import AdjustableTimings
from .local_aws import client
from .scenario_app import KINDS, RUN_NAME_PARAMETER

POLL_INTERVAL = 60
QUERY_INTERVAL = 10
HOUR = 3600
pytestmark = pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])


@pytest.fixture
def job_timings() -> AdjustableTimings:
    """Overrides conftest.py's: jobs of these tests take as long as each test says."""
    return AdjustableTimings()


@pytest.fixture
def checked(kind, scenario_stack):
    return scenario_stack(kind.stack("Checked"))


def _logged(stack, event: str) -> list[dict]:
    return [record for record in stack.handler_log if record.get("event") == event]


def _s3_json_lines(aws_endpoint: str, uri: str) -> list[dict]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    body = client("s3", aws_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def _manifest(aws_endpoint: str, results_uri: str, job_name: str) -> dict:
    prefix = results_uri.removesuffix(f"{job_name}/")
    bucket, _, key = (prefix + "manifest.json").removeprefix("s3://").partition("/")
    return json.loads(client("s3", aws_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read())


def _keys(aws_endpoint: str, folder: str) -> list[str]:
    bucket, _, prefix = folder.removeprefix("s3://").partition("/")
    listed = client("s3", aws_endpoint).list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(item["Key"].removeprefix(prefix) for item in listed)


def test_some_failed_records_under_max_error_rate_pass_with_their_counts(
    kind, checked, deployment, emulator, aws_endpoint
):
    emulator.faults.fail_records(1)
    stack = deployment(checked.name)

    result = stack.deploy(checked)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (job,) = emulator.jobs()
    assert result.outputs["Results"] == job.request["jobOutput"]["s3DataDestination"]["path"]
    assert result.outputs["Results"].endswith(f"/results/{job.name}/")
    assert (result.outputs["Records"], result.outputs["Errors"]) == ("3", "1")
    lines = _s3_json_lines(aws_endpoint, result.outputs["Results"] + kind.input_name + ".out")
    assert lines[0]["output"] == {kind.output_field: []} and lines[0]["error"].startswith("User error: ")
    manifest = _manifest(aws_endpoint, result.outputs["Results"], job.name)
    assert (manifest["outputFolder"], manifest["jobArn"]) == (result.outputs["Results"], job.arn)
    assert (manifest["inputRecordCount"], manifest["recordCount"], manifest["errorCount"]) == (3, 3, 1)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (("fail_records", 2), "66.67% of the records failed, above max_error_rate 0.5 (3 output records, 2 failed"),
        (("fail_records", 3), "every record failed (3 output records, 3 failed, for 3 input records)"),
        (("truncate_output", 0), "the run wrote no output record under s3://"),
        (("truncate_output", 2), "the run wrote fewer records than its input has (2 output records, 0 failed"),
    ],
    ids=["over-max-error-rate", "every-record-failed", "no-output", "fewer-output"],
)
def test_a_run_that_fails_its_check_fails_the_deploy_saying_why(
    kind, checked, deployment, emulator, aws_endpoint, fault, reason
):
    method, count = fault
    getattr(emulator.faults, method)(count)
    stack = deployment(checked.name)

    result = stack.deploy(checked)

    assert result.status == "ROLLBACK_COMPLETE"
    (job,) = emulator.jobs()
    assert job.status == "ACTIVE"  # Personalize itself saw nothing wrong
    (message,) = [r for r in result.failure_reasons() if "results check failed" in r]
    assert f"{kind.noun} {job.arn} ended ACTIVE but its results check failed: {reason}" in message
    if method == "fail_records":
        assert 'the first failed record says: "User error: Required fields for the provided recipe' in message
    # The results stay where the run wrote them; no manifest names a run that failed its check.
    folder = job.request["jobOutput"]["s3DataDestination"]["path"]
    assert "manifest.json" not in _keys(aws_endpoint, folder.removesuffix(f"{job.name}/"))


def _queue_for(aws_endpoint: str, checked, stack_name: str, rule_prefix: str) -> tuple[object, str]:
    """An SQS queue receiving the events the template's rule `rule_prefix*` matches, on moto."""
    sqs, events = client("sqs", aws_endpoint), client("events", aws_endpoint)
    (rule,) = [
        resource["Properties"]
        for lid, resource in checked.resources.items()
        if resource["Type"] == "AWS::Events::Rule" and lid.startswith(rule_prefix)
    ]
    pattern = json.loads(json.dumps(rule["EventPattern"]).replace('{"Ref": "AWS::StackName"}', json.dumps(stack_name)))
    url = sqs.create_queue(QueueName=f"{stack_name}-{rule_prefix}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name = f"{stack_name}-{rule_prefix}"
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
    return sqs, url


def _received(sqs, url: str) -> list[dict]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_a_run_that_passed_reaches_the_on_completed_rules_target_and_not_the_on_failed_one(
    kind, checked, deployment, emulator, aws_endpoint
):
    completed = _queue_for(aws_endpoint, checked, checked.name, "NightlyCompleted")
    failed = _queue_for(aws_endpoint, checked, checked.name, "NightlyFailed")
    stack = deployment(checked.name)

    result = stack.deploy(checked)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (job,) = emulator.jobs()
    (event,) = _received(*completed)
    assert (event["source"], event["detail-type"]) == (
        "personalize-batch-constructs",
        "Personalize Batch Job Succeeded",
    )
    assert event["detail"] == {
        "stackName": checked.name,
        "stackId": stack.stack_id,
        "constructPath": f"{checked.name}/Nightly",
        "jobArn": job.arn,
        "jobName": job.name,
        "status": "SUCCEEDED",
        "outputFolder": result.outputs["Results"],
        "inputRecordCount": 3,
        "recordCount": 3,
        "errorCount": 0,
        "reason": "the run passed its results check",
    }
    assert _received(*failed) == []


@pytest.mark.parametrize("how", ["check-failed", "create-failed"])
def test_a_failed_run_reaches_the_on_failed_rules_target(kind, checked, deployment, emulator, aws_endpoint, how):
    completed = _queue_for(aws_endpoint, checked, checked.name, "NightlyCompleted")
    failed = _queue_for(aws_endpoint, checked, checked.name, "NightlyFailed")
    if how == "check-failed":
        emulator.faults.fail_records(3)
    else:
        emulator.faults.fail_jobs("Solution version is being retrained")
    stack = deployment(checked.name)

    assert stack.deploy(checked).status == "ROLLBACK_COMPLETE"

    (event,) = _received(*failed)
    assert event["detail-type"] == "Personalize Batch Job Failed"
    assert event["detail"]["status"] == ("CHECK_FAILED" if how == "check-failed" else "CREATE_FAILED")
    assert event["detail"]["jobArn"] == emulator.jobs()[0].arn
    expected_reason = "every record failed" if how == "check-failed" else "Solution version is being retrained"
    assert expected_reason in event["detail"]["reason"]
    assert _received(*completed) == []


def test_a_large_output_is_checked_over_several_polls_reading_each_byte_once(
    kind, checked, deployment, emulator, aws_endpoint
):
    stack = deployment(checked.name, function_environment={"RESULTS_CHECK_BYTES_PER_CALL": "64"})

    result = stack.deploy(checked)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (checked_line,) = _logged(stack, "results_checked")
    continued = _logged(stack, "results_check_continues")
    assert len(continued) >= 3 and checked_line["calls"] == len(continued) + 1
    (job,) = emulator.jobs()
    s3 = client("s3", aws_endpoint)
    input_uri, folder = (
        job.request["jobInput"]["s3DataSource"]["path"],
        job.request["jobOutput"]["s3DataDestination"]["path"],
    )
    sizes = 0
    for uri in (input_uri, folder + kind.input_name + ".out"):
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        sizes += s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    assert checked_line["bytesRead"] == sizes
    assert (result.outputs["Records"], result.outputs["Errors"]) == ("3", "0")


def test_a_run_left_running_by_a_rolled_back_deploy_ends_after_the_next_and_overwrites_nothing(
    kind, checked, deployment, emulator, aws_endpoint, clock, job_timings
):
    stack = deployment(checked.name)
    assert stack.deploy(checked, {RUN_NAME_PARAMETER: "RunZero"}).status == "CREATE_COMPLETE"
    # Run A outlives the deploy's hour: the update fails and rolls back, the job runs on.
    job_timings.next_jobs_take(minutes=150)
    rolled_back = stack.deploy(checked, {RUN_NAME_PARAMETER: "RunA"})
    assert rolled_back.status == "UPDATE_ROLLBACK_COMPLETE"
    job_timings.next_jobs_take(minutes=25)

    result = stack.deploy(checked, {RUN_NAME_PARAMETER: "RunB"})

    assert result.status == "UPDATE_COMPLETE", result.failure_reasons()
    _, run_a, run_b = emulator.jobs()
    assert (run_a.status, run_b.status) == ("IN PROGRESS", "ACTIVE")
    clock.advance(150 * 60)  # run A ends, after run B
    run_a = next(job for job in emulator.jobs() if job.arn == run_a.arn)
    assert run_a.status == "ACTIVE" and run_a.last_updated_at > run_b.last_updated_at
    folder_a = run_a.request["jobOutput"]["s3DataDestination"]["path"]
    folder_b = run_b.request["jobOutput"]["s3DataDestination"]["path"]
    assert result.outputs["Results"] == folder_b != folder_a
    for folder, job in ((folder_a, run_a), (folder_b, run_b)):
        lines = _s3_json_lines(aws_endpoint, folder + kind.input_name + ".out")
        assert [line["input"] for line in lines] == [json.loads(record) for record in kind.records], job.name
    assert _manifest(aws_endpoint, folder_b, run_b.name)["outputFolder"] == folder_b
    # Run A's timeout was reported as a failed run; run B's success after it.
    assert [line["status"] for line in _logged(stack, "completion_event_sent")] == [
        "SUCCEEDED",
        "TIMED_OUT",
        "SUCCEEDED",
    ]
