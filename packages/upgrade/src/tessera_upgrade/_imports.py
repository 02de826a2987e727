"""Rewriting of import statements: compat.v1 upgrade, SAFETY mode, ``--target tessera``."""

from __future__ import annotations

import libcst as cst

from ._bindings import canonical_module, is_compat_v1_import
from ._names import module_name, name_node
from ._options import SAFETY, Options
from ._tables import Tables

# Modules that SAFETY mode must not move under compat.v1 (not part of the v1 API surface).
_SAFETY_EXCLUDED = (
    "tensorflow.contrib",
    "tensorflow.flags",
    "tensorflow.compat",
    "tensorflow.google",
    "tensorflow.python",
    "tensorflow.core",
    "tensorflow.tools",
    "tensorflow.include",
)
# Sibling distributions that have a Tessera counterpart (see DESIGN.md).
_TESSERA_MODULES = {
    "tensorflow": "tessera",
    "tensorflow_addons": "tessera_addons",
    "tensorflow_hub": "tessera_hub",
}
_TESSERA_PRIVATE = ("tensorflow.python", "tensorflow.core", "tensorflow.tools")


def _excluded(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in _SAFETY_EXCLUDED)


def to_target(module: str, options: Options) -> str:
    """``tensorflow.x`` -> ``tessera.x`` when targeting Tessera."""
    if options.target != "tessera":
        return module
    root, _, rest = module.partition(".")
    new_root = _TESSERA_MODULES.get(root)
    if new_root is None or module.startswith(_TESSERA_PRIVATE):
        return module
    return f"{new_root}.{rest}" if rest else new_root


def _as_name(local: str) -> cst.AsName:
    return cst.AsName(name=cst.Name(local))


class ImportRewriter:
    """Computes the replacement of one import statement; logs through ``log``."""

    def __init__(self, options: Options, tables: Tables, log) -> None:
        self.options = options
        self.tables = tables
        self.log = log  # log(level, message)

    # -- import a.b [as c] ---------------------------------------------------------------
    def rewrite_import(self, node: cst.Import) -> cst.Import:
        names = []
        for alias in node.names:
            module = module_name(alias.name)
            local = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
            new_module, new_local = self._import_target(module, local)
            if (new_module, new_local) != (module, local):
                alias = alias.with_changes(
                    name=name_node(new_module),
                    asname=_as_name(new_local) if new_local else None,
                )
            names.append(alias)
        return node.with_changes(names=names)

    def _warn_private(self, module: str) -> None:
        if self.options.target == "tessera" and module.startswith(_TESSERA_PRIVATE):
            self.log(
                "WARNING",
                f"`{module}` is TensorFlow's private API and has no Tessera equivalent; the "
                "import was left unchanged. Replace it with the public tf.* API.",
            )

    def _import_target(self, module: str, local: str | None) -> tuple[str, str | None]:
        self._warn_private(module)
        if canonical_module(module) is None:
            return to_target(module, self.options), local
        if self.options.mode == SAFETY:
            if not _excluded(module):
                # ``import tensorflow.x`` binds ``tensorflow``; keep that name bound to v1.
                local = local or "tensorflow"
                module = "tensorflow.compat.v1" + module[len("tensorflow") :]
                if module != "tensorflow.compat.v1" and local == "tensorflow":
                    module = "tensorflow.compat.v1"
        elif is_compat_v1_import(module, local) and self.options.upgrade_compat_v1_import:
            module = "tensorflow"
        return to_target(module, self.options), local

    # -- from a.b import c ---------------------------------------------------------------
    def rewrite_import_from(self, node: cst.ImportFrom) -> list[cst.ImportFrom | cst.Import]:
        """The statements replacing ``node`` (usually one; renamed names may split it)."""
        if node.relative or node.module is None:
            return [node]
        module = module_name(node.module)
        self._warn_private(module)
        if canonical_module(module) is None:
            target = to_target(module, self.options)
            return [node if target == module else node.with_changes(module=name_node(target))]
        if isinstance(node.names, cst.ImportStar):
            return [self._with_module(node, self._from_module(module, None))]
        if (
            self.options.mode != SAFETY
            and self.options.upgrade_compat_v1_import
            and module == "tensorflow.compat"
            and len(node.names) == 1
            and node.names[0].name.value == "v1"  # type: ignore[union-attr]
            and node.names[0].asname is not None
        ):
            local = node.names[0].asname.name.value  # type: ignore[union-attr]
            new = cst.Import(names=[cst.ImportAlias(name=name_node(to_target("tensorflow", self.options)), asname=_as_name(local))])
            return [new]
        pairs = [self._from_target(module, alias) for alias in node.names]
        modules = list(dict.fromkeys(m for m, _ in pairs))
        if len(modules) == 1:
            if modules[0] == module and all(a is b for a, (_, b) in zip(node.names, pairs)):
                return [node]
            return [node.with_changes(module=name_node(modules[0]), names=[a for _, a in pairs])]
        out: list[cst.ImportFrom | cst.Import] = []
        for new_module in modules:  # renamed names now live in different modules: split
            aliases = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for m, a in pairs if m == new_module]
            out.append(node.with_changes(module=name_node(new_module), names=aliases, lpar=None, rpar=None))
        return out

    def _from_module(self, module: str, name: str | None) -> str:
        full = f"{module}.{name}" if name else module
        if self.options.mode == SAFETY and not _excluded(full):
            module = "tensorflow.compat.v1" + module[len("tensorflow") :]
        return to_target(module, self.options)

    def _from_target(self, module: str, alias: cst.ImportAlias) -> tuple[str, cst.ImportAlias]:
        name = alias.name.value  # type: ignore[union-attr]
        if self.options.mode != SAFETY:
            canonical = f"{canonical_module(module)}.{name}"
            new = self.tables.symbol_renames.get(canonical)
            if new is not None:
                new_module, _, new_name = new.rpartition(".")
                local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
                self.log("INFO", f"Renamed {canonical!r} to {new!r} (imported as {local})")
                asname = None if new_name == local else _as_name(local)
                alias = alias.with_changes(name=cst.Name(new_name), asname=asname)
                return to_target("tensorflow" + new_module[2:], self.options), alias
        return self._from_module(module, name), alias

    @staticmethod
    def _with_module(node: cst.ImportFrom, module: str) -> cst.ImportFrom:
        return node.with_changes(module=name_node(module))
