"""Typed values read from CloudFormation resource properties, which arrive as strings."""

import math
from typing import Any, Literal, overload

from provider_event import ResourceProperties


class PropertyError(ValueError):
    """A resource property is missing or holds a value that cannot be used."""


def required(properties: ResourceProperties, name: str) -> Any:
    value = properties.get(name)
    if _is_absent(value):
        raise PropertyError(f"Property {name} is required but was not given")
    return value


@overload
def integer(
    properties: ResourceProperties,
    name: str,
    *,
    minimum: int = 1,
    maximum: int | None = None,
    optional: Literal[False] = False,
) -> int: ...
@overload
def integer(
    properties: ResourceProperties, name: str, *, minimum: int = 1, maximum: int | None = None, optional: bool
) -> int | None: ...
def integer(
    properties: ResourceProperties, name: str, *, minimum: int = 1, maximum: int | None = None, optional: bool = False
) -> int | None:
    """The property as a whole number; None when it is `optional` and absent."""
    if optional and _is_absent(properties.get(name)):
        return None
    raw = required(properties, name)
    text = str(raw).strip()
    try:
        value = int(text)
    except ValueError:
        # A token that resolved to "2e2" or "200.0" passed the prop recheck as the construct reads a number.
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not number.is_integer():
            raise PropertyError(f"Property {name} must be a whole number, got {raw!r}") from None
        value = int(number)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise PropertyError(f"Property {name} must be at least {minimum}{upper}, got {value}")
    return value


def boolean(properties: ResourceProperties, name: str, *, default: bool) -> bool:
    """The property as CloudFormation sends a boolean, "true" or "false"; `default` when absent."""
    raw = properties.get(name)
    if _is_absent(raw):
        return default
    text = str(raw).strip().lower()
    if text not in ("true", "false"):
        raise PropertyError(f"Property {name} must be true or false, got {raw!r}")
    return text == "true"


def choice(properties: ResourceProperties, name: str, allowed: tuple[str, ...], *, default: str) -> str:
    """The property as one of `allowed`; `default` when absent."""
    raw = properties.get(name)
    if _is_absent(raw):
        return default
    if raw not in allowed:
        raise PropertyError(f"Property {name} must be one of {', '.join(allowed)}, got {raw!r}")
    return str(raw)


def fraction(properties: ResourceProperties, name: str, *, default: float) -> float:
    """The property as a number from 0 to 1; `default` when absent."""
    raw = properties.get(name)
    if _is_absent(raw):
        return default
    value = _finite_float(name, raw)
    if not 0 <= value <= 1:
        raise PropertyError(f"Property {name} must be a number from 0 to 1, got {raw!r}")
    return value


def float_map(properties: ResourceProperties, name: str) -> dict[str, float] | None:
    raw = properties.get(name)
    if _is_absent(raw):
        return None
    if not isinstance(raw, dict):
        raise PropertyError(f"Property {name} must be a map of names to numbers, got {raw!r}")
    return {key: _finite_float(f"{name}.{key}", value) for key, value in raw.items()}


def drop_absent(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields that hold a value: boto3 rejects None, and empty maps or lists mean "not set"."""
    return {key: value for key, value in fields.items() if not _is_absent(value)}


def _finite_float(name: str, raw: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise PropertyError(f"Property {name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise PropertyError(f"Property {name} must be a finite number, got {raw!r}")
    return value


def _is_absent(value: object) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value)
