"""The provider's log groups encrypted with a job's KMS key, and the key policy statement that
CloudWatch Logs needs to use it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from .checkov_acknowledgements import withdraw_unencrypted_logs
from .grant_warnings import warn_about_key_policy_not_added

# CloudWatch Logs' documented statement (encrypt-log-data-kms.html): a log group cannot be created
# with a key whose policy does not allow it.
_LOGS_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


def encrypt_log_groups(log_groups: Sequence[logs.LogGroup], key: kms.IKey, job: Construct) -> None:
    """Encrypt ``log_groups`` with ``key``, allowing CloudWatch Logs to use it for this account's and
    Region's log groups (their names are generated, and naming them in the policy would make the
    key depend on its log groups); a key not defined in this app gets a warning on ``job``."""
    stack = Stack.of(log_groups[0])
    for log_group in log_groups:
        encrypt_log_group(log_group, key)
    log_group_arns = stack.format_arn(
        service="logs", resource="log-group", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
    )
    statement = iam.PolicyStatement(
        principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
        actions=_LOGS_KEY_ACTIONS,
        resources=["*"],
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}},
    )
    if not key.add_to_resource_policy(statement).statement_added:
        warn_about_key_policy_not_added(job, key, [statement])


def encrypt_log_group(log_group: logs.LogGroup, key: kms.IKey) -> None:
    """Encrypt one log group with a key whose policy ``encrypt_log_groups`` already extended."""
    cast(logs.CfnLogGroup, log_group.node.default_child).kms_key_id = key.key_arn
    withdraw_unencrypted_logs(log_group)
