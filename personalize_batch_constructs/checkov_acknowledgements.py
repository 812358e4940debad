"""checkov findings that this library's own internals cause, acknowledged narrowly with reasons.

checkov reads a template, not the construct tree: it skips a check on a resource whose
``Metadata.checkov.skip`` lists the check's id with a comment. Each acknowledgement here names one
check on one construct and its children, so the same check still fails on the user's resources.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import IConstruct

from .resource_suppressions import add_resource_suppression, withdraw_resource_suppression

_METADATA_KEY = "checkov"
_LIST_KEY = "skip"

_AUTO_DELETE_PROVIDER_ID = "Custom::S3AutoDeleteObjectsCustomResourceProvider"
"""Where aws-cdk-lib puts the stack's one handler of ``auto_delete_objects`` buckets."""

_CONCURRENCY = (
    "Reserved concurrency would come out of the account's pool, of which Lambda keeps 100 unreserved: it "
    "would cost the account's other functions, and fail the deploy in an account at a lower quota; this "
    "function runs only during deploys, a few invocations at a time"
)
_VPC = (
    "Calls only public AWS APIs and reaches no resource in a VPC; in one it would need the user's subnets "
    "and a NAT gateway or interface endpoints, at a cost, with no data path for the VPC to protect"
)
_ENVIRONMENT = (
    "The environment holds no secret (the provider's query interval, the framework's function and state "
    "machine ARNs); Lambda encrypts it at rest"
)
_DEAD_LETTERS = {
    "handler": "Invoked synchronously by the Provider framework's functions, which report its failure to "
    "CloudFormation; a dead-letter queue takes only asynchronous events",
    "framework-onEvent": "Invoked by CloudFormation, which waits for its response and fails the resource "
    "without one; a dead-letter queue would keep only a request CloudFormation has given up on",
    "waiter": "Invoked synchronously by the Provider framework's waiter state machine, which reports its "
    "failure to CloudFormation; a dead-letter queue takes only asynchronous events",
    "auto-delete": "aws-cdk-lib's handler that empties auto_delete_objects buckets (the construct's input "
    "bucket) on stack deletion, invoked by CloudFormation, which waits for its response; a dead-letter "
    "queue would keep only a request CloudFormation has given up on",
}
_UNENCRYPTED_LOGS = (
    "Encrypted by CloudWatch Logs with its own key; give the stack's jobs an encryption_key to encrypt "
    "the provider's log groups with it"
)


def skip_check(scope: IConstruct, check_id: str, reason: str) -> None:
    """Acknowledge one checkov check (``CKV_AWS_116``) on ``scope`` and its children."""
    add_resource_suppression(scope, _METADATA_KEY, _LIST_KEY, {"id": check_id, "comment": reason})


def acknowledge_provider_functions(provider: cr.Provider, handlers: Sequence[lambda_.IFunction]) -> None:
    """The handler functions and the Provider framework's: run by CloudFormation during deploys only."""
    # find_child is typed IConstruct; these children are the Provider's own functions.
    framework = {
        name: cast(lambda_.IFunction, provider.node.find_child(name))
        for name in ("framework-onEvent", "framework-isComplete", "framework-onTimeout")
    }
    functions = [
        *((function, _DEAD_LETTERS["handler"]) for function in handlers),
        (framework["framework-onEvent"], _DEAD_LETTERS["framework-onEvent"]),
        (framework["framework-isComplete"], _DEAD_LETTERS["waiter"]),
        (framework["framework-onTimeout"], _DEAD_LETTERS["waiter"]),
    ]
    for function, dead_letters in functions:
        skip_check(function, "CKV_AWS_115", _CONCURRENCY)
        skip_check(function, "CKV_AWS_116", dead_letters)
        skip_check(function, "CKV_AWS_117", _VPC)
        skip_check(function, "CKV_AWS_173", _ENVIRONMENT)


def acknowledge_auto_delete_handler(stack: Stack) -> None:
    """aws-cdk-lib's handler for ``auto_delete_objects``, present once a bucket of the stack has it."""
    handler = stack.node.try_find_child(_AUTO_DELETE_PROVIDER_ID)
    if handler is None:
        return
    skip_check(handler, "CKV_AWS_115", _CONCURRENCY)
    skip_check(handler, "CKV_AWS_116", _DEAD_LETTERS["auto-delete"])
    skip_check(handler, "CKV_AWS_117", _VPC)


def acknowledge_unencrypted_logs(log_group: IConstruct) -> None:
    """A log group with CloudWatch Logs' own encryption, until a job of the stack gives a key."""
    skip_check(log_group, "CKV_AWS_158", _UNENCRYPTED_LOGS)


def withdraw_unencrypted_logs(log_group: IConstruct) -> None:
    """The log group is now encrypted with a job's key: checkov's check passes on its own."""
    withdraw_resource_suppression(
        log_group, _METADATA_KEY, _LIST_KEY, {"id": "CKV_AWS_158", "comment": _UNENCRYPTED_LOGS}
    )
