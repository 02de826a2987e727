"""Upgrade one Python source text (the unit that files and notebook cells are made of)."""

from __future__ import annotations

import ast

import libcst as cst

from ._bindings import Bindings, canonical_module, collect, iter_imports
from ._imports import to_target
from ._log import LogEntry, SourceResult
from ._names import module_name
from ._options import Options
from ._tables import ERROR, INFO
from ._transformer import upgrade_module


def parse(text: str) -> cst.Module:
    """Parse with libcst; raises ``libcst.ParserSyntaxError``."""
    return cst.parse_module(text)


def parse_error(exc: Exception, text: str | None = None) -> LogEntry:
    """The report entry for a text that could not be parsed (it is left unchanged)."""
    line = getattr(exc, "raw_line", 1) or 1
    col = getattr(exc, "raw_column", 0) or 0
    message = getattr(exc, "message", None) or str(exc).splitlines()[0]
    if text is not None:
        # CPython's own parser names the offending line more precisely than libcst's.
        try:
            compile(text, "<source>", "exec", ast.PyCF_ONLY_AST)
        except SyntaxError as syntax:
            line, col, message = syntax.lineno or line, max((syntax.offset or 1) - 1, 0), syntax.msg
        except ValueError:
            pass
    return LogEntry(
        line, col, ERROR,
        f"Failed to parse: {message}. The file was left unchanged; fix the syntax error "
        "(tf-upgrade reads Python 3 only) and run again.",
    )


def versioned_import_logs(bindings: Bindings) -> list[LogEntry]:
    return [
        LogEntry(1, 0, INFO, f"Not upgrading symbols used through `{alias}` because `{module}` was directly imported as `{alias}`.")
        for module, alias in bindings.versioned
    ]


def upgrade_parsed(module: cst.Module, bindings: Bindings, options: Options,
                   text: str) -> tuple[str, list[LogEntry]]:
    """Transform ``module`` (parsed from ``text``) with known bindings; returns (new code, logs)."""
    new, logs, needs_root = upgrade_module(module, bindings, options, text)
    if needs_root:
        new, entry = _add_root_import(new, bindings, options)
        logs.append(entry)
    return new.code, logs


def upgrade_source(text: str, options: Options | None = None) -> SourceResult:
    """Upgrade TF 1.x code in ``text``. A text that does not parse comes back with ``new_text=None``."""
    options = options or Options()
    try:
        module = parse(text)
    except cst.ParserSyntaxError as exc:
        return SourceResult(None, [parse_error(exc, text)])
    bindings = collect([module], options.upgrade_compat_v1_import)
    code, logs = upgrade_parsed(module, bindings, options, text)
    return SourceResult(code, sorted(versioned_import_logs(bindings) + logs, key=lambda e: (e.line, e.col)))


def _add_root_import(module: cst.Module, bindings: Bindings, options: Options) -> tuple[cst.Module, LogEntry]:
    """Insert ``import tensorflow as tf`` (needed for a name that no import in the file reaches)."""
    local = "tf" if "tf" not in bindings.names or bindings.names["tf"].implicit else "tensorflow"
    target = to_target("tensorflow", options)
    text = f"import {target} as {local}" if local != target else f"import {target}"
    stmt = cst.parse_statement(text + "\n")
    body = list(module.body)
    index = 0
    for i, node in enumerate(body):
        if _is_docstring_or_future(node, i) or any(_imports_tf(imp) for imp in iter_imports(node)):
            index = i + 1
    body.insert(index, stmt)
    entry = LogEntry(index + 1, 0, INFO, f"Added `{text}`: a converted name is only reachable from the tensorflow module.")
    return module.with_changes(body=body), entry


def _imports_tf(node: cst.Import | cst.ImportFrom) -> bool:
    if isinstance(node, cst.Import):
        return any(canonical_module(module_name(a.name)) for a in node.names)
    return node.module is not None and not node.relative and canonical_module(module_name(node.module)) is not None


def _is_docstring_or_future(node: cst.CSTNode, index: int) -> bool:
    if not isinstance(node, cst.SimpleStatementLine):
        return False
    first = node.body[0]
    if index == 0 and isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)):
        return True
    return isinstance(first, cst.ImportFrom) and first.module is not None and module_name(first.module) == "__future__"
