"""Upgrade one file on disk: read as UTF-8, convert, write atomically keeping its mode."""

from __future__ import annotations

import difflib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field

from ._log import LogEntry
from ._notebook import upgrade_notebook
from ._options import Options
from ._source import upgrade_source
from ._tables import ERROR, WARNING

_BOM = "\ufeff"


@dataclass
class FileResult:
    """The outcome for one converted file."""

    in_path: str
    out_path: str
    logs: list[LogEntry] = field(default_factory=list)
    changed: bool = False
    converted: bool = False  # parsed and transformed (False: left untouched)
    diff: str = ""

    @property
    def issues(self) -> list[LogEntry]:
        return [e for e in self.logs if e.level in (WARNING, ERROR)]

    @property
    def has_error(self) -> bool:
        return any(e.level == ERROR for e in self.logs)


def is_notebook(path: str) -> bool:
    return path.endswith(".ipynb")


def upgrade_text(path: str, text: str, options: Options) -> tuple[str | None, list[LogEntry]]:
    """Dispatch on the file kind; None as the text means "could not convert, leave it"."""
    if is_notebook(path):
        return upgrade_notebook(text, options)
    result = upgrade_source(text, options)
    return result.new_text, result.logs


def write_atomic(path: str, text: str, mode_from: str | None) -> None:
    """Write UTF-8 ``text`` via a temporary file and rename, giving it ``mode_from``'s mode."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tf-upgrade-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if mode_from is not None:
            os.chmod(tmp, stat.S_IMODE(os.stat(mode_from).st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def process_file(in_path: str, out_path: str, options: Options, *, write: bool = True,
                 want_diff: bool = False, display: str | None = None) -> FileResult:
    """Convert ``in_path`` into ``out_path`` (may be the same path).

    A file that cannot be read as UTF-8 or parsed is reported with an ERROR and never
    truncated: in place it is not touched, elsewhere it is copied unchanged.
    """
    result = FileResult(in_path, out_path)
    try:
        with open(in_path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        result.logs.append(LogEntry(1, 0, ERROR, f"Not UTF-8 ({exc.reason} at byte {exc.start}); the file was left unchanged. Re-encode it as UTF-8 and run again."))
        _copy_unchanged(in_path, out_path, write)
        return result
    bom = text.startswith(_BOM)
    new_text, logs = upgrade_text(in_path, text[1:] if bom else text, options)
    result.logs = logs
    if new_text is None:
        _copy_unchanged(in_path, out_path, write)
        return result
    result.converted = True
    if bom:
        new_text = _BOM + new_text
    result.changed = new_text != text
    if want_diff and result.changed:
        name = display or in_path
        result.diff = "".join(difflib.unified_diff(
            text.splitlines(keepends=True), new_text.splitlines(keepends=True),
            fromfile=f"a/{name}", tofile=f"b/{name}",
        ))
    if write:
        same = os.path.exists(out_path) and os.path.samefile(in_path, out_path)
        if result.changed or not same:
            write_atomic(out_path, new_text, in_path)
    return result


def _copy_unchanged(in_path: str, out_path: str, write: bool) -> None:
    if write and not (os.path.exists(out_path) and os.path.samefile(in_path, out_path)):
        shutil.copy2(in_path, out_path)
