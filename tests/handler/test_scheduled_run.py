"""Scheduled runs: the steps the stack's scheduled-runs state machine sends the is_complete function."""

import hashlib
import json

import pytest
from job_handlers import BY_RESOURCE_TYPE
from resource_properties import PropertyError
from scheduled_run import run_step

from .sample_events import (
    INPUT_PATH,
    LOGICAL_ID,
    ROLE_ARN,
    SOLUTION_VERSION_ARN,
    STACK_ID,
    START_TIME,
    described_job,
    job_arn,
    properties,
    run_folder,
    stub_event_put,
    stub_input_found,
    stub_manifest_written,
    stub_results_check,
)

SCHEDULED_TIME = "2026-12-02T02:00:00Z"
NEXT_TIME = "2026-12-03T02:00:00Z"
FAILED_DETAIL_TYPE = "Personalize Batch Job Failed"


def _name(scheduled_time: str = SCHEDULED_TIME) -> str:
    """The contract's name of a scheduled run, computed here independently of the handler."""
    digest = hashlib.sha256(f"{STACK_ID}|{LOGICAL_ID}|schedule|{scheduled_time}".encode()).hexdigest()
    return f"nightly-recs-{digest[:12]}"


ARN = job_arn(_name())


def _job(**overrides) -> dict:
    return {
        "ResourceType": "Custom::PersonalizeBatchInferenceJob",
        "StackId": STACK_ID,
        "LogicalResourceId": LOGICAL_ID,
        "ResourceProperties": properties(ConstructPath="shop-stack/Nightly", **overrides),
    }


def _start(job: dict | None = None, scheduled_time: str = SCHEDULED_TIME) -> dict:
    return {"ScheduledRun": "Start", "ScheduledTime": scheduled_time, "Job": job or _job()}


def _poll(run: dict, job: dict | None = None) -> dict:
    return {**_start(job), "ScheduledRun": "Poll", "Run": run}


def _request(name: str = _name()) -> dict:
    return {
        "jobName": name,
        "solutionVersionArn": SOLUTION_VERSION_ARN,
        "jobInput": {"s3DataSource": {"path": INPUT_PATH}},
        "jobOutput": {"s3DataDestination": {"path": run_folder(name)}},
        "roleArn": ROLE_ARN,
        "numResults": 25,
    }


@pytest.fixture
def step(make_handler_of):
    """run_step on the stubbed clients, recording the query interval each handler was built with."""
    intervals: list[float] = []

    def handler_for(event: dict, query_interval_seconds: float):
        intervals.append(query_interval_seconds)
        return make_handler_of(
            BY_RESOURCE_TYPE[event["ResourceType"]],
            json.loads(json.dumps(event)),
            query_interval_seconds=query_interval_seconds,
        )

    def run(event: dict) -> dict:
        return json.loads(json.dumps(run_step(json.loads(json.dumps(event)), handler_for)))

    run.intervals = intervals
    return run


def _logged(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _describe(personalize_stub, status: str, arn: str = ARN, **job) -> None:
    personalize_stub.add_response(
        "describe_batch_inference_job", described_job(arn, status, **job), {"batchInferenceJobArn": arn}
    )


def _not_found(personalize_stub, arn: str = ARN) -> None:
    personalize_stub.add_client_error(
        "describe_batch_inference_job", "ResourceNotFoundException", "no such job", 404, {"batchInferenceJobArn": arn}
    )


def _create_refused(personalize_stub, name: str = _name()) -> None:
    personalize_stub.add_client_error(
        "create_batch_inference_job", "LimitExceededException", "5 jobs running", 400, _request(name)
    )


STARTED = {"JobArn": ARN, "StartedAt": START_TIME, "Done": False}


def test_start_names_the_job_after_the_schedule_time_in_its_own_run_folder(step, personalize_stub, s3_stub, capsys):
    stub_input_found(s3_stub)
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, _request())

    assert step(_start()) == STARTED
    assert _logged(capsys) == [
        {"event": "job_started", "jobArn": ARN},
        {
            "event": "scheduled_run_started",
            "jobArn": ARN,
            "scheduledTime": SCHEDULED_TIME,
            "constructPath": "shop-stack/Nightly",
        },
    ]


def test_each_schedule_time_gets_a_new_name_and_a_retried_start_adopts_its_job(step, personalize_stub, s3_stub):
    stub_input_found(s3_stub)
    personalize_stub.add_response("create_batch_inference_job", {}, _request(_name(NEXT_TIME)))
    stub_input_found(s3_stub)
    personalize_stub.add_client_error(
        "create_batch_inference_job", "ResourceAlreadyExistsException", "taken", 400, _request(_name(NEXT_TIME))
    )

    first = step(_start(scheduled_time=NEXT_TIME))
    again = step(_start(scheduled_time=NEXT_TIME))

    assert first["JobArn"] == again["JobArn"] == job_arn(_name(NEXT_TIME)) != ARN


def test_a_run_that_finds_the_quota_full_creates_again_at_each_poll_until_it_runs(
    step, personalize_stub, s3_stub, events_stub, clock, capsys
):
    stub_input_found(s3_stub)
    _create_refused(personalize_stub)
    run = step(_start())
    assert run == STARTED
    assert _logged(capsys)[0] == {
        "event": "job_queued",
        "jobArn": ARN,
        "reason": "waiting for a Personalize slot (LimitExceededException: 5 jobs running)",
    }

    clock.now += 30
    _not_found(personalize_stub)
    _create_refused(personalize_stub)
    run = step(_poll(run))
    assert run == STARTED
    clock.now += 30
    _not_found(personalize_stub)
    personalize_stub.add_response("create_batch_inference_job", {}, _request())
    run = step(_poll(run))
    assert run == STARTED
    clock.now += 30
    _describe(personalize_stub, "ACTIVE")
    stub_results_check(s3_stub, name=_name())
    stub_manifest_written(s3_stub)
    stub_event_put(events_stub)
    run = step(_poll(run))

    assert run["Done"] is True
    assert run["Data"]["OutputPath"] == run_folder(_name())
    assert (run["Data"]["RecordCount"], run["Data"]["ErrorCount"]) == ("2", "0")
    events = [line["event"] for line in _logged(capsys)]
    assert events[-5:] == [
        "results_checked",
        "manifest_written",
        "completion_event_sent",
        "job_completed",
        "scheduled_run_succeeded",
    ]


def test_every_poll_reads_the_job_however_late_the_state_machine_calls(step, personalize_stub, clock, capsys):
    # The Provider's cadence skips calls between poll ticks; the state machine already waited one interval.
    for late in (95, 31, 47):
        clock.now += late
        _describe(personalize_stub, "IN PROGRESS", last_updated=clock.now - 1)
        assert step(_poll(STARTED)) == STARTED
    assert set(step.intervals) == {30}
    assert [line["event"] for line in _logged(capsys)] == ["job_status"] * 3


def test_a_failed_job_fails_the_step_with_its_reason_and_sends_the_failed_event(
    step, personalize_stub, events_stub, capsys
):
    _describe(personalize_stub, "CREATE FAILED", failure_reason="Solution version is being retrained")
    stub_event_put(events_stub, FAILED_DETAIL_TYPE)

    with pytest.raises(RuntimeError, match=f"Batch inference job {ARN} failed: Solution version is being retrained"):
        step(_poll(STARTED))
    assert [line["event"] for line in _logged(capsys)][-2:] == ["completion_event_sent", "scheduled_run_failed"]


def test_a_run_that_fails_its_check_fails_the_step_and_writes_no_manifest(
    step, personalize_stub, s3_stub, events_stub, capsys
):
    _describe(personalize_stub, "ACTIVE")
    stub_results_check(s3_stub, name=_name(), output_lines=())
    stub_event_put(events_stub, FAILED_DETAIL_TYPE)

    with pytest.raises(RuntimeError, match="ended ACTIVE but its results check failed: the run wrote no output"):
        step(_poll(STARTED))
    logged = _logged(capsys)
    assert "manifest_written" not in [line["event"] for line in logged]
    assert logged[-1]["event"] == "scheduled_run_failed" and logged[-1]["jobArn"] == ARN


def test_a_scheduled_run_waits_the_whole_timeout_in_one_go(step, personalize_stub, events_stub, clock):
    job = _job(TimeoutSeconds="3480", TotalTimeoutSeconds="10800", OnTimeout="Continue")
    clock.now = START_TIME + 3480 + 600
    _describe(personalize_stub, "IN PROGRESS")
    assert step(_poll(STARTED, job)) == STARTED  # no hand-over at the first share's end

    clock.now = START_TIME + 10800
    _describe(personalize_stub, "IN PROGRESS")
    stub_event_put(events_stub, FAILED_DETAIL_TYPE)
    with pytest.raises(TimeoutError, match=f"{ARN} did not finish within 10800 s"):
        step(_poll(STARTED, job))


def test_a_scheduled_run_waits_for_the_end_even_when_the_deploy_does_not(
    step, personalize_stub, s3_stub, events_stub, clock
):
    job = _job(Wait="false")
    _describe(personalize_stub, "IN PROGRESS")
    assert step(_poll(STARTED, job)) == STARTED
    _describe(personalize_stub, "ACTIVE")
    stub_results_check(s3_stub, name=_name())
    stub_manifest_written(s3_stub)
    stub_event_put(events_stub)
    assert step(_poll(STARTED, job))["Done"] is True


def test_an_empty_input_fails_the_start_before_any_job(step, s3_stub, capsys):
    s3_stub.add_response(
        "head_object", {"ContentLength": 0}, {"Bucket": "shop-batch-input", "Key": "users/users.jsonl"}
    )

    with pytest.raises(ValueError, match="is empty"):
        step(_start())
    (logged,) = _logged(capsys)
    assert (logged["event"], logged["jobArn"], logged["scheduledTime"]) == (
        "scheduled_run_failed",
        None,
        SCHEDULED_TIME,
    )
    assert "is empty" in logged["error"]


def test_only_batch_job_resources_can_be_scheduled(step):
    job = {**_job(), "ResourceType": "Custom::PersonalizeBatchJobWait"}

    with pytest.raises(
        PropertyError, match="Custom::PersonalizeBatchInferenceJob or Custom::PersonalizeBatchSegmentJob"
    ):
        step(_start(job))


def test_an_unknown_step_is_refused(step):
    with pytest.raises(ValueError, match="expected Start or Poll"):
        step({**_start(), "ScheduledRun": "Stop"})
