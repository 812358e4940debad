"""Amazon Personalize batch jobs as AWS CDK constructs, run and waited for at deploy time."""

from .batch_inference_job import BatchInferenceJob, BatchInferenceJobProps
from .batch_input import BatchInput
from .batch_job import BatchJob, BatchJobProps
from .batch_output import BatchOutput
from .batch_segment_job import BatchSegmentJob
from .job_mode import BatchJobMode
from .prop_checks import ARN_MAX_LENGTH, SOLUTION_VERSION_ARN_PATTERN

__all__ = [
    "ARN_MAX_LENGTH",
    "SOLUTION_VERSION_ARN_PATTERN",
    "BatchInferenceJob",
    "BatchInferenceJobProps",
    "BatchInput",
    "BatchJob",
    "BatchJobMode",
    "BatchJobProps",
    "BatchOutput",
    "BatchSegmentJob",
]
