"""What the provider's roles may do, and the cdk-nag acknowledgements of their wildcards.

The handler may run, describe and tag only the jobs its constructs name (``<prefix>-*``), or a
kind's every job where a prefix is a token; it may create them only with their solution versions.
Each acknowledgement's reason names what it covers: X-Ray's wildcard on its own policy, the
waiter's log delivery on the waiter role's policy.
"""

from __future__ import annotations

import pytest

from .cfn import as_list, canonical, personalize_jobs, resources, statements
from .stacks import LONG_ID, SOLUTION_VERSION_ARN, SOLUTION_VERSION_ARN_WITH_VERSION, TWENTY
from .test_template import handler_policy

INFERENCE_ACTIONS = [
    "personalize:CreateBatchInferenceJob",
    "personalize:DescribeBatchInferenceJob",
    "personalize:TagResource",
    "personalize:UntagResource",
]
XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]


def _resources_of(document: dict, actions: list[str] | str) -> list:
    """Every resource of the statements granting exactly `actions`, in order."""
    return [
        resource
        for statement in statements(document)
        if statement["Action"] == actions
        for resource in as_list(statement["Resource"])
    ]


def _personalize_actions(document: dict) -> set[str]:
    return {
        action
        for statement in statements(document)
        for action in as_list(statement["Action"])
        if action.startswith("personalize:")
    }


def _nag2_suppressions(resource: dict) -> list[dict]:
    return resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])


@pytest.mark.parametrize(
    ("stack_name", "prefixes"),
    [
        ("Defaults", ["Nightly"]),
        ("Full", ["full_run-1", "Theme"]),
        ("Twenty", [f"Job{index:02d}" for index in range(TWENTY)]),
        ("Byo", ["FromObject", "from_folder", "AssetToMine", "AssetDefaultPrefix"]),
    ],
)
def test_the_handler_may_run_and_tag_only_the_jobs_whose_names_start_with_a_prefix_of_the_stack(
    synth, stack_name, prefixes
):
    if "from_folder" in prefixes:
        # The long construct id, made a valid prefix.
        made_valid = synth.props("from_folder")["JobNamePrefix"]
        assert made_valid.startswith(LONG_ID.split()[0]) and " " not in made_valid
        prefixes = [made_valid if p == "from_folder" else p for p in prefixes]
    document = handler_policy(synth.json[stack_name])
    assert _resources_of(document, INFERENCE_ACTIONS) == [
        personalize_jobs("batch-inference-job", f"{prefix}-*") for prefix in prefixes
    ]
    assert _personalize_actions(document) == set(INFERENCE_ACTIONS)


def test_a_token_prefix_gets_the_kinds_whole_arn_pattern(synth):
    document = handler_policy(synth.json["Tokens"])
    assert _resources_of(document, INFERENCE_ACTIONS) == [personalize_jobs("batch-inference-job", "*")]


@pytest.mark.parametrize(
    ("stack_name", "versions"),
    [
        ("Defaults", [SOLUTION_VERSION_ARN]),
        ("Full", [SOLUTION_VERSION_ARN, SOLUTION_VERSION_ARN_WITH_VERSION]),
        ("Twenty", [SOLUTION_VERSION_ARN]),
        ("Tokens", [{"Ref": "SolutionVersionArn"}]),
    ],
)
def test_the_handler_may_create_jobs_with_their_own_solution_versions_only(synth, stack_name, versions):
    document = handler_policy(synth.json[stack_name])
    assert _resources_of(document, "personalize:CreateBatchInferenceJob") == versions


def _handler_acknowledgements(template: dict) -> dict[str, str]:
    """Reason by finding (``Resource::...``) of the handler role's IAM5 acknowledgements."""
    (policy,) = [
        r
        for lid, r in resources(template, "AWS::IAM::Policy").items()
        if lid.startswith("PersonalizeBatchJobProviderHandlerRoleDefaultPolicy")
    ]
    return {
        finding: suppression["reason"]
        for suppression in _nag2_suppressions(policy)
        if suppression["id"] == "AwsSolutions-IAM5"
        for finding in suppression["applies_to"]
    }


def test_each_job_pattern_is_acknowledged_with_a_reason_naming_its_prefix(synth):
    found = _handler_acknowledgements(synth.json["Full"])
    pattern = "Resource::arn:<AWS::Partition>:personalize:<AWS::Region>:<AWS::AccountId>:batch-inference-job/{}"
    for prefix in ("full_run-1", "Theme"):
        reason = found[pattern.format(f"{prefix}-*")]
        assert f"batch inference jobs named {prefix}-* of this account and Region" in reason
    assert pattern.format("*") not in found
    token_reason = _handler_acknowledgements(synth.json["Tokens"])[pattern.format("*")]
    assert "prefix is a token" in token_reason and "every batch inference job of this account and Region" in (
        token_reason
    )


def _provider_policies(template: dict) -> dict[str, dict]:
    return {
        lid: r for lid, r in resources(template, "AWS::IAM::Policy").items() if "PersonalizeBatchJobProvider" in lid
    }


def test_x_ray_has_a_policy_of_its_own_and_the_only_star_acknowledgement_there_is_x_rays(synth):
    for stack_name in ("Defaults", "Mixed"):
        policies = _provider_policies(synth.json[stack_name])
        (tracing_id,) = [lid for lid in policies if lid.startswith("PersonalizeBatchJobProviderWaiterTracingPolicy")]
        tracing = policies[tracing_id]
        assert statements(tracing["Properties"]["PolicyDocument"]) == [
            {"Action": XRAY_ACTIONS, "Effect": "Allow", "Resource": "*"}
        ]
        (suppression,) = _nag2_suppressions(tracing)
        assert suppression["id"] == "AwsSolutions-IAM5" and suppression["applies_to"] == ["Resource::*"]
        assert "X-Ray" in suppression["reason"] and "log" not in suppression["reason"].lower()
        # No other policy of the provider grants X-Ray.
        for lid, policy in policies.items():
            if lid != tracing_id:
                actions = {a for s in statements(policy["Properties"]["PolicyDocument"]) for a in as_list(s["Action"])}
                assert not {a for a in actions if a.startswith("xray:")}, lid


def test_the_waiters_log_delivery_star_has_its_own_acknowledgement(synth):
    policies = _provider_policies(synth.json["Defaults"])
    (waiter,) = [
        p for lid, p in policies.items() if lid.startswith("PersonalizeBatchJobProviderwaiterstatemachineRole")
    ]
    (star,) = [s for s in statements(waiter["Properties"]["PolicyDocument"]) if s["Resource"] == "*"]
    assert "logs:CreateLogDelivery" in star["Action"] and not any(a.startswith("xray:") for a in star["Action"])
    reasons = [s["reason"] for s in _nag2_suppressions(waiter) if s.get("applies_to") == ["Resource::*"]]
    assert len(reasons) == 1 and "log delivery" in reasons[0] and "X-Ray" not in reasons[0]
    # The state machine starts only once both policies are in place.
    (machine,) = resources(synth.json["Defaults"], "AWS::StepFunctions::StateMachine").values()
    tracing_id = next(lid for lid in policies if lid.startswith("PersonalizeBatchJobProviderWaiterTracingPolicy"))
    assert tracing_id in machine["DependsOn"]


def test_input_and_results_reads_name_each_resource_once(synth):
    # A statement per action and kind of object of a bucket (the inputs, the run folders: see
    # shared_grants), each object and bucket named once; ListBucket one statement for every bucket.
    document = handler_policy(synth.json["Full"])
    for action in ("s3:GetObject", "s3:ListBucket"):
        granted = [canonical(r) for s in statements(document) if s["Action"] == action for r in as_list(s["Resource"])]
        assert granted and len(granted) == len(set(granted)), action
    assert len([s for s in statements(document) if s["Action"] == "s3:ListBucket"]) == 1
