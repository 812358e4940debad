"""The lifecycle of a Personalize batch job as a CloudFormation custom resource.

Shared by every job kind; a subclass names the kind and builds its request. Personalize can
neither stop, delete nor rename a batch job, so Create starts one, an Update that changes what
the job computes starts another (a new physical id: CloudFormation then deletes the old one),
and Delete leaves the finished job and its results alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import botocore
from botocore.exceptions import ParamValidationError
from contract import PROPERTIES_UPDATED_IN_PLACE, JobKind, Property, QueuePlace
from error_classification import AWS_ERRORS, describe_error, error_code, is_transient
from input_check import check_input
from job_log import log_job_event
from job_name import job_arn, job_name
from job_tags import tag_changes
from job_watch import ACTIVE, NOT_COMPLETE, QUEUED, JobWatch, WaitPlan, raise_unless_transient
from prop_recheck import recheck_job_props
from provider_event import IsCompleteResponse, OnEventResponse, ResourceProperties
from resource_handler import ResourceHandler
from resource_properties import drop_absent, integer, required
from run_manifest import run_folder

if TYPE_CHECKING:
    from job_watch import JobDescription
    from mypy_boto3_personalize import PersonalizeClient

# Changing these changes how the deploy waits or how the job is labelled, not what it computes.
_PROPERTIES_UPDATED_IN_PLACE = PROPERTIES_UPDATED_IN_PLACE | {"ServiceToken"}


class BatchJobHandler(ResourceHandler):
    """Starts the job, then waits for it: to its end, or for the first share of a longer wait."""

    kind: JobKind
    """The kind this handler serves (``contract.py``): its resource and ARN types, API name, noun."""

    @staticmethod
    def describe(personalize: PersonalizeClient, arn: str) -> JobDescription:
        """The job as Describe returns it: status, failureReason, jobName, jobOutput, dates."""
        raise NotImplementedError

    def on_create(self) -> OnEventResponse:
        return self._start_job()

    def on_update(self) -> OnEventResponse:
        if self._job_defining_properties_changed():
            if not self._rolling_back():
                return self._start_job()
            # An update rollback keeps the job the failed deploy started, which may not even
            # exist: it cannot be undone, and starting another would make the rollback wait
            # hours for a re-run. Nothing here may fail, or the stack is left UPDATE_ROLLBACK_FAILED.
            return {"PhysicalResourceId": self._event["PhysicalResourceId"]}
        # Fail the deploy that brings a bad wait setting or tag, not a later one that starts a job.
        recheck_job_props(self._properties, self.kind, self._event["StackId"])
        self._wait_plan()
        self._retag_job()
        return {"PhysicalResourceId": self._event["PhysicalResourceId"]}

    def on_delete(self) -> OnEventResponse:
        # No API call: there is nothing to delete, and the id may be one CloudFormation invented.
        physical_id = self._event["PhysicalResourceId"]
        log_job_event("job_left_in_place", physical_id, reason="Personalize has no API to delete batch jobs")
        return {"PhysicalResourceId": physical_id}

    def is_create_complete(self) -> IsCompleteResponse:
        return self._wait_for_job()

    def is_update_complete(self) -> IsCompleteResponse:
        # on_update hands StartedAt on only when it started a job.
        return self._wait_for_job() if "StartedAt" in self._event else self._existing_job_state()

    @staticmethod
    def create(personalize: PersonalizeClient, request: dict[str, Any]) -> None:
        """Send the job kind's Create request."""
        raise NotImplementedError

    def _job_kind_request(self) -> dict[str, Any]:
        """The request fields only this job kind has."""
        raise NotImplementedError

    @property
    def _create_operation(self) -> str:
        return f"Create{self.kind.api_name}"

    def _job_defining_properties_changed(self) -> bool:
        return _job_defining(self._event.get("OldResourceProperties", {})) != _job_defining(self._properties)

    def _start_job(self) -> OnEventResponse:
        started_at = self._clock()
        recheck_job_props(self._properties, self.kind, self._event["StackId"])
        name = job_name(
            required(self._properties, Property.JOB_NAME_PREFIX),
            self._event["StackId"],
            self._event["LogicalResourceId"],
            self._event["RequestId"],
        )
        request = self._request(name, self._run_folder(name))
        # A bad wait setting would otherwise fail the first is_complete, after the job has started.
        self._wait_plan()
        check_input(self._s3, request["jobInput"]["s3DataSource"]["path"])
        arn = job_arn(self._event["StackId"], self.kind.arn_resource_type, request["jobName"])
        self._submit(request, arn, announce_queued=True, **self._queue_place())
        return {"PhysicalResourceId": arn, "StartedAt": started_at}

    def _request(self, name: str, folder: str) -> dict[str, Any]:
        """The Create request of the job named `name`, writing into the run folder `folder`."""
        properties = self._properties
        kms_key_arn = properties.get(Property.KMS_KEY_ARN)
        common = {
            "jobName": name,
            "solutionVersionArn": required(properties, Property.SOLUTION_VERSION_ARN),
            "jobInput": {
                "s3DataSource": drop_absent(
                    {"path": required(properties, Property.INPUT_PATH), "kmsKeyArn": kms_key_arn}
                )
            },
            "jobOutput": {"s3DataDestination": drop_absent({"path": folder, "kmsKeyArn": kms_key_arn})},
            "roleArn": required(properties, Property.ROLE_ARN),
            # Absent for a segment job that leaves the segment size to Personalize.
            "numResults": integer(properties, Property.NUM_RESULTS, optional=True),
            "filterArn": properties.get(Property.FILTER_ARN),
            "tags": properties.get(Property.JOB_TAGS),
        }
        return drop_absent({**common, **self._job_kind_request()})

    def _submit(self, request: dict[str, Any], arn: str, *, announce_queued: bool, **log: object) -> None:
        """Create the job, unless it exists; leave it for a later poll when Personalize is at its
        limit. `announce_queued`: log the first refusal at the quota (later polls' are not news)."""
        try:
            self.create(self._personalize_create, request)
        except ParamValidationError as error:
            report = " ".join(str(error).split())  # one line in the stack events
            raise RuntimeError(
                f"botocore {botocore.__version__} rejected the {self._create_operation} request for {arn} "
                f"before sending it: {report}. The boto3 in the handler's runtime may predate a field "
                "used here (rankingInfluence needs a recent one): bundle a newer boto3 or drop the field."
            ) from error
        except AWS_ERRORS as error:
            code = error_code(error)
            if code == "ResourceAlreadyExistsException":
                log_job_event("job_adopted", arn)
                return
            if not is_transient(error):
                raise RuntimeError(f"{self._create_operation} for {arn} failed: {describe_error(error)}") from error
            if code != "LimitExceededException":
                log_job_event("job_deferred", arn, error=describe_error(error))
            elif announce_queued:
                log_job_event(
                    "job_queued", arn, reason=f"waiting for a Personalize slot ({describe_error(error)})", **log
                )
            return
        log_job_event("job_started", arn, **log)

    @property
    def _is_scheduled_run(self) -> bool:
        """The event is one a scheduled run made (lambda/scheduled_run.py), not CloudFormation's."""
        return "ScheduledTime" in self._event

    def _wait_plan(self) -> WaitPlan:
        # A scheduled run has no CloudFormation hour to share out: it waits the job's whole timeout.
        if self._is_scheduled_run:
            return WaitPlan.for_scheduled_run(self._properties)
        return WaitPlan.from_properties(self._properties)

    def _queue_place(self) -> dict[str, object]:
        """Where the job waited in its stack's queue, for the log: only when it followed another job."""
        place = self._properties.get(Property.QUEUE) or {}
        # A scheduled run queues at Personalize's quota only: its deploy-time lane does not apply.
        if QueuePlace.AFTER not in place or self._is_scheduled_run:
            return {}
        return {
            "queue": {
                "lane": int(place[QueuePlace.LANE]),
                "lanes": int(place[QueuePlace.LANES]),
                "position": int(place[QueuePlace.POSITION]),
                "after": place[QueuePlace.AFTER],
            }
        }

    def _retag_job(self) -> None:
        arn = self._event["PhysicalResourceId"]
        to_set, to_remove = tag_changes(
            self._event.get("OldResourceProperties", {}).get(Property.JOB_TAGS), self._properties.get(Property.JOB_TAGS)
        )
        if to_set:
            self._personalize.tag_resource(resourceArn=arn, tags=to_set)
        if to_remove:
            self._personalize.untag_resource(resourceArn=arn, tagKeys=to_remove)
        if to_set or to_remove:
            # Tag keys and values are sensitive in the API model: log counts only.
            log_job_event("job_retagged", arn, tagsSet=len(to_set), tagsRemoved=len(to_remove))

    def _run_folder(self, name: str) -> str:
        return run_folder(required(self._properties, Property.OUTPUT_PATH), name)

    def _watched_run_folder(self) -> str:
        return self._run_folder(self._event["PhysicalResourceId"].rsplit("/", 1)[-1])

    def _watch(self) -> JobWatch:
        folder = self._watched_run_folder()
        return JobWatch(
            noun=self.kind.noun,
            describe=lambda arn: self.describe(self._personalize, arn),
            clock=self._clock,
            query_interval_seconds=self._query_interval_seconds,
            plan=self._wait_plan(),
            output_path=folder,
            finish=self._run_finish(folder),
        )

    def _wait_for_job(self) -> IsCompleteResponse:
        arn = self._event["PhysicalResourceId"]
        watch = self._watch()
        return watch.check(
            arn,
            float(self._event["StartedAt"]),
            lambda share_over: self.wait_for_slot(
                arn, share_over, watch, self._watched_run_folder(), asked_at_start=True, **self._queue_place()
            ),
        )

    def wait_for_slot(
        self, arn: str, share_over: bool, watch: JobWatch, folder: str, *, asked_at_start: bool, **log: object
    ) -> IsCompleteResponse:
        """Personalize has no such job: its Create was refused (the quota is full, or throttling), or
        Describe has not caught up with it yet. Creating again by the same name is safe both ways.
        Any resource of the job's chain may do it: the job's own, or a wait extension after it
        (`folder` its run folder, `log` what the start's log line adds). `asked_at_start`: the
        resource's on_event sent a Create already, which stands for the poll at 0 s."""
        plan = self._wait_plan()
        if not share_over:
            # The provider's first is_complete follows on_event at once: one Create per poll, not two.
            if not (asked_at_start and self._clock() - float(self._event["StartedAt"]) < self._query_interval_seconds):
                self._submit(self._request(arn.rsplit("/", 1)[-1], folder), arn, announce_queued=False, **log)
            return NOT_COMPLETE
        if plan.continues:
            log_job_event("wait_continued", arn, status=QUEUED, waitedSeconds=plan.timeout_seconds)
            return watch.result(arn, QUEUED)
        raise watch.timed_out(
            arn,
            f"{self.kind.noun} {arn} never started within {plan.total_timeout_seconds} s: Personalize "
            "refused to create it at every try (LimitExceededException: the Region's quota of jobs of this "
            "kind pending or in progress at a time was full, with jobs from outside this stack, or "
            "throttling). No job runs for this deployment: deploy again once the running jobs have "
            "finished, or ask for a higher quota.",
        )

    def _existing_job_state(self) -> IsCompleteResponse:
        arn = self._event["PhysicalResourceId"]
        try:
            job = self.describe(self._personalize, arn)
        except AWS_ERRORS as error:
            if error_code(error) == "ResourceNotFoundException":
                # A rollback can keep a job whose create was still deferred: say so, don't fail.
                log_job_event("job_not_found", arn)
                return self._watch().result(arn, "UNKNOWN")
            raise_unless_transient(error, arn)
            return NOT_COMPLETE
        watch = self._watch()
        if job["status"] == ACTIVE:
            # The counts the check recorded, if a deploy saw it through: one read, and nothing fails here.
            return watch.result(arn, ACTIVE, self._run_finish(self._watched_run_folder()).recorded_counts(arn))
        return watch.result(arn, job["status"])


def _job_defining(properties: ResourceProperties) -> ResourceProperties:
    return {key: value for key, value in properties.items() if key not in _PROPERTIES_UPDATED_IN_PLACE}
