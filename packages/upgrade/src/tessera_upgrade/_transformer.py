"""The libcst transformer that applies the API change tables to one module."""

from __future__ import annotations

import libcst as cst

from . import _rewriters
from ._args import (
    as_keyword,
    find_arg,
    has_star_args,
    has_star_kwargs,
    is_plain_positional,
    positional,
    rename_keyword,
    with_args,
)
from ._bindings import Binding, Bindings
from ._imports import ImportRewriter
from ._log import LogEntry
from ._names import dotted_name, name_node
from ._options import SAFETY, Options
from ._positions import Positions
from ._tables import INFO, WARNING, Tables, safety_tables, tables


class _Call:
    """The rewriter-facing context of one call (see ``_rewriters.CallContext``)."""

    def __init__(self, upgrader: Upgrader, binding: Binding | None, full: str | None,
                 name: str | None, pos: tuple[int, int]) -> None:
        self.upgrader = upgrader
        self.binding = binding
        self.full_name = full
        self.name = name
        self.pos = pos
        self.func_replaced = False

    def log(self, level: str, message: str) -> None:
        self.upgrader.log_at(self.pos, level, message)

    def render(self, canonical: str) -> cst.BaseExpression:
        return name_node(self.upgrader.render(canonical, self.binding))

    def replace_func(self, call: cst.Call, canonical: str) -> cst.Call:
        self.func_replaced = True
        return call.with_changes(func=self.render(canonical))


class Upgrader(cst.CSTTransformer):
    """Rewrites TF 1.x API use in one module; collects log entries in ``self.logs``."""

    def __init__(self, bindings: Bindings, options: Options, positions: Positions) -> None:
        super().__init__()
        self._positions = positions
        self._pos: dict[int, tuple[int, int]] = {}  # id(original node) -> (line, col)
        self.options = options
        self.bindings = bindings
        self.tables: Tables = safety_tables() if options.mode == SAFETY else tables()
        self.logs: list[LogEntry] = []
        self._call_funcs: set[int] = set()  # func chains handled by their call
        self._skip_names: set[int] = set()  # Names that are not references (attr, keyword)
        self._replacements: dict[int, cst.BaseExpression] = {}
        self._from_names = {b.local for b in bindings.names.values() if b.from_import}
        self._root_local = bindings.root_local()
        self.needs_root_import = False
        self._imports = ImportRewriter(options, self.tables, self._log_current)
        self._current_pos = (1, 0)
        self._arg_origin: dict[int, cst.CSTNode] = {}
        self._rename_root = (
            options.target == "tessera"
            and "tensorflow" in bindings.names
            and bindings.names["tensorflow"].canonical == "tf"
        )

    # -- logging ----------------------------------------------------------------------
    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        node = self._arg_origin.get(id(node), node)
        return self._pos.get(id(node), self._current_pos)

    def _record(self, node: cst.CSTNode, kind: str) -> None:
        pos = self._positions.take(kind)
        if pos is not None:
            self._pos[id(node)] = pos

    def log_at(self, pos: tuple[int, int], level: str, message: str) -> None:
        self.logs.append(LogEntry(pos[0], pos[1], level, message.rstrip()))

    def _log_current(self, level: str, message: str) -> None:
        self.log_at(self._current_pos, level, message)

    # -- names ------------------------------------------------------------------------
    def resolve_name(self, dotted: str) -> tuple[Binding, str] | None:
        root, _, rest = dotted.partition(".")
        binding = self.bindings.get(root)
        if binding is None:
            return None
        canonical = binding.canonical + ("." + rest if rest else "")
        if canonical.startswith("tf.contrib.slim."):
            # slim re-exports tf.contrib.layers; TF's tables only know the layers names.
            layers = "tf.contrib.layers." + canonical[len("tf.contrib.slim.") :]
            t = self.tables
            if any(layers in table for table in (t.symbol_renames, t.function_transformers, t.function_warnings)):
                canonical = layers
        return binding, canonical

    def render(self, canonical: str, binding: Binding | None) -> str:
        """Spell a canonical ``tf.`` name through the binding used at the site, else the root."""
        if binding is not None and not binding.from_import:
            base = binding.canonical
            if canonical == base or canonical.startswith(base + "."):
                return self._local_root(binding.local) + canonical[len(base) :]
        root = self._root_local
        if root is None:
            self.needs_root_import = True
            tf_binding = self.bindings.get("tf")
            free = tf_binding is None or tf_binding.implicit
            root = self._root_local = "tf" if free else "tensorflow"
        return self._local_root(root) + canonical[2:]

    def _local_root(self, local: str) -> str:
        return "tessera" if self._rename_root and local == "tensorflow" else local

    def _chain(self, dotted: str, pos: tuple[int, int]) -> str | None:
        """Warnings, deprecations and the rename of one dotted name; the new text or None."""
        resolved = self.resolve_name(dotted)
        if resolved is None:
            return None
        binding, canonical = resolved
        parts = canonical.split(".")
        root_len = binding.canonical.count(".") + 1
        t = self.tables
        for n in range(len(parts), 1, -1):
            prefix = ".".join(parts[:n]) if n < len(parts) else canonical
            warning = t.function_warnings.get(prefix)
            if warning is not None:
                level, message = warning
                message = message.replace("<function name>", prefix)
                self.log_at(pos, level, f"{prefix} requires manual check. {message}")
            new = t.symbol_renames.get(prefix) if n > root_len else None
            if new is not None:
                self.log_at(pos, INFO, f"Renamed {prefix!r} to {new!r}")
                return self.render(new + canonical[len(prefix) :], binding)
            deprecation = t.module_deprecations.get(prefix)
            if deprecation is not None:
                level, message = deprecation
                message = message.replace("<function name>", canonical)
                self.log_at(pos, level, f"Using member {canonical} in deprecated module {prefix}. {message}")
        if self._rename_root and dotted.split(".", 1)[0] == "tensorflow":
            return "tessera" + dotted[len("tensorflow") :]
        return None

    # -- imports ----------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        self._record(node, "import")
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        self._record(node, "import")
        self._current_pos = self.pos(node)
        return False

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        self._current_pos = self.pos(original_node)
        new = self._imports.rewrite_import(updated_node)
        self._log_import_change(original_node, new)
        return new

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        body = updated_node.body
        if not any(isinstance(s, cst.ImportFrom) for s in body):
            return updated_node
        new_body: list[cst.BaseSmallStatement] = []
        for stmt, orig in zip(body, original_node.body):
            if not isinstance(stmt, cst.ImportFrom):
                new_body.append(stmt)
                continue
            self._current_pos = self.pos(orig)
            replacement = self._imports.rewrite_import_from(stmt)
            if replacement != [stmt]:
                self._log_import_change(stmt, *replacement)
            new_body.extend(replacement)
        if len(new_body) == len(body):
            return updated_node.with_changes(body=new_body)
        # A split ``from`` import: one line per statement, keeping the leading comments.
        first = updated_node.with_changes(body=[_no_semicolon(new_body[0])])
        rest = [cst.SimpleStatementLine(body=[_no_semicolon(s)]) for s in new_body[1:]]
        return cst.FlattenSentinel([first, *rest])

    def _log_import_change(self, old: cst.CSTNode, *new: cst.CSTNode) -> None:
        if len(new) == 1 and old.deep_equals(new[0]):
            return
        empty = cst.Module(body=[])
        before = empty.code_for_node(old).strip()
        after = " and ".join(repr(empty.code_for_node(n).strip()) for n in new)
        self.log_at(self._current_pos, INFO, f"Changed import from {before!r} to {after}.")

    # -- names and attributes ---------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self._skip_names.add(id(node.attr))
        dotted = dotted_name(node)
        if dotted is None:
            return True
        self._record(node, "chain")
        if id(node) in self._call_funcs:
            return False
        new = self._chain(dotted, self.pos(node))
        if new is not None:
            self._replacements[id(node)] = _respell(node, new)
        return False

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        return self._replacements.pop(id(original_node), updated_node)

    def visit_Arg(self, node: cst.Arg) -> bool:
        if node.keyword is not None:
            self._skip_names.add(id(node.keyword))
            self._record(node, "keyword")
        return True

    def visit_Name(self, node: cst.Name) -> bool:
        if (node.value in self._from_names or (self._rename_root and node.value == "tensorflow")) and (
            id(node) not in self._skip_names and id(node) not in self._call_funcs
        ):
            new = self._chain(node.value, self.pos(node))
            if new is not None:
                self._replacements[id(node)] = _respell(node, new)
        return False

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._replacements.pop(id(original_node), updated_node)

    # -- calls ------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> bool:
        self._record(node, "call")
        if dotted_name(node.func) is not None:
            self._call_funcs.add(id(node.func))
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        dotted = dotted_name(func)
        resolved = self.resolve_name(dotted) if dotted else None
        binding, full = resolved if resolved else (None, None)
        if isinstance(func, cst.Attribute):
            name: str | None = func.attr.value
        elif isinstance(func, cst.Name):
            name = func.value
        else:
            name = None
        pos = self.pos(original_node)
        self._current_pos = pos
        self._arg_origin = {id(u): o for u, o in zip(updated_node.args, original_node.args)}
        ctx = _Call(self, binding, full, name, pos)
        result: cst.BaseExpression = self._rewrite_call(ctx, updated_node, isinstance(func, cst.Attribute))
        if dotted is not None and not ctx.func_replaced:
            new = self._chain(dotted, self.pos(func))
            if new is not None:
                result = _replace_func(result, updated_node, _respell(func, new))
        return result

    def _rewrite_call(self, ctx: _Call, call: cst.Call, is_attr: bool) -> cst.BaseExpression:
        t = self.tables
        full, name = ctx.full_name, ctx.name
        glob = f"*.{name}" if (is_attr and name) else None
        if full is None and glob is None:
            return call
        if glob is not None and glob in t.function_warnings:
            level, message = t.function_warnings[glob]
            ctx.log(level, f"{glob} requires manual check. {message.replace('<function name>', glob)}")
        self._arg_warnings(ctx, call, glob)
        if full is not None and full in t.function_reorders:
            call = self._reorder(ctx, call, t.function_reorders[full])
        call = self._rename_keywords(ctx, call, glob)
        specs = [t.function_transformers[k] for k in (full, glob) if k in t.function_transformers]
        if specs and (has_star_args(call) or has_star_kwargs(call)):
            ctx.log(
                WARNING,
                f"(Manual check required) upgrading {full or name} may require modifying call "
                "arguments, but it was passed variable-length *args or **kwargs. The upgrade "
                "script cannot handle these automatically.",
            )
        node: cst.BaseExpression = call
        for spec in specs:
            rewrite = _rewriters.get(spec["kind"])
            if rewrite is None or not isinstance(node, cst.Call):
                continue
            new = rewrite(ctx, node, spec)
            if new is not None:
                node = new
        return node

    def _arg_warnings(self, ctx: _Call, call: cst.Call, glob: str | None) -> None:
        table = self.tables.function_arg_warnings
        entries = {}
        for key in (glob, ctx.full_name):
            for kw, pos, level, message in table.get(key or "", []):
                entries[(kw, pos)] = (level, message)
        if not entries:
            return
        variadic = has_star_args(call) or has_star_kwargs(call)
        for (kw, pos), (level, message) in sorted(entries.items()):
            if find_arg(call, kw, pos) is None and not variadic:
                continue
            who = ctx.full_name or ctx.name
            message = message.replace("<function name>", str(who))
            if variadic:
                text = f"{who} called with *args or **kwargs that may include {kw}, requires manual check: {message}"
            else:
                text = f"{who} called with {kw} argument, requires manual check: {message}"
            ctx.log(level, text)

    def _reorder(self, ctx: _Call, call: cst.Call, order: list[str | None]) -> cst.Call:
        if has_star_args(call):
            ctx.log(
                WARNING,
                f"(Manual check required) upgrading {ctx.full_name} may require re-ordering the "
                "call arguments, but it was passed variable-length positional *args. The upgrade "
                "script cannot handle these automatically.",
            )
        plain = positional(call)
        names = {id(a): order[i] for i, a in enumerate(plain) if i < len(order) and order[i]}
        if not names:
            return call
        ctx.log(INFO, f"Added keywords to args of function {ctx.full_name!r}")
        kept = [a for a in call.args if is_plain_positional(a) and id(a) not in names]
        moved = [as_keyword(a, names[id(a)]) for a in call.args if id(a) in names]
        rest = [a for a in call.args if not is_plain_positional(a)]
        stars = [a for a in rest if a.star == "*"]
        others = [a for a in rest if a.star != "*"]
        return with_args(call, kept + stars + moved + others)

    def _rename_keywords(self, ctx: _Call, call: cst.Call, glob: str | None) -> cst.Call:
        table = self.tables.function_keyword_renames
        renames: dict[str, str | None] = {}
        for key in (glob, ctx.full_name):
            renames.update(table.get(key or "", {}))
        if not renames:
            return call
        if has_star_kwargs(call):
            ctx.log(
                WARNING,
                f"(Manual check required) upgrading {ctx.full_name or ctx.name} may require "
                "renaming or removing call arguments, but it was passed variable-length *args or "
                "**kwargs. The upgrade script cannot handle these automatically.",
            )
        changed = False
        args = []
        for arg in call.args:
            kw = arg.keyword.value if arg.keyword else None
            if kw is None or kw not in renames:
                args.append(arg)
                continue
            changed = True
            pos = self.pos(arg) if arg.keyword is not None else ctx.pos
            new = renames[kw]
            if new is None:
                self.log_at(pos, INFO, f"Removed argument {kw} for function {ctx.full_name or ctx.name}")
            else:
                self.log_at(pos, INFO, f"Renamed keyword argument for {ctx.full_name} from {kw} to {new}")
                args.append(rename_keyword(arg, new))
        return with_args(call, args) if changed else call


def _no_semicolon(stmt: cst.BaseSmallStatement) -> cst.BaseSmallStatement:
    return stmt.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)


def _respell(old: cst.BaseExpression, new: str) -> cst.BaseExpression:
    """The node for ``new``, keeping the old node's parentheses."""
    node = name_node(new)
    if old.lpar or old.rpar:
        node = node.with_changes(lpar=old.lpar, rpar=old.rpar)
    return node


def _replace_func(result: cst.BaseExpression, call: cst.Call, func: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(result, cst.Call) and result.func is call.func:
        return result.with_changes(func=func)
    if isinstance(result, cst.Call):
        # A rewriter wrapped the call (e.g. ``.to_sparse()``): rename inside the wrapper.
        inner = result.func
        if isinstance(inner, cst.Attribute) and isinstance(inner.value, cst.Call):
            return result.with_changes(func=inner.with_changes(value=inner.value.with_changes(func=func)))
    return result


def upgrade_module(module: cst.Module, bindings: Bindings, options: Options,
                   text: str) -> tuple[cst.Module, list[LogEntry], bool]:
    """Apply the upgrade to ``module`` parsed from ``text``.

    Returns (new module, logs, whether an ``import tensorflow as tf`` must be added).
    """
    upgrader = Upgrader(bindings, options, Positions(text))
    new = module.visit(upgrader)
    return new, upgrader.logs, upgrader.needs_root_import
