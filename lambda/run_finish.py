"""What happens when a watched run ends: its results check, its manifest, its completion event."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from completion_event import CHECK_FAILED, SUCCEEDED, CompletionEvents
from contract import COUNT_ATTRIBUTES, Attribute, Property
from error_classification import AWS_ERRORS, describe_error
from job_log import log_job_event
from resource_properties import fraction, required
from results_check import ResultsCheck
from run_manifest import write_manifest

DEFAULT_MAX_ERROR_RATE = 0.0
"""Without MaxErrorRate, any failed record fails the run."""


class CheckBudget(NamedTuple):
    """How much one is_complete call reads before it leaves the rest for the next poll."""

    bytes_per_call: int
    seconds_per_call: float


class RunCounts(NamedTuple):
    input_records: int
    output_records: int
    error_records: int

    def as_data(self) -> dict[str, str]:
        """As the resource's attributes (CloudFormation hands every attribute on as a string)."""
        return {
            Attribute.INPUT_RECORD_COUNT: str(self.input_records),
            Attribute.RECORD_COUNT: str(self.output_records),
            Attribute.ERROR_COUNT: str(self.error_records),
        }

    def as_detail(self) -> dict[str, int]:
        return {
            "inputRecordCount": self.input_records,
            "recordCount": self.output_records,
            "errorCount": self.error_records,
        }


NO_COUNTS: dict[str, str] = dict.fromkeys(COUNT_ATTRIBUTES, "")
"""The count attributes of a run nobody checked (wait=False, a rollback, a handover mid-wait)."""


class RunFinish:
    """Checks a run that ended ACTIVE and reports every end of a watched run."""

    def __init__(
        self,
        *,
        s3: Any,
        events: CompletionEvents,
        properties: dict[str, Any],
        run_folder: str,
        budget: CheckBudget,
        clock: Callable[[], float],
    ):
        self._s3 = s3
        self._events = events
        self._properties = properties
        self._run_folder = run_folder
        self._budget = budget
        self._clock = clock

    def check(self, arn: str, job: Mapping[str, object], noun: str) -> RunCounts | None:
        """The counts of a run that passed its check; None while there is more to read.

        Raises RuntimeError, naming the counts, when the check fails."""
        verdict = self._results_check().advance()
        if verdict is None:
            log_job_event("results_check_continues", arn)
            return None
        counts = RunCounts(verdict.input_records, verdict.output_records, verdict.error_records)
        log_job_event(
            "results_checked",
            arn,
            **counts.as_detail(),
            bytesRead=verdict.bytes_read,
            calls=verdict.calls,
            failure=verdict.failure,
        )
        if verdict.failure is not None:
            message = (
                f"{noun} {arn} ended ACTIVE but its results check failed: {verdict.failure}. "
                f"The results stay in {self._run_folder}; the manifest still names the last run that passed."
            )
            self.report(CHECK_FAILED, arn, message, counts)
            raise RuntimeError(message)
        write_manifest(
            self._s3,
            job_arn=arn,
            run_folder=self._run_folder,
            created_at=created if isinstance(created := job.get("creationDateTime"), datetime) else None,
            verdict=verdict,
            now=self._clock(),
        )
        self.report(SUCCEEDED, arn, "the run passed its results check", counts)
        return counts

    def recorded_counts(self, arn: str) -> dict[str, str]:
        """The counts of a finished check, for an answer that reads nothing else (an in-place update)."""
        try:
            verdict = self._results_check().recorded()
        except AWS_ERRORS as error:
            log_job_event("results_check_unavailable", arn, error=describe_error(error))
            return NO_COUNTS
        if verdict is None or verdict.failure is not None:
            return NO_COUNTS
        return RunCounts(verdict.input_records, verdict.output_records, verdict.error_records).as_data()

    def _results_check(self) -> ResultsCheck:
        return ResultsCheck(
            self._s3,
            input_path=required(self._properties, Property.INPUT_PATH),
            run_folder=self._run_folder,
            max_error_rate=fraction(self._properties, Property.MAX_ERROR_RATE, default=DEFAULT_MAX_ERROR_RATE),
            bytes_per_call=self._budget.bytes_per_call,
            seconds_per_call=self._budget.seconds_per_call,
        )

    def report(self, status: str, arn: str, reason: str, counts: RunCounts | None = None) -> None:
        self._events.put(
            status,
            job_arn=arn,
            output_folder=self._run_folder,
            reason=reason,
            counts=counts.as_detail() if counts else None,
        )
