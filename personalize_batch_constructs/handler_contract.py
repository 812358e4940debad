"""The handler's contract and prop rules, which the construct uses as they are: declared once, in
``lambda/contract.py`` and ``lambda/prop_rules.py`` (standard library only).

At run time they come from the handler package the wheel ships, ``personalize_batch_constructs._handler``
(``lambda/`` in a source checkout, through the editable install's mapping). Type checkers read the
same files as the top-level modules the handler's own code imports (``mypy_path`` and pyright's
``extraPaths`` in ``pyproject.toml``).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import contract
    import prop_rules
else:
    from ._handler import contract, prop_rules

__all__ = ["contract", "prop_rules"]
