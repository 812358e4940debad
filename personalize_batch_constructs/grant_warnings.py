"""Warnings for the permissions the construct cannot add itself, listing the statements to add.

A bucket not defined in this app (``Bucket.from_bucket_name``, ``from_bucket_attributes``) takes
no bucket policy from the stack; a role imported with ``mutable=False``, from another account, or
made with ``without_policy_updates()`` takes no policy; a key not defined in this app takes no key
policy statement. Personalize then fails the job at deploy (access denied), and CloudWatch Logs
the provider's encrypted log groups, unless the owner adds the statements by hand: the warning
renders them as JSON, values known only at deploy in ``Fn::Sub`` syntax (``${AWS::AccountId}``,
``${Bucket.Arn}``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Annotations, Stack, Token, region_info
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .service_role import KEY_ACTIONS, bucket_policy_statement

_BUCKET_WARNING_ID = "personalize-batch-constructs:bucketPolicyNotAdded"
_ROLE_WARNING_ID = "personalize-batch-constructs:rolePolicyNotAdded"
_KEY_WARNING_ID = "personalize-batch-constructs:keyPolicyNotAdded"


def warn_about_grants_not_added(
    job: Construct,
    *,
    role: iam.IRole,
    input_bucket: s3.IBucket,
    input_objects: str,
    output_bucket: s3.IBucket,
    output_objects: str,
    key: kms.IKey | None,
) -> None:
    """Called after the grants: a warning on ``job`` for each bucket or role that took none of them."""
    stack = Stack.of(job)
    wanted = [(input_bucket, "s3:GetObject", input_objects), (output_bucket, "s3:PutObject", output_objects)]
    for bucket in _distinct(bucket for bucket, _, _ in wanted):
        if bucket.policy is not None:
            continue
        statements = [
            bucket_policy_statement([action]).copy(resources=[objects])
            for in_bucket, action, objects in wanted
            if in_bucket.node.path == bucket.node.path
        ]
        statements.append(bucket_policy_statement(["s3:ListBucket"]).copy(resources=[bucket.bucket_arn]))
        Annotations.of(job).add_warning_v2(
            _BUCKET_WARNING_ID,
            f"Bucket {_readable(stack, bucket.bucket_name)!r} is not defined in this app, so no bucket policy "
            f"can be added to it; Personalize reads the input and writes the results only once its bucket policy "
            f"has these statements (add them where the bucket is defined):\n{_rendered(stack, statements)}",
        )
    if _takes_statements(role):
        return
    buckets = _distinct(bucket for bucket, _, _ in wanted)
    statements = [iam.PolicyStatement(actions=[action], resources=[objects]) for _, action, objects in wanted]
    statements.append(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[b.bucket_arn for b in buckets]))
    if key is not None:
        statements.append(iam.PolicyStatement(actions=KEY_ACTIONS, resources=[key.key_arn]))
    Annotations.of(job).add_warning_v2(
        _ROLE_WARNING_ID,
        f"Role {_readable(stack, role.role_arn)!r} cannot take policy statements from this app (imported with "
        f"mutable=False, from another account, or without_policy_updates()); Personalize reads the input and "
        f"writes the results only once the role's policy has these statements:\n{_rendered(stack, statements)}",
    )


def warn_about_key_policy_not_added(job: Construct, key: kms.IKey, statements: list[iam.PolicyStatement]) -> None:
    """A warning on ``job``: a key not defined in this app takes no statement from its stack."""
    stack = Stack.of(job)
    Annotations.of(job).add_warning_v2(
        _KEY_WARNING_ID,
        f"Key {_readable(stack, key.key_arn)!r} is not defined in this app, so no statement can be added to its "
        f"key policy; CloudWatch Logs creates the provider's log groups encrypted with it only once its key policy "
        f"has these statements (add them where the key is defined):\n{_rendered(stack, statements)}",
    )


def _takes_statements(role: iam.IRole) -> bool:
    """A role of this app, or an imported one that got a policy attached for the grants."""
    return isinstance(role, iam.Role) or any(isinstance(child, iam.Policy) for child in role.node.children)


def _distinct(buckets: Iterable[s3.IBucket]) -> list[s3.IBucket]:
    by_path: dict[str, s3.IBucket] = {}
    for bucket in buckets:
        by_path.setdefault(bucket.node.path, bucket)
    return list(by_path.values())


def _rendered(stack: Stack, statements: list[iam.PolicyStatement]) -> str:
    return json.dumps([_readable(stack, statement.to_statement_json()) for statement in statements], indent=2)


def _readable(stack: Stack, value: Any) -> Any:
    """``value`` with tokens resolved: to the stack's concrete account, Region and partition where
    it has them, otherwise to ``Fn::Sub`` placeholders."""
    return _substituted(stack, stack.resolve(value))


def _substituted(stack: Stack, value: Any) -> Any:
    if isinstance(value, list):
        return [_substituted(stack, item) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return _pseudo_parameter(stack, value["Ref"])
    if set(value) == {"Fn::GetAtt"}:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(_substituted(stack, part)) for part in parts)
    return {name: _substituted(stack, item) for name, item in value.items()}


def _pseudo_parameter(stack: Stack, name: str) -> str:
    concrete = {"AWS::AccountId": stack.account, "AWS::Region": stack.region}
    if name == "AWS::Partition" and not Token.is_unresolved(stack.region):
        concrete[name] = region_info.RegionInfo.get(stack.region).partition or ""
    known = concrete.get(name)
    return known if known and not Token.is_unresolved(known) else "${" + name + "}"
