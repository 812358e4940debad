"""Whether Personalize, assuming a job's role, may do what the job needs: IAM and bucket policies.

Read live from IAM and S3 when a job leaves PENDING, the moment the real service assumes the
role, so a test sees the effect of the policies a deployment actually created.
"""

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from .policy_language import Effect, Verdict, identity_policy_verdict, resource_policy_verdict

SERVICE_PRINCIPAL = "personalize.amazonaws.com"
_ASSUME_ROLE = "sts:AssumeRole"
_NO_BUCKET_POLICY = "NoSuchBucketPolicy"
_NO_BUCKET = "NoSuchBucket"
_NO_ENTITY = "NoSuchEntity"


@dataclass(frozen=True)
class Permission:
    action: str
    resource: str
    bucket: str | None = None
    """The bucket whose policy must also allow the service, for S3 permissions."""


class RoleAccess:
    """Checks in the order the service would meet them: assume the role, then each permission.

    GUESS: the failure reasons imitate the service's style ("Access Denied: ..."); the real
    wording is unverified.
    """

    def __init__(self, *, iam, s3, account_id: str):
        self._iam = iam
        self._s3 = s3
        self._account_id = account_id

    def denial(self, role_arn: str, job_arn: str, permissions: list[Permission]) -> str | None:
        """Why Personalize could not do all of `permissions` as `role_arn` for `job_arn`; None if it can."""
        role = self._role(role_arn)
        if role is None:
            return f"Failed to assume role {role_arn}: the role does not exist"
        context = self._request_context(job_arn)
        trust = resource_policy_verdict(
            _document(role["AssumeRolePolicyDocument"]),
            service=SERVICE_PRINCIPAL,
            action=_ASSUME_ROLE,
            resource=None,
            context=context,
        )
        if trust.effect is not Effect.ALLOW:
            return f"Failed to assume role {role_arn}: its trust policy {_refusal(trust, _ASSUME_ROLE)}"
        identity_documents = identity_documents_of(self._iam, role["RoleName"])
        bucket_policies: dict[str, dict | None] = {}
        for permission in permissions:
            verdict = identity_policy_verdict(identity_documents, permission.action, permission.resource)
            if verdict.effect is not Effect.ALLOW:
                how = "an explicit Deny" if verdict.effect is Effect.DENY else "no Allow"
                return (
                    f"Access Denied: The role {role_arn} cannot {permission.action} on {permission.resource} "
                    f"({how} in its policies)"
                )
            if permission.bucket is None:
                continue
            if permission.bucket not in bucket_policies:
                try:
                    bucket_policies[permission.bucket] = self._bucket_policy(permission.bucket)
                except _BucketNotFound:
                    return (
                        f"The bucket {permission.bucket} does not exist: "
                        f"cannot {permission.action} on {permission.resource}"
                    )
            denial = _bucket_policy_denial(bucket_policies[permission.bucket], permission, context)
            if denial:
                return denial
        return None

    def _request_context(self, job_arn: str) -> dict[str, str]:
        # The service reaches S3 over TLS, so a bucket's aws:SecureTransport=false Deny never applies.
        return {"aws:SourceAccount": self._account_id, "aws:SourceArn": job_arn, "aws:SecureTransport": "true"}

    def _role(self, role_arn: str) -> dict | None:
        role_name = role_arn.rsplit("/", 1)[-1]
        try:
            role = self._iam.get_role(RoleName=role_name)["Role"]
        except ClientError as error:
            if error.response["Error"]["Code"] == _NO_ENTITY:
                return None
            raise
        # GUESS: another account's role, or the right name on the wrong path, counts as missing.
        return role if role["Arn"] == role_arn else None

    def _bucket_policy(self, bucket: str) -> dict | None:
        try:
            return _document(self._s3.get_bucket_policy(Bucket=bucket)["Policy"])
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == _NO_BUCKET_POLICY:
                return None
            if code == _NO_BUCKET:
                raise _BucketNotFound(bucket) from error
            raise


class _BucketNotFound(Exception):
    pass


def _bucket_policy_denial(policy: dict | None, permission: Permission, context: dict[str, str]) -> str | None:
    # GUESS: the documentation says the bucket policy must also grant the service principal, so a
    # grant to the role's ARN there does not count; a bucket without any policy is taken to leave
    # the decision to the role alone.
    if policy is None:
        return None
    verdict = resource_policy_verdict(
        policy, service=SERVICE_PRINCIPAL, action=permission.action, resource=permission.resource, context=context
    )
    if verdict.effect is Effect.ALLOW:
        return None
    refusal = _refusal(verdict, permission.action, permission.resource)
    return f"Access Denied: The bucket policy of {permission.bucket} {refusal}"


def _refusal(verdict: Verdict, action: str, resource: str | None = None) -> str:
    """How a resource policy refuses the service: "does not allow personalize.amazonaws.com s3:GetObject on ..."."""
    on = f" on {resource}" if resource else ""
    if verdict.effect is Effect.DENY:
        return f"denies {SERVICE_PRINCIPAL} {action}{on}"
    unmet = ""
    if verdict.unmet_condition:
        unmet = f" (a matching Allow has an unmet condition: {verdict.unmet_condition})"
    return f"does not allow {SERVICE_PRINCIPAL} {action}{on}{unmet}"


def identity_documents_of(iam, role_name: str) -> list[dict]:
    """The role's inline and attached managed policy documents, as IAM has them now."""
    documents = []
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for policy_name in page["PolicyNames"]:
            policy = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)
            documents.append(_document(policy["PolicyDocument"]))
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
            policy_version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)
            documents.append(_document(policy_version["PolicyVersion"]["Document"]))
    return documents


def _document(policy) -> dict:
    # botocore decodes IAM's URL-encoded documents; S3 returns its bucket policy as a JSON string.
    return json.loads(policy) if isinstance(policy, str) else policy
