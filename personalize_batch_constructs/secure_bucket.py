"""The input and output buckets a job creates when the user gives none."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .nag_acknowledgements import acknowledge


def new_secure_bucket(
    scope: Construct,
    construct_id: str,
    *,
    encryption_key: kms.IKey | None,
    removal_policy: RemovalPolicy,
    server_access_logs_bucket: s3.IBucket | None,
) -> s3.Bucket:
    """A private, TLS-only, encrypted bucket; emptied on delete unless it is retained."""
    destroy = removal_policy == RemovalPolicy.DESTROY
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
    )
    if server_access_logs_bucket is None:
        acknowledge(bucket, "S1", "Server access logging is optional: pass server_access_logs_bucket to turn it on")
    return bucket
