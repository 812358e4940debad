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

import jsii
from aws_cdk import Acknowledgment, AspectPriority, Aspects, CfnResource, IAspect, Stack, Validations
from constructs import IConstruct

_PACK = "AwsSolutions"
_NAG2_METADATA_KEY = "cdk_nag"
_NAG2_RULES_KEY = "rules_to_suppress"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one finding (``IAM5[Resource::...]``, ``S1``) on ``scope`` and its children."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{_PACK}::{_PACK}-{rule}", reason=reason))
    _Nag2Suppressions.of(scope).add(_nag2_suppression(rule, reason))


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


@jsii.implements(IAspect)
class _Nag2Suppressions:
    """Writes one scope's acknowledgements into the ``cdk_nag`` metadata of each L1 resource under it.

    An Aspect, so that resources created after the acknowledgement (a role's default policy, the
    overflow policies CDK splits off at synthesis) get them too. It runs at mutating priority,
    before cdk-nag 2's Aspect (default priority) reads the metadata of the same resource.
    """

    def __init__(self) -> None:
        self._suppressions: list[dict[str, Any]] = []

    @classmethod
    def of(cls, scope: IConstruct) -> _Nag2Suppressions:
        """The scope's one instance, added on its first acknowledgement."""
        existing = next((aspect for aspect in Aspects.of(scope).all if isinstance(aspect, cls)), None)
        if existing is not None:
            return existing
        created = cls()
        Aspects.of(scope).add(created, priority=AspectPriority.MUTATING)
        return created

    def add(self, suppression: dict[str, Any]) -> None:
        if suppression not in self._suppressions:
            self._suppressions.append(suppression)

    def visit(self, node: IConstruct) -> None:
        if not CfnResource.is_cfn_resource(node):
            return
        resource: CfnResource = node  # type: ignore[assignment]
        metadata = resource.get_metadata(_NAG2_METADATA_KEY) or {}
        present = list(metadata.get(_NAG2_RULES_KEY, []))
        missing = [suppression for suppression in self._suppressions if suppression not in present]
        if missing:
            resource.add_metadata(_NAG2_METADATA_KEY, {**metadata, _NAG2_RULES_KEY: present + missing})


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
