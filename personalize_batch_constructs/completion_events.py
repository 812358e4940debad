"""The completion events the handler puts on the default EventBridge bus, and rules matching one job's.

Personalize emits no event when a batch job ends; the handler, which polls the job, puts one
when a watched run ends: ``Personalize Batch Job Succeeded`` once the run passed its results
check, ``Personalize Batch Job Failed`` when it ended CREATE FAILED, failed its check or timed
out. Both have the source ``personalize-batch-constructs`` and a detail naming the stack, the
construct's path, the job, the status, the run's folder, the counts and the reason.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws
from aws_cdk import aws_events as events
from constructs import Construct

from .handler_contract import contract

SUCCEEDED_DETAIL_TYPE: str = contract.SUCCEEDED_DETAIL_TYPE
FAILED_DETAIL_TYPE: str = contract.FAILED_DETAIL_TYPE


def pattern(job: Construct, detail_type: str, given: events.EventPattern | None) -> events.EventPattern:
    """Events of `detail_type` from this job only (its stack and construct path), narrowed by `given`."""
    detail: dict[str, Any] = {**((given.detail if given else None) or {})}
    detail.update({"stackName": [Aws.STACK_NAME], "constructPath": [job.node.path]})
    return events.EventPattern(
        source=[contract.EVENT_SOURCE],
        detail_type=[detail_type],
        detail=detail,
        resources=given.resources if given else None,
    )
