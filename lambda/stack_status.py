"""Whether CloudFormation is rolling the stack back, which an Update request does not say.

In an update rollback CloudFormation sends each custom resource it updated an Update back to its
previous properties. For a batch job that would start yet another job and wait hours for it,
and for a wait extension it would wait again: both must answer at once instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

_ROLLING_BACK = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_IN_PROGRESS"})


def is_rolling_back(cloudformation: CloudFormationClient, stack_id: str) -> bool:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_id)["Stacks"]
    except Exception as error:
        raise RuntimeError(
            f"Could not tell whether stack {stack_id} is rolling back (cloudformation:DescribeStacks): {error}"
        ) from error
    return bool(stacks) and stacks[0]["StackStatus"] in _ROLLING_BACK
