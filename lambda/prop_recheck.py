"""The construct's prop rules, applied again at deploy time to the values CloudFormation sends.

A prop given as a token (a ``CfnParameter``, an SSM lookup) is unknown at synth, so the construct
passes it unchecked. Before any job starts the handler reads each property back into the prop's
value and applies the same rule (`prop_rules`), so a bad value fails with the message a literal
would have got at synth: the construct's path, the prop's name, what it allows.
"""

from __future__ import annotations

import re
from typing import Any

from contract import JobKind, Property
from prop_rules import (
    INPUT_KEY_PROP,
    OUTPUT_PREFIX_PROP,
    PropValueError,
    check_arn,
    check_arn_in_environment,
    check_column,
    check_folder,
    check_job_name_prefix,
    check_number,
    check_object_key,
    check_results_apart_from_input,
    check_tags,
    check_weights,
)
from provider_event import ResourceProperties

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def recheck_job_props(properties: ResourceProperties, kind: JobKind, stack_id: str) -> None:
    """Raises PropValueError, as the construct would have, for the first prop that breaks its rule."""
    try:
        _recheck(properties, kind)
        _recheck_against_each_other(properties, stack_id)
    except PropValueError as error:
        path = properties.get(Property.CONSTRUCT_PATH)
        raise PropValueError(f"{path}: {error}" if path else str(error)) from None


def _recheck(properties: ResourceProperties, kind: JobKind) -> None:
    # Present means given: the construct writes no property for a prop left unset.
    given = {name: value for name, value in properties.items() if value is not None}
    if Property.JOB_NAME_PREFIX in given:
        check_job_name_prefix("job_name_prefix", given[Property.JOB_NAME_PREFIX])
    if Property.SOLUTION_VERSION_ARN in given:
        check_arn("solution_version_arn", given[Property.SOLUTION_VERSION_ARN], "solution version")
    if Property.FILTER_ARN in given:
        check_arn("filter_arn", given[Property.FILTER_ARN], "filter")
    if Property.NUM_RESULTS in given:
        check_number(
            "num_results", _number(given[Property.NUM_RESULTS]), low=1, high=kind.max_num_results, integer=True
        )
    if Property.MAX_ERROR_RATE in given:
        check_number("max_error_rate", _number(given[Property.MAX_ERROR_RATE]), low=0, high=1)
    exploration = given.get(Property.ITEM_EXPLORATION_CONFIG)
    if isinstance(exploration, dict):
        if "explorationWeight" in exploration:
            check_number("exploration_weight", _number(exploration["explorationWeight"]), low=0, high=1)
        if "explorationItemAgeCutOff" in exploration:
            check_number(
                "exploration_item_age_cut_off", _number(exploration["explorationItemAgeCutOff"]), low=0, low_open=True
            )
    if Property.RANKING_INFLUENCE in given:
        weights = given[Property.RANKING_INFLUENCE]
        check_weights(
            "ranking_influence",
            {key: _number(weight) for key, weight in weights.items()} if isinstance(weights, dict) else weights,
        )
    if Property.THEME_ITEM_NAME_FIELD in given:
        check_column("theme_item_name_field", given[Property.THEME_ITEM_NAME_FIELD])
    if Property.JOB_TAGS in given:
        check_tags("tags", _tags(given[Property.JOB_TAGS]))
    if Property.INPUT_PATH in given:
        # An uploaded input's key is its checked prefix and a file name: only a from_bucket key can break the rule.
        check_object_key(INPUT_KEY_PROP, _key(given[Property.INPUT_PATH]))
    if Property.OUTPUT_PATH in given and (prefix := _key(given[Property.OUTPUT_PATH])) != "":
        check_folder(OUTPUT_PREFIX_PROP, prefix)


def _recheck_against_each_other(properties: ResourceProperties, stack_id: str) -> None:
    """The checks synth skips when one side is a token: the ARNs against the stack's environment,
    the output folder against the input's."""
    _, _, _, region, account, resource = stack_id.split(":", 5)
    for prop, name in (("solution_version_arn", Property.SOLUTION_VERSION_ARN), ("filter_arn", Property.FILTER_ARN)):
        if properties.get(name):
            check_arn_in_environment(
                prop, properties[name], stack_name=resource.split("/")[1], region=region, account=account
            )
    input_path, output_path = properties.get(Property.INPUT_PATH), properties.get(Property.OUTPUT_PATH)
    if isinstance(input_path, str) and isinstance(output_path, str):
        check_results_apart_from_input(
            input_key=_key(input_path),
            # Only uploaded input has a content version.
            uploaded=bool(properties.get(Property.INPUT_VERSION)),
            output_prefix=_key(output_path),
            same_bucket=lambda: _bucket(input_path) == _bucket(output_path),
        )


def _number(raw: Any) -> Any:
    """A number as the construct got it (CloudFormation sends it as a string); anything else as it came."""
    text = str(raw).strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    return raw


def _bucket(s3_uri: str) -> str:
    return s3_uri.removeprefix("s3://").partition("/")[0]


def _key(s3_uri: Any) -> Any:
    """The key part of ``s3://bucket/key``; a bucket name holds no ``/``."""
    return str(s3_uri).removeprefix("s3://").partition("/")[2]


def _tags(raw: Any) -> dict[Any, Any]:
    """``[{"tagKey", "tagValue"}]`` as the construct's ``tags`` map."""
    entries = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(entry, dict) and {"tagKey", "tagValue"} <= entry.keys() for entry in entries):
        raise PropValueError(f"tags must be a map of tag keys to values, got {raw!r}")
    return {entry["tagKey"]: entry["tagValue"] for entry in entries}
