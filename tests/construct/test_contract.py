"""The construct and the handler keep one contract (``lambda/contract.py``): every property the
construct writes, in every synthesized template of the template tests, is one the handler reads;
the handler reads properties only by the contract's names; and the handler's registries hold
exactly the construct's kinds.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import personalize_batch_constructs
from personalize_batch_constructs import BatchJob
from personalize_batch_constructs.handler_contract import contract

LAMBDA_DIR = Path(__file__).resolve().parents[2] / "lambda"
sys.path.insert(0, str(LAMBDA_DIR))

import index  # noqa: E402
import job_handlers  # noqa: E402

_CLOUDFORMATION_PROPERTIES = frozenset({"ServiceToken", "ServiceTimeout"})
# The functions of resource_properties.py that read one property by name.
_PROPERTY_READERS = frozenset({"required", "integer", "boolean", "choice", "fraction", "float_map"})


def _handler_modules() -> dict[str, ast.Module]:
    return {
        path.name: ast.parse(path.read_text())
        for path in sorted(LAMBDA_DIR.glob("*.py"))
        if path.name not in ("contract.py", "__init__.py")
    }


def _construct_kinds() -> dict[str, contract.JobKind]:
    """The kinds of the job constructs the package exports, by resource type."""
    # vars(), not getattr(): a deprecated alias is served (with a warning) by the module's __getattr__.
    classes = [vars(personalize_batch_constructs).get(name) for name in personalize_batch_constructs.__all__]
    jobs = [cls for cls in classes if isinstance(cls, type) and issubclass(cls, BatchJob) and cls is not BatchJob]
    return {job._kind.resource_type: job._kind for job in jobs}


def test_every_property_the_construct_writes_is_one_the_handler_reads(synth):
    written: dict[str, set[str]] = {}
    for template in synth.json.values():
        for resource in template["Resources"].values():
            if resource["Type"].startswith("Custom::PersonalizeBatch"):
                written.setdefault(resource["Type"], set()).update(
                    set(resource["Properties"]) - _CLOUDFORMATION_PROPERTIES
                )

    # Both kinds, the wait extensions and the input copy are in the templates: nothing passes by absence.
    assert set(written) == set(contract.PROPERTIES_READ)
    unread = {kind: sorted(names - contract.PROPERTIES_READ[kind]) for kind, names in written.items()}
    assert unread == dict.fromkeys(written, [])


def test_every_property_the_contract_names_is_read_by_the_handler():
    referenced = {
        node.attr
        for module in _handler_modules().values()
        for node in ast.walk(module)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Property"
    }
    read = {getattr(contract.Property, name) for name in referenced}
    if any(
        isinstance(node, ast.Name) and node.id == "COUNT_ATTRIBUTES"
        for path, module in _handler_modules().items()
        if path == "batch_job_wait.py"
        for node in ast.walk(module)
    ):
        read |= set(contract.COUNT_ATTRIBUTES)  # handed along the chain by name
    declared = set().union(*contract.PROPERTIES_READ.values())
    assert declared - read == set()
    # InputVersion is never sent: besides telling uploaded input, it re-runs the job when it changes.
    assert contract.Property.INPUT_VERSION not in contract.PROPERTIES_UPDATED_IN_PLACE


@pytest.mark.parametrize("module_name", sorted(_handler_modules()))
def test_the_handler_reads_properties_only_by_the_contracts_names(module_name):
    module = _handler_modules()[module_name]
    by_literal = []
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        reader = isinstance(function, ast.Name) and function.id in _PROPERTY_READERS
        getter = (
            isinstance(function, ast.Attribute)
            and function.attr == "get"
            and "properties" in ast.unparse(function.value).lower()
        )
        if reader or getter:
            # The name is the first argument of .get, the second of the readers.
            name = node.args[0 if getter else 1] if len(node.args) > (0 if getter else 1) else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                by_literal.append(f"line {node.lineno}: {ast.unparse(node)}")
    assert by_literal == []


def test_every_handler_registry_entry_is_a_construct_kind():
    kinds = _construct_kinds()

    assert set(kinds) == {kind.resource_type for kind in contract.JOB_KINDS}
    assert set(index._HANDLERS) == {*kinds, contract.WAIT_RESOURCE_TYPE, contract.INPUT_COPY_RESOURCE_TYPE}
    for resource_type, kind in kinds.items():
        # The handler's contract module is a copy of the same file under another name: compare values.
        handler_kind = index._HANDLERS[resource_type].kind  # type: ignore[attr-defined]
        assert (handler_kind.resource_type, handler_kind.arn_resource_type, handler_kind.api_name) == (
            kind.resource_type,
            kind.arn_resource_type,
            kind.api_name,
        )
    assert {
        arn_type: handler.kind.resource_type for arn_type, handler in job_handlers.BY_ARN_RESOURCE_TYPE.items()
    } == {kind.arn_resource_type: resource_type for resource_type, kind in kinds.items()}
