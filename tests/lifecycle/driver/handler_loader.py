"""Loads a Lambda handler from its synthesized asset, as the Lambda runtime would.

The asset's modules are imported under their own top-level names (the runtime puts the asset
root on sys.path), but kept out of sys.modules afterwards: the handler unit tests import
lambda/ under the same names, and each deployment must get fresh modules with fresh clients.
"""

import contextlib
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType


def load_handler(asset_dir: Path, handler: str) -> tuple[Callable, ModuleType]:
    """The function `handler` ("module.function") names in `asset_dir`, and its module."""
    module_name, _, function_name = handler.rpartition(".")
    if not (asset_dir / f"{module_name}.py").is_file():
        raise FileNotFoundError(f"handler {handler!r}: {asset_dir} has no {module_name}.py")
    own_names = {path.stem for path in asset_dir.glob("*.py")}
    with _isolated_imports(asset_dir, own_names):
        module = importlib.import_module(module_name)
    return getattr(module, function_name), module


@contextlib.contextmanager
def _isolated_imports(asset_dir: Path, own_names: set[str]):
    hidden = {name: sys.modules.pop(name) for name in own_names if name in sys.modules}
    sys.path.insert(0, str(asset_dir))
    try:
        yield
    finally:
        sys.path.remove(str(asset_dir))
        for name in own_names:
            sys.modules.pop(name, None)
        sys.modules.update(hidden)
