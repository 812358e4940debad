"""Requests and responses checked against the botocore service model, constraint by constraint.

botocore's own client-side validator only checks required members, types and minimums, so a
client could send what the real service rejects; and a response that does not fit the model is
an emulator bug that must not reach a test as if the service had said it. Messages follow the
"N validation errors detected: Value ... at 'path' failed to satisfy constraint: ..." style of
AWS services, with list items as `member.1.member`-like paths (`tags.1.member.tagKey`).
"""

import json

from botocore.model import OperationModel, Shape

from .api_errors import ApiError
from .model_patterns import compiled

_NUMBER_TYPES = {"integer", "long", "double", "float", "timestamp"}
_SIZED_TYPES = {"string", "list", "map", "blob"}


def check_request(operation: OperationModel, params: dict) -> None:
    """Raise InvalidInputException naming every member that breaks the operation's input shape."""
    violations = _violations(params, operation.input_shape, path="", nulls_allowed=True)
    if violations:
        count = len(violations)
        # GUESS: AWS services often answer ValidationException for constraint violations; the
        # Personalize model only declares InvalidInputException, so the emulator uses that, with
        # the usual AWS wording ("1 validation error detected: Value ... at 'path' ...").
        raise ApiError(
            "InvalidInputException",
            f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(violations)}",
        )


def response_violations(operation: OperationModel, response: dict) -> list[str]:
    """What makes `response` unfit for the operation's output shape; empty when it fits."""
    return _violations(response, operation.output_shape, path="", nulls_allowed=False)


def _violations(value, shape: Shape, *, path: str, nulls_allowed: bool) -> list[str]:
    type_problem = _type_problem(value, shape)
    if type_problem:
        return [f"{_value_at(value, shape, path)} failed to satisfy constraint: Member must be {type_problem}"]
    if shape.type_name == "structure":
        return _structure_violations(value, shape, path, nulls_allowed)
    if shape.type_name == "list":
        nested = [
            problem
            for index, item in enumerate(value, start=1)
            for problem in _member_violations(item, shape.member, f"{path}.{index}.member", nulls_allowed)
        ]
        return _constraint_violations(value, shape, path, "Member") + nested
    if shape.type_name == "map":
        keys = [problem for key in value for problem in _constraint_violations(key, shape.key, path, "Map keys")]
        values = [
            problem
            for key, item in value.items()
            for problem in _member_violations(item, shape.value, f"{path}.{key}", nulls_allowed)
        ]
        return _constraint_violations(value, shape, path, "Member") + keys + values
    return _constraint_violations(value, shape, path, "Member")


def _structure_violations(value: dict, shape: Shape, path: str, nulls_allowed: bool) -> list[str]:
    problems = []
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(
                f"Value null at '{_join(path, name)}' failed to satisfy constraint: Member must not be null"
            )
    for name, item in value.items():
        member_path = _join(path, name)
        if name not in shape.members:
            # GUESS: the real service may ignore members its model does not know.
            problems.append(
                f"Value at '{member_path}' failed to satisfy constraint: Member is not defined in {shape.name}"
            )
        elif item is not None or not nulls_allowed:
            problems.extend(_member_violations(item, shape.members[name], member_path, nulls_allowed))
    return problems


def _member_violations(value, shape: Shape, path: str, nulls_allowed: bool) -> list[str]:
    if value is None:
        if nulls_allowed:
            return []
        return [f"Value null at '{path}' failed to satisfy constraint: Member must be omitted, not null"]
    return _violations(value, shape, path=path, nulls_allowed=nulls_allowed)


def _type_problem(value, shape: Shape) -> str | None:
    """What type `value` should have been, or None when it has the shape's type."""
    type_name = shape.type_name
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    expected = {
        "structure": (isinstance(value, dict), "an object"),
        "map": (isinstance(value, dict), "an object"),
        "list": (isinstance(value, list), "a list"),
        "string": (isinstance(value, str), "a string"),
        "blob": (isinstance(value, str), "a base64-encoded string"),
        "boolean": (isinstance(value, bool), "a boolean"),
        "integer": (isinstance(value, int) and not isinstance(value, bool), "an integer"),
        "long": (isinstance(value, int) and not isinstance(value, bool), "an integer"),
        "double": (is_number, "a number"),
        "float": (is_number, "a number"),
        "timestamp": (is_number, "a number of seconds since the epoch"),
    }
    if type_name not in expected:
        raise ValueError(f"the emulator cannot validate shapes of type {type_name} ({shape.name})")
    fits, description = expected[type_name]
    return None if fits else description


def _constraint_violations(value, shape: Shape, path: str, subject: str) -> list[str]:
    metadata = shape.metadata
    problems = []
    if shape.type_name in _SIZED_TYPES:
        if "min" in metadata and len(value) < metadata["min"]:
            problems.append(f"{subject} must have length greater than or equal to {metadata['min']}")
        if "max" in metadata and len(value) > metadata["max"]:
            problems.append(f"{subject} must have length less than or equal to {metadata['max']}")
    if shape.type_name in _NUMBER_TYPES - {"timestamp"}:
        if "min" in metadata and value < metadata["min"]:
            problems.append(f"{subject} must have value greater than or equal to {metadata['min']}")
        if "max" in metadata and value > metadata["max"]:
            problems.append(f"{subject} must have value less than or equal to {metadata['max']}")
    if shape.type_name == "string":
        if "pattern" in metadata and not compiled(metadata["pattern"]).search(value):
            problems.append(f"{subject} must satisfy regular expression pattern: {metadata['pattern']}")
        if shape.enum and value not in shape.enum:
            problems.append(f"{subject} must satisfy enum value set: [{', '.join(shape.enum)}]")
    return [f"{_value_at(value, shape, path)} failed to satisfy constraint: {problem}" for problem in problems]


def _value_at(value, shape: Shape, path: str) -> str:
    where = f"at '{path}'" if path else "in the request body"
    if shape.metadata.get("sensitive"):
        # GUESS: like other AWS services, a sensitive value (tag keys and values) is never echoed.
        return f"Value {where}"
    shown = f"'{value}'" if isinstance(value, str) else json.dumps(value)
    return f"Value {shown} {where}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
