"""The input and output buckets a job creates when the user gives none."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .checkov_acknowledgements import acknowledge_auto_delete_handler, skip_check
from .nag_acknowledgements import acknowledge

_NO_ACCESS_LOGS = "Server access logging is optional: pass server_access_logs_bucket to turn it on"


def new_secure_bucket(
    scope: Construct,
    construct_id: str,
    *,
    encryption_key: kms.IKey | None,
    removal_policy: RemovalPolicy,
    server_access_logs_bucket: s3.IBucket | None,
    noncurrent_version_expiration: Duration | None,
    unversioned_because: str,
) -> s3.Bucket:
    """A private, TLS-only, encrypted bucket; emptied on delete unless it is retained.

    Versioned when ``noncurrent_version_expiration`` is given: an overwritten or deleted object's
    earlier version is kept that long. Otherwise ``unversioned_because`` tells checkov why not.
    """
    destroy = removal_policy == RemovalPolicy.DESTROY
    versioned = noncurrent_version_expiration is not None
    bucket = s3.Bucket(
        scope,
        construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        encryption=s3.BucketEncryption.KMS if encryption_key else s3.BucketEncryption.S3_MANAGED,
        encryption_key=encryption_key,
        bucket_key_enabled=True if encryption_key else None,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=removal_policy,
        auto_delete_objects=destroy,
        server_access_logs_bucket=server_access_logs_bucket,
        server_access_logs_prefix=f"{construct_id}/" if server_access_logs_bucket else None,
        versioned=versioned,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="ExpireNoncurrentVersions",
                noncurrent_version_expiration=noncurrent_version_expiration,
                # A delete marker with no version left behind it is removed too.
                expired_object_delete_marker=True,
            )
        ]
        if versioned
        else None,
    )
    if server_access_logs_bucket is None:
        acknowledge(bucket, "S1", _NO_ACCESS_LOGS)
        skip_check(bucket, "CKV_AWS_18", _NO_ACCESS_LOGS)
    if not versioned:
        skip_check(bucket, "CKV_AWS_21", unversioned_because)
    if destroy:
        acknowledge_auto_delete_handler(Stack.of(bucket))
    return bucket
