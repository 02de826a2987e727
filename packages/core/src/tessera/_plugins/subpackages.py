"""Lazy ``tessera.<name>`` subpackages provided by other distributions.

``tessera.keras`` is ``tessera_keras``, found through the ``tessera_register_subpackages``
hook of whatever distribution registered it. Both attribute access (``tf.keras``) and
import statements (``from tessera.keras.layers import Dense``) resolve, and the module
object is shared with its real name, so it is never imported twice.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType

# Where the well-known subpackages come from, for the "pip install ..." hint.
KNOWN_DISTRIBUTIONS = {
    "keras": "tessera-keras",
    "lite": "tessera-lite",
    "compat.v1": "tessera-compat-v1",
}


def missing_subpackage_error(name: str) -> ImportError:
    dist = KNOWN_DISTRIBUTIONS.get(name)
    if dist is None:
        return ModuleNotFoundError(
            f"No module named 'tessera.{name}': no installed Tessera distribution provides "
            f"it (`tessera plugins` lists what is installed)", name=f"tessera.{name}")
    return ModuleNotFoundError(
        f"tessera.{name} is provided by the separate distribution {dist!r}, which is not "
        f"installed. Install it with:  pip install {dist}", name=f"tessera.{name}")


def target_of(name: str) -> str | None:
    """The real module behind ``tessera.<name>``, or None."""
    from tessera._plugins.manager import registry

    return registry().subpackages.get(name)


def resolve(name: str) -> ModuleType:
    """Import the module behind ``tessera.<name>`` or raise the helpful ImportError."""
    target = target_of(name)
    if target is None:
        raise missing_subpackage_error(name)
    module = importlib.import_module(target)
    sys.modules.setdefault(f"tessera.{name}", module)
    return module


class _AliasLoader(importlib.abc.Loader):
    """Hands back the module already imported under its real name."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        # The import system overwrote __spec__ with the alias's; give the real one back.
        module.__spec__ = self.spec


def _alias_spec(fullname: str, real_name: str):
    if importlib.util.find_spec(real_name) is None:
        return None
    return importlib.util.spec_from_loader(fullname, _AliasLoader(real_name))


class AliasChildFinder(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: ``tessera.keras.layers`` where ``tessera.keras`` is an alias
    must be the very module ``tessera_keras.layers``, never a second copy."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("tessera."):
            return None
        parent, _, child = fullname.rpartition(".")
        parent_module = sys.modules.get(parent)
        if parent_module is None or getattr(parent_module, "__name__", parent) == parent:
            return None
        return _alias_spec(fullname, f"{parent_module.__name__}.{child}")


class SubpackageFinder(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: a ``tessera.<name>`` no real submodule provides is looked up
    among registered subpackages (this is the only place plugins load for an import)."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("tessera."):
            return None
        name = fullname[len("tessera."):]
        if name.split(".")[0].startswith("_"):
            return None
        real = target_of(name)
        if real is not None:
            return _alias_spec(fullname, real)
        if name in KNOWN_DISTRIBUTIONS:
            raise missing_subpackage_error(name)
        return None


_FIRST, _LAST = AliasChildFinder(), SubpackageFinder()


def install_finders() -> None:
    if _FIRST not in sys.meta_path:
        sys.meta_path.insert(0, _FIRST)
    if _LAST not in sys.meta_path:
        sys.meta_path.append(_LAST)
