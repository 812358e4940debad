"""Makes lambda/ importable, and gives each test real boto3 clients under botocore Stubbers."""

import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lambda"))

from batch_inference_job import BatchInferenceJobHandler  # noqa: E402
from run_finish import CheckBudget  # noqa: E402

from .sample_events import START_TIME  # noqa: E402

QUERY_INTERVAL_SECONDS = 10
CHECK_BUDGET = CheckBudget(bytes_per_call=1 << 40, seconds_per_call=100.0)


class FakeClock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def _client(service_name: str):
    return boto3.client(service_name, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def _stubbed(client):
    # Every test must use up what it queued: an unexpected or missing call fails it.
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def personalize():
    return _client("personalize")


@pytest.fixture
def s3():
    return _client("s3")


@pytest.fixture
def cloudformation():
    return _client("cloudformation")


@pytest.fixture
def events():
    return _client("events")


@pytest.fixture
def events_stub(events):
    yield from _stubbed(events)


@pytest.fixture
def cloudformation_stub(cloudformation):
    yield from _stubbed(cloudformation)


@pytest.fixture
def personalize_stub(personalize):
    yield from _stubbed(personalize)


@pytest.fixture
def s3_stub(s3):
    yield from _stubbed(s3)


@pytest.fixture
def moto_s3():
    """S3 as moto serves it in process, with one bucket, `results-bucket`."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="results-bucket")
        yield client


@pytest.fixture
def clock():
    return FakeClock(START_TIME)


@pytest.fixture
def make_handler_of(
    personalize, s3, cloudformation, events, personalize_stub, s3_stub, cloudformation_stub, events_stub, clock
):
    """Builds a handler of any class for an event, on the stubbed clients and the fake clock."""

    def make(
        handler_class,
        event: dict,
        check_budget: CheckBudget = CHECK_BUDGET,
        query_interval_seconds: float = QUERY_INTERVAL_SECONDS,
    ):
        return handler_class(
            event,
            personalize=personalize,
            personalize_create=personalize,
            s3=s3,
            cloudformation=cloudformation,
            events=events,
            clock=clock,
            query_interval_seconds=query_interval_seconds,
            check_budget=check_budget,
        )

    return make


@pytest.fixture
def make_handler(make_handler_of):
    return lambda event: make_handler_of(BatchInferenceJobHandler, event)
