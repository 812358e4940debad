"""The stacks the lifecycle scenarios deploy, beside the example app itself: each one twice, once
with batch inference jobs and once with batch segment jobs (stack names prefixed "Segment").

Kept free of pytest so the demo and the tests synthesize the very same stacks.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_kms as kms  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402
from aws_cdk import aws_scheduler as scheduler  # noqa: E402

from personalize_batch_constructs import (  # noqa: E402
    BatchInferenceJob,
    BatchInput,
    BatchJob,
    BatchOutput,
    BatchSegmentJob,
)
from personalize_batch_constructs.shared_grants import MAX_EXACT_RESOURCES  # noqa: E402

from .local_aws import SEGMENTATION_VERSION_ARN, SOLUTION_VERSION_ARN  # noqa: E402

TEAM_DATA_BUCKET = "team-data"
TEAM_RESULTS_BUCKET = "team-results"
TEAM_RESULTS_PREFIX = "personalize/nightly/"
SIX = 6
SEVEN = 7
TWELVE = 12
QUEUE_TIMEOUTS = {"TwelveLong": cdk.Duration.hours(3), "SevenJobs": cdk.Duration.hours(4)}
"""The timeouts of the queue stacks' jobs (see _add_queue_stacks)."""
FIVE = 5
SHARED_BUCKETS_STACK = "SharedBuckets"
SHARED_BUCKET_JOBS = MAX_EXACT_RESOURCES + 1
"""The SharedBuckets stack's jobs: one more than a policy names exactly, so its buckets' policies
and its shared role name the jobs' objects by one pattern each."""
FOLDER_STACK = "FolderInput"
TOKEN_FOLDER_STACK = "TokenFolderInput"
"""The folder input uploaded to a key prefix that a parameter gives (default `TOKEN_FOLDER_PREFIX`)."""
TOKEN_FOLDER_PREFIX = "in/daily/"
FOLDER_FILES = {
    "part-1.json": ('{"userId": "1"}',),
    "part-2.json": ('{"userId": "2"}',),
    "part-3.json": ('{"userId": "3"}',),
}
CHANGED_FOLDER_FILES = {"part-1.json": ('{"userId": "1"}',), "part-2.json": ('{"userId": "20"}', '{"userId": "21"}')}
"""The FolderInput stack's folder in the "changed" variant: part-2 changed, part-3 removed."""
TAGS = {"team": "growth"}
CHANGED_TAGS = {"team": "ranking", "cost-center": "42"}
RUN_NAME_PARAMETER = "RunName"
"""The long-wait stacks' parameter feeding job_name_prefix: a new value replaces the job at deploy
time with the very same template."""
LONG_WAIT_TIMEOUT = cdk.Duration.hours(4)
"""The LongWait stacks' timeout: the job's resource and four wait extensions (3 x 58 min + 8 min)."""
CHECKED_MAX_ERROR_RATE = 0.5
"""The Checked stacks' max_error_rate: one failed record of three passes, two fail the deploy."""
TWO_HOUR_TIMEOUT = cdk.Duration.hours(2)
"""The TwoHourWait stacks' timeout: the job's resource and two wait extensions (58 + 58 + 4 min)."""


@dataclass(frozen=True)
class ScenarioKind:
    """One kind of batch job, and what its scenarios feed it and read back."""

    name: str
    stack_prefix: str
    job_class: type[BatchJob]
    api_name: str
    """As in the API's operation names: "BatchInferenceJob"."""
    solution_version_arn: str
    input_name: str
    records: tuple[str, ...]
    changed_records: tuple[str, ...]
    """The InputChange stack's input in the "changed" variant."""
    output_field: str

    def stack(self, name: str) -> str:
        return self.stack_prefix + name

    @property
    def create_operation(self) -> str:
        return f"Create{self.api_name}"

    @property
    def describe_operation(self) -> str:
        return f"Describe{self.api_name}"

    @property
    def arn_resource_type(self) -> str:
        """What the emulator calls the kind: "batch-inference-job"."""
        return re.sub(r"(?<!^)([A-Z])", r"-\1", self.api_name).lower()

    @property
    def noun(self) -> str:
        """How the handler's messages name a job: "Batch inference job"."""
        return self.arn_resource_type.replace("-", " ").capitalize()

    @property
    def team_input_key(self) -> str:
        return f"incoming/2026-11/{self.input_name}"

    @property
    def team_results_prefix(self) -> str:
        """Each kind's folder in the team's results bucket: jobs of one app never share one."""
        return f"{TEAM_RESULTS_PREFIX}{self.name}/"

    @property
    def empty_input_key(self) -> str:
        return f"empty/{self.input_name}"


INFERENCE = ScenarioKind(
    name="inference",
    stack_prefix="",
    job_class=BatchInferenceJob,
    api_name="BatchInferenceJob",
    solution_version_arn=SOLUTION_VERSION_ARN,
    input_name="users.json",
    records=('{"userId": "4638"}', '{"userId": "663"}', '{"userId": "94"}'),
    changed_records=('{"userId": "4638"}', '{"userId": "2001"}'),
    output_field="recommendedItems",
)
SEGMENT = ScenarioKind(
    name="segment",
    stack_prefix="Segment",
    job_class=BatchSegmentJob,
    api_name="BatchSegmentJob",
    solution_version_arn=SEGMENTATION_VERSION_ARN,
    input_name="items.json",
    records=('{"itemId": "105"}', '{"itemId": "27"}', '{"itemId": "886"}'),
    changed_records=('{"itemId": "105"}', '{"itemId": "42"}'),
    output_field="recommendedUsers",
)
KINDS = (INFERENCE, SEGMENT)


def synth_scenarios(outdir: Path, inputs_dir: Path, *, changed: bool = False) -> None:
    """Synthesize every scenario stack into `outdir`; `changed` gives the InputChange stacks
    their changed input and the KmsKey stacks other tags."""
    app = cdk.App(outdir=str(outdir))
    for kind in KINDS:
        _add_stacks(app, kind, inputs_dir / kind.name, changed)
        if not changed:
            _add_long_wait_stacks(app, kind, inputs_dir / kind.name / kind.input_name)
            _add_checked_stack(app, kind, inputs_dir / kind.name / kind.input_name)
            _add_queue_stacks(app, kind, inputs_dir / kind.name / kind.input_name)
            _add_scheduled_stack(app, kind, inputs_dir / kind.name / kind.input_name)
    if not changed:
        _add_shared_buckets_stack(app, INFERENCE, inputs_dir / INFERENCE.name / INFERENCE.input_name)
    folder = inputs_dir / "folder"
    for name, lines in (CHANGED_FOLDER_FILES if changed else FOLDER_FILES).items():
        _write(folder / name, lines)
    INFERENCE.job_class(
        cdk.Stack(app, FOLDER_STACK),
        "Nightly",
        solution_version_arn=INFERENCE.solution_version_arn,
        input=BatchInput.from_asset(str(folder)),
    )
    if not changed:
        stack = cdk.Stack(app, TOKEN_FOLDER_STACK)
        prefix = cdk.CfnParameter(stack, "InputPrefix", default=TOKEN_FOLDER_PREFIX).value_as_string
        INFERENCE.job_class(
            stack,
            "Nightly",
            solution_version_arn=INFERENCE.solution_version_arn,
            input=BatchInput.from_asset(str(folder), bucket=s3.Bucket(stack, "Inputs"), key_prefix=prefix),
        )
    # Five jobs of each kind in one stack: each kind fills its own quota, none waits.
    stack = cdk.Stack(app, "FiveOfEach")
    for kind in KINDS:
        records_file = inputs_dir / kind.name / kind.input_name
        for number in range(1, FIVE + 1):
            kind.job_class(
                stack,
                f"{kind.name.title()}{number}",
                solution_version_arn=kind.solution_version_arn,
                input=BatchInput.from_asset(str(records_file)),
            )
    app.synth()


def _add_stacks(app: cdk.App, kind: ScenarioKind, inputs_dir: Path, changed: bool) -> None:
    records_file = _write(inputs_dir / kind.input_name, kind.records)
    changing_file = _write(inputs_dir / "changing" / kind.input_name, kind.changed_records if changed else kind.records)

    def job(stack: cdk.Stack, construct_id: str, job_input: BatchInput, **props) -> BatchJob:
        return kind.job_class(
            stack, construct_id, solution_version_arn=kind.solution_version_arn, input=job_input, **props
        )

    job(cdk.Stack(app, kind.stack("InputChange")), "Nightly", BatchInput.from_asset(str(changing_file)))

    stack = cdk.Stack(app, kind.stack("SixJobs"))
    for number in range(1, SIX + 1):
        job(stack, f"Job{number}", BatchInput.from_asset(str(records_file)))

    stack = cdk.Stack(app, kind.stack("ExternalBuckets"))
    team_data = s3.Bucket.from_bucket_name(stack, "TeamData", TEAM_DATA_BUCKET)
    team_results = s3.Bucket.from_bucket_name(stack, "TeamResults", TEAM_RESULTS_BUCKET)
    job(
        stack,
        "Nightly",
        BatchInput.from_bucket(team_data, kind.team_input_key),
        output=BatchOutput.to_bucket(team_results, kind.team_results_prefix),
        num_results=5,
    )

    stack = cdk.Stack(app, kind.stack("KmsKey"))
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    job(
        stack,
        "Nightly",
        BatchInput.from_asset(str(records_file)),
        encryption_key=key,
        tags=CHANGED_TAGS if changed else TAGS,
    )

    # A local empty file is refused at synth; one in S3 is found only by the handler's pre-check.
    stack = cdk.Stack(app, kind.stack("EmptyInput"))
    job(
        stack,
        "Nightly",
        BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "TeamData", TEAM_DATA_BUCKET), kind.empty_input_key),
    )


def _add_long_wait_stacks(app: cdk.App, kind: ScenarioKind, records_file: Path) -> None:
    """One job per stack, named from the RunName parameter, with JobArn and Results outputs."""
    for name, props in (
        ("LongWait", {"timeout": LONG_WAIT_TIMEOUT}),
        ("TwoHourWait", {"timeout": TWO_HOUR_TIMEOUT}),
        ("NoWait", {"wait": False}),
    ):
        stack, job = _run_named_job(app, kind, name, records_file, **props)
        cdk.CfnOutput(stack, "JobArn", value=job.job_arn)
        cdk.CfnOutput(stack, "Results", value=job.output_s3_uri)


def _add_checked_stack(app: cdk.App, kind: ScenarioKind, records_file: Path) -> None:
    """One job named from the RunName parameter, tolerating some failed records, with rules on
    its completion events and its counts as outputs."""
    stack, job = _run_named_job(app, kind, "Checked", records_file, max_error_rate=CHECKED_MAX_ERROR_RATE)
    job.on_completed("Completed")
    job.on_failed("Failed")
    cdk.CfnOutput(stack, "JobArn", value=job.job_arn)
    cdk.CfnOutput(stack, "Results", value=job.output_s3_uri)
    cdk.CfnOutput(stack, "Records", value=job.record_count)
    cdk.CfnOutput(stack, "Errors", value=job.error_count)


def _add_queue_stacks(app: cdk.App, kind: ScenarioKind, records_file: Path) -> None:
    """Many jobs of one kind in one stack, all on one input file: TwelveLong (12 jobs, timeout 3 h
    each) and SevenJobs (7 jobs, timeout 4 h: long enough to wait for slots taken outside)."""
    for name, count, timeout in (
        ("TwelveLong", TWELVE, QUEUE_TIMEOUTS["TwelveLong"]),
        ("SevenJobs", SEVEN, QUEUE_TIMEOUTS["SevenJobs"]),
    ):
        stack = cdk.Stack(app, kind.stack(name))
        for number in range(1, count + 1):
            kind.job_class(
                stack,
                f"Job{number}",
                solution_version_arn=kind.solution_version_arn,
                input=BatchInput.from_asset(str(records_file)),
                timeout=timeout,
            )


def _add_shared_buckets_stack(app: cdk.App, kind: ScenarioKind, records_file: Path) -> None:
    """SharedBuckets: `SHARED_BUCKET_JOBS` jobs of one kind with their inputs in one bucket, their
    results in another, and one role (one kind only: the policies are the same for both)."""
    stack = cdk.Stack(app, SHARED_BUCKETS_STACK)
    inputs = s3.Bucket(stack, "Inputs", enforce_ssl=True)
    results = s3.Bucket(stack, "Results", enforce_ssl=True)
    role = iam.Role(stack, "PersonalizeRole", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com"))
    for number in range(1, SHARED_BUCKET_JOBS + 1):
        kind.job_class(
            stack,
            f"Job{number}",
            solution_version_arn=kind.solution_version_arn,
            input=BatchInput.from_asset(str(records_file), bucket=inputs, key_prefix=f"in/{number}/"),
            output=BatchOutput.to_bucket(results, f"out/{number}/"),
            role=role,
        )


def _add_scheduled_stack(app: cdk.App, kind: ScenarioKind, records_file: Path) -> None:
    """The Checked stack's job, run again every night at 02:00 UTC."""
    stack, job = _run_named_job(
        app,
        kind,
        "Scheduled",
        records_file,
        max_error_rate=CHECKED_MAX_ERROR_RATE,
        schedule=scheduler.ScheduleExpression.cron(minute="0", hour="2"),
    )
    job.on_completed("Completed")
    job.on_failed("Failed")
    cdk.CfnOutput(stack, "JobArn", value=job.job_arn)
    cdk.CfnOutput(stack, "Results", value=job.output_s3_uri)


def _run_named_job(
    app: cdk.App, kind: ScenarioKind, name: str, records_file: Path, **props
) -> tuple[cdk.Stack, BatchJob]:
    """A stack with one job whose name prefix is the RunName parameter's value."""
    stack = cdk.Stack(app, kind.stack(name))
    run_name = cdk.CfnParameter(
        stack, RUN_NAME_PARAMETER, default="Nightly", allowed_pattern=r"[a-zA-Z0-9][a-zA-Z0-9\-_]*"
    )
    job = kind.job_class(
        stack,
        "Nightly",
        solution_version_arn=kind.solution_version_arn,
        input=BatchInput.from_asset(str(records_file)),
        job_name_prefix=run_name.value_as_string,
        **props,
    )
    return stack, job


def _write(path: Path, lines) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path
