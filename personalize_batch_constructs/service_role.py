"""The IAM service role Personalize assumes to read the input and write the results."""

from __future__ import annotations

import dataclasses
from typing import Any

import jsii
from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct, IValidation

from .nag_acknowledgements import acknowledge_wildcards
from .shared_grants import MAX_EXACT_RESOURCES, Named, SharedGrants, bucket_objects

PERSONALIZE_PRINCIPAL = "personalize.amazonaws.com"
"""The service principal that reads the input and writes the results."""

KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:ListGrants"]
"""What the role may do with the key that encrypts the data."""


def new_service_role(scope: Construct, construct_id: str) -> iam.Role:
    """A role only Personalize, acting for this account and Region, can assume."""
    return iam.Role(
        scope,
        construct_id,
        description="Assumed by Amazon Personalize to run batch jobs",
        assumed_by=iam.ServicePrincipal(
            PERSONALIZE_PRINCIPAL,
            conditions={
                # Confused-deputy protection: only Personalize resources of this account and Region.
                "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:personalize:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"},
            },
        ),
    )


def require_personalize_trust(job: Construct, role: iam.IRole) -> None:
    """Fail synthesis when a given role of this app cannot be assumed by Personalize: checked when
    the app is synthesized, so trust added after the job counts."""
    if isinstance(role, iam.Role):
        job.node.add_validation(_TrustsPersonalize(role))


@jsii.implements(IValidation)
class _TrustsPersonalize:
    """The role's trust policy must allow ``sts:AssumeRole`` to Personalize, or Personalize fails
    every job at deploy ("Failed to assume role"). Left alone when a part holds an intrinsic."""

    def __init__(self, role: iam.Role) -> None:
        self._role = role

    def validate(self) -> list[str]:
        document = self._role.assume_role_policy
        if document is None:
            return []
        statements = Stack.of(self._role).resolve(document.to_json()).get("Statement", [])
        if any(_trusts_personalize(statement) is not False for statement in statements):
            return []
        return [
            f"role: {self._role.node.path} does not let {PERSONALIZE_PRINCIPAL} assume it (no statement of its "
            "trust policy allows it sts:AssumeRole), so Personalize would fail the job at deploy, unable to "
            f"assume the role. Create it with assumed_by=iam.ServicePrincipal({PERSONALIZE_PRINCIPAL!r}), add "
            "that statement with role.assume_role_policy.add_statements(...), or leave role unset for a new one"
        ]


def _trusts_personalize(statement: dict[str, Any]) -> bool | None:
    """Whether the statement lets Personalize assume the role; None when a part is an intrinsic."""
    if statement.get("Effect") != "Allow":
        return False
    actions, principal = statement.get("Action", []), statement.get("Principal")
    actions = actions if isinstance(actions, list) else [actions]
    if any(not isinstance(action, str) for action in actions):
        return None
    if not any(action in ("sts:AssumeRole", "sts:*", "*") for action in actions):
        return False
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return None
    services = principal.get("Service", [])
    anyone = principal.get("AWS", [])
    names = [
        *(services if isinstance(services, list) else [services]),
        *(anyone if isinstance(anyone, list) else [anyone]),
    ]
    if any(not isinstance(name, str) for name in names):
        return None
    return PERSONALIZE_PRINCIPAL in names or "*" in names


def grant_bucket_access(
    role: iam.IRole, bucket: s3.IBucket, object_actions: list[str], objects_key: str, *, what: str
) -> None:
    """Let the role and the service principal act on some objects of a bucket (``objects_key``,
    the key part of their ARN), and list it.

    Personalize needs both: the role's policy and a bucket policy naming the service. Jobs that
    share the role or the bucket share the object statements, each adding its objects; past
    `MAX_EXACT_RESOURCES` jobs (``what`` their objects are: ``inputs``, ``results``) one pattern
    names them all (see shared_grants).
    """
    if objects_key.endswith("*"):
        acknowledge_wildcards(
            role,
            resources=[bucket.arn_for_objects(objects_key)],
            reason="Limited to the job's own input or output folder",
        )
    actions_text = ", ".join(object_actions)
    role_reason = (
        f"The {what} of more than {MAX_EXACT_RESOURCES} jobs sharing this role and bucket ({actions_text}): the "
        "objects matching the common prefix and suffix of their keys, as one ARN per job would outgrow IAM's "
        "policy size limits"
    )
    objects = bucket_objects(
        bucket, what, objects_key, lambda arn: acknowledge_wildcards(role, resources=[arn], reason=role_reason)
    )
    # cdk-nag has no finding for a bucket policy's wildcard to acknowledge.
    bucket_objects_ = dataclasses.replace(objects, on_pattern=_nothing) if isinstance(objects, Named) else objects
    for actions, role_resource, bucket_resource in (
        (object_actions, objects, bucket_objects_),
        (["s3:ListBucket"], bucket.bucket_arn, bucket.bucket_arn),
    ):
        SharedGrants.of(role).grant(
            ("role", role.node.path, *actions), role_resource, {"actions": actions}, role.add_to_principal_policy
        )
        SharedGrants.of(bucket).grant(
            ("bucket", bucket.node.path, *actions),
            bucket_resource,
            bucket_policy_props(actions),
            bucket.add_to_resource_policy,
        )


def _nothing(_arn: str) -> None:
    pass


def bucket_policy_props(actions: list[str]) -> dict[str, Any]:
    """The props (``iam.PolicyStatement`` keywords, resources aside) of `bucket_policy_statement`."""
    return {
        "actions": actions,
        "principals": [iam.ServicePrincipal(PERSONALIZE_PRINCIPAL)],
        "conditions": {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
    }


def bucket_policy_statement(actions: list[str]) -> iam.PolicyStatement:
    """A bucket policy statement for Personalize acting for this account (confused-deputy protection)."""
    return iam.PolicyStatement(**bucket_policy_props(actions))


def grant_key_use(role: iam.IRole, key: kms.IKey | None) -> None:
    """Let the role and Personalize use the key that encrypts the data.

    The key policy entries are only added to keys defined in this app; an imported key's
    policy must already allow them.
    """
    if key is None:
        return
    role.add_to_principal_policy(iam.PolicyStatement(actions=KEY_ACTIONS, resources=[key.key_arn]))
    for principal, conditions in (
        (iam.ServicePrincipal(PERSONALIZE_PRINCIPAL), {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}),
        (role.grant_principal, None),
    ):
        # "*" in a key policy means this key only.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=[*KEY_ACTIONS, "kms:CreateGrant"],
                principals=[principal],
                resources=["*"],
                conditions=conditions,
            )
        )
