"""Watching a batch job until it ends: shared by the job's own resource and the wait extensions
that continue its wait past CloudFormation's hour.

Each resource waits for its share of the whole timeout, counted from its own start. When a
share ends with the job still running, the resource either fails (the last share) or completes
with the job's status so the next wait extension takes over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from completion_event import JOB_FAILED, TIMED_OUT
from contract import (
    MAX_WAIT_SECONDS,
    ON_TIMEOUT_CONTINUE,
    ON_TIMEOUT_FAIL,
    SERVICE_TIMEOUT_SECONDS,
    Attribute,
    Property,
)
from error_classification import AWS_ERRORS, describe_error, error_code, is_transient
from job_log import log_job_event
from poll_schedule import poll_due
from provider_event import IsCompleteResponse, ResourceProperties
from resource_properties import boolean, choice, integer
from run_finish import NO_COUNTS, RunCounts, RunFinish

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import BatchInferenceJobTypeDef, BatchSegmentJobTypeDef

    JobDescription: TypeAlias = BatchInferenceJobTypeDef | BatchSegmentJobTypeDef
    """A job as Describe returns it: status, failureReason, jobName, jobOutput, dates."""

ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
CHECKING_RESULTS = "CHECKING RESULTS"
"""The status a resource hands to the next wait extension when its share ended during the results check."""
UNREAD = "UNKNOWN"
"""The status handed on when the last Describe of a share failed."""
QUEUED = "QUEUED"
"""The status a resource hands to the next wait extension when Personalize has not accepted the job
yet: the extension goes on asking to create it."""
NOT_COMPLETE: IsCompleteResponse = {"IsComplete": False}
_ON_TIMEOUT_VALUES = (ON_TIMEOUT_FAIL, ON_TIMEOUT_CONTINUE)
# CloudFormation refuses a response over 4,096 bytes, and the Provider framework adds a stack
# trace to the reason: a long failureReason must not turn a clear failure into "response too long".
_MAX_REASON_CHARACTERS = 1000


class WaitPlan(NamedTuple):
    """How one resource waits, from its properties."""

    timeout_seconds: int
    """This resource's share of the wait (TimeoutSeconds)."""
    poll_interval_seconds: int
    total_timeout_seconds: int
    """The whole wait the user asked for (TotalTimeoutSeconds, default the share): for messages."""
    continues: bool
    """A wait extension takes over when this share ends (OnTimeout=Continue)."""
    until_end: bool
    """False when the deploy only waits for the job to start (Wait=false)."""

    @classmethod
    def from_properties(cls, properties: ResourceProperties) -> WaitPlan:
        timeout_seconds = integer(properties, Property.TIMEOUT_SECONDS, maximum=SERVICE_TIMEOUT_SECONDS)
        total = integer(
            properties, Property.TOTAL_TIMEOUT_SECONDS, minimum=timeout_seconds, maximum=MAX_WAIT_SECONDS, optional=True
        )
        return cls(
            timeout_seconds=timeout_seconds,
            poll_interval_seconds=integer(properties, Property.POLL_INTERVAL_SECONDS),
            total_timeout_seconds=total or timeout_seconds,
            continues=choice(properties, Property.ON_TIMEOUT, _ON_TIMEOUT_VALUES, default=ON_TIMEOUT_FAIL)
            == ON_TIMEOUT_CONTINUE,
            until_end=boolean(properties, Property.WAIT, default=True),
        )

    @classmethod
    def for_scheduled_run(cls, properties: ResourceProperties) -> WaitPlan:
        """A scheduled run waits for the job's end, however long the whole timeout is, in one go."""
        plan = cls.from_properties(properties)
        return plan._replace(timeout_seconds=plan.total_timeout_seconds, continues=False, until_end=True)


class JobWatch:
    """Reads one job's status on the poll schedule and turns it into an is_complete answer."""

    def __init__(
        self,
        *,
        noun: str,
        describe: Callable[[str], JobDescription],
        clock: Callable[[], float],
        query_interval_seconds: float,
        plan: WaitPlan,
        output_path: str,
        finish: RunFinish,
    ) -> None:
        self._noun = noun
        self._describe = describe
        self._clock = clock
        self._query_interval_seconds = query_interval_seconds
        self._plan = plan
        self._output_path = output_path
        self._finish = finish

    def check(
        self, arn: str, started_at: float, on_not_found: Callable[[bool], IsCompleteResponse]
    ) -> IsCompleteResponse:
        """One is_complete call; `on_not_found(share_over)` answers when Personalize has no such job."""
        plan = self._plan
        now = self._clock()
        elapsed = now - started_at
        share_over = elapsed >= plan.timeout_seconds
        if not share_over and not poll_due(elapsed, plan.poll_interval_seconds, self._query_interval_seconds):
            return NOT_COMPLETE
        try:
            job = self._describe(arn)
        except AWS_ERRORS as error:
            if error_code(error) == "ResourceNotFoundException":
                return on_not_found(share_over)
            raise_unless_transient(error, arn)
            if share_over:
                return self._share_over(arn, None, f"its status could not be read: {describe_error(error)}")
            return NOT_COMPLETE
        status = job["status"]
        if status == ACTIVE:
            if not plan.until_end:
                return self.result(arn, status)
            counts = self._finish.check(arn, job, self._noun)
            if counts is None:
                if share_over:
                    return self._share_over(arn, CHECKING_RESULTS, "its results were still being checked")
                return NOT_COMPLETE
            log_job_event("job_completed", arn, status=status)
            return self.result(arn, status, counts)
        if status == CREATE_FAILED:
            reason = job.get("failureReason") or "Personalize gave no reason"
            log_job_event("job_failed", arn, status=status, failureReason=reason)
            message = f"{self._noun} {arn} failed: {_shortened(reason)}"
            self._finish.report(JOB_FAILED, arn, message)
            raise RuntimeError(message)
        if not plan.until_end:
            log_job_event("job_running", arn, status=status, reason="the deploy does not wait for the job (wait=False)")
            return self.result(arn, status)
        if share_over:
            return self._share_over(arn, status, f"its last status was {status}")
        if _changed_since(job, now - max(plan.poll_interval_seconds, self._query_interval_seconds)):
            log_job_event("job_status", arn, status=status)
        return NOT_COMPLETE

    def result(self, arn: str, status: str, counts: RunCounts | dict[str, str] | None = None) -> IsCompleteResponse:
        """Complete, with the attributes the construct exposes and the next wait extension reads."""
        return {
            "IsComplete": True,
            "Data": {
                Attribute.JOB_ARN: arn,
                Attribute.JOB_NAME: arn.rsplit("/", 1)[-1],
                Attribute.STATUS: status,
                Attribute.OUTPUT_PATH: self._output_path,
                **(counts.as_data() if isinstance(counts, RunCounts) else counts or NO_COUNTS),
            },
        }

    def timed_out(self, arn: str, message: str) -> TimeoutError:
        """The error that fails the wait, after the completion event that says so."""
        self._finish.report(TIMED_OUT, arn, message)
        return timeout_error(arn, message)

    def _share_over(self, arn: str, status: str | None, status_note: str) -> IsCompleteResponse:
        plan = self._plan
        if plan.continues:
            log_job_event("wait_continued", arn, status=status, waitedSeconds=plan.timeout_seconds)
            # An unread status is not a terminal one: the next extension reads it again.
            return self.result(arn, status or UNREAD)
        raise self.timed_out(
            arn,
            f"{self._noun} {arn} did not finish within {plan.total_timeout_seconds} s ({status_note}). "
            f"The job keeps running in Personalize; its results will still appear at {self._output_path}.",
        )


def raise_unless_transient(error: Exception, arn: str) -> None:
    if not is_transient(error):
        raise RuntimeError(f"Could not read the state of {arn}: {describe_error(error)}") from error
    log_job_event("status_unavailable", arn, error=describe_error(error))


def timeout_error(arn: str, message: str) -> TimeoutError:
    log_job_event("job_timed_out", arn, message=message)
    return TimeoutError(message)


def _shortened(reason: str) -> str:
    if len(reason) <= _MAX_REASON_CHARACTERS:
        return reason
    return reason[: _MAX_REASON_CHARACTERS - 40] + " ... (the whole reason is in the handler's log)"


def _changed_since(job: JobDescription, since_epoch_seconds: float) -> bool:
    # Describe does not say whether the status is new, but lastUpdatedDateTime within the
    # previous poll's gap means this is the first poll to see it: one log line per change.
    last_updated = job.get("lastUpdatedDateTime")
    return last_updated is None or last_updated.timestamp() > since_epoch_seconds
