"""What BatchSegmentJob puts in a template: the same machinery as BatchInferenceJob under its own
resource type and API, sharing the stack's one provider with inference jobs."""

from __future__ import annotations

from aws_cdk import Stack

from .cfn import (
    all_grants,
    as_list,
    canonical,
    get_att,
    objects_of,
    personalize_jobs,
    policies_of_role,
    ref,
    resources,
    statements,
)
from .stacks import FILTER_ARN, SEGMENTATION_VERSION_ARN, SOLUTION_VERSION_ARN

SEGMENT_RESOURCE_TYPE = "Custom::PersonalizeBatchSegmentJob"
INFERENCE_RESOURCE_TYPE = "Custom::PersonalizeBatchInferenceJob"
INFERENCE_ONLY = {"ItemExplorationConfig", "RankingInfluence", "JobMode", "ThemeItemNameField"}


def _personalize_statements(template: dict) -> list[dict]:
    (policy,) = [
        p
        for lid, p in resources(template, "AWS::IAM::Policy").items()
        if lid.startswith("PersonalizeBatchJobProviderHandlerRoleDefaultPolicy")
    ]
    return [
        s
        for s in statements(policy["Properties"]["PolicyDocument"])
        if any(action.startswith("personalize:") for action in as_list(s["Action"]))
    ]


def _kind_statements(api_name: str, arn_resource_type: str, prefix: str, solution_version_arn: str) -> list[dict]:
    return [
        {
            "Action": [
                f"personalize:Create{api_name}",
                f"personalize:Describe{api_name}",
                "personalize:TagResource",
                "personalize:UntagResource",
            ],
            "Effect": "Allow",
            "Resource": personalize_jobs(arn_resource_type, f"{prefix}-*"),
        },
        {"Action": f"personalize:Create{api_name}", "Effect": "Allow", "Resource": solution_version_arn},
    ]


def test_a_segment_job_is_a_custom_resource_of_its_own_type(synth):
    template, resource = synth.job("segments")
    assert resource["Type"] == SEGMENT_RESOURCE_TYPE
    assert not resources(template, INFERENCE_RESOURCE_TYPE)


def test_defaults_write_the_shared_properties_and_leave_the_segment_size_to_personalize(synth):
    job = synth.built.jobs["segments"]
    props = synth.props("segments")
    assert props["SolutionVersionArn"] == SEGMENTATION_VERSION_ARN
    assert props["JobNamePrefix"] == "Audience"
    assert props["RoleArn"] == get_att(job.role)
    assert "NumResults" not in props
    assert not INFERENCE_ONLY & set(props)
    assert str(props["TimeoutSeconds"]) == "3480" and str(props["PollIntervalSeconds"]) == "60"


def test_every_shared_optional_prop_reaches_the_segment_job(synth):
    props = synth.props("mixed_segment")
    assert props["NumResults"] == "2000"
    assert props["FilterArn"] == FILTER_ARN
    assert props["JobNamePrefix"] == "audience"
    assert props["KmsKeyArn"] == get_att(synth.built.constructs["mixed_key"])
    assert props["JobTags"] == [{"tagKey": "team", "tagValue": "crm"}]
    assert str(props["TimeoutSeconds"]) == "2700" and str(props["PollIntervalSeconds"]) == "30"
    assert not INFERENCE_ONLY & set(props)


def test_both_kinds_in_a_stack_share_one_provider(synth):
    template = synth.json["Mixed"]
    tokens = {
        canonical(r["Properties"]["ServiceToken"])
        for t in (SEGMENT_RESOURCE_TYPE, INFERENCE_RESOURCE_TYPE)
        for r in resources(template, t).values()
    }
    assert len(tokens) == 1
    handlers = sorted(
        f["Properties"]["Handler"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") in ("index.on_event", "index.is_complete")
    )
    assert handlers == ["index.is_complete", "index.on_event"]
    assert len(resources(template, "AWS::StepFunctions::StateMachine")) == 1


def test_the_handler_may_run_only_the_kinds_the_stack_has(synth):
    def segment(prefix: str) -> list[dict]:
        return _kind_statements("BatchSegmentJob", "batch-segment-job", prefix, SEGMENTATION_VERSION_ARN)

    def inference(prefix: str) -> list[dict]:
        return _kind_statements("BatchInferenceJob", "batch-inference-job", prefix, SOLUTION_VERSION_ARN)

    assert _personalize_statements(synth.json["Segments"]) == segment("Audience")
    assert _personalize_statements(synth.json["Defaults"]) == inference("Nightly")
    assert _personalize_statements(synth.json["Mixed"]) == inference("Recommendations") + segment("audience")


def test_the_service_role_reads_the_input_folder_and_writes_the_output_folder_only(synth):
    job = synth.built.jobs["segments"]
    input_arn, output_arn = get_att(job.input_bucket), get_att(job.output_bucket)
    grants = all_grants(
        p["Properties"]["PolicyDocument"] for p in policies_of_role(synth.json["Segments"], ref(job.role))
    )
    assert grants == {
        ("Allow", "s3:GetObject", canonical(objects_of(input_arn, "/input/*"))),
        ("Allow", "s3:ListBucket", canonical(input_arn)),
        ("Allow", "s3:PutObject", canonical(objects_of(output_arn, "/results/*"))),
        ("Allow", "s3:ListBucket", canonical(output_arn)),
    }


def test_attributes_and_grant_read_results_work_as_for_inference_jobs(synth):
    job = synth.built.jobs["segments"]
    stack = Stack.of(job)
    for attribute, value in (("JobArn", job.job_arn), ("JobName", job.job_name), ("OutputPath", job.output_s3_uri)):
        assert stack.resolve(value) == get_att(job.node.find_child("Resource"), attribute)
    reader = synth.built.constructs["segments_reader"]
    found = all_grants(p["Properties"]["PolicyDocument"] for p in policies_of_role(synth.json["Segments"], ref(reader)))
    assert ("Allow", "s3:GetObject*", canonical(objects_of(get_att(job.output_bucket), "/results/*"))) in found
