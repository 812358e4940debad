"""Synth-time checks of a literal EventBridge Scheduler expression: ``cron(...)``, ``rate(...)`` or ``at(...)``.

EventBridge Scheduler refuses a malformed expression only when CloudFormation creates the schedule,
which is after the deploy-time job has run (up to 12 hours). aws-cdk-lib checks only what its own
factories compute (``ScheduleExpression.rate``'s whole minutes, ``cron``'s day and week_day not both
given): ``ScheduleExpression.expression`` takes any string and ``cron`` any field text. The rules are
those of the Scheduler's schedule types
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html) and the cron reference
they share with EventBridge (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html).
A token expression passes unchecked.
"""

from __future__ import annotations

import datetime
import itertools
import re
from typing import NamedTuple

_EXPRESSION = re.compile(r"(cron|rate|at)\((.*)\)", re.DOTALL)
_FORMS = (
    "cron(minutes hours day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss) "
    "(ScheduleExpression.cron, rate or at)"
)
_RATE_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_DAY_MINUTES = 24 * 60
_AT_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_AT_FORMAT = "%Y-%m-%dT%H:%M:%S"
_NUMBER = re.compile(r"[0-9]+")
_WEEK_OF_MONTH_HIGH = 5
"""``n#k``: the k-th weekday n of the month, at most the fifth."""


class _Field(NamedTuple):
    name: str
    low: int
    high: int
    names: tuple[str, ...]
    """Names of the values from ``low`` on, accepted in any case."""
    wildcards: str
    """What the field takes besides ``,``, ``-`` and ``*``: ``/``, ``?``, ``L``, ``W``, ``#``."""

    @property
    def allowed(self) -> str:
        values = f"{self.low}-{self.high}" + (f" or {self.names[0]}-{self.names[-1]}" if self.names else "")
        return f"{values} (wildcards {' '.join([',', '-', '*', *self.wildcards])})"


_FIELDS = (
    _Field("minutes", 0, 59, (), "/"),
    _Field("hours", 0, 23, (), "/"),
    _Field("day-of-month", 1, 31, (), "?/LW"),
    _Field("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), "/"),
    _Field("day-of-week", 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), "?L#"),
    _Field("year", 1970, 2199, (), "/"),
)
_DAY_OF_MONTH, _DAY_OF_WEEK = 2, 4


def check_expression(prop: str, expression: str) -> None:
    """Raise a ValueError naming ``prop`` unless ``expression`` is one EventBridge Scheduler accepts."""
    match = _EXPRESSION.fullmatch(expression)
    if match is None:
        raise ValueError(f"{prop} must be an EventBridge Scheduler expression, {_FORMS}, got {expression!r}")
    kind, body = match.groups()
    if kind == "cron":
        _check_cron(prop, expression, body.split())
    elif kind == "rate":
        if _rate_seconds(body) is None:
            raise ValueError(
                f"{prop} must be rate(value unit), value a positive whole number and unit minute, hour or day "
                f"when the value is 1 (rate(1 hour)), minutes, hours or days otherwise (rate(12 hours)), "
                f"got {expression!r}"
            )
    elif not _is_date_time(body):
        raise ValueError(
            f"{prop} must be at(yyyy-mm-ddThh:mm:ss), a date and time that exist (ScheduleExpression.at), "
            f"got {expression!r}"
        )


def shortest_interval_seconds(expression: str) -> int | None:
    """The fewest seconds between two runs of a valid ``rate(...)`` or ``cron(...)`` expression;
    None for ``at(...)`` and a malformed one.

    A rate's interval; for a cron, the shortest gap between two of its firing times of a day, read
    from the minutes and hours fields (``cron(* 2 * * ? *)``: 60 s, every minute from 02:00 to
    02:59), the gap across midnight included (``cron(0 22,2 * * ? *)``: 4 hours, as if the next day
    fired too), and one day when it fires once a day: the day fields only space firing days apart.
    """
    match = _EXPRESSION.fullmatch(expression)
    if match is None:
        return None
    kind, body = match.groups()
    if kind == "rate":
        return _rate_seconds(body)
    times = _cron_times_of_day(body) if kind == "cron" else None
    if not times:
        return None
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    return 60 * min([*gaps, times[0] + _DAY_MINUTES - times[-1]])


def cron_firings_per_day(expression: str) -> int | None:
    """How many times a valid ``cron(...)`` expression fires on a day it fires; None for any other."""
    match = _EXPRESSION.fullmatch(expression)
    times = _cron_times_of_day(match.group(2)) if match is not None and match.group(1) == "cron" else None
    return len(times) if times else None


def fires_every_minute(expression: str) -> bool:
    """Whether the minutes field of a valid ``cron(...)`` expression is ``*``, as
    ``ScheduleExpression.cron`` leaves a minute not given."""
    match = _EXPRESSION.fullmatch(expression)
    return (
        match is not None
        and match.group(1) == "cron"
        and _cron_times_of_day(match.group(2)) is not None
        and match.group(2).split()[0] == "*"
    )


def _cron_times_of_day(body: str) -> list[int] | None:
    """The sorted minutes of the day (0-1439) at which a valid cron body fires; None when it is not
    valid, or not only in its minutes and hours fields."""
    fields = body.split()
    if len(fields) != len(_FIELDS):
        return None
    minutes, hours = (_values(field, text) for field, text in zip(_FIELDS[:2], fields[:2], strict=True))
    if minutes is None or hours is None:
        return None
    return sorted(60 * hour + minute for hour in hours for minute in minutes)


def _values(field: _Field, text: str) -> set[int] | None:
    """The values a valid minutes or hours field names; None for an invalid one."""
    if not _is_field(field, text):
        return None
    values: set[int] = set()
    for item in text.split(","):
        start, slash, step = item.partition("/")
        if start == "*":
            first, last = field.low, field.high
        else:
            low, dash, high = start.partition("-")
            first = int(low)
            last = int(high) if dash else (field.high if slash else first)
        if first <= last:
            span = list(range(first, last + 1))
        else:
            # A range a-b with a > b, read as Quartz does: past the field's end (22-2: 22, 23, 0, 1, 2).
            span = [*range(first, field.high + 1), *range(field.low, last + 1)]
        values.update(span[:: int(step) if slash else 1])
    return values


def _rate_seconds(body: str) -> int | None:
    parts = body.split()
    if len(parts) != 2 or not _is_number(parts[0]) or int(parts[0]) < 1:
        return None
    value, unit = int(parts[0]), parts[1]
    singular = unit.removesuffix("s")
    if singular not in _RATE_UNIT_SECONDS or unit != (singular if value == 1 else f"{singular}s"):
        return None
    return value * _RATE_UNIT_SECONDS[singular]


def _is_date_time(body: str) -> bool:
    if not _AT_PATTERN.fullmatch(body):
        return False
    try:
        datetime.datetime.strptime(body, _AT_FORMAT)
    except ValueError:
        return False
    return True


def _check_cron(prop: str, expression: str, fields: list[str]) -> None:
    if len(fields) != len(_FIELDS):
        message = (
            f"{prop} must be an EventBridge Scheduler cron expression of 6 fields, "
            f"cron(minutes hours day-of-month month day-of-week year), got {expression!r} with {len(fields)}"
        )
        if len(fields) == len(_FIELDS) - 1:
            message += f": that is a unix cron of 5 fields; {_unix_cron_advice(fields)}"
        raise ValueError(message)
    for field, text in zip(_FIELDS, fields, strict=True):
        if not _is_field(field, text):
            raise ValueError(f"{prop} cron field {field.name} must be {field.allowed}, got {text!r} in {expression!r}")
    questions = [fields[_DAY_OF_MONTH] == "?", fields[_DAY_OF_WEEK] == "?"]
    if sum(questions) != 1:
        raise ValueError(
            f"{prop} cron fields day-of-month and day-of-week must have '?' in exactly one of them (the other "
            f"says which days), got {expression!r}"
        )


def _unix_cron_advice(fields: list[str]) -> str:
    """How to write a 5-field unix cron for the Scheduler, with the rewritten expression when it is sure."""
    advice = "add the year field and put '?' in day-of-month or day-of-week"
    if any(char.isdigit() for char in fields[_DAY_OF_WEEK]):
        return advice + " (day-of-week counts 1-7 from SUN, unix cron 0-6)"
    rewritten = [*fields, "*"]
    if rewritten[_DAY_OF_WEEK] == "*":
        rewritten[_DAY_OF_WEEK] = "?"
    elif rewritten[_DAY_OF_MONTH] == "*":
        rewritten[_DAY_OF_MONTH] = "?"
    suggestion = f"cron({' '.join(rewritten)})"
    try:
        check_expression("", suggestion)
    except ValueError:
        return advice
    return f"{advice}, e.g. {suggestion!r}"


def _is_field(field: _Field, text: str) -> bool:
    if text == "?":
        return "?" in field.wildcards
    items = text.split(",")
    # '#' names one day of one week: AWS allows no list with it ("3#1,6#3" is refused).
    if "#" in text and len(items) > 1:
        return False
    return all(_is_item(field, item) for item in items)


def _is_item(field: _Field, item: str) -> bool:
    if item == "*":
        return True
    if "/" in item:
        start, _, step = item.partition("/")
        return (
            "/" in field.wildcards
            and _is_number(step)
            and 1 <= int(step) <= field.high - field.low + 1
            and (start == "*" or _is_range(field, start))
        )
    if "W" in field.wildcards and item in ("L", "LW"):
        return True
    if "W" in field.wildcards and item.endswith("W"):
        return _is_value(field, item.removesuffix("W"))
    if "L" in field.wildcards and "#" in field.wildcards:
        if item == "L":
            return True
        if item.endswith("L"):
            return _is_value(field, item.removesuffix("L"))
        if "#" in item:
            day, _, week = item.partition("#")
            return _is_value(field, day) and _is_number(week) and 1 <= int(week) <= _WEEK_OF_MONTH_HIGH
    return _is_range(field, item)


def _is_range(field: _Field, text: str) -> bool:
    first, dash, last = text.partition("-")
    return _is_value(field, first) and (not dash or _is_value(field, last))


def _is_value(field: _Field, text: str) -> bool:
    if _is_number(text):
        return field.low <= int(text) <= field.high
    return text.upper() in field.names


def _is_number(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes ``²``."""
    return _NUMBER.fullmatch(text) is not None
