"""Acknowledgements written into the template, in the metadata of each L1 resource, for scanners
that read the template rather than the construct tree (cdk-nag 2's ``cdk_nag``, checkov's
``checkov``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import jsii
from aws_cdk import AspectPriority, Aspects, CfnResource, IAspect
from constructs import Construct, IConstruct

from .jsii_identity import jsii_identity

ValuesOf = Callable[[CfnResource], set[str]]
"""The values a resource holds that an entry can name (for cdk-nag: its policies' actions and resources)."""

_INSTANCES: dict[tuple[str, str], _ResourceSuppressions] = {}
"""Each scope's instance per metadata key, by the scope's jsii identity. Found here rather than in
``Aspects.of(scope).all``: that lookup costs jsii round trips on every acknowledgement (160 in
app.py's one job)."""


_MUTATING = AspectPriority.MUTATING
"""Read once: each read of a jsii constant is a round trip."""


def add_resource_suppression(
    scope: IConstruct,
    metadata_key: str,
    list_key: str,
    entry: dict[str, Any],
    *,
    needs: Iterable[str] = (),
    values_of: ValuesOf | None = None,
) -> None:
    """Append ``entry`` to ``Metadata.<metadata_key>.<list_key>`` of every L1 resource under ``scope``
    that holds all of ``needs`` among its ``values_of`` (every resource when ``needs`` is empty)."""
    _ResourceSuppressions.of(scope, metadata_key, list_key).add(entry, frozenset(needs), values_of)


def withdraw_resource_suppression(scope: IConstruct, metadata_key: str, list_key: str, entry: dict[str, Any]) -> None:
    """Take back an ``entry`` added on ``scope`` that no longer applies, before synthesis writes it."""
    _ResourceSuppressions.of(scope, metadata_key, list_key).discard(entry)


@jsii.implements(IAspect)
class _ResourceSuppressions:
    """Writes one scope's entries for one scanner into the metadata of each L1 resource under it.

    An Aspect, so that resources created after the acknowledgement (a role's default policy, the
    overflow policies CDK splits off at synthesis) get them too. It runs at mutating priority,
    before a scanner's own Aspect (default priority) reads the metadata of the same resource.
    Entries already there (the user's own suppressions) are kept, ours added after them.
    """

    def __init__(self, metadata_key: str, list_key: str) -> None:
        self.metadata_key = metadata_key
        self.list_key = list_key
        # Each entry with the values a resource must hold to get it. An entry naming one finding
        # goes only where that finding can arise: copied onto every policy of a shared role, the
        # entries of a stack of many jobs outgrew CloudFormation's template size (100 jobs: 1.2 MB).
        self._entries: list[tuple[dict[str, Any], frozenset[str], ValuesOf | None]] = []

    @classmethod
    def of(cls, scope: IConstruct, metadata_key: str, list_key: str) -> _ResourceSuppressions:
        """The scope's one instance for this metadata key, added on its first entry."""
        key = (jsii_identity(scope), metadata_key)
        existing = _INSTANCES.get(key)
        if existing is not None:
            return existing
        created = _INSTANCES[key] = cls(metadata_key, list_key)
        Aspects.of(scope).add(created, priority=_MUTATING)
        return created

    def add(self, entry: dict[str, Any], needs: frozenset[str], values_of: ValuesOf | None) -> None:
        if all(entry != added for added, _, _ in self._entries):
            self._entries.append((entry, needs, values_of))

    def discard(self, entry: dict[str, Any]) -> None:
        self._entries = [added for added in self._entries if added[0] != entry]

    def visit(self, node: IConstruct) -> None:
        # This runs for every construct under the scope, each jsii call a round trip from Node.js
        # into Python and back: none is made for a construct that can get no entry.
        if not self._entries or not _is_cfn_resource(node):
            return
        resource: CfnResource = node  # type: ignore[assignment]
        held: dict[int, set[str]] = {}

        def holds(needs: frozenset[str], values_of: ValuesOf | None) -> bool:
            if not needs or values_of is None:
                return True
            if id(values_of) not in held:
                held[id(values_of)] = values_of(resource)
            return needs <= held[id(values_of)]

        applying = [entry for entry, needs, values_of in self._entries if holds(needs, values_of)]
        if not applying:
            return
        metadata = resource.get_metadata(self.metadata_key) or {}
        present = list(metadata.get(self.list_key, []))
        missing = [entry for entry in applying if entry not in present]
        if missing:
            resource.add_metadata(self.metadata_key, {**metadata, self.list_key: present + missing})


def _is_cfn_resource(node: IConstruct) -> bool:
    """``CfnResource.is_cfn_resource`` without its round trip where the proxy's class answers: jsii
    gives a construct the Python class of its JavaScript class (or of the nearest one it exports),
    and a subclass of a class that is no CfnResource is none either. Other proxies (of interfaces
    only) ask."""
    if isinstance(node, CfnResource):
        return True
    if isinstance(node, Construct):
        return False
    return bool(CfnResource.is_cfn_resource(node))
