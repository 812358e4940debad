"""Stacks of many jobs sharing buckets and a role: their policies stay within IAM's and S3's limits.

CDK splits an oversized role policy into overflow managed policies during synthesis, after every
construct exists: the job must still wait for them, or it could start before its permissions are
attached. Past 40 jobs, the objects of one bucket that the jobs name alike are named by one
pattern, so the policies stop growing with the number of jobs.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from bench.stack_limits import MANAGED_POLICY, ROLE_INLINE, ROLE_MANAGED, stack_usage
from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput
from personalize_batch_constructs.shared_grants import MAX_EXACT_RESOURCES, pattern_of

from .cfn import logical_id
from .stacks import SOLUTION_VERSION_ARN

SHARED = 60
"""Jobs reading from and writing to one bucket: more than are named exactly."""
EXACT = MAX_EXACT_RESOURCES
"""Jobs of another bucket: as many as are still named exactly."""
# The user's own statements on the shared role, enough for CDK to split its policy.
USERS_ARNS = 120


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[BatchInferenceJob], dict[str, str]]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir))
    stack = Stack(app, "Large")
    shared = s3.Bucket(stack, "Shared")
    exact = s3.Bucket(stack, "Exact")
    role = iam.Role(stack, "Personalize", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com"))
    for first in range(0, USERS_ARNS, MAX_EXACT_RESOURCES):
        reports = range(first, first + MAX_EXACT_RESOURCES)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[shared.arn_for_objects(f"team/reports/{i}/summary.json") for i in reports],
            )
        )
    jobs = [
        BatchInferenceJob(
            stack,
            f"Job{i}",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(bucket, f"in/{i}.json"),
            output=BatchOutput.to_bucket(bucket, f"out/{i}/"),
            role=role,
        )
        for i, bucket in [(i, shared) for i in range(SHARED)] + [(SHARED + i, exact) for i in range(EXACT)]
    ]
    app.synth()
    template = json.loads((Path(outdir) / "Large.template.json").read_text())
    names = {"shared": logical_id(shared), "exact": logical_id(exact), "outdir": str(outdir)}
    return template, jobs, names


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy")
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def _object_keys(statement: dict[str, Any], bucket: str) -> list[str]:
    """The object keys (patterns) of ``bucket`` a statement names, from ``{"Fn::Join": ["", [GetAtt, "/key"]]}``."""
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    return [
        resource["Fn::Join"][1][1].removeprefix("/")
        for resource in resources
        if isinstance(resource, dict)
        and "Fn::Join" in resource
        and resource["Fn::Join"][1][0] == {"Fn::GetAtt": [bucket, "Arn"]}
    ]


def _keys_by_action(template: dict[str, Any], bucket: str, *, principal: str | None) -> dict[str, list[str]]:
    """The object keys of ``bucket`` granted to each action: in role policies (``principal`` None),
    or in the bucket policy to that service."""
    keys: dict[str, list[str]] = {}
    for statement in _statements(template):
        if statement["Effect"] != "Allow" or statement.get("Principal", {}).get("Service") != principal:
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            keys.setdefault(action, []).extend(_object_keys(statement, bucket))
    return keys


def test_every_job_waits_for_the_overflow_policies_of_its_roles(large):
    template, jobs, _ = large
    overflow = {
        lid
        for lid, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and "OverflowPolicy" in lid
    }
    handler_overflow = {lid for lid in overflow if lid.startswith("PersonalizeBatchJobProviderHandlerRole")}
    assert handler_overflow and overflow - handler_overflow, "the stack must be large enough to overflow both roles"
    for job in jobs:
        assert overflow <= set(template["Resources"][logical_id(job.node.default_child)]["DependsOn"]), job.node.id


def test_the_roles_and_bucket_policies_fit_iams_and_s3s_limits(large):
    # Measured as IAM counts them: references resolved to names as long as CloudFormation makes them.
    usage = stack_usage(Path(large[2]["outdir"]))
    assert usage.exceeded() == [], [usage.describe(limit) for limit in usage.exceeded()]
    assert usage.usage[ROLE_MANAGED.name] <= ROLE_MANAGED.maximum
    assert usage.usage[MANAGED_POLICY.name] <= MANAGED_POLICY.maximum
    assert usage.usage[ROLE_INLINE.name] <= ROLE_INLINE.maximum


def test_no_statement_names_more_resources_than_one_managed_policy_holds(large):
    # CDK moves whole statements into overflow managed policies, never splits one.
    sizes = [len(s["Resource"]) if isinstance(s["Resource"], list) else 1 for s in _statements(large[0])]
    assert max(sizes) == MAX_EXACT_RESOURCES


@pytest.mark.parametrize("principal", [None, "personalize.amazonaws.com"], ids=["roles", "bucket policy"])
def test_past_40_jobs_one_pattern_names_a_buckets_objects_of_one_kind(large, principal):
    template, _, buckets = large
    keys = _keys_by_action(template, buckets["shared"], principal=principal)
    if principal is None:  # the service role and the handler's checks
        users = [f"team/reports/{i}/summary.json" for i in range(USERS_ARNS)]
        assert sorted(keys["s3:GetObject"]) == sorted([*users, "in/*.json", "in/*.json", "out/*/*"])
        assert sorted(keys["s3:PutObject"]) == ["out/*/*", "out/*/*/_results_check.json", "out/*/manifest.json"]
    else:
        assert (keys["s3:GetObject"], keys["s3:PutObject"]) == (["in/*.json"], ["out/*/*"])


def test_each_pattern_covers_every_jobs_objects_and_no_other_folder(large):
    template, _, buckets = large
    keys = _keys_by_action(template, buckets["shared"], principal=None)
    patterns = [key for key in keys["s3:GetObject"] + keys["s3:PutObject"] if "*" in key]
    for i in range(SHARED):
        for key in (f"in/{i}.json", f"out/{i}/run-1/users.json.out", f"out/{i}/manifest.json"):
            assert any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns), key
    for outside in ("in/notes.txt", "archive/in/1.json", "out.json", "team/reports/1/other.json"):
        assert not any(fnmatch.fnmatchcase(outside, pattern) for pattern in patterns), outside


def test_up_to_40_jobs_of_a_bucket_name_their_objects_exactly(large):
    template, _, buckets = large
    keys = _keys_by_action(template, buckets["exact"], principal=None)
    inputs = [f"in/{SHARED + i}.json" for i in range(EXACT)]
    # The service role's read and the handler's input check, each job's own object once.
    assert sorted(key for key in keys["s3:GetObject"] if key.startswith("in/")) == sorted(inputs * 2)
    assert not [key for keys_ in keys.values() for key in keys_ if key.startswith("in/") and "*" in key]


@pytest.mark.parametrize(
    ("names", "pattern"),
    [
        (["in/0.json"], "in/0.json"),
        (["in/0.json", "in/17.json"], "in/*.json"),
        (["out/0/*", "out/1/*"], "out/*/*"),
        (["out/1*", "out/2*"], "out/*"),
        (["a/x.json", "b/y.csv"], "*"),
        (["daily/users.json", "daily/users-2.json"], "daily/users*.json"),
    ],
)
def test_a_pattern_is_the_names_common_prefix_and_suffix(names, pattern):
    assert pattern_of(names) == pattern
    assert all(fnmatch.fnmatchcase(name.replace("*", "x"), pattern) for name in names)
