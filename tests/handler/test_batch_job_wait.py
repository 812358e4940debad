"""Custom::PersonalizeBatchJobWait: one more share of the wait for a job that outlives CloudFormation's hour.

An extension only reads the job's status: every test here queues the only calls it expects, and the
Stubber fails a test on any other.
"""

import json

import pytest
from batch_job_wait import BatchJobWaitHandler
from resource_properties import PropertyError

from .sample_events import (
    ACCOUNT,
    OUTPUT_PATH,
    SOLUTION_VERSION_ARN,
    START_TIME,
    UPDATE_REQUEST_ID,
    completed_data,
    create_event,
    delete_event,
    described_job,
    expected_name,
    job_arn,
    run_folder,
    segment_job_arn,
    stub_event_put,
    stub_manifest_written,
    stub_results_check,
    stub_stack_status,
    update_event,
    wait_properties,
    waiting_event,
)

RESOURCE_TYPE = "Custom::PersonalizeBatchJobWait"
NAME = expected_name()
ARN = job_arn(NAME)
SEGMENT_JOB_ARN = segment_job_arn(NAME)
NEW_ARN = job_arn(expected_name(UPDATE_REQUEST_ID))
PHYSICAL_ID = f"{ARN}/wait-1"
NOT_COMPLETE = {"IsComplete": False}
# The last of the three extensions of a 3-hour wait: 3480 + 3480 + 3480 + 360 seconds.
LAST_EXTENSION = {"Extension": "3", "TimeoutSeconds": "360", "OnTimeout": "Fail"}


@pytest.fixture
def make_wait_handler(make_handler_of):
    return lambda event: make_handler_of(
        BatchJobWaitHandler,
        {**event, "ResourceType": RESOURCE_TYPE, "LogicalResourceId": "NightlyRecommendationsWait1"},
    )


def _waiting(props: dict | None = None) -> dict:
    """The is_complete event of an extension created at START_TIME."""
    props = props if props is not None else wait_properties()
    physical_id = f"{props.get('JobArn')}/wait-{props.get('Extension')}"
    return waiting_event(create_event(props), {"PhysicalResourceId": physical_id, "StartedAt": START_TIME})


def _data(status: str, arn: str = ARN, counts=("", "", "")) -> dict:
    return completed_data(arn, status, folder=run_folder(), counts=counts)


def _checked_and_reported(s3_stub, events_stub) -> None:
    stub_results_check(s3_stub)
    stub_manifest_written(s3_stub)
    stub_event_put(events_stub)


def _describe(personalize_stub, status: str, **job) -> None:
    personalize_stub.add_response(
        "describe_batch_inference_job", described_job(ARN, status, **job), {"batchInferenceJobArn": ARN}
    )


def _describe_fails(personalize_stub, code: str, status: int = 400) -> None:
    personalize_stub.add_client_error(
        "describe_batch_inference_job", code, f"{code} message", status, expected_params={"batchInferenceJobArn": ARN}
    )


def _logged(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


# Create, update, delete


@pytest.mark.parametrize("extension", ["1", "12"])
def test_create_answers_the_extension_id_and_its_start_and_calls_nothing(make_wait_handler, clock, extension):
    clock.now = START_TIME + 3481  # the extension starts when the resource before it completes
    result = make_wait_handler(create_event(wait_properties(Extension=extension))).on_event()

    assert result == {"PhysicalResourceId": f"{ARN}/wait-{extension}", "StartedAt": START_TIME + 3481}


def test_the_longest_whole_wait_is_accepted(make_wait_handler):
    result = make_wait_handler(create_event(wait_properties(TotalTimeoutSeconds="43200"))).on_event()

    assert result["PhysicalResourceId"] == PHYSICAL_ID


def test_update_for_the_same_job_waits_a_new_share_from_now(make_wait_handler, cloudformation_stub, clock):
    clock.now = START_TIME + 7200
    stub_stack_status(cloudformation_stub, "UPDATE_IN_PROGRESS")
    event = update_event(PHYSICAL_ID, wait_properties(), wait_properties(TimeoutSeconds="1800", OnTimeout="Fail"))

    assert make_wait_handler(event).on_event() == {"PhysicalResourceId": PHYSICAL_ID, "StartedAt": START_TIME + 7200}


def test_update_for_a_replaced_job_answers_a_new_physical_id(make_wait_handler, cloudformation_stub):
    stub_stack_status(cloudformation_stub, "UPDATE_IN_PROGRESS")
    event = update_event(PHYSICAL_ID, wait_properties(), wait_properties(JobArn=NEW_ARN, JobStatus="PENDING"))

    assert make_wait_handler(event).on_event() == {"PhysicalResourceId": f"{NEW_ARN}/wait-1", "StartedAt": START_TIME}


def test_an_update_rollback_answers_at_once_and_waits_for_nothing(make_wait_handler, cloudformation_stub, clock):
    # CloudFormation puts back the properties of the previous deploy: no new share, no Describe.
    clock.now = START_TIME + 7200
    event = update_event(f"{NEW_ARN}/wait-1", wait_properties(JobArn=NEW_ARN), wait_properties(JobStatus="ACTIVE"))
    stub_stack_status(cloudformation_stub, "UPDATE_ROLLBACK_IN_PROGRESS")

    result = make_wait_handler(event).on_event()

    assert result == {"PhysicalResourceId": f"{NEW_ARN}/wait-1"}
    assert make_wait_handler(waiting_event(event, result)).is_complete() == _data("ACTIVE")


@pytest.mark.parametrize("physical_id", [PHYSICAL_ID, "shop-stack-NightlyRecommendationsWait1-1A2B3C4D5E6F"])
def test_delete_calls_nothing_and_keeps_the_physical_id(make_wait_handler, physical_id):
    # Even properties a create would refuse: deleting an extension whose create failed must succeed.
    event = delete_event(physical_id, wait_properties(JobArn="not-an-arn", OnTimeout="Sometimes"))

    assert make_wait_handler(event).on_event() == {"PhysicalResourceId": physical_id}
    assert make_wait_handler(waiting_event(event, {"PhysicalResourceId": physical_id})).is_complete() == {
        "IsComplete": True
    }


def test_unknown_request_type_is_refused(make_wait_handler):
    with pytest.raises(ValueError, match="Unsupported RequestType 'Restart'"):
        make_wait_handler({**create_event(wait_properties()), "RequestType": "Restart"}).on_event()


# Properties


BAD_PROPERTIES = [
    (
        {"JobArn": SOLUTION_VERSION_ARN},
        r"Property JobArn must be the ARN of a batch job .*got '" + SOLUTION_VERSION_ARN,
    ),
    ({"JobArn": NAME}, r"Property JobArn must be the ARN of a batch job"),
    (
        {"JobArn": f"arn:aws:personalize:us-east-1:{ACCOUNT}:campaign/{NAME}"},
        r"Property JobArn must be the ARN of a batch job",
    ),
    ({"JobArn": None}, r"Property JobArn is required"),
    ({"OnTimeout": "Later"}, r"Property OnTimeout must be one of Fail, Continue, got 'Later'"),
    ({"OnTimeout": "continue"}, r"Property OnTimeout must be one of Fail, Continue, got 'continue'"),
    (
        {"TotalTimeoutSeconds": "43201"},
        r"Property TotalTimeoutSeconds must be at least 3480 and at most 43200, got 43201",
    ),
    # The whole wait cannot be shorter than this extension's share of it.
    ({"TotalTimeoutSeconds": "600"}, r"Property TotalTimeoutSeconds must be at least 3480 and at most 43200, got 600"),
    ({"OutputPath": None}, r"Property OutputPath is required"),
    ({"TotalTimeoutSeconds": "12h"}, r"Property TotalTimeoutSeconds must be a whole number"),
    ({"TimeoutSeconds": "3601"}, r"Property TimeoutSeconds must be at least 1 and at most 3600"),
    ({"TimeoutSeconds": None}, r"Property TimeoutSeconds is required"),
    ({"PollIntervalSeconds": "0"}, r"Property PollIntervalSeconds must be at least 1"),
    ({"Wait": "maybe"}, r"Property Wait must be true or false, got 'maybe'"),
]
# The extension number makes only the physical id: create and update read it, is_complete does not.
BAD_EXTENSIONS = [
    ({"Extension": "0"}, r"Property Extension must be at least 1, got 0"),
    ({"Extension": "first"}, r"Property Extension must be a whole number, got 'first'"),
    ({"Extension": None}, r"Property Extension is required"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_PROPERTIES + BAD_EXTENSIONS)
def test_bad_property_fails_create_and_update_naming_it(make_wait_handler, cloudformation_stub, overrides, message):
    with pytest.raises(PropertyError, match=message):
        make_wait_handler(create_event(wait_properties(**overrides))).on_event()
    stub_stack_status(cloudformation_stub, "UPDATE_IN_PROGRESS")  # asked first: a rollback checks nothing
    with pytest.raises(PropertyError, match=message):
        make_wait_handler(update_event(PHYSICAL_ID, wait_properties(), wait_properties(**overrides))).on_event()


@pytest.mark.parametrize(
    ("overrides", "message"), BAD_PROPERTIES + [({"OutputPath": None}, r"Property OutputPath is required")]
)
@pytest.mark.parametrize("job_status", ["IN PROGRESS", "ACTIVE"])
def test_bad_property_fails_is_complete_before_any_call(make_wait_handler, clock, overrides, message, job_status):
    # At a poll tick: a Describe before the check would hit the empty Stubber and fail differently.
    clock.now = START_TIME + 60
    props = wait_properties(JobStatus=job_status, **overrides)

    with pytest.raises(PropertyError, match=message):
        make_wait_handler(_waiting(props)).is_complete()


# Waiting


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_a_extension_after_the_job_ended_completes_at_once_without_a_call(make_wait_handler, capsys, request_type):
    # At its start, a poll tick: only the status the resource before saw spares the Describe.
    counts = {"InputRecordCount": "3", "RecordCount": "3", "ErrorCount": "1"}
    event = {
        **_waiting(wait_properties(JobStatus="ACTIVE", **counts)),
        "RequestType": request_type,
        "OldResourceProperties": {},
    }

    assert make_wait_handler(event).is_complete() == _data("ACTIVE", counts=(3, 3, 1))
    assert _logged(capsys) == []


def test_a_extension_after_an_ended_segment_job_completes_with_its_attributes(make_wait_handler):
    props = wait_properties(JobArn=SEGMENT_JOB_ARN, JobStatus="ACTIVE")

    assert make_wait_handler(_waiting(props)).is_complete() == _data("ACTIVE", SEGMENT_JOB_ARN)


def test_polls_on_the_schedule_and_not_between_ticks(make_wait_handler, personalize_stub, clock):
    waiting = _waiting()  # PollIntervalSeconds 60, query interval 10
    for elapsed, calls in (
        (0.2, 1),
        (10.3, 0),
        (20.5, 0),
        (30.6, 0),
        (40.8, 0),
        (50.9, 0),
        (61.1, 1),
        (71.2, 0),
        (120.4, 1),
    ):
        for _ in range(calls):
            _describe(personalize_stub, "IN PROGRESS", last_updated=START_TIME - 600)
        clock.now = START_TIME + elapsed
        assert make_wait_handler(waiting).is_complete() == NOT_COMPLETE, elapsed
        personalize_stub.assert_no_pending_responses()


def test_an_active_job_is_checked_and_completes_with_its_attributes(
    make_wait_handler, personalize_stub, s3_stub, events_stub, clock, capsys
):
    clock.now = START_TIME + 120
    _describe(personalize_stub, "ACTIVE")
    _checked_and_reported(s3_stub, events_stub)

    assert make_wait_handler(_waiting()).is_complete() == _data("ACTIVE", counts=(2, 2, 0))
    assert _logged(capsys)[-1] == {"event": "job_completed", "jobArn": ARN, "status": "ACTIVE"}


def test_a_extension_that_takes_over_a_check_in_progress_continues_it(
    make_wait_handler, personalize_stub, s3_stub, events_stub, clock
):
    clock.now = START_TIME + 120
    _describe(personalize_stub, "ACTIVE")
    _checked_and_reported(s3_stub, events_stub)

    props = wait_properties(JobStatus="CHECKING RESULTS")
    assert make_wait_handler(_waiting(props)).is_complete() == _data("ACTIVE", counts=(2, 2, 0))


def test_a_job_that_finished_by_the_share_end_completes(
    make_wait_handler, personalize_stub, s3_stub, events_stub, clock
):
    clock.now = START_TIME + 360
    _describe(personalize_stub, "ACTIVE")
    _checked_and_reported(s3_stub, events_stub)

    assert make_wait_handler(_waiting(wait_properties(**LAST_EXTENSION))).is_complete() == _data(
        "ACTIVE", counts=(2, 2, 0)
    )


def test_a_failed_job_fails_the_extension_with_the_reason_and_arn(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 60
    _describe(personalize_stub, "CREATE FAILED", failure_reason="Input file has no valid records.")

    with pytest.raises(RuntimeError, match=rf"Batch inference job {ARN} failed: Input file has no valid records\."):
        make_wait_handler(_waiting()).is_complete()


@pytest.mark.parametrize("elapsed", [60, 3480])
def test_a_job_unknown_to_personalize_fails_even_at_the_share_end(make_wait_handler, personalize_stub, clock, elapsed):
    # An extension waits only for a job its chain's first resource found: no creating, no handing over.
    clock.now = START_TIME + elapsed
    _describe_fails(personalize_stub, "ResourceNotFoundException")

    with pytest.raises(
        RuntimeError, match=rf"Batch inference job {ARN} is unknown to Personalize \(ResourceNotFoundException\)"
    ):
        make_wait_handler(_waiting()).is_complete()


def _create_fails(personalize_stub, code: str) -> None:
    personalize_stub.add_client_error(
        "create_batch_inference_job", code, f"{code} message", 400, expected_params=_REQUEST
    )


# The request the job's resource would send: the extension names the job after its ARN and
# writes into the run folder it was handed.
_REQUEST = {
    "jobName": NAME,
    "solutionVersionArn": SOLUTION_VERSION_ARN,
    "jobInput": {"s3DataSource": {"path": wait_properties()["InputPath"]}},
    "jobOutput": {"s3DataDestination": {"path": run_folder()}},
    "roleArn": wait_properties()["RoleArn"],
    "numResults": 25,
}


@pytest.mark.parametrize("handed_status", ["QUEUED", "UNKNOWN"])
def test_a_job_never_accepted_is_created_by_the_extension_once_per_poll(
    make_wait_handler, personalize_stub, clock, capsys, handed_status
):
    waiting = _waiting(wait_properties(JobStatus=handed_status))
    clock.now = START_TIME + 60
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    _create_fails(personalize_stub, "LimitExceededException")
    assert make_wait_handler(waiting).is_complete() == NOT_COMPLETE
    clock.now = START_TIME + 90  # between poll ticks: no call
    assert make_wait_handler(waiting).is_complete() == NOT_COMPLETE

    clock.now = START_TIME + 120
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN}, _REQUEST)
    assert make_wait_handler(waiting).is_complete() == NOT_COMPLETE

    assert _logged(capsys) == [{"event": "job_started", "jobArn": ARN, "startedBy": "NightlyRecommendationsWait1"}]


def test_a_job_still_not_accepted_at_the_share_end_is_handed_on_queued(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 3480
    _describe_fails(personalize_stub, "ResourceNotFoundException")

    assert make_wait_handler(_waiting(wait_properties(JobStatus="QUEUED"))).is_complete() == _data("QUEUED")


def test_a_job_never_accepted_by_the_last_share_end_fails_saying_it_never_started(
    make_wait_handler, personalize_stub, events_stub, clock
):
    clock.now = START_TIME + 360
    _describe_fails(personalize_stub, "ResourceNotFoundException")
    stub_event_put(events_stub, "Personalize Batch Job Failed")

    with pytest.raises(TimeoutError) as raised:
        make_wait_handler(_waiting(wait_properties(JobStatus="QUEUED", **LAST_EXTENSION))).is_complete()

    assert str(raised.value).startswith(
        f"Batch inference job {ARN} never started within 10800 s: Personalize refused to create it at every try "
        "(LimitExceededException"
    )


def test_describe_refused_for_now_polls_again_before_the_share_end(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 60
    _describe_fails(personalize_stub, "ThrottlingException")

    assert make_wait_handler(_waiting()).is_complete() == NOT_COMPLETE


def test_describe_refused_for_good_fails(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 60
    _describe_fails(personalize_stub, "AccessDeniedException")

    with pytest.raises(RuntimeError, match=rf"Could not read the state of {ARN}: AccessDeniedException"):
        make_wait_handler(_waiting()).is_complete()


# The end of a share


def test_share_end_with_the_job_running_hands_over_to_the_next_extension(
    make_wait_handler, personalize_stub, clock, capsys
):
    clock.now = START_TIME + 3480
    _describe(personalize_stub, "IN PROGRESS")

    assert make_wait_handler(_waiting()).is_complete() == _data("IN PROGRESS")
    assert _logged(capsys)[-1] == {
        "event": "wait_continued",
        "jobArn": ARN,
        "status": "IN PROGRESS",
        "waitedSeconds": 3480,
    }


def test_share_end_between_poll_ticks_still_reads_the_status_and_hands_over(make_wait_handler, personalize_stub, clock):
    # 3485 s is no multiple of 60 within the last 10 s: only the share's end makes this call.
    clock.now = START_TIME + 3485
    _describe(personalize_stub, "PENDING")

    assert make_wait_handler(_waiting()).is_complete() == _data("PENDING")


def test_share_end_while_describe_is_throttled_hands_over_an_unknown_status(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 3480
    _describe_fails(personalize_stub, "ThrottlingException")

    assert make_wait_handler(_waiting()).is_complete() == _data("UNKNOWN")


def test_before_the_share_end_a_running_job_is_not_handed_over(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 3479
    waiting = _waiting(wait_properties(PollIntervalSeconds="3479"))
    _describe(personalize_stub, "IN PROGRESS")

    assert make_wait_handler(waiting).is_complete() == NOT_COMPLETE


def test_last_share_end_fails_naming_the_job_the_whole_timeout_and_the_results(
    make_wait_handler, personalize_stub, clock, capsys
):
    clock.now = START_TIME + 360
    _describe(personalize_stub, "IN PROGRESS")

    with pytest.raises(TimeoutError) as raised:
        make_wait_handler(_waiting(wait_properties(**LAST_EXTENSION))).is_complete()

    message = str(raised.value)
    assert message.startswith(
        f"Batch inference job {ARN} did not finish within 10800 s (its last status was IN PROGRESS)."
    )
    assert f"The job keeps running in Personalize; its results will still appear at {run_folder()}." in message
    assert "360 s" not in message  # the share is no timeout the user set
    assert _logged(capsys)[-1]["event"] == "job_timed_out"


def test_last_share_end_while_describe_is_throttled_still_fails(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 361
    _describe_fails(personalize_stub, "ThrottlingException")

    with pytest.raises(
        TimeoutError, match=r"within 10800 s \(its status could not be read: ThrottlingException.*keeps running"
    ):
        make_wait_handler(_waiting(wait_properties(**LAST_EXTENSION))).is_complete()


def test_without_on_timeout_a_share_end_fails(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 3480
    _describe(personalize_stub, "IN PROGRESS")

    with pytest.raises(TimeoutError, match=rf"{ARN} did not finish within 10800 s"):
        make_wait_handler(_waiting(wait_properties(OnTimeout=None))).is_complete()


# Batch segment jobs


def _describe_segment_job(personalize_stub, status: str) -> None:
    job = {
        "jobName": NAME,
        "batchSegmentJobArn": SEGMENT_JOB_ARN,
        "solutionVersionArn": SOLUTION_VERSION_ARN,
        "jobOutput": {"s3DataDestination": {"path": OUTPUT_PATH}},
        "status": status,
    }
    personalize_stub.add_response(
        "describe_batch_segment_job", {"batchSegmentJob": job}, {"batchSegmentJobArn": SEGMENT_JOB_ARN}
    )


def test_a_segment_job_is_read_through_the_segment_api(
    make_wait_handler, personalize_stub, s3_stub, events_stub, clock
):
    clock.now = START_TIME + 60
    _describe_segment_job(personalize_stub, "ACTIVE")
    _checked_and_reported(s3_stub, events_stub)

    assert make_wait_handler(_waiting(wait_properties(JobArn=SEGMENT_JOB_ARN))).is_complete() == _data(
        "ACTIVE", SEGMENT_JOB_ARN, counts=(2, 2, 0)
    )


def test_a_segment_job_that_outlives_the_last_share_is_named_as_one(make_wait_handler, personalize_stub, clock):
    clock.now = START_TIME + 360
    _describe_segment_job(personalize_stub, "IN PROGRESS")

    with pytest.raises(TimeoutError, match=rf"^Batch segment job {SEGMENT_JOB_ARN} did not finish within 10800 s"):
        make_wait_handler(_waiting(wait_properties(JobArn=SEGMENT_JOB_ARN, **LAST_EXTENSION))).is_complete()
