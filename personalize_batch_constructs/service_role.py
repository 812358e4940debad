"""The IAM service role Personalize assumes to read the input and write the results."""

from __future__ import annotations

import functools

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .nag_acknowledgements import acknowledge_wildcards
from .shared_grants import SharedGrants

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


def grant_bucket_access(role: iam.IRole, bucket: s3.IBucket, object_actions: list[str], objects_arn: str) -> None:
    """Let the role and the service principal act on some objects of a bucket, and list it.

    Personalize needs both: the role's policy and a bucket policy naming the service. Jobs that
    share the role or the bucket share the object statements, each adding its objects.
    """
    if objects_arn.endswith("*"):
        acknowledge_wildcards(role, resources=[objects_arn], reason="Limited to the job's own input or output folder")

    for actions, resource in ((object_actions, objects_arn), (["s3:ListBucket"], bucket.bucket_arn)):
        SharedGrants.of(role).grant(
            ("role", role.node.path, *actions),
            resource,
            functools.partial(iam.PolicyStatement, actions=actions),
            role.add_to_principal_policy,
        )
        SharedGrants.of(bucket).grant(
            ("bucket", bucket.node.path, *actions),
            resource,
            functools.partial(bucket_policy_statement, actions),
            bucket.add_to_resource_policy,
        )


def bucket_policy_statement(actions: list[str]) -> iam.PolicyStatement:
    """A bucket policy statement for Personalize acting for this account (confused-deputy protection)."""
    return iam.PolicyStatement(
        actions=actions,
        principals=[iam.ServicePrincipal(PERSONALIZE_PRINCIPAL)],
        conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
    )


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
