import re

import botocore.session
import pytest
from job_name import job_arn, job_name

from .sample_events import CREATE_REQUEST_ID, LOGICAL_ID, STACK_ID, UPDATE_REQUEST_ID

_JOB_NAME_SHAPE = (
    botocore.session.get_session()
    .get_service_model("personalize")
    .operation_model("CreateBatchInferenceJob")
    .input_shape.members["jobName"]
)


def test_name_is_prefix_and_twelve_hex_digits_of_the_request():
    name = job_name("nightly-recs", STACK_ID, LOGICAL_ID, CREATE_REQUEST_ID)

    assert re.fullmatch(r"nightly-recs-[0-9a-f]{12}", name)


def test_same_request_gives_same_name_and_another_request_another():
    first = job_name("recs", STACK_ID, LOGICAL_ID, CREATE_REQUEST_ID)

    assert job_name("recs", STACK_ID, LOGICAL_ID, CREATE_REQUEST_ID) == first
    assert job_name("recs", STACK_ID, LOGICAL_ID, UPDATE_REQUEST_ID) != first
    assert job_name("recs", STACK_ID, "OtherJob", CREATE_REQUEST_ID) != first


def test_longest_prefix_gives_a_name_the_api_accepts():
    name = job_name("p" * 50, STACK_ID, LOGICAL_ID, CREATE_REQUEST_ID)

    assert len(name) == 63 == _JOB_NAME_SHAPE.metadata["max"]
    assert re.fullmatch(_JOB_NAME_SHAPE.metadata["pattern"].lstrip("^"), name)


def test_arn_takes_partition_region_and_account_from_the_stack_id():
    stack_id = "arn:aws-cn:cloudformation:cn-north-1:210987654321:stack/s/1"

    assert job_arn(stack_id, "batch-inference-job", "recs-0123456789ab") == (
        "arn:aws-cn:personalize:cn-north-1:210987654321:batch-inference-job/recs-0123456789ab"
    )


def test_stack_id_that_is_no_stack_arn_is_refused():
    with pytest.raises(ValueError, match="not a CloudFormation stack ARN"):
        job_arn("shop-stack", "batch-inference-job", "recs-0123456789ab")
