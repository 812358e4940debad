"""The lifecycle driver's model of CloudFormation and the Provider framework: if it drifts from
the real thing, every scenario proves less, so its rules are pinned here."""

import pytest
from botocore.exceptions import ClientError

from .driver.cloud_assembly import StackArtifact, read_stack
from .driver.intrinsics import NO_VALUE, ResolutionContext, references, resolve
from .driver.provider_framework import (
    CREATE_FAILED_MARKER,
    ProviderFramework,
    Response,
    UserFunction,
    WaiterSettings,
    Waiting,
    waiter_settings,
)
from .driver.stack_deployment import DeploymentError, StackDeployment, _as_cloudformation_sends
from .local_aws import ACCOUNT_ID, REGION, client
from .virtual_clock import DEFAULT_START

CONTEXT = ResolutionContext(
    ref=lambda name: {"Bucket": "my-bucket", "AWS::Region": "us-east-1", "AWS::NoValue": NO_VALUE}.get(
        name, f"ref-{name}"
    ),
    get_att=lambda logical_id, attribute: f"arn:{logical_id}:{attribute}",
    condition=lambda name: name == "IsProd",
)


@pytest.mark.parametrize(
    ("template", "resolved"),
    [
        ({"Fn::Join": ["", ["s3://", {"Ref": "Bucket"}, "/in/"]]}, "s3://my-bucket/in/"),
        ({"Fn::Sub": "cdk-${AWS::Region}-${Bucket}"}, "cdk-us-east-1-my-bucket"),
        ({"Fn::Sub": ["${Name}/${Role.Arn}", {"Name": {"Ref": "Bucket"}}]}, "my-bucket/arn:Role:Arn"),
        ({"Fn::Sub": "${!Literal}"}, "${Literal}"),
        ({"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}, "b"),
        ({"Fn::If": ["IsProd", "yes", "no"]}, "yes"),
        ({"Fn::GetAtt": "Role.Arn"}, "arn:Role:Arn"),
        ({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}]}, {"B": [1]}),
    ],
)
def test_intrinsics_resolve_as_cloudformation_does(template, resolved):
    assert resolve(template, CONTEXT) == resolved


def test_references_find_dependencies_in_every_form():
    template = {
        "A": {"Ref": "One"},
        "B": {"Fn::GetAtt": ["Two", "Arn"]},
        "C": {"Fn::Sub": ["${Three.Arn}-${Local}", {"Local": {"Ref": "Four"}}]},
    }
    assert set(references(template)) == {"One", "Two", "Three", "Four"}


def test_unknown_intrinsic_is_an_error_not_a_pass_through():
    with pytest.raises(ValueError, match="Fn::ImportValue"):
        resolve({"Fn::ImportValue": "Shared"}, CONTEXT)


def test_cloudformation_sends_every_scalar_as_a_string():
    assert _as_cloudformation_sends({"N": 25, "F": 0.5, "B": True, "L": [1, {"X": False}]}) == {
        "N": "25",
        "F": "0.5",
        "B": "true",
        "L": ["1", {"X": "false"}],
    }


def test_waiter_settings_come_from_the_state_machine_definition():
    definition = (
        '{"StartAt":"t","States":{"t":{"Type":"Task","Retry":[{"ErrorEquals":["States.ALL"],'
        '"IntervalSeconds":10,"MaxAttempts":360,"BackoffRate":1}]}}}'
    )
    assert waiter_settings(definition) == WaiterSettings(interval_seconds=10, max_attempts=360)


def _request(request_type: str, **extra) -> dict:
    return {
        "RequestType": request_type,
        "RequestId": "req-1",
        "LogicalResourceId": "Job",
        "ResourceProperties": {},
        **extra,
    }


def _framework(on_event, is_complete=None, max_attempts=2) -> ProviderFramework:
    return ProviderFramework(
        UserFunction("OnEvent", on_event),
        UserFunction("IsComplete", is_complete) if is_complete else None,
        WaiterSettings(interval_seconds=10, max_attempts=max_attempts),
    )


def _fail(message):
    def raise_(_event):
        raise RuntimeError(message)

    return raise_


def test_a_failed_create_answers_with_the_marker_and_the_user_message():
    response = _framework(_fail("input missing")).on_event(_request("Create"), now=0)
    assert response.status == "FAILED" and response.physical_id == CREATE_FAILED_MARKER
    assert response.reason.startswith("Error: input missing\n\nLogs: /aws/lambda/OnEvent")


def test_the_delete_after_a_failed_create_never_reaches_the_user_function():
    calls = []
    response = _framework(calls.append).on_event(_request("Delete", PhysicalResourceId=CREATE_FAILED_MARKER), now=0)
    assert response.status == "SUCCESS" and calls == []


def test_is_complete_sees_the_request_merged_with_on_event_result_and_data_merges():
    seen = []
    framework = _framework(
        lambda event: {"PhysicalResourceId": "arn:job", "StartedAt": 5, "Data": {"A": 1}},
        lambda event: seen.append(event) or {"IsComplete": True, "Data": {"B": 2}},
    )
    waiting = framework.on_event(_request("Create"), now=0)
    response = framework.attempt(waiting, now=0)
    assert seen[0]["StartedAt"] == 5 and seen[0]["PhysicalResourceId"] == "arn:job"
    assert response == Response("SUCCESS", "arn:job", data={"A": 1, "B": 2})


def test_waiting_retries_at_the_interval_then_times_out_with_the_framework_message():
    framework = _framework(
        lambda event: {"PhysicalResourceId": "arn:job"}, lambda event: {"IsComplete": False}, max_attempts=2
    )
    state = framework.on_event(_request("Create"), now=0)
    times = []
    while isinstance(state, Waiting):
        times.append(state.next_attempt_at)
        state = framework.attempt(state, now=state.next_attempt_at)
    assert times == [0, 10, 20]
    assert state == Response("FAILED", "arn:job", reason="Operation timed out")


def test_data_with_is_complete_false_fails_the_resource():
    framework = _framework(
        lambda event: {"PhysicalResourceId": "arn:job"}, lambda event: {"IsComplete": False, "Data": {"X": 1}}
    )
    response = framework.attempt(framework.on_event(_request("Create"), now=0), now=0)
    assert response.status == "FAILED" and '"Data" is not allowed' in response.reason


def test_a_delete_may_not_change_the_physical_id():
    response = _framework(lambda event: {"PhysicalResourceId": "other"}).on_event(
        _request("Delete", PhysicalResourceId="arn:job"), now=0
    )
    assert response.status == "FAILED" and "cannot change the physical resource ID" in response.reason


# ---------------------------------------------------------------------------------------------
# DescribeStacks on loopback, as the handler's boto3 client reads it


def test_describe_stacks_answers_what_boto3_parses(cloudformation):
    stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/Shop/0a1b2c3d-0000-4000-8000-000000000000"
    cloudformation.publish(stack_id, "Shop", "UPDATE_IN_PROGRESS", at=DEFAULT_START)
    cloudformation.publish(
        stack_id,
        "Shop",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        at=DEFAULT_START + 60,
        reason="The following resource(s) failed to update: [Job]. ",
    )
    describe = client("cloudformation", cloudformation.url).describe_stacks

    for name in (stack_id, "Shop"):
        (stack,) = describe(StackName=name)["Stacks"]
        assert stack["StackId"] == stack_id and stack["StackName"] == "Shop"
        assert stack["StackStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"
        assert stack["StackStatusReason"] == "The following resource(s) failed to update: [Job]. "
        assert (
            stack["CreationTime"].timestamp() == DEFAULT_START
            and stack["LastUpdatedTime"].timestamp() == DEFAULT_START + 60
        )
    with pytest.raises(ClientError) as raised:
        describe(StackName="Elsewhere")
    assert raised.value.response["Error"] == {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "Stack with id Elsewhere does not exist",
    }
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    cloudformation.publish(stack_id, "Shop", "DELETE_COMPLETE", at=DEFAULT_START + 120)
    # A deleted stack is found by its id only, as in CloudFormation.
    (deleted,) = describe(StackName=stack_id)["Stacks"]
    assert deleted["StackStatus"] == "DELETE_COMPLETE" and deleted["DeletionTime"].timestamp() == DEFAULT_START + 120
    with pytest.raises(ClientError, match="Stack with id Shop does not exist"):
        describe(StackName="Shop")
    assert describe()["Stacks"] == []
    assert [call.answer for call in cloudformation.calls] == [
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "ValidationError",
        "DELETE_COMPLETE",
        "ValidationError",
        "",
    ]


def test_other_actions_are_refused(cloudformation):
    with pytest.raises(ClientError) as raised:
        client("cloudformation", cloudformation.url).list_stacks()
    assert raised.value.response["Error"]["Code"] == "InvalidAction"


# ---------------------------------------------------------------------------------------------
# Update rollback of custom resources, on a probe stack whose handler does what its properties
# say and logs the stack status DescribeStacks gives it

PROBE_HANDLER = """
import json

import boto3


def on_event(event, context):
    status = boto3.client("cloudformation").describe_stacks(StackName=event["StackId"])["Stacks"][0]["StackStatus"]
    properties = event["ResourceProperties"]
    print(json.dumps({"event": "probe", "resource": event["LogicalResourceId"], "request": event["RequestType"],
                      "physicalId": event.get("PhysicalResourceId"), "stackStatus": status}))
    if event["RequestType"] == "Delete":
        return {"PhysicalResourceId": event["PhysicalResourceId"]}
    rollback_fails = status == "UPDATE_ROLLBACK_IN_PROGRESS" and properties.get("FailRollback") == "true"
    if properties.get("Fail") == "true" or rollback_fails:
        raise RuntimeError("the properties say fail")
    return {"PhysicalResourceId": properties["Id"]}


def is_complete(event, context):
    properties = event["ResourceProperties"]
    if properties.get("Hang") == "true" and event["RequestType"] != "Delete":
        return {"IsComplete": False}
    return {"IsComplete": True, "Data": {"Id": properties["Id"]}}
"""
# Per variant: each probe resource's properties. B depends on A, C and D on nothing.
PROBE_VARIANTS = {
    "v1": {
        "A": {"Id": "a-1"},
        "C": {"Id": "c", "Hang": "false"},
        "D": {"Id": "d", "Rev": "1", "FailRollback": "true"},
        "B": {"Id": "b", "Fail": "false"},
    },
    # A is replaced, C hangs until the deploy fails, B fails.
    "v2": {
        "A": {"Id": "a-2"},
        "C": {"Id": "c", "Hang": "true"},
        "D": {"Id": "d", "Rev": "1", "FailRollback": "true"},
        "B": {"Id": "b", "Fail": "true"},
    },
    # D changes too, and fails its rollback Update.
    "v2-rollback-fails": {
        "A": {"Id": "a-1"},
        "C": {"Id": "c", "Hang": "false"},
        "D": {"Id": "d", "Rev": "2", "FailRollback": "true"},
        "B": {"Id": "b", "Fail": "true"},
    },
}


@pytest.fixture(scope="module")
def probe_stacks(tmp_path_factory) -> dict[str, StackArtifact]:
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import custom_resources as cr

    root = tmp_path_factory.mktemp("probe")
    (root / "handler").mkdir()
    (root / "handler" / "index.py").write_text(PROBE_HANDLER)
    app = cdk.App(outdir=str(root / "cdk.out"))
    for variant, resources in PROBE_VARIANTS.items():
        stack = cdk.Stack(app, f"Probe-{variant}")

        def function(name: str, stack: cdk.Stack = stack) -> lambda_.Function:
            return lambda_.Function(
                stack,
                name,
                runtime=lambda_.Runtime.PYTHON_3_12,
                handler=f"index.{name}",
                code=lambda_.Code.from_asset(str(root / "handler")),
            )

        provider = cr.Provider(
            stack,
            "Provider",
            on_event_handler=function("on_event"),
            is_complete_handler=function("is_complete"),
            query_interval=cdk.Duration.seconds(10),
        )
        made = {}
        for name, properties in resources.items():
            made[name] = cdk.CustomResource(
                stack, name, service_token=provider.service_token, resource_type="Custom::Probe", properties=properties
            )
        made["B"].node.add_dependency(made["A"])
    app.synth()
    return {variant: read_stack(root / "cdk.out", f"Probe-{variant}") for variant in PROBE_VARIANTS}


def _probe_ids(stack: StackArtifact) -> dict[str, str]:
    return {
        logical_id[0]: logical_id
        for logical_id, resource in stack.resources.items()
        if resource["Type"] == "Custom::Probe"
    }


def _sent(stack: StackDeployment, since: int) -> list[tuple]:
    return [
        (
            request["LogicalResourceId"][0],
            request["RequestType"],
            request.get("PhysicalResourceId"),
            request["ResourceProperties"].get("Id"),
            request.get("OldResourceProperties", {}).get("Id"),
        )
        for request, _ in stack.requests[since:]
    ]


def _seen_statuses(stack: StackDeployment, since: int) -> list[tuple[str, str, str]]:
    return [
        (record["resource"][0], record["request"], record["stackStatus"])
        for record in stack.handler_log[since:]
        if record.get("event") == "probe"
    ]


def test_a_failed_update_sends_each_custom_resource_it_updated_an_update_back(probe_stacks, deployment, cloudformation):
    stack = deployment("Probe")
    assert stack.deploy(probe_stacks["v1"]).status == "CREATE_COMPLETE"
    ids = _probe_ids(probe_stacks["v1"])
    requests_before, log_before = len(stack.requests), len(stack.handler_log)

    result = stack.deploy(probe_stacks["v2"])

    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert [(change.status, change.reason) for change in stack.status_history[-4:]] == [
        ("UPDATE_IN_PROGRESS", "User Initiated"),
        ("UPDATE_ROLLBACK_IN_PROGRESS", f"The following resource(s) failed to update: [{ids['B']}]. "),
        ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", ""),
        ("UPDATE_ROLLBACK_COMPLETE", ""),
    ]
    # The answered requests: (resource, request, PhysicalResourceId, ResourceProperties.Id,
    # OldResourceProperties.Id). C's Update, still waiting when B failed, never answered.
    assert _sent(stack, requests_before) == [
        ("A", "Update", "a-1", "a-2", "a-1"),  # answers a-2: a replacement
        ("B", "Update", "b", "b", "b"),  # fails
        # The rollback: an Update back to each, in reverse, with the properties swapped, to the id
        # each has now (C's cancelled update never answered, so its id is the one it had).
        ("B", "Update", "b", "b", "b"),
        ("C", "Update", "c", "c", "c"),
        ("A", "Update", "a-2", "a-1", "a-2"),  # answers a-1: the now-current a-2 is deleted in cleanup
        ("A", "Delete", "a-2", "a-2", None),
    ]
    rollback = [request for request, _ in stack.requests[requests_before + 2 : requests_before + 4]]
    assert [(r["ResourceProperties"]["Fail"], r["OldResourceProperties"]["Fail"]) for r in rollback[:1]] == [
        ("false", "true")
    ]
    assert (rollback[1]["ResourceProperties"]["Hang"], rollback[1]["OldResourceProperties"]["Hang"]) == (
        "false",
        "true",
    )
    # What the handler read from DescribeStacks at each request.
    assert _seen_statuses(stack, log_before) == [
        ("A", "Update", "UPDATE_IN_PROGRESS"),
        ("C", "Update", "UPDATE_IN_PROGRESS"),
        ("B", "Update", "UPDATE_IN_PROGRESS"),
        ("B", "Update", "UPDATE_ROLLBACK_IN_PROGRESS"),
        ("C", "Update", "UPDATE_ROLLBACK_IN_PROGRESS"),
        ("A", "Update", "UPDATE_ROLLBACK_IN_PROGRESS"),
        ("A", "Delete", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
    ]
    assert result.statuses(ids["B"]) == ["UPDATE_IN_PROGRESS", "UPDATE_FAILED", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]
    assert result.statuses(ids["A"])[-2:] == ["DELETE_IN_PROGRESS", "DELETE_COMPLETE"]
    assert {name: stack.resources[logical_id].physical_id for name, logical_id in ids.items()} == {
        "A": "a-1",
        "B": "b",
        "C": "c",
        "D": "d",
    }
    assert stack.resources[ids["A"]].attributes == {"Id": "a-1"}
    assert cloudformation.status_of(stack.stack_id) == "UPDATE_ROLLBACK_COMPLETE"

    # A later deploy starts from the restored properties.
    requests_before = len(stack.requests)
    assert stack.deploy(probe_stacks["v1"]).status == "UPDATE_COMPLETE"
    assert stack.requests[requests_before:] == []
    assert stack.delete().status == "DELETE_COMPLETE"
    assert [change.status for change in stack.status_history[-4:]] == [
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_COMPLETE",
        "DELETE_IN_PROGRESS",
        "DELETE_COMPLETE",
    ]
    assert cloudformation.status_of(stack.stack_id) == "DELETE_COMPLETE"


def test_a_failed_rollback_update_leaves_the_stack_update_rollback_failed(probe_stacks, deployment):
    stack = deployment("Probe")
    assert stack.deploy(probe_stacks["v1"]).status == "CREATE_COMPLETE"
    ids = _probe_ids(probe_stacks["v1"])

    result = stack.deploy(probe_stacks["v2-rollback-fails"])

    assert result.status == "UPDATE_ROLLBACK_FAILED"
    assert stack.status_history[-1].reason == f"The following resource(s) failed to update: [{ids['D']}]. "
    # D's update is cancelled when B fails (no answer yet), then its Update back fails.
    assert result.statuses(ids["D"]) == ["UPDATE_IN_PROGRESS", "UPDATE_FAILED", "UPDATE_IN_PROGRESS", "UPDATE_FAILED"]
    with pytest.raises(DeploymentError, match="is in UPDATE_ROLLBACK_FAILED state and can not be updated"):
        stack.deploy(probe_stacks["v1"])


def test_a_deployment_without_an_endpoint_starts_its_own(probe_stacks, aws_endpoint, emulator, clock):
    stack = StackDeployment(
        stack_name="Probe", aws_endpoint_url=aws_endpoint, personalize_endpoint_url=emulator.endpoint_url, clock=clock
    )
    try:
        assert stack.deploy(probe_stacks["v1"]).status == "CREATE_COMPLETE"
        assert {record["stackStatus"] for record in stack.handler_log if record.get("event") == "probe"} == {
            "CREATE_IN_PROGRESS"
        }
        assert stack.cloudformation.status_of(stack.stack_id) == "CREATE_COMPLETE"
    finally:
        stack.close()
