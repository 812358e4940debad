"""The lifecycle of a Personalize batch job as a CloudFormation custom resource.

Shared by every job type; a subclass names the type and builds its request. Personalize can
neither stop, delete nor rename a batch job, so Create starts one, an Update that changes what
the job computes starts another (a new physical id: CloudFormation then deletes the old one),
and Delete leaves the finished job and its results alone.
"""

from collections.abc import Callable
from typing import NamedTuple

import botocore
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from error_classification import describe_error, error_code, is_transient
from input_check import check_input
from job_log import log_job_event
from job_name import job_arn, job_name
from job_tags import tag_changes
from poll_schedule import poll_due
from resource_properties import drop_absent, integer, required

_MAX_TIMEOUT_SECONDS = 3600
_ACTIVE = "ACTIVE"
_CREATE_FAILED = "CREATE FAILED"
# Changing these changes how the deploy waits or how the job is labelled, not what it computes.
_PROPERTIES_UPDATED_IN_PLACE = frozenset({"TimeoutSeconds", "PollIntervalSeconds", "JobTags", "ServiceToken"})
_AWS_ERRORS = (ClientError, BotoCoreError)
# CloudFormation refuses a response over 4,096 bytes, and the Provider framework adds a stack
# trace to the reason: a long failureReason must not turn a clear failure into "response too long".
_MAX_REASON_CHARACTERS = 1000


class WaitSettings(NamedTuple):
    timeout_seconds: int
    poll_interval_seconds: int


class BatchJobHandler:
    """Serves one event; `on_event` and `is_complete` are what the Provider framework calls."""

    job_noun: str
    """How messages name the job type, e.g. "Batch inference job"."""
    arn_resource_type: str
    """The resource part of the job's ARN, e.g. "batch-inference-job"."""
    create_operation: str
    """The API that starts a job, for messages."""

    def __init__(
        self,
        event: dict,
        *,
        personalize,
        s3,
        clock: Callable[[], float],
        query_interval_seconds: float,
    ):
        self._event = event
        self._properties = event.get("ResourceProperties", {})
        self._personalize = personalize
        self._s3 = s3
        self._clock = clock
        self._query_interval_seconds = query_interval_seconds

    def on_event(self) -> dict:
        return self._for_request_type(self.on_create, self.on_update, self.on_delete)()

    def is_complete(self) -> dict:
        return self._for_request_type(self.is_create_complete, self.is_update_complete, self.is_delete_complete)()

    def on_create(self) -> dict:
        return self._start_job()

    def on_update(self) -> dict:
        if self._starts_new_job():
            return self._start_job()
        # Fail the deploy that brings a bad wait setting, not a later one that starts a job.
        self._wait_settings()
        self._retag_job()
        return {"PhysicalResourceId": self._event["PhysicalResourceId"]}

    def on_delete(self) -> dict:
        # No API call: there is nothing to delete, and the id may be one CloudFormation invented.
        physical_id = self._event["PhysicalResourceId"]
        log_job_event("job_left_in_place", physical_id, reason="Personalize has no API to delete batch jobs")
        return {"PhysicalResourceId": physical_id}

    def is_create_complete(self) -> dict:
        return self._wait_for_job()

    def is_update_complete(self) -> dict:
        return self._wait_for_job() if self._starts_new_job() else self._existing_job_state()

    def is_delete_complete(self) -> dict:
        return {"IsComplete": True}

    def _job_type_request(self) -> dict:
        """The request fields only this job type has."""
        raise NotImplementedError

    def _create_job(self, request: dict) -> None:
        raise NotImplementedError

    def _describe_job(self, arn: str) -> dict:
        """The job as Describe returns it: status, failureReason, jobName, jobOutput, dates."""
        raise NotImplementedError

    def _for_request_type(self, on_create, on_update, on_delete):
        request_type = self._event.get("RequestType")
        by_request_type = {"Create": on_create, "Update": on_update, "Delete": on_delete}
        if request_type not in by_request_type:
            raise ValueError(f"Unsupported RequestType {request_type!r}: expected Create, Update or Delete")
        return by_request_type[request_type]

    def _starts_new_job(self) -> bool:
        return _job_defining(self._event.get("OldResourceProperties", {})) != _job_defining(self._properties)

    def _start_job(self) -> dict:
        started_at = self._clock()
        request = self._request()
        # A bad wait setting would otherwise fail the first is_complete, after the job has started.
        self._wait_settings()
        check_input(self._s3, request["jobInput"]["s3DataSource"]["path"])
        arn = job_arn(self._event["StackId"], self.arn_resource_type, request["jobName"])
        self._submit(request, arn)
        return {"PhysicalResourceId": arn, "StartedAt": started_at}

    def _request(self) -> dict:
        properties = self._properties
        kms_key_arn = properties.get("KmsKeyArn")
        name = job_name(
            required(properties, "JobNamePrefix"),
            self._event["StackId"],
            self._event["LogicalResourceId"],
            self._event["RequestId"],
        )
        common = {
            "jobName": name,
            "solutionVersionArn": required(properties, "SolutionVersionArn"),
            "jobInput": {"s3DataSource": drop_absent({"path": required(properties, "InputPath"), "kmsKeyArn": kms_key_arn})},
            "jobOutput": {
                "s3DataDestination": drop_absent({"path": required(properties, "OutputPath"), "kmsKeyArn": kms_key_arn})
            },
            "roleArn": required(properties, "RoleArn"),
            # Absent for a segment job that leaves the segment size to Personalize.
            "numResults": integer(properties, "NumResults", optional=True),
            "filterArn": properties.get("FilterArn"),
            "tags": properties.get("JobTags"),
        }
        return drop_absent({**common, **self._job_type_request()})

    def _wait_settings(self) -> WaitSettings:
        return WaitSettings(
            timeout_seconds=integer(self._properties, "TimeoutSeconds", maximum=_MAX_TIMEOUT_SECONDS),
            poll_interval_seconds=integer(self._properties, "PollIntervalSeconds"),
        )

    def _submit(self, request: dict, arn: str) -> None:
        """Create the job, unless it exists; leave it for a later poll when Personalize is at its limit."""
        try:
            self._create_job(request)
        except ParamValidationError as error:
            report = " ".join(str(error).split())  # one line in the stack events
            raise RuntimeError(
                f"botocore {botocore.__version__} rejected the {self.create_operation} request for {arn} "
                f"before sending it: {report}. The boto3 in the handler's runtime may predate a field "
                "used here (rankingInfluence needs a recent one): bundle a newer boto3 or drop the field."
            ) from error
        except _AWS_ERRORS as error:
            if error_code(error) == "ResourceAlreadyExistsException":
                log_job_event("job_adopted", arn)
                return
            if not is_transient(error):
                raise RuntimeError(f"{self.create_operation} for {arn} failed: {describe_error(error)}") from error
            log_job_event("job_deferred", arn, error=describe_error(error))
            return
        log_job_event("job_started", arn)

    def _retag_job(self) -> None:
        arn = self._event["PhysicalResourceId"]
        to_set, to_remove = tag_changes(
            self._event.get("OldResourceProperties", {}).get("JobTags"), self._properties.get("JobTags")
        )
        if to_set:
            self._personalize.tag_resource(resourceArn=arn, tags=to_set)
        if to_remove:
            self._personalize.untag_resource(resourceArn=arn, tagKeys=to_remove)
        if to_set or to_remove:
            # Tag keys and values are sensitive in the API model: log counts only.
            log_job_event("job_retagged", arn, tagsSet=len(to_set), tagsRemoved=len(to_remove))

    def _wait_for_job(self) -> dict:
        arn = self._event["PhysicalResourceId"]
        settings = self._wait_settings()
        now = self._clock()
        elapsed = now - float(self._event["StartedAt"])
        timed_out = elapsed >= settings.timeout_seconds
        if not timed_out and not poll_due(elapsed, settings.poll_interval_seconds, self._query_interval_seconds):
            return {"IsComplete": False}
        try:
            job = self._describe_job(arn)
        except _AWS_ERRORS as error:
            return self._on_describe_error(error, arn, settings, timed_out)
        status = job["status"]
        if status == _ACTIVE:
            log_job_event("job_completed", arn, status=status)
            return self._completed(job)
        if status == _CREATE_FAILED:
            reason = job.get("failureReason") or "Personalize gave no reason"
            log_job_event("job_failed", arn, status=status, failureReason=reason)
            raise RuntimeError(f"{self.job_noun} {arn} failed: {_shortened(reason)}")
        if timed_out:
            raise self._still_running_error(arn, settings, f"its last status was {status}")
        if _changed_since(job, now - max(settings.poll_interval_seconds, self._query_interval_seconds)):
            log_job_event("job_status", arn, status=status)
        return {"IsComplete": False}

    def _on_describe_error(self, error: Exception, arn: str, settings: WaitSettings, timed_out: bool) -> dict:
        if error_code(error) == "ResourceNotFoundException":
            # Either the create was deferred at Personalize's limit, or Describe has not caught up
            # with it yet: creating again by the same name is safe both ways.
            if timed_out:
                raise self._timeout_error(
                    arn,
                    f"{self.job_noun} {arn} was never created within {settings.timeout_seconds} s: Personalize "
                    "kept deferring it (LimitExceededException: too many batch jobs pending or in progress in "
                    "this Region, or throttling). No job runs for this deployment: deploy again once the "
                    "running jobs have finished.",
                )
            self._submit(self._request(), arn)
            return {"IsComplete": False}
        self._raise_unless_transient(error, arn)
        if timed_out:
            raise self._still_running_error(arn, settings, f"its status could not be read: {describe_error(error)}")
        return {"IsComplete": False}

    def _existing_job_state(self) -> dict:
        arn = self._event["PhysicalResourceId"]
        try:
            job = self._describe_job(arn)
        except _AWS_ERRORS as error:
            self._raise_unless_transient(error, arn)
            return {"IsComplete": False}
        return self._completed(job)

    def _raise_unless_transient(self, error: Exception, arn: str) -> None:
        if not is_transient(error):
            raise RuntimeError(f"Could not read the state of {arn}: {describe_error(error)}") from error
        log_job_event("status_unavailable", arn, error=describe_error(error))

    def _still_running_error(self, arn: str, settings: WaitSettings, status_note: str) -> TimeoutError:
        return self._timeout_error(
            arn,
            f"{self.job_noun} {arn} did not finish within {settings.timeout_seconds} s ({status_note}). "
            f"The job keeps running in Personalize; its results will still appear at "
            f"{self._properties.get('OutputPath')}.",
        )

    @staticmethod
    def _timeout_error(arn: str, message: str) -> TimeoutError:
        log_job_event("job_timed_out", arn, message=message)
        return TimeoutError(message)

    def _completed(self, job: dict) -> dict:
        return {
            "IsComplete": True,
            "Data": {
                "JobArn": self._event["PhysicalResourceId"],
                "JobName": job["jobName"],
                "Status": job["status"],
                "OutputPath": job["jobOutput"]["s3DataDestination"]["path"],
            },
        }


def _job_defining(properties: dict) -> dict:
    return {key: value for key, value in properties.items() if key not in _PROPERTIES_UPDATED_IN_PLACE}


def _shortened(reason: str) -> str:
    if len(reason) <= _MAX_REASON_CHARACTERS:
        return reason
    return reason[: _MAX_REASON_CHARACTERS - 40] + " ... (the whole reason is in the handler's log)"


def _changed_since(job: dict, since_epoch_seconds: float) -> bool:
    # Describe does not say whether the status is new, but lastUpdatedDateTime within the
    # previous poll's gap means this is the first poll to see it: one log line per change.
    last_updated = job.get("lastUpdatedDateTime")
    return last_updated is None or last_updated.timestamp() > since_epoch_seconds
