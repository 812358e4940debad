"""Small readers of synthesized CloudFormation templates (plain dicts)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Stack


def resources(template: dict, resource_type: str) -> dict[str, dict]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == resource_type}


def logical_id(construct) -> str:
    """The logical id of a construct's CloudFormation resource (or of the CfnElement itself)."""
    element = getattr(construct.node, "default_child", None) or construct
    stack = Stack.of(element)
    return stack.resolve(stack.get_logical_id(element))


def get_att(construct, attribute: str = "Arn") -> dict:
    return {"Fn::GetAtt": [logical_id(construct), attribute]}


def ref(construct) -> dict:
    return {"Ref": logical_id(construct)}


def objects_of(bucket_arn: Any, suffix: str) -> dict:
    """``arnForObjects`` of a bucket defined in the app, as CDK renders it."""
    return {"Fn::Join": ["", [bucket_arn, suffix]]}


def s3_uri(bucket_ref: Any, key: str) -> dict:
    return {"Fn::Join": ["", ["s3://", bucket_ref, key]]}


def personalize_arn(account: Any, resource: str) -> dict:
    """``arn:<partition>:personalize:<region>:<account>:<resource>`` as CDK renders it."""
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":personalize:", {"Ref": "AWS::Region"}, ":", account, f":{resource}"],
        ]
    }


def personalize_jobs(arn_resource_type: str, names: str) -> dict:
    """The handler's grant on the jobs of one kind named ``names`` (``Nightly-*``), in this stack's
    account and Region."""
    location = "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}"
    return {"Fn::Sub": f"{location}:{arn_resource_type}/{names}"}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def statements(policy_document: dict) -> list[dict]:
    return policy_document["Statement"]


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def grants(policy_document: dict) -> set[tuple[str, str, str]]:
    """(effect, action, resource) triples of a policy document, conditions aside."""
    found = set()
    for statement in statements(policy_document):
        for action in as_list(statement["Action"]):
            for resource in as_list(statement.get("Resource", [])):
                found.add((statement["Effect"], action, canonical(resource)))
    return found


def policies_of_role(template: dict, role_ref: Any) -> list[dict]:
    """The AWS::IAM::Policy resources attached to a role (given as its Ref or its name)."""
    return [
        policy
        for policy in resources(template, "AWS::IAM::Policy").values()
        if role_ref in policy["Properties"]["Roles"]
    ]


def all_grants(documents: Iterable[dict]) -> set[tuple[str, str, str]]:
    found = set()
    for document in documents:
        found |= grants(document)
    return found
