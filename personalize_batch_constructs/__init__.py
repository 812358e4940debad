"""Amazon Personalize batch jobs as AWS CDK constructs, run and waited for at deploy time."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from .batch_inference_job import BatchInferenceJob, BatchInferenceJobProps
from .batch_input import BatchInput
from .batch_job import BatchJob, BatchJobProps
from .batch_output import BatchOutput
from .batch_segment_job import BatchSegmentJob
from .job_mode import BatchInferenceJobMode
from .job_queue import MAX_CONCURRENT_JOBS_CONTEXT_KEY
from .prop_checks import ARN_MAX_LENGTH, SOLUTION_VERSION_ARN_PATTERN

if TYPE_CHECKING:
    # Type checkers see the deprecated name as the class itself; at run time __getattr__ serves it.
    BatchJobMode = BatchInferenceJobMode

__all__ = [
    "ARN_MAX_LENGTH",
    "MAX_CONCURRENT_JOBS_CONTEXT_KEY",
    "SOLUTION_VERSION_ARN_PATTERN",
    "BatchInferenceJob",
    "BatchInferenceJobMode",
    "BatchInferenceJobProps",
    "BatchInput",
    "BatchJob",
    "BatchJobMode",
    "BatchJobProps",
    "BatchOutput",
    "BatchSegmentJob",
]

_DEPRECATED_ALIASES = {"BatchJobMode": BatchInferenceJobMode}
"""Old names still served, each the very object of its new name (so isinstance and `is` hold)."""


def __getattr__(name: str) -> object:
    # Only names not defined above reach here: the deprecated ones warn on every use.
    if name in _DEPRECATED_ALIASES:
        new = _DEPRECATED_ALIASES[name]
        warnings.warn(
            f"{name} is deprecated: use {new.__name__} (it applies to batch inference jobs only)",
            DeprecationWarning,
            stacklevel=2,
        )
        return new
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
