"""The IAM service role Personalize assumes to read the input and write the results."""

from __future__ import annotations

import dataclasses
from typing import Any

import jsii
from aws_cdk import Annotations, Aws, Stack
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


ROLE_TRUST_WARNING_ID = "personalize-batch-constructs:roleNotTrustingPersonalize"


def warn_unless_personalize_trusted(job: Construct, role: iam.IRole) -> None:
    """A CDK warning on ``job`` when a given role of this app cannot be assumed by Personalize.

    Evaluated when the app is synthesized, so trust added after the job counts. A warning, not an
    error: the check reads the L2 ``assume_role_policy``, and a trust policy set on the ``CfnRole``
    (``add_property_override("AssumeRolePolicyDocument", ...)``) is out of its sight.
    """
    if isinstance(role, iam.Role):
        job.node.add_validation(_TrustsPersonalize(job, role))


@jsii.implements(IValidation)
class _TrustsPersonalize:
    """Warns unless the role's trust policy allows ``sts:AssumeRole`` to Personalize, which would
    otherwise fail every job at deploy ("Failed to assume role"). Left alone when the ``Service``
    part of a statement holds an intrinsic.

    An IValidation that reports no error but adds a warning: aws-cdk-lib's ``synthesize`` runs
    ``validateTree`` after the aspects and ``prepareApp``, and before ``synthesizeTree`` writes each
    stack's metadata (``<Stack>.metadata.json``), so the warning reaches the cloud assembly, and one
    validation per job is cheaper than an aspect visiting every construct.
    """

    def __init__(self, job: Construct, role: iam.Role) -> None:
        self._job = job
        self._role = role

    def validate(self) -> list[str]:
        document = self._role.assume_role_policy
        if document is None:
            return []
        statements = Stack.of(self._role).resolve(document.to_json()).get("Statement", [])
        if any(_trusts_personalize(statement) is not False for statement in statements):
            return []
        Annotations.of(self._job).add_warning_v2(
            ROLE_TRUST_WARNING_ID,
            f"role: {self._role.node.path} does not let {PERSONALIZE_PRINCIPAL} assume it (no statement of its "
            "trust policy allows that service principal sts:AssumeRole; an account principal such as "
            "iam.AccountRootPrincipal() does not let the service in), so Personalize would fail the job at deploy, "
            f"unable to assume the role. Create it with assumed_by=iam.ServicePrincipal({PERSONALIZE_PRINCIPAL!r}), "
            "add that statement with role.assume_role_policy.add_statements(...), or leave role unset for a new "
            "one. If the trust policy is set where this check does not read it (an L1 override of the CfnRole's "
            "AssumeRolePolicyDocument), acknowledge this warning: "
            f"Annotations.of(job).acknowledge_warning({ROLE_TRUST_WARNING_ID!r}).",
        )
        return []


def _trusts_personalize(statement: dict[str, Any]) -> bool | None:
    """Whether the statement lets Personalize assume the role; None when it cannot be told (an
    intrinsic in the actions, the principal or its ``Service`` part).

    The ``Service`` part is read on its own: an ``AWS`` part names accounts or roles (an account
    principal's ARN holds ``${AWS::Partition}``), which never let the service in, except ``"*"``.
    """
    if statement.get("Effect") != "Allow":
        return False
    actions, principal = _as_list(statement.get("Action", [])), statement.get("Principal")
    if any(not isinstance(action, str) for action in actions):
        return None
    if not any(action in ("sts:AssumeRole", "sts:*", "*") for action in actions):
        return False
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return None
    services, anyone = _as_list(principal.get("Service", [])), _as_list(principal.get("AWS", []))
    if PERSONALIZE_PRINCIPAL in services or "*" in anyone:
        return True
    if any(not isinstance(service, str) for service in services):
        return None
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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
