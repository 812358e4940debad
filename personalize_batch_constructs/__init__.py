"""Amazon Personalize batch jobs as AWS CDK constructs, run and waited for at deploy time."""

from .batch_inference_job import BatchInferenceJob
from .batch_input import BatchInput
from .batch_output import BatchOutput
from .job_mode import BatchJobMode

__all__ = ["BatchInferenceJob", "BatchInput", "BatchOutput", "BatchJobMode"]
