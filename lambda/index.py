"""Lambda entry points of the custom resource Provider, on_event and is_complete, and of scheduled runs.

Both pick the handler class by the event's ResourceType. The is_complete function also serves the
stack's scheduled-runs state machine (`scheduled_run`): one function for both, not one more per stack.

The AWS clients are created on the first event, not at import, so a cold start that only imports
this module stays cheap.
"""

from __future__ import annotations

import functools
import os
import time
from typing import TYPE_CHECKING, Literal, cast, overload

import boto3
from batch_input_copy import BatchInputCopyHandler
from batch_job_wait import BatchJobWaitHandler
from botocore.config import Config
from contract import (
    DEFAULT_QUERY_INTERVAL_SECONDS,
    INPUT_COPY_RESOURCE_TYPE,
    QUERY_INTERVAL_VARIABLE,
    WAIT_RESOURCE_TYPE,
)
from job_handlers import BY_RESOURCE_TYPE
from provider_event import IsCompleteResponse, LambdaContext, OnEventResponse, ResourceEvent
from resource_handler import ResourceHandler
from run_finish import CheckBudget
from scheduled_run import ScheduledRunEvent, ScheduledRunState, run_step

if TYPE_CHECKING:  # the stubs are a development requirement; the Lambda runtime has only boto3
    from botocore.client import BaseClient
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_s3 import S3Client

_HANDLERS: dict[str, type[ResourceHandler]] = {
    **BY_RESOURCE_TYPE,
    WAIT_RESOURCE_TYPE: BatchJobWaitHandler,
    INPUT_COPY_RESOURCE_TYPE: BatchInputCopyHandler,
}
# "standard" retries LimitExceededException as throttling, which "legacy" does not; the short
# timeouts bound how long a hung endpoint can hold an invocation.
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=20)
# Create is sent once: a job waiting for a slot asks again at its next poll, so retrying a refusal
# (LimitExceededException, which "standard" retries) only multiplies the calls by four.
_CREATE_CONFIG = _CLIENT_CONFIG.merge(Config(retries={"mode": "standard", "total_max_attempts": 1}))
# is_complete runs for at most 3 minutes: a results check reads for 100 s per call, then leaves
# the rest for the next poll. The byte budget is there for tests and benchmarks to cut it shorter.
_CHECK_BYTES_VARIABLE = "RESULTS_CHECK_BYTES_PER_CALL"
_CHECK_SECONDS_PER_CALL = 100.0
_UNBOUNDED_BYTES = 1 << 50


def on_event(event: ResourceEvent, context: LambdaContext) -> OnEventResponse:
    return _handler(event).on_event()


def is_complete(
    event: ResourceEvent | ScheduledRunEvent, context: LambdaContext
) -> IsCompleteResponse | ScheduledRunState:
    if "ScheduledRun" in event:
        return scheduled_run(cast("ScheduledRunEvent", event), context)
    return _handler(event).is_complete()


def scheduled_run(event: ScheduledRunEvent, context: LambdaContext) -> ScheduledRunState:
    """One step of a scheduled run, as the stack's scheduled-runs state machine sends it."""
    return run_step(event, _handler)


def _handler(event: ResourceEvent, query_interval_seconds: float | None = None) -> ResourceHandler:
    resource_type = event.get("ResourceType")
    handler_class = _HANDLERS.get(resource_type)
    if handler_class is None:
        raise ValueError(f"Unsupported ResourceType {resource_type!r}: this provider serves {', '.join(_HANDLERS)}")
    return handler_class(
        event,
        personalize=_client("personalize"),
        personalize_create=_create_client(),
        s3=_client("s3"),
        cloudformation=_client("cloudformation"),
        events=_client("events"),
        clock=time.time,
        query_interval_seconds=query_interval_seconds or _query_interval_seconds(),
        check_budget=CheckBudget(
            bytes_per_call=_positive_integer(_CHECK_BYTES_VARIABLE, _UNBOUNDED_BYTES),
            seconds_per_call=_CHECK_SECONDS_PER_CALL,
        ),
    )


@overload
def _client(service_name: Literal["personalize"]) -> PersonalizeClient: ...
@overload
def _client(service_name: Literal["s3"]) -> S3Client: ...
@overload
def _client(service_name: Literal["cloudformation"]) -> CloudFormationClient: ...
@overload
def _client(service_name: Literal["events"]) -> EventBridgeClient: ...
@functools.cache
def _client(service_name: Literal["personalize", "s3", "cloudformation", "events"]) -> BaseClient:
    # No endpoint_url: boto3 itself honours AWS_ENDPOINT_URL_<SERVICE> (PERSONALIZE, S3, CLOUDFORMATION, EVENTBRIDGE).
    return boto3.client(service_name, config=_CLIENT_CONFIG)


@functools.cache
def _create_client() -> PersonalizeClient:
    return boto3.client("personalize", config=_CREATE_CONFIG)


def _query_interval_seconds() -> int:
    return _positive_integer(QUERY_INTERVAL_VARIABLE, DEFAULT_QUERY_INTERVAL_SECONDS)


def _positive_integer(variable: str, default: int) -> int:
    raw = os.environ.get(variable, str(default))
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ValueError(f"Environment variable {variable} must be a positive whole number, got {raw!r}")
    return int(raw)
