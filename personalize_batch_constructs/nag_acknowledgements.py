"""cdk-nag findings that this library's own internals cause, acknowledged narrowly with reasons.

A user who adds cdk-nag to an app sees nothing from our constructs, under either major:

- cdk-nag 3 (the ``Validations`` plugin) reads ``Validations.of(scope).acknowledge``;
- cdk-nag 2 (the ``AwsSolutionsChecks`` Aspect) reads the ``cdk_nag`` metadata of each L1
  resource, in the format of its ``NagSuppressions``. The library writes that metadata itself, so
  it does not depend on cdk-nag 2.

Each acknowledgement names one finding on one construct and its children (cdk-nag 3 matches them
exactly, no prefixes; cdk-nag 2 matches ``applies_to`` exactly), so a wildcard the user adds
elsewhere still shows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from .resource_suppressions import add_resource_suppression

_PACK = "AwsSolutions"
_NAG2_METADATA_KEY = "cdk_nag"
_NAG2_RULES_KEY = "rules_to_suppress"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one finding (``IAM5[Resource::...]``, ``S1``) on ``scope`` and its children."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{_PACK}::{_PACK}-{rule}", reason=reason))
    suppression = _nag2_suppression(rule, reason)
    findings = [finding.split("::", 1)[-1] for finding in suppression.get("applies_to", ())]
    add_resource_suppression(
        scope, _NAG2_METADATA_KEY, _NAG2_RULES_KEY, suppression, needs=findings, values_of=_policy_values
    )


def acknowledge_wildcards(
    scope: IConstruct, *, actions: Iterable[str] = (), resources: Iterable[str] = (), reason: str
) -> None:
    """Acknowledge IAM5 findings for these wildcard actions and resource ARNs (tokens allowed)."""
    stack = Stack.of(scope)
    for action in actions:
        acknowledge(scope, f"IAM5[Action::{action}]", reason)
    for resource in resources:
        acknowledge(scope, f"IAM5[Resource::{_flatten(stack.resolve(resource))}]", reason)


def _nag2_suppression(rule: str, reason: str) -> dict[str, Any]:
    """One entry of cdk-nag 2's ``rules_to_suppress``: the finding (``IAM5[...]``) goes in ``applies_to``."""
    name, bracket, finding = rule.partition("[")
    suppression: dict[str, Any] = {"id": f"{_PACK}-{name}", "reason": reason}
    if bracket:
        suppression["applies_to"] = [finding.removesuffix("]")]
    # cdk-nag 2 stores a reason with characters past Latin-1 in base64, and decodes it so.
    if any(ord(character) > 255 for character in reason):
        suppression.update(reason=base64.b64encode(reason.encode()).decode(), is_reason_encoded=True)
    return suppression


def _policy_values(resource: CfnResource) -> set[str]:
    """Every value in the resource's IAM policies (actions, resources, managed policy ARNs), each
    flattened the way cdk-nag names it in a finding; empty for a resource with no policy."""
    documents: list[Any]
    if isinstance(resource, iam.CfnPolicy | iam.CfnManagedPolicy):
        documents = [resource.policy_document]
    elif isinstance(resource, iam.CfnRole):
        documents = [resource.policies, resource.managed_policy_arns]
    else:
        return set()
    values: set[str] = set()
    # One resolve for all of them: each jsii call is a round trip, and this runs in an Aspect.
    _collect_values(Stack.of(resource).resolve(documents), values)
    return values


_INTRINSICS = frozenset({"Fn::Join", "Fn::Sub", "Fn::GetAtt", "Ref"})


def _collect_values(node: Any, values: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_values(item, values)
    elif isinstance(node, dict) and not _INTRINSICS.intersection(node):
        for item in node.values():
            _collect_values(item, values)
    elif node is not None:
        values.add(_flatten(node))


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
