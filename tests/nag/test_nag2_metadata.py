"""The ``cdk_nag`` metadata the library writes for cdk-nag 2, read from the template as cdk-nag 2
reads it, without cdk-nag 2 installed in this process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput
from tests.construct.stacks import SOLUTION_VERSION_ARN

USERS_SUPPRESSION = {"id": "AwsSolutions-IAM5", "reason": "The team's own reason", "applies_to": ["Action::s3:*"]}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The job's template; ``Data`` is the logical id of the user's bucket."""
    inputs = tmp_path_factory.mktemp("input")
    (inputs / "users.json").write_text('{"userId": "4638"}\n')
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "Metadata")
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:*"], resources=["*"]))
    # What cdk-nag 2's NagSuppressions.add_resource_suppressions writes, before the job's own.
    role.node.find_child("DefaultPolicy").node.default_child.add_metadata(
        "cdk_nag", {"rules_to_suppress": [USERS_SUPPRESSION]}
    )
    data = cdk.aws_s3.Bucket(stack, "Data", enforce_ssl=True)
    BatchInferenceJob(
        stack,
        "Job",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(data, "in/"),
        output=BatchOutput.to_bucket(data, "out/"),
        role=role,
    )
    app.synth()
    template: dict[str, Any] = json.loads((Path(outdir) / "Metadata.template.json").read_text())
    return {**template, "Data": stack.get_logical_id(data.node.default_child)}


def _suppressions(template: dict[str, Any], logical_id_start: str) -> list[dict[str, Any]]:
    (resource,) = [r for key, r in template["Resources"].items() if key.startswith(logical_id_start)]
    return resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])


def test_a_finding_is_suppressed_by_rule_id_with_the_finding_in_applies_to(template: dict[str, Any]) -> None:
    suppressions = _suppressions(template, "MineDefaultPolicy")
    folder = f"Resource::<{template['Data']}.Arn>/in/*"
    assert {"id": "AwsSolutions-IAM5", "reason": "Limited to the job's own input or output folder"} | {
        "applies_to": [folder]
    } in suppressions, suppressions
    for suppression in suppressions:
        # cdk-nag 2 refuses a finding in the id, and a reason under 10 characters.
        assert "[" not in suppression["id"] and len(suppression["reason"]) >= 10, suppression


def test_the_users_own_suppressions_are_kept(template: dict[str, Any]) -> None:
    suppressions = _suppressions(template, "MineDefaultPolicy")
    assert suppressions[0] == USERS_SUPPRESSION
    assert len(suppressions) > 1, "the job's acknowledgements are added after the user's"


def test_a_finding_is_suppressed_only_on_the_resources_that_hold_it(template: dict[str, Any]) -> None:
    """Written on every resource under the acknowledging scope, the suppressions of a stack of many
    jobs outgrew CloudFormation's template size."""
    folder = f"Resource::<{template['Data']}.Arn>/in/*"
    holders = {
        key: resource["Type"]
        for key, resource in template["Resources"].items()
        for suppression in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        if folder in suppression.get("applies_to", [])
    }
    # The service role's policy, and the handler's, which reads the input before the job starts.
    assert set(holders.values()) == {"AWS::IAM::Policy"} and len(holders) == 2, holders
    assert not [suppression for suppression in _suppressions(template, "MineC") if "applies_to" in suppression], (
        "the role's own document holds no job folder"
    )


def test_resources_outside_the_construct_get_no_suppression(template: dict[str, Any]) -> None:
    assert _suppressions(template, template["Data"]) == []
