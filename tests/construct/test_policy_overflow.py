"""A stack large enough that CDK splits role policies into overflow managed policies.

CDK creates those policies during synthesis, after every construct exists: the job must still
wait for them, or it could start before its permissions are attached.
"""

from __future__ import annotations

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
