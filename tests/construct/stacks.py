"""The apps the template tests synthesize: a few stacks that cover many props at once.

Kept free of pytest so the determinism test can build the very same app in a fresh process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_events_targets as targets  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_kms as kms  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402
from aws_cdk import aws_scheduler as scheduler  # noqa: E402
from aws_cdk import aws_sqs as sqs  # noqa: E402

from personalize_batch_constructs import (  # noqa: E402
    MAX_CONCURRENT_JOBS_CONTEXT_KEY,  # noqa: E402
    BatchInferenceJob,
    BatchInferenceJobMode,
    BatchInput,
    BatchJob,
    BatchOutput,
    BatchSegmentJob,
)

SOLUTION_VERSION_ARN = "arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c"
SEGMENTATION_VERSION_ARN = "arn:aws:personalize:us-east-1:111122223333:solution/audiences/4d5e6f"
SOLUTION_VERSION_ARN_WITH_VERSION = "arn:aws:personalize:us-east-1:111122223333:solution/movies/version/9z8y7x"
FILTER_ARN = "arn:aws:personalize:us-east-1:111122223333:filter/no-watched"
IMPORTED_ROLE_ARN = "arn:aws:iam::111122223333:role/personalize-batch"
IMPORTED_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EXTERNAL_BUCKET = "external-input-bucket"
LONG_ID = "Weekly recommendations, all users of the mobile app (v2)"
TWENTY = 20
TWO_LANE_JOBS = (
    ("Long", BatchInferenceJob, {"timeout": cdk.Duration.hours(3)}),
    ("Short", BatchInferenceJob, {"timeout": cdk.Duration.minutes(30)}),
    ("Audience", BatchSegmentJob, {}),
    ("Third", BatchInferenceJob, {}),
    ("Fourth", BatchInferenceJob, {"wait": False}),
    ("Fifth", BatchInferenceJob, {}),
)
"""The TwoLanes stack's jobs in order: (construct id, class, props)."""


@dataclass(frozen=True)
class Inputs:
    """Local JSON Lines input: one file (users.json) and one folder of two files."""

    file: Path
    folder: Path


def write_inputs(root: Path) -> Inputs:
    file = root / "users.json"
    file.write_text('{"userId": "4638"}\n{"userId": "663"}\n')
    folder = root / "items"
    folder.mkdir()
    (folder / "part-1.json").write_text('{"itemId": "105"}\n')
    (folder / "part-2.json").write_text('{"itemId": "27"}\n')
    return Inputs(file=file, folder=folder)


@dataclass
class Built:
    app: cdk.App
    stacks: dict[str, cdk.Stack] = field(default_factory=dict)
    jobs: dict[str, BatchJob] = field(default_factory=dict)
    constructs: dict[str, object] = field(default_factory=dict)


def _lambda_role(scope, construct_id: str) -> iam.Role:
    return iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def build_app(outdir: Path, inputs: Inputs) -> Built:
    """Every stack the template tests read; ids are stable so templates can be compared byte for byte."""
    built = Built(app=cdk.App(outdir=str(outdir)))
    app = built.app

    # Every default: one job, one file asset, new buckets, new role.
    stack = built.stacks["Defaults"] = cdk.Stack(app, "Defaults")
    job = built.jobs["defaults"] = BatchInferenceJob(
        stack, "Nightly", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(inputs.file))
    )
    reader = built.constructs["defaults_reader"] = _lambda_role(stack, "Reader")
    job.grant_read_results(reader)
    cdk.CfnOutput(stack, "JobArn", value=job.job_arn)

    # Every optional prop, a key and access logs in the app; a second job in theme mode.
    stack = built.stacks["Full"] = cdk.Stack(app, "Full")
    key = built.constructs["key"] = kms.Key(stack, "Key", enable_key_rotation=True)
    access_logs = built.constructs["access_logs"] = s3.Bucket(stack, "AccessLogs")
    results = built.constructs["results"] = s3.Bucket(stack, "Results")
    job = built.jobs["full"] = BatchInferenceJob(
        stack,
        "Full",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.file)),
        num_results=50,
        filter_arn=FILTER_ARN,
        exploration_weight=0.3,
        exploration_item_age_cut_off=30,
        ranking_influence={"POPULARITY": 0.3, "FRESHNESS": 0.5},
        job_name_prefix="full_run-1",
        encryption_key=key,
        tags={"team": "recs", "cost-center": "42"},
        timeout=cdk.Duration.minutes(30),
        poll_interval=cdk.Duration.seconds(45),
        output_removal_policy=cdk.RemovalPolicy.DESTROY,
        server_access_logs_bucket=access_logs,
        max_error_rate=0.05,
    )
    reader = built.constructs["full_reader"] = _lambda_role(stack, "Reader")
    job.grant_read_results(reader)
    queue = built.constructs["runs_queue"] = sqs.Queue(stack, "Runs", enforce_ssl=True)
    built.constructs["completed_rule"] = job.on_completed("Completed", target=targets.SqsQueue(queue))
    built.constructs["failed_rule"] = job.on_failed("Failed", description="Full's failed runs")
    cdk.CfnOutput(stack, "Records", value=job.record_count)
    cdk.CfnOutput(stack, "Errors", value=job.error_count)
    built.jobs["theme"] = BatchInferenceJob(
        stack,
        "Theme",
        solution_version_arn=SOLUTION_VERSION_ARN_WITH_VERSION,
        input=BatchInput.from_asset(str(inputs.folder)),
        output=BatchOutput.to_bucket(results, "themes/"),
        mode=BatchInferenceJobMode.THEME_GENERATION,
        theme_item_name_field="title",
        num_results=25.0,  # a whole float is a valid whole number
    )

    # Bring your own buckets, roles and key.
    stack = built.stacks["Byo"] = cdk.Stack(app, "Byo")
    data = built.constructs["data"] = s3.Bucket(stack, "Data")
    external = s3.Bucket.from_bucket_name(stack, "External", EXTERNAL_BUCKET)
    imported_role = built.constructs["imported_role"] = iam.Role.from_role_arn(stack, "ImportedRole", IMPORTED_ROLE_ARN)
    imported_key = kms.Key.from_key_arn(stack, "ImportedKey", IMPORTED_KEY_ARN)
    my_role = built.constructs["my_role"] = iam.Role(
        stack, "MyRole", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com")
    )
    from_object = built.jobs["from_object"] = BatchInferenceJob(
        stack,
        "FromObject",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(data, "users/users.json"),
        output=BatchOutput.to_bucket(data, "out/"),
        role=imported_role,
        encryption_key=imported_key,
    )
    # The job encrypts its results with the key although the given output bucket has none.
    from_object.grant_read_results(built.constructs.setdefault("byo_reader", _lambda_role(stack, "Reader")))
    built.jobs["from_folder"] = BatchInferenceJob(
        stack,
        LONG_ID,
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(external, "batch/"),
        output=BatchOutput.to_bucket(data),
        role=my_role,
    )
    built.jobs["asset_to_mine"] = BatchInferenceJob(
        stack,
        "AssetToMine",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.file), bucket=data, key_prefix="uploads/"),
        output=BatchOutput.to_bucket(data, "out2/"),
        role=my_role,
    )
    built.jobs["asset_default_prefix"] = BatchInferenceJob(
        stack,
        "AssetDefaultPrefix",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.folder), bucket=data),
        output=BatchOutput.to_bucket(data, "out3/"),
        role=my_role,
    )

    # Twenty jobs: still one provider.
    stack = built.stacks["Twenty"] = cdk.Stack(app, "Twenty")
    for index in range(TWENTY):
        built.jobs[f"twenty_{index}"] = BatchInferenceJob(
            stack,
            f"Job{index:02d}",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_asset(str(inputs.file)),
        )

    # Segment jobs: one with every default, alone in its stack.
    stack = built.stacks["Segments"] = cdk.Stack(app, "Segments")
    job = built.jobs["segments"] = BatchSegmentJob(
        stack,
        "Audience",
        solution_version_arn=SEGMENTATION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.folder)),
    )
    job.grant_read_results(built.constructs.setdefault("segments_reader", _lambda_role(stack, "Reader")))

    # Both kinds in one stack, the segment job with every shared optional prop.
    stack = built.stacks["Mixed"] = cdk.Stack(app, "Mixed")
    mixed_key = built.constructs["mixed_key"] = kms.Key(stack, "Key", enable_key_rotation=True)
    built.jobs["mixed_inference"] = BatchInferenceJob(
        stack,
        "Recommendations",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.file)),
    )
    built.jobs["mixed_segment"] = BatchSegmentJob(
        stack,
        "Audience",
        solution_version_arn=SEGMENTATION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.folder)),
        output=BatchOutput.to_bucket(s3.Bucket(stack, "Audiences"), "segments/"),
        num_results=2000,
        filter_arn=FILTER_ARN,
        job_name_prefix="audience",
        encryption_key=mixed_key,
        tags={"team": "crm"},
        timeout=cdk.Duration.minutes(45),
        poll_interval=cdk.Duration.seconds(30),
        max_error_rate=0,
    )
    built.constructs["segment_failed_rule"] = built.jobs["mixed_segment"].on_failed("Failed")

    # Tokens pass synth unvalidated: the handler checks them at deploy time.
    stack = built.stacks["Tokens"] = cdk.Stack(app, "Tokens")
    built.jobs["tokens"] = BatchInferenceJob(
        stack,
        "Job",
        solution_version_arn=cdk.CfnParameter(stack, "SolutionVersionArn").value_as_string,
        job_name_prefix=cdk.CfnParameter(stack, "JobNamePrefix").value_as_string,
        num_results=cdk.CfnParameter(stack, "NumResults", type="Number").value_as_number,
        exploration_weight=cdk.CfnParameter(stack, "ExplorationWeight", type="Number").value_as_number,
        input=BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "token-input-bucket"), "users.json"),
    )

    # Waits past the hour in wait extensions, a wait just within it, and wait=False.
    stack = built.stacks["Waits"] = cdk.Stack(app, "Waits")
    for name, construct_id, job_class, props in (
        ("almost_hour", "AlmostHour", BatchInferenceJob, {"timeout": cdk.Duration.seconds(3500)}),
        ("hour_and_second", "HourAndSecond", BatchInferenceJob, {"timeout": cdk.Duration.seconds(3601)}),
        (
            "three_hours",
            "ThreeHours",
            BatchInferenceJob,
            {"timeout": cdk.Duration.hours(3), "poll_interval": cdk.Duration.minutes(5)},
        ),
        ("twelve_hours", "TwelveHours", BatchInferenceJob, {"timeout": cdk.Duration.hours(12)}),
        ("long_segment", "LongAudience", BatchSegmentJob, {"timeout": cdk.Duration.minutes(150)}),
        ("no_wait", "NoWait", BatchInferenceJob, {"wait": False, "timeout": cdk.Duration.hours(1)}),
    ):
        version = SEGMENTATION_VERSION_ARN if job_class is BatchSegmentJob else SOLUTION_VERSION_ARN
        built.jobs[name] = job_class(
            stack, construct_id, solution_version_arn=version, input=BatchInput.from_asset(str(inputs.file)), **props
        )
    # The output bucket's versions: kept a week, or not at all.
    stack = built.stacks["Versions"] = cdk.Stack(app, "Versions")
    built.jobs["week_of_versions"] = BatchInferenceJob(
        stack,
        "WeekOfVersions",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.file)),
        output_noncurrent_version_expiration=cdk.Duration.days(7),
    )
    built.jobs["unversioned"] = BatchSegmentJob(
        stack,
        "Unversioned",
        solution_version_arn=SEGMENTATION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.folder)),
        output_versioned=False,
    )

    # The stack's own setting: two lanes per kind, jobs of unequal timeouts, and both kinds.
    stack = built.stacks["TwoLanes"] = cdk.Stack(app, "TwoLanes")
    stack.node.set_context(MAX_CONCURRENT_JOBS_CONTEXT_KEY, 2)
    bucket = s3.Bucket(stack, "Data")
    for name, job_class, props in TWO_LANE_JOBS:
        version = SEGMENTATION_VERSION_ARN if job_class is BatchSegmentJob else SOLUTION_VERSION_ARN
        built.jobs[f"lanes_{name}"] = job_class(
            stack,
            name,
            solution_version_arn=version,
            input=BatchInput.from_bucket(bucket, f"in/{name}.json"),
            output=BatchOutput.to_bucket(bucket, f"out/{name}/"),
            **props,
        )

    # Scheduled runs: two scheduled jobs (one of each kind, one disabled, one past the hour) share one
    # state machine; a third job has no schedule.
    stack = built.stacks["Scheduled"] = cdk.Stack(app, "Scheduled")
    built.jobs["scheduled_nightly"] = job = BatchInferenceJob(
        stack,
        "Nightly",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.file)),
        schedule=scheduler.ScheduleExpression.cron(minute="30", hour="2", time_zone=cdk.TimeZone.EUROPE_BERLIN),
        timeout=cdk.Duration.hours(3),
        max_error_rate=0.05,
        tags={"team": "recs"},
    )
    built.constructs["scheduled_completed_rule"] = job.on_completed("Completed")
    built.jobs["scheduled_weekly"] = BatchSegmentJob(
        stack,
        "Weekly",
        solution_version_arn=SEGMENTATION_VERSION_ARN,
        input=BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "Audiences", EXTERNAL_BUCKET), "items/"),
        schedule=scheduler.ScheduleExpression.rate(cdk.Duration.days(7)),
        schedule_enabled=False,
        poll_interval=cdk.Duration.minutes(5),
    )
    built.jobs["scheduled_none"] = BatchInferenceJob(
        stack, "OnDeployOnly", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(inputs.file))
    )

    # A scheduled job with a key: the scheduled runs' log group is encrypted with it too.
    stack = built.stacks["ScheduledKeyed"] = cdk.Stack(app, "ScheduledKeyed")
    key = built.constructs["scheduled_key"] = kms.Key(stack, "Key", enable_key_rotation=True)
    BatchSegmentJob(
        stack,
        "Weekly",
        solution_version_arn=SEGMENTATION_VERSION_ARN,
        input=BatchInput.from_asset(str(inputs.file)),
        encryption_key=key,
        schedule=scheduler.ScheduleExpression.rate(cdk.Duration.days(7)),
    )
    return built


if __name__ == "__main__":
    # python -m construct.stacks <outdir> <file> <folder>: the same app, synthesized in a fresh process.
    import sys

    out, file, folder = (Path(arg) for arg in sys.argv[1:4])
    build_app(out, Inputs(file=file, folder=folder)).app.synth()
