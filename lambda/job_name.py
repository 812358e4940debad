"""Deterministic job names, and the ARNs Personalize derives from them.

The name hashes the CloudFormation request, so a retried invocation of the same request finds
the job it already started, while every new Create or Update gets a name never used before
(Personalize never frees a job name).
"""

import hashlib
import re

MAX_PREFIX_LENGTH = 50
_PREFIX_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-_]*")
_DIGEST_LENGTH = 12


def job_name(prefix: str, stack_id: str, logical_resource_id: str, request_id: str) -> str:
    _check_prefix(prefix)
    digest = hashlib.sha256(f"{stack_id}|{logical_resource_id}|{request_id}".encode()).hexdigest()
    return f"{prefix}-{digest[:_DIGEST_LENGTH]}"


def job_arn(stack_id: str, arn_resource_type: str, name: str) -> str:
    """The ARN Personalize gives the job, known before (and whether or not) it is created."""
    partition, region, account = _stack_location(stack_id)
    return f"arn:{partition}:personalize:{region}:{account}:{arn_resource_type}/{name}"


def _check_prefix(prefix: str) -> None:
    # The construct validates the prefix too, but a token resolves only at deploy time.
    if not isinstance(prefix, str) or not _PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(
            f"JobNamePrefix (job_name_prefix) {prefix!r} is not a valid job name prefix: it must start "
            "with a letter or digit and hold only letters, digits, '-' and '_'"
        )
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise ValueError(
            f"JobNamePrefix (job_name_prefix) {prefix!r} has {len(prefix)} characters, at most "
            f"{MAX_PREFIX_LENGTH} are allowed (Personalize job names hold at most 63)"
        )


def _stack_location(stack_id: str) -> tuple[str, str, str]:
    parts = stack_id.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "cloudformation":
        raise ValueError(f"StackId {stack_id!r} is not a CloudFormation stack ARN")
    return parts[1], parts[3], parts[4]
