"""Deterministic job names, and the ARNs Personalize derives from them.

The name hashes the CloudFormation request, so a retried invocation of the same request finds
the job it already started, while every new Create or Update gets a name never used before
(Personalize never frees a job name).
"""

import hashlib

_DIGEST_LENGTH = 12


def job_name(prefix: str, stack_id: str, logical_resource_id: str, request_id: str) -> str:
    """The prefix follows the construct's rule: the handler checked it again (`prop_recheck`)."""
    digest = hashlib.sha256(f"{stack_id}|{logical_resource_id}|{request_id}".encode()).hexdigest()
    return f"{prefix}-{digest[:_DIGEST_LENGTH]}"


def job_arn(stack_id: str, arn_resource_type: str, name: str) -> str:
    """The ARN Personalize gives the job, known before (and whether or not) it is created."""
    partition, region, account = _stack_location(stack_id)
    return f"arn:{partition}:personalize:{region}:{account}:{arn_resource_type}/{name}"


def _stack_location(stack_id: str) -> tuple[str, str, str]:
    parts = stack_id.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "cloudformation":
        raise ValueError(f"StackId {stack_id!r} is not a CloudFormation stack ARN")
    return parts[1], parts[3], parts[4]
