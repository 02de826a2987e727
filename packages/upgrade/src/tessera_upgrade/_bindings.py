"""Import analysis: which local names refer to which TensorFlow module or symbol.

Every TensorFlow name is handled in a canonical form rooted at ``tf`` (``tensorflow.nn`` ->
``tf.nn``), whatever the local spelling: ``import tensorflow as tf1``, ``import tensorflow``,
``from tensorflow import nn``, ``import tensorflow.contrib.slim as slim`` all resolve.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from ._names import module_name

_STATEMENT_CONTAINERS = (
    cst.BaseCompoundStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.SimpleStatementLine,
)


def canonical_module(module: str) -> str | None:
    """``tensorflow.x.y`` -> ``tf.x.y``; None for modules outside TensorFlow."""
    if module == "tensorflow":
        return "tf"
    if module.startswith("tensorflow."):
        return "tf" + module[len("tensorflow") :]
    return None


def is_compat_v1_import(module: str, alias: str | None) -> bool:
    """``import tensorflow.compat.v1 as X``: upgraded to ``import tensorflow as X`` by default."""
    return module == "tensorflow.compat.v1" and alias is not None


@dataclass(frozen=True)
class Binding:
    """A local name bound to a TensorFlow module or symbol."""

    local: str
    canonical: str
    from_import: bool = False  # bound by ``from M import x`` (renamed at the import itself)
    implicit: bool = False  # the conventional ``tf`` used without any import (snippets, notebooks)


class Bindings:
    """The TensorFlow bindings of one module (or of all cells of one notebook)."""

    def __init__(self) -> None:
        self.names: dict[str, Binding] = {}
        self.versioned: list[tuple[str, str]] = []  # (module, alias) of compat.v1/v2 imports kept

    def add(self, binding: Binding) -> None:
        # The first import of a name wins; re-imports of the same name are nearly always equal.
        self.names.setdefault(binding.local, binding)

    def get(self, local: str) -> Binding | None:
        return self.names.get(local)

    @property
    def has_from_imports(self) -> bool:
        return any(b.from_import for b in self.names.values())

    def root_local(self) -> str | None:
        """A local name bound to ``tensorflow`` itself, if any."""
        for binding in self.names.values():
            if binding.canonical == "tf" and not binding.implicit:
                return binding.local
        # A snippet without any TensorFlow import: write ``tf.`` as TF's tool does.
        if all(b.implicit for b in self.names.values()) and not self.versioned:
            return "tf"
        return None

    def finish(self) -> None:
        """Bind ``tf`` implicitly when nothing else binds it (TF's tool assumes ``tf`` too)."""
        if "tf" not in self.names and not self.versioned:
            self.names["tf"] = Binding("tf", "tf", implicit=True)


def iter_imports(body: cst.CSTNode) -> Iterator[cst.Import | cst.ImportFrom]:
    """Every import statement, at any nesting depth, without walking expressions."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            yield node
            continue
        for child in reversed(node.children):
            if isinstance(child, (cst.Import, cst.ImportFrom, *_STATEMENT_CONTAINERS)):
                stack.append(child)


def collect(modules: list[cst.Module], upgrade_compat_v1_import: bool) -> Bindings:
    """Build the bindings from the import statements of ``modules`` (one, or a notebook's cells)."""
    bindings = Bindings()
    for module in modules:
        for node in iter_imports(module):
            if isinstance(node, cst.Import):
                _collect_import(node, bindings, upgrade_compat_v1_import)
            else:
                _collect_import_from(node, bindings, upgrade_compat_v1_import)
    bindings.finish()
    return bindings


def _collect_import(node: cst.Import, bindings: Bindings, upgrade_v1: bool) -> None:
    for alias in node.names:
        module = module_name(alias.name)
        canonical = canonical_module(module)
        if canonical is None:
            continue
        if alias.asname is None:
            # ``import tensorflow.x.y`` binds ``tensorflow`` itself.
            bindings.add(Binding("tensorflow", "tf"))
            continue
        local = alias.asname.name.value  # type: ignore[union-attr]
        if canonical in ("tf.compat.v1", "tf.compat.v2"):
            if canonical == "tf.compat.v1" and upgrade_v1:
                canonical = "tf"
            else:
                bindings.versioned.append((module, local))
        bindings.add(Binding(local, canonical))


def _collect_import_from(node: cst.ImportFrom, bindings: Bindings, upgrade_v1: bool) -> None:
    if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
        return
    base = canonical_module(module_name(node.module))
    if base is None:
        return
    for alias in node.names:
        name = alias.name.value  # type: ignore[union-attr]
        local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
        canonical = f"{base}.{name}"
        if canonical == "tf.compat.v1" and upgrade_v1 and alias.asname is not None:
            bindings.add(Binding(local, "tf"))
            continue
        if canonical in ("tf.compat.v1", "tf.compat.v2"):
            bindings.versioned.append((f"tensorflow.compat.{name}", local))
        bindings.add(Binding(local, canonical, from_import=True))
