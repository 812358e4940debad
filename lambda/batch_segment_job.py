"""Custom::PersonalizeBatchSegmentJob: the API names of a batch segment job, which has no fields
of its own beyond those every batch job shares."""

from batch_job import BatchJobHandler


class BatchSegmentJobHandler(BatchJobHandler):
    job_noun = "Batch segment job"
    arn_resource_type = "batch-segment-job"
    create_operation = "CreateBatchSegmentJob"

    def _job_type_request(self) -> dict:
        return {}

    def _create_job(self, request: dict) -> None:
        self._personalize.create_batch_segment_job(**request)

    @staticmethod
    def describe(personalize, arn: str) -> dict:
        return personalize.describe_batch_segment_job(batchSegmentJobArn=arn)["batchSegmentJob"]
