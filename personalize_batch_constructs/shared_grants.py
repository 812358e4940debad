"""Policy statements that jobs sharing a bucket or a role grow together.

Each job grants the same actions on its own objects. One statement per job would make a shared
bucket's policy outgrow S3's 20 KB limit at a few dozen jobs (and fill a shared role's policy as
fast); statements per (policy, principal, actions) that gain a resource ARN per job keep a
hundred jobs within it. A statement takes at most `_MAX_RESOURCES_PER_STATEMENT` ARNs, then a
new one starts: CDK moves whole statements of an oversized role policy into managed policies,
which IAM caps at 6,144 characters each, so no single statement may grow past that.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

# About 90 characters an object ARN with a long bucket name: 40 of them stay well under 6,144.
_MAX_RESOURCES_PER_STATEMENT = 40


class SharedGrants(Construct):
    """The growing statements of one stack's policies, kept with the stack that owns the policies."""

    _ID = "PersonalizeBatchSharedGrants"

    @classmethod
    def of(cls, policy_owner: IConstruct) -> SharedGrants:
        stack = Stack.of(policy_owner)
        existing = stack.node.try_find_child(cls._ID)
        return existing if isinstance(existing, cls) else cls(stack, cls._ID)

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._statements: dict[Hashable, iam.PolicyStatement] = {}
        """The statement that takes the next resource, by key."""
        # Kept here too: asking jsii for a statement's resources on every grant costs a round trip.
        self._granted: dict[Hashable, set[str]] = {}
        self._in_statement: dict[Hashable, int] = {}

    def grant(
        self,
        key: Hashable,
        resource: str,
        new_statement: Callable[[], iam.PolicyStatement],
        add_to_policy: Callable[[iam.PolicyStatement], object],
    ) -> None:
        """Add `resource` to the statements `key` names, starting one (added to its policy) when
        there is none or the current one is full."""
        granted = self._granted.setdefault(key, set())
        if resource in granted:
            return
        if key not in self._statements or self._in_statement[key] == _MAX_RESOURCES_PER_STATEMENT:
            self._statements[key] = new_statement()
            self._in_statement[key] = 0
            add_to_policy(self._statements[key])
        self._statements[key].add_resources(resource)
        self._in_statement[key] += 1
        granted.add(resource)
