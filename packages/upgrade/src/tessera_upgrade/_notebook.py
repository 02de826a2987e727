"""Jupyter notebooks: upgrade each code cell, keep magics, outputs and the JSON layout."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import libcst as cst

from ._bindings import collect
from ._log import LogEntry
from ._options import Options
from ._source import parse, parse_error, upgrade_parsed, versioned_import_logs
from ._tables import ERROR

_MAGIC = re.compile(r"^(\s*)([%!]|[\w.]+\?\??\s*$|\?)")
_PLACEHOLDER = "pass  # tessera-upgrade magic {}"


def _mask_magics(source: str) -> tuple[str, list[str]]:
    """Replace IPython magic/shell lines (and their ``\\`` continuations) by ``pass`` lines."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    saved: list[str] = []
    continuing = False
    for line in lines:
        match = _MAGIC.match(line)
        if continuing or match:
            indent = match.group(1) if match else ""
            ending = "\n" if line.endswith("\n") else ""
            out.append(f"{indent}{_PLACEHOLDER.format(len(saved))}{ending}")
            saved.append(line)
            continuing = line.rstrip("\r\n").endswith("\\")
        else:
            out.append(line)
    return "".join(out), saved


def _unmask(code: str, saved: list[str]) -> str:
    lines = code.splitlines(keepends=True)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("pass  # tessera-upgrade magic "):
            index = int(stripped.rsplit(" ", 1)[1])
            lines[i] = saved[index]
    return "".join(lines)


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _is_python(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and not _cell_source(cell).lstrip().startswith("%%")


def _json_indent(text: str) -> int | None:
    match = re.search(r"^\{\r?\n( +)\"", text)
    return len(match.group(1)) if match else None


def upgrade_notebook(text: str, options: Options) -> tuple[str | None, list[LogEntry]]:
    """Upgrade a notebook's JSON text cell by cell; imports are shared across cells."""
    try:
        notebook = json.loads(text)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        return None, [LogEntry(1, 0, ERROR, f"Not a Jupyter notebook ({exc}); the file was left unchanged.")]
    parsed: dict[int, tuple[cst.Module, list[str], str]] = {}
    logs: list[LogEntry] = []
    for index, cell in enumerate(cells):
        if not _is_python(cell):
            continue
        number = index + 1  # cells are numbered as in the notebook, all kinds counted
        masked, saved = _mask_magics(_cell_source(cell))
        try:
            parsed[index] = (parse(masked), saved, masked)
        except cst.ParserSyntaxError as exc:
            entry = parse_error(exc, masked)
            message = entry.message.replace("The file was left unchanged", "The cell was left unchanged")
            logs.append(replace(entry, message=message, cell=number))
    bindings = collect([m for m, _, _ in parsed.values()], options.upgrade_compat_v1_import)
    logs.extend(versioned_import_logs(bindings))
    changed = False
    for index, cell in enumerate(cells):
        if index not in parsed:
            continue
        number = index + 1
        module, saved, masked = parsed[index]
        code, cell_logs = upgrade_parsed(module, bindings, options, masked)
        logs.extend(replace(e, cell=number) for e in cell_logs)
        if code != module.code:
            new_source = _unmask(code, saved)
            if isinstance(cell.get("source"), list):
                cell["source"] = new_source.splitlines(keepends=True)
            else:
                cell["source"] = new_source
            changed = True
    logs.sort(key=lambda e: (e.cell or 0, e.line, e.col))
    if not changed:
        return text, logs
    dumped = json.dumps(notebook, indent=_json_indent(text), ensure_ascii=False)
    if text.endswith("\n"):
        dumped += "\n"
    return dumped, logs
