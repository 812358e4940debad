"""The rules a prop's value follows, in one place for both sides: the construct applies them at
synth time to the values it knows, the handler at deploy time to the values that were tokens.

Each failure is a `PropValueError` naming the prop as the user wrote it (``num_results``, not
``NumResults``), so a value refused at deploy gets the message a literal would have got at synth.
Standard library only, and no import of the handler's other modules: the construct imports this
file from the wheel's copy of the handler.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

JOB_NAME_PREFIX_MAX_LENGTH = 50
"""Leaves room for ``-`` and a 12-character request hash within the API's 63 characters."""
JOB_NAME_PREFIX_PATTERN = r"[a-zA-Z0-9][a-zA-Z0-9\-_]*"
"""The API's job name pattern (shape ``Name``)."""
_JOB_NAME_PREFIX = re.compile(JOB_NAME_PREFIX_PATTERN)
ARN_MAX_LENGTH = 256
"""The most characters of an ARN the Personalize API accepts."""
_ARN_PREFIX = r"^arn:aws[a-z-]*:personalize:[a-z0-9-]+:\d{12}:"
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
_NAME_ALLOWED = "letters, digits, '-' and '_', starting with a letter or digit"
_COLUMN_PATTERN = re.compile(r"[A-Za-z_][A-Za-z\d_]*")
"""The API's ``ColumnName``."""
_COLUMN_MAX_LENGTH = 150
RANKING_INFLUENCE_KEYS = ("POPULARITY", "FRESHNESS")
TAG_PATTERN = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"
"""The API model's pattern of a tag key and a tag value (shapes ``TagKey``, ``TagValue``). Python's
``re`` has no ``\\p{...}`` classes, so `_is_tag_text` reads it by Unicode category."""
_TAG_CATEGORIES = ("L", "Z", "N")
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_TAG_ALLOWED = "letters, digits, spaces and _ . : / = + - @"
INPUT_KEY_PROP = "input: BatchInput.from_bucket key"
INPUT_PREFIX_PROP = "input: BatchInput.from_asset key_prefix"
OUTPUT_PREFIX_PROP = "output: BatchOutput.to_bucket prefix"
"""How messages name the locations, which are arguments of the input and output, not props of the job."""
MAX_TAGS = 200
TAG_KEY_MAX_LENGTH = 128
TAG_VALUE_MAX_LENGTH = 256


class PropValueError(ValueError):
    """A prop's value breaks its rule; the message names the prop and what it allows."""


def number_text(number: float) -> str:
    """A number as users write it: ``5000000``, ``0``, ``0.5`` (never ``5e+06``)."""
    if isinstance(number, int) or (math.isfinite(number) and number == int(number)):
        return str(int(number))
    return repr(number)


def check_number(
    prop: str,
    value: object,
    *,
    low: float,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
) -> None:
    """``value`` must be a number in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    kind = "an integer" if integer else "a number"
    bounds = f"greater than {number_text(low)}" if low_open else f"from {number_text(low)}"
    bounds += f" to {number_text(high)}" if high is not None else ""
    message = f"{prop} must be {kind} {bounds}, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PropValueError(message)
    if integer and int(value) != value:
        raise PropValueError(message)
    too_low = value <= low if low_open else value < low
    if too_low or (high is not None and value > high):
        raise PropValueError(message)


def check_job_name_prefix(prop: str, value: object) -> None:
    _check_name(
        prop,
        value,
        max_length=JOB_NAME_PREFIX_MAX_LENGTH,
        pattern=re.compile(JOB_NAME_PREFIX_PATTERN),
        allowed=_NAME_ALLOWED,
    )


def check_column(prop: str, value: object) -> None:
    _check_name(
        prop,
        value,
        max_length=_COLUMN_MAX_LENGTH,
        pattern=_COLUMN_PATTERN,
        allowed="letters, digits and '_', not starting with a digit",
    )


def _check_name(prop: str, value: object, *, max_length: int, pattern: re.Pattern[str], allowed: str) -> None:
    if not isinstance(value, str) or not value or len(value) > max_length or not pattern.fullmatch(value):
        raise PropValueError(f"{prop} must be 1 to {max_length} characters of {allowed}, got {value!r}")


def check_arn(prop: str, value: object, kind: str) -> None:
    """``kind`` is "solution version" or "filter"."""
    if not isinstance(value, str) or len(value) > ARN_MAX_LENGTH or not _ARN_PATTERNS[kind].fullmatch(value):
        raise PropValueError(
            f"{prop} must be an Amazon Personalize {kind} ARN such as {_ARN_EXAMPLES[kind]}, got {value!r}"
        )


def check_weights(prop: str, value: object, *, skip: Callable[[object], bool] = lambda _: False) -> None:
    """A non-empty map of `RANKING_INFLUENCE_KEYS` to weights from 0 to 1; `skip` passes a weight unchecked."""
    if not isinstance(value, Mapping) or not value:
        raise PropValueError(
            f"{prop} must be a non-empty dict with keys from {', '.join(RANKING_INFLUENCE_KEYS)}, got {value!r}"
        )
    for key, weight in value.items():
        if key not in RANKING_INFLUENCE_KEYS:
            raise PropValueError(f"{prop} has unknown key {key!r}; allowed keys: {', '.join(RANKING_INFLUENCE_KEYS)}")
        if not skip(weight):
            check_number(f"{prop}[{key!r}]", weight, low=0, high=1)


def check_tags(prop: str, tags: Mapping[Any, object], *, skip: Callable[[object], bool] = lambda _: False) -> None:
    """The API's rules: at most 200 tags; keys of 1-128 and values of 0-256 characters of
    `TAG_PATTERN`; no key starting with ``aws:``. `skip` passes a key or value unchecked."""
    if len(tags) > MAX_TAGS:
        raise PropValueError(f"{prop} may hold at most {MAX_TAGS} tags, got {len(tags)}")
    for key, value in tags.items():
        if not skip(key):
            if not (isinstance(key, str) and 1 <= len(key) <= TAG_KEY_MAX_LENGTH and _is_tag_text(key)):
                raise PropValueError(
                    f"{prop} keys must be 1 to {TAG_KEY_MAX_LENGTH} characters of {_TAG_ALLOWED}, got {key!r}"
                )
            if key.lower().startswith("aws:"):
                raise PropValueError(f"{prop} keys must not start with 'aws:' (reserved for AWS), got {key!r}")
        if not skip(value) and not (
            isinstance(value, str) and len(value) <= TAG_VALUE_MAX_LENGTH and _is_tag_text(value)
        ):
            raise PropValueError(
                f"{prop}[{key!r}] must be a string of at most {TAG_VALUE_MAX_LENGTH} characters of "
                f"{_TAG_ALLOWED}, got {value!r}"
            )


def check_object_key(prop: str, value: object) -> None:
    """An object key, or a folder prefix ending in ``/``: not an ``s3://`` URI, not starting with ``/``."""
    if isinstance(value, str) and value[:5].lower() == "s3://":
        key = value[5:].partition("/")[2]
        instead = f"the key {key!r}" if key else "the object's key"
        raise PropValueError(
            f"{prop} must be the object's key inside the bucket given, not an s3:// URI: give {instead} "
            f"(the bucket is the bucket argument), got {value!r}"
        )
    if isinstance(value, str) and value.startswith("/") and value.lstrip("/"):
        raise PropValueError(
            f"{prop} must not start with '/': an S3 key has no leading slash, give {value.lstrip('/')!r}, got {value!r}"
        )
    if not isinstance(value, str) or not value or value.startswith("/"):
        raise PropValueError(
            f"{prop} must be an object key or a folder prefix ending in '/', not empty and not starting "
            f"with '/', got {value!r}"
        )


def check_folder(prop: str, value: object) -> None:
    """A folder under a bucket's root: ``results/``, ``a/b/``."""
    if not isinstance(value, str) or value.startswith("/") or not value.endswith("/"):
        raise PropValueError(
            f"{prop} must be a folder that ends with '/' and does not start with '/' (e.g. 'results/'), got {value!r}"
        )


def check_arn_in_environment(prop: str, arn: str, *, stack_name: str, region: str | None, account: str | None) -> None:
    """A solution version or filter ARN (already of its pattern) of the stack's Region and account;
    a side given as None is unknown and passes."""
    _, _, _, arn_region, arn_account, _ = arn.split(":", 5)
    for what, in_arn, in_stack in (("Region", arn_region, region), ("account", arn_account, account)):
        if in_stack is not None and in_arn != in_stack:
            raise PropValueError(
                f"{prop} is in {what} {in_arn!r}, but stack {stack_name!r} deploys to "
                f"{what} {in_stack!r} (its env); a batch job runs in the stack's Region and account and finds "
                f"its solution version and filter only there: give {prop} an ARN of {what} {in_stack!r}, or "
                f"deploy the stack to {what} {in_arn!r}"
            )


def input_folder(input_key: str, *, uploaded: bool) -> str | None:
    """The folder an input occupies: a folder input's prefix, or the folder an upload prunes
    (the one holding ``input_key``); None for a single object in S3, which results (``<name>.out``
    files) cannot overlap."""
    if uploaded:
        return input_key[: input_key.rfind("/") + 1]
    return input_key if input_key.endswith("/") else None


def folder_relation(folder: str, other: str) -> str | None:
    """How ``folder`` stands to ``other`` (prefixes ending in ``/``, or ``""`` for the bucket root):
    "is", "is inside", "contains", or None when neither holds the other."""
    if folder == other:
        return "is"
    if folder.startswith(other):
        return "is inside"
    return "contains" if other.startswith(folder) else None


def check_results_apart_from_input(
    *, input_key: str, uploaded: bool, output_prefix: str, same_bucket: Callable[[], bool]
) -> None:
    """The output folder must neither be nor lie inside a folder input in the same bucket. One that
    contains the input folder is fine: each run writes into a run folder of its own named after
    the job (``<output folder><job name>/``) and the manifest sits at the output folder itself,
    so nothing lands in the input folder.

    :param input_key: the input's object key, or its folder prefix ending in ``/``.
    :param uploaded: whether ``from_asset`` uploads the input, which owns (prunes) the folder
        holding ``input_key``.
    :param same_bucket: whether both are known to be one bucket, asked only when the folders overlap.
    """
    folder = input_folder(input_key, uploaded=uploaded)
    if folder is None:
        return
    relation = folder_relation(output_prefix, folder)
    if relation not in ("is", "is inside") or not same_bucket():
        return
    source = (
        f"{INPUT_PREFIX_PROP.removeprefix('input: ')}, which the upload prunes"
        if uploaded
        else INPUT_KEY_PROP.removeprefix("input: ")
    )
    consequence = (
        "the upload removes every object there that is not part of the input, so it deletes the previous results"
        if uploaded
        else "the next run would read the results (.out files) as input"
    )
    raise PropValueError(
        f"the output folder {output_prefix or '(the bucket root)'!r} (output, BatchOutput.to_bucket "
        f"prefix) {relation} the input folder {folder!r} (input, {source}) in the same bucket: "
        f"{consequence}. Give output a folder that neither is nor lies inside the input folder "
        f"(e.g. 'results/' next to 'input/'), or another bucket"
    )


def _is_tag_text(text: str) -> bool:
    return all(unicodedata.category(char)[0] in _TAG_CATEGORIES or char in _TAG_PUNCTUATION for char in text)
