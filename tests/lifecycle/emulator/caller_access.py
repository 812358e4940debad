"""Whether the caller of a Personalize operation may make it: the identity policies of the role
whose credentials signed the request, read live from IAM as the service would read them.

A request signed with credentials from STS AssumeRole (what a Lambda function runs with; the
lifecycle driver gives the handler functions such credentials for their own role) is checked
against that role's policies. A request signed with any other credentials (the tests' own, as
an administrator's) is not checked.

GUESS: the refusal imitates IAM's wording ("User: ... is not authorized to perform: ... on
resource: ..."); the service's own message is unverified.
"""

import re
import threading
from collections.abc import Callable

from .policy_language import Effect, identity_policy_verdict
from .role_access import identity_documents_of

_ASSUMED_ROLE = re.compile(r"^arn:[^:]+:sts::\d{12}:assumed-role/(?P<role>[^/]+)/[^/]+$")
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/,\s]+)/")


def access_key_of(authorization: str | None) -> str | None:
    """The access key id a SigV4 `Authorization` header names, if any."""
    match = _CREDENTIAL.search(authorization or "")
    return match["key"] if match else None


class CallerAccess:
    def __init__(self, *, iam, caller_arn_of: Callable[[str], str]):
        """`caller_arn_of(access_key_id)`: the ARN STS's GetCallerIdentity answers for those credentials."""
        self._iam = iam
        self._caller_arn_of = caller_arn_of
        self._callers: dict[str, str] = {}
        """Caller ARN by access key: credentials never change whose they are."""
        self._lock = threading.Lock()

    def denial(self, access_key_id: str | None, permissions: list[tuple[str, str]]) -> str | None:
        """Why the caller may not do every (action, resource) of `permissions`; None if it may."""
        if access_key_id is None:
            return None
        caller = self._caller(access_key_id)
        assumed = _ASSUMED_ROLE.match(caller)
        if assumed is None:
            return None
        documents = identity_documents_of(self._iam, assumed["role"])
        for action, resource in permissions:
            verdict = identity_policy_verdict(documents, action, resource)
            if verdict.effect is not Effect.ALLOW:
                why = (
                    "with an explicit deny in an identity-based policy"
                    if verdict.effect is Effect.DENY
                    else f"because no identity-based policy allows the {action} action"
                )
                return f"User: {caller} is not authorized to perform: {action} on resource: {resource} {why}"
        return None

    def _caller(self, access_key_id: str) -> str:
        with self._lock:
            known = self._callers.get(access_key_id)
        if known is None:
            known = self._caller_arn_of(access_key_id)
            with self._lock:
                self._callers[access_key_id] = known
        return known
