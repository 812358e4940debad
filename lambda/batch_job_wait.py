"""Custom::PersonalizeBatchJobWait: one more share of the wait for a job that outlives
CloudFormation's hour.

The construct chains these after the job's resource. Each reads the job's ARN, last status, run
folder and counts from the resource before it (Fn::GetAtt), so a replaced job changes every
extension's properties and each waits again, for the new job; an extension after the job's end
completes without a call. An extension that takes over a job which ended ACTIVE while its results
check was still reading (status CHECKING RESULTS) continues the check where it was left. One
handed a job Personalize has not accepted yet (status QUEUED: the quota was full with others'
jobs) goes on asking to create it, once per poll, with the request properties it carries.
"""

from __future__ import annotations

from batch_job import BatchJobHandler
from contract import COUNT_ATTRIBUTES, Property
from job_handlers import BY_ARN_RESOURCE_TYPE
from job_log import log_job_event
from job_watch import ACTIVE, QUEUED, UNREAD, JobWatch, WaitPlan
from provider_event import IsCompleteResponse, OnEventResponse
from resource_handler import ResourceHandler
from resource_properties import PropertyError, integer, required


class BatchJobWaitHandler(ResourceHandler):
    def on_create(self) -> OnEventResponse:
        return self._start_share()

    def on_update(self) -> OnEventResponse:
        if self._rolling_back():
            # Nothing to wait for in a rollback: answer at once with the properties put back.
            return {"PhysicalResourceId": self._event["PhysicalResourceId"]}
        # Whatever changed (most often the job ARN, when the job was replaced), wait again.
        return self._start_share()

    def on_delete(self) -> OnEventResponse:
        return {"PhysicalResourceId": self._event["PhysicalResourceId"]}

    def is_create_complete(self) -> IsCompleteResponse:
        return self._wait()

    def is_update_complete(self) -> IsCompleteResponse:
        return self._wait()

    def _start_share(self) -> OnEventResponse:
        arn = self._job_arn()
        extension = integer(self._properties, Property.EXTENSION)
        required(self._properties, Property.OUTPUT_PATH)
        WaitPlan.from_properties(self._properties)
        self._job_handler(arn)
        return {"PhysicalResourceId": f"{arn}/wait-{extension}", "StartedAt": self._clock()}

    def _wait(self) -> IsCompleteResponse:
        arn = self._job_arn()
        job_handler = self._job_handler(arn)
        folder = required(self._properties, Property.OUTPUT_PATH)
        watch = JobWatch(
            noun=job_handler.kind.noun,
            describe=lambda job: job_handler.describe(self._personalize, job),
            clock=self._clock,
            query_interval_seconds=self._query_interval_seconds,
            plan=WaitPlan.from_properties(self._properties),
            output_path=folder,
            finish=self._run_finish(folder),
        )
        if self._properties.get(Property.JOB_STATUS) == ACTIVE or "StartedAt" not in self._event:
            # The extension before saw the job end and checked it, or this is a rollback: no wait and no call.
            counts = {name: str(self._properties.get(name, "")) for name in COUNT_ATTRIBUTES}
            return watch.result(arn, self._properties.get(Property.JOB_STATUS) or "UNKNOWN", counts)
        return watch.check(
            arn,
            float(self._event["StartedAt"]),
            lambda share_over: self._not_found(job_handler, arn, share_over, watch),
        )

    def _job_arn(self) -> str:
        return str(required(self._properties, Property.JOB_ARN))

    @staticmethod
    def _job_handler(arn: str) -> type[BatchJobHandler]:
        """The handler of the job's kind, by the ARN's resource type."""
        resource_type = arn.split(":", 5)[-1].split("/", 1)[0]
        if resource_type not in BY_ARN_RESOURCE_TYPE:
            raise PropertyError(
                f"Property JobArn must be the ARN of a batch job ({', '.join(BY_ARN_RESOURCE_TYPE)}), got {arn!r}"
            )
        return BY_ARN_RESOURCE_TYPE[resource_type]

    def _not_found(
        self, job_handler: type[BatchJobHandler], arn: str, share_over: bool, watch: JobWatch
    ) -> IsCompleteResponse:
        if self._properties.get(Property.JOB_STATUS) in (QUEUED, UNREAD):
            # Never accepted so far (or its last status unread): ask again, as the job's resource did.
            return self._handler_for(job_handler).wait_for_slot(
                arn,
                share_over,
                watch,
                required(self._properties, Property.OUTPUT_PATH),
                asked_at_start=False,
                startedBy=self._event["LogicalResourceId"],
            )
        # The job's own resource handed over a job Personalize had; retrying would not bring it back.
        log_job_event("job_not_found", arn)
        raise RuntimeError(
            f"{job_handler.kind.noun} {arn} is unknown to Personalize (ResourceNotFoundException): nothing to wait for"
        )
