"""The part of the IAM policy language the emulator evaluates: statements, wildcards, conditions.

Enough to decide what Personalize may do with a role and a bucket: Action/NotAction,
Resource/NotResource, service and "*" principals, and the condition operators service roles and
bucket policies use. Anything else raises UnsupportedPolicy, so a policy the emulator cannot read
fails a test loudly instead of being half-understood.
"""

import enum
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_SUPPORTED_OPERATORS = frozenset({"StringEquals", "StringLike", "ArnEquals", "ArnLike", "Bool"})
_ARN_PARTS = 6


class UnsupportedPolicy(Exception):
    """A policy uses language the emulator does not evaluate."""


class Effect(enum.Enum):
    ALLOW = enum.auto()
    DENY = enum.auto()
    IMPLICIT_DENY = enum.auto()
    """No statement allows it."""


@dataclass(frozen=True)
class Verdict:
    effect: Effect
    unmet_condition: str | None = None
    """For an implicit deny: the condition that kept an otherwise matching Allow from applying."""


def identity_policy_verdict(documents: Iterable[dict], action: str, resource: str) -> Verdict:
    """What a principal's own policies say about `action` on `resource`.

    Conditions are not evaluated here: an Allow counts whatever its condition, and a Deny with a
    condition is taken not to apply, which is what the roles of a batch job need in practice.
    """
    allowed = False
    for statement in _all_statements(documents):
        if not (_matches_action(statement, action) and _matches_resource(statement, resource)):
            continue
        if statement["Effect"] == "Deny" and "Condition" not in statement:
            return Verdict(Effect.DENY)
        allowed = allowed or statement["Effect"] == "Allow"
    return Verdict(Effect.ALLOW if allowed else Effect.IMPLICIT_DENY)


def resource_policy_verdict(
    document: dict, *, service: str, action: str, resource: str | None, context: Mapping[str, str]
) -> Verdict:
    """What a resource policy (a bucket policy, a trust policy) says about `service` doing `action`.

    `resource` is None for a trust policy, whose statements name no resource. `context` holds the
    request's condition keys (aws:SourceAccount, aws:SourceArn, aws:SecureTransport, ...).
    """
    allowed = False
    unmet = None
    for statement in _all_statements([document]):
        if not (
            _matches_service_principal(statement, service)
            and _matches_action(statement, action)
            and (resource is None or _matches_resource(statement, resource))
        ):
            continue
        condition_problem = _unmet_condition(statement.get("Condition", {}), context)
        if condition_problem:
            if statement["Effect"] == "Allow":
                unmet = unmet or condition_problem
            continue
        if statement["Effect"] == "Deny":
            return Verdict(Effect.DENY)
        allowed = True
    return Verdict(Effect.ALLOW) if allowed else Verdict(Effect.IMPLICIT_DENY, unmet)


def _all_statements(documents: Iterable[dict]) -> list[dict]:
    statements = []
    for document in documents:
        listed = document.get("Statement", [])
        statements.extend([listed] if isinstance(listed, dict) else listed)
    return statements


def _matches_action(statement: dict, action: str) -> bool:
    if "NotAction" in statement:
        return not _matches_any(statement["NotAction"], action, case_sensitive=False)
    return _matches_any(statement.get("Action", []), action, case_sensitive=False)


def _matches_resource(statement: dict, resource: str) -> bool:
    if "NotResource" in statement:
        return not _matches_any(statement["NotResource"], resource, case_sensitive=True)
    if "Resource" not in statement:
        return True
    return _matches_any(statement["Resource"], resource, case_sensitive=True)


def _matches_service_principal(statement: dict, service: str) -> bool:
    if "NotPrincipal" in statement:
        raise UnsupportedPolicy(f"the emulator does not evaluate NotPrincipal: {statement}")
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return "*" in _as_list(principal.get("AWS", [])) or service in _as_list(principal.get("Service", []))


def _unmet_condition(condition: Mapping[str, Mapping], context: Mapping[str, str]) -> str | None:
    """None when every condition holds; otherwise the first that does not, in policy syntax."""
    lowered_context = {key.lower(): value for key, value in context.items()}
    for operator, tests in condition.items():
        if operator not in _SUPPORTED_OPERATORS:
            raise UnsupportedPolicy(f"the emulator does not evaluate the condition operator {operator}")
        for key, expected in tests.items():
            actual = lowered_context.get(key.lower())
            # A key the request does not carry never satisfies these (non-negated) operators.
            if actual is None or not any(_condition_holds(operator, value, actual) for value in _as_list(expected)):
                return f"{operator} {key} {expected!r} is not met by {actual!r}"
    return None


def _condition_holds(operator: str, expected, actual: str) -> bool:
    if operator == "StringEquals":
        return str(expected) == actual
    if operator == "StringLike":
        return _wildcard(str(expected), case_sensitive=True).fullmatch(actual) is not None
    if operator == "Bool":
        return str(expected).lower() == actual.lower()
    # ArnEquals and ArnLike are the same test: each of the six ARN parts matched on its own.
    expected_parts = str(expected).split(":", _ARN_PARTS - 1)
    actual_parts = actual.split(":", _ARN_PARTS - 1)
    return len(expected_parts) == len(actual_parts) == _ARN_PARTS and all(
        _wildcard(pattern, case_sensitive=True).fullmatch(part)
        for pattern, part in zip(expected_parts, actual_parts, strict=False)
    )


def _matches_any(patterns, value: str, *, case_sensitive: bool) -> bool:
    return any(_wildcard(pattern, case_sensitive=case_sensitive).fullmatch(value) for pattern in _as_list(patterns))


@functools.cache
def _wildcard(pattern: str, *, case_sensitive: bool) -> re.Pattern:
    if "${" in pattern:
        raise UnsupportedPolicy(f"the emulator does not substitute policy variables: {pattern}")
    translated = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(translated, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]
