"""Synthesizes the scanners' matrix (one stack per combination, plus a control stack for cdk-nag and
one for checkov) in one app under one cdk-nag major, and writes the findings of each stack as JSON;
checkov reads the templates it leaves in the output folder.

Run in its own process, as cdk-nag 2 and 3 are both the module ``cdk_nag`` and cannot share one
jsii runtime: ``python -m tests.nag.matrix_app {2|3} OUTDIR REPORT``, with cdk-nag 2's folder
first on ``PYTHONPATH`` for major 2.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_kms as kms  # noqa: E402
from aws_cdk import aws_lambda as lambda_  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402
from aws_cdk import aws_scheduler as scheduler  # noqa: E402

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput, BatchSegmentJob  # noqa: E402
from personalize_batch_constructs.job_provider import EXACT_ASSET_GRANTS_MAX  # noqa: E402
from personalize_batch_constructs.shared_grants import MAX_EXACT_RESOURCES  # noqa: E402
from tests.construct.stacks import SEGMENTATION_VERSION_ARN, SOLUTION_VERSION_ARN, Inputs, write_inputs  # noqa: E402
from tests.nag.matrix import (  # noqa: E402
    CHECKOV_CONTROL_BUCKET,
    CHECKOV_CONTROL_FUNCTION,
    CHECKOV_CONTROL_STACK,
    COMBINATIONS,
    CONTROL_ROLE,
    CONTROL_STACK,
    MANY_JOBS_STACK,
    Combination,
)

_PACK = "AwsSolutions"
REPO_ROOT = Path(__file__).resolve().parents[2]
_WAITS: dict[str, dict[str, Any]] = {
    "Short": {"timeout": cdk.Duration.minutes(30)},
    "Long": {"timeout": cdk.Duration.hours(3)},
    "NoWait": {"wait": False},
}


def _users_bucket(stack: cdk.Stack, key: kms.IKey | None) -> s3.Bucket:
    """A bucket as a careful user defines it: nothing for cdk-nag or checkov to report on it."""
    return s3.Bucket(
        stack,
        "Data",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        encryption=s3.BucketEncryption.KMS if key else s3.BucketEncryption.S3_MANAGED,
        encryption_key=key,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_prefix="access-logs/",
        versioned=True,
    )


def _write_many_files(root: Path) -> Path:
    """A folder of one file more than the input copy grants one by one."""
    folder = root / "many"
    folder.mkdir(exist_ok=True)
    for index in range(EXACT_ASSET_GRANTS_MAX + 1):
        (folder / f"part-{index:02}.json").write_text(f'{{"userId": "{index}"}}\n')
    return folder


def _add_combination(app: cdk.App, combination: Combination, inputs: Inputs, many_files: Path) -> None:
    stack = cdk.Stack(app, combination.stack_name)
    key = kms.Key(stack, "Key", enable_key_rotation=True) if combination.key == "Key" else None
    given = combination.ownership == "Given"
    data = _users_bucket(stack, key) if given or combination.input == "Bucket" else None
    asset_bucket = {"bucket": data, "key_prefix": "in/"} if given else {}
    job_input = {
        "File": lambda: BatchInput.from_asset(str(inputs.file), **asset_bucket),
        "Folder": lambda: BatchInput.from_asset(str(inputs.folder), **asset_bucket),
        "ManyFiles": lambda: BatchInput.from_asset(str(many_files), **asset_bucket),
        "Bucket": lambda: BatchInput.from_bucket(data, "in/"),
    }[combination.input]()
    props: dict[str, Any] = {"input": job_input, **_WAITS[combination.wait]}
    if key is not None:
        props["encryption_key"] = key
    if given:
        props["output"] = BatchOutput.to_bucket(data, "out/")
        props["role"] = iam.Role(stack, "PersonalizeRole", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com"))
    if combination.scheduled:
        props["schedule"] = scheduler.ScheduleExpression.cron(minute="0", hour="2")
    if combination.kind == "Inference":
        BatchInferenceJob(stack, "Job", solution_version_arn=SOLUTION_VERSION_ARN, **props)
    else:
        BatchSegmentJob(stack, "Job", solution_version_arn=SEGMENTATION_VERSION_ARN, **props)


def _add_many_jobs(app: cdk.App) -> None:
    """One job more than the grants name one by one, sharing the user's bucket and role; a folder
    input among them."""
    stack = cdk.Stack(app, MANY_JOBS_STACK)
    data = _users_bucket(stack, None)
    role = iam.Role(stack, "PersonalizeRole", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com"))
    for index in range(MAX_EXACT_RESOURCES + 1):
        BatchInferenceJob(
            stack,
            f"Job{index}",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(data, f"in/{index}/" if index == 0 else f"in/{index}.json"),
            output=BatchOutput.to_bucket(data, f"out/{index}/"),
            role=role,
        )


def _add_control(app: cdk.App, inputs: Inputs) -> None:
    """A job next to the user's role with wildcards: on the job's own results, and Personalize's ``*``."""
    stack = cdk.Stack(app, CONTROL_STACK)
    job = BatchInferenceJob(
        stack, "Job", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(inputs.file))
    )
    reader = iam.Role(stack, CONTROL_ROLE, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    job.grant_read_results(reader)
    reader.add_to_policy(iam.PolicyStatement(actions=["personalize:*"], resources=["*"]))


def _add_checkov_control(app: cdk.App, inputs: Inputs) -> None:
    """A job next to the user's bucket without versioning and the user's function, for checkov."""
    stack = cdk.Stack(app, CHECKOV_CONTROL_STACK)
    BatchInferenceJob(
        stack, "Job", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(inputs.file))
    )
    s3.Bucket(stack, CHECKOV_CONTROL_BUCKET)
    lambda_.Function(
        stack,
        CHECKOV_CONTROL_FUNCTION,
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )


def build(app: cdk.App, inputs: Inputs, many_files: Path) -> None:
    for combination in COMBINATIONS:
        _add_combination(app, combination, inputs, many_files)
    _add_many_jobs(app)
    _add_control(app, inputs)
    _add_checkov_control(app, inputs)


def _stack_of(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def _synth_failing_on_findings(app: cdk.App) -> None:
    """Synthesizes; a failure of the validation that findings cause is what the reports are read for."""
    try:
        app.synth()
    except RuntimeError as error:
        if "alidation" not in str(error):
            raise


def _annotations(app: cdk.App, path: str) -> list[str]:
    """The cdk-nag error and warning annotations on the construct at ``path``."""
    construct: Any = app
    for part in path.split("/"):
        construct = construct.node.find_child(part)
    return [
        str(entry.data)
        for entry in construct.node.metadata
        if entry.type in ("aws:cdk:error", "aws:cdk:warning") and str(entry.data).startswith(f"{_PACK}-")
    ]


def _findings_under_nag2(app: cdk.App, outdir: Path) -> dict[str, Any]:
    """cdk-nag 2: its Aspect annotates each finding (failing synthesis on an error) and writes a
    report per stack of what each rule decided on each resource."""
    from cdk_nag import AwsSolutionsChecks

    cdk.Aspects.of(app).add(AwsSolutionsChecks())
    _synth_failing_on_findings(app)
    stacks: dict[str, Any] = {_stack_of(child.node.path): {"findings": [], "suppressed": 0} for child in _stacks(app)}
    flagged: set[str] = set()
    for report in outdir.glob(f"{_PACK}-*-NagReport.csv"):
        with report.open(newline="") as stream:
            for row in csv.DictReader(stream):
                if row["Compliance"] == "Suppressed":
                    stacks[_stack_of(row["Resource ID"])]["suppressed"] += 1
                elif row["Compliance"] == "Non-Compliant":
                    flagged.add(row["Resource ID"])
    # The report names the rule; the annotation also names the finding (``IAM5[Action::s3:*]``).
    for path in sorted(flagged):
        for text in _annotations(app, path):
            rule = text.split("]:", 1)[0] + "]" if "]:" in text else text.split(":", 1)[0]
            stacks[_stack_of(path)]["findings"].append({"rule": rule, "path": path})
    return stacks


def _stacks(app: cdk.App) -> list[cdk.Stack]:
    return [child for child in app.node.children if cdk.Stack.is_stack(child)]


def _findings_under_nag3(app: cdk.App, outdir: Path) -> dict[str, Any]:
    """cdk-nag 3: the Validations plugin fails synthesis and writes the violations to a report."""
    from cdk_nag import AwsSolutionsChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    _synth_failing_on_findings(app)
    report = json.loads((outdir / "validation-report.json").read_text())
    plugins = {plugin["pluginName"]: plugin for plugin in report["pluginReports"]}
    stacks: dict[str, Any] = {_stack_of(child.node.path): {"findings": [], "suppressed": 0} for child in _stacks(app)}
    plugin = plugins[_PACK]
    for violation in plugin["violations"]:
        for construct in violation["violatingConstructs"]:
            finding = {"rule": violation["ruleName"], "path": construct["constructPath"]}
            stacks[_stack_of(construct["constructPath"])]["findings"].append(finding)
    for violation in plugin.get("suppressedViolations", []):
        for construct in violation["violatingConstructs"]:
            stacks[_stack_of(construct["constructPath"])]["suppressed"] += 1
    return stacks


def main(major: str, outdir: Path, report: Path) -> None:
    inputs_dir = outdir.parent / "inputs"
    inputs_dir.mkdir(parents=True, exist_ok=True)
    inputs = write_inputs(inputs_dir)
    # An app as `cdk init` makes it: cdk.json's feature flags (server access logs delivered under a
    # bucket policy, error annotations failing synthesis) and the JSON validation report.
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    app = cdk.App(outdir=str(outdir), context=context)
    build(app, inputs, _write_many_files(inputs_dir))
    collect = {"2": _findings_under_nag2, "3": _findings_under_nag3}[major]
    stacks = collect(app, outdir)
    import cdk_nag

    report.write_text(
        json.dumps(
            {"version": metadata.version("cdk-nag"), "module": cdk_nag.__file__, "stacks": stacks},
            indent=1,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
