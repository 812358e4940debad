"""What both integration tests share: the app, the stack with one job on a shipped input, and
the assertions integ-runner checks in a real account after the deploy.

Not an ``integ_*.py`` file, so integ-runner does not take it for a test: each integ file runs as a
script (``python integ_x.py``, from integ-runner's own working directory), which puts this folder
first on ``sys.path``, and paths are made absolute from this file.
"""

import json
import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.integ_tests_alpha import ExpectedResult, IntegTest, Match

from personalize_batch_constructs import BatchInput, BatchJob

EXAMPLE_INPUT = Path(__file__).resolve().parents[2] / "example_input"
"""The example app's input, small enough for a job of the fixed ~25 minutes."""
RESULTS_PREFIX = "results/"
"""The output prefix of a job that gets a new output bucket (the construct's default)."""
INTEG_RUNNER_SCHEMA = "53.0.0"
"""The newest cloud assembly schema the pinned integ-runner reads (2.197.10, the newest published:
it refuses aws-cdk-lib 2.275's 55.0.0 with "Cloud assembly schema version mismatch")."""
_RELABELLED_MAJORS = {"55"}
"""Schema majors checked to differ from 53 only in what ``_USES_PAST_53`` finds: the cloud assembly
and asset manifest schemas of 53.28.0 and 55.0.0 are identical; the integ manifest's gained
``allowDeleteFailures`` (54) and the ``requireApproval`` value ``destructive`` (55)."""
JOB_TIMEOUT = cdk.Duration.hours(2)
"""Past the hour a small job needs, so a job queued behind others still finishes; the second
hour runs in a wait extension, which the real account exercises too."""


def solution_version_arn(variable: str, dummy: str) -> str:
    """The solution version from the environment variable ``variable``, or ``dummy`` (the one the
    committed snapshot has: synth needs no account, a deploy with it fails)."""
    return os.environ.get(variable) or dummy


def synth_integ_test(job_type: type[BatchJob], *, stack_name: str, input_file: str, arn: str, **job_props: Any) -> None:
    """Synthesizes one integ test: a stack with a ``job_type`` job on ``example_input/<input_file>``
    (its kind's own ``job_props`` added) and, in a deploy stack after it, the assertions on what
    the job left."""
    app = cdk.App()
    stack = cdk.Stack(app, stack_name)
    input_path = EXAMPLE_INPUT / input_file
    job = job_type(
        stack,
        "Job",
        solution_version_arn=arn,
        input=BatchInput.from_asset(str(input_path)),
        timeout=JOB_TIMEOUT,
        # integ-runner destroys the stack after the test: the results go with it.
        output_removal_policy=cdk.RemovalPolicy.DESTROY,
        **job_props,
    )
    integ = IntegTest(
        app,
        f"{stack_name}Test",
        test_cases=[stack],
        # The committed snapshot has a dummy solution version: deploying it first, as the update
        # workflow does, would fail.
        stack_update_workflow=False,
    )
    # The construct classes are named as the API's resources: BatchInferenceJob is described by
    # DescribeBatchInferenceJob, whose response holds batchInferenceJob.batchInferenceJobArn.
    resource = job_type.__name__[0].lower() + job_type.__name__[1:]
    _assert_job_results(integ, job, input_path, describe_api=f"describe{job_type.__name__}", job_key=resource)
    _label_for_integ_runner(Path(app.synth().directory))


def _label_for_integ_runner(assembly_dir: Path) -> None:
    """Labels the assembly's manifests with ``INTEG_RUNNER_SCHEMA``, so the pinned integ-runner reads
    them; refuses a schema major not checked against it, or an integ manifest that uses what 53 lacks.

    Remove once an integ-runner that reads schema 55 is published: the label changes no content.
    """
    manifests = [assembly_dir / "manifest.json", assembly_dir / "integ.json", *assembly_dir.glob("*.assets.json")]
    for manifest_path in manifests:
        manifest = json.loads(manifest_path.read_text())
        if manifest["version"].split(".")[0] not in _RELABELLED_MAJORS:
            raise RuntimeError(
                f"{manifest_path.name} has cloud assembly schema {manifest['version']}, which the pinned "
                f"integ-runner cannot read and nobody checked against {INTEG_RUNNER_SCHEMA}: compare the schemas "
                "(@aws-cdk/cloud-assembly-schema's schema/*.json) and extend _RELABELLED_MAJORS, "
                "or pin a newer integ-runner"
            )
        uses = _uses_past_53(manifest) if manifest_path.name == "integ.json" else []
        if uses:
            raise RuntimeError(f"integ.json uses {', '.join(uses)}, which cloud assembly schema 53 lacks")
        manifest["version"] = INTEG_RUNNER_SCHEMA
        manifest_path.write_text(json.dumps(manifest, indent=2))


def _uses_past_53(integ_manifest: dict[str, Any]) -> list[str]:
    """What of schema 54 and 55 an integ manifest uses: ``allowDeleteFailures`` in a test case, or
    ``requireApproval: destructive`` in a test case's deploy options."""
    uses = []
    for name, case in integ_manifest["testCases"].items():
        if "allowDeleteFailures" in case:
            uses.append(f"allowDeleteFailures ({name})")
        deploy_args = case.get("cdkCommandOptions", {}).get("deploy", {}).get("args", {})
        if deploy_args.get("requireApproval") == "destructive":
            uses.append(f"requireApproval: destructive ({name})")
    return uses


def _assert_job_results(integ: IntegTest, job: BatchJob, input_path: Path, *, describe_api: str, job_key: str) -> None:
    """The job ended ACTIVE, wrote its output object into its run folder, and the results check
    counted as many output records as the input has, none failed.

    The deploy stack runs after the test stack, whose job resource completes only once the job
    is ACTIVE and its results are checked: no assertion waits (``wait_for_assertions``), so a
    resource that completed too early fails here instead of being waited past.
    """
    input_records = sum(1 for line in input_path.read_text().splitlines() if line.strip())
    bucket_name = job.output_bucket.bucket_name
    run_folder = cdk.Fn.join("", [RESULTS_PREFIX, job.job_name, "/"])

    integ.assertions.aws_api_call("Personalize", describe_api, {f"{job_key}Arn": job.job_arn}).expect(
        ExpectedResult.object_like({job_key: {f"{job_key}Arn": job.job_arn, "status": "ACTIVE"}})
    )

    listing = integ.assertions.aws_api_call(
        "S3", "listObjectsV2", {"Bucket": bucket_name, "Prefix": cdk.Fn.join("", [run_folder, input_path.name])}
    )
    listing.expect(
        ExpectedResult.object_like(
            {"KeyCount": 1, "Contents": [{"Key": cdk.Fn.join("", [run_folder, input_path.name, ".out"])}]}
        )
    )
    # ListObjectsV2 is authorized by s3:ListBucket, an action its API name does not give.
    listing.provider.add_to_role_policy(
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [job.output_bucket.bucket_arn]}
    )

    integ.assertions.aws_api_call(
        "S3", "getObject", {"Bucket": bucket_name, "Key": f"{RESULTS_PREFIX}manifest.json"}
    ).expect(
        ExpectedResult.object_like(
            {
                "Body": Match.serialized_json(
                    Match.object_like(
                        {
                            "jobArn": job.job_arn,
                            "inputRecordCount": input_records,
                            "recordCount": input_records,
                            "errorCount": 0,
                        }
                    )
                )
            }
        )
    )
