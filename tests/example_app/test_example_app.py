"""The example app, synthesized as the CDK CLI runs it: cdk-nag clean, cfn-lint clean, checkov clean,
context or parameter.

Also a negative control: an app with an insecure bucket next to a BatchInferenceJob fails cdk-nag
on that bucket alone.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from personalize_batch_constructs import prop_checks
from tests.checkov_scan import Scan, scan

REPO_ROOT = Path(__file__).resolve().parents[2]
STACK = "PersonalizeBatchExample"
JOB_RESOURCE_TYPE = "Custom::PersonalizeBatchInferenceJob"
CONTEXT_ARN = "arn:aws:personalize:eu-west-1:444455556666:solution/example/version/abc123"
# What the CDK CLI hands the app: cdk.json's context (the feature flags among it) and asset metadata.
CLI_CONTEXT = {**json.loads((REPO_ROOT / "cdk.json").read_text())["context"], "aws:cdk:enable-asset-metadata": True}


@dataclass
class Synth:
    outdir: Path
    returncode: int
    output: str

    @property
    def template_path(self) -> Path:
        return self.outdir / f"{STACK}.template.json"

    @property
    def template(self) -> dict:
        return json.loads(self.template_path.read_text())

    def job(self) -> dict:
        (job,) = [r for r in self.template["Resources"].values() if r["Type"] == JOB_RESOURCE_TYPE]
        return job


def _with_segment_job_uncommented(app_source: str) -> str:
    """app.py with its commented BatchSegmentJob example switched on, as a reader would do it."""
    lines = app_source.replace("    # BatchSegmentJob,\n", "    BatchSegmentJob,\n").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "# audience = BatchSegmentJob(")
    end = next(i for i, line in enumerate(lines) if line.strip().startswith('# cdk.CfnOutput(self, "Audiences"'))
    for index in range(start, end + 1):
        lines[index] = lines[index].replace("# ", "", 1)
    return "\n".join(lines) + "\n"


def _start(outdir: Path, context: dict, script: Path = REPO_ROOT / "app.py") -> subprocess.Popen:
    """``python app.py`` the way the CDK CLI runs the app command of cdk.json."""
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "PYTHONPATH": str(REPO_ROOT),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    return subprocess.Popen(
        [sys.executable, str(script)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def synths(tmp_path_factory) -> dict[str, Synth]:
    segment_app = tmp_path_factory.mktemp("segment-app") / "app.py"
    segment_app.write_text(_with_segment_job_uncommented((REPO_ROOT / "app.py").read_text()))
    runs = {
        "parameter": (tmp_path_factory.mktemp("example-parameter"), CLI_CONTEXT, REPO_ROOT / "app.py"),
        "context": (
            tmp_path_factory.mktemp("example-context"),
            {**CLI_CONTEXT, "solution_version_arn": CONTEXT_ARN},
            REPO_ROOT / "app.py",
        ),
        "segment": (tmp_path_factory.mktemp("example-segment"), CLI_CONTEXT, segment_app),
    }
    started = {name: (outdir, _start(outdir, context, script)) for name, (outdir, context, script) in runs.items()}
    results = {}
    for name, (outdir, process) in started.items():
        output, _ = process.communicate(timeout=300)
        results[name] = Synth(outdir=outdir, returncode=process.returncode, output=output)
    return results


@pytest.mark.parametrize("run", ["parameter", "context", "segment"])
def test_app_synthesizes_with_no_unacknowledged_cdk_nag_finding(synths, run):
    synth = synths[run]
    # AwsSolutionsChecks fails synth (exit code 1) on any unacknowledged finding.
    assert synth.returncode == 0, synth.output
    assert synth.template_path.is_file()
    reports = sorted(synth.outdir.glob("*validation-report.json"))
    plugins = {}
    for report in reports:
        for plugin in json.loads(report.read_text()).get("pluginReports", []):
            assert plugin["violations"] == [], (report.name, json.dumps(plugin["violations"], indent=1))
            plugins[plugin["pluginName"]] = plugin
    # cdk-nag really ran (exit 0 alone would also mean "no checks registered").
    assert "AwsSolutions" in plugins, [r.name for r in reports]
    assert plugins["AwsSolutions"]["conclusion"] == "success"


def test_without_context_the_solution_version_is_a_stack_parameter(synths):
    template = synths["parameter"].template
    parameter = template["Parameters"]["SolutionVersionArn"]
    assert parameter["Type"] == "String"
    assert synths["parameter"].job()["Properties"]["SolutionVersionArn"] == {"Ref": "SolutionVersionArn"}


_VERSIONS = "arn:aws:personalize:us-east-1:111122223333:solution/movies/"
SOLUTION_VERSION_ARNS = {
    # value: whether the construct takes it as solution_version_arn
    _VERSIONS + "1a2b3c": True,
    "arn:aws:personalize:eu-west-1:444455556666:solution/example/version/abc123": True,
    "arn:aws-cn:personalize:cn-north-1:111122223333:solution/movies_v2/1a2b-3c": True,
    "arn:aws-us-gov:personalize:us-gov-west-1:111122223333:solution/m/9": True,
    _VERSIONS + "a" * (256 - len(_VERSIONS)): True,
    # The example's former pattern (solution/.+, no length limit) took the next five.
    _VERSIONS.rstrip("/"): False,
    _VERSIONS + "1a2b3c/extra": False,
    "arn:aws:personalize:us-east-1:111122223333:solution/-movies/1a2b3c": False,
    _VERSIONS + "1a2b 3c": False,
    _VERSIONS + "a" * (257 - len(_VERSIONS)): False,
    "arn:aws:personalize:us-east-1:111122223333:filter/no-watched": False,
    "arn:aws:personalize:us-east-1:1111:solution/movies/1a2b3c": False,
    "solution/movies/1a2b3c": False,
}


def _construct_accepts(value: str) -> bool:
    try:
        prop_checks.check_arn("solution_version_arn", value, "solution version")
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("value", SOLUTION_VERSION_ARNS)
def test_the_parameter_accepts_exactly_the_solution_versions_the_construct_accepts(synths, value):
    parameter = synths["parameter"].template["Parameters"]["SolutionVersionArn"]
    # CloudFormation matches AllowedPattern against the whole value.
    parameter_accepts = re.fullmatch(parameter["AllowedPattern"], value) is not None and len(value) <= int(
        parameter["MaxLength"]
    )
    assert parameter_accepts == _construct_accepts(value) == SOLUTION_VERSION_ARNS[value]


def test_with_context_the_solution_version_is_the_context_value(synths):
    template = synths["context"].template
    assert "SolutionVersionArn" not in template.get("Parameters", {})
    assert synths["context"].job()["Properties"]["SolutionVersionArn"] == CONTEXT_ARN


def test_example_job_uploads_the_sample_input(synths):
    synth = synths["parameter"]
    assert synth.returncode == 0, synth.output
    properties = synth.job()["Properties"]
    assert properties["InputPath"]["Fn::Join"][1][-1] == "/input/users.json"
    assert str(properties["NumResults"]) == "10"
    # The sample file is a file asset uploaded as it is, and the copy resource puts it in the input folder.
    files = json.loads((synth.outdir / f"{STACK}.assets.json").read_text())["files"]
    (copy,) = [r for r in synth.template["Resources"].values() if r["Type"] == "Custom::PersonalizeBatchInputCopy"]
    ((name, object_key),) = copy["Properties"]["Files"]
    assert name == "users.json" and copy["Properties"]["Prefix"] == "input/"
    (asset,) = [
        entry
        for entry in files.values()
        if entry["destinations"][next(iter(entry["destinations"]))]["objectKey"] == object_key
    ]
    assert asset["source"]["packaging"] == "file"
    staged = synth.outdir / asset["source"]["path"]
    assert staged.read_bytes() == (REPO_ROOT / "example_input" / "users.json").read_bytes()


def test_the_nightly_job_runs_again_every_night_at_two_utc(synths):
    synth = synths["parameter"]
    assert synth.returncode == 0, synth.output
    (schedule,) = [r for r in synth.template["Resources"].values() if r["Type"] == "AWS::Scheduler::Schedule"]
    properties = schedule["Properties"]
    assert (properties["ScheduleExpression"], properties["ScheduleExpressionTimezone"]) == (
        "cron(0 2 * * ? *)",
        "Etc/UTC",
    )
    assert properties["State"] == "ENABLED"
    machines = [r for r in synth.template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert len(machines) == 2  # the Provider's waiter and the scheduled runs'


def test_the_commented_segment_job_example_works_once_uncommented(synths):
    synth = synths["segment"]
    assert synth.returncode == 0, synth.output
    resources = synth.template["Resources"].values()
    jobs = [r for r in resources if r["Type"] in (JOB_RESOURCE_TYPE, "Custom::PersonalizeBatchSegmentJob")]
    assert sorted(r["Type"] for r in jobs) == [JOB_RESOURCE_TYPE, "Custom::PersonalizeBatchSegmentJob"]
    assert len({json.dumps(r["Properties"]["ServiceToken"]) for r in jobs}) == 1, "one provider for both"
    assert "Audiences" in synth.template["Outputs"]


@pytest.mark.parametrize("run", ["parameter", "context", "segment"])
def test_template_has_no_cfn_lint_errors(synths, run):
    assert synths[run].returncode == 0, synths[run].output
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(synths[run].template_path)], capture_output=True, text=True, timeout=300
    )
    # cfn-lint 1.x exit code bits: 2 = errors (fail), 4 = warnings (fine), 8 = informational.
    assert result.returncode & 2 == 0, f"cfn-lint errors:\n{result.stdout}{result.stderr}"


def test_cdk_nag_fails_an_insecure_bucket_and_nothing_of_the_construct(tmp_path):
    import aws_cdk as cdk
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3
    from cdk_nag import AwsSolutionsChecks

    from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput

    outdir = tmp_path / "cdk.out"
    app = cdk.App(outdir=str(outdir), context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, "Negative")
    insecure = s3.Bucket(stack, "Insecure")  # no TLS enforcement, no access logs
    BatchInferenceJob(
        stack,
        "Job",
        solution_version_arn="arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c",
        input=BatchInput.from_asset(str(REPO_ROOT / "example_input" / "users.json")),
    )
    # A second job on the user's bucket: a folder input, an output folder beside it, a key, tags.
    BatchInferenceJob(
        stack,
        "Keyed",
        solution_version_arn="arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c",
        input=BatchInput.from_bucket(insecure, "in/"),
        output=BatchOutput.to_bucket(insecure, "out/"),
        encryption_key=kms.Key(stack, "Key", enable_key_rotation=True),
        tags={"team": "recs"},
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))

    with pytest.raises(Exception, match=r"Validation ?[Ff]ailed"):
        app.synth()

    report = json.loads((outdir / "validation-report.json").read_text())
    violations = [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]
    rules = {rule for rule, _ in violations}
    assert {"AwsSolutions-S10", "AwsSolutions-S1"} <= rules, violations
    outside_the_bucket = [(rule, path) for rule, path in violations if not path.startswith("Negative/Insecure/")]
    assert outside_the_bucket == [], "findings about the construct's internals:\n" + "\n".join(
        map(str, outside_the_bucket)
    )


@pytest.fixture(scope="module")
def checkov_scans(synths) -> dict[Path, Scan]:
    """checkov's results on the three runs' templates, from one run."""
    for synth in synths.values():
        assert synth.returncode == 0, synth.output
    return scan(synth.template_path for synth in synths.values())


@pytest.mark.parametrize("run", ["parameter", "context", "segment"])
def test_checkov_fails_no_check_on_the_template(synths, checkov_scans, run):
    result = checkov_scans[synths[run].template_path.resolve()]
    assert result.failed == [], "\n".join(f"{f.check_id} on {f.logical_id}" for f in result.failed)
    skipped = {(f.check_id, re.sub("[0-9A-F]{8}$", "", f.logical_id)) for f in result.skipped}
    # The construct's acknowledgements, and the app's own on its access-log bucket.
    assert ("CKV_AWS_116", "PersonalizeBatchJobProviderframeworkonEvent") in skipped
    assert ("CKV_AWS_18", "AccessLogs") in skipped
    assert result.passed > 100
