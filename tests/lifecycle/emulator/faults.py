"""Failures a test injects: refused requests, and jobs that fail or never finish."""

import threading
from collections import defaultdict, deque
from collections.abc import Collection
from dataclasses import dataclass

from .api_errors import ApiError

_SERVER_ERRORS = {
    500: ("InternalFailure", "The request processing has failed because of an unknown error, exception or failure."),
    503: ("ServiceUnavailable", "The service is unavailable. Please try again later."),
}


USER_ERROR = "User error: Required fields for the provided recipe are userId"
"""A failed record's error as AWS re:Post quotes it."""


@dataclass(frozen=True)
class JobFault:
    """How a job ends instead of succeeding: CREATE FAILED with `failure_reason`, or never (`stalls`);
    or ACTIVE with its first `failed_records` records of each file failed with `record_error`, or
    with only `written_records` records of each file written (0: no output object at all)."""

    failure_reason: str | None = None
    stalls: bool = False
    failed_records: int = 0
    record_error: str = USER_ERROR
    written_records: int | None = None


class Faults:
    def __init__(self, operations: Collection[str]):
        self._operations = frozenset(operations)
        self._lock = threading.Lock()
        self._request_errors: dict[str, deque[ApiError]] = defaultdict(deque)
        self._job_rules: list[tuple[str, JobFault]] = []

    def throttle(self, operation: str, times: int = 1) -> None:
        """The next `times` calls of `operation` answer 400 ThrottlingException."""
        # GUESS: the real service may report its request rate as LimitExceededException instead.
        self._queue(operation, times, ApiError("ThrottlingException", "Rate exceeded"))

    def server_error(self, operation: str, times: int = 1, status: int = 500) -> None:
        """The next `times` calls of `operation` answer 500 InternalFailure or 503 ServiceUnavailable."""
        if status not in _SERVER_ERRORS:
            raise ValueError(f"status must be one of {sorted(_SERVER_ERRORS)}, got {status}")
        code, message = _SERVER_ERRORS[status]
        self._queue(operation, times, ApiError(code, message, status=status))

    def fail_jobs(self, reason: str, *, name_prefix: str = "") -> None:
        """Jobs created from now on whose name starts with `name_prefix` end CREATE FAILED with `reason`."""
        self._add_job_rule(name_prefix, JobFault(failure_reason=reason))

    def stall_jobs(self, *, name_prefix: str = "") -> None:
        """Jobs created from now on whose name starts with `name_prefix` stay IN PROGRESS forever."""
        self._add_job_rule(name_prefix, JobFault(stalls=True))

    def fail_records(self, count: int, *, error: str = USER_ERROR, name_prefix: str = "") -> None:
        """Jobs created from now on whose name starts with `name_prefix` end ACTIVE with the first
        `count` records of each input file failed (`error`), as Personalize reports bad lines."""
        self._add_job_rule(name_prefix, JobFault(failed_records=count, record_error=error))

    def truncate_output(self, records: int, *, name_prefix: str = "") -> None:
        """Jobs created from now on whose name starts with `name_prefix` end ACTIVE having written
        only the first `records` records of each input file (0: no `.out` object at all)."""
        self._add_job_rule(name_prefix, JobFault(written_records=records))

    def succeed_jobs(self, *, name_prefix: str = "") -> None:
        """Jobs created from now on whose name starts with `name_prefix` succeed again, whatever
        an earlier fail_jobs or stall_jobs said."""
        self._add_job_rule(name_prefix, JobFault())

    def request_error(self, operation: str) -> ApiError | None:
        """The injected error this call of `operation` answers with, if any; using it up."""
        with self._lock:
            queued = self._request_errors.get(operation)
            return queued.popleft() if queued else None

    def job_fault(self, job_name: str) -> JobFault | None:
        """The fault a job created now with `job_name` gets: the latest matching rule's."""
        with self._lock:
            matching = [fault for prefix, fault in self._job_rules if job_name.startswith(prefix)]
        return matching[-1] if matching else None

    def _queue(self, operation: str, times: int, error: ApiError) -> None:
        if operation not in self._operations:
            raise ValueError(f"the emulator does not serve {operation!r}; it serves {sorted(self._operations)}")
        with self._lock:
            self._request_errors[operation].extend([error] * times)

    def _add_job_rule(self, name_prefix: str, fault: JobFault) -> None:
        with self._lock:
            self._job_rules.append((name_prefix, fault))
