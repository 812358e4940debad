"""The handler of each job kind: the one list a new kind joins. `index` dispatches a job's resource
by its resource type, a wait extension by its job's ARN type; both read them from here."""

from __future__ import annotations

from batch_inference_job import BatchInferenceJobHandler
from batch_job import BatchJobHandler
from batch_segment_job import BatchSegmentJobHandler

JOB_HANDLERS: tuple[type[BatchJobHandler], ...] = (BatchInferenceJobHandler, BatchSegmentJobHandler)
BY_RESOURCE_TYPE: dict[str, type[BatchJobHandler]] = {handler.kind.resource_type: handler for handler in JOB_HANDLERS}
BY_ARN_RESOURCE_TYPE: dict[str, type[BatchJobHandler]] = {
    handler.kind.arn_resource_type: handler for handler in JOB_HANDLERS
}
