"""Custom::PersonalizeBatchSegmentJob: the same lifecycle as inference jobs through the segment API."""

import pytest
from batch_segment_job import BatchSegmentJobHandler
from index import _HANDLERS

from .sample_events import (
    ACCOUNT,
    FILTER_ARN,
    INPUT_PATH,
    KMS_KEY_ARN,
    ROLE_ARN,
    SOLUTION_VERSION_ARN,
    START_TIME,
    completed_data,
    create_event,
    expected_name,
    minimal_request,
    output_line,
    properties,
    run_folder,
    stub_event_put,
    stub_input_found,
    stub_manifest_written,
    stub_results_check,
    waiting_event,
)

RESOURCE_TYPE = "Custom::PersonalizeBatchSegmentJob"
NAME = expected_name()
ARN = f"arn:aws:personalize:us-east-1:{ACCOUNT}:batch-segment-job/{NAME}"


@pytest.fixture
def make_segment_handler(make_handler_of):
    return lambda event: make_handler_of(BatchSegmentJobHandler, {**event, "ResourceType": RESOURCE_TYPE})


def _described(status: str, **extra) -> dict:
    return {
        "batchSegmentJob": {
            "jobName": NAME,
            "batchSegmentJobArn": ARN,
            "solutionVersionArn": SOLUTION_VERSION_ARN,
            "jobInput": {"s3DataSource": {"path": INPUT_PATH}},
            "jobOutput": {"s3DataDestination": {"path": run_folder()}},
            "roleArn": ROLE_ARN,
            "status": status,
            **extra,
        }
    }


def test_the_provider_dispatches_segment_jobs_to_their_handler():
    assert _HANDLERS[RESOURCE_TYPE] is BatchSegmentJobHandler


def test_create_sends_the_segment_request_with_every_shared_field(make_segment_handler, personalize_stub, s3_stub):
    tags = [{"tagKey": "team", "tagValue": "crm"}]
    stub_input_found(s3_stub)
    personalize_stub.add_response(
        "create_batch_segment_job",
        {"batchSegmentJobArn": ARN},
        {
            **minimal_request(),
            "jobInput": {"s3DataSource": {"path": INPUT_PATH, "kmsKeyArn": KMS_KEY_ARN}},
            "jobOutput": {"s3DataDestination": {"path": run_folder(), "kmsKeyArn": KMS_KEY_ARN}},
            "numResults": 2000,
            "filterArn": FILTER_ARN,
            "tags": tags,
        },
    )
    event = create_event(properties(NumResults="2000", FilterArn=FILTER_ARN, KmsKeyArn=KMS_KEY_ARN, JobTags=tags))

    assert make_segment_handler(event).on_event()["PhysicalResourceId"] == ARN


def test_without_num_results_personalize_picks_the_segment_size(make_segment_handler, personalize_stub, s3_stub):
    stub_input_found(s3_stub)
    personalize_stub.add_response(
        "create_batch_segment_job",
        {"batchSegmentJobArn": ARN},
        {key: value for key, value in minimal_request().items() if key != "numResults"},
    )

    make_segment_handler(create_event(properties(NumResults=None))).on_event()


def test_an_active_segment_job_is_checked_and_completes_with_its_attributes(
    make_segment_handler, personalize_stub, s3_stub, events_stub, clock
):
    personalize_stub.add_response("describe_batch_segment_job", _described("ACTIVE"), {"batchSegmentJobArn": ARN})
    # Segment records list users: the check counts them the same way.
    stub_results_check(s3_stub, output_lines=(output_line(field="recommendedUsers"),) * 2)
    stub_manifest_written(s3_stub)
    stub_event_put(events_stub)
    clock.now = START_TIME + 60

    result = make_segment_handler(
        waiting_event(create_event(), {"PhysicalResourceId": ARN, "StartedAt": START_TIME})
    ).is_complete()

    assert result == completed_data(ARN, counts=(2, 2, 0))


def test_a_failed_segment_job_names_itself_and_the_reason(make_segment_handler, personalize_stub, clock):
    reason = "No USER_SEGMENTATION recipe: solution version uses aws-user-personalization"
    personalize_stub.add_response(
        "describe_batch_segment_job", _described("CREATE FAILED", failureReason=reason), {"batchSegmentJobArn": ARN}
    )
    clock.now = START_TIME + 60

    with pytest.raises(RuntimeError, match=f"Batch segment job {ARN} failed: {reason}"):
        make_segment_handler(
            waiting_event(create_event(), {"PhysicalResourceId": ARN, "StartedAt": START_TIME})
        ).is_complete()
