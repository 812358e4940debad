"""The Lambda entry points: dispatch on ResourceType, lazily created clients, environment."""

import importlib
import sys
import time

import boto3
import pytest

from .sample_events import (
    SOLUTION_VERSION_ARN,
    create_event,
    delete_event,
    described_job,
    expected_name,
    job_arn,
    properties,
    wait_properties,
)

ARN = job_arn(expected_name())


@pytest.fixture
def created_clients():
    """(service name, keyword arguments) of each boto3.client call the entry points make."""
    return []


@pytest.fixture
def index(
    monkeypatch,
    created_clients,
    personalize,
    s3,
    cloudformation,
    events,
    personalize_stub,
    s3_stub,
    cloudformation_stub,
    events_stub,
):
    """index with boto3.client handing out the stubbed clients."""
    import index

    def client(service_name, **kwargs):
        created_clients.append((service_name, kwargs))
        return {"personalize": personalize, "s3": s3, "cloudformation": cloudformation, "events": events}[service_name]

    monkeypatch.setattr(boto3, "client", client)
    index._client.cache_clear()
    index._create_client.cache_clear()
    yield index
    index._client.cache_clear()
    index._create_client.cache_clear()


def _waiting(seconds_ago: float) -> dict:
    return {**create_event(), "PhysicalResourceId": ARN, "StartedAt": time.time() - seconds_ago}


def test_import_creates_no_client(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a client was created at import")

    monkeypatch.setattr(boto3, "client", refuse)
    monkeypatch.setattr(boto3.session.Session, "client", refuse)
    monkeypatch.delitem(sys.modules, "index", raising=False)

    importlib.import_module("index")


def test_delete_is_served_through_on_event_and_is_complete(index):
    event = delete_event(ARN)

    assert index.on_event(event, None) == {"PhysicalResourceId": ARN}
    assert index.is_complete({**event, "PhysicalResourceId": ARN}, None) == {"IsComplete": True}


def test_clients_are_created_once_with_retries_and_timeouts_and_no_endpoint_override(index, created_clients):
    event = delete_event(ARN)
    index.on_event(event, None)
    index.is_complete(event, None)

    assert [name for name, _ in created_clients] == ["personalize", "personalize", "s3", "cloudformation", "events"]
    for _, kwargs in created_clients:
        assert set(kwargs) == {"config"}
        assert (kwargs["config"].connect_timeout, kwargs["config"].read_timeout) == (5, 20)
    retries = [kwargs["config"].retries for _, kwargs in created_clients]
    assert retries[0] == retries[2] == retries[3] == retries[4] == {"mode": "standard", "max_attempts": 3}
    assert retries[1] == {"mode": "standard", "total_max_attempts": 1}  # the Create client


class _Raw:
    """The body of a fake HTTP response, as botocore reads it."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        yield self._body


def _attempts_of_a_refused_create(config) -> int:
    """How many times a client with `config` sends one CreateBatchInferenceJob that Personalize
    refuses with LimitExceededException: botocore's retries included, on a fake wire."""
    import botocore.awsrequest

    personalize = boto3.client(
        "personalize", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x", config=config
    )
    attempts = []

    def refuse(request, **_):
        attempts.append(request)
        body = b'{"__type": "LimitExceededException", "message": "5 jobs are running"}'
        return botocore.awsrequest.AWSResponse(request.url, 400, {}, _Raw(body))

    personalize.meta.events.register("before-send.personalize.CreateBatchInferenceJob", refuse)
    with pytest.raises(personalize.exceptions.LimitExceededException):
        personalize.create_batch_inference_job(
            jobName="nightly-0",
            solutionVersionArn=SOLUTION_VERSION_ARN,
            jobInput={"s3DataSource": {"path": "s3://in/users.json"}},
            jobOutput={"s3DataDestination": {"path": "s3://out/"}},
            roleArn="arn:aws:iam::111122223333:role/personalize",
        )
    return len(attempts)


def test_a_create_refused_at_the_quota_is_sent_once_where_other_calls_are_retried(monkeypatch):
    import index

    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    # Standard mode counts LimitExceededException as throttling: four sends per Create otherwise.
    assert _attempts_of_a_refused_create(index._CLIENT_CONFIG) == 4
    assert _attempts_of_a_refused_create(index._CREATE_CONFIG) == 1


@pytest.mark.parametrize("entry_point", ["on_event", "is_complete"])
def test_unknown_resource_type_is_refused_naming_it(index, entry_point):
    event = {**create_event(), "ResourceType": "Custom::PersonalizeCampaign"}

    with pytest.raises(
        ValueError,
        match=r"Unsupported ResourceType 'Custom::PersonalizeCampaign'.*Custom::PersonalizeBatchInferenceJob",
    ):
        getattr(index, entry_point)(event, None)


def test_query_interval_comes_from_the_environment(index, monkeypatch, personalize_stub):
    # At 45 s with polls every 30 s, a 10 s query interval saw the tick at 30 s already; a 60 s one did not.
    monkeypatch.setenv("PROVIDER_QUERY_INTERVAL_SECONDS", "60")
    personalize_stub.add_response("describe_batch_inference_job", described_job(ARN, "PENDING"))

    assert index.is_complete(_waiting(seconds_ago=45), None) == {"IsComplete": False}


def test_query_interval_defaults_to_ten_seconds(index, monkeypatch):
    monkeypatch.delenv("PROVIDER_QUERY_INTERVAL_SECONDS", raising=False)

    assert index.is_complete(_waiting(seconds_ago=45), None) == {"IsComplete": False}  # nothing stubbed: no call


@pytest.mark.parametrize("raw", ["0", "ten", ""])
def test_bad_query_interval_is_refused_naming_the_variable(index, monkeypatch, raw):
    monkeypatch.setenv("PROVIDER_QUERY_INTERVAL_SECONDS", raw)

    with pytest.raises(ValueError, match="PROVIDER_QUERY_INTERVAL_SECONDS"):
        index.on_event(delete_event(ARN), None)


def test_endpoint_override_from_the_environment_is_honoured(monkeypatch):
    import index

    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", "http://127.0.0.1:4566")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    index._client.cache_clear()
    try:
        assert index._client("personalize").meta.endpoint_url == "http://127.0.0.1:4566"
    finally:
        index._client.cache_clear()


def test_create_is_served_through_on_event_with_the_real_clock(index, personalize_stub, s3_stub):
    s3_stub.add_response("head_object", {"ContentLength": 10})
    personalize_stub.add_response("create_batch_inference_job", {"batchInferenceJobArn": ARN})
    before = time.time()

    result = index.on_event(create_event(properties()), None)

    assert set(result) == {"PhysicalResourceId", "StartedAt"}
    assert result["PhysicalResourceId"] == ARN
    assert before <= result["StartedAt"] <= time.time()


def _wait_event(**overrides) -> dict:
    return {**create_event(wait_properties(**overrides)), "ResourceType": "Custom::PersonalizeBatchJobWait"}


def test_wait_extensions_are_dispatched_to_their_handler(index):
    from batch_job_wait import BatchJobWaitHandler

    assert isinstance(index._handler(_wait_event()), BatchJobWaitHandler)
    assert index._HANDLERS["Custom::PersonalizeBatchJobWait"] is BatchJobWaitHandler


def test_a_wait_extension_is_served_through_on_event_and_is_complete(index):
    # No stub is queued: the extension answers its id at once, and one after the job's end needs no call.
    before = time.time()
    result = index.on_event(_wait_event(JobStatus="ACTIVE"), None)

    assert result["PhysicalResourceId"] == f"{ARN}/wait-1"
    assert before <= result["StartedAt"] <= time.time()
    completed = index.is_complete({**_wait_event(JobStatus="ACTIVE"), **result}, None)
    assert completed["IsComplete"] is True and completed["Data"]["JobArn"] == ARN


def test_a_scheduled_run_step_is_served_through_is_complete_at_its_poll_interval(index, monkeypatch, personalize_stub):
    # With the Provider's 60 s cadence a poll 45 s in would call nothing; a scheduled run's poll is always due.
    monkeypatch.setenv("PROVIDER_QUERY_INTERVAL_SECONDS", "60")
    job = {
        "ResourceType": "Custom::PersonalizeBatchInferenceJob",
        "StackId": create_event()["StackId"],
        "LogicalResourceId": create_event()["LogicalResourceId"],
        "ResourceProperties": properties(),
    }
    run = {"JobArn": ARN, "StartedAt": time.time() - 45, "Done": False}
    personalize_stub.add_response("describe_batch_inference_job", described_job(ARN, "PENDING"))

    step = {"ScheduledRun": "Poll", "ScheduledTime": "2026-12-02T02:00:00Z", "Job": job, "Run": run}

    assert index.is_complete(step, None) == run
