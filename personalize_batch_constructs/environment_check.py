"""Synth-time refusal of Personalize ARNs from another Region or account than the stack's.

The job runs in the stack's Region and account, and Personalize finds a solution version or a
filter only there: the deploy would fail after the upload, with a less helpful message. Checked
here only where both sides are concrete (an environment-agnostic stack passes); an ARN that is a
token is checked by the handler at deploy, by the same rule (``prop_rules``).
"""

from __future__ import annotations

from aws_cdk import Stack, Token
from constructs import Construct

from .handler_contract import prop_rules


def check_arns_in_stack_environment(job: Construct, **arns: str | None) -> None:
    """Raise a ValueError naming the prop and the stack's environment for an ARN from elsewhere.

    :param arns: the ARN props by name; ``None`` for one not given.
    """
    stack = Stack.of(job)
    for prop, arn in arns.items():
        if arn is not None and not Token.is_unresolved(arn):
            prop_rules.check_arn_in_environment(
                prop,
                arn,
                stack_name=stack.stack_name,
                region=None if Token.is_unresolved(stack.region) else stack.region,
                account=None if Token.is_unresolved(stack.account) else stack.account,
            )
