"""Synth-time refusal of Personalize ARNs from another Region or account than the stack's.

The job runs in the stack's Region and account, and Personalize finds a solution version or a
filter only there: the deploy would fail after the upload, with a less helpful message. Checked
only where both sides are concrete: an environment-agnostic stack, or an ARN that is a token,
passes.
"""

from __future__ import annotations

from aws_cdk import Stack, Token
from constructs import Construct


def check_arns_in_stack_environment(job: Construct, **arns: str | None) -> None:
    """Raise a ValueError naming the prop and the stack's environment for an ARN from elsewhere.

    :param arns: the ARN props by name; ``None`` for one not given.
    """
    stack = Stack.of(job)
    for prop, arn in arns.items():
        if arn is None or Token.is_unresolved(arn):
            continue
        # The ARN's pattern is checked before: arn:<partition>:personalize:<region>:<account>:<resource>.
        _, _, _, arn_region, arn_account, _ = arn.split(":", 5)
        for what, in_arn, in_stack in (("Region", arn_region, stack.region), ("account", arn_account, stack.account)):
            if not Token.is_unresolved(in_stack) and in_arn != in_stack:
                raise ValueError(
                    f"{job.node.path}: {prop} is in {what} {in_arn!r}, but stack {stack.stack_name!r} deploys to "
                    f"{what} {in_stack!r} (its env); a batch job runs in the stack's Region and account and finds "
                    f"its solution version and filter only there: give {prop} an ARN of {what} {in_stack!r}, or "
                    f"deploy the stack to {what} {in_arn!r}"
                )
