"""A local Amazon Personalize batch emulator for lifecycle tests.

An HTTP server on loopback that speaks Personalize's JSON 1.1 protocol, so an unmodified boto3
`personalize` client reaches it through `endpoint_url` or `AWS_ENDPOINT_URL_PERSONALIZE`. It
serves CreateBatchInferenceJob, DescribeBatchInferenceJob, ListBatchInferenceJobs,
CreateBatchSegmentJob, DescribeBatchSegmentJob, ListBatchSegmentJobs, TagResource,
UntagResource and ListTagsForResource; checks every request, and every response it gives,
against the botocore service model; refuses a request (AccessDeniedException) that the caller's
role does not allow, when the caller signs with an assumed role's credentials as the handler
functions do (`caller_access`); runs jobs on a VirtualClock; checks the job's role, its
bucket policies and its input in IAM and S3 on a moto server when a job starts; and writes
deterministic results to S3 when it finishes. Batch segment jobs need a solution version of a
USER_SEGMENTATION recipe ("item-affinity", "item-attribute-affinity") and batch inference jobs
one of another recipe; each kind has its own concurrency quota (`peak_concurrency_of(kind)`
shows a kind's peak, `peak_concurrency` the peak of all kinds together).

    with PersonalizeEmulator(clock, aws_endpoint_url=moto_endpoint) as emulator:
        emulator.add_solution_version(solution_version_arn, recipe="user-personalization")
        personalize = boto3.client("personalize", endpoint_url=emulator.endpoint_url, ...)
        ...
        clock.advance(1500)
        assert emulator.internal_errors == []

Modules: `personalize_emulator` (the assembled emulator), `server` (HTTP and wire protocol),
`api_operations` (the operations), `model_validation` and `model_patterns` (the service model's
constraints), `batch_jobs` (job kinds, job store, states, quotas, names), `job_kinds` (batch
inference and batch segment jobs, as data), `job_execution` (what a job does at its
transitions), `job_output` (input and output files in S3), `recommendations` (deterministic
recipes), `role_access` and `policy_language` (IAM and bucket-policy checks), `caller_access`
(the caller's own IAM policies), `faults`
(injected failures: refused requests, failed or stalled jobs, failed records, short or missing
output), `api_errors`.

Where the real service's behaviour is unknown, the emulator guesses; each guess is marked
`# GUESS:` in the code:

- Constraint violations answer InvalidInputException (the service may say ValidationException),
  in the usual AWS wording "N validation errors detected: Value ... at 'path' failed to satisfy
  constraint: ..."; sensitive values (tags) are not echoed; unknown members are refused (the
  service may ignore them); an unreadable body answers SerializationException.
- Injected throttling answers 400 ThrottlingException (the service may use LimitExceededException).
- Create checks the solution version exists (else ResourceNotFoundException) and is of a recipe
  the kind takes (USER_SEGMENTATION for segment jobs only, else InvalidInputException naming the
  recipe), numResults is 1 to 500 (batch segment jobs: 1 to 5 million, as documented), theme
  mode has themeGenerationConfig and a Similar-Items solution version, and itemExplorationConfig
  is for User-Personalization only with valid keys and values. filterArn is accepted unchecked
  and not applied.
- Job names are unique per kind: a batch segment job may take a batch inference job's name.
- The LimitExceededException and ResourceNotFoundException messages' wording.
- Status strings PENDING and IN PROGRESS (other resources use CREATE PENDING / CREATE IN_PROGRESS).
- Role and input are checked when the job leaves PENDING; a failing job goes from PENDING
  straight to CREATE FAILED.
- Failure reasons imitate the service ("Access Denied: The role ... cannot s3:GetObject on ...",
  "Input data not found at s3://..."); the real wording is unverified.
- The role needs s3:ListBucket on the output bucket too (documented; effect unverified).
- A bucket with a policy must grant the service principal itself (a grant to the role's ARN
  does not count); a bucket without a policy leaves the decision to the role.
- A role ARN of another account, or with the wrong path, counts as a missing role.
- Input: a path without a trailing "/" is one file (the service may match it as a prefix);
  objects in sub-folders of an input folder are read too; http(s):// paths fail the job;
  the wording of the 1,000-file limit's failure.
- An output path without a trailing "/" still names a folder.
- A failed record's line is {"input": {...}, "output": {"recommendedItems": []}, "error": "User error: ..."}
  ("recommendedUsers" for segment jobs) as AWS re:Post quotes it; the error wording after "User error: ",
  and a line that is not JSON echoed as an "input" string, are guesses; ids must be non-empty JSON strings.
- Output naming: one `<input file name>.out` per input file directly in the output folder, also
  for a folder input whose files sit in sub-folders (only the single-file case is documented).
- An empty `_CHECK` marker object is written in the output folder after the `.out` files (the
  AWS Solution's run folders show one; its content and timing are unknown).
- A job whose injected fault fails records or writes fewer still ends ACTIVE (as the service
  does with failed lines); whether it can end ACTIVE with missing lines is unverified.
- Personalized-Ranking returns the whole itemList reordered, ignoring numResults.
- numResults defaults to 25 for batch segment jobs as for inference jobs; segment output has
  recommendedUsers only (no scores); an Item-Attribute-Affinity expression is any non-empty
  string, not parsed.
- Theme generation's "theme" is a fixed sentence about the item.
- Describe echoes only what the request set (no defaults filled in).
- The List operations return newest first; maxResults defaults to 100.
"""

from .batch_jobs import JobRecord, JobTimings
from .personalize_emulator import PersonalizeEmulator
from .server import RequestRecord

__all__ = ["JobRecord", "JobTimings", "PersonalizeEmulator", "RequestRecord"]
