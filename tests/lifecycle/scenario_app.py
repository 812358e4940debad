"""The stacks the lifecycle scenarios deploy, beside the example app itself.

Kept free of pytest so the demo and the tests synthesize the very same stacks.
"""

import os
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_kms as kms  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput  # noqa: E402

from .local_aws import SOLUTION_VERSION_ARN  # noqa: E402

USERS = ['{"userId": "4638"}', '{"userId": "663"}', '{"userId": "94"}']
TEAM_DATA_BUCKET = "team-data"
TEAM_INPUT_KEY = "incoming/2026-11/users.json"
TEAM_RESULTS_BUCKET = "team-results"
TEAM_RESULTS_PREFIX = "personalize/nightly/"
SIX = 6
TAGS = {"team": "growth"}


def synth_scenarios(outdir: Path, inputs_dir: Path, *, users: list[str] = USERS, tags: dict[str, str] = TAGS) -> None:
    """Synthesize every scenario stack into `outdir`.

    `users` is the input of the InputChange stack, `tags` the job tags of the KmsKey stack.
    """
    inputs_dir.mkdir(parents=True, exist_ok=True)
    users_file = _write(inputs_dir / "users.json", USERS)
    changing_file = _write(inputs_dir / "changing" / "users.json", users)
    empty_file = _write(inputs_dir / "empty" / "users.json", [])
    app = cdk.App(outdir=str(outdir))

    stack = cdk.Stack(app, "InputChange")
    BatchInferenceJob(stack, "Nightly", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(changing_file)))

    stack = cdk.Stack(app, "SixJobs")
    for number in range(1, SIX + 1):
        BatchInferenceJob(
            stack, f"Segment{number}", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(users_file))
        )

    stack = cdk.Stack(app, "ExternalBuckets")
    team_data = s3.Bucket.from_bucket_name(stack, "TeamData", TEAM_DATA_BUCKET)
    team_results = s3.Bucket.from_bucket_name(stack, "TeamResults", TEAM_RESULTS_BUCKET)
    BatchInferenceJob(
        stack,
        "Nightly",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(team_data, TEAM_INPUT_KEY),
        output=BatchOutput.to_bucket(team_results, TEAM_RESULTS_PREFIX),
        num_results=5,
    )

    stack = cdk.Stack(app, "KmsKey")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    BatchInferenceJob(
        stack, "Nightly", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(users_file)), encryption_key=key,
        tags=tags,
    )

    stack = cdk.Stack(app, "EmptyInput")
    BatchInferenceJob(stack, "Nightly", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(empty_file)))

    app.synth()


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path
