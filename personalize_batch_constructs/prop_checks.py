"""Synth-time checks of prop values: each failure names the prop and what it allows.

Values that are CDK tokens (a ``CfnParameter``, an SSM lookup) are unknown until deploy and pass
through unchecked; the handler checks them again with the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, Token

JOB_NAME_PREFIX_MAX_LENGTH = 50
"""Leaves room for ``-`` and a 12-character request hash within the API's 63 characters."""

_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$")
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z\d_]*$")
_ARN_PREFIX = r"^arn:aws[a-z-]*:personalize:[a-z0-9-]+:\d{12}:"
ARN_MAX_LENGTH = 256
"""The most characters of an ARN the Personalize API accepts."""
# The console shows solution versions as solution/<name>/<version id>; some tools print a
# "version/" segment before the id. Both name one solution version.
SOLUTION_VERSION_ARN_PATTERN = _ARN_PREFIX + r"solution/[a-zA-Z0-9][a-zA-Z0-9\-_]*/(version/)?[a-zA-Z0-9\-_]+$"
"""The regular expression ``solution_version_arn`` must match, in a syntax Python and CloudFormation
(a parameter's ``AllowedPattern``) both read."""
_ARN_PATTERNS = {
    "solution version": re.compile(SOLUTION_VERSION_ARN_PATTERN),
    "filter": re.compile(_ARN_PREFIX + r"filter/[a-zA-Z0-9][a-zA-Z0-9\-_]*$"),
}
_ARN_EXAMPLES = {
    "solution version": "arn:aws:personalize:us-east-1:111122223333:solution/movies/version/1a2b3c "
    "or arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c",
    "filter": "arn:aws:personalize:us-east-1:111122223333:filter/no-watched",
}


def is_token(value: Any) -> bool:
    return value is not None and Token.is_unresolved(value)


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
    if value is None or is_token(value):
        return
    kind = "an integer" if integer else "a number"
    bounds = f"greater than {low:g}" if low_open else f"from {low:g}"
    bounds += f" to {high:g}" if high is not None else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and int(value) != value):
        raise ValueError(f"{prop} must be {kind} {bounds}, got {value!r}")
    too_low = value <= low if low_open else value < low
    if too_low or (high is not None and value > high):
        raise ValueError(f"{prop} must be {kind} {bounds}, got {value!r}")


def check_name(
    prop: str,
    value: str | None,
    *,
    max_length: int,
    pattern: re.Pattern[str] = _NAME,
    allowed: str = "letters, digits, '-' and '_', starting with a letter or digit",
) -> None:
    if value is None or is_token(value):
        return
    if not isinstance(value, str) or not value or len(value) > max_length or not pattern.match(value):
        raise ValueError(f"{prop} must be 1 to {max_length} characters of {allowed}, got {value!r}")


def check_column(prop: str, value: str | None) -> None:
    check_name(
        prop, value, max_length=150, pattern=_COLUMN, allowed="letters, digits and '_', not starting with a digit"
    )


def check_arn(prop: str, value: str | None, kind: str) -> None:
    if value is None or is_token(value):
        return
    if not isinstance(value, str) or len(value) > ARN_MAX_LENGTH or not _ARN_PATTERNS[kind].match(value):
        raise ValueError(
            f"{prop} must be an Amazon Personalize {kind} ARN such as {_ARN_EXAMPLES[kind]}, got {value!r}"
        )


def check_weights(prop: str, value: Mapping[str, float] | None, allowed_keys: tuple[str, ...]) -> None:
    """A map of known keys to weights from 0 to 1."""
    if value is None or is_token(value):
        return
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"{prop} must be a non-empty dict with keys from {', '.join(allowed_keys)}, got {value!r}")
    for key, weight in value.items():
        if key not in allowed_keys:
            raise ValueError(f"{prop} has unknown key {key!r}; allowed keys: {', '.join(allowed_keys)}")
        check_number(f"{prop}[{key!r}]", weight, low=0, high=1)


def check_tags(prop: str, tags: Mapping[str, str] | None) -> None:
    """The API's limits: at most 200 tags, keys 1-128 characters and not ``aws:``, values 0-256."""
    if not tags:
        return
    if len(tags) > 200:
        raise ValueError(f"{prop} may hold at most 200 tags, got {len(tags)}")
    for key, value in tags.items():
        if not is_token(key) and not (isinstance(key, str) and 1 <= len(key) <= 128):
            raise ValueError(f"{prop} keys must be 1 to 128 characters, got {key!r}")
        if not is_token(key) and key.lower().startswith("aws:"):
            raise ValueError(f"{prop} keys must not start with 'aws:' (reserved for AWS), got {key!r}")
        if not is_token(value) and not (isinstance(value, str) and len(value) <= 256):
            raise ValueError(f"{prop}[{key!r}] must be a string of at most 256 characters, got {value!r}")


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
