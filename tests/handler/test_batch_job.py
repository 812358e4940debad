"""The custom resource lifecycle shared by batch job kinds, driven through the batch inference job."""

import io
import json

import pytest
from batch_inference_job import BatchInferenceJobHandler
from botocore.response import StreamingBody
from botocore.stub import ANY
from input_check import InputError
from resource_properties import PropertyError
from run_finish import CheckBudget

from .sample_events import (
    INPUT_BUCKET,
    STACK_ID,
    START_TIME,
    UPDATE_REQUEST_ID,
    completed_data,
    create_event,
    delete_event,
    described_job,
    expected_name,
    job_arn,
    minimal_request,
    output_line,
    properties,
    run_folder,
    stub_event_put,
    stub_input_found,
    stub_manifest_written,
    stub_recorded_check,
    stub_results_check,
    stub_stack_status,
    update_event,
    waiting_event,
)

ARN = job_arn(expected_name())
NEW_ARN = job_arn(expected_name(UPDATE_REQUEST_ID))
NOT_COMPLETE = {"IsComplete": False}
FAILED_DETAIL_TYPE = "Personalize Batch Job Failed"


def _started(event: dict) -> dict:
    """The is_complete event after an on_event that started the job at START_TIME."""
    return waiting_event(
        event, {"PhysicalResourceId": job_arn(expected_name(event["RequestId"])), "StartedAt": START_TIME}
    )


def _logged(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _describe(personalize_stub, status: str, arn: str = ARN, **job) -> None:
    personalize_stub.add_response(
        "describe_batch_inference_job", described_job(arn, status, **job), {"batchInferenceJobArn": arn}
    )


def _describe_fails(personalize_stub, code: str, status: int = 400) -> None:
    personalize_stub.add_client_error(
        "describe_batch_inference_job", code, f"{code} message", status, expected_params={"batchInferenceJobArn": ARN}
    )


def _create_fails(personalize_stub, code: str, status: int = 400) -> None:
    personalize_stub.add_client_error(
        "create_batch_inference_job", code, f"{code} message", status, expected_params=minimal_request()
    )


# Create


def test_create_checks_input_starts_job_and_hands_arn_and_start_time_on(
    make_handler, personalize_stub, s3_stub, capsys
):
    stub_input_found(s3_stub)
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, minimal_request())

    result = make_handler(create_event()).on_event()

    assert result == {"PhysicalResourceId": ARN, "StartedAt": START_TIME}
    assert _logged(capsys) == [{"event": "job_started", "jobArn": ARN}]


def test_retried_create_adopts_the_job_the_first_attempt_started(make_handler, personalize_stub, s3_stub, capsys):
    stub_input_found(s3_stub)
    _create_fails(personalize_stub, "ResourceAlreadyExistsException")

    result = make_handler(create_event()).on_event()

    assert result["PhysicalResourceId"] == ARN
    assert _logged(capsys)[-1] == {"event": "job_adopted", "jobArn": ARN}


@pytest.mark.parametrize(
    ("code", "status", "event"),
    [
        ("LimitExceededException", 400, "job_queued"),
        ("ThrottlingException", 400, "job_deferred"),
        ("InternalServerError", 500, "job_deferred"),
    ],
)
def test_create_refused_for_now_is_deferred_to_is_complete(
    make_handler, personalize_stub, s3_stub, capsys, code, status, event
):
    stub_input_found(s3_stub)
    _create_fails(personalize_stub, code, status)

    result = make_handler(create_event()).on_event()

    assert result == {"PhysicalResourceId": ARN, "StartedAt": START_TIME}
    assert _logged(capsys)[-1]["event"] == event


QUEUE_PLACE = {"Lane": "2", "Lanes": "5", "Position": "3", "After": "Shop/Nightly7"}


def test_a_job_refused_at_the_quota_is_logged_as_queued_once_with_its_place(
    make_handler, personalize_stub, s3_stub, clock, capsys
):
    stub_input_found(s3_stub)
    _create_fails(personalize_stub, "LimitExceededException")
    event = create_event(properties(Queue=QUEUE_PLACE))
    make_handler(event).on_event()
    _describe_fails(personalize_stub, "ResourceNotFoundException")  # at 0 s: on_event asked already
    assert make_handler(_started(event)).is_complete() == NOT_COMPLETE
    clock.now = START_TIME + 30  # refused again, then the job starts
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    _create_fails(personalize_stub, "LimitExceededException")
    assert make_handler(_started(event)).is_complete() == NOT_COMPLETE
    clock.now = START_TIME + 60
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, minimal_request())
    assert make_handler(_started(event)).is_complete() == NOT_COMPLETE

    place = {"lane": 2, "lanes": 5, "position": 3, "after": "Shop/Nightly7"}
    assert _logged(capsys) == [
        {
            "event": "job_queued",
            "jobArn": ARN,
            "reason": "waiting for a Personalize slot (LimitExceededException: LimitExceededException message)",
            "queue": place,
        },
        {"event": "job_started", "jobArn": ARN, "queue": place},
    ]


def test_the_first_job_of_a_lane_logs_no_place(make_handler, personalize_stub, s3_stub, capsys):
    stub_input_found(s3_stub)
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, minimal_request())

    make_handler(create_event(properties(Queue={"Lane": "1", "Lanes": "5", "Position": "1"}))).on_event()

    assert _logged(capsys) == [{"event": "job_started", "jobArn": ARN}]


def test_deferred_create_is_retried_by_is_complete_until_it_runs(
    make_handler, personalize_stub, s3_stub, events_stub, clock
):
    waiting = _started(create_event())
    # The check right after on_event: on_event's Create was this poll's, no second one.
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    assert make_handler(waiting).is_complete() == NOT_COMPLETE

    clock.now = START_TIME + 30
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    _create_fails(personalize_stub, "LimitExceededException")
    assert make_handler(waiting).is_complete() == NOT_COMPLETE

    clock.now = START_TIME + 60
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, minimal_request())
    assert make_handler(waiting).is_complete() == NOT_COMPLETE

    clock.now = START_TIME + 60
    _describe(personalize_stub, "ACTIVE")
    _checked_and_reported(s3_stub, events_stub)
    assert make_handler(waiting).is_complete()["IsComplete"] is True


@pytest.mark.parametrize(("poll_interval", "polls"), [(30, 120), (60, 60), (300, 12)])
def test_a_job_waiting_an_hour_for_a_slot_asks_to_be_created_once_per_poll_interval(
    make_handler, personalize_stub, clock, poll_interval, polls
):
    waiting = _started(create_event(properties(PollIntervalSeconds=str(poll_interval))))
    # The poll at 0 s only describes: on_event's Create, just before, was that poll's.
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    for _ in range(polls - 1):  # the fixture fails the test if any is left, or one more is asked for
        _describe_fails(personalize_stub, "ResourceNotFoundException")
        _create_fails(personalize_stub, "LimitExceededException")

    for elapsed in range(0, 3600, 10):
        clock.now = START_TIME + elapsed
        assert make_handler(waiting).is_complete() == NOT_COMPLETE


def test_create_retried_by_is_complete_accepts_a_job_that_exists(make_handler, personalize_stub, clock):
    clock.now = START_TIME + 30
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    _create_fails(personalize_stub, "ResourceAlreadyExistsException")

    assert make_handler(_started(create_event())).is_complete() == NOT_COMPLETE


def test_create_refused_for_good_fails_with_the_service_message(make_handler, personalize_stub, s3_stub):
    stub_input_found(s3_stub)
    _create_fails(personalize_stub, "InvalidInputException")

    with pytest.raises(
        RuntimeError,
        match=rf"CreateBatchInferenceJob for {ARN} failed: InvalidInputException: InvalidInputException message",
    ):
        make_handler(create_event()).on_event()


@pytest.mark.parametrize(
    ("stub", "message"),
    [
        (lambda s3_stub: s3_stub.add_client_error("head_object", "404", "Not Found", 404), "does not exist"),
        (lambda s3_stub: s3_stub.add_response("head_object", {"ContentLength": 0}), "is empty"),
        (lambda s3_stub: s3_stub.add_client_error("head_object", "403", "Forbidden", 403), "Access denied"),
    ],
    ids=["missing", "empty", "denied"],
)
def test_bad_input_file_fails_create_before_any_job_starts(make_handler, s3_stub, stub, message):
    stub(s3_stub)

    # personalize_stub holds nothing: a create call would fail the test with another error.
    with pytest.raises(InputError, match=message) as raised:
        make_handler(create_event()).on_event()
    assert f"s3://{INPUT_BUCKET}/users/users.jsonl" in str(raised.value)


def test_empty_input_folder_fails_create_before_any_job_starts(make_handler, s3_stub):
    s3_stub.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 0})

    with pytest.raises(InputError, match=rf"Input folder s3://{INPUT_BUCKET}/users/ holds no non-empty object"):
        make_handler(create_event(properties(InputPath=f"s3://{INPUT_BUCKET}/users/"))).on_event()


def test_input_folder_with_a_file_starts_the_job(make_handler, personalize_stub, s3_stub):
    folder = f"s3://{INPUT_BUCKET}/users/"
    s3_stub.add_response(
        "list_objects_v2",
        {"IsTruncated": False, "Contents": [{"Key": "users/a.jsonl", "Size": 10}]},
        {"Bucket": INPUT_BUCKET, "Prefix": "users/", "MaxKeys": 10},
    )
    request = {**minimal_request(), "jobInput": {"s3DataSource": {"path": folder}}}
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, request)

    assert make_handler(create_event(properties(InputPath=folder))).on_event()["PhysicalResourceId"] == ARN


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"TimeoutSeconds": "7200"}, r"Property TimeoutSeconds must be at least 1 and at most 3600"),
        ({"PollIntervalSeconds": "soon"}, r"Property PollIntervalSeconds must be a whole number"),
        ({"RoleArn": None}, r"Property RoleArn is required"),
    ],
)
def test_bad_property_fails_create_naming_it_before_any_call(make_handler, overrides, message):
    with pytest.raises(PropertyError, match=message):
        make_handler(create_event(properties(**overrides))).on_event()


# Waiting for the job


def _checked_and_reported(s3_stub, events_stub, input_lines: int = 2) -> None:
    """A run that passes its check: the check's reads, the manifest, the success event."""
    stub_results_check(s3_stub, input_lines=input_lines)
    stub_manifest_written(s3_stub)
    stub_event_put(events_stub)


def test_active_job_completes_with_its_attributes(make_handler, personalize_stub, s3_stub, events_stub, capsys):
    _describe(personalize_stub, "ACTIVE")
    _checked_and_reported(s3_stub, events_stub, input_lines=3)

    result = make_handler(_started(create_event())).is_complete()

    assert result == completed_data(ARN, counts=(3, 3, 0))
    assert [line["event"] for line in _logged(capsys)] == [
        "results_checked",
        "manifest_written",
        "completion_event_sent",
        "job_completed",
    ]


def test_failed_job_fails_the_resource_with_the_reason_and_arn(make_handler, personalize_stub, events_stub, capsys):
    _describe(personalize_stub, "CREATE FAILED", failure_reason="Input file has no valid records.")
    stub_event_put(events_stub, FAILED_DETAIL_TYPE)

    with pytest.raises(RuntimeError, match=rf"Batch inference job {ARN} failed: Input file has no valid records\."):
        make_handler(_started(create_event())).is_complete()
    assert [line["event"] for line in _logged(capsys)] == ["job_failed", "completion_event_sent"]


def test_a_long_failure_reason_is_shortened_to_fit_a_cloudformation_response(make_handler, personalize_stub, capsys):
    reason = "Record 1 is malformed. " * 200
    _describe(personalize_stub, "CREATE FAILED", failure_reason=reason)

    with pytest.raises(RuntimeError) as failure:
        make_handler(_started(create_event())).is_complete()
    message = str(failure.value)
    assert message.startswith(f"Batch inference job {ARN} failed: Record 1 is malformed.")
    assert len(message.encode()) < 1500
    assert message.endswith("(the whole reason is in the handler's log)")
    assert _logged(capsys)[0]["failureReason"] == reason


@pytest.mark.parametrize("status", ["PENDING", "IN PROGRESS", "CREATE PENDING", "CREATE IN_PROGRESS"])
def test_job_in_flight_is_not_complete_and_carries_no_data(make_handler, personalize_stub, status):
    _describe(personalize_stub, status)

    assert make_handler(_started(create_event())).is_complete() == NOT_COMPLETE


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("LimitExceededException", 400),
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
    ],
)
def test_describe_refused_for_now_polls_again(make_handler, personalize_stub, capsys, code, status):
    _describe_fails(personalize_stub, code, status)

    assert make_handler(_started(create_event())).is_complete() == NOT_COMPLETE
    assert _logged(capsys)[-1]["event"] == "status_unavailable"


@pytest.mark.parametrize("code", ["AccessDeniedException", "InvalidInputException"])
def test_describe_refused_for_good_fails(make_handler, personalize_stub, code):
    _describe_fails(personalize_stub, code)

    with pytest.raises(RuntimeError, match=rf"Could not read the state of {ARN}: {code}"):
        make_handler(_started(create_event())).is_complete()


def test_timeout_fails_saying_the_job_keeps_running_and_where_results_go(make_handler, personalize_stub, clock):
    clock.now = START_TIME + 3600
    _describe(personalize_stub, "IN PROGRESS")

    with pytest.raises(TimeoutError) as raised:
        make_handler(_started(create_event())).is_complete()

    message = str(raised.value)
    assert f"Batch inference job {ARN} did not finish within 3600 s" in message
    assert f"The job keeps running in Personalize; its results will still appear at {run_folder()}" in message
    assert "IN PROGRESS" in message


def test_timeout_of_a_job_never_created_says_so(make_handler, personalize_stub, clock):
    clock.now = START_TIME + 3600
    _describe_fails(personalize_stub, "ResourceNotFoundException")

    # No create is queued: after the timeout a late job would only run unseen.
    with pytest.raises(TimeoutError) as raised:
        make_handler(_started(create_event())).is_complete()

    assert str(raised.value).startswith(
        f"Batch inference job {ARN} never started within 3600 s: Personalize refused to create it at every try "
        "(LimitExceededException: the Region's quota of jobs of this kind pending or in progress at a time was full"
    )
    assert "deploy again once the running jobs have finished, or ask for a higher quota" in str(raised.value)


def test_timeout_while_describe_is_throttled_still_fails(make_handler, personalize_stub, clock):
    clock.now = START_TIME + 3601
    _describe_fails(personalize_stub, "ThrottlingException")

    with pytest.raises(
        TimeoutError, match=r"did not finish within 3600 s \(its status could not be read: ThrottlingException"
    ):
        make_handler(_started(create_event())).is_complete()


def test_job_that_finished_by_the_timeout_completes(make_handler, personalize_stub, s3_stub, events_stub, clock):
    clock.now = START_TIME + 3605
    _describe(personalize_stub, "ACTIVE")
    _checked_and_reported(s3_stub, events_stub)

    assert make_handler(_started(create_event())).is_complete()["IsComplete"] is True


def test_timeout_counts_from_on_event_with_the_configured_seconds(make_handler, personalize_stub, clock):
    waiting = _started(create_event(properties(TimeoutSeconds="600", PollIntervalSeconds="600")))
    clock.now = START_TIME + 599
    assert make_handler(waiting).is_complete() == NOT_COMPLETE  # no tick, not yet timed out: no call

    clock.now = START_TIME + 600
    _describe(personalize_stub, "PENDING")
    with pytest.raises(TimeoutError, match="within 600 s"):
        make_handler(waiting).is_complete()


def test_no_call_between_poll_ticks(make_handler, personalize_stub, clock):
    waiting = _started(create_event())  # PollIntervalSeconds 30, query interval 10
    for elapsed in (10.2, 20.4, 40.8, 50.9):
        clock.now = START_TIME + elapsed
        assert make_handler(waiting).is_complete() == NOT_COMPLETE

    clock.now = START_TIME + 30.6
    _describe(personalize_stub, "PENDING")
    assert make_handler(waiting).is_complete() == NOT_COMPLETE


@pytest.mark.parametrize(("poll_interval", "describe_calls"), [(7, 360), (30, 120), (45, 80), (300, 12), (3600, 1)])
def test_describe_calls_in_an_hour_stay_within_one_per_poll_interval(
    make_handler, personalize_stub, clock, poll_interval, describe_calls
):
    waiting = _started(create_event(properties(PollIntervalSeconds=str(poll_interval))))
    for _ in range(describe_calls):  # the fixture fails the test if any is left, or one more is asked for
        _describe(personalize_stub, "IN PROGRESS", last_updated=START_TIME - 60)

    for elapsed in range(0, 3600, 10):
        clock.now = START_TIME + elapsed
        assert make_handler(waiting).is_complete() == NOT_COMPLETE

    assert describe_calls <= 3600 / poll_interval + 1


def test_status_is_logged_once_per_change(make_handler, personalize_stub, clock, capsys):
    waiting = _started(create_event())
    clock.now = START_TIME + 30
    _describe(personalize_stub, "IN PROGRESS", last_updated=START_TIME + 12)
    make_handler(waiting).is_complete()
    clock.now = START_TIME + 60
    _describe(personalize_stub, "IN PROGRESS", last_updated=START_TIME + 12)
    make_handler(waiting).is_complete()

    assert _logged(capsys) == [{"event": "job_status", "jobArn": ARN, "status": "IN PROGRESS"}]


# Update


def test_update_of_wait_settings_keeps_the_job_and_calls_nothing(make_handler):
    old = properties()
    new = properties(
        TimeoutSeconds="1800", PollIntervalSeconds="60", ServiceToken="arn:aws:lambda:us-east-1:1:function:x"
    )

    assert make_handler(update_event(ARN, old, new)).on_event() == {"PhysicalResourceId": ARN}


def test_update_of_wait_settings_completes_with_the_counts_the_check_recorded(make_handler, personalize_stub, s3_stub):
    event = update_event(ARN, properties(), properties(TimeoutSeconds="1800"))
    _describe(personalize_stub, "ACTIVE")
    recorded = {"phase": "output", "done": True, "input_records": 4, "output_records": 4, "error_records": 1}
    stub_recorded_check(s3_stub, recorded)

    result = make_handler(waiting_event(event, {"PhysicalResourceId": ARN})).is_complete()

    assert result == completed_data(ARN, counts=(4, 4, 1))


def test_update_of_wait_settings_completes_without_counts_when_none_were_recorded(
    make_handler, personalize_stub, s3_stub
):
    event = update_event(ARN, properties(), properties(TimeoutSeconds="1800"))
    _describe(personalize_stub, "ACTIVE")
    stub_recorded_check(s3_stub, None)

    result = make_handler(waiting_event(event, {"PhysicalResourceId": ARN})).is_complete()

    assert result == completed_data(ARN)


def test_update_of_wait_settings_polls_again_when_describe_is_throttled(make_handler, personalize_stub):
    event = update_event(ARN, properties(), properties(TimeoutSeconds="1800"))
    _describe_fails(personalize_stub, "ThrottlingException")

    assert make_handler(waiting_event(event, {"PhysicalResourceId": ARN})).is_complete() == NOT_COMPLETE


def test_update_of_tags_retags_the_existing_job(make_handler, personalize_stub):
    old = properties(JobTags=[{"tagKey": "team", "tagValue": "recs"}, {"tagKey": "stage", "tagValue": "dev"}])
    new = properties(JobTags=[{"tagKey": "team", "tagValue": "ml"}, {"tagKey": "owner", "tagValue": "ana"}])
    personalize_stub.add_response(
        "tag_resource",
        {},
        {"resourceArn": ARN, "tags": [{"tagKey": "team", "tagValue": "ml"}, {"tagKey": "owner", "tagValue": "ana"}]},
    )
    personalize_stub.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["stage"]})

    assert make_handler(update_event(ARN, old, new)).on_event() == {"PhysicalResourceId": ARN}


def test_update_of_wait_settings_still_validates_them(make_handler):
    with pytest.raises(PropertyError, match="PollIntervalSeconds"):
        make_handler(update_event(ARN, properties(), properties(PollIntervalSeconds="0"))).on_event()


@pytest.mark.parametrize(
    "changed",
    [{"InputVersion": "new-asset-hash"}, {"NumResults": "10"}, {"JobNamePrefix": "weekly"}, {"FilterArn": None}],
)
def test_update_that_changes_the_job_starts_a_new_one_under_a_new_id(
    make_handler, personalize_stub, s3_stub, cloudformation_stub, changed
):
    old = properties(FilterArn="arn:aws:personalize:us-east-1:123456789012:filter/old")
    new = {**old, **changed}
    new = {key: value for key, value in new.items() if value is not None}
    prefix = new["JobNamePrefix"]
    new_arn = job_arn(expected_name(UPDATE_REQUEST_ID, prefix=prefix))
    stub_stack_status(cloudformation_stub, "UPDATE_IN_PROGRESS")
    stub_input_found(s3_stub)
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": new_arn})

    result = make_handler(update_event(ARN, old, new)).on_event()

    assert result == {"PhysicalResourceId": new_arn, "StartedAt": START_TIME}
    assert new_arn != ARN


def test_an_update_rollback_keeps_the_job_of_the_failed_deploy_and_starts_none(
    make_handler, personalize_stub, cloudformation_stub
):
    # CloudFormation puts the previous properties back on the job the failed deploy started.
    event = update_event(NEW_ARN, properties(InputVersion="new-asset-hash"), properties())
    stub_stack_status(cloudformation_stub, "UPDATE_ROLLBACK_IN_PROGRESS")

    result = make_handler(event).on_event()

    assert result == {"PhysicalResourceId": NEW_ARN}
    # is_complete reads the kept job once and answers with it, whatever its state.
    _describe(personalize_stub, "IN PROGRESS", arn=NEW_ARN)
    completed = make_handler(waiting_event(event, result)).is_complete()
    assert completed["IsComplete"] is True and completed["Data"]["JobArn"] == NEW_ARN


def test_an_update_rollback_keeping_a_job_never_created_completes_without_failing(
    make_handler, personalize_stub, cloudformation_stub
):
    # The failed deploy's job was still deferred at the quota: failing here would leave the stack
    # UPDATE_ROLLBACK_FAILED, so the rollback says it does not know the status instead.
    event = update_event(
        NEW_ARN, properties(InputVersion="new-asset-hash", JobTags=[{"tagKey": "team", "tagValue": "a"}]), properties()
    )
    stub_stack_status(cloudformation_stub, "UPDATE_ROLLBACK_IN_PROGRESS")
    result = make_handler(event).on_event()  # no TagResource on a job that does not exist
    personalize_stub.add_client_error(
        "describe_batch_inference_job",
        "ResourceNotFoundException",
        "not found",
        404,
        expected_params={"batchInferenceJobArn": NEW_ARN},
    )

    completed = make_handler(waiting_event(event, result)).is_complete()

    assert result == {"PhysicalResourceId": NEW_ARN}
    assert completed["IsComplete"] is True and completed["Data"]["Status"] == "UNKNOWN"


def test_update_that_started_a_new_job_waits_for_it(make_handler, personalize_stub):
    event = update_event(ARN, properties(), properties(InputVersion="new-asset-hash"))
    waiting = waiting_event(event, {"PhysicalResourceId": NEW_ARN, "StartedAt": START_TIME})
    _describe(personalize_stub, "PENDING", arn=NEW_ARN)

    assert make_handler(waiting).is_complete() == NOT_COMPLETE


# Delete


@pytest.mark.parametrize("physical_id", [ARN, "shop-stack-NightlyRecommendations-1A2B3C4D5E6F"])
def test_delete_calls_nothing_and_keeps_the_physical_id(make_handler, physical_id):
    # Both stubbers hold nothing: any call would raise.
    event = delete_event(physical_id, properties(JobNamePrefix="not a valid prefix"))

    assert make_handler(event).on_event() == {"PhysicalResourceId": physical_id}
    assert make_handler(waiting_event(event, {"PhysicalResourceId": physical_id})).is_complete() == {"IsComplete": True}


def test_unknown_request_type_is_refused(make_handler):
    with pytest.raises(ValueError, match="Unsupported RequestType 'Restart'"):
        make_handler({**create_event(), "RequestType": "Restart"}).on_event()


# Waits past the hour (TotalTimeoutSeconds, OnTimeout) and wait=False (Wait)

# The job resource of a 3-hour wait: the first share, then wait extensions take over.
CHAINED = {"TimeoutSeconds": "3480", "TotalTimeoutSeconds": "10800", "OnTimeout": "Continue"}


def _completed(status: str, arn: str = ARN) -> dict:
    return completed_data(arn, status)


def test_a_chained_wait_sends_no_wait_setting_to_personalize(make_handler, personalize_stub, s3_stub):
    stub_input_found(s3_stub)
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, minimal_request())

    result = make_handler(create_event(properties(**CHAINED, Wait="true"))).on_event()

    assert result == {"PhysicalResourceId": ARN, "StartedAt": START_TIME}


def test_a_chained_job_resource_hands_the_running_job_over_at_its_share_end(
    make_handler, personalize_stub, clock, capsys
):
    clock.now = START_TIME + 3480
    _describe(personalize_stub, "IN PROGRESS")

    result = make_handler(_started(create_event(properties(**CHAINED)))).is_complete()

    assert result == _completed("IN PROGRESS")
    assert _logged(capsys)[-1] == {
        "event": "wait_continued",
        "jobArn": ARN,
        "status": "IN PROGRESS",
        "waitedSeconds": 3480,
    }


def test_a_chained_job_resource_hands_over_an_unknown_status_when_describe_is_throttled(
    make_handler, personalize_stub, clock
):
    clock.now = START_TIME + 3481
    _describe_fails(personalize_stub, "ThrottlingException")

    assert make_handler(_started(create_event(properties(**CHAINED)))).is_complete() == _completed("UNKNOWN")


def test_a_chained_job_resource_keeps_waiting_before_its_share_end(make_handler, personalize_stub, clock):
    clock.now = START_TIME + 3450  # a poll tick, 30 s before the share ends
    _describe(personalize_stub, "IN PROGRESS")

    assert make_handler(_started(create_event(properties(**CHAINED)))).is_complete() == NOT_COMPLETE


def test_a_job_never_created_within_the_first_share_of_a_chained_wait_is_handed_over_queued(
    make_handler, personalize_stub, clock, capsys
):
    clock.now = START_TIME + 3480
    _describe_fails(personalize_stub, "ResourceNotFoundException")

    # No create at the share's end: the next wait extension goes on asking.
    assert make_handler(_started(create_event(properties(**CHAINED)))).is_complete() == _completed("QUEUED")
    assert _logged(capsys)[-1] == {"event": "wait_continued", "jobArn": ARN, "status": "QUEUED", "waitedSeconds": 3480}


@pytest.mark.parametrize("status", ["PENDING", "CREATE PENDING", "CREATE IN_PROGRESS", "IN PROGRESS"])
def test_without_waiting_the_job_completes_once_personalize_has_it(make_handler, personalize_stub, capsys, status):
    _describe(personalize_stub, status)

    assert make_handler(_started(create_event(properties(Wait="false")))).is_complete() == _completed(status)
    assert _logged(capsys)[-1]["event"] == "job_running"


def test_without_waiting_a_job_that_already_ended_completes_as_such(make_handler, personalize_stub):
    _describe(personalize_stub, "ACTIVE")

    assert make_handler(_started(create_event(properties(Wait="false")))).is_complete() == _completed("ACTIVE")


def test_without_waiting_a_failed_job_still_fails_the_deploy(make_handler, personalize_stub):
    _describe(personalize_stub, "CREATE FAILED", failure_reason="Role cannot read the input.")

    with pytest.raises(RuntimeError, match=rf"Batch inference job {ARN} failed: Role cannot read the input\."):
        make_handler(_started(create_event(properties(Wait="false")))).is_complete()


def test_without_waiting_a_deferred_job_is_created_again_and_not_complete_yet(make_handler, personalize_stub, clock):
    clock.now = START_TIME + 30
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, minimal_request())

    assert make_handler(_started(create_event(properties(Wait="false")))).is_complete() == NOT_COMPLETE


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (properties(), properties(**CHAINED)),
        (properties(**CHAINED), properties()),
        (properties(**CHAINED), properties(**{**CHAINED, "TotalTimeoutSeconds": "43200"})),
        (properties(**CHAINED), properties(**{**CHAINED, "OnTimeout": "Fail"})),
        (properties(), properties(Wait="false")),
        (properties(Wait="false"), properties(Wait="true")),
        (properties(Queue={"Lane": "1", "Lanes": "5", "Position": "1"}), properties(Queue=QUEUE_PLACE)),
    ],
    ids=["to-chained", "from-chained", "total", "on-timeout", "no-wait", "wait-again", "queue-place"],
)
def test_update_of_how_long_or_whether_to_wait_starts_no_job_and_calls_nothing(make_handler, old, new):
    # Every Stubber (Personalize, S3, CloudFormation) holds nothing: a create or any other call would fail.
    assert make_handler(update_event(ARN, old, new)).on_event() == {"PhysicalResourceId": ARN}


def test_update_to_a_chained_wait_hands_the_running_job_to_the_new_extensions(make_handler, personalize_stub):
    event = update_event(ARN, properties(), properties(**CHAINED))
    _describe(personalize_stub, "IN PROGRESS")

    assert make_handler(waiting_event(event, {"PhysicalResourceId": ARN})).is_complete() == _completed("IN PROGRESS")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"OnTimeout": "Later"}, r"Property OnTimeout must be one of Fail, Continue, got 'Later'"),
        ({"TotalTimeoutSeconds": "43201"}, r"Property TotalTimeoutSeconds must be at least 3600 and at most 43200"),
        (
            {"TotalTimeoutSeconds": "60"},
            r"Property TotalTimeoutSeconds must be at least 3600 and at most 43200, got 60",
        ),
        ({"Wait": "no"}, r"Property Wait must be true or false, got 'no'"),
    ],
)
def test_bad_wait_setting_fails_create_and_update_naming_it_before_any_call(make_handler, overrides, message):
    with pytest.raises(PropertyError, match=message):
        make_handler(create_event(properties(**overrides))).on_event()
    with pytest.raises(PropertyError, match=message):
        make_handler(update_event(ARN, properties(), properties(**overrides))).on_event()


# The results check, its manifest and the completion event


def test_a_run_whose_check_fails_fails_the_resource_with_the_counts_and_writes_no_manifest(
    make_handler, personalize_stub, s3_stub, events_stub
):
    _describe(personalize_stub, "ACTIVE")
    lines = (output_line(), output_line("User error: Required fields for the provided recipe are userId"))
    stub_results_check(s3_stub, input_lines=2, output_lines=lines)
    stub_event_put(events_stub, FAILED_DETAIL_TYPE)

    with pytest.raises(RuntimeError) as raised:
        make_handler(_started(create_event(properties(MaxErrorRate="0.25")))).is_complete()

    message = str(raised.value)
    assert message.startswith(f"Batch inference job {ARN} ended ACTIVE but its results check failed: 50.00% of")
    assert "above max_error_rate 0.25 (2 output records, 1 failed, for 2 input records)" in message
    assert 'the first failed record says: "User error: Required fields for the provided recipe are userId"' in message
    assert f"The results stay in {run_folder()}" in message


def test_failed_records_within_max_error_rate_complete_with_the_counts(
    make_handler, personalize_stub, s3_stub, events_stub
):
    _describe(personalize_stub, "ACTIVE")
    lines = (output_line(), output_line("User error: x"), output_line(), output_line())
    stub_results_check(s3_stub, input_lines=4, output_lines=lines)
    stub_manifest_written(s3_stub)
    stub_event_put(events_stub)

    result = make_handler(_started(create_event(properties(MaxErrorRate="0.25")))).is_complete()

    assert result == completed_data(ARN, counts=(4, 4, 1))


def test_the_completion_event_names_the_stack_construct_job_folder_counts_and_reason(
    make_handler, personalize_stub, s3_stub, events_stub
):
    _describe(personalize_stub, "ACTIVE")
    stub_results_check(s3_stub, input_lines=2)
    stub_manifest_written(s3_stub)
    detail = {
        "stackName": "shop-stack",
        "stackId": STACK_ID,
        "constructPath": "shop-stack/Nightly",
        "jobArn": ARN,
        "jobName": expected_name(),
        "status": "SUCCEEDED",
        "outputFolder": run_folder(),
        "inputRecordCount": 2,
        "recordCount": 2,
        "errorCount": 0,
        "reason": "the run passed its results check",
    }
    events_stub.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]},
        {
            "Entries": [
                {
                    "Source": "personalize-batch-constructs",
                    "DetailType": "Personalize Batch Job Succeeded",
                    "Resources": [ARN],
                    "Detail": json.dumps(detail),
                }
            ]
        },
    )

    make_handler(_started(create_event(properties(ConstructPath="shop-stack/Nightly")))).is_complete()


def test_a_timeout_is_reported_as_a_failed_run(make_handler, personalize_stub, events_stub, clock, capsys):
    clock.now = START_TIME + 3600
    _describe(personalize_stub, "IN PROGRESS")
    stub_event_put(events_stub, FAILED_DETAIL_TYPE)

    with pytest.raises(TimeoutError):
        make_handler(_started(create_event())).is_complete()
    assert "completion_event_sent" in [line["event"] for line in _logged(capsys)]


def test_an_event_that_cannot_be_sent_is_logged_and_changes_nothing(
    make_handler, personalize_stub, s3_stub, events_stub, capsys
):
    _describe(personalize_stub, "ACTIVE")
    stub_results_check(s3_stub, input_lines=2)
    stub_manifest_written(s3_stub)
    events_stub.add_client_error("put_events", "AccessDeniedException", "not allowed", 400)

    result = make_handler(_started(create_event())).is_complete()

    assert result == completed_data(ARN, counts=(2, 2, 0))
    assert {"event": "completion_event_not_sent"}.items() <= _logged(capsys)[-2].items()


def test_a_check_that_runs_out_of_budget_saves_its_progress_and_polls_again(make_handler_of, personalize_stub, s3_stub):
    _describe(personalize_stub, "ACTIVE")
    progress_key = f"recommendations/{expected_name()}/_results_check.json"
    s3_stub.add_client_error("get_object", "NoSuchKey", "missing", 404)
    s3_stub.add_response("head_object", {"ContentLength": 38}, {"Bucket": INPUT_BUCKET, "Key": "users/users.jsonl"})
    s3_stub.add_response(
        "get_object",
        {"Body": StreamingBody(io.BytesIO(b'{"userId": "1"}\n{"us'), 20)},
        {"Bucket": INPUT_BUCKET, "Key": "users/users.jsonl", "Range": "bytes=0-19"},
    )
    s3_stub.add_response("put_object", {}, {"Bucket": "shop-batch-output", "Key": progress_key, "Body": ANY})
    handler = make_handler_of(
        BatchInferenceJobHandler, _started(create_event()), CheckBudget(bytes_per_call=20, seconds_per_call=100.0)
    )

    assert handler.is_complete() == NOT_COMPLETE
