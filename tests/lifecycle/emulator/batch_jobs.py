"""Batch jobs: what a kind of job is, the jobs created so far, and how their status moves on.

A job kind is described by data (its operations, ARN resource type, response keys, the recipes
it accepts and how it answers an input line), so another kind of batch job is one more
description, not another store. Jobs move on the virtual clock: PENDING when created,
IN PROGRESS `pending_seconds` later, and ACTIVE or CREATE FAILED `in_progress_seconds` after
that, each transition stamped with the moment it was due even when the clock jumps past several.
"""

import copy
import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..virtual_clock import VirtualClock
from .api_errors import ApiError
from .faults import JobFault
from .recommendations import SolutionVersion

# GUESS: the API model documents PENDING and IN PROGRESS for batch jobs; other Personalize
# resources use "CREATE PENDING" and "CREATE IN_PROGRESS".
PENDING = "PENDING"
IN_PROGRESS = "IN PROGRESS"
ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
_IN_FLIGHT = frozenset({PENDING, IN_PROGRESS})


@dataclass(frozen=True)
class JobKind:
    resource_type: str
    """The resource type in the job's ARN, e.g. "batch-inference-job"; also JobRecord.kind."""
    noun: str
    """How messages name one such job, e.g. "batch inference job"."""
    create_operation: str
    describe_operation: str
    list_operation: str
    arn_member: str
    """The request and response member holding the job's ARN, e.g. "batchInferenceJobArn"."""
    record_member: str
    """The Describe response member holding the job, e.g. "batchInferenceJob"."""
    list_member: str
    """The List response member holding the summaries, e.g. "batchInferenceJobs"."""
    recipes: frozenset[str]
    """The recipes of the solution versions such a job can use."""
    max_num_results: int
    """The largest numResults a create request may ask for."""
    output_field: str
    """The member of a line's "output" listing the results, e.g. "recommendedItems"; empty on a failed line."""
    answer: Callable[[dict, SolutionVersion, object], dict]
    """(create request, solution version, input record) -> the "output" of the record's line;
    raises BadInputLine for a record the recipe cannot answer."""
    create_authorizes_solution_version: bool = False
    """Whether the caller needs the create action on the solution version too: the service
    authorization reference lists the solution as a required resource of CreateBatchInferenceJob,
    not of CreateBatchSegmentJob."""
    check_request: Callable[[dict, SolutionVersion], None] = lambda _request, _solution_version: None
    """Raises ApiError for a create request the model allows but the service refuses; by default
    the model's constraints and the checks every kind shares are all there is."""


@dataclass(frozen=True)
class JobTimings:
    pending_seconds: float = 300
    in_progress_seconds: float = 1200


@dataclass(frozen=True)
class JobRecord:
    """A job as it was at one moment; the emulator hands out copies, never its own state."""

    kind: str
    name: str
    arn: str
    status: str
    request: dict
    """The create request's parameters as received."""
    created_at: float
    last_updated_at: float
    failure_reason: str | None
    fault: JobFault | None = None
    """What the test injected for this job, if anything."""


class JobWork(Protocol):
    """What a job does at its transitions; each returns a failure reason, or None on success."""

    def start_failure(self, kind: JobKind, job: JobRecord) -> str | None:
        """Checked when the job leaves PENDING: role, permissions, input."""

    def finish_failure(self, kind: JobKind, job: JobRecord) -> str | None:
        """Done when the job would become ACTIVE: the output, written before the status changes."""


StatusListener = Callable[[JobRecord, str | None, str], None]


@dataclass
class _Job:
    kind: JobKind
    name: str
    arn: str
    request: dict
    fault: JobFault | None
    created_at: float
    status: str
    last_updated_at: float
    failure_reason: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def record(self) -> JobRecord:
        return JobRecord(
            kind=self.kind.resource_type,
            name=self.name,
            arn=self.arn,
            status=self.status,
            request=copy.deepcopy(self.request),
            created_at=self.created_at,
            last_updated_at=self.last_updated_at,
            failure_reason=self.failure_reason,
            fault=self.fault,
        )


class JobStore:
    """Every job ever created, by ARN; thread-safe. Names are never reusable, as in the service."""

    def __init__(
        self,
        clock: VirtualClock,
        timings: JobTimings,
        *,
        concurrency_limits: Mapping[str, int],
        work: JobWork,
        report_internal_error: Callable[[str], None],
    ):
        self._clock = clock
        self._timings = timings
        self._concurrency_limits = dict(concurrency_limits)
        self._work = work
        self._report_internal_error = report_internal_error
        self._lock = threading.RLock()
        self._jobs: dict[str, _Job] = {}
        self._due: list[tuple[float, int, str]] = []  # heap of (moment, tie-breaker, arn)
        self._tie_breaker = itertools.count()
        self._peak_concurrency = 0
        self._peak_concurrency_by_kind = dict.fromkeys(self._concurrency_limits, 0)
        self._listeners: list[StatusListener] = []
        self._notifications: deque[tuple[JobRecord, str | None, str]] = deque()
        self._notifying = threading.Lock()

    def on_status_change(self, listener: StatusListener) -> None:
        self._listeners.append(listener)

    def create(self, kind: JobKind, name: str, arn: str, request: dict, fault: JobFault | None) -> JobRecord:
        """Add a PENDING job, or raise ResourceAlreadyExistsException or LimitExceededException."""
        try:
            with self._lock:
                return self._create_locked(kind, name, arn, request, fault)
        finally:
            self._notify()

    def _create_locked(self, kind: JobKind, name: str, arn: str, request: dict, fault: JobFault | None) -> JobRecord:
        now = self._clock.now()
        # The quota counts the jobs still running now, not when someone last asked.
        self._advance_locked(now)
        if arn in self._jobs:
            raise ApiError("ResourceAlreadyExistsException", f"The {kind.noun} {arn} already exists.")
        limit = self._concurrency_limits[kind.resource_type]
        if self._in_flight(kind) >= limit:
            # GUESS: the wording; the quota and its error code are documented.
            raise ApiError(
                "LimitExceededException",
                f"You have reached the limit of {limit} {kind.noun}s in PENDING or IN PROGRESS status "
                "in this Region. Wait for a job to finish, or request a quota increase.",
            )
        tags = {tag["tagKey"]: tag["tagValue"] for tag in request.get("tags", [])}
        job = _Job(kind, name, arn, copy.deepcopy(request), fault, now, PENDING, now, tags=tags)
        self._jobs[arn] = job
        self._changed(job, None)
        self._schedule(job, now + self._timings.pending_seconds)
        # A zero pending time moves the job on at once.
        self._advance_locked(now)
        return job.record()

    def get(self, arn: str) -> JobRecord | None:
        with self._lock:
            job = self._jobs.get(arn)
            return job.record() if job else None

    def records(self) -> list[JobRecord]:
        """Every job, in creation order."""
        with self._lock:
            return [job.record() for job in self._jobs.values()]

    def tags(self, arn: str) -> dict[str, str] | None:
        with self._lock:
            job = self._jobs.get(arn)
            return dict(job.tags) if job else None

    def replace_tags(self, arn: str, tags: Mapping[str, str]) -> None:
        with self._lock:
            self._jobs[arn].tags = dict(tags)

    @property
    def peak_concurrency(self) -> int:
        """The most jobs of all kinds PENDING or IN PROGRESS at once."""
        with self._lock:
            return self._peak_concurrency

    def peak_concurrency_of(self, resource_type: str) -> int:
        """The most jobs of one kind PENDING or IN PROGRESS at once."""
        with self._lock:
            if resource_type not in self._peak_concurrency_by_kind:
                known = sorted(self._peak_concurrency_by_kind)
                raise ValueError(f"unknown job kind {resource_type!r}: use one of {known}")
            return self._peak_concurrency_by_kind[resource_type]

    def advance(self) -> None:
        """Apply every transition due by now, in the order they were due."""
        with self._lock:
            self._advance_locked(self._clock.now())
        self._notify()

    def _advance_locked(self, now: float) -> None:
        while self._due and self._due[0][0] <= now:
            moment, _, arn = heapq.heappop(self._due)
            self._step(self._jobs[arn], moment)

    def _step(self, job: _Job, moment: float) -> None:
        # GUESS: the role and input are checked when the job leaves PENDING, and a job failing
        # them goes straight to CREATE FAILED without passing IN PROGRESS.
        if job.status == PENDING:
            failure = self._run(self._work.start_failure, job)
            if failure:
                self._finish(job, moment, failure)
                return
            self._set_status(job, IN_PROGRESS, moment)
            if not (job.fault and job.fault.stalls):
                self._schedule(job, moment + self._timings.in_progress_seconds)
        elif job.fault and job.fault.failure_reason is not None:
            self._finish(job, moment, job.fault.failure_reason)
        else:
            self._finish(job, moment, self._run(self._work.finish_failure, job))

    def _run(self, step: Callable[[JobKind, JobRecord], str | None], job: _Job) -> str | None:
        try:
            return step(job.kind, job.record())
        except Exception as error:  # an emulator bug or an unreadable policy: fail the job and say so
            self._report_internal_error(f"{step.__name__} of {job.arn} raised {error!r}")
            return f"The emulator failed while running the job: {error!r}"

    def _finish(self, job: _Job, moment: float, failure_reason: str | None) -> None:
        job.failure_reason = failure_reason
        self._set_status(job, CREATE_FAILED if failure_reason else ACTIVE, moment)

    def _set_status(self, job: _Job, status: str, moment: float) -> None:
        old_status = job.status
        job.status = status
        job.last_updated_at = moment
        self._changed(job, old_status)

    def _changed(self, job: _Job, old_status: str | None) -> None:
        self._peak_concurrency = max(self._peak_concurrency, sum(j.status in _IN_FLIGHT for j in self._jobs.values()))
        kind = job.kind.resource_type
        self._peak_concurrency_by_kind[kind] = max(self._peak_concurrency_by_kind[kind], self._in_flight(job.kind))
        self._notifications.append((job.record(), old_status, job.status))

    def _schedule(self, job: _Job, moment: float) -> None:
        heapq.heappush(self._due, (moment, next(self._tie_breaker), job.arn))

    def _in_flight(self, kind: JobKind) -> int:
        return sum(job.kind is kind and job.status in _IN_FLIGHT for job in self._jobs.values())

    def _notify(self) -> None:
        """Call the listeners outside the store's lock, so they may call the emulator themselves.

        One thread delivers at a time, in order; a thread that finds another delivering leaves
        its notifications to it.
        """
        while self._notifications:
            if not self._notifying.acquire(blocking=False):
                return
            try:
                while self._notifications:
                    record, old_status, new_status = self._notifications.popleft()
                    for listener in list(self._listeners):
                        try:
                            listener(record, old_status, new_status)
                        except Exception as error:
                            self._report_internal_error(f"on_status_change listener {listener!r} raised {error!r}")
            finally:
                self._notifying.release()
