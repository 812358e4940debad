"""Waits past CloudFormation's hour: a chain of wait extensions after the job's own resource.

CloudFormation gives one custom resource at most an hour. A longer ``timeout`` is cut into
shares of at most 58 minutes: the job's resource waits for the first, then each wait extension
(``Custom::PersonalizeBatchJobWait``, served by the same provider) waits for the next, the last
one failing when its share ends with the job still running. Each extension carries the job's
request too: a job Personalize has not accepted yet (its quota full with jobs from outside the
stack) is started by whichever resource of the chain is waiting when a slot frees up.

Why a chain rather than a WaitCondition signalled by a polling state machine:

- Re-runs: each extension reads the job's ARN and last status from the resource before it
  (``Fn::GetAtt``). A replaced job, even one replaced by a token-valued prop that changes only
  at deploy time, changes every extension's properties, so CloudFormation runs each again and it
  waits for the new job. A WaitCondition and its handle cannot be updated: a new job would need
  new logical ids, which synthesis cannot derive from a value known only at deploy time.
- Nothing new to run or secure: the stack's one provider, handler and role serve the extensions,
  with the poll schedule, error handling and messages the job's resource already has.
- What an operator sees: each extension is a stack event, and a failure's reason (Personalize's,
  or the timeout naming the job) is on the extension that saw it.

The cost is one resource per share after the first (12 for 12 hours), and a few seconds of
CloudFormation and Lambda at each handover.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CustomResource, Duration
from constructs import Construct

from .handler_contract import contract
from .job_provider import TOTAL_TIMEOUT

MAX_TIMEOUT = Duration.seconds(contract.MAX_WAIT_SECONDS)
"""The longest wait, CloudFormation's own limit for a WaitCondition: the job's resource and 12
wait extensions."""
SHARE_SECONDS: int = contract.SHARE_SECONDS
"""One resource's share of a wait: it gives up two minutes before CloudFormation's hour so its
message, naming the job, wins over the framework's generic "Operation timed out"."""
_P = contract.Property


def wait_shares(timeout_seconds: int) -> list[int]:
    """``timeout_seconds`` cut into shares of at most ``SHARE_SECONDS``: the job's resource
    waits for the first, one wait extension for each of the others.

    Up to an hour is one share, at most 58 minutes, as before waits could be longer: a default
    one-hour timeout must not add an extension for its last two minutes.
    """
    if timeout_seconds <= int(TOTAL_TIMEOUT.to_seconds()):
        return [min(timeout_seconds, SHARE_SECONDS)]
    full, rest = divmod(timeout_seconds, SHARE_SECONDS)
    return [SHARE_SECONDS] * full + ([rest] if rest else [])


def first_share_properties(shares: list[int]) -> dict[str, int | str]:
    """The wait properties of the job's own resource."""
    if len(shares) == 1:
        return {_P.TIMEOUT_SECONDS: shares[0]}
    return {
        _P.TIMEOUT_SECONDS: shares[0],
        _P.TOTAL_TIMEOUT_SECONDS: sum(shares),
        _P.ON_TIMEOUT: contract.ON_TIMEOUT_CONTINUE,
    }


def chain_wait_extensions(
    scope: Construct,
    job_resource: CustomResource,
    *,
    service_token: str,
    shares: list[int],
    poll_seconds: int,
    job_properties: dict[str, Any],
) -> CustomResource:
    """A wait extension for each share after the first; returns the chain's last resource, whose
    attributes are the job's once it has ended. `job_properties` are what an extension needs to
    start the job if Personalize has not accepted it yet, and to check the run's results when the
    job ends in its share."""
    previous = job_resource
    for number, share in enumerate(shares[1:], start=1):
        previous = CustomResource(
            scope,
            f"Wait{number}",
            service_token=service_token,
            resource_type=contract.WAIT_RESOURCE_TYPE,
            properties={
                _P.JOB_ARN: previous.get_att_string(contract.Attribute.JOB_ARN),
                _P.JOB_STATUS: previous.get_att_string(contract.Attribute.STATUS),
                _P.OUTPUT_PATH: previous.get_att_string(contract.Attribute.OUTPUT_PATH),
                **{name: previous.get_att_string(name) for name in contract.COUNT_ATTRIBUTES},
                **job_properties,
                _P.EXTENSION: number,
                _P.TIMEOUT_SECONDS: share,
                _P.TOTAL_TIMEOUT_SECONDS: sum(shares),
                _P.POLL_INTERVAL_SECONDS: poll_seconds,
                _P.ON_TIMEOUT: contract.ON_TIMEOUT_CONTINUE if number < len(shares) - 1 else contract.ON_TIMEOUT_FAIL,
            },
            service_timeout=TOTAL_TIMEOUT,
        )
    return previous
