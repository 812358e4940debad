"""What the construct writes and the handler reads, declared once: the resource types, their
property and attribute names, and the limits both sides keep.

The handler ships only the standard library and boto3, so the contract lives with it; the
construct imports this very file from the wheel's copy of the handler
(``personalize_batch_constructs._handler``). It imports nothing of the handler's other modules.
How values are checked is in `prop_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class JobKind:
    """One Personalize batch API, served by its own custom resource type."""

    resource_type: str
    """The custom resource type; the handler dispatches on it."""
    arn_resource_type: str
    """The resource part of the job's ARN, as in IAM policies; a wait extension dispatches on it."""
    api_name: str
    """The name in the API's operations (CreateBatchInferenceJob, DescribeBatchInferenceJob)."""
    noun: str
    """How messages name a job of this kind."""
    max_num_results: int
    """The largest ``numResults`` the API documents for this kind."""


BATCH_INFERENCE: Final = JobKind(
    resource_type="Custom::PersonalizeBatchInferenceJob",
    arn_resource_type="batch-inference-job",
    api_name="BatchInferenceJob",
    noun="Batch inference job",
    # Unverified for batch: the real-time limit; see docs/design.md.
    max_num_results=500,
)
BATCH_SEGMENT: Final = JobKind(
    resource_type="Custom::PersonalizeBatchSegmentJob",
    arn_resource_type="batch-segment-job",
    api_name="BatchSegmentJob",
    noun="Batch segment job",
    # The API model: "The maximum number of users per segment is 5 million."
    max_num_results=5_000_000,
)
JOB_KINDS: Final = (BATCH_INFERENCE, BATCH_SEGMENT)
WAIT_RESOURCE_TYPE: Final = "Custom::PersonalizeBatchJobWait"
"""One more share of a wait past CloudFormation's hour, after the job's own resource."""
INPUT_COPY_RESOURCE_TYPE: Final = "Custom::PersonalizeBatchInputCopy"
"""Copies uploaded input files from the asset bucket into the input folder."""


class Property:
    """Resource property names. CloudFormation passes every scalar as a string."""

    JOB_NAME_PREFIX: Final = "JobNamePrefix"
    SOLUTION_VERSION_ARN: Final = "SolutionVersionArn"
    INPUT_PATH: Final = "InputPath"
    OUTPUT_PATH: Final = "OutputPath"
    """The output prefix on a job's resource; the run folder on a wait extension."""
    ROLE_ARN: Final = "RoleArn"
    NUM_RESULTS: Final = "NumResults"
    FILTER_ARN: Final = "FilterArn"
    KMS_KEY_ARN: Final = "KmsKeyArn"
    ITEM_EXPLORATION_CONFIG: Final = "ItemExplorationConfig"
    RANKING_INFLUENCE: Final = "RankingInfluence"
    JOB_MODE: Final = "JobMode"
    THEME_ITEM_NAME_FIELD: Final = "ThemeItemNameField"
    JOB_TAGS: Final = "JobTags"
    INPUT_VERSION: Final = "InputVersion"
    """A content hash of uploaded input: never sent, it re-runs the job when the content changes."""
    TIMEOUT_SECONDS: Final = "TimeoutSeconds"
    TOTAL_TIMEOUT_SECONDS: Final = "TotalTimeoutSeconds"
    ON_TIMEOUT: Final = "OnTimeout"
    POLL_INTERVAL_SECONDS: Final = "PollIntervalSeconds"
    WAIT: Final = "Wait"
    MAX_ERROR_RATE: Final = "MaxErrorRate"
    CONSTRUCT_PATH: Final = "ConstructPath"
    QUEUE: Final = "Queue"
    """The job's place in its stack's queue (`QueuePlace`), for the log only."""
    JOB_ARN: Final = "JobArn"
    JOB_STATUS: Final = "JobStatus"
    EXTENSION: Final = "Extension"
    """A wait extension's number, 1 for the first after the job's resource."""
    INPUT_RECORD_COUNT: Final = "InputRecordCount"
    RECORD_COUNT: Final = "RecordCount"
    ERROR_COUNT: Final = "ErrorCount"
    SOURCE_BUCKET: Final = "SourceBucket"
    FILES: Final = "Files"
    BUCKET: Final = "Bucket"
    PREFIX: Final = "Prefix"


class QueuePlace:
    """The keys of the ``Queue`` property: all strings; ``After`` absent for a lane's first job."""

    LANE: Final = "Lane"
    LANES: Final = "Lanes"
    POSITION: Final = "Position"
    AFTER: Final = "After"
    """The construct path of the job before it in its lane."""


class Attribute:
    """The attributes (``Fn::GetAtt``) of a job's resource and of each wait extension."""

    JOB_ARN: Final = "JobArn"
    JOB_NAME: Final = "JobName"
    STATUS: Final = "Status"
    OUTPUT_PATH: Final = "OutputPath"
    """The run folder, ``<output prefix><job name>/``."""
    INPUT_RECORD_COUNT: Final = "InputRecordCount"
    RECORD_COUNT: Final = "RecordCount"
    ERROR_COUNT: Final = "ErrorCount"


COUNT_ATTRIBUTES: Final = (Attribute.INPUT_RECORD_COUNT, Attribute.RECORD_COUNT, Attribute.ERROR_COUNT)
"""The results check's counts, handed from each resource of a wait chain to the next as properties
of the same names."""

_WAIT_PROPERTIES: Final = frozenset(
    {Property.TIMEOUT_SECONDS, Property.TOTAL_TIMEOUT_SECONDS, Property.ON_TIMEOUT, Property.POLL_INTERVAL_SECONDS}
)
_CHECK_PROPERTIES: Final = frozenset({Property.INPUT_PATH, Property.MAX_ERROR_RATE, Property.CONSTRUCT_PATH})
"""What a resource needs to check a run's results and report its end."""
START_PROPERTIES: Final = (
    Property.SOLUTION_VERSION_ARN,
    Property.INPUT_PATH,
    Property.ROLE_ARN,
    Property.NUM_RESULTS,
    Property.FILTER_ARN,
    Property.KMS_KEY_ARN,
    Property.JOB_TAGS,
    Property.ITEM_EXPLORATION_CONFIG,
    Property.RANKING_INFLUENCE,
    Property.JOB_MODE,
    Property.THEME_ITEM_NAME_FIELD,
)
"""The request's properties every wait extension carries too, so that it can start a job
Personalize has not accepted yet: its name comes from the job's ARN, its folder from OutputPath."""
PROPERTIES_UPDATED_IN_PLACE: Final = frozenset(
    {
        *_WAIT_PROPERTIES,
        Property.WAIT,
        Property.JOB_TAGS,
        Property.MAX_ERROR_RATE,
        Property.CONSTRUCT_PATH,
        Property.QUEUE,
    }
)
"""Changing these changes how the deploy waits or how the job is labelled, not what it computes:
an Update of only these starts no job. ``ServiceToken`` is CloudFormation's, never the job's."""
_JOB_PROPERTIES: Final = frozenset(
    {
        *_WAIT_PROPERTIES,
        *_CHECK_PROPERTIES,
        Property.JOB_NAME_PREFIX,
        Property.SOLUTION_VERSION_ARN,
        Property.OUTPUT_PATH,
        Property.ROLE_ARN,
        Property.NUM_RESULTS,
        Property.FILTER_ARN,
        Property.KMS_KEY_ARN,
        Property.JOB_TAGS,
        Property.INPUT_VERSION,
        Property.WAIT,
        Property.QUEUE,
    }
)
PROPERTIES_READ: Final = {
    BATCH_INFERENCE.resource_type: _JOB_PROPERTIES
    | {
        Property.ITEM_EXPLORATION_CONFIG,
        Property.RANKING_INFLUENCE,
        Property.JOB_MODE,
        Property.THEME_ITEM_NAME_FIELD,
    },
    BATCH_SEGMENT.resource_type: _JOB_PROPERTIES,
    WAIT_RESOURCE_TYPE: frozenset(
        {
            *_WAIT_PROPERTIES,
            *_CHECK_PROPERTIES,
            *COUNT_ATTRIBUTES,
            Property.JOB_ARN,
            Property.JOB_STATUS,
            Property.OUTPUT_PATH,
            Property.EXTENSION,
            *START_PROPERTIES,
        }
    ),
    INPUT_COPY_RESOURCE_TYPE: frozenset({Property.SOURCE_BUCKET, Property.FILES, Property.BUCKET, Property.PREFIX}),
}
"""The properties the handler reads, by resource type (besides CloudFormation's ``ServiceToken``)."""

SERVICE_TIMEOUT_SECONDS: Final = 3600
"""CloudFormation waits at most an hour for one custom resource (``ServiceTimeout``, the
Provider's ``total_timeout``)."""
LAST_CHECK_MARGIN_SECONDS: Final = 120
"""How much earlier than CloudFormation's hour a resource gives up on a job: CloudFormation's
clock starts before the handler's, and the handler's message names the job where
CloudFormation's generic "timed out" does not."""
SHARE_SECONDS: Final = SERVICE_TIMEOUT_SECONDS - LAST_CHECK_MARGIN_SECONDS
"""One resource's share of a long wait."""
MAX_WAIT_SECONDS: Final = 12 * 3600
"""The longest wait, CloudFormation's own limit for a WaitCondition: the job's resource and 12
wait extensions."""
ON_TIMEOUT_FAIL: Final = "Fail"
ON_TIMEOUT_CONTINUE: Final = "Continue"
"""A share that ends with the job still running completes its resource: the next extension waits on."""
QUERY_INTERVAL_VARIABLE: Final = "PROVIDER_QUERY_INTERVAL_SECONDS"
"""The handler's environment variable holding the Provider's ``query_interval`` in seconds."""
DEFAULT_QUERY_INTERVAL_SECONDS: Final = 10

PROGRESS_OBJECT_NAME: Final = "_results_check.json"
"""The results check's progress and verdict, in each run folder."""
MANIFEST_NAME: Final = "manifest.json"
"""The manifest's key under the output prefix: the latest run that passed its check."""
EVENT_SOURCE: Final = "personalize-batch-constructs"
"""The ``source`` of every completion event."""
SUCCEEDED_DETAIL_TYPE: Final = "Personalize Batch Job Succeeded"
FAILED_DETAIL_TYPE: Final = "Personalize Batch Job Failed"
