"""Synth-time checks of prop values: each failure names the prop and what it allows.

The rules are the handler's (``lambda/prop_rules.py``). Values that are CDK tokens (a
``CfnParameter``, an SSM lookup) are unknown until deploy and pass here unchecked; the handler
applies the same rules to them before any job starts, with the same message.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, Token

from .handler_contract import prop_rules

_DAY_SECONDS = 86400

JOB_NAME_PREFIX_MAX_LENGTH: int = prop_rules.JOB_NAME_PREFIX_MAX_LENGTH
ARN_MAX_LENGTH: int = prop_rules.ARN_MAX_LENGTH
"""The most characters of an ARN the Personalize API accepts."""
SOLUTION_VERSION_ARN_PATTERN: str = prop_rules.SOLUTION_VERSION_ARN_PATTERN
"""The regular expression ``solution_version_arn`` must match, in a syntax Python and CloudFormation
(a parameter's ``AllowedPattern``) both read."""


def is_token(value: Any) -> bool:
    """Whether the value is a CDK token; False for a value jsii cannot pass to ``Token.is_unresolved``
    (a tuple, a set, bytes: it raises ``AttributeError: type object 'tuple' has no attribute
    '__jsii_type__'``), which no token is, so the check that follows names the prop."""
    return value is not None and _jsii_can_pass(value) and Token.is_unresolved(value)


def _jsii_can_pass(value: Any) -> bool:
    """What jsii marshals: JSON scalars, lists, dicts of string keys and jsii objects (or objects of
    classes declared with ``@jsii.implements``, which have ``__jsii_type__``)."""
    if isinstance(value, list):
        return all(_jsii_can_pass(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _jsii_can_pass(item) for key, item in value.items())
    return isinstance(value, str | int | float | datetime.datetime) or hasattr(type(value), "__jsii_type__")


def check_number(
    prop: str,
    value: float | None,
    *,
    low: float,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
) -> None:
    """``value`` must lie in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    if value is not None and not is_token(value):
        prop_rules.check_number(prop, value, low=low, high=high, low_open=low_open, integer=integer)


def check_job_name_prefix(prop: str, value: str) -> None:
    if not is_token(value):
        prop_rules.check_job_name_prefix(prop, value)


def check_column(prop: str, value: str | None) -> None:
    if value is not None and not is_token(value):
        prop_rules.check_column(prop, value)


def check_arn(prop: str, value: str | None, kind: str) -> None:
    if value is not None and not is_token(value):
        prop_rules.check_arn(prop, value, kind)


def check_weights(prop: str, value: Mapping[str, float] | None) -> None:
    """A map of ``POPULARITY`` and ``FRESHNESS`` to weights from 0 to 1."""
    if value is not None and not is_token(value):
        prop_rules.check_weights(prop, value, skip=is_token)


def check_tags(prop: str, tags: Mapping[str, str] | None) -> None:
    """The API's limits and characters; a token key or value is checked at deploy."""
    if tags is not None and not is_token(tags) and not isinstance(tags, Mapping):
        # The CloudFormation shape, [{"Key": k, "Value": v}], is the likeliest: name the one the prop takes.
        raise TypeError(f"{prop} must be a mapping of tag key to tag value, e.g. {{'team': 'recs'}}, got {tags!r}")
    if tags is not None and not is_token(tags):
        prop_rules.check_tags(prop, tags, skip=is_token)


def check_duration(prop: str, value: Duration, *, at_least_seconds: int, at_most_seconds: int) -> int:
    """Whole seconds within the bounds; returns them."""
    if not isinstance(value, Duration):
        raise ValueError(f"{prop} must be an aws_cdk.Duration, got {value!r}")
    if value.is_unresolved():
        raise ValueError(f"{prop} must be known at synth time, not a token")
    milliseconds = value.to_milliseconds()
    if milliseconds <= 0:
        raise ValueError(f"{prop} must be positive, got {value.to_human_string()}")
    if milliseconds % 1000 or not at_least_seconds <= milliseconds // 1000 <= at_most_seconds:
        raise ValueError(
            f"{prop} must be whole seconds from {at_least_seconds} s to {at_most_seconds} s, "
            f"got {value.to_human_string()}"
        )
    return int(milliseconds // 1000)


def check_days(prop: str, value: Duration) -> int:
    """Whole days, at least one; returns them."""
    seconds = check_duration(prop, value, at_least_seconds=1, at_most_seconds=sys.maxsize)
    if seconds % _DAY_SECONDS:
        raise ValueError(f"{prop} must be whole days, at least 1, got {value.to_human_string()}")
    return seconds // _DAY_SECONDS
