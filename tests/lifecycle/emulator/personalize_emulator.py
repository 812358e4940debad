"""PersonalizeEmulator: the pieces assembled behind one object a test starts, drives and inspects."""

import functools
import logging
import threading
from collections.abc import Callable

import botocore.session
from botocore.config import Config
from botocore.model import ServiceModel

from ..virtual_clock import VirtualClock
from .api_operations import PersonalizeApi
from .batch_jobs import JobRecord, JobStore, JobTimings
from .caller_access import CallerAccess
from .job_execution import JobExecution
from .job_kinds import BATCH_SEGMENT_JOB, JOB_KINDS
from .model_patterns import compiled
from .recommendations import DEFAULT_ITEM_IDS, DEFAULT_USER_IDS, RECIPES, SolutionVersion
from .server import PersonalizeServer, RequestRecord

# Dummy credentials for the moto server: nothing here may reach a real AWS account.
_MOTO_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}
_logger = logging.getLogger(__name__)


@functools.cache
def _botocore_session() -> botocore.session.Session:
    # One session for every emulator: loading the service models again costs ~0.1 s per test.
    return botocore.session.get_session()


def _service_model() -> ServiceModel:
    return _botocore_session().get_service_model("personalize")


class PersonalizeEmulator:
    """Amazon Personalize batch inference and batch segment jobs on loopback, reading and writing
    S3 and IAM on moto.

    Point an unmodified boto3 client at `endpoint_url` (or AWS_ENDPOINT_URL_PERSONALIZE): with an
    assumed role's credentials (moto's STS), each request must be one that role's policies allow;
    with any others, the caller may do anything. Jobs
    move on `clock`; `faults` injects failures; `jobs()`, `requests` and `internal_errors` show
    what happened. Each kind of job has its own concurrency quota: `concurrency_limit` jobs
    PENDING or IN PROGRESS per kind, or `segment_concurrency_limit` for batch segment jobs when
    given.
    """

    def __init__(
        self,
        clock: VirtualClock,
        *,
        aws_endpoint_url: str,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        timings: JobTimings | None = None,
        concurrency_limit: int = 5,
        segment_concurrency_limit: int | None = None,
    ):
        session = _botocore_session()
        s3 = session.create_client(
            "s3",
            region_name=region,
            endpoint_url=aws_endpoint_url,
            config=Config(s3={"addressing_style": "path"}),
            **_MOTO_CREDENTIALS,
        )
        iam = session.create_client("iam", region_name=region, endpoint_url=aws_endpoint_url, **_MOTO_CREDENTIALS)
        self._solution_versions: dict[str, SolutionVersion] = {}
        self._internal_errors: list[str] = []
        self._internal_errors_lock = threading.Lock()
        self._running = False
        self._store = JobStore(
            clock,
            timings or JobTimings(),
            concurrency_limits={
                kind.resource_type: (
                    segment_concurrency_limit
                    if kind is BATCH_SEGMENT_JOB and segment_concurrency_limit is not None
                    else concurrency_limit
                )
                for kind in JOB_KINDS
            },
            work=JobExecution(s3=s3, iam=iam, account_id=account_id, solution_versions=self._solution_versions),
            report_internal_error=self._report_internal_error,
        )
        service_model = _service_model()
        self._api = PersonalizeApi(
            service_model=service_model,
            kinds=JOB_KINDS,
            store=self._store,
            solution_versions=self._solution_versions,
            region=region,
            account_id=account_id,
        )
        self.faults = self._api.faults
        caller_access = CallerAccess(
            iam=iam,
            caller_arn_of=lambda access_key_id: session.create_client(
                "sts",
                region_name=region,
                endpoint_url=aws_endpoint_url,
                aws_access_key_id=access_key_id,
                aws_secret_access_key="testing",
            ).get_caller_identity()["Arn"],
        )
        self._server = PersonalizeServer(
            api=self._api,
            service_model=service_model,
            clock=clock,
            caller_access=caller_access,
            report_internal_error=self._report_internal_error,
        )
        clock.subscribe(self._on_clock)

    def start(self) -> "PersonalizeEmulator":
        self._server.start()
        self._running = True
        return self

    def stop(self) -> None:
        self._running = False
        self._server.stop()

    def __enter__(self) -> "PersonalizeEmulator":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        return self._server.endpoint_url

    def add_solution_version(
        self,
        arn: str,
        *,
        recipe: str = "user-personalization",
        item_ids: list[str] | None = None,
        user_ids: list[str] | None = None,
    ) -> None:
        """Make `arn` a solution version jobs can use, trained with `recipe` on `item_ids` ("1".."200")
        and `user_ids` ("1".."500"). Batch segment jobs take the USER_SEGMENTATION recipes
        ("item-affinity", "item-attribute-affinity") and choose among `user_ids`; batch inference
        jobs take the others and choose among `item_ids`."""
        if recipe not in RECIPES:
            raise ValueError(f"unknown recipe {recipe!r}: use one of {sorted(RECIPES)}")
        arn_pattern = _service_model().shape_for("Arn").metadata["pattern"]
        if not compiled(arn_pattern).search(arn):
            raise ValueError(f"{arn!r} is not a Personalize ARN (pattern {arn_pattern})")
        self._solution_versions[arn] = SolutionVersion(
            arn,
            RECIPES[recipe],
            tuple(DEFAULT_ITEM_IDS if item_ids is None else item_ids),
            tuple(DEFAULT_USER_IDS if user_ids is None else user_ids),
        )

    def remove_solution_version(self, arn: str) -> None:
        """Make `arn` unknown again, as a deleted solution version is: creates naming it fail with
        ResourceNotFoundException. Only for a version no job has used."""
        if any(job.request["solutionVersionArn"] == arn for job in self.jobs()):
            raise ValueError(f"{arn} is used by a job: the emulator cannot forget it")
        del self._solution_versions[arn]

    def jobs(self) -> list[JobRecord]:
        """Every job created so far, in creation order, as it is now."""
        self._store.advance()
        return self._store.records()

    def job(self, name_or_arn: str) -> JobRecord:
        """The one job with this name or ARN; a name that jobs of both kinds have needs the ARN."""
        matching = [job for job in self.jobs() if name_or_arn in (job.name, job.arn)]
        if len(matching) != 1:
            raise KeyError(f"{len(matching)} jobs have the name or ARN {name_or_arn!r}")
        return matching[0]

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received, in order, failed ones included."""
        return self._server.requests

    @property
    def peak_concurrency(self) -> int:
        """The most jobs PENDING or IN PROGRESS at once, of all kinds together."""
        return self._store.peak_concurrency

    def peak_concurrency_of(self, kind: str) -> int:
        """The most jobs of one kind ("batch-inference-job" or "batch-segment-job") PENDING or IN
        PROGRESS at once: what that kind's quota limits."""
        return self._store.peak_concurrency_of(kind)

    @property
    def internal_errors(self) -> list[str]:
        """Emulator bugs and unreadable policies met so far; a test should find this empty."""
        with self._internal_errors_lock:
            return list(self._internal_errors)

    def on_status_change(self, callback: Callable[[JobRecord, str | None, str], None]) -> None:
        """Call `callback(job, old_status, new_status)` on every transition, creation included (old None)."""
        self._store.on_status_change(callback)

    def _on_clock(self, _now: float) -> None:
        if self._running:
            self._store.advance()

    def _report_internal_error(self, description: str) -> None:
        _logger.error("Personalize emulator internal error: %s", description)
        with self._internal_errors_lock:
            self._internal_errors.append(description)
