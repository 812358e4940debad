"""Policy statements that jobs sharing a bucket or a role grow together.

Each job grants the same actions on its own objects. One statement per job would make a shared
bucket's policy outgrow S3's 20 KB limit at a few dozen jobs (and fill a shared role's policy as
fast); one statement per (policy, principal, actions) that gains a resource ARN per job keeps
about a hundred jobs within it.
"""

from __future__ import annotations

from typing import Callable, Hashable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct


class SharedGrants(Construct):
    """The growing statements of one stack's policies, kept with the stack that owns the policies."""

    _ID = "PersonalizeBatchSharedGrants"

    @classmethod
    def of(cls, policy_owner: Construct) -> "SharedGrants":
        stack = Stack.of(policy_owner)
        return stack.node.try_find_child(cls._ID) or cls(stack, cls._ID)

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._statements: dict[Hashable, iam.PolicyStatement] = {}
        # Kept here too: asking jsii for a statement's resources on every grant costs a round trip.
        self._resources: dict[Hashable, set[str]] = {}

    def grant(
        self,
        key: Hashable,
        resource: str,
        new_statement: Callable[[], iam.PolicyStatement],
        add_to_policy: Callable[[iam.PolicyStatement], object],
    ) -> None:
        """Add `resource` to the statement `key` names, creating and adding it to its policy the first time."""
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = new_statement()
            self._resources[key] = set()
            add_to_policy(statement)
        if resource not in self._resources[key]:
            self._resources[key].add(resource)
            statement.add_resources(resource)
