"""What the results check and the completion events put in a template: the properties the handler
reads, the count attributes, the rules of on_completed/on_failed, and the handler's grants."""

from __future__ import annotations

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk.assertions import Annotations, Match

from personalize_batch_constructs import BatchInferenceJob, BatchInput

from .cfn import as_list, canonical, get_att, logical_id, resources, statements
from .stacks import SOLUTION_VERSION_ARN

WAIT_RESOURCE_TYPE = "Custom::PersonalizeBatchJobWait"


def _handler_statements(template: dict) -> list[dict]:
    return [
        statement
        for lid, policy in resources(template, "AWS::IAM::Policy").items()
        if lid.startswith("PersonalizeBatchJobProviderHandlerRole")
        for statement in statements(policy["Properties"]["PolicyDocument"])
    ]


def test_the_job_resource_gets_max_error_rate_and_its_construct_path(synth):
    assert synth.props("full")["MaxErrorRate"] == "0.05"
    assert synth.props("full")["ConstructPath"] == "Full/Full"
    assert synth.props("mixed_segment")["MaxErrorRate"] == "0.0"
    assert "MaxErrorRate" not in synth.props("defaults")  # the handler's default: 0


def test_record_and_error_counts_are_attributes_of_the_last_waiting_resource(synth):
    outputs = synth.json["Full"]["Outputs"]
    job_resource = synth.built.jobs["full"].node.find_child("Resource")
    assert outputs["Records"]["Value"] == get_att(job_resource, "RecordCount")
    assert outputs["Errors"]["Value"] == get_att(job_resource, "ErrorCount")


def test_the_counts_of_a_chained_wait_are_those_of_its_last_extension(synth):
    job = synth.built.jobs["three_hours"]
    stack = Stack.of(job)
    assert stack.resolve(job.record_count) == get_att(job.node.find_child("Wait3"), "RecordCount")
    assert stack.resolve(job.error_count) == get_att(job.node.find_child("Wait3"), "ErrorCount")


def test_on_completed_and_on_failed_match_only_this_jobs_events(synth):
    template = synth.json["Full"]
    rules = {
        lid: rule["Properties"]
        for lid, rule in resources(template, "AWS::Events::Rule").items()
        if lid.startswith("Full")
    }
    completed = rules[logical_id(synth.built.constructs["completed_rule"])]
    failed = rules[logical_id(synth.built.constructs["failed_rule"])]
    for rule, detail_type in ((completed, "Personalize Batch Job Succeeded"), (failed, "Personalize Batch Job Failed")):
        assert rule["EventPattern"] == {
            "source": ["personalize-batch-constructs"],
            "detail-type": [detail_type],
            "detail": {"stackName": [{"Ref": "AWS::StackName"}], "constructPath": ["Full/Full"]},
        }
        assert "EventBusName" not in rule  # the default bus
    assert completed["Targets"][0]["Arn"] == get_att(synth.built.constructs["runs_queue"], "Arn")
    assert failed["Description"] == "Full's failed runs"
    segment_rule = resources(synth.json["Mixed"], "AWS::Events::Rule")
    (pattern,) = [rule["Properties"]["EventPattern"] for rule in segment_rule.values()]
    assert pattern["detail"]["constructPath"] == ["Mixed/Audience"]


def test_put_events_is_granted_on_the_default_bus_only_once_per_stack(synth):
    for stack_name in ("Full", "Defaults", "Twenty"):
        found = [s for s in _handler_statements(synth.json[stack_name]) if "events:PutEvents" in as_list(s["Action"])]
        assert len(found) == 1, stack_name
        assert as_list(found[0]["Action"]) == ["events:PutEvents"]
        assert canonical(found[0]["Resource"]) == canonical(
            {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":events:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":event-bus/default",
                    ],
                ]
            }
        )


def test_the_handler_may_use_the_output_key_to_read_results_and_write_its_objects(synth):
    template = synth.json["Full"]
    key_arn = canonical(get_att(synth.built.constructs["key"]))
    found = [s for s in _handler_statements(template) if canonical(s.get("Resource")) == key_arn]
    actions = {action for s in found for action in as_list(s["Action"])}
    # Read the results (Decrypt), write the check's progress and the manifest (GenerateDataKey): no wildcards.
    assert {"kms:Decrypt", "kms:GenerateDataKey"} <= actions
    assert not any("*" in action for action in actions)


def test_a_completion_rule_that_can_never_fire_is_warned_about():
    stack = Stack(App(), "NoWatch")
    watched_by_schedule = scheduler.ScheduleExpression.rate(Duration.days(1))
    for construct_id, schedule in (("Unwatched", None), ("Scheduled", watched_by_schedule)):
        job = BatchInferenceJob(
            stack,
            construct_id,
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(s3.Bucket(stack, f"{construct_id}Data"), "users.json"),
            wait=False,
            **({"schedule": schedule} if schedule else {}),
        )
        job.on_completed("Done")
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("ruleNeverFires"))
    assert [warning.id for warning in warnings] == ["/NoWatch/Unwatched"]
    assert "Done: with wait=False and no schedule" in warnings[0].entry.data
