"""Scheduled runs in a template: each scheduled job's schedule and its input, the stack's one state
machine, and the grants of both roles. Read from the Scheduled stack of the shared app."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_cdk import Stack

from .cfn import canonical, get_att, grants, logical_id, ref, resources

SCHEDULE = "AWS::Scheduler::Schedule"
STATE_MACHINE = "AWS::StepFunctions::StateMachine"


def _placeholder(token: Any) -> str:
    return "@@" + base64.urlsafe_b64encode(canonical(token).encode()).decode() + "@@"


def _rendered(value: Any) -> Any:
    """A template value with its intrinsics as placeholders and its scalars as CloudFormation sends them."""
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(part if isinstance(part, str) else _placeholder(part) for part in parts)
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt"):
        return _placeholder(value)
    if isinstance(value, dict):
        return {key: _rendered(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rendered(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _schedule_of(synth, name: str) -> dict:
    job = synth.built.jobs[name]
    return synth.json["Scheduled"]["Resources"][logical_id(job.schedule)]["Properties"]


def _input_of(synth, name: str) -> dict:
    return json.loads(_rendered(_schedule_of(synth, name)["Target"]["Input"]))


def _state_machine(synth) -> tuple[str, dict]:
    ((lid, machine),) = [
        (lid, resource)
        for lid, resource in resources(synth.json["Scheduled"], STATE_MACHINE).items()
        if lid.startswith("PersonalizeBatchScheduledRuns")
    ]
    return lid, machine


def test_a_scheduled_job_has_a_schedule_with_its_expression_time_zone_and_state(synth):
    nightly, weekly = _schedule_of(synth, "scheduled_nightly"), _schedule_of(synth, "scheduled_weekly")

    assert (nightly["ScheduleExpression"], nightly["ScheduleExpressionTimezone"]) == (
        "cron(30 2 * * ? *)",
        "Europe/Berlin",
    )
    assert nightly["State"] == "ENABLED" and nightly["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert (weekly["ScheduleExpression"], weekly["State"]) == ("rate(7 days)", "DISABLED")
    assert synth.built.jobs["scheduled_none"].schedule is None
    for name in ("Defaults", "Full", "Waits", "Mixed"):
        assert resources(synth.json[name], SCHEDULE) == {}
        assert not [lid for lid in synth.json[name]["Resources"] if lid.startswith("PersonalizeBatchScheduledRuns")]


def test_the_schedules_input_is_the_jobs_own_definition_with_the_schedule_time(synth):
    template = synth.json["Scheduled"]
    for name in ("scheduled_nightly", "scheduled_weekly"):
        job = synth.built.jobs[name]
        resource = template["Resources"][logical_id(job.node.find_child("Resource"))]
        run_input = _input_of(synth, name)

        assert run_input["ScheduledTime"] == "<aws.scheduler.scheduled-time>"
        assert run_input["Job"]["ResourceType"] == resource["Type"]
        assert run_input["Job"]["LogicalResourceId"] == logical_id(job.node.find_child("Resource"))
        assert run_input["Job"]["StackId"] == _placeholder({"Ref": "AWS::StackId"})
        # What the custom resource gets, the run gets: a deploy that changes the job changes later runs.
        expected = {
            key: value
            for key, value in _rendered(resource["Properties"]).items()
            if key not in ("ServiceToken", "ServiceTimeout")
        }
        assert run_input["Job"]["ResourceProperties"] == expected
    assert _input_of(synth, "scheduled_nightly")["PollIntervalSeconds"] == 60
    assert _input_of(synth, "scheduled_weekly")["PollIntervalSeconds"] == 300
    nightly = _input_of(synth, "scheduled_nightly")["Job"]["ResourceProperties"]
    assert (nightly["TimeoutSeconds"], nightly["TotalTimeoutSeconds"]) == ("3480", "10800")
    assert nightly["ConstructPath"] == "Scheduled/Nightly"  # on_completed/on_failed match scheduled runs too


def test_the_schedule_is_created_after_the_deploy_time_run(synth):
    template = synth.json["Scheduled"]
    for name, last in (("scheduled_nightly", "Wait3"), ("scheduled_weekly", "Resource")):
        job = synth.built.jobs[name]
        schedule = template["Resources"][logical_id(job.schedule)]
        assert schedule["DependsOn"] == [logical_id(job.node.find_child(last))]


def test_the_stacks_scheduled_jobs_share_one_state_machine_and_one_scheduler_role(synth):
    template = synth.json["Scheduled"]
    lid, _ = _state_machine(synth)
    targets = [_schedule_of(synth, name)["Target"] for name in ("scheduled_nightly", "scheduled_weekly")]

    assert [target["Arn"] for target in targets] == [{"Ref": lid}, {"Ref": lid}]
    (role,) = {canonical(target["RoleArn"]) for target in targets}
    role_id = json.loads(role)["Fn::GetAtt"][0]
    trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [statement["Principal"] for statement in trust] == [{"Service": "scheduler.amazonaws.com"}]
    assert set(trust[0]["Condition"]["StringEquals"]) == {"aws:SourceAccount", "aws:SourceArn"}
    policies = [
        p for p in resources(template, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert [grants(p["Properties"]["PolicyDocument"]) for p in policies] == [
        {("Allow", "states:StartExecution", canonical({"Ref": lid}))}
    ]


def test_the_state_machine_invokes_the_stacks_existing_handler_and_nothing_else(synth):
    template = synth.json["Scheduled"]
    stack = synth.built.stacks["Scheduled"]
    handler = stack.node.find_child("PersonalizeBatchJobProvider").is_complete_function
    _, machine = _state_machine(synth)
    properties = machine["Properties"]

    definition = json.loads(_rendered(properties["DefinitionString"]))
    assert list(definition["States"]) == ["StartRun", "WaitPollInterval", "PollRun", "RunDone", "RunPassedItsCheck"]
    for step in ("StartRun", "PollRun"):
        assert definition["States"][step]["Resource"] == _placeholder(get_att(handler))
        assert definition["States"][step]["Parameters"]["ScheduledRun"] == step.removesuffix("Run")
    assert definition["States"]["WaitPollInterval"]["SecondsPath"] == "$.PollIntervalSeconds"
    assert definition["TimeoutSeconds"] == 13 * 3600
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    role_id = properties["RoleArn"]["Fn::GetAtt"][0]
    policies = [
        p for p in resources(template, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    found = set().union(*(grants(p["Properties"]["PolicyDocument"]) for p in policies))
    invokes = {(effect, resource) for effect, action, resource in found if action == "lambda:InvokeFunction"}
    assert invokes == {
        ("Allow", canonical(get_att(handler))),
        ("Allow", canonical({"Fn::Join": ["", [get_att(handler), ":*"]]})),
    }
    others = {action.split(":")[0] for _, action, resource in found if action != "lambda:InvokeFunction"}
    assert others == {"logs", "xray"}  # delivery to its own log group and tracing: no data access


def test_scheduling_adds_no_lambda_function(synth):
    functions = {name: len(resources(synth.json[name], "AWS::Lambda::Function")) for name in ("Defaults", "Scheduled")}
    assert functions["Scheduled"] == functions["Defaults"]


def test_the_handler_role_gets_nothing_for_scheduled_runs(synth):
    # Every grant a run needs is the deploy-time run's: the same statements as without a schedule.
    stack: Stack = synth.built.stacks["Scheduled"]
    provider = stack.node.find_child("PersonalizeBatchJobProvider")
    template = synth.json["Scheduled"]
    handler_policies = [
        p
        for p in resources(template, "AWS::IAM::Policy").values()
        if ref(provider.handler_role) in p["Properties"]["Roles"]
    ]
    actions = {action for p in handler_policies for _, action, _ in grants(p["Properties"]["PolicyDocument"])}
    assert not {action for action in actions if action.startswith(("states:", "scheduler:"))}
