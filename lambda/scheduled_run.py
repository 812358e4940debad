"""A scheduled run: the job run again by the stack's EventBridge schedule, outside any deploy.

The schedule starts an execution of the stack's scheduled-runs state machine with the job's
definition (the very properties of its custom resource) and the schedule's time. The state
machine invokes the stack's is_complete function, which hands the event here: once to start the
job, then after each poll interval to poll it, until the run is done. Each step is served by the
job's own resource handler on an event shaped like a Create, so a scheduled run has the deploy-time
run's name rules, input check, deferred create at the quota, results check, run folder, manifest
and completion event. Unlike the Provider framework, the state machine keeps what a step returns,
so the run's ARN and start time travel in the execution's state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Required, TypedDict

from contract import Property
from job_handlers import BY_RESOURCE_TYPE
from job_log import log_job_event
from provider_event import ResourceEvent, ResourceProperties
from resource_handler import ResourceHandler
from resource_properties import PropertyError, integer

SCHEDULED_JOB_TYPES = tuple(BY_RESOURCE_TYPE)
_REQUEST_ID_PREFIX = "schedule|"


class ScheduledJob(TypedDict):
    """The job's definition as the schedule's input carries it."""

    ResourceType: str
    StackId: str
    LogicalResourceId: str
    """The job's custom resource: scheduled and deploy-time runs of one job share the name prefix."""
    ResourceProperties: ResourceProperties


class ScheduledRunState(TypedDict, total=False):
    """What a step returns; the state machine keeps it as ``$.Run`` and hands it to the next poll."""

    JobArn: Required[str]
    StartedAt: Required[float]
    Done: Required[bool]
    """The run ended and passed its results check: the execution succeeds."""
    Data: dict[str, str]
    """Once done: the attributes a deploy-time run gives its resource (counts, run folder)."""


class ScheduledRunEvent(TypedDict, total=False):
    """What the state machine sends the is_complete function for one step of a scheduled run."""

    ScheduledRun: Required[Literal["Start", "Poll"]]
    ScheduledTime: Required[str]
    """EventBridge Scheduler's ``<aws.scheduler.scheduled-time>``: the run's identity, so a retried
    start of the same schedule time finds the job it already started."""
    Job: Required[ScheduledJob]
    Run: ScheduledRunState
    """Poll only: the state the step before returned."""


HandlerFactory = Callable[[ResourceEvent, float], ResourceHandler]
"""Builds the handler for an event, given the query interval the poll cadence assumes."""


def run_step(event: ScheduledRunEvent, handler_for: HandlerFactory) -> ScheduledRunState:
    """Start the run, or poll it once; raises, as is_complete does, when the run fails or times out."""
    job = event["Job"]
    if job.get("ResourceType") not in SCHEDULED_JOB_TYPES:
        raise PropertyError(
            f"A scheduled run needs a job of type {' or '.join(SCHEDULED_JOB_TYPES)}, got {job.get('ResourceType')!r}"
        )
    properties = job["ResourceProperties"]
    # The state machine waits one poll interval between steps, so every poll is due.
    poll_seconds = integer(properties, Property.POLL_INTERVAL_SECONDS)
    resource_event: ResourceEvent = {
        "RequestType": "Create",
        "ResourceType": job["ResourceType"],
        "StackId": job["StackId"],
        "LogicalResourceId": job["LogicalResourceId"],
        "RequestId": _REQUEST_ID_PREFIX + event["ScheduledTime"],
        "ResourceProperties": properties,
        "ScheduledTime": event["ScheduledTime"],
    }
    step = event["ScheduledRun"]
    if step == "Start":
        try:
            started = handler_for(resource_event, poll_seconds).on_event()
        except Exception as error:
            # A missing or empty input, or a create Personalize refuses for good: no job, so no completion event.
            log_job_event("scheduled_run_failed", None, scheduledTime=event["ScheduledTime"], error=str(error))
            raise
        arn = started["PhysicalResourceId"]
        log_job_event(
            "scheduled_run_started",
            arn,
            scheduledTime=event["ScheduledTime"],
            constructPath=properties.get(Property.CONSTRUCT_PATH),
        )
        return {"JobArn": arn, "StartedAt": started["StartedAt"], "Done": False}
    if step != "Poll":
        raise ValueError(f"Unsupported ScheduledRun step {step!r}: expected Start or Poll")
    run = event["Run"]
    resource_event["PhysicalResourceId"] = run["JobArn"]
    resource_event["StartedAt"] = run["StartedAt"]
    try:
        answer = handler_for(resource_event, poll_seconds).is_complete()
    except Exception as error:
        log_job_event("scheduled_run_failed", run["JobArn"], scheduledTime=event["ScheduledTime"], error=str(error))
        raise
    if not answer["IsComplete"]:
        return {**run, "Done": False}
    data = answer.get("Data", {})
    log_job_event(
        "scheduled_run_succeeded",
        run["JobArn"],
        scheduledTime=event["ScheduledTime"],
        outputFolder=data.get("OutputPath"),
        recordCount=data.get("RecordCount"),
    )
    return {**run, "Done": True, "Data": data}
