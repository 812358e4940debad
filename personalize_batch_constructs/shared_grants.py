"""Policy statements that jobs sharing a bucket or a role grow together.

Each job grants the same actions on its own objects. One statement per job would make a shared
bucket's policy outgrow S3's 20 KB limit at a few dozen jobs (and fill a shared role's policy as
fast); statements per (policy, principal, actions) that gain a resource ARN per job keep a
hundred jobs within it. A statement takes at most `MAX_EXACT_RESOURCES` ARNs, then a new one
starts: CDK moves whole statements of an oversized role policy into managed policies, which IAM
caps at 6,144 characters each, so no single statement may grow past that.

That alone still grows a role by an ARN per job and grant: the provider's handler role, with
four object ARNs and a job ARN per job, needed more than IAM's 10 managed policies at 100 jobs
(CDK reckons each ARN holding a token at 150 characters when it splits a policy). Objects of one
bucket named alike (every job's input file, every job's run folders, ...) are therefore a group
(`Named`): up to `MAX_EXACT_RESOURCES` of a group are named exactly, and past that the group's
statement names them all by one pattern, their keys' common prefix and suffix around a ``*``
(``in/*.json``), so the policy stops growing with the job count. The pattern is known only once
every job is added: the statement is filled when CDK freezes it, at synthesis.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

# About 90 characters an object ARN with a long bucket name: 40 of them stay well under 6,144.
MAX_EXACT_RESOURCES = 40
"""The most ARNs one statement takes, and the most resources of one `Named` group named exactly."""

StatementProps = Mapping[str, Any]
"""Keyword arguments of ``iam.PolicyStatement``, resources aside."""


@dataclass(frozen=True)
class Named:
    """A resource among many alike, its ARN ``arn(name)``: the ARN base (a bucket's objects)
    holds tokens, ``name`` (an object key, ``*`` allowed) is literal."""

    group: Hashable
    """Resources that one pattern may name together: the same ARN base, names of one kind."""
    name: str
    arn: Callable[[str], str]
    on_pattern: Callable[[str], None]
    """Called with the pattern's ARN when the group's statement names it (to acknowledge it)."""


def bucket_objects(bucket: s3.IBucket, kind: str, key: str, on_pattern: Callable[[str], None]) -> str | Named:
    """The objects ``key`` names (``*`` allowed) in ``bucket``, in the group of this kind of
    objects of the bucket; a token key is its own ARN, as no pattern can be made of it."""
    if Token.is_unresolved(key):
        return bucket.arn_for_objects(key)
    return Named(group=(kind, bucket.node.path), name=key, arn=bucket.arn_for_objects, on_pattern=on_pattern)


def pattern_of(names: list[str]) -> str:
    """The names' common prefix and common suffix around one ``*``: IAM's ``*`` matches any
    characters, slashes too, so the pattern matches every name (and what each ``*`` in it matches)."""
    if len(set(names)) == 1:
        return names[0]
    prefix = os.path.commonprefix(names)
    rests = [name[len(prefix) :][::-1] for name in names]
    suffix = os.path.commonprefix(rests)[::-1]
    return re.sub(r"\*+", "*", f"{prefix}*{suffix}")


class _GroupStatement(iam.PolicyStatement):
    """The statement of one `Named` group, given its resources when CDK freezes it (before it
    is merged, split into managed policies or rendered), when every job has been added."""

    def __init__(self, props: StatementProps) -> None:
        super().__init__(**props)
        self.members: dict[str, Named] = {}
        """By name: a name granted twice is named once."""
        self.filled = False

    def freeze(self) -> iam.PolicyStatement:
        if not self.filled:
            self.filled = True
            self.add_resources(*self._resources())
        return super().freeze()

    def _resources(self) -> list[str]:
        if len(self.members) <= MAX_EXACT_RESOURCES:
            return [member.arn(member.name) for member in self.members.values()]
        first = next(iter(self.members.values()))
        arn = first.arn(pattern_of(list(self.members)))
        first.on_pattern(arn)
        return [arn]


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
        self._groups: dict[tuple[Hashable, Hashable], _GroupStatement] = {}

    def grant(
        self,
        key: Hashable,
        resource: str | Named,
        statement: StatementProps,
        add_to_policy: Callable[[iam.PolicyStatement], object],
    ) -> None:
        """Add `resource` to the statements `key` names (a `Named` one: to its group's statement),
        starting one (with these props, added to its policy) when there is none or it is full."""
        if isinstance(resource, Named):
            self._grant_named(key, resource, statement, add_to_policy)
            return
        granted = self._granted.setdefault(key, set())
        if resource in granted:
            return
        if key not in self._statements or self._in_statement[key] == MAX_EXACT_RESOURCES:
            self._statements[key] = iam.PolicyStatement(**statement)
            self._in_statement[key] = 0
            add_to_policy(self._statements[key])
        self._statements[key].add_resources(resource)
        self._in_statement[key] += 1
        granted.add(resource)

    def _grant_named(
        self,
        key: Hashable,
        resource: Named,
        statement: StatementProps,
        add_to_policy: Callable[[iam.PolicyStatement], object],
    ) -> None:
        group = self._groups.get((key, resource.group))
        if group is None:
            group = self._groups[(key, resource.group)] = _GroupStatement(statement)
            add_to_policy(group)
        if group.filled:
            raise RuntimeError(f"{resource.name} granted after its policy statement was synthesized")
        group.members.setdefault(resource.name, resource)
