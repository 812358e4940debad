"""The identity of a construct's JavaScript object, for state kept per construct in Python."""

from __future__ import annotations

from constructs import IConstruct


def jsii_identity(scope: IConstruct) -> str:
    """The id jsii gives the construct's JavaScript object, the same for every Python proxy of it
    (a construct created in JavaScript, such as a role's DefaultPolicy, gets a new proxy on each
    lookup), and never reused in the process: the kernel never frees an object."""
    return str(scope.__jsii_ref__.ref)  # type: ignore[attr-defined]
