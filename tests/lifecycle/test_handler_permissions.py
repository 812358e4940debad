"""The handler's Personalize permissions as a deployed stack grants them: with its role's
credentials, the emulator lets it run and tag the jobs its prefix names and nothing else.

The lifecycle driver runs the handler functions with their role's credentials, so every deploy
in the lifecycle tests also proves that the role allows what the handler does; these tests prove
that it allows no more.
"""

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from .local_aws import ACCOUNT_ID, REGION, client
from .scenario_app import KINDS


def _handler_personalize(stack, aws_endpoint: str, emulator):
    """A Personalize client with the credentials the stack's handler functions run with."""
    (role,) = [
        resource.physical_id
        for logical_id, resource in stack.resources.items()
        if logical_id.startswith("PersonalizeBatchJobProviderHandlerRole")
        and resource.resource_type == "AWS::IAM::Role"
    ]
    credentials = client("sts", aws_endpoint).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{role}", RoleSessionName="handler"
    )["Credentials"]
    return boto3.client(
        "personalize",
        endpoint_url=emulator.endpoint_url,
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _refusal(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    return caught.value.response["Error"]["Message"]


def test_the_handler_may_touch_only_the_jobs_its_prefix_names(kind, scenario_stack, deployment, emulator, aws_endpoint):
    artifact = scenario_stack(kind.stack("InputChange"))
    stack = deployment(artifact.name)
    assert stack.deploy(artifact, {}).status == "CREATE_COMPLETE"
    (job,) = emulator.jobs()
    prefix = job.name.rsplit("-", 1)[0]
    handler = _handler_personalize(stack, aws_endpoint, emulator)
    create = getattr(handler, f"create_{kind.arn_resource_type.replace('-', '_')}")
    describe = getattr(handler, f"describe_{kind.arn_resource_type.replace('-', '_')}")
    arn_member = f"{kind.api_name[0].lower()}{kind.api_name[1:]}Arn"
    request = {key: value for key, value in job.request.items() if key != "tags"}

    # Its own prefix: created, described, tagged and untagged.
    own = create(**{**request, "jobName": f"{prefix}-by-hand"})[arn_member]
    describe(**{arn_member: own})
    handler.tag_resource(resourceArn=own, tags=[{"tagKey": "team", "tagValue": "recs"}])
    handler.untag_resource(resourceArn=own, tagKeys=["team"])

    # Another prefix, even one that starts like it: refused, whoever created the job.
    for name in (f"Other{prefix}-1", f"{prefix}x-1"):
        message = _refusal(lambda name=name: create(**{**request, "jobName": name}))
        assert f"personalize:{kind.create_operation} on resource: " in message and message.endswith(
            f"because no identity-based policy allows the personalize:{kind.create_operation} action"
        )
    others = client("personalize", emulator.endpoint_url)  # the account's administrator
    theirs = getattr(others, f"create_{kind.arn_resource_type.replace('-', '_')}")(**{**request, "jobName": "Other-1"})[
        arn_member
    ]
    assert theirs.endswith(":" + kind.arn_resource_type + "/Other-1")
    assert f"on resource: {theirs}" in _refusal(lambda: describe(**{arn_member: theirs}))
    _refusal(lambda: handler.tag_resource(resourceArn=theirs, tags=[{"tagKey": "team", "tagValue": "x"}]))
    _refusal(lambda: handler.untag_resource(resourceArn=theirs, tagKeys=["team"]))


def test_the_handler_may_create_jobs_of_its_solution_versions_only(scenario_stack, deployment, emulator, aws_endpoint):
    inference = KINDS[0]
    artifact = scenario_stack(inference.stack("InputChange"))
    stack = deployment(artifact.name)
    assert stack.deploy(artifact, {}).status == "CREATE_COMPLETE"
    (job,) = emulator.jobs()
    other_version = f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/another/9f8e7d"
    emulator.add_solution_version(other_version, recipe="user-personalization")
    handler = _handler_personalize(stack, aws_endpoint, emulator)
    prefix = job.name.rsplit("-", 1)[0]

    message = _refusal(
        lambda: handler.create_batch_inference_job(
            **{**job.request, "jobName": f"{prefix}-other-version", "solutionVersionArn": other_version}
        )
    )
    assert f"on resource: {other_version} " in message
    # Nor may it pass a role other than the jobs' own.
    iam = client("iam", aws_endpoint)
    trust = {"Version": "2012-10-17", "Statement": []}
    other_role = iam.create_role(RoleName="another-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    message = _refusal(
        lambda: handler.create_batch_inference_job(
            **{**job.request, "jobName": f"{prefix}-other-role", "roleArn": other_role}
        )
    )
    assert f"iam:PassRole on resource: {other_role} " in message
