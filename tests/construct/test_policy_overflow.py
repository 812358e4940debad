"""A stack large enough that CDK splits role policies into overflow managed policies.

CDK creates those policies during synthesis, after every construct exists: the job must still
wait for them, or it could start before its permissions are attached.
"""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput

from .cfn import logical_id
from .stacks import SOLUTION_VERSION_ARN

JOBS = 100


@pytest.fixture(scope="module")
def large():
    stack = Stack(App(), "Large")
    bucket = s3.Bucket(stack, "Data")
    role = iam.Role(stack, "Personalize", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com"))
    jobs = [
        BatchInferenceJob(
            stack,
            f"Job{i}",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(bucket, f"in/{i}.json"),
            output=BatchOutput.to_bucket(bucket, f"out/{i}/"),
            role=role,
        )
        for i in range(JOBS)
    ]
    return Template.from_stack(stack).to_json(), jobs


def test_every_job_waits_for_the_overflow_policies_of_its_roles(large):
    template, jobs = large
    overflow = {
        lid
        for lid, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and "OverflowPolicy" in lid
    }
    handler_overflow = {lid for lid in overflow if lid.startswith("PersonalizeBatchJobProviderHandlerRole")}
    assert handler_overflow and overflow - handler_overflow, "the stack must be large enough to overflow both roles"
    for job in jobs:
        assert overflow <= set(template["Resources"][logical_id(job.node.default_child)]["DependsOn"]), job.node.id


def test_no_policy_statement_outgrows_what_one_managed_policy_holds(large):
    # CDK moves whole statements into overflow managed policies (IAM caps each at 6,144
    # characters): statements shared by many jobs must be split before they get that large.
    template, jobs = large
    documents = [
        resource["Properties"]["PolicyDocument"]
        for resource in template["Resources"].values()
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy")
    ]
    statements = [statement for document in documents for statement in document["Statement"]]
    sizes = [len(resource) if isinstance(resource := s.get("Resource"), list) else 1 for s in statements]
    assert max(sizes) == 40
    managed = [
        json.dumps(resource["Properties"]["PolicyDocument"], separators=(",", ":"))
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
    ]
    assert managed and max(len(document) for document in managed) <= 6144
    # Still every job's input object, once, for the service role and the handler's pre-check.
    inputs = [
        r
        for s in statements
        if s["Action"] == "s3:GetObject" and "Principal" not in s
        for r in s["Resource"]
        if "/in/" in json.dumps(r)
    ]
    assert len(inputs) == 2 * JOBS and len({json.dumps(r) for r in inputs}) == JOBS
