"""cdk-nag findings that this library's own internals cause, acknowledged narrowly with reasons.

A user who adds cdk-nag to an app sees nothing from our constructs. Each acknowledgement names
one finding on one construct (cdk-nag 3 matches them exactly, no prefixes), so a wildcard the
user adds elsewhere still shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

_PACK = "AwsSolutions"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one finding (``IAM5[Resource::...]``, ``S1``) on ``scope`` and its children."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{_PACK}::{_PACK}-{rule}", reason=reason))


def acknowledge_wildcards(
    scope: IConstruct, *, actions: Iterable[str] = (), resources: Iterable[str] = (), reason: str
) -> None:
    """Acknowledge IAM5 findings for these wildcard actions and resource ARNs (tokens allowed)."""
    stack = Stack.of(scope)
    for action in actions:
        acknowledge(scope, f"IAM5[Action::{action}]", reason)
    for resource in resources:
        acknowledge(scope, f"IAM5[Resource::{_flatten(stack.resolve(resource))}]", reason)


def _flatten(node: Any) -> str:
    """A resolved CloudFormation value written the way cdk-nag names it in a finding."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict) and "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return str(delimiter).join(_flatten(item) for item in items)
    if isinstance(node, dict) and "Fn::Sub" in node:
        return _flatten(node["Fn::Sub"])
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        resource, attribute = node["Fn::GetAtt"]
        return f"<{_flatten(resource)}.{_flatten(attribute)}>"
    if isinstance(node, dict) and "Ref" in node:
        return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
