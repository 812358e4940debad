"""Custom::PersonalizeBatchSegmentJob: the API names of a batch segment job, which has no fields
of its own beyond those every batch job shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batch_job import BatchJobHandler
from contract import BATCH_SEGMENT

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_personalize.type_defs import BatchSegmentJobTypeDef


class BatchSegmentJobHandler(BatchJobHandler):
    kind = BATCH_SEGMENT

    def _job_kind_request(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def create(personalize: PersonalizeClient, request: dict[str, Any]) -> None:
        personalize.create_batch_segment_job(**request)

    @staticmethod
    def describe(personalize: PersonalizeClient, arn: str) -> BatchSegmentJobTypeDef:
        return personalize.describe_batch_segment_job(batchSegmentJobArn=arn)["batchSegmentJob"]
