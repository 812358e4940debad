"""The lifecycle driver's model of CloudFormation and the Provider framework: if it drifts from
the real thing, every scenario proves less, so its rules are pinned here."""

import pytest
from botocore.exceptions import ClientError

from .driver.intrinsics import NO_VALUE, ResolutionContext, references, resolve
from .driver.provider_framework import (
    CREATE_FAILED_MARKER,
    ProviderFramework,
    Response,
    UserFunction,
    Waiting,
    WaiterSettings,
    waiter_settings,
)
from .driver.stack_deployment import _as_cloudformation_sends
from .local_aws import ACCOUNT_ID, REGION, client
from .virtual_clock import DEFAULT_START

CONTEXT = ResolutionContext(
    ref=lambda name: {"Bucket": "my-bucket", "AWS::Region": "us-east-1", "AWS::NoValue": NO_VALUE}.get(name, f"ref-{name}"),
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
    template = {"A": {"Ref": "One"}, "B": {"Fn::GetAtt": ["Two", "Arn"]}, "C": {"Fn::Sub": ["${Three.Arn}-${Local}", {"Local": {"Ref": "Four"}}]}}
    assert set(references(template)) == {"One", "Two", "Three", "Four"}


def test_unknown_intrinsic_is_an_error_not_a_pass_through():
    with pytest.raises(ValueError, match="Fn::ImportValue"):
        resolve({"Fn::ImportValue": "Shared"}, CONTEXT)


def test_cloudformation_sends_every_scalar_as_a_string():
    assert _as_cloudformation_sends({"N": 25, "F": 0.5, "B": True, "L": [1, {"X": False}]}) == {
        "N": "25", "F": "0.5", "B": "true", "L": ["1", {"X": "false"}]
    }


def test_waiter_settings_come_from_the_state_machine_definition():
    definition = '{"StartAt":"t","States":{"t":{"Type":"Task","Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":10,"MaxAttempts":360,"BackoffRate":1}]}}}'
    assert waiter_settings(definition) == WaiterSettings(interval_seconds=10, max_attempts=360)


def _request(request_type: str, **extra) -> dict:
    return {"RequestType": request_type, "RequestId": "req-1", "LogicalResourceId": "Job", "ResourceProperties": {}, **extra}


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
    framework = _framework(lambda event: {"PhysicalResourceId": "arn:job"}, lambda event: {"IsComplete": False}, max_attempts=2)
    state = framework.on_event(_request("Create"), now=0)
    times = []
    while isinstance(state, Waiting):
        times.append(state.next_attempt_at)
        state = framework.attempt(state, now=state.next_attempt_at)
    assert times == [0, 10, 20]
    assert state == Response("FAILED", "arn:job", reason="Operation timed out")


def test_data_with_is_complete_false_fails_the_resource():
    framework = _framework(lambda event: {"PhysicalResourceId": "arn:job"}, lambda event: {"IsComplete": False, "Data": {"X": 1}})
    response = framework.attempt(framework.on_event(_request("Create"), now=0), now=0)
    assert response.status == "FAILED" and '"Data" is not allowed' in response.reason


def test_a_delete_may_not_change_the_physical_id():
    response = _framework(lambda event: {"PhysicalResourceId": "other"}).on_event(_request("Delete", PhysicalResourceId="arn:job"), now=0)
    assert response.status == "FAILED" and "cannot change the physical resource ID" in response.reason


# ---------------------------------------------------------------------------------------------
# DescribeStacks on loopback, as the handler's boto3 client reads it


def test_describe_stacks_answers_what_boto3_parses(cloudformation):
    stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/Shop/0a1b2c3d-0000-4000-8000-000000000000"
    cloudformation.publish(stack_id, "Shop", "UPDATE_IN_PROGRESS", at=DEFAULT_START)
    cloudformation.publish(stack_id, "Shop", "UPDATE_ROLLBACK_IN_PROGRESS", at=DEFAULT_START + 60, reason="The following resource(s) failed to update: [Job]. ")
    describe = client("cloudformation", cloudformation.url).describe_stacks

    for name in (stack_id, "Shop"):
        (stack,) = describe(StackName=name)["Stacks"]
        assert stack["StackId"] == stack_id and stack["StackName"] == "Shop"
        assert stack["StackStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS"
        assert stack["StackStatusReason"] == "The following resource(s) failed to update: [Job]. "
        assert stack["CreationTime"].timestamp() == DEFAULT_START and stack["LastUpdatedTime"].timestamp() == DEFAULT_START + 60
    with pytest.raises(ClientError) as raised:
        describe(StackName="Elsewhere")
    assert raised.value.response["Error"] == {"Type": "Sender", "Code": "ValidationError", "Message": "Stack with id Elsewhere does not exist"}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    cloudformation.publish(stack_id, "Shop", "DELETE_COMPLETE", at=DEFAULT_START + 120)
    # A deleted stack is found by its id only, as in CloudFormation.
    (deleted,) = describe(StackName=stack_id)["Stacks"]
    assert deleted["StackStatus"] == "DELETE_COMPLETE" and deleted["DeletionTime"].timestamp() == DEFAULT_START + 120
    with pytest.raises(ClientError, match="Stack with id Shop does not exist"):
        describe(StackName="Shop")
    assert describe()["Stacks"] == []
    assert [call.answer for call in cloudformation.calls] == [
        "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "ValidationError", "DELETE_COMPLETE", "ValidationError", "",
    ]


def test_other_actions_are_refused(cloudformation):
    with pytest.raises(ClientError) as raised:
        client("cloudformation", cloudformation.url).list_stacks()
    assert raised.value.response["Error"]["Code"] == "InvalidAction"
