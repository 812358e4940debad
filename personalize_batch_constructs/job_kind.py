"""The kinds of Personalize batch job, as the construct, the provider and the handler name them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    resource_type: str
    """The custom resource type; the handler dispatches on it."""
    arn_resource_type: str
    """The resource part of the job's ARN, as in IAM policies."""
    api_name: str
    """The name in the API's operations (CreateBatchInferenceJob, DescribeBatchInferenceJob)."""
    max_num_results: int
    """The largest ``numResults`` the API documents for this kind."""


BATCH_INFERENCE = JobKind(
    resource_type="Custom::PersonalizeBatchInferenceJob",
    arn_resource_type="batch-inference-job",
    api_name="BatchInferenceJob",
    # Unverified for batch: the real-time limit; see docs/design.md.
    max_num_results=500,
)
BATCH_SEGMENT = JobKind(
    resource_type="Custom::PersonalizeBatchSegmentJob",
    arn_resource_type="batch-segment-job",
    api_name="BatchSegmentJob",
    # The API model: "The maximum number of users per segment is 5 million."
    max_num_results=5_000_000,
)
